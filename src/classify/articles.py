"""Parse a scraped news page into an :class:`Article`: date, byline, title, clean body and segments.

Scraped pages are the article glued to its page chrome: navigation and breadcrumbs above it, author
boxes, share buttons, comment forms, "İlginizi Çekebilir" lists and teasers of *other* stories below
it (and sometimes in the middle of it). :func:`parse_article` cuts the page into **segments** - one per
non-empty line, the unit the gold annotation uses - and gives each a ``role`` (``body``, ``title``,
``meta``, ``chrome``) and a ``kind`` (``body`` for role ``body``, ``boilerplate`` for everything else).
:attr:`Article.text` is the clean body: the body segments joined by newlines.

How a page is read (every threshold, keyword, pattern and weight is in ``configs/chrome.yaml``,
loaded and validated by :class:`ChromeRules`; nothing here is site-specific):

1. **Line rules.** A leading `` date 2025-12-14`` scraper prefix goes to :attr:`Article.date` and the
   rest of the line stays text. Meta patterns catch dates, bylines (``Muhabir: …``, ``HABER: …``,
   ``HABER MERKEZİ``), credits (``Kaynak: AA``) and datelines; chrome patterns catch share and comment
   prompts, cookie notices, breadcrumbs, tickers, teaser-list headers, URLs. A line a widget printed
   twice (``X X``), or a headline-like line repeated on the next line that shares nothing with the
   page, is a teaser; so is a run of bulleted headline-sized lines whose words occur nowhere else on
   the page (``lists``: "- Palandöken'de kayak sezonu başladı", ...). Some rules are *closing*: once
   the body has started, such a line ends the article (a trailing byline, ``Bir yanıt yazın``,
   ``İlginizi Çekebilir``) and everything below it is boilerplate. Copies of the headline (a given
   title, or a headline-like line of the page head) are chrome.
2. **Body block.** Structure beats keywords: the article body is one contiguous run of long prose
   lines. Every line gets a score (prose and wrapped lines positive by length, headline-like and short
   lines slightly negative, meta lines and headline copies clearly negative) and the body is the run
   with the largest total (maximum subarray): subheadings between paragraphs are bridged, headline
   lists, menus and author boxes around the article fall outside, and a date line or a repeated
   headline separates the page head from the body.
3. **Edges.** Below the block the article runs on to the first closing line or headline copy (a
   paragraph cut off where the page was truncated, a closing list), then trailing short or off-topic
   headline-like lines are given back (teaser headlines at the foot of a page). Above the block, the
   lines after the head's last separator (date line, headline copy) are body too (a first subheading).
4. **Topic shift.** Teasers of other stories can be long prose (seed ``003``: a dozen municipal news
   items glued after a ministry report). A trailing run of at least ``topic.min_run`` lines that share
   almost no word stems with the article above them, nor with each other, and holds none of the
   article's own capitalised subheadings, is cut off as teasers. Sites with a known house style
   (``sites`` in the config) add one cut: where a site writes its own subheadings only in quotes or in
   capitals, any other headline-like line after the body has started opens the "related news" block
   the site glues under its articles, and ends the article.
5. **Head and fields.** The first headline-like line above the body is the title - unless it is a
   lone first line right above the body with no evidence (chrome or a spot between, a copy below, the
   URL slug spelling it), which stays in the body and is only reported as :attr:`Article.title`. A
   prose line restating the title above the body is a "spot" (role ``title``). Meta lines fill
   :attr:`Article.date` (ISO when parseable) and :attr:`Article.byline`. A page whose head names a site
   page (comment rules, privacy policy: ``page`` rules) is all chrome.
6. **Learned line scorer (optional, ``scorer.enabled``).** Lines placed by the structure of steps 2-4
   (inside, before or after the block) can be re-decided by two small logistic regressions over
   site-independent line features (:mod:`classify.chrome_features`); their weights are data in the
   config, fitted by ``benchmarks/chrome_fit.py``. Title, meta and pattern-rule decisions stay final.
   It ships **disabled**: under site-grouped cross-validation on the dev pages it changes the
   body/chrome figures by a couple of lines either way while doubling the parse time (see
   ``benchmarks/chrome_eval.py``), so it is kept ready for a larger annotated set.

Speed matters (dataset building parses every article): precompiled regular expressions bucketed by
line length, set operations on word stems, one linear scan per step; about 0.3 ms for a 1,400-character
page on one core, about 0.6 ms with the scorer enabled (see ``benchmarks/chrome_eval.py``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlparse

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from classify.chrome_features import (
    CONTEXT_FEATURES,
    LINE_FEATURES,
    KeywordIndex,
    LinearModel,
    context_matrix,
    keyword_feature_names,
    line_matrix,
    segment_ids,
)
from classify.configfile import read_yaml_mapping, validation_messages
from classify.text import normalize, turkish_lower

__all__ = [
    "Article",
    "ChromeConfig",
    "ChromeConfigError",
    "ChromeRules",
    "ScorerConfig",
    "ScoringInputs",
    "Segment",
    "StageModel",
    "default_config_path",
    "parse_article",
    "scoring_inputs",
    "stage1_feature_names",
]

Kind = Literal["body", "boilerplate"]
Role = Literal["body", "title", "meta", "chrome"]


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------


@dataclass
class Segment:
    """One unit of a page (a non-empty line) and what :func:`parse_article` decided about it."""

    text: str  #: the line, normalised (and without a leading ``date …`` prefix)
    kind: str  #: ``"body"`` (part of the clean article text) or ``"boilerplate"``
    role: str  #: ``"body"``, ``"title"`` (headline or spot), ``"meta"`` (date/byline/credit) or ``"chrome"``
    reason: str | None = None  #: the rule or signal that decided, for debugging and error reports
    line: int | None = None  #: 0-based line number in the input text (``text.split("\n")``)


@dataclass
class Article:
    """A parsed page: fields found in it plus every segment with its decision."""

    id: str
    title: str | None
    date: str | None
    byline: str | None
    url: str | None
    segments: list[Segment] = field(default_factory=list)

    @property
    def body_segments(self) -> list[Segment]:
        """The segments of the clean article body, in page order."""
        return [s for s in self.segments if s.kind == "body"]

    @property
    def text(self) -> str:
        """The clean article body: body segments joined by newlines ("" for a page that is all chrome)."""
        return "\n".join(s.text for s in self.segments if s.kind == "body")


# --------------------------------------------------------------------------------------------------
# Config schema (configs/chrome.yaml)
# --------------------------------------------------------------------------------------------------


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_regex(value: str) -> str:
    try:
        re.compile(value)
    except re.error as exc:
        raise ValueError(f"not a valid regular expression: {exc}") from None
    return value


class PatternRule(_Strict):
    """A line rule: ``pattern`` is searched in the line's key (normalised, Turkish lower-cased)."""

    name: str = Field(min_length=1)
    pattern: str = Field(min_length=1)
    max_chars: int = Field(default=200, gt=0)  #: the rule ignores longer lines
    closing: bool = False  #: after the body has started, this line ends the article

    _check = field_validator("pattern")(_check_regex)


