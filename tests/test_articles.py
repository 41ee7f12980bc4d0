"""Tests for classify.articles: article parsing and page-chrome detection.

Seeds (committed under seeds/) are quoted directly; other pages are written for the tests. The dev
corpus test reads ../shared/corpus/ and skips when it is absent; it never copies corpus text.
"""

from __future__ import annotations

import importlib.util
import math
import sys
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
    scoring_inputs,
    stage1_feature_names,
)
from classify.chrome_features import CONTEXT_FEATURES, KeywordIndex, context_matrix
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


SUBHEADED_ARTICLE = """Meclis Genel Kurulu'nda bütçe görüşmeleri sırasında muhalefet milletvekilleri protesto gösterisi yaptı.
Görüşmeler sırasında ellerindeki dövizleri kaldıran vekiller, kürsüye yaklaşarak slogan attı.
Oturumu yöneten başkanvekili, salondaki gerginlik nedeniyle birleşime kısa bir ara verdi.
"BEN DE SİZİ GÖRMEK İSTEMEM DOĞRUSU"
Tepki gösteren konuşmacı, sırtını dönenlere sert sözlerle karşılık vererek eleştirilerini sürdürdü.
Aranın ardından yeniden açılan oturumda tartışmalar uzun süre devam etti ve gece yarısını buldu.
Cinsel istismar davasına ilişkin sözlerini hatırlatan yetkili, sürecin yakından izlendiğini anlattı.
"DAVAYI EN BAŞINDAN BERİ TAKİP ETTİK"
Mağdurun sağlık desteği, okuma yazma kursu ve psikolojik danışmanlık hizmetleri sağlandığını açıkladı.
Ailesine düzenli ziyaretler yapıldığını belirten yetkili, avukat görevlendirildiğini de ekledi.
"""


def test_paragraphs_under_capitalised_subheadings_are_not_a_teaser_run() -> None:
    # each paragraph shares few words with the lead (like seed 003's teasers), but the run holds the
    # article's own subheadings in capitals: it is the article going on, not a list of other stories
    art = parse_article(SUBHEADED_ARTICLE)
    assert [s.kind for s in art.segments] == ["body"] * 10
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["topic"]["max_subheadings"] = 5  # without the guard the topic-shift rule would cut it
    loose = parse_article(SUBHEADED_ARTICLE, rules=ChromeRules.from_dict(data))
    assert [s.reason for s in loose.segments[3:]] == ["teaser_run"] * 7


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


BULLET_TEASERS = """Belediye, yaşlı vatandaşlar için evde bakım hizmetini ilçenin tüm mahallelerine genişletti. Hizmetten bu yıl 300 kişi yararlanacak.
Evde bakım ekipleri haftada iki kez ziyaret yapıyor ve yaşlıların temel ihtiyaçlarını karşılıyor. Başvurular belediye binasında alınıyor.
- Kırmızı bültenle aranan şüpheli Fethiye'de yakalandı
- Palandöken'de kayak sezonu başladı
- Trabzonspor'da yeni yönetim kurulu listesi açıklandı
- Japonya'da içilebilir mayonez piyasaya sürüldü
"""

BULLET_LIST_IN_ARTICLE = """Aile ve Sosyal Hizmetler Bakanlığı, sosyal ekonomik destek ödemelerinin yeni tutarlarını açıkladı. Ödemeler ay sonunda hesaplara yatırılacak.
Destekten yararlanmak için şu şartlardan birini taşımak gerekiyor:
- Ekonomik yoksunluk nedeniyle korunmaya muhtaç duruma düşecek olanlar.
- Bakım tedbiri kararı olup ailesi yanında desteklenebilecek çocuklar.
- Yaş sınırını tamamlayıp sosyal hizmetlerden ayrılan, eğitime devam eden gençler.
Başvurular il müdürlüklerine yapılabiliyor. Ayrıntılı bilgi Bakanlığın internet sitesinde yer alıyor.
"""


