"""Site-independent line features and the learned line scorer of :mod:`classify.articles`.

The rule pass of :func:`classify.articles.parse_article` (pattern rules, headline copies, teaser
lists, the maximum-subarray body block, tail and head edges) gives every line a first decision. When
``scorer.enabled`` is set in ``configs/chrome.yaml``, the lines placed by the *structure* of that pass
(inside, before or after the body block, after a closing line: the "scored" lines, at least
``lines.short_chars`` long) are re-decided by two logistic regressions whose weights are data in the
config, fitted by ``benchmarks/chrome_fit.py``:

* **Stage 1** over :data:`LINE_FEATURES` (+ ``kw_<group>`` for the config's ``line_keywords``): the
  shape of the line (length, words, sentence ending, capitals, digits, symbols, bullets, separators),
  keyword groups as *features* (share/follow prompts, service boxes, author bios, ...), where the rule
  pass put it (inside/before/after the block, after a closing or meta line, distance to the block),
  its position, word-stem overlap with the title, the URL slug, the body, the lead, its neighbours and
  its *segment* (the lines from one headline-like line to the next), the run of list-like lines it
  belongs to (length, mutual overlap, bullets), and the shape of the previous and next line.
* **Stage 2** over :data:`CONTEXT_FEATURES`: the stage-1 log-odds of the line, the rule pass's
  decision, and the stage-1 log-odds of the scored lines around it (previous/next, windows, what
  follows it, its segment), so a run of low-scoring lines pulls its members down together and a lone
  low score inside a long body is smoothed away.

A scored line is body when its stage-2 probability reaches ``scorer.threshold``. Scoring is plain
Python (one dot product per row: a page has a handful of scored lines, too few for numpy to pay off);
the features cost about as much as the rule pass itself, which is why the scorer is off by default.

Feature names are the contract between this module and the config: the config lists ``features``
with one weight each (raw feature scale; the standardisation is folded in when fitting), and a name
the code does not know is a config error.
"""

from __future__ import annotations

import math
import operator
import re
import string
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any, Protocol

__all__ = [
    "CONTEXT_FEATURES",
    "KEYWORD_CHARS",
    "LINE_FEATURES",
    "RATIO_CHARS",
    "KeywordIndex",
    "LineInfo",
    "LinearModel",
    "context_matrix",
    "keyword_feature_names",
    "line_matrix",
    "segment_ids",
]


class LineInfo(Protocol):
    """What the scorer reads from one non-empty line of the rule pass (``articles._Line``)."""

    text: str
    key: str
    n: int
    prose: bool
    headline: bool
    cont: bool
    fragment: bool
    shouting: bool
    role: str | None
    reason: str | None
    closing: bool
    stems: frozenset[str]


#: stage-1 features computed from the line itself, the rule pass and the page (keyword groups of the
#: config are added as ``kw_<group>``; see :func:`keyword_feature_names`)
_SHAPE = (
    "len_log",
    "lt40",
    "ge160",
    "words_log",
    "end_sentence",
    "end_colon",
    "end_open",
    "starts_lower",
    "capitals_ratio",
    "shouting",
    "titlecase_ratio",
    "digit_ratio",
    "symbol_ratio",
    "bullet",
    "separators",
    "quote_start",
    "inner_sentences",
    "prose",
    "headline",
    "fragment",
    "stems_log",
)
_POSITION = (
    "in_block",
    "before_block",
    "after_block",
    "after_closing",
    "dist_before",
    "dist_after",
    "rel_pos",
    "block_share",
    "first_line",
    "last_line",
    "after_meta",
    "body_lines_log",
)
_LEXICAL = (
    "has_title",
    "title_overlap",
    "title_copy",
    "slug_overlap",
    "body_overlap",
    "lead_overlap",
    "page_overlap",
    "above_overlap",
    "segment_overlap",
    "segment_title_overlap",
    "segment_off_title",
    "segment_above_overlap",
    "prev_overlap",
    "next_overlap",
)
_RUN = (
    "run_len_log",
    "run_overlap",
    "run_bullets",
    "teaser_list",
)
_NEIGHBOUR = (
    "prev_prose",
    "prev_headline",
    "prev_chrome",
    "prev_len_log",
    "next_prose",
    "next_headline",
    "next_chrome",
    "next_len_log",
    "headline_then_prose",
    "no_prev",
    "no_next",
)
LINE_FEATURES: tuple[str, ...] = _SHAPE + _POSITION + _LEXICAL + _RUN + _NEIGHBOUR