class MetaRule(PatternRule):
    """A meta rule; ``field`` says where its value goes (see ``configs/chrome.yaml``)."""

    field: Literal["date", "byline", "credit", "dateline"]


class LinesConfig(_Strict):
    short_chars: int = Field(gt=0)
    prose_min_chars: int = Field(gt=0)
    long_chars: int = Field(gt=0)
    sentence_end: str
    max_headline_chars: int = Field(gt=0)
    min_headline_words: int = Field(ge=1)
    max_headline_words: int = Field(ge=1)
    min_letter_ratio: float = Field(ge=0, le=1)
    noise_max_chars: int = Field(ge=0)
    dateline_max_chars: int = Field(ge=0)
    doubled_min_chars: int = Field(gt=0)
    duplicate_max_overlap: float = Field(ge=0, le=1)
    period_end: str
    period_min_chars: int = Field(gt=0)
    fragment: str
    fragment_min_words: int = Field(ge=1)

    _check = field_validator("sentence_end", "period_end", "fragment")(_check_regex)


class DatePrefixConfig(_Strict):
    pattern: str
    max_line: int = Field(ge=1)

    _check = field_validator("pattern")(_check_regex)

    @field_validator("pattern")
    @classmethod
    def _has_date_group(cls, value: str) -> str:
        if "date" not in re.compile(value).groupindex:
            raise ValueError("must define a named group (?P<date>...)")
        return value


class DatesConfig(_Strict):
    months: list[str] = Field(min_length=12, max_length=12)
    weekdays: list[str] = Field(min_length=7, max_length=7)
    filler_words: list[str] = Field(default_factory=list)
    max_line_chars: int = Field(ge=0)
    max_rest_chars: int = Field(ge=0)
    max_rest_words: int = Field(ge=0)


class TokensConfig(_Strict):
    stem_chars: int = Field(ge=2)
    min_chars: int = Field(ge=1)
    fold_ascii: bool = True
    stopwords: list[str] = Field(default_factory=list)


class BlockConfig(_Strict):
    prose_base: float
    prose_per_char: float = Field(ge=0)
    prose_cap: float
    text_line: float
    short_line: float
    chrome_line: float
    meta_line: float
    repeat_line: float
    continuation_share: float = Field(ge=0, le=1)


class TopicConfig(_Strict):
    min_stems: int = Field(ge=1)
    min_run: int = Field(ge=1)
    min_article_lines: int = Field(ge=1)
    max_mean_overlap: float = Field(ge=0, le=1)
    max_adjacent_overlap: float = Field(ge=0, le=1)
    repeat_similarity: float = Field(gt=0, le=1)
    repeat_min_stems: int = Field(ge=1)
    repeat_containment_share: float = Field(gt=0, le=1)
    repeat_max_extra_stems: int = Field(ge=0)
    max_subheadings: int = Field(default=0, ge=0)


class TailConfig(_Strict):
    min_stems: int = Field(ge=1)
    min_overlap: float = Field(ge=0, le=1)
    min_overlap_caps: float = Field(ge=0, le=1)


class ListsConfig(_Strict):
    bullet: str
    min_run: int = Field(ge=2)
    max_chars: int = Field(gt=0)
    max_overlap: float = Field(ge=0, le=1)

    _check = field_validator("bullet")(_check_regex)


class TitleConfig(_Strict):
    slug_min_share: float = Field(ge=0, le=1)
    min_chars: int = Field(ge=1)
    max_chars: int = Field(ge=1)
    min_words: int = Field(ge=1)
    spot_min_overlap: float = Field(ge=0, le=1)


class StageModel(_Strict):
    """One logistic-regression stage of the line scorer: a weight per named feature plus an intercept.

    Weights are on the raw feature scale (``benchmarks/chrome_fit.py`` folds the standardisation in),
    so scoring is one dot product. Feature names must be ones the code computes
    (:data:`classify.chrome_features.LINE_FEATURES` plus ``kw_<group>`` for stage 1,
    :data:`classify.chrome_features.CONTEXT_FEATURES` for stage 2).
    """

    features: list[str] = Field(min_length=1)
    weights: list[float] = Field(min_length=1)
    intercept: float

    @model_validator(mode="after")
    def _same_length(self) -> StageModel:
        if len(self.features) != len(self.weights):
            raise ValueError(
                f"{len(self.features)} features but {len(self.weights)} weights: give one weight per feature"
            )
        if len(set(self.features)) != len(self.features):
            raise ValueError("a feature is listed twice")
        return self


class ScorerConfig(_Strict):
    """The learned line scorer (see :mod:`classify.chrome_features`), written by ``benchmarks/chrome_fit.py``."""

    enabled: bool = True
    threshold: float = Field(gt=0, lt=1)  #: a scored line is body when its stage-2 probability reaches this
    low_logit: float  #: stage-1 log-odds below which a line counts as "low" in the stage-2 context features
    clip_logit: float = Field(gt=0)  #: stage-1 log-odds are clipped to +-this before stage 2
    stage1: StageModel
    stage2: StageModel | None = None
    fit: dict[str, Any] = Field(default_factory=dict)  #: provenance (pages, protocol, date); not used


class SiteConfig(_Strict):
    """House style of one news site (``sites`` in the config), matched on the URL's host."""

    host: str = Field(pattern=r"^[a-z0-9.-]+\.[a-z]{2,}$")  #: e.g. ``haberler.com`` (subdomains match too)
    #: how the site writes its articles' own subheadings; any other headline-like line inside the body
    #: block, after ``min_prose`` prose lines and with lines below it, starts the related-news block
    subheadings: list[Literal["quoted", "shouting"]]
    min_prose: int = Field(3, ge=1)
    note: str | None = None  #: why (where the style was seen)


class ChromeConfig(_Strict):
    """The whole of ``configs/chrome.yaml``, validated."""

    version: Literal[1]
    lines: LinesConfig
    date_prefix: DatePrefixConfig
    dates: DatesConfig
    meta: list[MetaRule]
    datelines: list[str] = Field(default_factory=list)
    chrome: list[PatternRule]
    page: list[PatternRule] = Field(default_factory=list)
    tokens: TokensConfig
    block: BlockConfig
    tail: TailConfig
    topic: TopicConfig
    title: TitleConfig
    lists: ListsConfig
    #: keyword groups used as *features* of the line scorer (``kw_<group>``: the line contains a phrase)
    line_keywords: dict[str, list[str]] = Field(default_factory=dict)
    sites: list[SiteConfig] = Field(default_factory=list)
    scorer: ScorerConfig | None = None

    @model_validator(mode="after")
    def _unique_names(self) -> ChromeConfig:
        seen: set[str] = set()
        for rule in (*self.meta, *self.chrome, *self.page):
            if rule.name in seen:
                raise ValueError(f"rule name {rule.name!r} is used twice")
            seen.add(rule.name)
        return self

    @model_validator(mode="after")
    def _known_features(self) -> ChromeConfig:
        if self.scorer is None:
            return self
        known1 = set(LINE_FEATURES) | set(keyword_feature_names(list(self.line_keywords)))
        unknown = [f for f in self.scorer.stage1.features if f not in known1]
        if unknown:
            raise ValueError(f"scorer.stage1.features: unknown feature(s) {unknown}")
        if self.scorer.stage2 is not None:
            unknown = [f for f in self.scorer.stage2.features if f not in CONTEXT_FEATURES]
            if unknown:
                raise ValueError(f"scorer.stage2.features: unknown feature(s) {unknown}")
        return self


