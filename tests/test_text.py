"""Tests for classify.text: Turkish casing, normalisation, sentence splitting, tokenisation.

Examples are short sentences from the committed seed pages (seeds/) or written for the test. Anything
derived from the dev corpus is read from ../shared/corpus at test time and skipped when it is absent;
no dev text is copied into this file.
"""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from classify.text import (
    ABBREVIATIONS,
    NUMBER_SHAPES,
    SENTENCE_STARTERS,
    SentenceSplitter,
    normalize,
    number_shape,
    split_sentences,
    tokenize,
    turkish_lower,
    turkish_upper,
    word_tokens,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DEV = ROOT.parent / "shared" / "corpus" / "dev.jsonl"


def seed(prefix: str) -> str:
    """Normalised text of the seed page whose file name starts with ``prefix``."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return normalize(path.read_text(encoding="utf-8"))


def alnum(s: str) -> str:
    return re.sub(r"[\W_]", "", s)


# --------------------------------------------------------------------------------------------------
# casing
# --------------------------------------------------------------------------------------------------


def test_python_lower_is_wrong_for_turkish_dotted_capital_i():
    # the reason turkish_lower exists: str.lower leaves a combining dot (U+0307) after "i"
    assert "İ".lower() == "i\u0307"
    assert "I".lower() == "i"
    assert turkish_lower("İ") == "i"
    assert turkish_lower("I") == "ı"


@pytest.mark.parametrize(
    ("upper", "lower"),
    [
        ("İSTANBUL", "istanbul"),
        ("IĞDIR", "ığdır"),
        ("ŞIRNAK ÇİĞLİ ÖĞÜT ÜSKÜDAR", "şırnak çiğli öğüt üsküdar"),
        ("HABER: MEHMET DEVECİ", "haber: mehmet deveci"),
        ("Aile ve Sosyal Hizmetler İl Müdürü", "aile ve sosyal hizmetler il müdürü"),
    ],
)
def test_turkish_lower_and_upper(upper: str, lower: str):
    assert turkish_lower(upper) == lower
    assert "\u0307" not in turkish_lower(upper)
    assert turkish_upper(lower) == turkish_upper(upper)


def test_turkish_upper_maps_dotless_and_dotted_i():
    assert turkish_upper("istanbul ığdır") == "İSTANBUL IĞDIR"
    assert turkish_upper("selda fındık") == "SELDA FINDIK"


def test_turkish_lower_repairs_combining_dot_left_by_str_lower():
    broken = "İSTANBUL".lower()  # "i̇stanbul" with U+0307
    assert broken != "istanbul"
    assert turkish_lower(broken) == "istanbul"
    assert turkish_lower("I\u0307ZMİR") == "izmir"  # decomposed capital dotted I


def test_turkish_lower_whole_seed_has_no_combining_dot():
    text = seed("001")
    assert "İ" in text
    low = turkish_lower(text)
    assert "\u0307" not in low
    assert "İ" not in low and "I" not in low
    assert len(low) == len(text)


# --------------------------------------------------------------------------------------------------
# normalize
# --------------------------------------------------------------------------------------------------


def test_normalize_html_entities():
    assert normalize("Aile &amp; Sosyal Hizmetler") == "Aile & Sosyal Hizmetler"
    assert normalize("Ankara&#39;da toplantı") == "Ankara'da toplantı"
    assert normalize("&quot;Aile Yılı&quot;") == '"Aile Yılı"'
    assert normalize("2025&nbsp;yılı") == "2025 yılı"


@pytest.mark.parametrize("apostrophe", ["’", "‘", "`", "´", "ʼ"])
def test_normalize_apostrophes(apostrophe: str):
    assert normalize(f"Erzincan{apostrophe}ı temsilen") == "Erzincan'ı temsilen"


def test_normalize_spaces_invisibles_and_lines():
    raw = "  İl\u00a0Müdürü \t Emine\u200b Böçkün\u00ad’ün  \r\nbaşkanlığında\u202ftoplandı.  \n\n\n  Genel \u2028Son"
    assert normalize(raw) == "İl Müdürü Emine Böçkün'ün\nbaşkanlığında toplandı.\n\n\nGenel\nSon"


def test_normalize_nfc_and_idempotent():
    assert normalize("I\u0307l Mu\u0308du\u0308rlu\u0308g\u0306u\u0308") == "İl Müdürlüğü"
    for prefix in ("000", "001", "002", "003", "004"):
        text = seed(prefix)
        assert normalize(text) == text


def test_normalize_keeps_typographic_double_quotes():
    text = seed("000")
    assert "“Aile Yılı”" in text
    assert "Erdoğan'ın" in text  # seed writes Erdoğan’ın


# --------------------------------------------------------------------------------------------------
# split_sentences: abbreviations, initials, acronyms
# --------------------------------------------------------------------------------------------------


def test_titles_do_not_end_sentences_seed():
    sents = split_sentences(seed("003"))
    assert (
        "Prof. Dr. Okan Yıldız ve Hasan Yıldız, Yomra Belediye Başkanı Mustafa Bıyık'ı makamında ziyaret "
        "ederek görüş alışverişinde bulundu."
    ) in sents
    av = [s for s in sents if "Av. Mehmet Çiçek'i" in s]
    assert len(av) == 1 and av[0].endswith("makamında ziyaret etti.")


@pytest.mark.parametrize(
    "sentence",
    [
        "Doç. Dr. Ayşe Kaya ve Uzm. Psk. Ali Demir, Cumhuriyet Mah. Atatürk Sok. No. 5 adresindeki merkezi ziyaret etti.",
        "Op. Dr. Nigar Er, Yrd. Doç. Dr. Can Ak ve Öğr. Gör. Elif Su panelde konuştu.",
        "Toplantıya Av. Mehmet Çiçek, Sn. Ercan Öztürk ve Hz. Mevlana Derneği katıldı.",
        "DR. AYŞE KAYA VE PROF. DR. ALİ DEMİR ÖDÜL ALDI.",
        "Bayrak Cad. ile İnönü Bul. arasındaki yol, Tuğg. Ahmet Er ve Alb. Veli Can tarafından açıldı.",
        "Kitap, defter, kalem vb. malzemeler Kızılay vs. kuruluşlar aracılığıyla dağıtıldı.",
        "Turkcell İletişim Hizmetleri A.Ş. Genel Müdürü ve Örnek Ltd. Şti. Yöneticisi görüştü.",
        "T.C. Aile ve Sosyal Hizmetler Bakanlığı yeni bir genelge yayımladı.",
        "K.K.T.C'de yaşayan aileler de T.C. kimlik numarasıyla başvurabilecek.",
        "Başvuruyu M. Kemal Öz ve Zehra D. Aralık ayında yaptı.",
        "Selçuklu Sultanı I. İzzeddin Keykavus anıldı ve II. Eylem Planı açıklandı.",
    ],
)
def test_single_sentence_is_not_split(sentence: str):
    assert split_sentences(sentence) == [sentence]


def test_abbreviation_list_is_generous_and_lower_case():
    for abbr in (
        "dr",
        "prof",
        "doç",
        "av",
        "mah",
        "sok",
        "cad",
        "bul",
        "vb",
        "vs",
        "yrd",
        "uzm",
        "op",
        "müh",
        "öğr",
        "gör",
        "st",
        "no",
        "tel",
        "apt",
        "blv",
        "org",
        "korg",
        "tuğg",
        "alb",
        "yzb",
        "bşk",
        "gn",
        "md",
        "dz",
        "hz",
        "sn",
        "nüf",
        "şti",
        "ltd",
        "a.ş",
        "t.c",
        "k.k.t.c",
    ):
        assert abbr in ABBREVIATIONS
    assert all(a == turkish_lower(a) and not a.endswith(".") for a in ABBREVIATIONS)
    # ABD is written without dots: "... ABD. Bu ..." is a real sentence end
    assert "abd" not in ABBREVIATIONS
    assert split_sentences("Heyet ziyaretini tamamladı ve ABD. Bu ülke ikinci durak oldu.") == [
        "Heyet ziyaretini tamamladı ve ABD.",
        "Bu ülke ikinci durak oldu.",
    ]


def test_extra_abbreviations():
    text = "Tören Kd. Bçvş. Ali Yılmaz yönetiminde yapıldı."
    assert split_sentences(text) == ["Tören Kd. Bçvş.", "Ali Yılmaz yönetiminde yapıldı."]
    assert split_sentences(text, extra_abbreviations=["Bçvş."]) == [text]
    assert SentenceSplitter(extra_abbreviations=["bçvş"]).split(text) == [text]
    # replacing the list altogether
    assert SentenceSplitter(abbreviations=[]).split("Dr. Ali geldi.") == ["Dr.", "Ali geldi."]


# --------------------------------------------------------------------------------------------------
# split_sentences: numbers, dates, ordinals
# --------------------------------------------------------------------------------------------------


def test_seed_numbers_and_ordinals_stay_inside_sentences():
    sents = split_sentences(seed("002"))
    birth = [s for s in sents if "Doğumlarında" in s]
    assert len(birth) == 1
    assert birth[0].startswith("Doğum Yardımı Hizmet Modelimizde")
    assert "1. Doğumlarında 300, 2. Doğumlarında 400, 3.doğumlarında ise 600TL" in birth[0]
    assert birth[0].endswith("yardımı yapmaktayız.")
    money = [s for s in sents if "37.728.968,32 TL" in s]
    assert len(money) == 1 and money[0].endswith("destek sağlandığını görmekteyiz.")
    assert any("15.522 anneye 7.052.667,62 TL" in s for s in sents)
    assert not any(re.search(r"\d\.$", s) for s in sents)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Proje 1,5 yıl sürecek. Ardından 15.522 aileye ulaşılacak.",
            ["Proje 1,5 yıl sürecek.", "Ardından 15.522 aileye ulaşılacak."],
        ),
        (
            "Toplantı 29.06.2025 tarihinde yapıldı. Katılım yüksekti.",
            ["Toplantı 29.06.2025 tarihinde yapıldı.", "Katılım yüksekti."],
        ),
        (
            "Kurumun 123. Yıl Dönümü etkinliği yapıldı. Mudanya'da 103. yıl dönümü anıldı.",
            ["Kurumun 123. Yıl Dönümü etkinliği yapıldı.", "Mudanya'da 103. yıl dönümü anıldı."],
        ),
        (
            "Partinin 38. Olağan İl Kongresi yapıldı.",
            ["Partinin 38. Olağan İl Kongresi yapıldı."],
        ),
        (
            "Golleri 40. ve 87. Dakikada attı. Maç bitti.",
            ["Golleri 40. ve 87. Dakikada attı.", "Maç bitti."],
        ),
        (
            "Ödemeler 2025. Bakanlık açıklama yaptı.",
            ["Ödemeler 2025.", "Bakanlık açıklama yaptı."],
        ),
        (
            "Artış oranı yüzde 12. Bu oran geçen yıl daha düşüktü.",
            ["Artış oranı yüzde 12.", "Bu oran geçen yıl daha düşüktü."],
        ),
        (
            "Katılımcı sayısı 45. Ancak salon doldu.",
            ["Katılımcı sayısı 45.", "Ancak salon doldu."],
        ),
        (
            "Başvuru sayısı 12. 2024 yılında bu sayı 8 idi.",
            ["Başvuru sayısı 12.", "2024 yılında bu sayı 8 idi."],
        ),
        ("1. Anasız veya babasız olanlar", ["1. Anasız veya babasız olanlar"]),
        ("1.1. İlk müracaat", ["1.1. İlk müracaat"]),
        ("Saat 14.00'te başlayacak. Katılım ücretsiz.", ["Saat 14.00'te başlayacak.", "Katılım ücretsiz."]),
    ],
)
def test_numbers_dates_ordinals(text: str, expected: list[str]):
    assert split_sentences(text) == expected


def test_sentence_starters_are_lower_case_function_words():
    assert {"bu", "ancak", "ayrıca"} <= SENTENCE_STARTERS
    assert "ve" not in SENTENCE_STARTERS  # "40. Ve 87. Dakikada" is written in sports news


# --------------------------------------------------------------------------------------------------
# split_sentences: quotes, ellipses, ! ?, glued sentences, lines
# --------------------------------------------------------------------------------------------------


def test_quote_then_dedi_seed():
    sents = split_sentences(seed("001"))
    quoted = [s for s in sents if "kurmaktır” dedi." in s]
    assert len(quoted) == 1 and quoted[0].startswith("Amacımız, çocuklarımızın")
    assert any(
        s.startswith("İl Müdürü Emine Böçkün") and s.endswith("titizlikle yönetiyoruz.") for s in sents
    )
    assert "dedi." not in sents


def test_full_stop_inside_quote_then_dedi_seed():
    sents = split_sentences(seed("003"))
    assert (
        "Aile Yılı sosyal taraflarla işbirliğini geliştirmek ve güçlendirmek için de bize önemli bir fırsat "
        "sunmuş oldu.” dedi."
    ) in sents
    # a sentence ending in .” at the end of a quotation keeps its closing quote
    assert any(s.endswith("çalışmalarımıza devam ediyoruz.”") for s in sents)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Çalışmalarımız sürecek.” Vali daha sonra ayrıldı.",
            ["Çalışmalarımız sürecek.”", "Vali daha sonra ayrıldı."],
        ),
        (
            'Çalışmalarımız sürecek." Vali daha sonra ayrıldı.',
            ['Çalışmalarımız sürecek."', "Vali daha sonra ayrıldı."],
        ),
        (
            "Toplantı sona erdi. “Amacımız büyük” dedi.",
            ["Toplantı sona erdi.", "“Amacımız büyük” dedi."],
        ),
        (
            'Vali ayrıldı. "Her şey yolunda" dedi.',
            ["Vali ayrıldı.", '"Her şey yolunda" dedi.'],
        ),
        (
            'Sonuçları açıklayacaklarını belirtti."YENİ DÖNEM BAŞLIYOR" dedi.',
            ["Sonuçları açıklayacaklarını belirtti.", '"YENİ DÖNEM BAŞLIYOR" dedi.'],
        ),
        (
            '"Ödemeler ne zaman yatacak?" sorusu gündemde.',
            ['"Ödemeler ne zaman yatacak?" sorusu gündemde.'],
        ),
        (
            "Ödemeler ne zaman yatacak? İşte yanıtı! Ödemeler başladı.",
            ["Ödemeler ne zaman yatacak?", "İşte yanıtı!", "Ödemeler başladı."],
        ),
        (
            "Ailelere 9.723 TL Müjdesi! 2026 Ocak ödemeleri",
            ["Ailelere 9.723 TL Müjdesi!", "2026 Ocak ödemeleri"],
        ),
        (
            "Yok yoksulluk, yok bilmem ne... bu pencereden bakarsak ilerleyemeyiz.",
            ["Yok yoksulluk, yok bilmem ne... bu pencereden bakarsak ilerleyemeyiz."],
        ),
        ("Hava soğuk... Sokakta kalanlar korunuyor.", ["Hava soğuk...", "Sokakta kalanlar korunuyor."]),
        ("Gayet doğal şekilde… Giderek herkes alıştı.", ["Gayet doğal şekilde…", "Giderek herkes alıştı."]),
        ("Haber Sayısı... 84.956", ["Haber Sayısı... 84.956"]),
        (
            "Kelepçe hizmeti aldı.Zehra hayata yeniden tutundu.",
            ["Kelepçe hizmeti aldı.", "Zehra hayata yeniden tutundu."],
        ),
        (
            "Adres https://ais.osym.gov.tr ve www.aile.Gov.tr olarak duyuruldu.",
            ["Adres https://ais.osym.gov.tr ve www.aile.Gov.tr olarak duyuruldu."],
        ),
        (
            "Balıkesir'de Toplantı Yapıldı\nHABER MERKEZİ\n\nGenel",
            ["Balıkesir'de Toplantı Yapıldı", "HABER MERKEZİ", "Genel"],
        ),
        # a stray second dot stays with its sentence; a line of bare ellipses is no sentence
        ("Toplantı yapıldı. . Sonra dağıldı.\n…\n…", ["Toplantı yapıldı. .", "Sonra dağıldı."]),
    ],
)
def test_quotes_ellipses_marks(text: str, expected: list[str]):
    assert split_sentences(text) == expected


def test_seed_sentence_counts_and_nothing_lost():
    expected_counts = {"000": 13, "001": 19, "002": 15, "004": 12}
    for prefix, n in expected_counts.items():
        text = seed(prefix)
        sents = split_sentences(text)
        assert len(sents) == n, prefix
        assert alnum("".join(sents)) == alnum(text)
        assert all(s == s.strip() and s for s in sents)


def test_empty_and_whitespace():
    assert split_sentences("") == []
    assert split_sentences(" \n\n \t") == []


# --------------------------------------------------------------------------------------------------
# tokenize / word_tokens
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("Ankara'da", ["ankara"]),
        ("Bakanlığı’ndan", ["bakanlığı"]),
        ("İSTANBUL'A IĞDIR'DAN", ["istanbul", "ığdır"]),
        ("K.K.T.C'de", ["kktc"]),
        ("T.C. kimlik", ["tc", "kimlik"]),
        ("A.Ş.", ["aş"]),
        ("37.728.968,32 TL destek", ["<dec>", "tl", "destek"]),
        ("%18,60’lık artış", ["<pct>", "artış"]),
        ("2025 yılında 15.522 anneye", ["<year>", "yılında", "<thousands>", "anneye"]),
        ("3115 çocuğumuz 1,5 yıl", ["<int>", "çocuğumuz", "<dec>", "yıl"]),
        ("29.06.2025 - 10:42", ["<date>", "<time>"]),
        ("2025'te 177'si", ["<year>", "<int>"]),
        ("600TL 3.doğumlarında", ["<int>", "tl", "<int>", "doğumlarında"]),
        ("e-Devlet üzerinden", ["e-devlet", "üzerinden"]),
        ("Zehra D. ve M. Kemal", ["zehra", "ve", "kemal"]),
        ("Aile &amp; Sosyal", ["aile", "sosyal"]),
        (
            "Başvuru: https://ais.osym.gov.tr/giris veya bilgi@aile.gov.tr!",
            ["başvuru", "<url>", "veya", "<url>"],
        ),
        ("“Aile Yılı” (2025) — 'Ritmin izinde'?!", ["aile", "yılı", "<year>", "ritmin", "izinde"]),
    ],
)
def test_tokenize(text: str, tokens: list[str]):
    assert tokenize(text) == tokens


@pytest.mark.parametrize(
    ("num", "shape"),
    [
        ("37.728.968,32", "<dec>"),
        ("1,5", "<dec>"),
        ("15.522", "<thousands>"),
        ("2025", "<year>"),
        ("1923", "<year>"),
        ("2465", "<int>"),
        ("81", "<int>"),
        ("%18,60", "<pct>"),
        ("12 %", "<pct>"),
        ("29.06.2025", "<date>"),
        ("2025-12-14", "<date>"),
        ("10:42", "<time>"),
        ("10.30", "<num>"),
    ],
)
def test_number_shape(num: str, shape: str):
    assert number_shape(num) == shape
    assert shape in NUMBER_SHAPES


def test_word_tokens():
    text = "İl Müdürü Böçkün’ün Ankara'da 37.728.968,32 TL, %18,60 ve T.C. kimlik https://x.gov.tr D."
    assert word_tokens(text) == [
        "il",
        "müdürü",
        "böçkün",
        "ankara",
        "37.728.968,32",
        "tl",
        "%18,60",
        "ve",
        "tc",
        "kimlik",
        "d",
    ]
    assert word_tokens("Ankara'da 2025'te", keep_suffixes=True) == ["ankara", "da", "2025", "te"]


def test_tokens_of_seeds_are_clean():
    allowed = re.compile(r"<[a-z]+>|[^\W\d_]+(?:-[^\W\d_]+)*")
    for prefix in ("000", "001", "002", "003", "004"):
        text = seed(prefix)
        toks = tokenize(text)
        assert toks and all(allowed.fullmatch(t) for t in toks), prefix
        assert all(t == turkish_lower(t) and "\u0307" not in t and "'" not in t for t in toks)
        wt = word_tokens(text)
        assert len(wt) >= len(toks)
    # the six money amounts (37.728.968,32 TL ...) of seed 002
    assert tokenize(seed("002")).count("<dec>") == 6


# --------------------------------------------------------------------------------------------------
# dev corpus (read at test time, skipped when absent)
# --------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def dev_texts() -> list[str]:
    if not DEV.exists():
        pytest.skip(f"dev corpus not present: {DEV}")
    with DEV.open(encoding="utf-8") as fh:
        return [normalize(json.loads(line)["text"]) for line in fh if line.strip()]


_NUMBERS = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d{1,2}\.\d{1,2}\.\d{4}|\d+,\d+")


def test_dev_splitter_invariants(dev_texts: list[str]):
    n_sentences = 0
    for text in dev_texts:
        for line in text.splitlines():
            sents = split_sentences(line)
            n_sentences += len(sents)
            # nothing lost or reordered
            assert alnum("".join(sents)) == alnum(line)
            # never split inside a number or date
            assert [n for s in sents for n in _NUMBERS.findall(s)] == _NUMBERS.findall(line)
            for s, nxt in itertools.pairwise(sents):
                last = s.rstrip("”\"’')»").split()[-1]
                # no sentence ends with a known abbreviation or a single-letter initial ...
                assert turkish_lower(last.rstrip(".").lstrip("(“\"'")) not in ABBREVIATIONS, (s, nxt)
                assert not re.fullmatch(r"[^\W\d_]\.", last), (s, nxt)
                # ... and a new sentence never starts in lower case
                first = nxt.lstrip("“\"'‘«([")
                assert not (first[:1].isalpha() and first[:1].islower()), (s, nxt)
    # sanity: on average ~13 sentences per ~1,400-character article
    assert 8 * len(dev_texts) < n_sentences < 20 * len(dev_texts)


def test_dev_ordinals_rarely_end_sentences(dev_texts: list[str]):
    ends = 0
    for text in dev_texts:
        for line in text.splitlines():
            sents = split_sentences(line)
            ends += sum(bool(re.search(r"(?<![\d.,])\d{1,3}\.$", s)) for s in sents[:-1])
    assert ends <= 3


def test_dev_tokens(dev_texts: list[str]):
    allowed = re.compile(r"<[a-z]+>|[^\W\d_]+(?:-[^\W\d_]+)*")
    total = 0
    for text in dev_texts:
        toks = tokenize(text)
        total += len(toks)
        bad = [t for t in toks if not allowed.fullmatch(t) or t != turkish_lower(t)]
        assert not bad, bad[:5]
    assert total > 100 * len(dev_texts)