#: stage-2 features: stage-1 log-odds of the line and of the scored lines around it
CONTEXT_FEATURES: tuple[str, ...] = (
    "z",
    "rule_body",
    "z_prev",
    "z_next",
    "z_prev2_mean",
    "z_next2_mean",
    "z_after_mean",
    "z_after_min",
    "low_after_share",
    "z_before_mean",
    "z_before_max",
    "low_run_log",
    "z_page_mean",
    "z_segment_mean",
    "segment_lines_log",
    "no_prev",
    "no_next",
)

#: character-class ratios (capitals, digits, symbols) are measured on this many leading characters
RATIO_CHARS = 120
#: a run of 3+ list-like lines whose neighbours share less than this (of the smaller stem set) on
#: average reads as a teaser list
TEASER_LIST_OVERLAP = 0.2
#: keyword groups are searched in this many leading characters of a line
KEYWORD_CHARS = 150

_END_SENTENCE = re.compile(r"[.!?…][\"”’»)\]*]*$")
_CAP_WORD = re.compile(r"(?:^|\s)[\"“‘'(]?[A-ZÇĞİÖŞÜÂÎÛ]")
_BULLET = re.compile(r"^\s*(?:[-–—•*·►▶▸»>✓✔■□◆●○]|\d{1,2}[.)]\s)")
_SEPARATORS = re.compile(r"\s[|›»/•·]\s|\s[-–]\s")
_QUOTE_START = re.compile(r"^[\"“‘«']")
_DIGITS_B = string.digits.encode()
_PUNCT_B = string.punctuation.encode()
_UPPER_B = string.ascii_uppercase.encode()


def keyword_feature_names(groups: Sequence[str]) -> tuple[str, ...]:
    """Feature names of the config's keyword groups (``kw_<group>``), in config order."""
    return tuple(f"kw_{g}" for g in groups)