def test_bulleted_list_of_other_stories_is_a_teaser_list() -> None:
    art = parse_article(BULLET_TEASERS)
    teasers = [s for s in art.segments if s.text.startswith("- ")]
    assert len(teasers) == 4
    assert all((s.kind, s.role, s.reason) == ("boilerplate", "chrome", "teaser_list") for s in teasers)
    assert [s.kind for s in art.segments[:2]] == ["body", "body"]


def test_bulleted_list_introduced_by_the_article_stays_body() -> None:
    # the same shape as a teaser list, but announced by "...:" and about the article
    art = parse_article(BULLET_LIST_IN_ARTICLE)
    assert [s.kind for s in art.segments] == ["body"] * 6


def test_share_bar_and_newsroom_with_stray_punctuation() -> None:
    page = (
        "Huzurevinde kalan yaşlılar için bahar şenliği düzenlendi. Şenlikte müzik dinletisi yapıldı.\n"
        "Twitter'da Paylaş Facebook'da Paylaş WhatsApp'da Paylaş\n"
        "Huzurevi müdürü, etkinliğin her yıl tekrarlanacağını söyledi. Şenliğe aileler de katıldı.\n"
        "HABER MERKEZİ?\n"
        "Kayseri'de perşembe günü kurulacak semt pazarları belli oldu. Pazarlar sabah saatlerinde açılacak.\n"
    )
    art = parse_article(page)
    segs = art.segments
    assert (segs[1].role, segs[1].reason) == ("chrome", "share_bar")
    assert [s.kind for s in (segs[0], segs[2])] == ["body", "body"]
    assert (segs[3].role, segs[3].reason) == ("meta", "newsroom")  # "?" does not hide the byline
    assert segs[4].kind == "boilerplate"  # below a closing byline: another story


def _with_scorer(scorer: dict) -> ChromeRules:
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["scorer"] = scorer
    return ChromeRules.from_dict(data, source="<test>")


def test_enabled_scorer_redecides_structural_lines_from_config_weights() -> None:
    # a hand-written one-feature scorer: a line with a service-box keyword is chrome, anything else body
    rules = _with_scorer(
        {
            "enabled": True,
            "threshold": 0.5,
            "low_logit": 0.0,
            "clip_logit": 8.0,
            "stage1": {"features": ["kw_service"], "weights": [-10.0], "intercept": 5.0},
        }
    )
    page = (
        "Belediye, yaşlı vatandaşlara evde bakım hizmetini genişletti. Hizmetten bu yıl 300 kişi yararlanıyor.\n"
        "Kayseri'de bugün hava durumu nasıl olacak? Meteoroloji sabah saatlerinde sağanak bekliyor, dedi.\n"
        "Evde bakım ekipleri haftada iki kez ziyaret yapıyor. Başvurular belediye binasında alınıyor.\n"
        "Paylaş\n"
    )
    off = parse_article(page)
    assert [s.kind for s in off.segments[:3]] == ["body", "body", "body"]  # shipped config: scorer off
    on = parse_article(page, rules=rules)
    assert [(s.kind, s.reason) for s in on.segments[:3]] == [
        ("body", "body_block"),
        ("boilerplate", "scored_chrome"),
        ("body", "body_block"),
    ]
    assert (on.segments[3].role, on.segments[3].reason) == ("chrome", "share_follow")  # rules stay final


def test_scorer_two_stages_and_seed_003_teasers_stay_cut() -> None:
    # stage 2 reads the stage-1 log-odds; a topic-shift cut (seed 003) is not re-decided by the scorer
    rules = _with_scorer(
        {
            "enabled": True,
            "threshold": 0.5,
            "low_logit": 0.0,
            "clip_logit": 8.0,
            "stage1": {"features": ["prose"], "weights": [6.0], "intercept": -3.0},
            "stage2": {"features": ["z", "z_prev"], "weights": [1.0, 0.0], "intercept": 0.0},
        }
    )
    art = parse_article(seed("003"), rules=rules)
    assert all(s.kind == "boilerplate" for s in art.segments if s.line >= 10)
    assert art.text.startswith("Aile ve Sosyal Hizmetler Bakanlığı 2024 yılında")