class ChromeConfigError(ValueError):
    """A chrome config that cannot be used; the message names the file and the offending field."""


# --------------------------------------------------------------------------------------------------
# Compiled rules
# --------------------------------------------------------------------------------------------------

_ASCII_FOLD = (
    ("ç", "c"),
    ("ğ", "g"),
    ("ı", "i"),
    ("ö", "o"),
    ("ş", "s"),
    ("ü", "u"),
    ("â", "a"),
    ("î", "i"),
    ("û", "u"),
)


def _fold(s: str) -> str:
    """ASCII-fold Turkish letters (``str.replace`` chains are much faster than ``str.translate`` here)."""
    if s.isascii():
        return s
    for a, b in _ASCII_FOLD:
        if a in s:
            s = s.replace(a, b)
    return s


_WORD = re.compile(r"[^\W_]+")
_DIGIT = re.compile(r"\d")
_LETTER = re.compile(r"[^\W\d_]")
_SLUG_SPLIT = re.compile(r"[^a-z0-9çğıöşü]+")
_ISO_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DMY_NUM = re.compile(r"\b(\d{1,2})[./-](\d{1,2})[./-](\d{4})\b")


_NAMED_GROUP = re.compile(r"\(\?P<\w+>")


class _LengthIndex:
    """Prefilter for a rule family: does *any* rule that applies to a line of this length match?

    One alternation per distinct ``max_chars`` value, holding the rules that still apply to lines of
    up to that length, so a long body line is only scanned by the few rules meant for long lines.
    """

    def __init__(self, rules: list[tuple[Any, re.Pattern[str]]]) -> None:
        limits = sorted({r.max_chars for r, _ in rules})
        self._buckets: list[tuple[int, re.Pattern[str]]] = []
        lower = 0
        for limit in limits:
            pats = [rx.pattern for r, rx in rules if r.max_chars >= limit]
            combined = re.compile("|".join(f"(?:{_NAMED_GROUP.sub('(?:', p)})" for p in pats))
            self._buckets.append((limit, combined))
            lower = limit
        self._max = lower

    def search(self, key: str) -> bool:
        n = len(key)
        if n > self._max:
            return False
        for limit, rx in self._buckets:
            if n <= limit:
                return rx.search(key) is not None
        return False


def default_config_path() -> Path:
    """The packaged default config (``classify/resources/chrome.yaml``, a link to ``configs/chrome.yaml``)."""
    return Path(str(resources.files("classify") / "resources" / "chrome.yaml"))


class ChromeRules:
    """Compiled chrome rules; build with :meth:`load` (a YAML file) or from a :class:`ChromeConfig`."""

    def __init__(self, config: ChromeConfig, source: str = "<config>") -> None:
        self.config = config
        self.source = source
        c = config
        self._sentence_end = re.compile(c.lines.sentence_end)
        self._fragment = re.compile(c.lines.fragment)
        self._period_end = re.compile(c.lines.period_end)
        self._bullet = re.compile(c.lists.bullet)
        self._date_prefix = re.compile(c.date_prefix.pattern, re.IGNORECASE)
        self._meta = [(r, re.compile(r.pattern)) for r in c.meta]
        self._chrome = [(r, re.compile(r.pattern)) for r in c.chrome]
        self._page = [(r, re.compile(r.pattern)) for r in c.page]
        # one alternation per family finds *whether* any rule matches in a single scan; the individual
        # patterns are only tried on the (few) lines where it does
        self._meta_any = _LengthIndex(self._meta)
        self._chrome_any = _LengthIndex(self._chrome)
        self._datelines = frozenset(turkish_lower(d) for d in c.datelines)
        self._months = {turkish_lower(m): i + 1 for i, m in enumerate(c.dates.months)}
        self._date_words = frozenset(
            {turkish_lower(w) for w in (*c.dates.months, *c.dates.weekdays, *c.dates.filler_words)}
        )
        self._stop = frozenset(turkish_lower(w) for w in c.tokens.stopwords)
        # maximal runs of letters/digits at least min_chars long (shorter words never make a stem)
        self._long_word = re.compile(rf"[^\W_]{{{c.tokens.min_chars},}}")
        if c.tokens.fold_ascii:
            self._stop = self._stop | {_fold(w) for w in self._stop}
        # line scorer: keyword groups (lower-cased phrases) and the two linear stages
        self._keywords = KeywordIndex(
            [[" ".join(turkish_lower(normalize(k)).split()) for k in ks] for ks in c.line_keywords.values()]
        )
        self._stage1: LinearModel | None = None
        self._stage2: LinearModel | None = None
        if c.scorer is not None and c.scorer.enabled:
            known = (*LINE_FEATURES, *keyword_feature_names(list(c.line_keywords)))
            s1 = c.scorer.stage1
            self._stage1 = LinearModel.build(s1.features, s1.weights, s1.intercept, known)
            if c.scorer.stage2 is not None:
                s2 = c.scorer.stage2
                self._stage2 = LinearModel.build(s2.features, s2.weights, s2.intercept, CONTEXT_FEATURES)

    # -- loading ------------------------------------------------------------------------------------

    @classmethod
    def load(cls, path: str | Path | None = None) -> ChromeRules:
        """Load and validate a chrome config; ``None`` loads the packaged default.

        Raises :class:`ChromeConfigError` naming the file and field (e.g. ``block.prose_base: Input
        should be a valid number``) when the YAML is malformed or a value is invalid.
        """
        p = default_config_path() if path is None else Path(path)
        if path is None:
            return _default_rules(str(p))
        return cls._from_file(p)

    @classmethod
    def _from_file(cls, p: Path) -> ChromeRules:
        return cls.from_dict(read_yaml_mapping(p, ChromeConfigError), source=str(p))

    @classmethod
    def from_dict(cls, data: Any, source: str = "<config>") -> ChromeRules:
        """Validate a config given as a mapping (as parsed from YAML)."""
        if not isinstance(data, dict):
            raise ChromeConfigError(
                f"{source}: the chrome config must be a mapping, got {type(data).__name__}"
            )
        try:
            config = ChromeConfig.model_validate(data)
        except ValidationError as exc:
            problems = "; ".join(validation_messages(exc))
            raise ChromeConfigError(f"{source}: invalid chrome config: {problems}") from None
        return cls(config, source=source)

    # -- line-level helpers -------------------------------------------------------------------------

    def match_meta(self, key: str) -> tuple[MetaRule, re.Match[str]] | None:
        """The first meta rule matching the line key ``key`` (length limits applied), or ``None``."""
        if not self._meta_any.search(key):
            return None
        for rule, rx in self._meta:
            if len(key) <= rule.max_chars:
                m = rx.search(key)
                if m:
                    return rule, m
        return None

    def match_chrome(self, key: str) -> PatternRule | None:
        """The first chrome rule matching the line key ``key`` (length limits applied), or ``None``."""
        if not self._chrome_any.search(key):
            return None
        for rule, rx in self._chrome:
            if len(key) <= rule.max_chars and rx.search(key):
                return rule
        return None

    def stems(self, key: str) -> frozenset[str]:
        """Content stems of a line key: words minus stopwords, ASCII-folded, cut to ``stem_chars``."""
        t = self.config.tokens
        if t.fold_ascii:
            key = _fold(key)
        n = t.stem_chars
        words = set(self._long_word.findall(key))
        words -= self._stop
        return frozenset(w[:n] for w in words if not w.isdigit())

    def is_date_line(self, key: str) -> bool:
        """True when the line is a date (and time) plus at most a few leftover words (a city, a section)."""
        if not _DIGIT.search(key):
            return False
        words = _WORD.findall(key)
        has_date = bool(_DMY_NUM.search(key) or _ISO_DATE.search(key))
        rest = rest_words = 0
        for i, w in enumerate(words):
            if w.isdigit():
                continue
            if w in self._months:
                # a day next to the month name ("29 Haziran", "Ağustos 30, 2012"); "Ocak 2026" is not a date line
                if (i > 0 and len(words[i - 1]) <= 2 and words[i - 1].isdigit()) or (
                    i + 1 < len(words) and len(words[i + 1]) <= 2 and words[i + 1].isdigit()
                ):
                    has_date = True
                continue
            if w in self._date_words:
                continue
            rest += len(w)
            rest_words += 1
        d = self.config.dates
        return has_date and rest <= d.max_rest_chars and rest_words <= d.max_rest_words

    def parse_date(self, key: str) -> str | None:
        """An ISO date (``YYYY-MM-DD``) found in a meta line key, or ``None``."""
        m = _ISO_DATE.search(key)
        if m:
            return m.group(0)
        m = _DMY_NUM.search(key)
        if m:
            d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            if 1 <= d <= 31 and 1 <= mo <= 12:
                return f"{y:04d}-{mo:02d}-{d:02d}"
        words = _WORD.findall(key)
        for i, w in enumerate(words):
            mo = self._months.get(w)
            if mo is None:
                continue
            day = words[i - 1] if i > 0 and words[i - 1].isdigit() else None
            year = next((x for x in words[i + 1 : i + 3] if x.isdigit() and len(x) == 4), None)
            if year is None and i + 2 < len(words) and words[i + 1].isdigit() and len(words[i + 2]) == 4:
                year = words[i + 2]  # "Ağustos 30, 2012"
                day = words[i + 1]
            if year and day and 1 <= int(day) <= 31:
                return f"{int(year):04d}-{mo:02d}-{int(day):02d}"
        return None


