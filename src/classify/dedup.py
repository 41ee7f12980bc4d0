"""Near-duplicate clusters: copies and rewrites of one story, found with MinHash.

Two signals, both MinHash LSH with the candidates verified on their signatures:
- *copies*: Jaccard similarity of word 3-gram shingles (syndicated text, chrome aside);
- *same story*: Jaccard similarity of the sets of content words (4+ letters), which also links one
  agency story rewritten by different outlets. Over-grouping only makes split groups coarser, while a
  missed link leaks a story across splits, so this threshold leans towards recall.

Every record gets a ``dup_group`` key: records in one cluster share it, a record with no near-duplicate
gets its own id. Splits are made over these groups, so no cluster ever crosses train/validation/test.
Groups given in the input (a ``dup_group`` column) are honoured as well: the final clusters are the
union of what the input says and what MinHash finds.
"""

from __future__ import annotations

import hashlib
import zlib
from dataclasses import dataclass, field
from typing import Iterable

import numpy as np
from datasketch import MinHash, MinHashLSH

from classify.text import word_tokens


@dataclass
class DedupConfig:
    """How near-duplicates are found."""

    shingle_size: int = 3  #: words per shingle
    num_perm: int = 128  #: MinHash permutations (memory per record: 8 bytes each, for the story signal)
    threshold: float = 0.5  #: estimated Jaccard similarity above which two records are one cluster
    min_shingles: int = 5  #: records with fewer shingles (near-empty pages) are never clustered
    story_threshold: float = 0.22  #: content-word Jaccard for "same story" links; 0 turns them off
    story_min_chars: int = 4  #: content words are word tokens at least this long, digits excluded


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def add(self, x: str) -> None:
        self.parent.setdefault(x, x)

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:  # path compression
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            # keep the lexicographically smaller root so that group keys do not depend on input order
            if rb < ra:
                ra, rb = rb, ra
            self.parent[rb] = ra


def hash_text(text: str) -> int:
    """A deterministic 64-bit hash of ``text`` (exact-copy detection)."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def shingles(words: list[str], size: int) -> list[bytes]:
    """Word ``size``-grams of ``words`` (Turkish-lowercased word tokens) as UTF-8 bytes."""
    if len(words) < size:
        return [" ".join(words).encode("utf-8")] if words else []
    return [" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)]


@dataclass
class DuplicateFinder:
    """Collects records one at a time (streaming) and clusters them at the end."""

    config: DedupConfig = field(default_factory=DedupConfig)

    def __post_init__(self) -> None:
        self._lsh = MinHashLSH(threshold=self.config.threshold, num_perm=self.config.num_perm)
        self._story_lsh = (MinHashLSH(threshold=self.config.story_threshold, num_perm=self.config.num_perm)
                           if self.config.story_threshold > 0 else None)
        self._story_sigs: dict[str, np.ndarray] = {}
        self._uf = _UnionFind()
        self._given: dict[str, str] = {}  # input dup_group value -> first record id carrying it
        # crc32 is deterministic across processes (so splits are reproducible) and far cheaper than sha1
        self._template = MinHash(num_perm=self.config.num_perm, seed=1, hashfunc=zlib.crc32)
        self._exact: dict[int, str] = {}  # hash of the whole text -> first record with that text
        self.found_pairs = 0  #: pairs linked by MinHash (not by the input's groups)

    def add(self, record_id: str, text: str, given_group: str | None = None) -> None:
        """Add one record; link it to earlier near-duplicates and to records with the same given group."""
        self._uf.add(record_id)
        if given_group:
            first = self._given.setdefault(str(given_group), record_id)
            self._uf.union(first, record_id)
        key = hash_text(text)
        first = self._exact.get(key)
        if first is not None:  # an exact copy: same cluster, nothing to index
            self._uf.union(first, record_id)
            self.found_pairs += 1
            return
        self._exact[key] = record_id
        words = word_tokens(text)
        sh = shingles(words, self.config.shingle_size)
        if len(sh) < self.config.min_shingles:
            return
        mh = self._minhash(sh)
        for other in self._lsh.query(mh):
            if self._uf.find(other) != self._uf.find(record_id):
                self._uf.union(other, record_id)
                self.found_pairs += 1
        self._lsh.insert(record_id, mh, check_duplication=False)
        if self._story_lsh is not None:
            self._add_story(record_id, words)

    def _minhash(self, items: list[bytes]) -> MinHash:
        mh = self._template.copy()
        mh.clear()
        mh.update_batch(items)
        return mh

    def _add_story(self, record_id: str, words: list[str]) -> None:
        content = {w for w in words if len(w) >= self.config.story_min_chars and not w.isdigit()}
        if len(content) < self.config.min_shingles:
            return
        mh = self._minhash([w.encode("utf-8") for w in content])
        sig = mh.hashvalues
        root = self._uf.find(record_id)
        candidates = [o for o in self._story_lsh.query(mh) if self._uf.find(o) != root]  # type: ignore[union-attr]
        if candidates:
            # LSH candidates are only likely matches: keep those whose estimated Jaccard clears the bar
            similarity = (np.stack([self._story_sigs[o] for o in candidates]) == sig).mean(axis=1)
            for other, sim in zip(candidates, similarity):
                if sim >= self.config.story_threshold:
                    self._uf.union(other, record_id)
                    self.found_pairs += 1
        self._story_lsh.insert(record_id, mh, check_duplication=False)  # type: ignore[union-attr]
        self._story_sigs[record_id] = sig

    def groups(self, ids: Iterable[str]) -> dict[str, str]:
        """Map each record id to its group key (the smallest id in its cluster)."""
        return {i: self._uf.find(i) for i in ids}


def group_sizes(groups: dict[str, str]) -> np.ndarray:
    """Sizes of the clusters in ``groups`` (id -> key)."""
    _, counts = np.unique(np.array(list(groups.values()), dtype=object), return_counts=True)
    return counts
