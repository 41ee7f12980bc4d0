"""TF-IDF model family: scikit-learn Pipelines over Turkish word and character n-grams.

The pipeline is ``TurkishNormalizer`` -> ``TurkishTfidfVectorizer`` -> head, where the head is a
class-weighted ``LogisticRegression``, a sigmoid-calibrated ``LinearSVC`` or a calibrated ``ComplementNB``;
every head gives probabilities, so :mod:`classify.evaluation` and :mod:`classify.predict` never care which.

Why two custom transformers instead of ``TfidfVectorizer``: batch prediction must run at thousands of
articles a second on two cores, and sklearn's Python analyzers manage about 170/s with character n-grams.
The work here is arranged so that Python never loops over characters or n-grams:

* :class:`TurkishNormalizer` handles a whole batch as one string: Turkish casing with two ``str.replace``
  and one ``str.lower``, then byte-level ``bytes.translate`` / ``bytes.replace`` and two compiled regexes for
  punctuation, digits (each digit becomes ``0``, so figures keep only their shape: ``2025`` -> ``0000``) and
  apostrophe suffixes (``Ankara'da`` -> ``ankara``).
* :class:`TurkishTfidfVectorizer` splits the batch once (``bytes.split``), maps tokens to ids with one
  ``map(dict.get, ...)`` and builds every count matrix with numpy/scipy. Character n-grams are taken inside
  words (sklearn's ``char_wb``), so a document's n-gram counts are its word counts times a fixed
  word -> n-gram matrix learned at fit time: one sparse matrix product replaces millions of Python string
  slices. Words never seen in training are decomposed per batch, once per distinct word, by rolling
  64-bit polynomial hashes over their code points with numpy (no per-character Python either).

Models are saved with skops (never pickle) and loaded against :data:`TRUSTED_TYPES`, an explicit allow-list.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timezone
from itertools import product, repeat
from pathlib import Path
from typing import Any, Literal

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from classify.models.base import MODEL_INFO_FILE, ModelInfo, atomic_directory, package_versions

__all__ = [
    "TRUSTED_TYPES",
    "SearchConfig",
    "TfidfClassifier",
    "TfidfConfig",
    "TurkishNormalizer",
    "TurkishTfidfVectorizer",
    "UntrustedModelError",
    "build_pipeline",
    "normalize_batch",
]

WEIGHTS_FILE = "model.skops"
RULES_FILE = "rules.yaml"  #: the labelling rules a model with ``rules`` mixes in (self-contained YAML)

# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------

_SEP = " \x00 "  # joins documents of a batch; "\x00" survives normalisation as a token of its own
_SEP_BYTES = _SEP.encode()
_SENTINEL = b"\x00"

# Apostrophe variants (’ ‘ ʼ ´ and the backtick) become "'" before the suffix rule runs.
_APOSTROPHES = [(c.encode(), b"'") for c in "\u2019\u2018\u02bc\u00b4`"]
# General Punctuation (U+2000-U+206F: dashes, curly quotes, ellipsis, bullets, zero-width spaces) and the
# Latin-1 symbols block (U+00A0-U+00BF: nbsp, «», °, §, ·) become spaces, matched as UTF-8 byte sequences.
_WIDE_PUNCT = re.compile(rb"\xe2\x80[\x80-\xbf]|\xe2\x81[\x80-\xaf]|\xc2[\xa0-\xbf]")
# An apostrophe that starts a word is a quotation mark; inside a word it starts a suffix (dropped).
_SUFFIX = re.compile(rb"'\S*")


def _byte_table() -> bytes:
    table = bytearray(range(256))
    for c in range(ord("A"), ord("Z") + 1):
        table[c] = c + 32
    for c in b"!\"#$%&()*+,-./:;<=>?@[\\]^_{|}~":
        table[c] = 32
    for c in range(1, 32):  # controls and ASCII whitespace; "\x00" is the document separator
        table[c] = 32
    table[10] = 10  # line breaks stay: the first one ends the headline (see TurkishTfidfVectorizer)
    table[127] = 32
    for c in b"0123456789":
        table[c] = ord("0")
    return bytes(table)


_TABLE = _byte_table()


def _normalize_blob(texts: Sequence[str]) -> bytes:
    """Normalise a batch joined by :data:`_SEP` as UTF-8 bytes (documents stay separated by ``\\x00``)."""
    blob = _SEP.join(texts)
    if blob.count("\x00") != max(len(texts) - 1, 0):  # a NUL inside a text would split it in two
        blob = _SEP.join(t.replace("\x00", " ") for t in texts)
    blob = " " + blob.replace("İ", "i").replace("I", "ı").lower()  # " ": a quote opening the batch
    data = blob.encode("utf-8", "ignore")
    for src, dst in _APOSTROPHES:
        if src in data:
            data = data.replace(src, dst)
    data = _WIDE_PUNCT.sub(b" ", data)
    data = data.translate(_TABLE)
    data = data.replace(b" '", b" ").replace(b"\n'", b"\n")
    return _SUFFIX.sub(b"", data)


def normalize_batch(texts: Sequence[str]) -> list[str]:
    """Normalise texts for TF-IDF: Turkish lower-case, digits -> ``0``, punctuation -> space, suffixes off.

    ``"İSTANBUL'da 2.500 TL!"`` -> ``"istanbul 0 000 tl "`` (whitespace is not collapsed: the vectorizer
    splits on it; line breaks are kept, the vectorizer reads the first line as the headline). ``İ``/``I`` follow Turkish rules (``IĞDIR`` -> ``ığdır``); every other letter is
    lower-cased by ``str.lower``.
    """
    if len(texts) == 0:
        return []
    parts = _normalize_blob(texts).split(_SEP_BYTES)
    parts[0] = parts[0][1:]  # the space _normalize_blob put in front
    return [p.decode("utf-8", "ignore") for p in parts]


def _text_tags(tags: Any) -> Any:
    """Estimator tags for transformers that take a 1-d sequence of strings."""
    tags.input_tags.one_d_array = True
    tags.input_tags.two_d_array = False
    tags.input_tags.string = True
    return tags


def _as_texts(X: Any, name: str) -> list[str]:
    """Accept a list/array/Series of strings; reject a bare string (a classic sklearn text mistake)."""
    if isinstance(X, (str, bytes)):
        raise ValueError(f"{name} expects an iterable of strings, not a single string")  # noqa: TRY004 - as sklearn
    if hasattr(X, "ndim") and X.ndim != 1:
        raise ValueError(f"{name} expects a 1-d sequence of strings, got an array of shape {X.shape}")
    texts = list(X)
    for i, t in enumerate(texts):
        if not isinstance(t, str):
            raise ValueError(f"{name} expects strings; item {i} is {type(t).__name__}")  # noqa: TRY004 - as sklearn
    return texts


class TurkishNormalizer(TransformerMixin, BaseEstimator):
    """Stateless text -> text step: see :func:`normalize_batch`.

    A pipeline step (rather than a preprocessing script) so that training and prediction can never
    disagree on normalisation, and so that it is saved with the model.
    """

    def fit(self, X: Any, y: Any = None) -> TurkishNormalizer:
        """Nothing to learn; validates the input."""
        _as_texts(X, type(self).__name__)
        return self

    def transform(self, X: Any) -> list[str]:
        return normalize_batch(_as_texts(X, type(self).__name__))

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = _text_tags(super().__sklearn_tags__())
        tags.requires_fit = False
        return tags


# --------------------------------------------------------------------------------------------------
# Vectoriser
# --------------------------------------------------------------------------------------------------


def _char_ngrams(word: str, lo: int, hi: int, edges_only: bool = False) -> list[str]:
    """``char_wb`` n-grams of one word, padded with spaces (``" ank"`` is a prefix, ``"da "`` a suffix).

    The reference definition (the same n-grams as scikit-learn's ``analyzer="char_wb"``); the vectoriser
    computes the same thing for many words at once with :func:`_char_ngram_hashes`.
    """
    padded = f" {word} "
    size = len(padded)
    if size < lo:  # as sklearn: a padded word shorter than min_n counts once, whole
        return [padded]
    out: list[str] = []
    for n in range(lo, hi + 1):
        if n > size:
            break
        if edges_only:
            out.append(padded[:n])
            if size > n:
                out.append(padded[size - n:])
        else:
            out.extend(padded[i:i + n] for i in range(size - n + 1))
    return out


_HASH_BASE = np.uint64(0x100000001B3)  # FNV-1 64-bit prime: multiplier of the polynomial hash
_HASH_LEN = np.uint64(0x9E3779B97F4A7C15)  # golden-ratio constant: mixes the n-gram length into the hash


class _Grams:
    """Character n-grams of a list of words: word index, 64-bit hash, position in ``text`` and length."""

    __slots__ = ("hash", "pos", "size", "text", "word")

    def __init__(self, word: np.ndarray, hash: np.ndarray, pos: np.ndarray, size: np.ndarray, text: str) -> None:
        self.word, self.hash, self.pos, self.size, self.text = word, hash, pos, size, text

    def string(self, i: int) -> str:
        """The n-gram at index ``i`` as text."""
        p = int(self.pos[i])
        return self.text[p:p + int(self.size[i])]


def _char_ngram_hashes(words: Sequence[str], lo: int, hi: int, edges_only: bool = False) -> _Grams:
    """All ``char_wb`` n-grams of ``words`` as hashes, computed with numpy for all words at once.

    The padded words are concatenated into one array of code points; the n-gram hashes of every length
    are rolled forward with one vectorised multiply-add per length (uint64 arithmetic wraps, which is
    the intended modulus), and windows that straddle two words are dropped. Collisions between distinct
    n-grams of a vocabulary are possible in principle (64-bit hashes: ~1e-8 for a million n-grams).
    """
    if not words:
        empty = np.zeros(0, dtype=np.int64)
        return _Grams(empty, np.zeros(0, dtype=np.uint64), empty, empty, "")
    text = "".join(f" {w} " for w in words)
    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    sizes = np.fromiter((len(w) + 2 for w in words), dtype=np.int64, count=len(words))
    ends = np.cumsum(sizes)
    starts = ends - sizes
    word_of = np.repeat(np.arange(len(words)), sizes)
    total = codes.size
    parts_w, parts_h, parts_p, parts_n = [], [], [], []
    h = np.zeros(total, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for n in range(1, hi + 1):
            m = total - n + 1
            if m <= 0:
                break
            h = h[:m] * _HASH_BASE + codes[n - 1:n - 1 + m]
            if n < lo:
                continue
            valid = word_of[:m] == word_of[n - 1:n - 1 + m]
            if edges_only:
                pos = np.arange(m)
                valid &= (pos == starts[word_of[:m]]) | (pos + n == ends[word_of[:m]])
            idx = np.flatnonzero(valid)
            parts_w.append(word_of[idx])
            parts_h.append(h[idx] + np.uint64(n) * _HASH_LEN)
            parts_p.append(idx)
            parts_n.append(np.full(idx.size, n, dtype=np.int64))
        short = np.flatnonzero(sizes < lo)  # sklearn counts a padded word shorter than min_n once, whole
        if short.size:
            for k in short.tolist():
                hv = np.zeros(1, dtype=np.uint64)
                for c in codes[starts[k]:ends[k]]:
                    hv = hv * _HASH_BASE + c
                parts_w.append(np.array([k]))
                parts_h.append(hv + np.uint64(sizes[k]) * _HASH_LEN)
                parts_p.append(np.array([starts[k]]))
                parts_n.append(np.array([sizes[k]]))
    if not parts_w:
        empty = np.zeros(0, dtype=np.int64)
        return _Grams(empty, np.zeros(0, dtype=np.uint64), empty, empty, text)
    return _Grams(np.concatenate(parts_w), np.concatenate(parts_h), np.concatenate(parts_p),
                  np.concatenate(parts_n), text)


def _join_strings(items: Sequence[str]) -> np.ndarray:
    """Strings -> one uint8 array (newline-separated UTF-8): skops stores arrays, not 500k-entry dicts."""
    return np.frombuffer("\n".join(items).encode("utf-8"), dtype=np.uint8).copy()


def _split_strings(blob: np.ndarray) -> list[str]:
    if blob.size == 0:
        return []
    return blob.tobytes().decode("utf-8").split("\n")


def _csr(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, data: np.ndarray | None = None) -> sp.csr_matrix:
    """Counts matrix from (row, col) pairs; rows need not be sorted; duplicates are summed."""
    if data is None:
        data = np.ones(len(rows), dtype=np.float64)
    m = sp.csr_matrix((data, (rows, cols)), shape=(n_rows, n_cols), dtype=np.float64)
    m.sum_duplicates()
    return m


def _distinct(values: np.ndarray, counts: bool = False):  # type: ignore[no-untyped-def]
    """Sorted distinct values (and how often each occurs): one sort, cheaper than np.unique here."""
    s = np.sort(values)
    if s.size == 0:
        return (s, np.zeros(0, dtype=np.int64)) if counts else s
    starts = np.flatnonzero(np.concatenate(([True], s[1:] != s[:-1])))
    if not counts:
        return s[starts]
    return s[starts], np.diff(np.concatenate((starts, [s.size])))


def _idf(df: np.ndarray, n_docs: int) -> np.ndarray:
    """sklearn's smoothed idf: ``log((1 + n) / (1 + df)) + 1``."""
    return np.log((1.0 + n_docs) / (1.0 + df)) + 1.0


def _weight(counts: sp.csr_matrix, idf: np.ndarray, sublinear: bool) -> sp.csr_matrix:
    """TF-IDF with l2-normalised rows (in place on ``counts``)."""
    counts = counts.tocsr()
    if sublinear and counts.nnz:
        np.log(counts.data, out=counts.data)
        counts.data += 1.0
    if counts.nnz:
        counts.data *= idf[counts.indices]
        sq = np.add.reduceat(counts.data ** 2, counts.indptr[:-1][np.diff(counts.indptr) > 0])
        norms = np.zeros(counts.shape[0])
        norms[np.diff(counts.indptr) > 0] = np.sqrt(sq)
        norms[norms == 0] = 1.0
        counts.data /= np.repeat(norms, np.diff(counts.indptr))
    return counts


class _Tokens:
    """One batch, tokenised: lexicon ids per token with the document each token belongs to."""

    __slots__ = ("doc", "ids", "n_docs", "n_title", "oov_words")

    def __init__(self, ids: np.ndarray, doc: np.ndarray, n_docs: int, oov_words: list[bytes],
                 n_title: np.ndarray | None = None) -> None:
        self.ids = ids  #: lexicon id per token; ids >= n_lexicon are this batch's unseen words
        self.doc = doc  #: document index per token
        self.n_docs = n_docs
        self.oov_words = oov_words  #: unseen words, in the order of their ids
        self.n_title = n_title  #: tokens on each document's first line (its headline), if asked for


class TurkishTfidfVectorizer(TransformerMixin, BaseEstimator):
    """Normalised texts -> TF-IDF features: word n-grams and within-word character n-grams.

    Two blocks, each TF-IDF weighted (smoothed idf, optional sublinear tf) and l2-normalised on its own,
    then concatenated with the character block scaled by ``char_weight`` (so neither block drowns the
    other merely by having more features).

    Parameters
    ----------
    word_ngram_range : (min_n, max_n) of word n-grams, within (1, 2); ``None`` for no word block.
    char_ngram_range : (min_n, max_n) of character n-grams inside space-padded words; ``None`` for none.
    char_edges_only : keep only the n-grams touching a word boundary (prefixes and suffixes: stems and
        endings in Turkish); several times fewer features, a little less accuracy.
    min_df : drop n-grams found in fewer training documents than this.
    max_df : drop n-grams found in more than this share of training documents.
    sublinear_tf : use ``1 + log(tf)`` instead of raw counts.
    char_weight : scale of the character block relative to the word block.
    lead_tokens, lead_weight : the first ``lead_tokens`` tokens of a document (headline and lead, where
        news states its topic) count ``lead_weight`` times.
    title_weight : when > 0, the words of each text's first line (the headline: see
        :func:`classify.models.document_text`) also form a third block, word n-grams with the word
        vocabulary and idf, l2-normalised and scaled by ``title_weight``: a headline then weighs as much as
        the whole body however long the body is.
    """

    def __init__(
        self,
        *,
        word_ngram_range: tuple[int, int] | None = (1, 2),
        char_ngram_range: tuple[int, int] | None = (2, 5),
        char_edges_only: bool = False,
        min_df: int = 2,
        max_df: float = 1.0,
        sublinear_tf: bool = True,
        char_weight: float = 1.0,
        lead_tokens: int = 0,
        lead_weight: float = 1.0,
        title_weight: float = 0.0,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.char_edges_only = char_edges_only
        self.min_df = min_df
        self.max_df = max_df
        self.sublinear_tf = sublinear_tf
        self.char_weight = char_weight
        self.lead_tokens = lead_tokens
        self.lead_weight = lead_weight
        self.title_weight = title_weight

    # -- persistence: the look-up dicts are rebuilt from arrays, never saved ----------------------

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        return {k: v for k, v in state.items() if not k.startswith("_cache")}

    def _bigram_words(self) -> tuple[np.ndarray, np.ndarray]:
        """Masks over the lexicon: words that start / end some kept bigram (skips hopeless look-ups)."""
        masks = self.__dict__.get("_cache_bigram_words")
        if masks is None:
            first = np.zeros(self.n_lexicon_, dtype=bool)
            second = np.zeros(self.n_lexicon_, dtype=bool)
            first[self.bigram_keys_ // self.n_lexicon_] = True
            second[self.bigram_keys_ % self.n_lexicon_] = True
            masks = self.__dict__["_cache_bigram_words"] = (first, second)
        return masks

    def _lexicon(self) -> dict[bytes, int]:
        """word -> lexicon id, built on first use after fit/load (from the ``lexicon_`` byte array)."""
        lexicon = self.__dict__.get("_cache_lexicon")
        if lexicon is None:
            words = self.lexicon_.tobytes().split(b"\n") if self.lexicon_.size else []
            lexicon = dict(zip(words, range(len(words))))
            lexicon[_SENTINEL] = -2
            self.__dict__["_cache_lexicon"] = lexicon
        return lexicon

    # -- validation ---------------------------------------------------------------------------------

    def _check_params(self) -> None:
        w, c = self.word_ngram_range, self.char_ngram_range
        if w is None and c is None:
            raise ValueError("word_ngram_range and char_ngram_range cannot both be None")
        if w is not None and not (len(w) == 2 and 1 <= w[0] <= w[1] <= 2):
            raise ValueError(f"word_ngram_range must be within (1, 2), got {w!r}")
        if c is not None and not (len(c) == 2 and 1 <= c[0] <= c[1] <= 12):
            raise ValueError(f"char_ngram_range must satisfy 1 <= min_n <= max_n <= 12, got {c!r}")
        if not (isinstance(self.min_df, (int, np.integer)) and self.min_df >= 1):
            raise ValueError(f"min_df must be an integer >= 1, got {self.min_df!r}")
        if not 0.0 < float(self.max_df) <= 1.0:
            raise ValueError(f"max_df must be in (0, 1], got {self.max_df!r}")
        if self.char_weight < 0:
            raise ValueError(f"char_weight must be >= 0, got {self.char_weight!r}")

    # -- tokenisation -----------------------------------------------------------------------------

    def _tokenize(self, texts: Sequence[str], lexicon: dict[bytes, int], n_lexicon: int) -> _Tokens:
        """Split a batch once, map tokens to ids; unseen words get ids from ``n_lexicon`` upwards."""
        blob = _SEP.join(texts).encode("utf-8", "ignore")
        tokens = blob.split()
        ids = np.fromiter(map(lexicon.get, tokens, repeat(-1)), dtype=np.int64, count=len(tokens))
        boundary = ids == -2
        doc = np.cumsum(boundary)
        keep = ~boundary
        oov_at = np.flatnonzero(ids == -1)
        oov_words: list[bytes] = []
        if oov_at.size:
            local: dict[bytes, int] = {}
            new_ids = np.empty(oov_at.size, dtype=np.int64)
            for k, i in enumerate(oov_at.tolist()):
                word = tokens[i]
                j = local.get(word)
                if j is None:
                    j = local[word] = len(local)
                new_ids[k] = n_lexicon + j
            ids[oov_at] = new_ids
            oov_words = list(local)
        n_title = None
        if self.title_weight > 0:
            n_title = np.fromiter((len(t[:t.find("\n")].split()) if "\n" in t else 0 for t in texts),
                                  dtype=np.int64, count=len(texts))
        return _Tokens(ids[keep], doc[keep], len(texts), oov_words, n_title)

    def _tokenize_fit(self, texts: Sequence[str]) -> _Tokens:
        """Tokenise the training batch; every distinct word becomes a lexicon entry (ids in first-seen
        order, returned as ``oov_words``), with two C-level passes instead of a per-token loop."""
        tokens = _SEP.join(texts).encode("utf-8", "ignore").split()
        words = [w for w in dict.fromkeys(tokens) if w != _SENTINEL]
        lexicon = dict(zip(words, range(len(words))))
        lexicon[_SENTINEL] = -2
        ids = np.fromiter(map(lexicon.__getitem__, tokens), dtype=np.int64, count=len(tokens))
        boundary = ids == -2
        doc = np.cumsum(boundary)
        keep = ~boundary
        n_title = None
        if self.title_weight > 0:
            n_title = np.fromiter((len(t[:t.find("\n")].split()) if "\n" in t else 0 for t in texts),
                                  dtype=np.int64, count=len(texts))
        return _Tokens(ids[keep], doc[keep], len(texts), words, n_title)

    # -- fit ----------------------------------------------------------------------------------------

    def fit(self, X: Any, y: Any = None) -> TurkishTfidfVectorizer:
        self.fit_transform(X, y)
        return self

    def fit_transform(self, X: Any, y: Any = None) -> sp.csr_matrix:
        """Learn the lexicon, n-gram vocabularies and idf weights; return the training matrix."""
        self._check_params()
        texts = _as_texts(X, type(self).__name__)
        if not texts:
            raise ValueError(f"{type(self).__name__} needs at least one document to fit")
        for key in [k for k in self.__dict__ if k.startswith("_cache")]:
            del self.__dict__[key]
        n = len(texts)
        # every distinct training word gets a lexicon id (df 1 included: its n-grams still count)
        tok = self._tokenize_fit(texts)
        words = tok.oov_words
        n_lex = len(words)
        ids, doc = tok.ids, tok.doc
        max_docs = self.max_df * n
        blocks: list[sp.csr_matrix] = []

        word_columns = np.full(n_lex, -1, dtype=np.int64)
        bigram_keys = np.zeros(0, dtype=np.int64)
        word_idf = np.zeros(0)
        w = self.word_ngram_range
        if w is not None:
            parts = []
            if w[0] == 1:
                df = np.bincount(_distinct(doc * n_lex + ids) % n_lex, minlength=n_lex) if n_lex else np.zeros(0, int)
                kept = np.flatnonzero((df >= self.min_df) & (df <= max_docs))
                word_columns[kept] = np.arange(kept.size)
                parts.append(df[kept])
            if w[1] == 2:
                same = doc[1:] == doc[:-1]
                keys = (ids[:-1] * n_lex + ids[1:])[same]
                pair_doc = doc[1:][same]
                uniq_keys = _distinct(pair_doc * (n_lex * n_lex) + keys) % (n_lex * n_lex) if keys.size else keys
                cand, df2 = _distinct(uniq_keys, counts=True)
                ok = (df2 >= self.min_df) & (df2 <= max_docs)
                bigram_keys = cand[ok]
                parts.append(df2[ok])
            word_df = np.concatenate(parts) if parts else np.zeros(0)
            word_idf = _idf(word_df, n)
        self.lexicon_ = np.frombuffer(b"\n".join(words), dtype=np.uint8).copy()
        self.word_columns_ = word_columns
        self.bigram_keys_ = bigram_keys
        self.word_idf_ = word_idf

        c = self.char_ngram_range
        if c is not None:
            grams = _char_ngram_hashes([wd.decode("utf-8", "ignore") for wd in words], c[0], c[1],
                                       self.char_edges_only)
            uniq, first, inverse = np.unique(grams.hash, return_index=True, return_inverse=True)
            pieces = _csr(grams.word, inverse.ravel(), n_lex, uniq.size)
            # counts over all n-grams, once: their columns give document frequencies, and the kept
            # columns are the training matrix's character block (no second product)
            counts = self._word_matrix(tok, self._lead_weights(tok), n_lex) @ pieces
            df = np.bincount(counts.indices, minlength=uniq.size)
            kept = np.flatnonzero((df >= self.min_df) & (df <= max_docs))
            self.char_hashes_ = uniq[kept]  # sorted: np.unique sorts and ``kept`` is increasing
            self.char_vocabulary_ = _join_strings([grams.string(i) for i in first[kept].tolist()])
            self.pieces_ = pieces[:, kept].tocsr()
            self.char_idf_ = _idf(df[kept], n)
            char_counts = counts[:, kept].tocsr()
        else:
            self.char_hashes_ = np.zeros(0, np.uint64)
            self.char_vocabulary_ = np.zeros(0, np.uint8)
            self.pieces_ = sp.csr_matrix((n_lex, 0))
            self.char_idf_ = np.zeros(0)
            char_counts = None
        self.n_lexicon_ = n_lex
        n_title_cols = self.word_idf_.size if self.title_weight > 0 and self.word_ngram_range is not None else 0
        self.n_features_out_ = int(self.word_idf_.size + n_title_cols + self.char_idf_.size)
        blocks = self._blocks(tok, char_counts)
        return sp.hstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]

    # -- transform ----------------------------------------------------------------------------------

    def transform(self, X: Any) -> sp.csr_matrix:
        check_is_fitted(self, "pieces_")
        texts = _as_texts(X, type(self).__name__)
        lexicon = self._lexicon()
        tok = self._tokenize(texts, lexicon, self.n_lexicon_)
        blocks = self._blocks(tok)
        return sp.hstack(blocks, format="csr") if len(blocks) > 1 else blocks[0]

    @staticmethod
    def _positions(tok: _Tokens) -> np.ndarray:
        """Each token's position within its document."""
        sizes = np.bincount(tok.doc, minlength=tok.n_docs)
        return np.arange(tok.ids.size) - (np.cumsum(sizes) - sizes)[tok.doc]

    def _lead_weights(self, tok: _Tokens) -> np.ndarray | None:
        """Per-token count weights (``lead_weight`` for the first ``lead_tokens`` of a document), or None."""
        if self.lead_tokens > 0 and self.lead_weight != 1.0:
            return np.where(self._positions(tok) < self.lead_tokens, float(self.lead_weight), 1.0)
        return None

    def _word_matrix(self, tok: _Tokens, weight: np.ndarray | None, n_cols: int | None = None) -> sp.csr_matrix:
        """Documents x words, built directly (tokens are in document order); a repeated word stays several
        entries, which a matrix product sums."""
        data = np.ones(tok.ids.size) if weight is None else weight
        indptr = np.concatenate(([0], np.cumsum(np.bincount(tok.doc, minlength=tok.n_docs))))
        cols = self.n_lexicon_ if n_cols is None else n_cols
        return sp.csr_matrix((data, tok.ids, indptr), shape=(tok.n_docs, cols))

    def _blocks(self, tok: _Tokens, char_counts: sp.csr_matrix | None = None) -> list[sp.csr_matrix]:
        n_lex = self.n_lexicon_
        ids, doc, n = tok.ids, tok.doc, tok.n_docs
        known = ids < n_lex
        pos = self._positions(tok) if tok.n_title is not None else None
        weight = self._lead_weights(tok)
        out: list[sp.csr_matrix] = []
        w = self.word_ngram_range
        if w is not None:
            n_uni = int(np.count_nonzero(self.word_columns_ >= 0))
            rows, cols = [], []
            vals = []
            if w[0] == 1:
                col = self.word_columns_[ids[known]]
                hit = col >= 0
                rows.append(doc[known][hit])
                cols.append(col[hit])
                if weight is not None:
                    vals.append(weight[known][hit])
            if w[1] == 2 and self.bigram_keys_.size:
                first, second = self._bigram_words()
                safe = np.where(known, ids, 0)
                ok = known[:-1] & known[1:] & (doc[1:] == doc[:-1]) & first[safe[:-1]] & second[safe[1:]]
                at, hit = self._bigram_lookup(ids[:-1][ok] * n_lex + ids[1:][ok])
                rows.append(doc[1:][ok][hit])
                cols.append(n_uni + at[hit])
                if weight is not None:
                    vals.append(weight[1:][ok][hit])
            r = np.concatenate(rows) if rows else np.zeros(0, np.int64)
            k = np.concatenate(cols) if cols else np.zeros(0, np.int64)
            v = np.concatenate(vals) if vals else None
            out.append(_weight(_csr(r, k, n, self.word_idf_.size, v), self.word_idf_, self.sublinear_tf))
            if tok.n_title is not None and self.title_weight > 0:
                out.append(self._title_block(tok, pos, known))
        if self.char_ngram_range is not None:
            if char_counts is None:  # documents x words times words x n-grams
                pieces = self.pieces_
                if tok.oov_words:
                    pieces = sp.vstack([pieces, self._oov_pieces(tok)], format="csr")
                char_counts = self._word_matrix(tok, weight, pieces.shape[0]) @ pieces
            block = _weight(char_counts, self.char_idf_, self.sublinear_tf)
            if self.char_weight != 1.0:
                block.data *= self.char_weight
            out.append(block)
        return out

    def _bigram_lookup(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Positions of bigram ``keys`` in the sorted vocabulary ``bigram_keys_``, and which are in it."""
        at = np.searchsorted(self.bigram_keys_, keys)
        at[at == self.bigram_keys_.size] = 0
        return at, self.bigram_keys_[at] == keys

    def _title_block(self, tok: _Tokens, pos: np.ndarray, known: np.ndarray) -> sp.csr_matrix:
        """Word n-grams of the headline (first line) only, TF-IDF weighted and scaled by ``title_weight``."""
        w = self.word_ngram_range
        assert w is not None and tok.n_title is not None
        ids, doc, n, n_lex = tok.ids, tok.doc, tok.n_docs, self.n_lexicon_
        in_title = pos < tok.n_title[doc]
        n_uni = int(np.count_nonzero(self.word_columns_ >= 0))
        rows, cols = [], []
        if w[0] == 1:
            sel = known & in_title
            col = self.word_columns_[ids[sel]]
            hit = col >= 0
            rows.append(doc[sel][hit])
            cols.append(col[hit])
        if w[1] == 2 and self.bigram_keys_.size:
            ok = known[:-1] & known[1:] & (doc[1:] == doc[:-1]) & in_title[1:]
            at, hit = self._bigram_lookup(ids[:-1][ok] * n_lex + ids[1:][ok])
            rows.append(doc[1:][ok][hit])
            cols.append(n_uni + at[hit])
        block = _weight(_csr(np.concatenate(rows), np.concatenate(cols), n, self.word_idf_.size),
                        self.word_idf_, self.sublinear_tf)
        block.data *= self.title_weight
        return block

    def _oov_pieces(self, tok: _Tokens) -> sp.csr_matrix:
        """Words unseen in training x character n-grams (the n-grams hashed with numpy)."""
        lo, hi = self.char_ngram_range  # type: ignore[misc]
        n_oov = len(tok.oov_words)
        vocab = self.char_hashes_
        if vocab.size == 0:
            return sp.csr_matrix((n_oov, self.char_idf_.size))
        grams = _char_ngram_hashes([w.decode("utf-8", "ignore") for w in tok.oov_words], lo, hi,
                                   self.char_edges_only)
        at = np.searchsorted(vocab, grams.hash)
        at[at == vocab.size] = 0
        hit = vocab[at] == grams.hash
        return _csr(grams.word[hit], at[hit], n_oov, self.char_idf_.size)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``w:word``, ``w:word word``, ``t:word`` (headline block) and ``c:gram`` names, in column order."""
        check_is_fitted(self, "pieces_")
        words = self.lexicon_.tobytes().decode("utf-8", "ignore").split("\n") if self.lexicon_.size else []
        names: list[str] = []
        if self.word_ngram_range is not None:
            uni = np.flatnonzero(self.word_columns_ >= 0)
            order = np.argsort(self.word_columns_[uni])
            names += [f"w:{words[i]}" for i in uni[order]]
            n_lex = self.n_lexicon_
            names += [f"w:{words[k // n_lex]} {words[k % n_lex]}" for k in self.bigram_keys_.tolist()]
            if self.title_weight > 0:
                names += ["t:" + name[2:] for name in names]
        names += [f"c:{g}" for g in _split_strings(self.char_vocabulary_)]
        return np.asarray(names, dtype=object)

    def __sklearn_tags__(self):  # type: ignore[no-untyped-def]
        tags = _text_tags(super().__sklearn_tags__())
        tags.transformer_tags.preserves_dtype = []
        return tags


# --------------------------------------------------------------------------------------------------
# Config, pipeline and the Classifier
# --------------------------------------------------------------------------------------------------

#: Config fields a hyperparameter search may vary (everything that changes the pipeline).
SEARCHABLE = (
    "head", "C", "alpha", "class_weight", "word_ngram_range", "char_ngram_range", "char_edges_only",
    "min_df", "max_df", "sublinear_tf", "char_weight", "lead_tokens", "lead_weight", "title_weight",
    "calibration",
)


class SearchConfig(BaseModel):
    """Cross-validated grid search over :class:`TfidfConfig` fields (``model.search`` in the config)."""

    model_config = ConfigDict(extra="forbid")

    grid: dict[str, list[Any]] = Field(..., description="field -> candidate values, e.g. {C: [2, 8, 32]}")
    folds: int = Field(3, ge=2, description="cross-validation folds (grouped by dup_group when known)")
    scoring: str = Field("f1_macro", description="sklearn scorer name")

    @field_validator("grid")
    @classmethod
    def _known_fields(cls, grid: dict[str, list[Any]]) -> dict[str, list[Any]]:
        for name, values in grid.items():
            if name not in SEARCHABLE:
                raise ValueError(f"cannot search over {name!r}; searchable fields: {', '.join(SEARCHABLE)}")
            if not isinstance(values, list) or not values:
                raise ValueError(f"{name}: give a non-empty list of candidate values")
        return grid


class TfidfConfig(BaseModel):
    """The ``model:`` section of a TF-IDF training config (one line of documentation per field)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["tfidf"] = "tfidf"
    head: Literal["logreg", "svm", "nb"] = Field("logreg", description="classifier on top of the features")
    C: float = Field(8.0, gt=0, description="inverse regularisation strength (logreg, svm)")
    alpha: float = Field(0.1, gt=0, description="additive smoothing (nb)")
    class_weight: Literal["balanced"] | None = Field("balanced", description="re-weight classes by frequency")
    calibration: Literal["sigmoid", "isotonic"] = Field("sigmoid", description="probability calibration (svm, nb)")
    calibration_folds: int = Field(3, ge=2, description="folds for the calibration of svm/nb heads")
    max_iter: int = Field(2000, ge=10, description="solver iterations (logreg, svm)")
    word_ngram_range: tuple[int, int] | None = Field((1, 2), description="word n-grams, within (1, 2)")
    char_ngram_range: tuple[int, int] | None = Field((2, 5), description="character n-grams inside words")
    char_edges_only: bool = Field(False, description="only prefix/suffix character n-grams (faster)")
    min_df: int = Field(2, ge=1, description="minimum document frequency of a feature")
    max_df: float = Field(1.0, gt=0, le=1, description="maximum document-frequency share of a feature")
    sublinear_tf: bool = Field(True, description="1 + log(tf) instead of raw counts")
    char_weight: float = Field(1.0, ge=0, description="weight of the character block vs. the word block")
    lead_tokens: int = Field(0, ge=0, description="tokens at the start (headline, lead) counted lead_weight times")
    lead_weight: float = Field(1.0, gt=0, description="weight of the lead tokens")
    title_weight: float = Field(0.0, ge=0, description="weight of a separate headline word block (0 = none)")
    search: SearchConfig | None = Field(None, description="optional cross-validated grid search")
    rules: str | None = Field(
        None, description="labelling rules (labels YAML: packaged name or path) mixed into close calls")
    rules_weight: float = Field(0.2, gt=0, lt=1, description="share of the rules' scores in a close call")

    @field_validator("word_ngram_range")
    @classmethod
    def _word_range(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None and not 1 <= v[0] <= v[1] <= 2:
            raise ValueError("must be [1, 1], [1, 2] or [2, 2] (or null)")
        return v

    @field_validator("char_ngram_range")
    @classmethod
    def _char_range(cls, v: tuple[int, int] | None) -> tuple[int, int] | None:
        if v is not None and not 1 <= v[0] <= v[1] <= 12:
            raise ValueError("must be [min_n, max_n] with 1 <= min_n <= max_n <= 12 (or null)")
        return v

    @model_validator(mode="after")
    def _some_features(self) -> TfidfConfig:
        if self.word_ngram_range is None and self.char_ngram_range is None:
            raise ValueError("word_ngram_range and char_ngram_range cannot both be null")
        return self


def build_pipeline(config: TfidfConfig, seed: int = 0):  # type: ignore[no-untyped-def]
    """The unfitted sklearn Pipeline for ``config``: normalise -> TF-IDF -> head (with probabilities)."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.pipeline import Pipeline

    vectorizer = TurkishTfidfVectorizer(
        word_ngram_range=config.word_ngram_range,
        char_ngram_range=config.char_ngram_range,
        char_edges_only=config.char_edges_only,
        min_df=config.min_df,
        max_df=config.max_df,
        sublinear_tf=config.sublinear_tf,
        char_weight=config.char_weight,
        lead_tokens=config.lead_tokens,
        lead_weight=config.lead_weight,
        title_weight=config.title_weight,
    )
    head: Any
    if config.head == "logreg":
        from sklearn.linear_model import LogisticRegression

        head = LogisticRegression(C=config.C, class_weight=config.class_weight, max_iter=config.max_iter,
                                  random_state=seed)
    elif config.head == "svm":
        from sklearn.svm import LinearSVC

        head = CalibratedClassifierCV(
            LinearSVC(C=config.C, class_weight=config.class_weight, max_iter=config.max_iter, random_state=seed),
            method=config.calibration, cv=config.calibration_folds, ensemble=False)
    else:
        from sklearn.naive_bayes import ComplementNB

        # ComplementNB's own probabilities are notoriously over-confident: calibrate them too
        head = CalibratedClassifierCV(ComplementNB(alpha=config.alpha), method=config.calibration,
                                      cv=config.calibration_folds, ensemble=False)
    return Pipeline([("normalize", TurkishNormalizer()), ("tfidf", vectorizer), ("clf", head)])


#: Types a TF-IDF ``model.skops`` may contain. skops refuses to load anything else, and so do we:
#: :meth:`TfidfClassifier.load` compares ``skops.io.get_untrusted_types`` against this list.
TRUSTED_TYPES: tuple[str, ...] = (
    "classify.models.tfidf.TurkishNormalizer",
    "classify.models.tfidf.TurkishTfidfVectorizer",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.isotonic.IsotonicRegression",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.naive_bayes.ComplementNB",
    "sklearn.pipeline.Pipeline",
    "sklearn.svm._classes.LinearSVC",
)


class UntrustedModelError(RuntimeError):
    """A ``model.skops`` holds types outside :data:`TRUSTED_TYPES`; it is not loaded."""


def _skops_io():  # type: ignore[no-untyped-def]
    """Import ``skops.io`` without its start-up walk over every scikit-learn module.

    On import, skops builds its default trusted-type list from ``sklearn.utils.all_estimators()``, which
    imports every scikit-learn module - and through ``sklearn.externals.array_api_compat`` also torch
    when it is installed: seconds of start-up for ``classify predict``, and torch in a TF-IDF process.
    We never rely on that default list (loading checks every type against :data:`TRUSTED_TYPES`), so
    during the import ``all_estimators`` answers with no estimators; it is restored right after. For the
    same reason the optional import of gradient-boosting internals (which drags in all of
    ``sklearn.ensemble``, half a second) is made to fail, which skops handles by leaving those types out.
    """
    import sys

    if "skops.io" in sys.modules:
        return sys.modules["skops.io"]
    import sklearn.utils

    original = sklearn.utils.all_estimators
    blocked = [m for m in ("sklearn.ensemble._hist_gradient_boosting.binning",) if m not in sys.modules]
    sklearn.utils.all_estimators = lambda *args, **kwargs: []  # type: ignore[assignment]
    for name in blocked:
        sys.modules[name] = None  # type: ignore[assignment]  # import -> ImportError, skipped by skops
    try:
        import skops.io as sio
    finally:
        sklearn.utils.all_estimators = original
        for name in blocked:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return sio


def _sample_weights(labels: Sequence[str], sample_weight: Sequence[float] | None,
                    balanced: bool) -> np.ndarray | None:
    """Per-example weights: the caller's (e.g. down-weighted chrome examples) times class balancing.

    Used for the NB head, whose estimator has no ``class_weight``.
    """
    w = np.ones(len(labels)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
    if balanced:
        from sklearn.utils.class_weight import compute_sample_weight

        w = w * compute_sample_weight("balanced", np.asarray(labels))
    return None if sample_weight is None and not balanced else w


class TfidfClassifier:
    """A TF-IDF pipeline behind the :class:`classify.models.base.Classifier` interface.

    ``labels`` is the column order of :meth:`predict_proba`. ``info`` holds what ``classify.json`` says
    (config, versions, training fingerprint, metrics); :func:`classify.training.train_model` fills it.
    """

    kind = "tfidf"
    config_class = TfidfConfig

    def __init__(self, config: TfidfConfig | dict[str, Any] | None = None, *, seed: int = 0) -> None:
        if config is None:
            config = TfidfConfig()
        elif isinstance(config, dict):
            config = TfidfConfig.model_validate(config)
        self.config: TfidfConfig = config
        self.seed = seed
        self.labels: list[str] = []
        self.pipeline: Any = None
        self.search_results: list[dict[str, Any]] | None = None
        self.rules: Any = None  #: the classify.labeling.Labeler mixed into close calls (config.rules)
        self.info = ModelInfo(kind=self.kind, labels=[])

    @classmethod
    def from_config(cls, config: TfidfConfig | dict[str, Any], *, seed: int = 0) -> TfidfClassifier:
        """An unfitted classifier for the ``model:`` section of a training config."""
        return cls(config, seed=seed)

    # -- training ---------------------------------------------------------------------------------

    def fit(
        self,
        texts: Sequence[str],
        labels: Sequence[str],
        *,
        eval_texts: Sequence[str] | None = None,
        eval_labels: Sequence[str] | None = None,
        sample_weight: Sequence[float] | None = None,
        groups: Sequence[str] | None = None,
    ) -> TfidfClassifier:
        """Fit on article texts (clean bodies) and their labels.

        ``sample_weight`` scales examples (segment-level chrome examples are down-weighted this way);
        ``groups`` (e.g. ``dup_group``) keeps copies of one story in one fold of the optional
        hyperparameter search. ``eval_*`` are accepted for interface parity; TF-IDF does not early-stop.
        """
        texts = list(texts)
        labels = [str(y) for y in labels]
        if len(texts) != len(labels):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        if len(set(labels)) < 2:
            raise ValueError("need at least two distinct labels to train a classifier")
        config = self.config
        if config.search is not None:
            config = self._search(texts, labels, sample_weight, groups)
        self.pipeline = self._fit_pipeline(config, texts, labels, sample_weight)
        self.fitted_config = config
        self.labels = [str(c) for c in self.pipeline.classes_]
        self.info.labels = list(self.labels)
        self.rules = None
        if self.config.rules:
            from classify.labeling import Labeler

            self.rules = self._check_rules(Labeler.load(self.config.rules), f"model.rules ({self.config.rules})")
        return self

    def _check_rules(self, labeler: Any, where: str) -> Any:
        shared = [name for name in labeler.labels if name in self.labels]
        if len(shared) < 2:
            raise ValueError(f"{where}: the rules' labels ({', '.join(labeler.labels)}) share fewer than two "
                             f"labels with the model's ({', '.join(self.labels)}); use the rules of the "
                             "training taxonomy")
        return labeler

    def _fit_pipeline(self, config: TfidfConfig, texts: list[str], labels: list[str],
                      sample_weight: Sequence[float] | None):  # type: ignore[no-untyped-def]
        pipeline = build_pipeline(config, self.seed)
        if config.head == "nb":
            w = _sample_weights(labels, sample_weight, config.class_weight == "balanced")
        else:
            w = None if sample_weight is None else np.asarray(sample_weight, dtype=float)
        params = {} if w is None else {"clf__sample_weight": w}
        pipeline.fit(texts, np.asarray(labels), **params)
        return pipeline

    def _search(self, texts: list[str], labels: list[str], sample_weight: Sequence[float] | None,
                groups: Sequence[str] | None) -> TfidfConfig:
        """Grid search over config fields with grouped, stratified folds; returns the best config."""
        from sklearn.metrics import get_scorer
        from sklearn.model_selection import StratifiedGroupKFold

        search = self.config.search
        assert search is not None
        scorer = get_scorer(search.scoring)
        y = np.asarray(labels)
        g = np.asarray(groups if groups is not None else [str(i) for i in range(len(texts))])
        folds = list(StratifiedGroupKFold(search.folds, shuffle=True, random_state=self.seed).split(texts, y, g))
        names = list(search.grid)
        results: list[dict[str, Any]] = []
        best: tuple[float, TfidfConfig] | None = None
        for values in product(*(search.grid[n] for n in names)):
            candidate = TfidfConfig.model_validate(
                {**self.config.model_dump(), **dict(zip(names, values)), "search": None})
            scores = []
            for train_idx, test_idx in folds:
                w = None if sample_weight is None else np.asarray(sample_weight)[train_idx]
                pipe = self._fit_pipeline(candidate, [texts[i] for i in train_idx], list(y[train_idx]), w)
                scores.append(scorer(pipe, [texts[i] for i in test_idx], y[test_idx]))
            mean = float(np.mean(scores))
            results.append({"params": dict(zip(names, values)), "mean": mean, "std": float(np.std(scores))})
            if best is None or mean > best[0]:
                best = (mean, candidate)
        assert best is not None
        self.search_results = results
        return best[1]

    # -- inference --------------------------------------------------------------------------------

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Probabilities, shape ``(len(texts), len(labels))``, columns in :attr:`labels` order."""
        if self.pipeline is None:
            raise RuntimeError("this TfidfClassifier is not fitted; call fit() or load()")
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.labels)))
        proba = np.asarray(self.pipeline.predict_proba(texts), dtype=np.float64)
        if self.rules is not None:
            self._mix_rules(proba, texts)
        return proba

    def _mix_rules(self, proba: np.ndarray, texts: list[str]) -> None:
        """Mix the labelling rules into the close calls, in place: ``(1 - w) p + w r``.

        ``w`` is ``rules_weight`` and ``r`` the rules' per-label scores for the text (labels the rules
        lack score 0; the score of rule labels the model never learned goes back to the model's own
        probabilities, so rows still sum to 1). A page whose two most probable labels differ by at least
        ``w / (1 - w)`` keeps the model's probabilities: no rule score could change its top label there,
        so the rules (the slow part) run only on the close calls - about a quarter of the pages of dev.
        """
        w = self.config.rules_weight
        top2 = np.sort(proba, axis=1)[:, -2:] if proba.shape[1] > 1 else np.ones((len(proba), 2))
        close = np.flatnonzero(top2[:, 1] - top2[:, 0] < w / (1 - w))
        if not len(close):
            return
        shared = [name for name in self.rules.labels if name in self.labels]
        columns = [self.labels.index(name) for name in shared]
        for i in close:
            scores = self.rules.label_text(texts[i]).scores
            r = np.zeros(proba.shape[1])
            r[columns] = [scores[name] for name in shared]
            r += max(0.0, 1.0 - r.sum()) * proba[i]  # unknown labels' share -> the model's distribution
            proba[i] = (1 - w) * proba[i] + w * r

    def predict(self, texts: Sequence[str]) -> list[str]:
        """The most probable label per text."""
        proba = self.predict_proba(texts)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    # -- persistence ------------------------------------------------------------------------------

    def save(self, model_dir: str | Path) -> Path:
        """Write ``classify.json`` + ``model.skops`` to ``model_dir`` atomically (temp dir, then rename)."""
        sio = _skops_io()
        if self.pipeline is None:
            raise RuntimeError("cannot save an unfitted TfidfClassifier")
        info = self.info
        info.kind = self.kind
        info.labels = list(self.labels)
        if not info.config:
            info.config = {"model": self.config.model_dump(mode="json")}
        fitted = getattr(self, "fitted_config", None)
        if fitted is not None and self.config.search is not None:
            info.extra["fitted_model_config"] = fitted.model_dump(mode="json")
            info.extra["search_results"] = self.search_results
        info.extra["seed"] = self.seed
        info.versions = {**package_versions("scikit-learn", "scipy", "skops"), **info.versions}
        info.created = info.created or datetime.now(timezone.utc).isoformat(timespec="seconds")
        with atomic_directory(model_dir) as tmp:
            sio.dump(self.pipeline, tmp / WEIGHTS_FILE)
            if self.rules is not None:
                self.rules.save(tmp / RULES_FILE)
            (tmp / MODEL_INFO_FILE).write_text(info.to_json() + "\n", encoding="utf-8")
        return Path(model_dir)

    @classmethod
    def load(cls, model_dir: str | Path) -> TfidfClassifier:
        """Load a saved model, refusing weights that hold any type outside :data:`TRUSTED_TYPES`."""
        sio = _skops_io()
        model_dir = Path(model_dir)
        info = ModelInfo.read(model_dir)
        if info.kind != cls.kind:
            raise ValueError(f"{model_dir}: a {info.kind!r} model, not a {cls.kind!r} one")
        weights = model_dir / WEIGHTS_FILE
        if not weights.is_file():
            raise FileNotFoundError(f"{weights}: missing (a TF-IDF model stores its pipeline there)")
        found = sio.get_untrusted_types(file=weights)
        refused = sorted(set(found) - set(TRUSTED_TYPES))
        if refused:
            raise UntrustedModelError(
                f"{weights}: refusing to load types outside classify's allow-list: {', '.join(refused)}")
        pipeline = sio.load(weights, trusted=[t for t in found if t in TRUSTED_TYPES])
        model_cfg = info.config.get("model", {}) if isinstance(info.config, dict) else {}
        model = cls(TfidfConfig.model_validate(model_cfg) if model_cfg else None,
                    seed=int(info.extra.get("seed", 0)))
        model.pipeline = pipeline
        model.labels = list(info.labels)
        classes = [str(c) for c in pipeline.classes_]
        if classes != model.labels:
            raise ValueError(f"{model_dir}: classify.json labels {model.labels} do not match the weights {classes}")
        model.info = info
        if model.config.rules:
            from classify.labeling import Labeler

            rules_path = model_dir / RULES_FILE
            if not rules_path.is_file():
                raise FileNotFoundError(f"{rules_path}: missing (the model's config mixes labelling rules "
                                        f"into its predictions: model.rules = {model.config.rules!r})")
            model.rules = model._check_rules(Labeler.load(rules_path), str(rules_path))
        return model

    def __repr__(self) -> str:
        state = f"labels={self.labels}" if self.labels else "unfitted"
        return f"TfidfClassifier(head={self.config.head!r}, {state})"