@lru_cache(maxsize=4)
def _default_rules(path: str) -> ChromeRules:
    return ChromeRules._from_file(Path(path))


# --------------------------------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------------------------------


@dataclass
class _Line:
    """Working state for one non-empty line."""

    idx: int  # line number in the input
    text: str  # normalised text (date prefix removed)
    key: str  # turkish_lower'ed text for rules
    n: int  # len(text)
    prose: bool = False
    headline: bool = False
    cont: bool = False  # starts in lower case: text wrapped mid-sentence
    fragment: bool = False  # a sentence cut off (several words, a comma or an inner sentence end)
    shouting: bool = False  # written in capitals
    role: str | None = None  # decided by a rule
    reason: str | None = None
    closing: bool = False
    meta_field: str | None = None
    meta_value: str | None = None
    repeat_of: int | None = None  # position (in the line list) of the headline this line repeats
    stems: frozenset[str] = frozenset()
    score: float = 0.0


def _cut_block(lines: list[_Line], cut: int | None, end: int, reason: str) -> int:
    """End the body block before ``cut`` (when given): the undecided lines from there on get ``reason``."""
    if cut is None:
        return end
    for ln in lines[cut : end + 1]:
        if ln.role is None:
            ln.reason = reason
    return cut - 1


def _site_profile(url: str | None, cfg: ChromeConfig) -> SiteConfig | None:
    """The ``sites`` entry whose host is the URL's host or a parent domain of it (``m.haberler.com``)."""
    if not url or not cfg.sites:
        return None
    try:
        host = (urlparse(url).hostname or "").lower()
    except ValueError:
        return None
    for site in cfg.sites:
        if host == site.host or host.endswith("." + site.host):
            return site
    return None


_QUOTED = re.compile("^[-\u2013\u2014\u2022\\s]*[\"\u201c\u201d\u2018\u2019'\u00ab]")


def _related_news(lines: list[_Line], start: int, end: int, site: SiteConfig) -> int | None:
    """Where a site's related-news block starts inside the body block, or ``None``.

    The first undecided headline-like line after ``site.min_prose`` prose lines of the block, with an
    undecided line below it in the block, that is not written the way the site writes its own
    subheadings (in quotes, in capitals). A last line alone (a paragraph cut where the page was
    truncated) never starts it.
    """
    prose = 0
    for k in range(start, end + 1):
        ln = lines[k]
        if ln.role is not None:
            continue
        if ln.headline and prose >= site.min_prose and not ln.prose:
            own = ("shouting" in site.subheadings and ln.shouting) or (
                "quoted" in site.subheadings and _QUOTED.match(ln.text) is not None)
            if not own and any(lines[j].role is None for j in range(k + 1, end + 1)):
                return k
        prose += ln.prose
    return None


def _slug_stems(url: str | None, rules: ChromeRules) -> frozenset[str]:
    """Stems of the URL path (the slug usually spells the headline)."""
    if not url:
        return frozenset()
    try:
        path = unquote(urlparse(url).path)
    except ValueError:
        return frozenset()
    words = " ".join(w for w in _SLUG_SPLIT.split(turkish_lower(path)) if w and not w.isdigit())
    return rules.stems(words)


def _similar(a: frozenset[str], b: frozenset[str]) -> float:
    """Share of the smaller stem set found in the larger (1.0 when one contains the other)."""
    if not a or not b:
        return 0.0
    return len(a & b) / min(len(a), len(b))


def parse_article(
    text: str,
    *,
    id: str = "",
    title: str | None = None,
    url: str | None = None,
    date: str | None = None,
    rules: ChromeRules | None = None,
) -> Article:
    """Parse one scraped page into an :class:`Article` (see the module docstring for the method).

    ``title``/``date``/``url`` are what the record itself says, if anything: a given title is matched
    against the page (its copies become title/chrome segments) and wins over a detected one; a given
    date wins over one found in the text. A page that is all chrome yields an article without body
    segments (``text == ""``); an empty page yields no segments at all. Never raises on odd input.
    """
    rules = rules or ChromeRules.load(None)
    rp = _rule_pass(text, id=id, title=title, url=url, date=date, rules=rules)
    if rules._stage1 is not None and rp.lines:
        _apply_scorer(rp, rules)
    return rp.article


#: segment reasons of the rule pass that come from the page structure: the lines the scorer decides
#: (not "teaser_run": a topic-shift cut is kept as the rule decided it; on the dev pages it fires once,
#: wrongly, so a scorer fitted there would learn to undo every such cut, seed 003's included)
_STRUCTURAL_REASONS = frozenset({"body_block", "before_body", "after_body", "after_closing"})