@dataclass(frozen=True)
class LinearModel:
    """A logistic regression over named features, as one weight per column of the full feature rows.

    Scoring is a plain Python dot product per row: a page has a handful of scored lines, and for
    matrices this small building a numpy array costs more than the arithmetic.
    """

    weights: tuple[float, ...]  #: one per column of the full rows (0 for a feature the config omits)
    intercept: float

    @classmethod
    def build(
        cls, names: Sequence[str], weights: Sequence[float], intercept: float, known: Sequence[str]
    ) -> LinearModel:
        """Place the config's named weights on the columns the code computes (names checked before)."""
        index = {n: i for i, n in enumerate(known)}
        full = [0.0] * len(known)
        for name, w in zip(names, weights, strict=True):
            full[index[name]] = float(w)
        return cls(tuple(full), float(intercept))

    def logits(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """Log-odds of "body" for each full feature row."""
        w, b = self.weights, self.intercept
        return [sum(map(operator.mul, row, w)) + b for row in rows]


class KeywordIndex:
    """Keyword groups as one trie-shaped regular expression: which groups have a phrase in a line.

    A phrase matches at the start of a word and as a prefix ("paylaş" fires on "Paylaşın"); only the
    first :data:`KEYWORD_CHARS` characters of the line key are searched (chrome lines are short, and
    the cap bounds the cost on long paragraphs). The phrases are compiled into a trie (common prefixes
    factored out), so a search costs a few microseconds whatever the number of phrases.
    """

    def __init__(self, groups: Sequence[Sequence[str]]) -> None:
        self.size = len(groups)
        self._group_of: dict[str, int] = {}
        for g, phrases in enumerate(groups):
            for phrase in phrases:
                self._group_of.setdefault(phrase, g)
        self._rx = (
            re.compile(r"(?<!\w)(?:" + _trie_pattern(list(self._group_of)) + ")") if self._group_of else None
        )

    def hits(self, key: str) -> list[float]:
        """One 0/1 indicator per group for a line key (normalised, Turkish lower-cased)."""
        out = [0.0] * self.size
        if self._rx is None:
            return out
        group_of = self._group_of
        for phrase in self._rx.findall(key[:KEYWORD_CHARS]):
            out[group_of[phrase]] = 1.0
        return out


def _trie_pattern(phrases: Sequence[str]) -> str:
    """A regular expression matching exactly the given phrases, shaped as a trie (longest match wins)."""
    root: dict[str, Any] = {}
    for phrase in phrases:
        node = root
        for ch in phrase:
            node = node.setdefault(ch, {})
        node[""] = True

    def build(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + build(sub) for ch, sub in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return f"(?:{body})?" if "" in node else body

    return build(root)


def line_matrix(
    lines: Sequence[LineInfo],
    scored: Sequence[int],
    body: Sequence[bool],
    block: tuple[int | None, int | None],
    *,
    title_stems: frozenset[str],
    slug_stems: frozenset[str],
    keyword_hits: Callable[[str], list[float]],
    short_chars: int,
) -> list[list[float]]:
    """Stage-1 feature rows (columns as :data:`LINE_FEATURES` + keyword groups), one per ``scored`` line.

    ``scored`` holds positions in ``lines``; ``body[i]`` is the rule pass's decision for line ``i``
    (kind body); ``block`` the final body block (first and last position, ``None`` when the page has
    none); ``keyword_hits(key)`` gives the keyword-group indicators of a line key. Character-class ratios
    are taken over the first :data:`RATIO_CHARS` characters (enough to tell a ticker from prose, and
    it bounds the cost on long paragraphs).
    """
    m = len(lines)
    start, end = block
    has_block = start is not None and end is not None
    s0 = start if start is not None else -1
    e0 = end if end is not None else m
    body_pos = [i for i in range(m) if body[i]]
    body_count: Counter[str] = Counter()
    page_count: Counter[str] = Counter()
    for i in range(m):
        st = lines[i].stems
        if st:
            page_count.update(st)
            if body[i]:
                body_count.update(st)
    # a line's stem is elsewhere in the body / on the page when it occurs in another line: in at least
    # one line of the body for a line outside it, in at least two lines otherwise
    body_any = body_count.keys()
    body_multi = {x for x, c in body_count.items() if c > 1}
    page_multi = {x for x, c in page_count.items() if c > 1}
    lead_pos = body_pos[:3]
    lead: set[str] = set()
    for i in lead_pos:
        lead |= lines[i].stems
    first_closing = next((i for i in range(s0 + 1, m) if lines[i].closing), m) if has_block else m
    first_meta = next((i for i in range(s0 + 1, m) if lines[i].role == "meta"), m) if has_block else m
    last_text = m - 1
    n_body = len(body_pos)
    block_share = n_body / m if m else 0.0
    body_lines_log = math.log1p(n_body)
    denom = max(1, m - 1)
    segs = _segments(lines, body, title_stems, slug_stems)
    has_title = float(bool(title_stems or slug_stems))
    runs = _runs(lines, short_chars)

    rows: list[list[float]] = []
    above: set[str] = set()  # stems of body lines above the current scored line
    above_upto = 0
    for i in scored:
        while above_upto < i:
            if body[above_upto]:
                above |= lines[above_upto].stems
            above_upto += 1
        ln = lines[i]
        t, n = ln.text, ln.n
        head = t[:RATIO_CHARS]
        nw = t.count(" ") + 1
        # character classes counted on the UTF-8 bytes (C-speed; ASCII capitals and punctuation only)
        raw = head.encode()
        nb = len(raw)
        digits = nb - len(raw.translate(None, _DIGITS_B))
        symbols = nb - len(raw.translate(None, _PUNCT_B))
        capitals = nb - len(raw.translate(None, _UPPER_B))
        stems = ln.stems
        ns = len(stems)
        reason = ln.reason or ""
        before = has_block and i < s0
        after = has_block and i > e0
        if ns:
            body_ov = len(stems & body_multi if body[i] else stems & body_any) / ns
            page_ov = len(stems & page_multi) / ns
            if i in lead_pos:
                other: set[str] = set()
                for j in lead_pos:
                    if j != i:
                        other |= lines[j].stems
                lead_ov = len(stems & other) / ns
            else:
                lead_ov = len(stems & lead) / ns
            title_ov = len(stems & title_stems) / ns
            slug_ov = len(stems & slug_stems) / ns
            above_ov = len(stems & above) / ns
        else:
            body_ov = page_ov = lead_ov = title_ov = slug_ov = above_ov = 0.0
        seg_ov, seg_title_ov, seg_above_ov, seg_stems = segs[i]
        prev = lines[i - 1] if i > 0 else None
        nxt = lines[i + 1] if i + 1 < m else None
        row = [
            # shape
            math.log(max(n, 1)),
            float(n < 40),
            float(n >= 160),
            math.log1p(nw),
            float(_END_SENTENCE.search(t[-6:]) is not None),
            float(t.endswith(":")),
            float(t[-1:].isalnum()),
            float(ln.cont),
            capitals / nb,
            float(ln.shouting),
            len(_CAP_WORD.findall(head)) / (head.count(" ") + 1),
            digits / nb,
            symbols / nb,
            float(_BULLET.match(t) is not None),
            min(3, len(_SEPARATORS.findall(head))) / 3,
            float(_QUOTE_START.match(t) is not None),
            min(5, t.count(". ") + t.count("? ") + t.count("! ")) / 5,
            float(ln.prose),
            float(ln.headline),
            float(ln.fragment),
            math.log1p(ns),
            # position
            float(has_block and s0 <= i <= e0),
            float(before),
            float(after),
            float(reason == "after_closing" or i > first_closing),
            math.log1p(s0 - i) if before else 0.0,
            math.log1p(i - e0) if after else 0.0,
            i / denom,
            block_share,
            float(i == 0),
            float(i == last_text),
            float(i > first_meta),
            body_lines_log,
            # lexical
            has_title,
            title_ov,
            float(title_ov >= 0.75 and ns >= 2),
            slug_ov,
            body_ov,
            lead_ov,
            page_ov,
            above_ov,
            seg_ov,
            seg_title_ov,
            float(has_title and seg_title_ov == 0.0 and seg_stems >= 4),
            seg_above_ov,
            len(stems & prev.stems) / ns if prev is not None and ns else 0.0,
            len(stems & nxt.stems) / ns if nxt is not None and ns else 0.0,
            # run of list-like lines
            *runs[i],
            # neighbours
            float(prev is not None and prev.prose),
            float(prev is not None and prev.headline),
            float(prev is not None and prev.role == "chrome"),
            math.log(max(prev.n, 1)) if prev is not None else 0.0,
            float(nxt is not None and nxt.prose),
            float(nxt is not None and nxt.headline),
            float(nxt is not None and nxt.role == "chrome"),
            math.log(max(nxt.n, 1)) if nxt is not None else 0.0,
            float(ln.headline and nxt is not None and nxt.prose),
            float(prev is None),
            float(nxt is None),
        ]
        row += keyword_hits(ln.key)
        rows.append(row)
    return rows


def segment_ids(lines: Sequence[LineInfo]) -> list[int]:
    """Segment number of every line: a new segment starts at a headline-like line and around rule lines.

    A second story glued under the article, or a teaser block, starts with its own headline; a line a
    rule already decided (a byline, a share prompt) separates what is above it from what is below.
    """
    ids: list[int] = []
    seg = 0
    for i, ln in enumerate(lines):
        if i and (ln.headline or ln.role is not None or lines[i - 1].role is not None):
            seg += 1
        ids.append(seg)
    return ids


def _segments(
    lines: Sequence[LineInfo],
    body: Sequence[bool],
    title_stems: frozenset[str],
    slug_stems: frozenset[str],
) -> list[tuple[float, float, float, int]]:
    """Per line: word overlap of its *segment* (see :func:`segment_ids`) with the rest of the article.

    For each segment ``S`` (its lines' stems together): the share of ``S``'s stems found in the title
    and the first three body lines outside ``S``; found in the title and the URL slug alone; and found
    in the body lines above ``S``; and the number of ``S``'s stems. A teaser block or a second story shares little with the article's
    headline and lead; a subheading and its paragraphs share a lot.
    """
    m = len(lines)
    out: list[tuple[float, float, float, int]] = [(0.0, 0.0, 0.0, 0)] * m
    ids = segment_ids(lines)
    bounds = [i for i in range(m) if i == 0 or ids[i] != ids[i - 1]]
    bounds.append(m)
    body_pos = [i for i in range(m) if body[i]]
    headline = title_stems | slug_stems
    above: set[str] = set()
    bp = 0
    for a, b in pairwise(bounds):
        seg: set[str] = set()
        for i in range(a, b):
            seg |= lines[i].stems
        while bp < len(body_pos) and body_pos[bp] < a:
            above |= lines[body_pos[bp]].stems
            bp += 1
        if not seg:
            continue
        other = set(title_stems)
        taken = 0
        for j in body_pos:
            if j < a or j >= b:
                other |= lines[j].stems
                taken += 1
                if taken == 3:
                    break
        k = len(seg)
        val = (len(seg & other) / k, len(seg & headline) / k, len(seg & above) / k, k)
        for i in range(a, b):
            out[i] = val
    return out


def _runs(lines: Sequence[LineInfo], short_chars: int) -> list[tuple[float, float, float, float]]:
    """Per line: the run of list-like lines it belongs to (length, mutual word overlap, bullet share, and
    whether it looks like a teaser list: at least 3 lines sharing on average under
    :data:`TEASER_LIST_OVERLAP` of their stems with the next).

    List-like: at least ``short_chars`` long and not prose (headlines, list items, names). A teaser list
    is a run of such lines about unrelated things (little overlap between neighbours); a list inside an
    article (names and titles, steps of a procedure) repeats its words from item to item.
    """
    m = len(lines)
    out: list[tuple[float, float, float, float]] = [(0.0, 0.0, 0.0, 0.0)] * m
    i = 0
    while i < m:
        if lines[i].prose or lines[i].n < short_chars:
            i += 1
            continue
        j = i
        while j < m and not lines[j].prose and lines[j].n >= short_chars:
            j += 1
        size = j - i
        ov = 0.0
        pairs = 0
        bullets = 0
        for q in range(i, j):
            if _BULLET.match(lines[q].text):
                bullets += 1
            if q > i:
                a, b = lines[q - 1].stems, lines[q].stems
                if a and b:
                    ov += len(a & b) / min(len(a), len(b))
                    pairs += 1
        mean_ov = ov / pairs if pairs else 0.0
        val = (math.log1p(size), mean_ov, bullets / size, float(size >= 3 and mean_ov < TEASER_LIST_OVERLAP))
        for q in range(i, j):
            out[q] = val
        i = j
    return out


def context_matrix(
    z: Sequence[float], segments: Sequence[int], rule_body: Sequence[bool], low: float = 0.0
) -> list[list[float]]:
    """Stage-2 feature rows (columns as :data:`CONTEXT_FEATURES`) from a page's stage-1 log-odds.

    ``z`` holds the (clipped) stage-1 log-odds of the page's scored lines in page order, ``segments``
    their segment numbers (:func:`segment_ids`), ``rule_body`` the rule pass's decision; ``low`` is the log-odds below which a line counts as
    "low" (share of low lines after it, length of the low run it belongs to).
    """
    k = len(z)
    if k == 0:
        return []
    zl = [float(v) for v in z]
    page_mean = sum(zl) / k
    seg_sum: dict[int, float] = {}
    seg_n: dict[int, int] = {}
    for v, g in zip(zl, segments, strict=True):
        seg_sum[g] = seg_sum.get(g, 0.0) + v
        seg_n[g] = seg_n.get(g, 0) + 1
    # suffix statistics (lines after i) and prefix statistics (lines before i)
    after_mean = [0.0] * k
    after_min = [0.0] * k
    low_after = [0.0] * k
    s = 0.0
    mn = math.inf
    lows = 0
    for i in range(k - 1, -1, -1):
        cnt = k - 1 - i
        if cnt:
            after_mean[i] = s / cnt
            after_min[i] = mn
            low_after[i] = lows / cnt
        v = zl[i]
        s += v
        mn = min(mn, v)
        lows += v < low
    # length of the run of low lines each line belongs to (0 for a line that is not low)
    run = [0] * k
    i = 0
    while i < k:
        if zl[i] < low:
            j = i
            while j < k and zl[j] < low:
                j += 1
            for q in range(i, j):
                run[q] = j - i
            i = j
        else:
            i += 1
    rows = []
    s = 0.0
    mx = 0.0
    for i in range(k):
        v = zl[i]
        p1 = zl[i - 1] if i > 0 else 0.0
        n1 = zl[i + 1] if i + 1 < k else 0.0
        p2 = zl[max(0, i - 2) : i]
        n2 = zl[i + 1 : i + 3]
        rows.append(
            [
                v,
                float(rule_body[i]),
                p1,
                n1,
                sum(p2) / len(p2) if p2 else 0.0,
                sum(n2) / len(n2) if n2 else 0.0,
                after_mean[i],
                after_min[i],
                low_after[i],
                s / i if i else 0.0,
                mx,
                math.log1p(run[i]),
                page_mean,
                seg_sum[segments[i]] / seg_n[segments[i]],
                math.log(seg_n[segments[i]]),
                float(i == 0),
                float(i == k - 1),
            ]
        )
        s += v
        mx = v if i == 0 or v > mx else mx
    return rows
