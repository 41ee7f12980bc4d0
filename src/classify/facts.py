"""Key facts of a Turkish news article: dates, money amounts, counts, percentages, people, places, bodies.

A brief keeps a handful of sentences; the facts list keeps what a reader scans for even when it sits in a
sentence the brief left out: *how much* (``37.728.968,32 TL``), *how many* (``9565 engelli vatandaşımız``),
*when* (``29 Haziran 2025``), *who* (``İl Müdürü Sahit Aydın``), *where* (``Balıkesir``) and *which body*
(``Aile ve Sosyal Hizmetler Bakanlığı``).

Extraction is rule-based on purpose: the patterns below are the conventions of Turkish news writing
(dot-grouped thousands and decimal commas, month names, title-before-name, ``-lüğü``/``-lığı`` heads of
institution names, apostrophe suffixes on proper names), they need no training data, and every fact carries
the character span it came from so that it can be checked against the text. Patterns run once over a whole
text (one C-level regex scan per kind), never per word in Python.

Public API: :class:`Fact`, :data:`FACT_KINDS`, :class:`FactExtractor`, :func:`extract_facts`,
:data:`PROVINCES`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import regex

from classify.text import turkish_lower, turkish_upper

__all__ = ["FACT_KINDS", "PROVINCES", "Fact", "FactExtractor", "extract_facts"]

#: The kinds of fact, in the order a brief lists them.
FACT_KINDS: tuple[str, ...] = ("date", "money", "count", "percent", "person", "place", "organization")

#: Turkey's 81 provinces (and the country itself): a name from this list is a place wherever it occurs,
#: with or without an apostrophe suffix (``Balıkesir'de``, ``Erzincan’ı``).
PROVINCES: frozenset[str] = frozenset(
    [
        "Adana", "Adıyaman", "Afyonkarahisar", "Ağrı", "Aksaray", "Amasya", "Ankara", "Antalya", "Ardahan",
        "Artvin", "Aydın", "Balıkesir", "Bartın", "Batman", "Bayburt", "Bilecik", "Bingöl", "Bitlis", "Bolu",
        "Burdur", "Bursa", "Çanakkale", "Çankırı", "Çorum", "Denizli", "Diyarbakır", "Düzce", "Edirne",
        "Elazığ", "Erzincan", "Erzurum", "Eskişehir", "Gaziantep", "Giresun", "Gümüşhane", "Hakkari", "Hatay",
        "Iğdır", "Isparta", "İstanbul", "İzmir", "Kahramanmaraş", "Karabük", "Karaman", "Kars", "Kastamonu",
        "Kayseri", "Kilis", "Kırıkkale", "Kırklareli", "Kırşehir", "Kocaeli", "Konya", "Kütahya", "Malatya",
        "Manisa", "Mardin", "Mersin", "Muğla", "Muş", "Nevşehir", "Niğde", "Ordu", "Osmaniye", "Rize",
        "Sakarya", "Samsun", "Şanlıurfa", "Siirt", "Sinop", "Sivas", "Şırnak", "Tekirdağ", "Tokat", "Trabzon",
        "Tunceli", "Uşak", "Van", "Yalova", "Yozgat", "Zonguldak", "Türkiye", "KKTC"
    ]
)

_MONTHS = ("ocak", "şubat", "mart", "nisan", "mayıs", "haziran", "temmuz", "ağustos", "eylül", "ekim",
           "kasım", "aralık")
# Month names as written: capitalised (no month starts with i/ı, so str.capitalize is safe), lower-case
# and upper-case (Turkish casing).
_MONTH_ALT = "|".join([m.capitalize() for m in _MONTHS] + list(_MONTHS) + [turkish_upper(m) for m in _MONTHS])

# A Turkish number as written in news: dot-grouped thousands with an optional decimal comma
# (37.728.968,32 / 15.522), or plain digits with an optional decimal comma (3115 / 1,5).
_NUM = r"(?:\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?)"
_SCALE = r"(?:bin|milyon|milyar|trilyon)"
_CURRENCY_WORD = r"(?:TL|YTL|Türk[^\S\n]+[Ll]irası|[Ll]ira|[Dd]olar|[Aa]vro|[Ee]uro|[Ss]terlin|USD|EUR|GBP)"
_SUFFIX = r"(?:['’]\p{Ll}+)?"
_S = r"[^\S\n]"  # horizontal space: a fact never spans two lines (sentences are joined by "\n")

_MONEY = regex.compile(
    rf"""
    (?<![\p{{L}}\d.,])
    (?:
        (?P<sym>[₺$€£]){_S}?(?P<n1>{_NUM})(?:{_S}(?P<s1>{_SCALE}))?
      | (?P<n2>{_NUM})(?:{_S}(?P<s2>{_SCALE}))?{_S}?(?P<cur>{_CURRENCY_WORD}|[₺$€£])(?:(?<=[a-zç])\p{{Ll}}*)?
    )
    (?![\p{{L}}\d])
    """,
    regex.VERBOSE,
)

_PERCENT = regex.compile(
    rf"(?<![\p{{L}}\d.,])(?:%{_S}?(?P<n1>{_NUM})|(?P<n2>{_NUM}){_S}?%|[Yy]üzde{_S}(?P<n3>{_NUM}))(?![\d])"
)

_DATE = regex.compile(
    rf"""
    (?<![\p{{L}}\d.])
    (?:
        (?P<iso>(?P<iy>(?:19|20)\d{{2}})-(?P<im>\d{{2}})-(?P<id>\d{{2}}))
      | (?P<dmy>(?P<d>\d{{1,2}})[./](?P<m>\d{{1,2}})[./](?P<y>(?:19|20)\d{{2}}))
      | (?P<text>
            (?:(?P<day>\d{{1,2}})(?:{_S}?[-–]{_S}?\d{{1,2}})?{_S})?
            (?P<month>{_MONTH_ALT})
            (?:{_S}(?P<year>(?:19|20)\d{{2}}))?
        )
      | (?P<yearph>(?P<yy>(?:19|20)\d{{2}}){_S}(?:yılı|yılında|yılının|yılına|yılındaki|yılından))
    )
    (?![\d])
    """,
    regex.VERBOSE,
)

# Titles that precede a person's name in Turkish news ("İl Müdürü Sahit Aydın", "Vali Yılmaz Şimşek").
_TITLE_HEADS = (
    "Cumhurbaşkanı Yardımcısı", "Cumhurbaşkanı", "Bakan Yardımcısı", "Bakanı", "Bakan",
    "Genel Müdür Yardımcısı", "Genel Müdürü", "Müdür Yardımcısı", "Müdürü", "Müdür",
    "Başkan Yardımcısı", "Başkan Vekili", "Başkanı", "Başkan", "Vali Yardımcısı", "Valisi", "Vali",
    "Kaymakamı", "Kaymakam", "Milletvekili", "Muhtarı", "Muhtar", "Rektörü", "Dekanı", "Müftüsü",
    "Genel Sekreteri", "Sekreteri", "Koordinatörü", "Sorumlusu", "Uzmanı", "Danışmanı", "Sözcüsü",
    "Temsilcisi", "Komutanı", "Başsavcısı", "Savcısı", "Şefi", "Şef", "Öğretmeni", "Antrenörü",
)
_HONORIFIC = r"(?:(?:Prof|Doç|Dr|Av|Op|Uzm|Yrd|Arş|Gör|Öğr|Ecz|Psk|Dt|Hemş)\.[^\S\n]?)"
_CAP_WORD = r"\p{Lu}[\p{L}]*"
_NAME_WORD = r"(?:\p{Lu}\p{Ll}+|\p{Lu}{2,})(?![\p{L}])"
_HEAD_ALT = "|".join(regex.escape(h) for h in _TITLE_HEADS)
_PERSON = regex.compile(
    rf"""
    (?<![\p{{L}}])
    (?P<role>
        (?:{_CAP_WORD}{_S}(?:(?:{_CAP_WORD}|ve){_S}){{0,6}})?(?:{_HEAD_ALT})
        {_S}{_HONORIFIC}*
      | {_HONORIFIC}+
    )
    (?P<name>{_NAME_WORD}(?:{_S}{_NAME_WORD}){{1,2}})
    {_SUFFIX}
    """,
    regex.VERBOSE,
)

_ORG_HEADS = (
    "Genel Müdürlüğü", "İl Müdürlüğü", "İlçe Müdürlüğü", "Müdürlüğü", "Bakanlığı", "Başkanlığı",
    "Belediyesi", "Valiliği", "Kaymakamlığı", "Merkezi", "Üniversitesi", "Derneği", "Vakfı", "Kurumu",
    "Kurulu", "Odası", "Hastanesi", "Okulu", "Lisesi", "Partisi", "Federasyonu", "Konfederasyonu",
    "Birimi", "Meclisi", "Müzesi", "Kooperatifi", "Ajansı", "Enstitüsü", "Fakültesi", "Teşkilatı",
)
_ORG_ALT = "|".join(regex.escape(h) for h in _ORG_HEADS)
_ORGANIZATION = regex.compile(
    rf"""
    (?<![\p{{L}}])
    (?P<org>{_CAP_WORD}(?:{_S}(?:{_CAP_WORD}|ve))*?{_S}(?:{_ORG_ALT}))
    (?![\p{{L}}])
    {_SUFFIX}
    """,
    regex.VERBOSE,
)

_PLACE_HEADS = ("Mahallesi", "İlçesi", "Köyü", "Caddesi", "Sokağı", "Bulvarı", "Meydanı", "Parkı", "Adası")
_PLACE_ALT = "|".join(_PLACE_HEADS)
# Named places by their head word; provinces by looking capitalised words up in PROVINCES (a set look-up
# per capitalised word is much faster than an 83-way alternation tried at every position).
_PLACE = regex.compile(
    rf"(?<![\p{{L}}])(?P<named>{_CAP_WORD}(?:{_S}{_CAP_WORD}){{0,2}}{_S}(?:{_PLACE_ALT}))(?![\p{{L}}])"
)
_CAPITALISED = regex.compile(r"(?<![\p{L}\d])\p{Lu}[\p{L}]*(?![\p{L}])")

# A count: a number followed by the noun it counts ("9565 engelli vatandaşımız", "2465 etkinlik").
_COUNT = regex.compile(
    rf"(?<![\p{{L}}\d.,%])(?P<n>{_NUM})(?:['’]\p{{Ll}}+)?{_S}(?P<w1>\p{{Ll}}+)(?:{_S}(?P<w2>\p{{Ll}}+))?"
)
# Words that end a counted noun phrase: postpositions, conjunctions, quantity words, time words.
_COUNT_STOP = frozenset(
    [
        "ve", "ile", "ya", "da", "de", "ki", "için", "adına", "olarak", "kadar", "göre", "gibi", "üzere",
        "arasında", "ise", "bu", "şu", "o", "bir", "her", "tane", "adet", "kez", "defa", "yıl", "yılı",
        "yılında", "yılının", "ay", "ayı", "ayda", "gün", "günü", "günde", "saat", "dakika", "hafta",
        "haftada", "sonra", "önce", "itibariyle", "itibarıyla", "boyunca", "içinde", "üzerinden", "bin",
        "milyon", "milyar", "trilyon"
    ]
)
_VERB_LIKE = regex.compile(
    r"(?:[dt][ıiuü]|[dt][ıiuü]r|yor|yordu|yorlar|[ae]cak|[ae]cek|m[ıiuü]ş|[dt][ıiuü]lar|[dt][ıiuü]ler"
    r"|mekte|makta|m[ae]z|ması|mesi|ıldı|ildi|uldu|üldü)$"
)
_ADJECTIVE_LIKE = regex.compile(r"(?:l[ıiuü]|s[ıiuü]z|sal|sel|ik|ık|uk|ük|[ıiuü]k)$")
# A leading sentence word that is no part of a name ("Toplantıda İl Müdürü ...", "Rapora göre ...").
_CASE_ENDING = regex.compile(
    r"(?:[dt][ae]|[dt][ae]n|n[dt][ae]|n[dt][ae]n|yl[ae]|[ıiuü]n[ıiuü]n|y[ae]|l[ıiuü][gğ][ıiuü]n|[ıiuü]yl[ae])$"
)

_SCALES = {"bin": 1e3, "milyon": 1e6, "milyar": 1e9, "trilyon": 1e12}
_CURRENCIES = {"₺": "TRY", "tl": "TRY", "ytl": "TRY", "lira": "TRY", "türk lirası": "TRY", "$": "USD",
               "usd": "USD", "dolar": "USD", "€": "EUR", "eur": "EUR", "euro": "EUR", "avro": "EUR",
               "£": "GBP", "gbp": "GBP", "sterlin": "GBP"}


@dataclass(frozen=True, slots=True)
class Fact:
    """One key item of an article.

    ``kind`` is one of :data:`FACT_KINDS`; ``text`` the item as written (apostrophe suffix removed:
    ``Balıkesir'de`` → ``Balıkesir``); ``value`` a normalised form where one exists (ISO date or year,
    amount as a number, count as an integer, the person's name without the title); ``unit`` the
    currency (ISO code) of a money amount or the counted noun of a count; ``sentence`` the index of the
    sentence it came from (``None`` when extracted from free text); ``start``/``end`` the character span
    in that sentence (or text).
    """

    kind: str
    text: str
    value: str | float | int | None = None
    unit: str | None = None
    sentence: int | None = None
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict (spans left out: they are offsets into text the reader may not have)."""
        d = asdict(self)
        del d["start"], d["end"]
        return {k: v for k, v in d.items() if v is not None}


def parse_number(num: str) -> float:
    """Turkish-written number to float: ``"37.728.968,32"`` → ``37728968.32``, ``"15.522"`` → ``15522.0``."""
    return float(num.replace(".", "").replace(",", "."))


def _int_or_float(x: float) -> int | float:
    return int(x) if x.is_integer() else x


class FactExtractor:
    """Find :class:`Fact` s in Turkish text with one regex scan per kind.

    ``kinds`` restricts extraction to some of :data:`FACT_KINDS`. The extractor holds no state between
    calls and is safe to share between threads.
    """

    def __init__(self, kinds: Iterable[str] = FACT_KINDS) -> None:
        self.kinds: tuple[str, ...] = tuple(kinds)
        unknown = [k for k in self.kinds if k not in FACT_KINDS]
        if unknown:
            raise ValueError(f"unknown fact kind(s) {unknown}; choose from {list(FACT_KINDS)}")

    # -- public ---------------------------------------------------------------------------------

    def extract(self, text: str) -> list[Fact]:
        """All facts in ``text``, in order of appearance; overlapping items of the same kind are merged.

        Money and percentages win over counts and dates on the same digits (``2.465 TL`` is money, not a
        count), so one number yields one fact.
        """
        facts: list[Fact] = []
        claimed: list[tuple[int, int]] = []  # spans taken by money/percent/date (numbers used up)
        if "money" in self.kinds or "count" in self.kinds:
            money = list(self._money(text))
            claimed += [(f.start, f.end) for f in money]
            if "money" in self.kinds:
                facts += money
        if "percent" in self.kinds or "count" in self.kinds:
            pct = list(self._percent(text))
            claimed += [(f.start, f.end) for f in pct]
            if "percent" in self.kinds:
                facts += pct
        if "date" in self.kinds or "count" in self.kinds:
            dates = [d for d in self._dates(text) if not _overlaps(d, claimed)]
            claimed += [(f.start, f.end) for f in dates]
            if "date" in self.kinds:
                facts += dates
        if "count" in self.kinds:
            facts += [c for c in self._counts(text) if not _overlaps(c, claimed)]
        people: list[Fact] = []
        if "person" in self.kinds:
            people = list(self._people(text))
            facts += people
        if "organization" in self.kinds:
            facts += [o for o in self._organizations(text) if not _inside(o, people)]
        if "place" in self.kinds:
            # "Aydın" is a province and a surname: in a text that names "Sahit Aydın" it is the surname.
            surnames = {str(p.value).split()[-1] for p in people}
            facts += [p for p in self._places(text) if not _inside(p, people) and p.text not in surnames]
        facts.sort(key=lambda f: (f.start, FACT_KINDS.index(f.kind)))
        return facts

    def extract_sentences(self, sentences: Sequence[str]) -> tuple[list[Fact], np.ndarray]:
        """Facts of each sentence (``Fact.sentence`` set, spans relative to the sentence) and the number of
        facts per sentence as an array, from a single scan over the joined sentences."""
        if not sentences:
            return [], np.zeros(0)
        joined = "\n".join(sentences)
        starts = np.cumsum([0] + [len(s) + 1 for s in sentences[:-1]])
        facts = self.extract(joined)
        if not facts:
            return [], np.zeros(len(sentences))
        idx = np.searchsorted(starts, [f.start for f in facts], side="right") - 1
        out = [
            Fact(f.kind, f.text, f.value, f.unit, int(i), f.start - int(starts[i]), f.end - int(starts[i]))
            for f, i in zip(facts, idx)
        ]
        counts = np.bincount(idx, minlength=len(sentences)).astype(float)
        return out, counts

    # -- kinds ----------------------------------------------------------------------------------

    def _money(self, text: str) -> Iterable[Fact]:
        for m in _MONEY.finditer(text):
            num = m.group("n1") or m.group("n2")
            scale = m.group("s1") or m.group("s2")
            cur_raw = m.group("sym") or m.group("cur")
            value = parse_number(num) * _SCALES.get(scale or "", 1.0)
            cur_key = turkish_lower(regex.sub(r"\s+", " ", cur_raw))
            unit = _CURRENCIES.get(cur_key) or _CURRENCIES.get(cur_key.split()[0], cur_raw)
            yield Fact("money", _strip_suffix(m.group()), _int_or_float(value), unit, None, m.start(), m.end())

    def _percent(self, text: str) -> Iterable[Fact]:
        for m in _PERCENT.finditer(text):
            num = m.group("n1") or m.group("n2") or m.group("n3")
            yield Fact("percent", m.group(), _int_or_float(parse_number(num)), "%", None, m.start(), m.end())

    def _dates(self, text: str) -> Iterable[Fact]:
        for m in _DATE.finditer(text):
            value: str | None
            if m.group("iso"):
                value = m.group("iso")
            elif m.group("dmy"):
                d, mo, y = int(m.group("d")), int(m.group("m")), m.group("y")
                if not (1 <= d <= 31 and 1 <= mo <= 12):
                    continue
                value = f"{y}-{mo:02d}-{d:02d}"
            elif m.group("text"):
                day, year = m.group("day"), m.group("year")
                if not day and not year:
                    continue  # a bare month name ("Mart", "Ekim") is too often something else
                mo = _MONTHS.index(turkish_lower(m.group("month"))) + 1
                if year and day:
                    value = f"{year}-{mo:02d}-{int(day):02d}"
                elif year:
                    value = f"{year}-{mo:02d}"
                else:
                    value = f"--{mo:02d}-{int(day):02d}"
            else:
                value = m.group("yy")
                yield Fact("date", m.group(), value, None, None, m.start(), m.end())
                continue
            yield Fact("date", m.group().strip(), value, None, None, m.start(), m.end())

    def _counts(self, text: str) -> Iterable[Fact]:
        for m in _COUNT.finditer(text):
            num, w1, w2 = m.group("n"), m.group("w1"), m.group("w2")
            if w1 in _COUNT_STOP or _VERB_LIKE.search(w1):
                continue
            if regex.fullmatch(r"(?:19|20)\d{2}", num):
                continue  # a bare year before a word ("2020 yılında" is a date, "2024 etkinlik" is rare)
            words = [w1]
            if w2 and _ADJECTIVE_LIKE.search(w1) and w2 not in _COUNT_STOP and not _VERB_LIKE.search(w2):
                words.append(w2)
            end = m.start("w1") + len(" ".join(words))
            value = parse_number(num)
            yield Fact("count", text[m.start():end], _int_or_float(value), " ".join(words), None,
                       m.start(), end)

    def _people(self, text: str) -> Iterable[Fact]:
        for m in _PERSON.finditer(text):
            role = _trim_leading(text, m.start("role"), m.group("role"))
            name = m.group("name")
            start = m.end("role") - len(role)
            shown = (role + name).strip()
            yield Fact("person", regex.sub(r"\s+", " ", shown), name, None, None, start, m.end("name"))

    def _organizations(self, text: str) -> Iterable[Fact]:
        for m in _ORGANIZATION.finditer(text):
            org = _trim_leading(text, m.start("org"), m.group("org"))
            if " " not in org:
                continue
            start = m.end("org") - len(org)
            yield Fact("organization", org, None, None, None, start, m.end("org"))

    def _places(self, text: str) -> Iterable[Fact]:
        found = [(m.start(), m.group()) for m in _PLACE.finditer(text)]
        taken = [(s, s + len(p)) for s, p in found]
        for m in _CAPITALISED.finditer(text):
            if m.group() in PROVINCES and not any(s <= m.start() < e for s, e in taken):
                found.append((m.start(), m.group()))
        for start, place in sorted(found):
            yield Fact("place", place, None, None, None, start, start + len(place))


def _overlaps(f: Fact, spans: list[tuple[int, int]]) -> bool:
    return any(f.start < e and s < f.end for s, e in spans)


def _inside(f: Fact, others: list[Fact]) -> bool:
    return any(o.start <= f.start and f.end <= o.end for o in others)


def _strip_suffix(s: str) -> str:
    return regex.sub(r"['’]\p{Ll}+$", "", s)


_SENTENCE_START = regex.compile(r"(?:^|[\n.!?:;\"“”]|[.!?]['’”\"])[^\S\n]*$")


def _trim_leading(text: str, start: int, phrase: str) -> str:
    """Drop a sentence-initial word glued to the front of a name: at the start of a sentence a common
    noun is capitalised too, and one with a case ending (``Toplantıda İl Müdürü``, ``Bakanlığın Strateji
    Geliştirme Başkanlığı``) is no part of the name. Mid-sentence capitals are kept (``Cemaliye
    Mahallesi``): there only names are capitalised."""
    words = phrase.split(" ")
    if len(words) > 2 and _SENTENCE_START.search(text, max(0, start - 3), start) is not None:
        first = words[0]
        if first not in PROVINCES and not first.isupper() and _looks_inflected(first):
            words = words[1:]
    return " ".join(words)


@lru_cache(maxsize=4096)
def _looks_inflected(word: str) -> bool:
    """A capitalised word with a locative/ablative/instrumental/genitive ending and no apostrophe: a
    sentence-initial common noun (``Toplantıda``, ``Rapora``), not a name (names take ``'``)."""
    low = turkish_lower(word)
    return len(low) > 5 and bool(_CASE_ENDING.search(low))


_DEFAULT = FactExtractor()


def extract_facts(text: str, kinds: Iterable[str] | None = None) -> list[Fact]:
    """Facts in ``text`` (see :class:`FactExtractor`); ``kinds`` limits them to some of :data:`FACT_KINDS`."""
    return (_DEFAULT if kinds is None else FactExtractor(kinds)).extract(text)
