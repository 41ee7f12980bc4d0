"""Tests for classify.articles: article parsing and page-chrome detection.

Seeds (committed under seeds/) are quoted directly; other pages are written for the tests. The dev
corpus test reads ../shared/corpus/ and skips when it is absent; it never copies corpus text.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml

from classify.articles import (
    Article,
    ChromeConfigError,
    ChromeRules,
    Segment,
    default_config_path,
    parse_article,
)
from classify.text import normalize

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus"
CONFIG = ROOT / "configs" / "chrome.yaml"


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def by_line(article: Article) -> dict[int, Segment]:
    return {s.line: s for s in article.segments}


# --------------------------------------------------------------------------------------------------
# Seeds named in the requirement
# --------------------------------------------------------------------------------------------------


def test_seed_001_trailing_block_is_boilerplate_and_body_is_kept() -> None:
    text = seed("001")
    art = parse_article(text, id="001")
    lines = text.split("\n")
    segs = by_line(art)
    # the five article paragraphs (lines 0-4) are body, verbatim
    for i in range(5):
        assert segs[i].kind == "body", (i, segs[i])
        assert segs[i].text == normalize(lines[i])  # segment text is the normalised line
    # HABER MERKEZİ … Genel … Yayınlanma … (headline and spot again) … EDİTÖR … İlginizi Çekebilir
    trailing = [s for s in art.segments if s.line is not None and s.line >= 5]
    assert trailing[0].text == "HABER MERKEZİ"
    assert trailing[-1].text == "İlginizi Çekebilir"
    assert all(s.kind == "boilerplate" for s in trailing), [(s.text, s.kind) for s in trailing]
    assert "İlginizi" not in art.text and "EDİTÖR" not in art.text and "Yayınlanma" not in art.text
    assert art.text.count("\n") == 4
    assert art.byline == "HABER MERKEZİ"
    assert art.date == "2025-06-29"  # from "Yayınlanma: 29 Haziran 2025 - 10:42"


def test_seed_003_municipal_teasers_are_boilerplate_and_ministry_report_is_kept() -> None:
    text = seed("003")
    art = parse_article(text, id="003")
    segs = by_line(art)
    lines = text.split("\n")
    first_teaser = next(i for i, ln in enumerate(lines) if ln.startswith("Niğde Belediyesi"))
    assert first_teaser == 10
    for i in range(first_teaser):  # the ministry report, including the quoted subheading
        assert segs[i].kind == "body", (i, lines[i][:60])
    teasers = [s for s in art.segments if s.line >= first_teaser]
    assert len(teasers) == 17
    assert all(s.kind == "boilerplate" and s.role == "chrome" for s in teasers)
    assert "Belediyesi" not in art.text
    assert art.text.startswith("Aile ve Sosyal Hizmetler Bakanlığı 2024 yılında")
    assert art.text.endswith("fırsat sunmuş oldu.” dedi.")


def test_seed_000_date_prefix_goes_to_date_and_rest_of_line_stays_body() -> None:
    art = parse_article(seed("000"), id="000")
    assert art.date == "2025-12-14"
    first = art.segments[0]
    assert first.line == 0 and first.kind == "body"
    assert first.text.startswith("Aile ve Sosyal Hizmetler İl Müdürü Sahit Aydın başkanlığındaki toplantıya")
    assert "date" not in art.text.split("\n")[0]
    assert len(art.body_segments) == 7


def test_seed_000_muhabir_line_is_byline() -> None:
    art = parse_article(seed("000"))
    last = art.segments[-1]
    assert last.text == "Muhabir: SELDA FINDIK"
    assert (last.kind, last.role) == ("boilerplate", "meta")
    assert art.byline == "SELDA FINDIK"
    assert "Muhabir" not in art.text


def test_seed_002_haber_label_is_byline() -> None:
    art = parse_article(seed("002"))
    assert art.byline == "MEHMET DEVECİ"
    assert art.segments[-1].role == "meta"
    assert "MEHMET DEVECİ" not in art.text
    assert len(art.body_segments) == 5  # including "İl Müdürü Mutlu Kaya yaptığı değerlendirmede;"


def test_seed_004_plain_article_is_all_body() -> None:
    text = seed("004")
    art = parse_article(text)
    assert [s.kind for s in art.segments] == ["body"] * 4
    assert art.text == "\n".join(normalize(ln) for ln in text.split("\n") if ln.strip())


# --------------------------------------------------------------------------------------------------
# Page shapes written for the tests
# --------------------------------------------------------------------------------------------------

PAGE = """Son Dakika › Güncel › Engelli Bireylere Yönelik Yeni Bakım Merkezi Açıldı
Engelli Bireylere Yönelik Yeni Bakım Merkezi Açıldı
Giriş: 12.03.2025 - 10:15
Engelli Bireylere Yönelik Yeni Bakım Merkezi Açıldı
Paylaş
Kayseri'de engelli bireylere gündüz bakım hizmeti verecek yeni merkez, düzenlenen törenle hizmete girdi. Merkezde 120 kişiye bakım ve rehabilitasyon hizmeti verilecek.
Haberin Devamı
Açılışta konuşan Aile ve Sosyal Hizmetler İl Müdürü, merkezin ailelerin yükünü hafifleteceğini söyledi. Müdür, bakım personelinin uzman eğitimlerden geçtiğini belirtti.
Törene engelli bireyler ve aileleri de katıldı. Merkezde fizyoterapi, ergoterapi ve sosyal etkinlik alanları bulunuyor.
Kaynak: AA
Bir yanıt yazın
E-posta adresiniz yayınlanmayacak. Gerekli alanlar * ile işaretlenmişlerdir
İlginizi Çekebilir
Trabzon'da sahil yolunda trafik kazası: 2 yaralı
"""


def test_structured_page_title_meta_chrome_and_body() -> None:
    art = parse_article(
        PAGE, id="p1", url="https://www.example.com/engelli-bireylere-yonelik-yeni-bakim-merkezi-acildi"
    )
    roles = {s.text[:30]: (s.role, s.kind) for s in art.segments}
    assert art.title == "Engelli Bireylere Yönelik Yeni Bakım Merkezi Açıldı"
    assert art.date == "2025-03-12"
    assert roles["Son Dakika › Güncel › Engelli "] == ("chrome", "boilerplate")  # breadcrumb
    assert [s.role for s in art.segments[1:4]] == [
        "title",
        "meta",
        "chrome",
    ]  # headline, date, repeated headline
    assert art.segments[3].reason == "repeated_headline"
    assert [s.text.split()[0] for s in art.body_segments] == ["Kayseri'de", "Açılışta", "Törene"]
    for chrome in (
        "Paylaş",
        "Haberin Devamı",
        "Bir yanıt yazın",
        "E-posta adresiniz",
        "İlginizi Çekebilir",
        "Trabzon'da sahil yolunda",
    ):
        seg = next(s for s in art.segments if s.text.startswith(chrome))
        assert seg.kind == "boilerplate", chrome
    assert next(s for s in art.segments if s.text == "Kaynak: AA").role == "meta"
    assert art.text == "\n".join(s.text for s in art.body_segments)


def test_segments_carry_input_line_numbers() -> None:
    art = parse_article(PAGE)
    lines = PAGE.split("\n")
    for seg in art.segments:
        assert normalize(lines[seg.line]) == seg.text


def test_chrome_only_page_has_no_body() -> None:
    page = (
        "Ana Sayfa\nGündem\nPaylaş\nBir yanıt yazın\nE-posta adresiniz yayınlanmayacak.\nİlginizi Çekebilir\n"
    )
    art = parse_article(page, id="chrome-only")
    assert art.body_segments == [] and art.text == ""
    assert len(art.segments) == 6 and all(s.kind == "boilerplate" for s in art.segments)


def test_teaser_headline_list_alone_has_no_body() -> None:
    page = (
        "Kayseri'de kar yağışı etkili oldu\n"
        "Ankara'da trafik kazası: 3 yaralı\n"
        "Milli takım aday kadrosu açıklandı\n"
        "Altın fiyatları haftaya yükselişle başladı\n"
    )
    assert parse_article(page).text == ""


def test_empty_and_blank_input() -> None:
    for text in ("", "\n\n  \n"):
        art = parse_article(text, id="x", date="2024-01-02")
        assert art.segments == [] and art.text == "" and art.date == "2024-01-02"


def test_keyword_in_long_prose_does_not_drop_the_paragraph() -> None:
    # an article *about* cookies and comments: keyword rules must stay off long prose lines
    page = (
        "Çerezler nedir, neden her sitede karşımıza çıkıyor?\n"
        "Bir haber sitesine girdiğinizde ekranda “Çerezleri kabul et” düğmesi çıkıyor ve çoğumuz bu uyarıyı "
        "düşünmeden onaylıyoruz. Oysa çerezler, ziyaret ettiğimiz sitelerdeki tercihlerimizi kaydediyor.\n"
        "Uzmanlar, kullanıcıların yorum yapmadan önce gizlilik ayarlarını gözden geçirmesini öneriyor. "
        "Tarayıcı ayarlarından çerezleri silmek de mümkün.\n"
    )
    art = parse_article(page)
    assert [s.kind for s in art.segments[1:]] == ["body", "body"]
    # a lone first line right above the body, with no URL or chrome to confirm it, is reported as the
    # title but kept in the body (it may be a first subheading)
    assert art.title == "Çerezler nedir, neden her sitede karşımıza çıkıyor?"
    assert art.segments[0].kind == "body"
    with_url = parse_article(
        page, url="https://example.com/teknoloji/cerezler-nedir-neden-her-sitede-karsimiza-cikiyor"
    )
    assert (with_url.segments[0].role, with_url.segments[0].kind) == ("title", "boilerplate")


def test_given_title_and_date_win() -> None:
    art = parse_article(PAGE, title="Yeni bakım merkezi", date="2025-03-13")
    assert art.title == "Yeni bakım merkezi" and art.date == "2025-03-13"


def test_doubled_teaser_inside_body_is_chrome() -> None:
    page = (
        "Sivas'ta huzurevi sakinleri için bahar şenliği düzenlendi. Şenlikte yaşlılar müzik eşliğinde eğlendi.\n"
        "Polis, trafik denetiminde 40 sürücüye ceza kesti Polis, trafik denetiminde 40 sürücüye ceza kesti\n"
        "Huzurevi müdürü, yaşlıların sosyal hayata katılımının önemli olduğunu söyledi. Etkinlik akşam sona erdi.\n"
    )
    art = parse_article(page)
    assert [s.kind for s in art.segments] == ["body", "boilerplate", "body"]
    assert art.segments[1].reason == "doubled_teaser"


# --------------------------------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------------------------------


def test_default_config_is_the_packaged_link_to_configs() -> None:
    path = default_config_path()
    assert path.is_file() and path.resolve() == CONFIG.resolve()
    assert ChromeRules.load(None).config == ChromeRules.load(CONFIG).config


@pytest.mark.parametrize(
    ("edit", "field"),
    [
        (lambda d: d["block"].__setitem__("prose_base", "viel"), "block.prose_base"),
        (lambda d: d["chrome"][0].__setitem__("pattern", "(unclosed"), "chrome.0.pattern"),
        (lambda d: d["lines"].pop("short_chars"), "lines.short_chars"),
        (lambda d: d["topic"].__setitem__("max_mean_overlap", 1.5), "topic.max_mean_overlap"),
        (lambda d: d["meta"][0].__setitem__("field", "author"), "meta.0.field"),
        (lambda d: d.__setitem__("unknown_section", {}), "unknown_section"),
    ],
)
def test_config_validation_error_names_the_field(tmp_path: Path, edit, field: str) -> None:
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    edit(data)
    bad = tmp_path / "chrome.yaml"
    bad.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ChromeConfigError) as exc:
        ChromeRules.load(bad)
    assert field in str(exc.value) and str(bad) in str(exc.value)


def test_config_duplicate_rule_name_is_rejected() -> None:
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["chrome"].append(dict(data["chrome"][0]))
    with pytest.raises(ChromeConfigError, match="used twice"):
        ChromeRules.from_dict(data)


def test_rules_are_data_a_new_chrome_phrase_needs_only_config() -> None:
    page = (
        "Belediye, yaşlı vatandaşlara evde bakım hizmetini genişletti. Hizmetten 300 kişi yararlanıyor.\n"
        "Uygulamamızı indirin, haberleri kaçırmayın\n"
        "Evde bakım ekipleri haftada iki kez ziyaret yapıyor. Başvurular belediye binasında alınıyor.\n"
    )
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["chrome"] = [r for r in data["chrome"] if r["name"] != "subscribe_prompt"]
    loose = ChromeRules.from_dict(data)
    assert parse_article(page, rules=loose).segments[1].kind == "body"
    assert parse_article(page).segments[1].kind == "boilerplate"


# --------------------------------------------------------------------------------------------------
# Dev corpus (held-out part): figures must not regress
# --------------------------------------------------------------------------------------------------

# Regression guards: the held-out figures measured once at the end of development (body kept 98.6 %,
# chrome dropped 45.3 %, meta out of body 92.9 %; benchmarks/chrome_eval.py) minus a small margin.
# The chrome figure is far below the 85 % target: see the gaps in the chrome_eval report.
MIN_HELDOUT_BODY_KEPT = 0.97
MIN_HELDOUT_CHROME_DROPPED = 0.42


@pytest.mark.skipif(not (CORPUS / "dev_chrome.jsonl").is_file(), reason="dev corpus not available")
def test_dev_corpus_heldout_keep_and_drop_rates() -> None:
    spec = importlib.util.spec_from_file_location("chrome_eval", ROOT / "benchmarks" / "chrome_eval.py")
    assert spec is not None and spec.loader is not None
    chrome_eval = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(chrome_eval)
    pages = [p for p in chrome_eval.load_pages() if p["part"] == "heldout"]
    assert len(pages) > 100
    res = chrome_eval.evaluate(pages, ChromeRules.load(None))
    assert res["body_kept"] >= MIN_HELDOUT_BODY_KEPT, res["errors_by_reason"]
    assert res["chrome_dropped"] >= MIN_HELDOUT_CHROME_DROPPED, res["errors_by_reason"]
    assert res["meta_out_of_body"] >= 0.9


def test_given_title_marks_its_first_copy_as_title_and_later_copies_as_chrome() -> None:
    page = (
        "Huzurevi sakinleri bayramlaştı\n"
        "Huzurevi sakinleri bayramlaştı\n"
        "Ankara'daki huzurevinde kalan yaşlılar, bayram dolayısıyla ziyarete gelen yakınlarıyla bayramlaştı.\n"
        "Huzurevi müdürü, sakinlerin bayramı aile ortamında geçirdiğini söyledi.\n"
    )
    art = parse_article(page, title="Huzurevi sakinleri bayramlaştı")
    assert [(s.role, s.reason) for s in art.segments[:2]] == [
        ("title", "given_title"),
        ("chrome", "repeated_headline"),
    ]
    assert [s.kind for s in art.segments[2:]] == ["body", "body"]


def test_credit_is_the_byline_when_no_author_is_named() -> None:
    page = (
        "Bakanlık, koruyucu aile sayısının bu yıl yüzde 12 arttığını açıkladı. Artış en çok büyükşehirlerde görüldü.\n"
        "Kaynak: AA\n"
    )
    art = parse_article(page)
    assert art.byline == "AA" and art.segments[-1].role == "meta"