@dataclass
class _RulePass:
    """What the rule pass decided: the working lines, the article, the body block and lexical context."""

    lines: list[_Line]
    article: Article
    start: int | None  #: first line position of the body block (``None``: no block)
    end: int | None
    title_stems: frozenset[str]  #: stems of the given or detected title
    slug: frozenset[str]  #: stems of the URL path


@dataclass
class ScoringInputs:
    """The rule-pass article and stage-1 feature rows of its lines (for fitting the scorer)."""

    article: Article  #: the article as the rule pass alone decided it (scorer not applied)
    line_numbers: list[int]  #: input line number (``text.split("\n")``) of each row of ``features``
    features: np.ndarray  #: stage-1 feature matrix, columns as :func:`stage1_feature_names`
    scored: np.ndarray  #: per row: True when parse_article lets the scorer decide it (else rule chrome)
    segments: np.ndarray  #: per row: segment number (:func:`classify.chrome_features.segment_ids`)
    rule_body: np.ndarray  #: per row: True when the rule pass put the line in the body


def stage1_feature_names(rules: ChromeRules | None = None) -> tuple[str, ...]:
    """Column names of the stage-1 feature matrix for ``rules`` (its keyword groups included)."""
    rules = rules or ChromeRules.load(None)
    return (*LINE_FEATURES, *keyword_feature_names(list(rules.config.line_keywords)))


def scoring_inputs(
    text: str,
    *,
    title: str | None = None,
    url: str | None = None,
    rules: ChromeRules | None = None,
) -> ScoringInputs:
    """Stage-1 features of the lines the scorer decides, computed exactly as :func:`parse_article` does.

    Used by ``benchmarks/chrome_fit.py`` to fit the scorer; the rule pass is run without the scorer.
    Rows cover the scored lines and the lines of pattern-rule chrome (``scored`` tells them apart).
    """
    rules = rules or ChromeRules.load(None)
    rp = _rule_pass(text, title=title, url=url, rules=rules)
    rows_at, rows = _stage1_rows(rp, rules, with_rule_chrome=True)
    scored = set(_stage1_rows(rp, rules)[0])
    x = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(stage1_feature_names(rules)))
    mask = np.array([i in scored for i in rows_at], dtype=bool)
    ids = segment_ids(rp.lines)
    segs = np.array([ids[i] for i in rows_at], dtype=np.int64)
    kinds = {s.line: s.kind for s in rp.article.segments}
    rule_body = np.array([kinds[rp.lines[i].idx] == "body" for i in rows_at], dtype=bool)
    return ScoringInputs(rp.article, [rp.lines[i].idx for i in rows_at], x, mask, segs, rule_body)


def _stage1_rows(
    rp: _RulePass, rules: ChromeRules, *, with_rule_chrome: bool = False
) -> tuple[list[int], list[list[float]]]:
    """Positions of the scored lines and their stage-1 feature rows.

    Scored lines: at least ``lines.short_chars`` long, and placed by the *structure* of the rule pass
    (inside, before or after the body block, after a closing line, in a teaser run). Decisions of the
    precise rules stay final: title and meta lines, pattern-rule chrome (share prompts, comment forms,
    cookie text, ...), headline copies, teaser pairs and site pages. ``with_rule_chrome`` adds the
    lines of that rule chrome as well (for fitting: they teach stage 1 what chrome looks like on every
    site, though the scorer never overrides them).
    """
    lines = rp.lines
    short = rules.config.lines.short_chars
    segs = {s.line: s for s in rp.article.segments}
    body: list[bool] = []
    scored: list[int] = []
    for i, ln in enumerate(lines):
        seg = segs.get(ln.idx)
        body.append(seg is not None and seg.kind == "body")
        if seg is None or ln.n < short:
            continue
        if seg.reason in _STRUCTURAL_REASONS or (with_rule_chrome and seg.role == "chrome"):
            scored.append(i)
    if not scored:
        return scored, []
    rows = line_matrix(
        lines,
        scored,
        body,
        (rp.start, rp.end),
        title_stems=rp.title_stems,
        slug_stems=rp.slug,
        keyword_hits=rules._keywords.hits,
        short_chars=short,
    )
    return scored, rows


def _apply_scorer(rp: _RulePass, rules: ChromeRules) -> None:
    """Let the learned line scorer take the body/chrome decision of every scored line (in place).

    A scored line becomes body when its stage-2 probability reaches ``scorer.threshold`` (reason
    ``scored_body`` where the rule pass had said chrome) and chrome otherwise (reason ``scored_chrome``
    where the rule pass had said body). A short body line (under ``lines.short_chars``, not scored)
    follows the scored lines around it: it leaves the body when the nearest scored line above and the
    nearest below (those that exist) are both chrome.
    """
    sc = rules.config.scorer
    assert sc is not None and rules._stage1 is not None
    scored, rows = _stage1_rows(rp, rules)
    if not scored:
        return
    z = rules._stage1.logits(rows)
    if rules._stage2 is not None:
        c = sc.clip_logit
        ids = segment_ids(rp.lines)
        zc = [min(c, max(-c, v)) for v in z]
        segs0 = {s.line: s for s in rp.article.segments}
        rule_body = [segs0[rp.lines[i].idx].kind == "body" for i in scored]
        z = rules._stage2.logits(context_matrix(zc, [ids[i] for i in scored], rule_body, sc.low_logit))
    cut = math.log(sc.threshold / (1.0 - sc.threshold))
    lines = rp.lines
    segs = {s.line: s for s in rp.article.segments}
    keep: dict[int, bool] = {}
    for pos, zi in zip(scored, z, strict=True):
        seg = segs[lines[pos].idx]
        is_body = zi >= cut
        keep[pos] = is_body
        if is_body and seg.kind != "body":
            seg.kind, seg.role, seg.reason = "body", "body", "scored_body"
        elif not is_body and seg.kind == "body":
            seg.kind, seg.role, seg.reason = "boilerplate", "chrome", "scored_chrome"
    # short body lines follow their scored neighbours
    for i, ln in enumerate(lines):
        if i in keep:
            continue
        seg = segs.get(ln.idx)
        if seg is None or seg.kind != "body":
            continue
        above = next((keep[p] for p in reversed(scored) if p < i), None)
        below = next((keep[p] for p in scored if p > i), None)
        if above is not True and below is not True and (above is not None or below is not None):
            seg.kind, seg.role, seg.reason = "boilerplate", "chrome", "scored_context"


