"""Extractive briefs of Turkish news: rank the body sentences, pick a few without repeating, list key facts.

How a sentence is scored (every number lives in ``configs/summarize.yaml``, none in this file):

1. Only **body** sentences are candidates: the article is parsed with :func:`classify.articles.parse_article`
   and boilerplate segments (menus, related-news teasers, bylines, dates) never reach the ranker. Headline
   (``role == "title"``) segments give the title, which the ranker uses as evidence, not as a candidate.
2. Each candidate gets a vector of **features**, all computed per document with numpy on a term matrix
   built once (no per-sentence Python loops beyond tokenising):

   ``length``      log of the sentence's characters - long sentences carry the content of news prose;
   ``centrality``  cosine of the sentence to the whole document (the TF-IDF centroid idea);
   ``keywords``    summed weight of the sentence's terms that recur elsewhere in the document
                   (SumBasic-style coverage of the article's repeated content words);
   ``position``    1 - i/n (earlier = higher; the sign of its weight decides the direction);
   ``lede``        the first body sentence that is a full sentence (not a heading);
   ``heading``     the sentence has no terminal punctuation (section headings, captions, teasers);
   ``title``       cosine to the title;
   ``facts``       number of key facts (dates, amounts, counts, people, places, bodies) in it;
   ``names``       capitalised words after the first word (proper-name density);
   ``question``    the sentence is a question;
   ``textrank``    LexRank/TextRank stationary score on the sentence-similarity graph.

   Terms are :func:`classify.text.word_tokens` cut to their first ``stem_length`` characters (prefix
   stemming, a strong and cheap baseline for Turkish's suffixing morphology: ``vatandaşımız`` and
   ``vatandaşlara`` share ``vatan``). A term's weight is its general-language informativeness,
   ``zipf_ceiling - zipf(word)`` from the ``wordfreq`` Turkish frequency list (rare words weigh more, like
   IDF but learned from a large corpus instead of the single article), or in-document IDF with
   ``term_weight: idf``.
3. Features are standardised within the document (z-scores) and combined linearly with the configured
   ``weights``: the score of a sentence is ``z(features) @ weights``. Standardising per document makes the
   weights comparable across features and documents of any length.
4. A brief takes the best sentences by **MMR** (maximal marginal relevance): each next sentence maximises
   ``λ·relevance - (1-λ)·max similarity to the sentences already taken``, so a brief does not say the same
   thing twice. Chosen sentences are printed in article order.

Evaluation mode: a record that carries a ``sentences`` list is ranked as given (no parsing, no splitting)
and its brief carries ``scores``, one float per input sentence in input order; see
``benchmarks/sadedegel_ndcg.py`` for the measurement behind the weights.

Public API: :class:`SummarizerConfig`, :class:`SentenceRanker`, :class:`DocumentFeatures`,
:class:`Summarizer`, :class:`Brief`, :func:`summarize_text`, :func:`run_summarize`, :data:`FEATURES`.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import regex
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from classify.configfile import read_yaml_mapping, validation_messages
from classify.facts import FACT_KINDS, Fact, FactExtractor
from classify.text import split_sentences, turkish_lower, word_tokens

if TYPE_CHECKING:
    from classify.articles import Article, ChromeRules
    from classify.io import ErrorReport, RawRecord
    from classify.models.base import Classifier
    from classify.predict import Predictor

log = logging.getLogger(__name__)

__all__ = [
    "FEATURES",
    "AbstractiveSummarizer",
    "BadRecordError",
    "Brief",
    "DocumentFeatures",
    "SentenceRanker",
    "SummarizeConfigError",
    "SummarizeResult",
    "Summarizer",
    "SummarizerConfig",
    "default_config_path",
    "run_summarize",
    "summarize_text",
]

#: Ranking features, in the column order of :attr:`DocumentFeatures.matrix`.
FEATURES: tuple[str, ...] = (
    "length", "centrality", "keywords", "position", "lede", "heading", "title", "facts", "names",
    "question", "textrank",
)

# --------------------------------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------------------------------


class SummarizeConfigError(ValueError):
    """A summarizer config that does not validate; the message names the file and the field."""


class BadRecordError(ValueError):
    """An input record the summarizer cannot use (e.g. a ``sentences`` field that is not a list of strings)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RankingConfig(_Strict):
    """How sentences are scored (see the module docstring for each feature)."""

    weights: dict[str, float] = Field(description="feature name -> weight; features left out weigh 0")
    stem_length: int = Field(5, ge=0, description="prefix stem length for term matching; 0 = whole words")
    term_weight: Literal["wordfreq", "idf"] = Field("wordfreq", description="term informativeness source")
    zipf_ceiling: float = Field(7.0, gt=0, description="weight = max(0, ceiling - Zipf frequency of the word)")
    title_from_heading: bool = Field(
        True, description="without a title, use a first sentence that has no terminal punctuation")
    textrank_damping: float = Field(0.85, gt=0, lt=1)
    textrank_iterations: int = Field(30, ge=1)

    @field_validator("weights")
    @classmethod
    def _known_features(cls, value: dict[str, float]) -> dict[str, float]:
        unknown = sorted(set(value) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown feature(s) {unknown}; known: {list(FEATURES)}")
        for name, w in value.items():
            if not math.isfinite(w):
                raise ValueError(f"weight of {name!r} must be a finite number, not {w}")
        return value

    def weight_vector(self) -> np.ndarray:
        """Weights in :data:`FEATURES` order (0 for features not listed)."""
        return np.array([self.weights.get(name, 0.0) for name in FEATURES], dtype=float)


class SelectionConfig(_Strict):
    """How a brief is assembled from the ranked sentences."""

    sentences: int = Field(3, ge=1, description="default brief length in sentences")
    chars: int | None = Field(None, ge=20, description="default brief length in characters (overrides sentences)")
    mmr_lambda: float = Field(0.7, ge=0, le=1, description="1 = pure relevance, 0 = pure novelty")
    min_chars: int = Field(25, ge=0, description="shorter sentences are scored but never put in a brief")
    skip_headings: bool = Field(True, description="never put a sentence without terminal punctuation in a brief")


class FactsConfig(_Strict):
    """Which facts a brief lists and how many of each kind."""

    kinds: list[str] = Field(default_factory=lambda: list(FACT_KINDS))
    max_per_kind: int = Field(10, ge=0)

    @field_validator("kinds")
    @classmethod
    def _known_kinds(cls, value: list[str]) -> list[str]:
        unknown = [k for k in value if k not in FACT_KINDS]
        if unknown:
            raise ValueError(f"unknown fact kind(s) {unknown}; known: {list(FACT_KINDS)}")
        return value


class AbstractiveConfig(_Strict):
    """Generation settings for ``--abstractive MODEL`` (a transformers seq2seq model)."""

    prefix: str = Field("", description='text put before the article, e.g. "summarize: " for T5-style models')
    max_input_tokens: int = Field(512, ge=8, description="the clean body is truncated to this many tokens")
    max_new_tokens: int = Field(96, ge=1, description="longest abstract, in tokens")
    num_beams: int = Field(2, ge=1)
    batch_size: int = Field(8, ge=1, description="articles per generate() call")


class SummarizerConfig(_Strict):
    """The whole ``configs/summarize.yaml``."""

    ranking: RankingConfig
    selection: SelectionConfig = SelectionConfig()
    facts: FactsConfig = FactsConfig()
    abstractive: AbstractiveConfig = AbstractiveConfig()

    @classmethod
    def load(cls, path: str | Path | None = None) -> SummarizerConfig:
        """Read and validate a config file; ``None`` loads the packaged default.

        Raises :class:`SummarizeConfigError` naming the file and every field that is wrong
        (``ranking.weights: unknown feature(s) ['lenght']``).
        """
        p = Path(path) if path is not None else default_config_path()
        if not p.is_file():
            raise SummarizeConfigError(f"{p}: no such summarizer config")
        return cls.from_dict(read_yaml_mapping(p, SummarizeConfigError), source=str(p))

    @classmethod
    def from_dict(cls, data: Any, source: str = "<config>") -> SummarizerConfig:
        """Validate an already parsed mapping (errors name ``source`` and the field)."""
        if not isinstance(data, dict):
            raise SummarizeConfigError(f"{source}: expected a mapping at the top level")
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            problems = validation_messages(exc)
            raise SummarizeConfigError(f"{source}: " + "; ".join(problems)) from None

    def with_weights(self, weights: dict[str, float]) -> SummarizerConfig:
        """A copy with other ranking weights (for ablations and tuning)."""
        ranking = self.ranking.model_copy(update={"weights": dict(weights)})
        RankingConfig.model_validate(ranking.model_dump())
        return self.model_copy(update={"ranking": ranking})


def default_config_path() -> Path:
    """The packaged copy of ``configs/summarize.yaml`` (``classify/resources/summarize.yaml``)."""
    return Path(str(resources.files("classify") / "resources" / "summarize.yaml"))


# --------------------------------------------------------------------------------------------------
# Ranking
# --------------------------------------------------------------------------------------------------

_TERMINAL = regex.compile(r"[.!?…:;]['’\"”»)\]]*\s*$|[\"”»]\s*$")
_QUESTION = regex.compile(r"\?['’\"”»)\]]*\s*$")
# A capitalised word that is not the first word of its line: a proper-name signal.
_INNER_CAPITAL = regex.compile(r"(?<=[^\S\n][\"“'‘(]?)\p{Lu}[\p{Ll}\p{Lu}]+")


@lru_cache(maxsize=1)
def _blas_controller() -> Any:
    """threadpoolctl controller, created once (creating one per call costs ~0.5 ms)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@lru_cache(maxsize=1)
def _zipf_table() -> dict[str, float]:
    """Turkish word -> Zipf frequency (log10 per billion words) from ``wordfreq``; loaded once."""
    import wordfreq

    return {w: math.log10(f) + 9.0 for w, f in wordfreq.get_frequency_dict("tr").items()}


@dataclass
class DocumentFeatures:
    """Everything the ranker computed for one document.

    ``matrix`` holds the raw feature values (n sentences × len(:data:`FEATURES`)); ``similarity`` the
    cosine similarity of the sentences' weighted term vectors (used by MMR); ``headings`` which sentences
    have no terminal punctuation; ``facts``/``fact_counts`` the facts found in each sentence.
    """

    matrix: np.ndarray
    similarity: np.ndarray
    headings: np.ndarray
    facts: list[Fact]
    fact_counts: np.ndarray

    def standardized(self) -> np.ndarray:
        """Per-document z-scores of :attr:`matrix` (constant columns become 0)."""
        m = self.matrix
        if len(m) == 0:
            return m
        std = m.std(axis=0)
        return np.where(std > 0, (m - m.mean(axis=0)) / np.where(std > 0, std, 1.0), 0.0)


class SentenceRanker:
    """Scores the sentences of one document (see the module docstring); stateless between documents."""

    def __init__(self, config: RankingConfig, facts: FactExtractor | None = None) -> None:
        self.config = config
        self.weights = config.weight_vector()
        self.extractor = facts or FactExtractor()

    def features(self, sentences: Sequence[str], title: str | None = None) -> DocumentFeatures:
        """Compute :class:`DocumentFeatures` for ``sentences`` (in document order).

        The matrices are small (sentences × terms of one article), where a multi-threaded BLAS spends
        more time waking threads than multiplying (3x slower on a busy 2-core machine), so BLAS is held
        to one thread for the duration of the call.
        """
        with _blas_controller().limit(limits=1, user_api="blas"):
            return self._features(sentences, title)

    def _features(self, sentences: Sequence[str], title: str | None) -> DocumentFeatures:
        cfg = self.config
        n = len(sentences)
        headings = np.array([_TERMINAL.search(s) is None for s in sentences], dtype=bool)
        if n == 0:
            empty = np.zeros((0, len(FEATURES)))
            return DocumentFeatures(empty, np.zeros((0, 0)), headings, [], np.zeros(0))
        if title is None and cfg.title_from_heading and n > 1 and headings[0]:
            title = sentences[0]

        # term matrix: one pass over all tokens of the document
        tokens = [word_tokens(s) for s in sentences]
        counts = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=n)
        flat = [t for ts in tokens for t in ts]
        k = cfg.stem_length
        # word ids per token, then stem ids per distinct word: per-token Python work is one dict lookup
        words: dict[str, int] = {}
        word_ids = np.fromiter((words.setdefault(t, len(words)) for t in flat), dtype=np.int64, count=len(flat))
        vocab: dict[str, int] = {}
        stem_of_word = np.fromiter((vocab.setdefault(w[:k] if k else w, len(vocab)) for w in words),
                                   dtype=np.int64, count=len(words))
        term_ids = stem_of_word[word_ids]
        v = max(1, len(vocab))
        sent_ids = np.repeat(np.arange(n), counts)
        tf = np.bincount(sent_ids * v + term_ids, minlength=n * v).reshape(n, v).astype(float)
        present = tf > 0
        doc_tf = tf.sum(axis=0)

        if cfg.term_weight == "wordfreq":
            zipf = _zipf_table()
            ceiling = cfg.zipf_ceiling
            zipf_of_word = np.fromiter((zipf.get(w, 0.0) for w in words), dtype=float, count=len(words))
            info = np.maximum(0.0, ceiling - zipf_of_word)
            weight = np.zeros(v)
            np.maximum.at(weight, stem_of_word, info)  # a stem weighs as its rarest surface form
        else:
            df = present.sum(axis=0)
            weight = np.log((n + 1) / (df + 0.5))

        w_sent = present * weight  # binary presence × informativeness
        norms = np.linalg.norm(w_sent, axis=1)
        unit = w_sent / np.where(norms > 0, norms, 1.0)[:, None]
        doc_vec = doc_tf * weight
        doc_norm = np.linalg.norm(doc_vec)
        centrality = unit @ (doc_vec / doc_norm) if doc_norm > 0 else np.zeros(n)
        recurring = np.where(doc_tf > 1, doc_tf * weight, 0.0)
        keywords = np.log1p(present @ recurring)

        similarity = unit @ unit.T
        textrank = self._textrank(similarity)

        title_sim = np.zeros(n)
        if title:
            t_ids = [vocab.get(t[:k] if k else t) for t in word_tokens(title)]
            t_vec = np.zeros(v)
            known = [i for i in t_ids if i is not None]
            if known:
                t_vec[known] = weight[known]
                oov = len(t_ids) - len(known)  # unknown title words still count in its length
                t_norm = math.sqrt(float(t_vec @ t_vec) + oov * cfg.zipf_ceiling ** 2)
                title_sim = unit @ t_vec / t_norm if t_norm > 0 else title_sim
            if sentences[0] == title:
                title_sim[0] = 0.0  # the headline itself is no evidence for itself

        facts, fact_counts = self.extractor.extract_sentences(sentences)
        joined = "\n".join(sentences)
        starts = np.cumsum([0] + [len(s) + 1 for s in sentences[:-1]])
        cap_pos = [m.start() for m in _INNER_CAPITAL.finditer(joined)]
        names = np.bincount(np.searchsorted(starts, cap_pos, side="right") - 1, minlength=n).astype(float)

        lengths = np.fromiter((len(s) for s in sentences), dtype=float, count=n)
        lede = np.zeros(n)
        full = np.flatnonzero(~headings)
        if len(full):
            lede[full[0]] = 1.0
        question = np.array([_QUESTION.search(s) is not None for s in sentences], dtype=float)

        columns = {
            "length": np.log1p(lengths),
            "centrality": centrality,
            "keywords": keywords,
            "position": 1.0 - np.arange(n) / n,
            "lede": lede,
            "heading": headings.astype(float),
            "title": title_sim,
            "facts": np.log1p(fact_counts),
            "names": np.log1p(names),
            "question": question,
            "textrank": textrank,
        }
        matrix = np.column_stack([columns[name] for name in FEATURES])
        np.fill_diagonal(similarity, 1.0)
        return DocumentFeatures(matrix, similarity, headings, facts, fact_counts)

    def _textrank(self, similarity: np.ndarray) -> np.ndarray:
        """Stationary distribution of the damped random walk on the similarity graph (LexRank)."""
        n = len(similarity)
        graph = similarity.copy()
        np.fill_diagonal(graph, 0.0)
        out = graph.sum(axis=1, keepdims=True)
        trans = np.where(out > 0, graph / np.where(out > 0, out, 1.0), 1.0 / n)
        d = self.config.textrank_damping
        r = np.full(n, 1.0 / n)
        for _ in range(self.config.textrank_iterations):
            r = (1 - d) / n + d * (trans.T @ r)
        return r

    def score_features(self, feats: DocumentFeatures, weights: np.ndarray | None = None) -> np.ndarray:
        """Combine standardized features with ``weights`` (default: the configured ones)."""
        w = self.weights if weights is None else weights
        return feats.standardized() @ w

    def score(self, sentences: Sequence[str], title: str | None = None) -> np.ndarray:
        """One relevance score per sentence (higher = more summary-worthy), in input order."""
        return self.score_features(self.features(sentences, title))


# --------------------------------------------------------------------------------------------------
# Briefs
# --------------------------------------------------------------------------------------------------


@dataclass
class Brief:
    """The summary of one article.

    ``sentences`` are the chosen sentences in article order and ``brief`` their concatenation (cut at a
    word boundary with ``…`` only when a single sentence exceeds a ``chars`` budget); ``facts`` the key
    facts of the body; ``scores`` one score per input sentence (evaluation mode only); ``label`` and
    ``confidence`` come from a classifier when one is given.
    """

    id: str
    brief: str
    sentences: list[str]
    facts: list[Fact] = field(default_factory=list)
    scores: list[float] | None = None
    label: str | None = None
    confidence: float | None = None
    has_label: bool = False
    abstract: str | None = None
    body: str = field(default="", repr=False)  #: the clean body the brief was made from (not written out)

    def to_dict(self) -> dict[str, Any]:
        """Output record: id, brief, sentences, facts[, scores][, label, confidence][, abstract]."""
        out: dict[str, Any] = {
            "id": self.id,
            "brief": self.brief,
            "sentences": list(self.sentences),
            "facts": [f.to_dict() for f in self.facts],
        }
        if self.scores is not None:
            out["scores"] = [round(s, 6) for s in self.scores]
        if self.has_label:
            out["label"] = self.label
            out["confidence"] = None if self.confidence is None else round(self.confidence, 6)
        if self.abstract is not None:
            out["abstract"] = self.abstract
        return out


class Summarizer:
    """Turns articles (raw text, parsed :class:`~classify.articles.Article` or pre-split sentences) into
    :class:`Brief` s. Build once, reuse for many documents."""

    def __init__(self, config: SummarizerConfig | None = None, *, chrome: ChromeRules | None = None) -> None:
        self.config = config or SummarizerConfig.load()
        self.extractor = FactExtractor(FACT_KINDS)
        self.ranker = SentenceRanker(self.config.ranking, self.extractor)
        self.chrome = chrome

    # -- entry points -------------------------------------------------------------------------------

    def summarize_text(self, text: str, *, id: str = "", title: str | None = None, url: str | None = None,
                       date: str | None = None, sentences: int | None = None, chars: int | None = None) -> Brief:
        """Parse a raw page (chrome detection) and summarise its body."""
        from classify.articles import parse_article

        article = parse_article(text, id=id, title=title, url=url, date=date, rules=self.chrome)
        return self.summarize_article(article, sentences=sentences, chars=chars)

    def summarize_article(self, article: Article, *, sentences: int | None = None,
                          chars: int | None = None) -> Brief:
        """Summarise the body segments of a parsed article; boilerplate is never a candidate."""
        title = article.title
        candidates: list[str] = []
        for seg in article.segments:
            if seg.kind != "body":
                continue
            if seg.role == "title":
                title = title or seg.text
                continue
            candidates.extend(_merge_open_quotes(split_sentences(seg.text)))
        brief = self._brief(article.id, candidates, title, sentences, chars, with_scores=False)
        if article.date and not any(f.kind == "date" and f.value == article.date for f in brief.facts) \
                and "date" in self.config.facts.kinds:
            brief.facts.insert(0, Fact("date", article.date, article.date))
        return brief

    def summarize_sentences(self, sentences: Sequence[str], *, id: str = "", title: str | None = None,
                            n_sentences: int | None = None, chars: int | None = None) -> Brief:
        """Evaluation mode: rank exactly ``sentences`` as given; the brief carries one score per sentence."""
        return self._brief(id, list(sentences), title, n_sentences, chars, with_scores=True)

    def summarize_record(self, record: RawRecord, *, sentences: int | None = None,
                         chars: int | None = None) -> Brief:
        """A record with a ``sentences`` list (in ``record.extra``) is ranked as given; any other is parsed.

        Raises :class:`BadRecordError` when ``sentences`` is present but not a list of strings.
        """
        pre = record.extra.get("sentences")
        if pre is not None:
            if not isinstance(pre, list) or not all(isinstance(s, str) for s in pre):
                raise BadRecordError("field 'sentences' must be a list of strings")
            return self.summarize_sentences(pre, id=record.id, title=record.title, n_sentences=sentences,
                                            chars=chars)
        return self.summarize_text(record.text, id=record.id, title=record.title, url=record.url,
                                   date=record.date, sentences=sentences, chars=chars)

    # -- assembly -----------------------------------------------------------------------------------

    def _brief(self, id: str, sentences: list[str], title: str | None, n: int | None, chars: int | None,
               *, with_scores: bool) -> Brief:
        sel = self.config.selection
        if n is None and chars is None:
            n, chars = (None, sel.chars) if sel.chars is not None else (sel.sentences, None)
        feats = self.ranker.features(sentences, title)
        scores = self.ranker.score_features(feats)
        chosen = self._select(sentences, scores, feats, n, chars)
        picked = [sentences[i] for i in chosen]
        text = " ".join(picked)
        if chars is not None and len(text) > chars:  # a single sentence longer than the budget
            text = _cut(text, chars)
        facts = self._facts(feats.facts, scores)
        return Brief(id=id, brief=text, sentences=picked, facts=facts,
                     scores=[float(s) for s in scores] if with_scores else None, body=" ".join(sentences))

    def _select(self, sentences: Sequence[str], scores: np.ndarray, feats: DocumentFeatures,
                n: int | None, chars: int | None) -> list[int]:
        """MMR selection; returns indices in article order."""
        sel = self.config.selection
        if len(sentences) == 0:
            return []
        lengths = np.fromiter((len(s) for s in sentences), dtype=int, count=len(sentences))
        eligible = lengths >= sel.min_chars
        if sel.skip_headings:
            eligible &= ~feats.headings
        if not eligible.any():  # nothing qualifies (a page of short lines): fall back to all sentences
            eligible = np.ones(len(sentences), dtype=bool)
        lo, hi = scores.min(), scores.max()
        relevance = (scores - lo) / (hi - lo) if hi > lo else np.ones_like(scores)
        lam = sel.mmr_lambda
        chosen: list[int] = []
        used = 0
        max_sim = np.zeros(len(sentences))
        remaining = eligible.copy()
        while remaining.any() and (n is None or len(chosen) < n):
            mmr = np.where(remaining, lam * relevance - (1 - lam) * max_sim, -np.inf)
            i = int(np.argmax(mmr))
            remaining[i] = False
            if chars is not None:
                extra = lengths[i] + (1 if chosen else 0)
                if used + extra > chars:
                    if not chosen and not (remaining & (lengths <= chars)).any():
                        chosen.append(i)  # nothing fits: take the best and cut it
                        break
                    continue
                used += extra
            chosen.append(i)
            max_sim = np.maximum(max_sim, feats.similarity[i])
        return sorted(chosen)

    def _facts(self, facts: list[Fact], scores: np.ndarray) -> list[Fact]:
        """Deduplicate, keep at most ``max_per_kind`` per kind (from the best-scored sentences), order by
        kind then appearance."""
        cfg = self.config.facts
        by_kind: dict[str, list[Fact]] = {k: [] for k in cfg.kinds}
        seen: set[tuple[str, str]] = set()
        for f in facts:
            if f.kind not in by_kind:
                continue
            key = (f.kind, turkish_lower(str(f.value)) if f.kind in ("person", "date") and f.value
                   else turkish_lower(f.text))
            if key in seen:
                continue
            seen.add(key)
            by_kind[f.kind].append(f)
        out: list[Fact] = []
        for kind in cfg.kinds:
            items = by_kind[kind]
            if len(items) > cfg.max_per_kind:
                best = sorted(items, key=lambda f: -scores[f.sentence] if f.sentence is not None else 0.0)
                keep = {id(f) for f in best[: cfg.max_per_kind]}
                items = [f for f in items if id(f) in keep]
            out.extend(items)
        return out


class AbstractiveSummarizer:
    """Rewrites the clean article body with a transformers seq2seq model (``--abstractive MODEL``).

    The extractive brief stays the primary output (it quotes the article, so it cannot invent facts);
    the abstract is an extra field. The model sees only body text - page chrome was removed before - and
    torch/transformers are imported only when this class is used. ``model`` is a local directory (or a hub
    id where the hub is reachable) holding a seq2seq model and its tokenizer.
    """

    def __init__(self, model: str | Path, config: AbstractiveConfig | None = None, *, device: str | None = None):
        import torch
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        self.config = config or AbstractiveConfig()
        self.tokenizer = AutoTokenizer.from_pretrained(str(model))
        self.model = AutoModelForSeq2SeqLM.from_pretrained(str(model))
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        self.model.to(self.device).eval()
        self._torch = torch

    def generate(self, texts: Sequence[str]) -> list[str]:
        """One abstract per text, generated in batches of ``batch_size``."""
        cfg = self.config
        out: list[str] = []
        for i in range(0, len(texts), cfg.batch_size):
            chunk = [cfg.prefix + t for t in texts[i : i + cfg.batch_size]]
            enc = self.tokenizer(chunk, max_length=cfg.max_input_tokens, truncation=True, padding=True,
                                 return_tensors="pt").to(self.device)
            with self._torch.inference_mode():
                ids = self.model.generate(**enc, max_new_tokens=cfg.max_new_tokens, num_beams=cfg.num_beams)
            out.extend(t.strip() for t in self.tokenizer.batch_decode(ids, skip_special_tokens=True))
        return out


def _merge_open_quotes(sentences: list[str]) -> list[str]:
    """Rejoin sentences of one quotation: a brief must not quote half a speech with its “ left open.

    The splitter ends sentences inside quotations (``“… yönetiyoruz. | Amacımız … kurmaktır” dedi.``), which
    is right for ranking but leaves a dangling quote mark in a brief. A piece with more ``“`` than ``”`` is
    joined with the following pieces until the quote closes (at most 4 pieces, in case it never does).
    """
    out: list[str] = []
    open_piece: list[str] = []
    for sentence in sentences:
        open_piece.append(sentence)
        joined = " ".join(open_piece)
        if joined.count("“") <= joined.count("”") or len(open_piece) >= 4:
            out.append(joined)
            open_piece = []
    if open_piece:
        out.extend(open_piece)
    return out


def _cut(text: str, chars: int) -> str:
    """Cut ``text`` to at most ``chars`` characters at a word boundary, marking the cut with ``…``."""
    if len(text) <= chars:
        return text
    head = text[: chars - 1]
    if " " in head:
        head = head[: head.rfind(" ")]
    return head.rstrip(" ,;:") + "…"


def summarize_text(text: str, *, sentences: int | None = None, chars: int | None = None,
                   config: SummarizerConfig | None = None) -> Brief:
    """Convenience: summarise one raw page with the default (or given) config."""
    return Summarizer(config).summarize_text(text, sentences=sentences, chars=chars)


# --------------------------------------------------------------------------------------------------
# Batch runs (the library function behind `classify summarize`)
# --------------------------------------------------------------------------------------------------


@dataclass
class SummarizeResult:
    """What :func:`run_summarize` did: records written, the read/skip report and the time taken."""

    written: int
    report: ErrorReport
    seconds: float
    output: str

    @property
    def docs_per_second(self) -> float:
        return self.written / self.seconds if self.seconds > 0 else float("inf")


def run_summarize(
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    sentences: int | None = None,
    chars: int | None = None,
    model: str | Path | Classifier | None = None,
    abstractive: str | Path | AbstractiveSummarizer | None = None,
    config: str | Path | SummarizerConfig | None = None,
    chrome: str | Path | None = None,
    on_error: Literal["fail", "skip"] = "fail",
    text_field: str = "text",
    id_field: str = "id",
    progress: bool | None = None,
    batch_size: int = 64,
    report: ErrorReport | None = None,
) -> SummarizeResult:
    """Summarise every record of ``inputs`` into ``output`` (JSONL/CSV/Parquet by suffix, ``-`` = stdout).

    Streams: records are read and summarised one at a time and written in batches of ``batch_size`` (the
    batch only exists so that a ``model`` classifies many texts per call). With ``on_error="skip"`` a bad record (unreadable,
    no text, a ``sentences`` field that is not a list of strings) is reported in ``report`` and left out;
    with ``"fail"`` the first one raises :class:`classify.io.InputError` and no output file is left behind.
    ``model`` (a path, hub id or loaded classifier) adds ``label`` and ``confidence`` to every brief, from
    the same page-to-input step as ``classify predict`` (:class:`classify.predict.Predictor`), so the two
    commands agree; ``abstractive`` (a seq2seq model directory or a loaded :class:`AbstractiveSummarizer`)
    adds ``abstract``, generated from the clean body (the pre-split sentences in evaluation mode).
    """
    from classify.io import ErrorReport, InputError, RecordWriter, read_records
    from classify.progress import progress_bar

    cfg = config if isinstance(config, SummarizerConfig) else SummarizerConfig.load(config)
    from classify.articles import ChromeRules

    rules = ChromeRules.load(chrome)  # a broken chrome config fails here, before any record is read
    summarizer = Summarizer(cfg, chrome=rules)
    predictor = _load_predictor(model)
    rewriter = (abstractive if isinstance(abstractive, AbstractiveSummarizer) or abstractive is None
                else AbstractiveSummarizer(abstractive, cfg.abstractive))
    report = report if report is not None else ErrorReport()
    start = time.perf_counter()
    records = read_records(list(inputs), text_field=text_field, id_field=id_field, on_error=on_error,
                           report=report)
    def flush(batch: list[tuple[Brief, tuple[str, str | None, str | None]]], writer: RecordWriter) -> None:
        """Label / rewrite a batch of briefs (one model call each) and write them."""
        briefs = [b for b, _ in batch]
        if predictor is not None:  # the same page -> model input step as `classify predict`
            proba = np.asarray(predictor.predict_pages([page for _, page in batch]))
            for brief, j, row in zip(briefs, proba.argmax(axis=1), proba):
                brief.label, brief.confidence, brief.has_label = predictor.labels[j], float(row[j]), True
        if rewriter is not None:
            for brief, abstract in zip(briefs, rewriter.generate([b.body for b in briefs])):
                brief.abstract = abstract
        for brief in briefs:
            writer.write(brief.to_dict())

    # Records are summarised as they are read (so the first bad record, in input order, is the one
    # reported); only the model calls are batched.
    with RecordWriter(output) as writer, progress_bar("Summarizing", enabled=progress) as advance:
        pending: list[tuple[Brief, tuple[str, str | None, str | None]]] = []
        for record in records:
            advance(1)
            try:
                brief = summarizer.summarize_record(record, sentences=sentences, chars=chars)
            except BadRecordError as e:
                err = InputError(record.source, record.line, str(e), id=record.id)
                if on_error == "fail":
                    raise err from None
                report.add(err.to_skipped())
                continue
            text = brief.body if "sentences" in record.extra else record.text
            pending.append((brief, (text, record.title, record.url)))
            if len(pending) >= batch_size:
                flush(pending, writer)
                pending = []
        if pending:
            flush(pending, writer)
        written = writer.count
    return SummarizeResult(written=written, report=report, seconds=time.perf_counter() - start,
                           output=str(output))


def _load_predictor(model: str | Path | Classifier | None) -> Predictor | None:
    """A :class:`classify.predict.Predictor` (model + the input view it was trained on) or None."""
    if model is None:
        return None
    from classify.predict import Predictor

    if not hasattr(model, "predict_proba"):
        from classify.models import load_model  # lazy: a tfidf model never imports torch

        model = load_model(model)
    return Predictor(model)