@pytest.mark.parametrize(
    ("scorer_edit", "message"),
    [
        (lambda s: s["stage1"].__setitem__("features", ["no_such_feature"]), "no_such_feature"),
        (lambda s: s["stage1"].__setitem__("weights", [1.0, 2.0]), "scorer.stage1"),
        (lambda s: s.__setitem__("threshold", 1.5), "scorer.threshold"),
        (lambda s: s["stage2"].__setitem__("features", ["kw_share"]), "scorer.stage2.features"),
    ],
)
def test_scorer_config_is_validated(scorer_edit, message: str) -> None:
    scorer = {
        "enabled": True,
        "threshold": 0.5,
        "low_logit": 0.0,
        "clip_logit": 8.0,
        "stage1": {"features": ["prose"], "weights": [1.0], "intercept": 0.0},
        "stage2": {"features": ["z"], "weights": [1.0], "intercept": 0.0},
    }
    scorer_edit(scorer)
    with pytest.raises(ChromeConfigError, match=message):
        _with_scorer(scorer)


def test_shipped_scorer_weights_name_known_features() -> None:
    rules = ChromeRules.load(None)
    sc = rules.config.scorer
    assert sc is not None and not sc.enabled  # fitted weights ship, switched off
    assert set(sc.stage1.features) <= set(stage1_feature_names(rules))
    assert sc.stage2 is not None and set(sc.stage2.features) <= set(CONTEXT_FEATURES)


def test_keyword_groups_match_word_prefixes_only() -> None:
    index = KeywordIndex([["paylaş", "hava durumu"], ["editör"]])
    assert index.hits("haberi paylaşın") == [1.0, 0.0]
    assert index.hits("yarın hava durumunu öğrenin") == [1.0, 0.0]
    assert index.hits("genel yayın editörü") == [0.0, 1.0]
    assert index.hits("sepaylaş havadurumu") == [0.0, 0.0]  # not at a word start / not the phrase


def test_scoring_inputs_rows_are_the_feature_matrix_of_input_lines() -> None:
    si = scoring_inputs(
        PAGE, url="https://www.example.com/engelli-bireylere-yonelik-yeni-bakim-merkezi-acildi"
    )
    names = stage1_feature_names()
    assert si.features.shape == (len(si.line_numbers), len(names))
    lines = PAGE.split("\n")
    scored_lines = [lines[i] for i, sc in zip(si.line_numbers, si.scored) if sc]
    assert any(t.startswith("Kayseri'de engelli") for t in scored_lines)  # body paragraphs are scored
    assert "Paylaş" not in scored_lines and "Kaynak: AA" not in scored_lines  # rules stay final
    col = names.index("in_block")
    body_row = si.line_numbers.index(next(i for i, t in enumerate(lines) if t.startswith("Kayseri'de")))
    assert si.features[body_row, col] == 1.0


def test_context_rows_follow_the_stage1_scores() -> None:
    rows = context_matrix([2.0, -3.0, -1.0, 4.0], [0, 1, 1, 2], [True, True, False, True])
    assert len(rows) == 4 and all(len(r) == len(CONTEXT_FEATURES) for r in rows)
    col = {n: i for i, n in enumerate(CONTEXT_FEATURES)}
    assert rows[1][col["z_prev"]] == 2.0 and rows[1][col["z_next"]] == -1.0
    assert rows[1][col["low_run_log"]] == pytest.approx(math.log(3))  # a run of two low lines
    assert rows[2][col["z_segment_mean"]] == pytest.approx(-2.0)
    assert rows[2][col["rule_body"]] == 0.0


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
# Dev corpus: figures must not regress
# --------------------------------------------------------------------------------------------------

# Regression guards for the shipped config (rules only; the learned scorer ships disabled), measured
# with benchmarks/chrome_eval.py: all dev pages body kept 99.7 %, chrome dropped 92.1 %, meta out of
# body 95.8 %; on the 'heldout' part of the earlier protocol 99.5 % / 90.6 % (in-sample for the rules
# added in the third session; 67.2 % before them). Minus a small margin.
MIN_BODY_KEPT = 0.985
MIN_CHROME_DROPPED = 0.89
MIN_HELDOUT_BODY_KEPT = 0.97
MIN_HELDOUT_CHROME_DROPPED = 0.87