def _rule_pass(
    text: str,
    *,
    id: str = "",
    title: str | None = None,
    url: str | None = None,
    date: str | None = None,
    rules: ChromeRules,
) -> _RulePass:
    """Steps 1-5 of the module docstring: line rules, headline copies, body block, edges, roles."""
    cfg = rules.config
    lc = cfg.lines

    # -- 1. lines, date prefix, line rules --------------------------------------------------------
    found_date: str | None = None
    lines: list[_Line] = []
    for idx, raw in enumerate((text or "").split("\n")):
        if not raw or raw.isspace():
            continue
        t = normalize(raw)
        if "\n" in t:
            t = " ".join(t.split())
        if not t:
            continue
        prefix_date: str | None = None
        if len(lines) < cfg.date_prefix.max_line:
            m = rules._date_prefix.match(t)
            if m:
                prefix_date = m.group("date")
                found_date = found_date or prefix_date
                t = t[m.end() :].strip()
        ln = _Line(idx=idx, text=t, key=turkish_lower(t), n=len(t))
        lines.append(ln)
        if not t:  # the line was only a date prefix
            ln.role, ln.reason, ln.meta_field = "meta", "date_prefix", "date"
            continue
        _classify_line(ln, rules)

    if not lines:
        art = Article(id=id, title=title, date=date or found_date, byline=None, url=url, segments=[])
        return _RulePass(lines, art, None, None, frozenset(), frozenset())

    _mark_duplicates(lines, rules)
    _mark_teaser_lists(lines, rules)

    # -- 2. headline copies -----------------------------------------------------------------------
    title_key = turkish_lower(normalize(title)) if title else None
    title_stems = rules.stems(title_key) if title_key else frozenset()
    _mark_repeats(lines, rules, title_key)

    # -- 3. body block, topic shift ---------------------------------------------------------------
    slug = _slug_stems(url, rules)
    for k, ln in enumerate(lines):
        # text wrapped mid-sentence: this line or the next one starts in lower case
        if ln.role is None and not ln.prose and ln.n >= lc.short_chars:
            nxt = lines[k + 1] if k + 1 < len(lines) else None
            ln.cont = ln.cont or (nxt is not None and nxt.role is None and nxt.cont)
    for ln in lines:
        ln.score = _base_score(ln, cfg)
    start, end = _best_block(lines)
    if start is None:
        # no run scores positive (a one-paragraph text without final punctuation): take the longest
        # undecided line if it is long enough to be prose-sized
        cands = [k for k, ln in enumerate(lines) if ln.role is None and ln.repeat_of is None]
        if cands:
            k = max(cands, key=lambda c: lines[c].n)
            if lines[k].n >= lc.prose_min_chars:
                start = end = k
    if start is not None:
        end = _extend_tail(lines, start, end, cfg, title_stems | slug)
        start = _extend_head(lines, start, cfg)
        end = _cut_block(lines, _topic_shift(lines, start, end, cfg, title_stems | slug), end, "teaser_run")
        site = _site_profile(url, cfg)
        if site is not None:
            end = _cut_block(lines, _related_news(lines, start, end, site), end, "site_related_news")

    # -- 4. closing lines cut the block -----------------------------------------------------------
    if start is not None:
        for i in range(start + 1, end + 1):
            if lines[i].closing:
                end = i - 1
                break
        while end >= start and lines[end].role is not None:
            end -= 1
        if end < start:
            start = end = None

    # -- 5. assign roles ---------------------------------------------------------------------------
    art, start, end = _assemble(
        lines, start, end, rules, id=id, title=title, url=url, date=date or found_date, slug=slug
    )
    if not title_stems and art.title:
        title_stems = rules.stems(turkish_lower(art.title))
    return _RulePass(lines, art, start, end, title_stems, slug)


def _classify_line(ln: _Line, rules: ChromeRules) -> None:
    """Line-level decisions and features that need no context."""
    lc = rules.config.lines
    key, t = ln.key, ln.text
    ln.stems = rules.stems(key)  # for every line: the scorer compares lines with their neighbours
    hit = rules.match_meta(key)
    if hit is not None:
        rule, m = hit
        ln.role, ln.reason, ln.closing, ln.meta_field = "meta", rule.name, rule.closing, rule.field
        value = m.groupdict().get("value")
        if value is not None:
            start, stop = m.span("value")
            ln.meta_value = t[start:stop].strip() if len(t) == len(key) else value.strip()
        return
    if ln.n <= lc.dateline_max_chars and (
        key.strip(" ,.") in rules._datelines or ("," in key and key.split(",")[0].strip() in rules._datelines)
    ):
        ln.role, ln.reason, ln.meta_field = "meta", "dateline", "dateline"
        return
    if ln.n <= rules.config.dates.max_line_chars and rules.is_date_line(key):
        ln.role, ln.reason, ln.meta_field = "meta", "date_line", "date"
        return
    chrome = rules.match_chrome(key)
    if chrome is not None:
        ln.role, ln.reason, ln.closing = "chrome", chrome.name, chrome.closing
        return
    if ln.n <= lc.noise_max_chars:
        letters = len(_LETTER.findall(t))
        if letters / ln.n < lc.min_letter_ratio:
            ln.role, ln.reason = "chrome", "non_text"
            return
    if ln.n >= 2 * lc.doubled_min_chars + 1:
        half = ln.n // 2
        a, b = t[:half].strip(), t[half:].strip()
        if a == b and len(a) >= lc.doubled_min_chars:
            ln.role, ln.reason = "chrome", "doubled_teaser"
            return
    # features
    ln.prose = (
        ln.n >= lc.long_chars
        or (ln.n >= lc.prose_min_chars and bool(rules._sentence_end.search(t)))
        or (ln.n >= lc.period_min_chars and bool(rules._period_end.search(t)))
    )
    words = t.split()
    first = t.lstrip("\"'“‘«(-–—•*· ")[:1]
    ln.cont = first.islower()
    ln.shouting = t.upper() == t and t.lower() != t
    ln.fragment = not ln.prose and len(words) >= lc.fragment_min_words and bool(rules._fragment.search(t))
    ln.headline = (
        not ln.prose
        and lc.short_chars <= ln.n <= lc.max_headline_chars
        and lc.min_headline_words <= len(words) <= lc.max_headline_words
        and not t.endswith((":", ",", ";"))
    )


def _mark_duplicates(lines: list[_Line], rules: ChromeRules) -> None:
    """A headline-like line printed twice in a row about something else is a teaser widget.

    Related-news widgets often render their headline twice (image alt text and link). A subheading can
    be doubled by a scraper too, so the pair is chrome only when it shares less than
    ``lines.duplicate_max_overlap`` of its stems with the rest of the page.
    """
    thr = rules.config.lines.duplicate_max_overlap
    pairs = [
        i
        for i in range(len(lines) - 1)
        if lines[i].role is None
        and lines[i].headline
        and lines[i].key == lines[i + 1].key
        and lines[i + 1].role is None
    ]
    if not pairs:
        return
    for i in pairs:
        st = lines[i].stems
        rest: set[str] = set()
        for j, ln in enumerate(lines):
            if j not in (i, i + 1) and ln.role is None and ln.key != lines[i].key:
                rest |= ln.stems
        if not st or len(st & rest) / len(st) <= thr:
            for ln in (lines[i], lines[i + 1]):
                ln.role, ln.reason = "chrome", "duplicated_teaser"


