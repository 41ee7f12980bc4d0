"""Turkish text utilities: casing, normalisation, sentence splitting and tokenisation.

Everything downstream (chrome detection, labelling rules, TF-IDF, summaries, ROUGE) goes through this
module, so the functions here are written for two things at once:

* **Turkish correctness.** Python's ``str.lower`` maps ``"İ"`` to ``"i̇"`` (``i`` + U+0307 COMBINING DOT
  ABOVE) and ``"I"`` to ``"i"``; both are wrong for Turkish (``İSTANBUL`` → ``istanbul``, ``IĞDIR`` →
  ``ığdır``). :func:`turkish_lower` / :func:`turkish_upper` get this right. Sentence splitting knows
  Turkish abbreviations (``Dr.``, ``Doç.``, ``Mah.``, ``T.C.`` …), thousands separators and decimal commas
  (``37.728.968,32``), dates (``29.06.2025``), ordinals (``2. Doğumlarında``), initials, ellipses and the
  ``“…” dedi.`` quotation pattern of Turkish news.
* **Throughput.** The dataset build and batch prediction run these functions on tens of thousands of
  articles, so the work is done by precompiled :mod:`re` patterns and ``str`` methods implemented in C;
  Python-level code runs once per *candidate boundary* or per *token*, never per character.

Public API (names fixed by the project contract): :func:`turkish_lower`, :func:`turkish_upper`,
:func:`normalize`, :func:`split_sentences`, :func:`word_tokens`, :func:`tokenize`. Helpers:
:data:`ABBREVIATIONS`, :data:`SENTENCE_STARTERS`, :class:`SentenceSplitter` (extend the abbreviation list),
:func:`number_shape` and :data:`NUMBER_SHAPES`.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

__all__ = [
    "ABBREVIATIONS",
    "APOSTROPHES",
    "NUMBER_SHAPES",
    "SENTENCE_STARTERS",
    "SentenceSplitter",
    "normalize",
    "number_shape",
    "split_sentences",
    "tokenize",
    "turkish_lower",
    "turkish_upper",
    "word_tokens",
]

# --------------------------------------------------------------------------------------------------
# Casing
# --------------------------------------------------------------------------------------------------


def turkish_lower(s: str) -> str:
    """Lower-case ``s`` with Turkish rules: ``İ`` → ``i``, ``I`` → ``ı``, everything else as ``str.lower``.

    Never leaves U+0307 (combining dot above) behind: ``"İ".lower()`` in Python gives ``"i̇"`` (two code
    points), which breaks matching, tokenisation and dictionary look-ups. A stray ``i``/``ı`` + U+0307
    already present in the input (decomposed text, or text lower-cased by ``str.lower`` upstream) is
    repaired to ``i`` as well.
    """
    out = s.replace("İ", "i").replace("I", "ı").lower()
    if "\u0307" in out:
        out = out.replace("ı\u0307", "i").replace("i\u0307", "i")
    return out


def turkish_upper(s: str) -> str:
    """Upper-case ``s`` with Turkish rules: ``i`` → ``İ``, ``ı`` → ``I``, everything else as ``str.upper``."""
    return s.replace("i", "İ").replace("ı", "I").upper()


# --------------------------------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------------------------------

#: Characters treated as an apostrophe (they all occur in scraped Turkish news in ``Ankara’da``-type
#: suffixes): ASCII ``'``, right/left single quotation mark, grave, acute, modifier apostrophe, prime,
#: full-width apostrophe.
APOSTROPHES = "'\u2019\u2018`\u00b4\u02bc\u2032\uff07"

_NORMALIZE_MAP: dict[str, str] = {c: "'" for c in APOSTROPHES[1:]}
# spaces that are not plain spaces -> space
for _cp in (0x00A0, 0x1680, *range(0x2000, 0x200B), 0x202F, 0x205F, 0x3000, 0x0009, 0x000B, 0x000C):
    _NORMALIZE_MAP[chr(_cp)] = " "
# invisible characters -> removed (zero-width space/joiners, word joiner, BOM, soft hyphen)
for _cp in (0x200B, 0x200C, 0x200D, 0x2060, 0xFEFF, 0x00AD):
    _NORMALIZE_MAP[chr(_cp)] = ""
# other C0/C1 control characters (except \n) -> removed
for _cp in (*range(0x09), *range(0x0E, 0x20), 0x7F, *range(0x80, 0x85), *range(0x86, 0xA0)):
    _NORMALIZE_MAP[chr(_cp)] = ""
# line separators -> newline
for _cp in (0x000D, 0x0085, 0x2028, 0x2029):
    _NORMALIZE_MAP[chr(_cp)] = "\n"
del _cp
# One scan finds the (few) characters to replace; a dict look-up per hit. Several times faster than
# str.translate, which does a dict look-up for every character of non-ASCII text.
_NORMALIZE_CHARS = re.compile("[" + "".join(re.escape(c) for c in _NORMALIZE_MAP) + "]")
_SPACE_RUN = re.compile(r" {2,}")
_LINE_EDGE = re.compile(r" ?\n ?")


def _replace_char(m: re.Match[str]) -> str:
    return _NORMALIZE_MAP[m.group()]


def normalize(s: str) -> str:
    """Return a canonical form of ``s`` for every later stage.

    Steps, in order: HTML entities decoded (``&amp;`` → ``&``, ``&#39;`` → ``'``, ``&nbsp;`` → space);
    Unicode NFC (so ``İ`` is one code point); apostrophe variants (``’ ‘ ` ´ ʼ``) → ``'``; no-break,
    thin and other exotic spaces and tabs → space; zero-width characters, soft hyphens and control
    characters removed; ``\\r\\n``/``\\r``/U+2028 → ``\\n``; runs of spaces collapsed to one; spaces at
    both ends of every line removed; leading/trailing blank lines removed. Newlines (and blank lines
    between paragraphs) are kept: they are hard sentence boundaries and paragraph cues.
    Typographic double quotes (“ ”) are kept, because the sentence splitter uses them.
    """
    if "&" in s:
        s = html.unescape(s)
    s = unicodedata.normalize("NFC", s)
    s = _NORMALIZE_CHARS.sub(_replace_char, s.replace("\r\n", "\n"))
    if "  " in s:
        s = _SPACE_RUN.sub(" ", s)
    if " \n" in s or "\n " in s:
        s = _LINE_EDGE.sub("\n", s)
    return s.strip()


# --------------------------------------------------------------------------------------------------
# Sentence splitting
# --------------------------------------------------------------------------------------------------

#: Abbreviations (lower-cased with :func:`turkish_lower`, without the final dot) after which a dot never
#: ends a sentence. Titles and address parts precede a capitalised name, so "followed by a capital" is
#: no evidence of a sentence end for them. ``vb.``/``vs.``/``vd.``/``Ltd.``/``Şti.`` are included too:
#: in news text they are followed by a capital far more often mid-sentence (``Ltd. Şti. Genel Müdürü``)
#: than at a sentence end. ``ABD`` is deliberately *not* here: it is written without dots, so
#: ``… ABD. Bu …`` is a real sentence end. Dotted acronyms (``T.C.``, ``K.K.T.C.``, ``A.Ş.``, ``H.K.G.``)
#: are recognised by shape as well, so the entries for them below only document intent.
#: Extend with :class:`SentenceSplitter` or the ``extra_abbreviations`` argument of
#: :func:`split_sentences`.
ABBREVIATIONS: frozenset[str] = frozenset(
    """
    dr prof doç doc yrd yard öğr öğrt gör arş okt uzm op opr müh mim av ecz dt dyt psk fzt hem vet hek
    kom bşk başk bşb gen gn gnl org orgl korg tümg tuğg alb yarb yb bnb yzb ütğm tğm asb astsb
    hv dz çvş kd md müd mdr hz sn sy st mr mrs ms jr sr
    mah mh sok sk cad cd bul blv bulv apt no nu nr tel tlf fax faks gsm
    tic san ltd şti a.ş ltd.şti koll koop inc co corp
    vb vs vd bkz bk krş örn yy çev sf mad fık böl yay ünv üniv fak enst hast hst bld
    nüf t.c k.k.t.c m.ö m.s etc vol fig
    """.split()  # noqa: SIM905 - a word list reads better than a list literal
)

#: Capitalised words that start a new sentence and (practically) never follow an ordinal number.
#: Used to decide ``… yüzde 12. Bu …`` (sentence end) versus ``… 2. Doğumlarında …`` (ordinal).
SENTENCE_STARTERS: frozenset[str] = frozenset(
    """
    bu bunun buna bunu bunda bundan bunlar bunların bunlara bunları bununla burada buradaki böylece böyle
    şu şunu şunlar şöyle o onun ona onu onlar onların ancak ayrıca ama fakat lakin oysa yani
    ardından sonra öte hatta üstelik dolayısıyla işte zira çünkü dahası nitekim söz sözkonusu öyle
    bugün dün yarın şimdi hem ne neden nasıl kim kimler
    """.split()  # noqa: SIM905 - a word list reads better than a list literal
)

# Letters for the stdlib ``re`` engine (no \p{L} there): word characters minus digits and underscore.
# The stdlib engine is used throughout because it scans several times faster than ``regex`` here.
_L = r"[^\W\d_]"

# Candidate boundary: terminal punctuation, closing quotes/brackets (belong to the sentence on the left),
# optional horizontal space, optional opening quotes/brackets (belong to the next sentence), and a next
# sentence that starts with a letter (upper case is checked in Python) or a digit after a space/quote.
_CANDIDATE = re.compile(
    rf"""
    (?P<punct>[.!?…]+)
    (?P<close>[”"’'»)\]]*)
    (?P<ws>[^\S\n]*)
    (?P<open>[“"‘'«(\[]*)
    (?={_L}|(?<=[^\S\n]|[“"‘'«(\[])\d)   # a digit only after a space or quote: never inside "15.522"
    """,
    re.VERBOSE,
)
_LEADING_PUNCT = "“”\"‘’'«»([{<*_-–—"
_TRAILING_CLOSERS = "”\"’'»)]}>"
_LAST_LETTERS = re.compile(rf"{_L}+$")
_DOTTED_ACRONYM = re.compile(rf"(?:{_L}{{1,3}}\.)+{_L}{{1,3}}")
_ROMAN = re.compile(r"[IVX]{1,4}")
_ORDINAL = re.compile(r"(?:\d{1,3}\+)?\d{1,3}")
_NEXT_WORD = re.compile(rf"{_L}+")
_HAS_ALNUM = re.compile(r"[^\W_]")
_URLISH = re.compile(r"[/@]|www|\.(?:com|org|net|gov|edu|tr)\b", re.IGNORECASE)


class SentenceSplitter:
    """Rule-based Turkish sentence splitter (see :func:`split_sentences` for the rules).

    ``abbreviations`` replaces :data:`ABBREVIATIONS`; ``extra_abbreviations`` adds to it. Entries are
    matched case-insensitively (Turkish casing) and without their final dot (``"Doç."`` and ``"doç"``
    are the same entry). The object is immutable after construction and safe to share between threads.
    """

    def __init__(
        self,
        abbreviations: Iterable[str] | None = None,
        *,
        extra_abbreviations: Iterable[str] = (),
        sentence_starters: Iterable[str] | None = None,
    ) -> None:
        base = ABBREVIATIONS if abbreviations is None else abbreviations
        self.abbreviations: frozenset[str] = frozenset(
            turkish_lower(a.strip()).rstrip(".") for a in (*base, *extra_abbreviations) if a.strip()
        )
        starters = SENTENCE_STARTERS if sentence_starters is None else sentence_starters
        self.sentence_starters: frozenset[str] = frozenset(turkish_lower(w) for w in starters)

    # -- public -------------------------------------------------------------------------------------

    def split(self, text: str) -> list[str]:
        """Split ``text`` into sentences; see :func:`split_sentences`."""
        out: list[str] = []
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            start = 0
            for m in _CANDIDATE.finditer(line):
                if not line[m.end()].isupper() and not m.group("ws") + m.group("open"):
                    continue  # fast path: "3.doğumlarında", "Ltd.şti" - no space, no capital
                cut = self._boundary(line, m, start)
                if cut is not None:
                    piece = line[start:cut].strip()
                    if piece:
                        out.append(piece)
                    start = m.end("ws") if cut == m.start("ws") else cut
            piece = line[start:].strip()
            if piece:
                out.append(piece)
        return [s for s in out if _HAS_ALNUM.search(s)]

    # -- decision -----------------------------------------------------------------------------------

    def _boundary(self, line: str, m: re.Match[str], start: int) -> int | None:
        """Where candidate ``m`` cuts ``line`` (current sentence begins at ``start``); ``None``: no cut.

        The cut is normally the start of the space after the terminal punctuation and closing quotes;
        for ``belirtti."AK PARTİ`` (an ASCII quote that opens the next sentence) it is before the quote.
        """
        if not self._is_boundary(line, m, start):
            return None
        close = m.group("close")
        if (
            close.endswith('"')
            and not m.group("ws")
            and not m.group("open")
            and line.count('"', start, m.start("close")) % 2 == 0
        ):
            return m.end("close") - 1  # the '"' opens the next sentence's quotation
        return m.start("ws")

    def _is_boundary(self, line: str, m: re.Match[str], start: int) -> bool:
        """Decide whether candidate ``m`` (in ``line``; current sentence begins at ``start``) ends a sentence."""
        p0 = m.start()
        if p0 <= start:
            return False
        punct = m.group("punct")
        spaced = bool(m.group("ws"))
        opened = bool(m.group("open"))
        nxt = line[m.end()]
        if nxt.isalpha() and not nxt.isupper():
            return False  # a lower-case continuation never starts a sentence: '… oldu.” dedi.'
        sp = max(line.rfind(" ", start, p0), line.rfind("\t", start, p0), line.rfind("\u00a0", start, p0))
        tok = line[max(sp + 1, start) : p0].lstrip(_LEADING_PUNCT)

        # "aldı.Zehra", "dedi.Emine", "yapıyoruz?Gelin": glued paragraphs from scraping. Only a real
        # lower-case word followed by an upper-case letter counts (not 15.522, T.C.Aile, URLs).
        if (not spaced and not opened) and (
            not nxt.isalpha() or len(tok) < 2 or not tok[-1].islower() or _URLISH.search(tok)
        ):
            return False
        if punct != ".":
            if "!" in punct or "?" in punct:
                return True  # "!", "?", "?!", ".?" before a capital or digit
            # ellipsis: ends a sentence only before a spaced capital letter ("ne... Bu pencereden"),
            # not before a figure ("Haber Sayısı... 84.956") or a glued word ("...İZMİR...")
            return nxt.isalpha() and (spaced or opened)
        core = tok.rstrip(_TRAILING_CLOSERS)
        if not core:
            return True
        if turkish_lower(core) in self.abbreviations:
            return False  # "Dr", "DR", "T.C", "Ltd.Şti"
        letters = _LAST_LETTERS.search(core)
        if letters is not None:
            word = letters.group()
            if turkish_lower(word) in self.abbreviations:
                return False  # "Yrd.Doç", "(Dr"
            if len(word) == 1 and (len(core) == 1 or core[-2] == "."):
                return False  # initial: "M. Kemal", "Zehra D. Aralık", "H.K.G."
            # dotted acronym ("T.C.", "K.K.T.C.", "A.Ş.", "M.Ö.") or Roman numeral ("II. Eylem Planı",
            # "I. İzzeddin Keykavus"): not an end; any other word: an end
            return not (_DOTTED_ACRONYM.fullmatch(core) or _ROMAN.fullmatch(core))
        if not line[start : p0 - len(tok)].strip():
            return False  # a number alone: section/list number "1.1. İlk müracaat", "1. Anasız"
        if _ORDINAL.fullmatch(core):
            return self._ordinal_ends_sentence(line, m, start, p0 - len(core))
        return True  # other numbers: "2025." / "15.522." / "29.06.2025." end a sentence

    def _ordinal_ends_sentence(self, line: str, m: re.Match[str], start: int, num_start: int) -> bool:
        """``<1-3 digits>. <Capital>``: an ordinal (``2. Doğumlarında``) unless evidence says otherwise.

        Turkish news writes ordinals as digits plus dot and capitalises the following noun often enough
        (``38. Olağan Kongresi``, ``87. Dakikada``) that "dot + capital" is no evidence of a sentence end
        here. Sentences do end in small numbers (``… yüzde 12. Bu oran …``), so: a boundary if a digit
        follows, if quotes wrap the dot, if the next word is a sentence starter, or if the number follows
        ``%``/``yüzde`` (a quantity, never an ordinal).
        """
        if line[m.end()].isdigit():
            return True  # "... toplam 12. 2024 yılında ..." - an ordinal is followed by a word
        if m.group("close") or m.group("open"):
            return True  # '12." Bu' / '12. "Bu'
        nw = _NEXT_WORD.match(line, m.end())
        if nw is not None and turkish_lower(nw.group()) in self.sentence_starters:
            return True  # "... oranı yüzde 12. Bu oran ..."
        before = line[start:num_start].split()
        if not before:
            return False
        return before[-1].endswith("%") or turkish_lower(before[-1]) == "yüzde"


_DEFAULT_SPLITTER = SentenceSplitter()


@lru_cache(maxsize=32)
def _splitter_with(extra: frozenset[str]) -> SentenceSplitter:
    return SentenceSplitter(extra_abbreviations=extra)


def split_sentences(text: str, *, extra_abbreviations: Iterable[str] = ()) -> list[str]:
    """Split Turkish ``text`` into sentences (stripped strings, in order; none empty).

    Rules:

    * Line breaks are hard boundaries (scraped news has one paragraph, heading or caption per line).
    * A sentence ends at ``.``, ``!``, ``?`` (or a run like ``?!``) followed by optional closing quotes or
      brackets, space, optional opening quotes, and a capital letter or digit. Closing quotes stay with the
      sentence they close (``… oldu.” | Sonra``); opening quotes go with the next (``erdi. | “Amacımız``).
      A lower-case continuation never starts a new sentence, so ``“… kurmaktır” dedi.`` and
      ``… oldu.” dedi.`` stay whole.
    * Not a boundary after an abbreviation (:data:`ABBREVIATIONS`, case-insensitive: ``Dr.``, ``DR.``,
      ``Prof.``, ``Mah.``, ``vb.``), a dotted acronym (``T.C.``, ``A.Ş.``), a single-letter initial
      (``M. Kemal``) or a Roman numeral (``II. Eylem Planı``).
    * Dots inside numbers and dates (``37.728.968,32``, ``15.522``, ``29.06.2025``) are never candidates
      (no space after them). After a whole number of 1–3 digits (``2. Doğumlarında``, ``123. yıl``,
      ``90+8. Dakikada``) the dot is taken as an ordinal unless the next word is a typical sentence
      starter (:data:`SENTENCE_STARTERS`: ``Bu``, ``Ancak``, ``Ayrıca`` …), a digit follows, or quotes
      surround the dot. Longer numbers (``… 2025. Bakanlık``) end the sentence.
    * Ellipses (``...``, ``…``) end a sentence only before a space and a capital letter.
    * Glued paragraphs (``hizmeti aldı.Zehra``, ``dedi.Emine``) are split when a lower-case word is
      followed directly by ``.``/``!``/``?`` and a capital letter (URLs and e-mail addresses excluded).
    * Pieces without any letter or digit (a lone ``…``) are dropped.

    ``extra_abbreviations`` adds entries to :data:`ABBREVIATIONS` for this call (cached per set).
    """
    if extra_abbreviations:
        splitter = _splitter_with(frozenset(extra_abbreviations))
    else:
        splitter = _DEFAULT_SPLITTER
    return splitter.split(text)


# --------------------------------------------------------------------------------------------------
# Tokenisation
# --------------------------------------------------------------------------------------------------

#: Shape tokens that :func:`tokenize` emits instead of literal numbers, with an example of each.
NUMBER_SHAPES: dict[str, str] = {
    "<pct>": "%18,60 / %5 / 12%",
    "<date>": "29.06.2025 / 1/2/2024 / 2025-12-14",
    "<time>": "10:42",
    "<year>": "2025 (a bare 4-digit 19xx/20xx)",
    "<dec>": "37.728.968,32 / 1,5 (decimal comma: money amounts, rates)",
    "<thousands>": "15.522 / 9.723 (dot-grouped integer >= 1000)",
    "<int>": "3115 / 81 / 6 (plain integer)",
    "<num>": "anything else numeric (10.30, 1.1.2, 2/3)",
}

_SHAPE = re.compile(
    r"""
    (?P<pct>%\s?\d.*|.*\d\s?%)
    |(?P<date>\d{1,2}[./]\d{1,2}[./](?:\d{2}|\d{4})|\d{4}-\d{1,2}-\d{1,2})
    |(?P<time>\d{1,2}:\d{2}(?::\d{2})?)
    |(?P<year>(?:19|20)\d{2})
    |(?P<dec>\d{1,3}(?:\.\d{3})*,\d+|\d+,\d+)
    |(?P<thousands>\d{1,3}(?:\.\d{3})+)
    |(?P<int>\d+)
    """,
    re.VERBOSE,
)


@lru_cache(maxsize=65536)
def number_shape(num: str) -> str:
    """Map a number string (as matched by the tokenisers) to its shape token, e.g. ``"15.522"`` → ``"<thousands>"``.

    See :data:`NUMBER_SHAPES`. The point is that TF-IDF should learn "this article talks about money
    amounts / percentages / years", not memorise individual figures, which never recur.
    """
    m = _SHAPE.fullmatch(num)
    return f"<{m.lastgroup}>" if m is not None else "<num>"


_APOS = re.escape(APOSTROPHES)
_APOS_SET = frozenset(APOSTROPHES)
_URL_MARK = "\ue000"  # private-use character standing for a URL/e-mail address during tokenisation
_URL = re.compile(r"(?:https?://|www\.)[^\s\"“”<>]+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Lower-case letters after turkish_lower: Latin (incl. çğıöşüâîû and Latin Extended), Greek, Cyrillic,
# Arabic. An explicit class scans about twice as fast as the generic [^\W\d_]; scripts outside these
# ranges (CJK, Hebrew, Indic) are not tokenised - they do not occur in this corpus.
_LC = "a-z\u00b5\u00df-\u00f6\u00f8-\u024f\u0370-\u03ff\u0400-\u052f\u0620-\u064a"
# One findall over turkish_lower'ed text, returning plain strings; the first character tells the kind.
# Alternatives, most frequent first: word of 2+ letters or hyphenated compound (e-devlet, kept whole); apostrophe
# suffix directly after a letter, digit, '.' or '%' ('da in ankara'da, 'te in 2025'te, 'de in k.k.t.c'de);
# URL mark; dotted acronym (t.c. / k.k.t.c / a.ş.); number (ISO date, %-number, number with . , : /
# separators and optional %); single letter.
_TOKEN = re.compile(
    rf"""
    [{_LC}](?:[{_LC}]+|(?=-[{_LC}]))(?:-[{_LC}]+)*
    |(?<=[{_LC}0-9.%])[{_APOS}][{_LC}]+
    |{_URL_MARK}
    |[{_LC}](?:\.[{_LC}])+\.?(?![{_LC}0-9])
    |\d{{4}}-\d{{1,2}}-\d{{1,2}}(?!\d)
    |%[ ]?\d+(?:[.,:/]\d+)*
    |\d+(?:[.,:/]\d+)*(?:[ ]?%)?
    |[{_LC}]
    """,
    re.VERBOSE,
)


def _prepare(text: str) -> str:
    """Entities, NFC, URLs masked, Turkish lower-casing: what tokenisation needs from :func:`normalize`."""
    if "&" in text:
        text = html.unescape(text)
    if "@" in text or "://" in text or "www." in text:
        text = _URL.sub(_URL_MARK, text)
    return turkish_lower(unicodedata.normalize("NFC", text))


def tokenize(text: str) -> list[str]:
    """Tokens for TF-IDF: lower-cased words, apostrophe suffixes dropped, numbers as shape tokens.

    * Turkish lower-casing (``İSTANBUL`` → ``istanbul``), HTML entities decoded, NFC.
    * Apostrophe suffixes are dropped, with any apostrophe variant: ``Ankara'da`` / ``Bakanlığı’ndan`` →
      ``ankara`` / ``bakanlığı``; numbers likewise (``2025'te`` → ``<year>``).
    * Dotted acronyms lose their dots so spellings agree: ``T.C.`` → ``tc``, ``K.K.T.C'de`` → ``kktc``,
      ``A.Ş.`` → ``aş``.
    * Numbers become shape tokens (:data:`NUMBER_SHAPES`): ``37.728.968,32`` → ``<dec>``, ``%18,60`` →
      ``<pct>``, ``2025`` → ``<year>``, ``15.522`` → ``<thousands>``, ``3115`` → ``<int>``,
      ``29.06.2025`` → ``<date>``. Digits glued to letters are split (``600TL`` → ``<int>``, ``tl``).
    * URLs and e-mail addresses become ``<url>``.
    * Hyphenated compounds stay one token (``e-devlet``); punctuation is dropped; single letters
      (initials such as ``D.``) are dropped because they carry no topic signal.
    """
    out: list[str] = []
    append = out.append
    for t in _TOKEN.findall(_prepare(text)):
        c = t[0]
        if c.isalpha():
            if "." in t:
                append(t.replace(".", ""))  # acronym
            elif len(t) > 1:
                append(t)
        elif c in _APOS_SET:
            continue  # apostrophe suffix
        elif c == _URL_MARK:
            append("<url>")
        else:
            append(number_shape(t))
    return out


def word_tokens(text: str, *, keep_suffixes: bool = False) -> list[str]:
    """Lower-cased word tokens for ROUGE and text similarity; numbers kept literally.

    * Turkish lower-casing, HTML entities decoded, NFC.
    * Words: letters (incl. ``çğıöşü``) and hyphenated compounds (``e-devlet``); single letters kept.
    * Numbers kept as written, with their separators and ``%`` (``37.728.968,32``, ``%18,60``, ``15.522``),
      so figures in a summary must match the source figures exactly.
    * Dotted acronyms lose their dots (``T.C.`` → ``tc``), as in :func:`tokenize`.
    * Apostrophe suffixes are split off and, by default, **dropped**: ``Ankara'da`` → ``["ankara"]``.
      A summary that writes ``Ankara'ya`` where the source wrote ``Ankara'da`` still matches the name,
      and high-frequency case endings (``da``, ``nın``) do not inflate overlap scores. With
      ``keep_suffixes=True`` the suffix becomes its own token: ``["ankara", "da"]``.
    * URLs, e-mail addresses and punctuation are dropped.
    """
    out: list[str] = []
    append = out.append
    for t in _TOKEN.findall(_prepare(text)):
        c = t[0]
        if c.isalpha():
            append(t.replace(".", "") if "." in t else t)
        elif c in _APOS_SET:
            if keep_suffixes:
                append(t[1:])
        elif c != _URL_MARK:
            append(t.replace(" ", ""))  # number, as written ("12 %" -> "12%")
    return out