def _chrome_eval():
    spec = importlib.util.spec_from_file_location("chrome_eval", ROOT / "benchmarks" / "chrome_eval.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not (CORPUS / "dev_chrome.jsonl").is_file(), reason="dev corpus not available")
def test_dev_corpus_keep_and_drop_rates() -> None:
    chrome_eval = _chrome_eval()
    pages = chrome_eval.load_pages()
    assert len(pages) > 400
    rules = ChromeRules.load(None)
    res = chrome_eval.evaluate(pages, rules)
    assert res["body_kept"] >= MIN_BODY_KEPT, res["errors_by_reason"]
    assert res["chrome_dropped"] >= MIN_CHROME_DROPPED, res["errors_by_reason"]
    assert res["meta_out_of_body"] >= 0.9
    held = chrome_eval.evaluate([p for p in pages if p["part"] == "heldout"], rules)
    assert held["body_kept"] >= MIN_HELDOUT_BODY_KEPT, held["errors_by_reason"]
    assert held["chrome_dropped"] >= MIN_HELDOUT_CHROME_DROPPED, held["errors_by_reason"]


@pytest.mark.skipif(not (CORPUS / "dev_chrome.jsonl").is_file(), reason="dev corpus not available")
def test_scorer_fitted_on_some_sites_keeps_the_body_of_other_sites(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fit the scorer on the pages of some sites and parse the pages of the *other* sites with it.

    A smoke test of the fitting path (features, both stages, threshold, config round trip) that also
    guards against a scorer that throws away article text on unseen sites.
    """
    spec = importlib.util.spec_from_file_location("chrome_fit", ROOT / "benchmarks" / "chrome_fit.py")
    assert spec is not None and spec.loader is not None
    chrome_fit = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "chrome_fit", chrome_fit)  # its dataclasses look their module up
    spec.loader.exec_module(chrome_fit)
    chrome_eval = _chrome_eval()
    pages = chrome_eval.load_pages()
    sites = sorted({chrome_eval.site_of(p["url"]) for p in pages})
    train_sites = set(sites[::2])
    train = [p for p in pages if chrome_eval.site_of(p["url"]) in train_sites][:150]
    test = [p for p in pages if chrome_eval.site_of(p["url"]) not in train_sites]
    base = chrome_fit.base_config(CONFIG)
    rules0 = chrome_fit.rules_with(base, None)
    data = chrome_fit.collect(train, rules0)
    scorer = chrome_fit.fit_scorer(data, chrome_fit.stage1_feature_names(rules0), chrome_fit.FitOptions())
    rules = chrome_fit.rules_with(base, scorer)  # validated like a config file
    assert rules.config.scorer is not None and rules.config.scorer.stage2 is not None
    assert 0 < rules.config.scorer.threshold < 1
    res = chrome_eval.evaluate(test, rules)
    assert res["body_kept"] >= 0.97, res["errors_by_reason"]
    assert res["chrome_dropped"] >= 0.6, res["errors_by_reason"]


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


#: An agency story as haberler.com prints it: the article (with its own subheadings in quotes and in
#: capitals), then another story glued under it - a sentence-case headline, a summary, its text -
#: and the page cut off mid-sentence.
RELATED_NEWS_PAGE = """Iğdır'da "21 Mart Down Sendromu Günü" dolayısıyla çeşitli etkinlikler gerçekleştirildi.

Kredi Yurtlar Kurumu tarafından 81 ilde eş zamanlı düzenlenen etkinlikte Iğdır Valisi, milletvekilleri ve kurum müdürleri öğrencilerle bir araya geldi.

"Onlar çok zeki kardeşlerimizdir"

Down sendromlular konusunda farkındalık oluşturmak için Atatürk Caddesi'nden Zübeyde Hanım Bulvarı'na kadar süren yürüyüşe katılanlar pankartlar taşıdı.

'HER GÜN YANLARINDAYIZ'

Üniversiteli öğrenciler de program kapsamında Özel Eğitim Uygulama Okulunda eğitim gören çocukları ziyaret edip hediyeler verdi.

Belediyeden dolandırıcılık uyarısı

Keşan Belediyesi telefon dolandırıcılığına karşı vatandaşların dikkatli olması gerektiğini belirtti.

Belediyeden yapılan açıklamaya göre, belediye başkanı adına vatandaşlardan para talep eden dolandırıcılık girişimleri tespit edildi.

Edirne Belediyesi Atatürk Kültür Merkezi ve Belediye Konservatuvarı'nın ücretsiz kursları başl"""


def test_site_house_style_cuts_the_related_news_block() -> None:
    art = parse_article(RELATED_NEWS_PAGE, url="https://www.haberler.com/guncel/down-sendromu-etkinligi-123-haberi/")
    body = [s.text for s in art.body_segments]
    assert body[-1].startswith("Üniversiteli öğrenciler")  # the article, own subheadings included ...
    assert '"Onlar çok zeki kardeşlerimizdir"' in body and "'HER GÜN YANLARINDAYIZ'" in body
    glued = [s for s in art.segments if s.text.startswith(("Belediyeden", "Keşan", "Edirne"))]
    assert len(glued) == 4 and {s.kind for s in glued} == {"boilerplate"}  # ... and not the other story
    assert {s.reason for s in glued} == {"site_related_news"}
    # subdomains share the house style; other sites (which write plain subheadings) are left alone
    mobile = parse_article(RELATED_NEWS_PAGE, url="https://m.haberler.com/down-sendromu-123-haberi/")
    assert [s.kind for s in mobile.segments] == [s.kind for s in art.segments]
    for url in ("https://www.ornekhaber.com.tr/down-sendromu", None):
        other = parse_article(RELATED_NEWS_PAGE, url=url)
        assert any(s.text.startswith("Keşan") and s.kind == "body" for s in other.segments)


def test_site_profiles_are_validated() -> None:
    data = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    data["sites"] = [{"host": "haberler.com", "subheadings": ["italic"]}]
    with pytest.raises(ChromeConfigError, match=r"sites\.0\.subheadings"):
        ChromeRules.from_dict(data)
    data["sites"] = [{"host": "https://haberler.com/", "subheadings": ["quoted"]}]
    with pytest.raises(ChromeConfigError, match=r"sites\.0\.host"):
        ChromeRules.from_dict(data)


def test_feedback_service_and_source_widgets_are_chrome_but_articles_about_them_are_not() -> None:
    lines = [
        ("Bu web sitesi ne yazık ki Internet Explorer 9 ve altını desteklememektedir. Lütfen web tarayıcınızı "
         "Internet Explorer 10 ve üstü bir sürüme yükseltiniz."),
        "AI özetimiz yardımcı oldu mu? Bize bildirin.",
        ("Aksaray'da nöbetçi eczaneler bu hafta sonundan itibaren yeni bir sistemle belirlenecek, eczacılar "
         "odası nöbetçi eczaneleri her gün internet sitesinden duyuracak."),
        ("Eczacılar Odası Başkanı, vatandaşların hava durumu nedeniyle uzayan kuyruklarda beklememesi için "
         "randevu sistemi kurulduğunu söyledi."),
        "Aksaray Nöbetçi Eczaneleri",
        "Orjinal Habere Git",
    ]
    page = "\n\n".join(lines)
    art = parse_article(page)
    kinds = {s.text[:25]: (s.kind, s.reason) for s in art.segments}
    assert kinds["Bu web sitesi ne yazık ki"] == ("boilerplate", "browser_prompt")
    assert kinds["AI özetimiz yardımcı oldu"] == ("boilerplate", "feedback_prompt")
    assert kinds["Aksaray Nöbetçi Eczaneler"][0] == "boilerplate"
    assert kinds["Orjinal Habere Git"][0] == "boilerplate"
    assert [s.text[:20] for s in art.body_segments] == ["Aksaray'da nöbetçi e", "Eczacılar Odası Başk"]