def _mark_teaser_lists(lines: list[_Line], rules: ChromeRules) -> None:
    """A run of bulleted headline-sized lines about other things is a teaser list (``lists``).

    "Other things": on average less than ``lists.max_overlap`` of an item's word stems occur anywhere
    else on the page (the rest of the page is the article, its headline, its chrome). A list right
    after a line ending in ":" is the article's own ("... şu şartlardan birini taşımak gerekiyor:").
    """
    lc = rules.config.lists
    m = len(lines)
    i = 0
    while i < m:
        j = i
        while (
            j < m
            and lines[j].role is None
            and lines[j].n <= lc.max_chars
            and rules._bullet.match(lines[j].text) is not None
        ):
            j += 1
        introduced = i > 0 and lines[i - 1].text.endswith(":")  # "... şu şartlar gerekiyor:"
        if j - i >= lc.min_run and not introduced:
            rest: set[str] = set()
            for k, ln in enumerate(lines):
                if k < i or k >= j:
                    rest |= ln.stems
            shares = [len(ln.stems & rest) / len(ln.stems) if ln.stems else 0.0 for ln in lines[i:j]]
            if sum(shares) / len(shares) < lc.max_overlap:
                for ln in lines[i:j]:
                    ln.role, ln.reason = "chrome", "teaser_list"
        i = max(j, i + 1)


def _mark_repeats(lines: list[_Line], rules: ChromeRules, title_key: str | None) -> None:
    """Mark copies of the headline: of a given title, or of a headline-like line above the first prose line.

    A copy is the same key, one key containing the other (the shorter at least
    ``topic.repeat_containment_share`` of the longer: "Siyaset <headline>", "<headline> - Son Dakika"),
    or stem sets at least ``topic.repeat_similarity`` alike (at most ``repeat_max_extra_stems`` apart;
    both sides need ``repeat_min_stems`` stems for the last two tests). Only
    headline-like lines are compared, so a paragraph quoting the headline is not a copy, and only
    headlines of the page head are sources, so a subheading printed twice inside the body is not
    mistaken for the title.
    """
    t = rules.config.topic
    thr, min_stems, share = t.repeat_similarity, t.repeat_min_stems, t.repeat_containment_share
    seen: list[tuple[int, str, frozenset[str]]] = []
    if title_key:
        seen.append((-1, title_key, rules.stems(title_key)))
    in_head = True
    for i, ln in enumerate(lines):
        if ln.role is None and ln.prose:
            in_head = False
        if ln.role is not None or not ln.headline:
            continue
        for j, key, st in seen:
            if (
                ln.key == key
                or (
                    len(ln.stems) >= min_stems
                    and len(st) >= min_stems
                    and min(len(key), ln.n) >= share * max(len(key), ln.n)
                    and (key in ln.key or ln.key in key)
                )
                or (
                    len(ln.stems) >= min_stems
                    and len(st) >= min_stems
                    and _similar(ln.stems, st) >= thr
                    and abs(len(ln.stems) - len(st)) <= t.repeat_max_extra_stems
                )
            ):
                ln.repeat_of = j
                break
        else:
            if in_head:
                seen.append((i, ln.key, ln.stems))


def _base_score(ln: _Line, cfg: ChromeConfig) -> float:
    b = cfg.block
    if ln.repeat_of is not None:
        return b.repeat_line
    if ln.role == "meta":
        return b.meta_line
    if ln.role == "chrome":
        return b.chrome_line
    if ln.prose:
        return min(b.prose_cap, b.prose_base + b.prose_per_char * ln.n)
    if ln.n < cfg.lines.short_chars:
        return b.short_line
    if ln.cont:  # wrapped prose
        return min(b.prose_cap, b.prose_base + b.prose_per_char * ln.n) * b.continuation_share
    return b.text_line


def _best_block(lines: list[_Line]) -> tuple[int | None, int | None]:
    """Maximum-subarray over line scores: the contiguous run with the largest positive total."""
    best, best_s, best_e = 0.0, None, None
    cur, cur_s = 0.0, 0
    for i, ln in enumerate(lines):
        if cur <= 0:
            cur, cur_s = ln.score, i
        else:
            cur += ln.score
        if cur > best:
            best, best_s, best_e = cur, cur_s, i
    return best_s, best_e


def _extend_tail(lines: list[_Line], start: int, end: int, cfg: ChromeConfig, extra: frozenset[str]) -> int:
    """Extend the block over the lines below it that still belong to the article.

    The maximum subarray stops before trailing lines that score negative on their own: a paragraph
    cut off where the page was truncated, a closing list of short items, a last subheading. Chrome
    below an article is nearly always announced by a rule line (a byline, "İlginizi Çekebilir", a
    comment form: *closing* lines) or a copy of the headline, so the block extends down to the line
    before the first of those (lines a rule decided keep their role). From the new end, lines are then
    given back while they are short, or headline-like and off-topic (sharing less than
    ``tail.min_overlap`` of their stems with the article): teaser headlines left at the foot of a page.
    """
    t = cfg.tail
    vocab: set[str] = set(extra)
    for ln in lines[start : end + 1]:
        if ln.role is None:
            vocab |= ln.stems
    last = end
    for j in range(end + 1, len(lines)):
        ln = lines[j]
        if ln.closing or ln.repeat_of is not None:
            break
        if ln.role is None:
            last = j
    while last > end:
        ln = lines[last]
        if ln.role is not None or ln.n < cfg.lines.short_chars:
            last -= 1
            continue
        if ln.prose or ln.cont or ln.fragment or not ln.headline:
            break
        if len(ln.stems) >= t.min_stems and len(ln.stems & vocab) / len(ln.stems) < t.min_overlap:
            last -= 1
            continue
        if ln.shouting and len(ln.stems & vocab) / max(1, len(ln.stems)) < t.min_overlap_caps:
            last -= 1
            continue
        break
    return last


def _extend_head(lines: list[_Line], start: int, cfg: ChromeConfig) -> int:
    """Extend the block upwards to the line after the head's last separator (a meta line or a repeat).

    Pages often run: headline, spot, date/byline, headline again, then the body - whose first line
    may be a short subheading the maximum subarray leaves out. Once a meta line or a repeated headline
    has closed the page head, the lines between it and the block are body (unless a rule decided them).
    """
    sep = None
    for i in range(start - 1, -1, -1):
        ln = lines[i]
        if ln.repeat_of is not None or ln.role == "meta":
            sep = i
            break
        if ln.role is not None:
            continue
        if not (ln.prose or ln.cont or ln.fragment or ln.headline or ln.n < cfg.lines.short_chars):
            return start
    if sep is None:
        return start
    new = start
    for i in range(sep + 1, start):
        if lines[i].role is None:
            new = i
            break
    return new


