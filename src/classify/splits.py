"""Deterministic splits, stratified by label and grouped by near-duplicate cluster."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from typing import Sequence

import numpy as np

SPLIT_NAMES = ("train", "validation", "test")


def parse_fractions(spec: str | Sequence[float]) -> tuple[float, float, float]:
    """Parse ``"0.8,0.1,0.1"`` (or a sequence) into three fractions that sum to 1."""
    if isinstance(spec, str):
        try:
            parts = [float(p) for p in spec.split(",")]
        except ValueError as e:
            raise ValueError(f"--split {spec!r}: expected three numbers like 0.8,0.1,0.1") from e
    else:
        parts = [float(p) for p in spec]
    if len(parts) != 3 or any(p < 0 for p in parts) or abs(sum(parts) - 1.0) > 1e-6:
        raise ValueError(f"--split {spec!r}: expected three non-negative fractions summing to 1 (train,validation,test)")
    return parts[0], parts[1], parts[2]


def _stable_int(text: str) -> int:
    return int.from_bytes(hashlib.sha1(text.encode("utf-8")).digest()[:4], "big")


def assign_splits(
    labels: Sequence[str],
    groups: Sequence[str],
    fractions: tuple[float, float, float] = (0.8, 0.1, 0.1),
    seed: int = 0,
) -> list[str]:
    """Return a split name per record.

    All records of one group land in the same split. Groups are dealt out per label (the group's
    majority label) so that every label is spread over the splits in the requested proportions as far
    as whole groups allow. The result depends only on the records, the fractions and ``seed``.
    """
    if len(labels) != len(groups):
        raise ValueError("labels and groups must have the same length")
    members: dict[str, list[int]] = defaultdict(list)
    for i, g in enumerate(groups):
        members[g].append(i)
    by_label: dict[str, list[str]] = defaultdict(list)
    for g, idx in members.items():
        counts = Counter(labels[i] for i in idx)
        top = max(sorted(counts), key=lambda lab: counts[lab])
        by_label[top].append(g)

    out = [""] * len(labels)
    frac = np.asarray(fractions, dtype=float)
    for label in sorted(by_label):
        keys = sorted(by_label[label])
        rng = np.random.default_rng([seed, _stable_int(label)])
        keys = [keys[i] for i in rng.permutation(len(keys))]
        keys.sort(key=lambda g: -len(members[g]))  # stable: big clusters first, shuffled within a size
        total = sum(len(members[g]) for g in keys)
        filled = np.zeros(3)
        for g in keys:
            deficit = frac * total - filled
            # the split furthest below its target takes the group; ties go to the earlier split
            choice = int(np.argmax(np.where(frac > 0, deficit, -np.inf)))
            filled[choice] += len(members[g])
            for i in members[g]:
                out[i] = SPLIT_NAMES[choice]
    return out