def _topic_shift(
    lines: list[_Line], start: int, end: int, cfg: ChromeConfig, extra: frozenset[str]
) -> int | None:
    """Where a trailing run of *other* stories begins inside the block, or ``None``.

    Seed ``003``: a ministry report followed by a dozen municipal news teasers, each a long prose line
    about a different subject. For a split ``k`` the article is the block above ``k`` plus the title
    and URL-slug stems. Judged lines are those with at least ``min_stems`` stems; the split holds when
    at least ``min_run`` judged lines lie in ``[k, end]`` and (a) line ``k`` and (b) the run on average
    share at most ``max_mean_overlap`` of their stems with the article above, and (c) consecutive run
    lines share on average at most ``max_adjacent_overlap`` (each is about something else). Real
    paragraphs keep the story's names and nouns and hang together, so they fail (a)-(c). The article
    above must have ``min_article_lines`` prose lines, and (d) the run may hold at most
    ``max_subheadings`` headline-like lines in capitals: those are the article's own subheadings
    ("BEN DE SİZİ GÖRMEK İSTEMEM DOĞRUSU"), never a teaser. The earliest valid split wins.
    """
    t = cfg.topic
    judged = [
        i for i in range(start, end + 1) if lines[i].role is None and len(lines[i].stems) >= t.min_stems
    ]
    if len(judged) < t.min_run + t.min_article_lines:
        return None
    # the article's own subheadings (headline-like lines in capitals) from each judged line to the end
    subheadings = [0] * len(judged)
    count = 0
    nxt = end
    for pos in range(len(judged) - 1, -1, -1):
        for i in range(judged[pos], nxt + 1):
            ln = lines[i]
            count += ln.role is None and ln.headline and ln.shouting
        nxt = judged[pos] - 1
        subheadings[pos] = count
    # mean overlap of consecutive judged lines, for every suffix of ``judged``
    adj = [len(lines[b].stems & lines[a].stems) / len(lines[b].stems) for a, b in pairwise(judged)]
    vocab: set[str] = set(extra)
    prose_above = 0
    for pos, k in enumerate(judged):
        if len(judged) - pos < t.min_run:
            break
        if prose_above >= t.min_article_lines:
            tail = judged[pos:]
            st = lines[k].stems
            if len(st & vocab) / len(st) <= t.max_mean_overlap:
                mean_above = sum(len(lines[i].stems & vocab) / len(lines[i].stems) for i in tail) / len(tail)
                mean_adj = sum(adj[pos:]) / max(1, len(adj) - pos)
                if (
                    mean_above <= t.max_mean_overlap
                    and mean_adj <= t.max_adjacent_overlap
                    and subheadings[pos] <= t.max_subheadings
                ):
                    return k
        prev = judged[pos - 1] if pos else start - 1
        for i in range(prev + 1, k + 1):  # everything up to k joins the article above
            if lines[i].role is None:
                vocab |= lines[i].stems
                prose_above += lines[i].prose
    return None


def _page_rule(lines: list[_Line], head_end: int, title: str | None, rules: ChromeRules) -> str | None:
    """Name of the page rule matched by the given title or a line of the page head, if any."""
    keys = [turkish_lower(normalize(title))] if title else []
    keys += [ln.key for ln in lines[: head_end + 1] if ln.n <= 120]
    for rule, rx in rules._page:
        for key in keys:
            if len(key) <= rule.max_chars and rx.search(key):
                return rule.name
    return None


def _assemble(
    lines: list[_Line],
    start: int | None,
    end: int | None,
    rules: ChromeRules,
    *,
    id: str,
    title: str | None,
    url: str | None,
    date: str | None,
    slug: frozenset[str] = frozenset(),
) -> tuple[Article, int | None, int | None]:
    """Turn the per-line decisions and the body block into segments and article fields.

    Returns the article and the final body block (``start``/``end`` after the title decision).
    """
    cfg = rules.config
    segs: list[Segment] = []
    found_title: str | None = None
    title_pos: int | None = None
    weak_title: int | None = None
    byline: str | None = None
    credit: str | None = None
    meta_date: str | None = None
    head_end = start if start is not None else len(lines)

    # title: the first headline-like line above the body. Evidence that it is the page headline and not
    # a first subheading of the body: something sits between it and the body (a spot, a date, a
    # repeat), or page chrome above it, or a copy of it further down, or the URL slug spells it. A
    # lone first line directly above the body without such evidence is reported as Article.title but
    # stays in the body (gold often calls such a line body: a subheading of a page scraped without
    # its headline).
    repeated = {ln.repeat_of for ln in lines if ln.repeat_of is not None}

    def slug_says(ln: _Line) -> bool:
        return (
            bool(slug)
            and len(ln.stems) > 0
            and len(ln.stems & slug) / len(ln.stems) >= cfg.title.slug_min_share
        )

    if title is None:
        first_text = next((i for i, ln in enumerate(lines) if ln.text), 0)
        for i in range(head_end):
            ln = lines[i]
            if (
                ln.role is None
                and ln.repeat_of is None
                and cfg.title.min_chars <= ln.n <= cfg.title.max_chars
                and len(ln.text.split()) >= cfg.title.min_words
                and not ln.prose
            ):
                if i == first_text and i == head_end - 1 and i not in repeated and not slug_says(ln):
                    weak_title = i
                else:
                    title_pos = i
                break
        if title_pos is None and weak_title is None and start is not None:
            first = lines[start]
            if first.headline and start < (end or start) and (start in repeated or slug_says(first)):
                title_pos = start
            elif first.headline and start < (end or start):
                weak_title = start
        if title_pos is None and weak_title is not None:
            found_title = lines[weak_title].text
            if weak_title < head_end:  # keep it in the body: extend the block up to it
                start = weak_title if start is not None else None
    # a site page (comment rules, privacy policy), not an article: everything is chrome
    page_rule = _page_rule(lines, head_end, title, rules)
    if page_rule is not None:
        start = end = None
    closed = False
    given_seen = False
    for i, ln in enumerate(lines):
        in_block = start is not None and start <= i <= end  # type: ignore[operator]
        role, reason = ln.role, ln.reason
        if page_rule is not None and role is None:
            role, reason = "chrome", page_rule
        elif ln.repeat_of == -1 and not given_seen:  # first copy of the given title on the page
            role, reason = "title", "given_title"
            given_seen = True
        elif ln.repeat_of is not None:
            role, reason = "chrome", "repeated_headline"
        elif i == title_pos:
            role, reason = "title", "headline"
        elif role is None:
            if in_block:
                role, reason = "body", "body_block"
            elif start is not None and i < start:
                spot = (
                    ln.prose
                    and title_pos is not None
                    and i > title_pos
                    and _similar(ln.stems, lines[title_pos].stems) >= cfg.title.spot_min_overlap
                )
                role, reason = ("title", "spot") if spot else ("chrome", "before_body")
            else:
                role = "chrome"
                reason = "after_closing" if closed else (ln.reason or "after_body")
        if end is not None and i > end and ln.closing:
            closed = True
        if role == "meta":
            if ln.meta_field == "byline" and byline is None and ln.meta_value:
                byline = ln.meta_value
            elif ln.meta_field == "byline" and byline is None and ln.reason == "newsroom":
                byline = ln.text
            elif ln.meta_field == "credit" and credit is None:
                credit = ln.meta_value or ln.text
            elif ln.meta_field == "date" and meta_date is None:
                meta_date = rules.parse_date(ln.key)
        if ln.text:  # (a line that was only a date prefix leaves no segment; its date is in Article.date)
            segs.append(Segment(ln.text, "body" if role == "body" else "boilerplate", role, reason, ln.idx))
    if title_pos is not None and title is None:
        found_title = lines[title_pos].text
    art = Article(
        id=id,
        title=title if title is not None else found_title,
        date=date or meta_date,
        byline=byline or credit,  # a credit ("Kaynak: AA") when no author or newsroom is named
        url=url,
        segments=segs,
    )
    return art, start, end
