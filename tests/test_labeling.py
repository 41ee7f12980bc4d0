"""Tests for classify.labeling: taxonomy loading and validation, rules, aggregation, gold, rule report."""

from __future__ import annotations

import importlib.util
import math
import textwrap
from pathlib import Path

import pytest

from classify.articles import Article, Segment, parse_article
from classify.labeling import (
    LABEL_SOURCES,
    LabelConfigError,
    Labeler,
    apply_gold,
    default_config_path,
    rule_report,
    rule_report_markdown,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
DEV = ROOT.parent / "shared" / "corpus" / "dev.jsonl"
BASE_LABELS = ["child_services", "family_year", "disability_care", "party_politics", "unrelated"]


@pytest.fixture(scope="module")
def labeler() -> Labeler:
    return Labeler.load()


@pytest.fixture(scope="module")
def extended() -> Labeler:
    return Labeler.load("labels-extended.yaml")


def _article(title: str | None, *body: str, chrome: tuple[str, ...] = ()) -> Article:
    segs = [Segment(t, "body", "body") for t in body] + [Segment(t, "boilerplate", "chrome") for t in chrome]
    return Article(id="t", title=title, date=None, byline=None, url=None, segments=segs)


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


TINY = """\
    version: 1
    fallback: unrelated
    labels:
      - {name: pets_cat, display_name: Kedi, definition: Cats.}
      - {name: pets_dog, display_name: Köpek, definition: Dogs.}
      - {name: unrelated, display_name: İlgisiz, definition: Anything else.}
    rules:
      - {name: r_cat, label: pets_cat, keywords: [kedi], weight: 1.0}
      - {name: r_dog, label: pets_dog, keywords: [köpek], weight: 1.5}
      - {name: r_not_cat, label: pets_cat, negative: true, keywords: [kedi maması], weight: 2.0}
"""


# -- the packaged taxonomy ---------------------------------------------------------------------------


def test_default_taxonomy_has_five_labels_with_turkish_names(labeler: Labeler) -> None:
    assert labeler.schema.names == BASE_LABELS
    assert labeler.schema.fallback == "unrelated"
    assert labeler.schema.get("disability_care").display_name == "Engelli ve Yaşlı Bakımı"
    for lab in labeler.schema.labels:
        assert lab.display_name and lab.definition and "\n" not in lab.definition
    md = labeler.schema.to_markdown()
    assert md.count("\n") == 2 + len(BASE_LABELS)
    assert "| `family_year` | Aile Yılı ve Aile Politikası |" in md


def test_packaged_default_is_the_configs_file() -> None:
    packaged = default_config_path()
    assert packaged.is_file()
    if (ROOT / "configs" / "labels.yaml").is_file():  # in a source checkout the resource is a symlink
        assert packaged.resolve() == (ROOT / "configs" / "labels.yaml").resolve()
        assert (
            default_config_path("labels-extended.yaml").resolve()
            == (ROOT / "configs" / "labels-extended.yaml").resolve()
        )


def test_extended_config_adds_other_social_and_keeps_base_rules(labeler: Labeler, extended: Labeler) -> None:
    assert extended.schema.names == BASE_LABELS + ["other_social"]
    assert "ŞÖNİM" in extended.schema.get("other_social").definition
    base_rules = {r.name for r in labeler.rules}
    ext_rules = {r.name for r in extended.rules}
    assert base_rules < ext_rules
    assert any(r.label == "other_social" for r in extended.rules)
    decision = extended.label(
        _article(
            "Şiddet Önleme ve İzleme Merkezi'nden muhtarlara eğitim",
            "Kadına yönelik şiddetle mücadele haftasında ŞÖNİM uzmanları, mahalle muhtarlarına başvuru "
            "yolları ve 6284 sayılı kanun hakkında bilgi verdi.",
        )
    )
    assert decision.label == "other_social"


# -- labelling real Turkish text ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "expected"),
    [("000_", "family_year"), ("001_", "child_services"), ("004_", "party_politics")],
)
def test_seed_pages(labeler: Labeler, seed: str, expected: str) -> None:
    paths = sorted(SEEDS.glob(f"{seed}*.txt"))
    if not paths:
        pytest.skip("seed pages not present")
    article = parse_article(paths[0].read_text(encoding="utf-8"), id=paths[0].stem)
    decision = labeler.label(article)
    assert decision.label == expected
    assert decision.confidence > 0.5
    assert math.isclose(sum(decision.scores.values()), 1.0)
    assert set(decision.scores) == set(BASE_LABELS)


def test_foster_family_news_is_child_services(labeler: Labeler) -> None:
    d = labeler.label(
        _article(
            "İLÇEDE KORUYUCU AİLE SEMİNERİ",  # upper case: matching is on Turkish-lower-cased text
            "İl müdürlüğü uzmanları, öğretmenlere devlet korumasındaki çocuklar için koruyucu aile "
            "olmanın şartlarını anlattı.",
        )
    )
    assert d.label == "child_services"
    assert "cs_foster_adoption" in d.fired


def test_nursing_home_visit_is_disability_care(labeler: Labeler) -> None:
    d = labeler.label(
        _article(
            "Huzurevi sakinleri bahçede fide dikti",
            "Huzurevi Yaşlı Bakım ve Rehabilitasyon Merkezi'nde kalan yaşlılar, bahar gelince bahçeye "
            "domates fidesi dikti.",
        )
    )
    assert d.label == "disability_care"


def test_party_visit_to_nursing_home_is_party_politics(labeler: Labeler) -> None:
    d = labeler.label(
        _article(
            "MHP Kadın Kolları'ndan huzurevine bayram ziyareti",
            "MHP İl Kadın Kolları üyeleri, bayram öncesinde huzurevini ziyaret ederek yaşlılarla "
            "bayramlaştı. İl Başkanı, teşkilatın yaşlılar için hazırladığı projeleri anlattı.",
        )
    )
    assert d.label == "party_politics"


def test_aile_hekimi_is_not_family_policy(labeler: Labeler) -> None:
    d = labeler.label(
        _article(
            "Aile hekimi açığı büyüyor",
            "Kırsal ilçelerde aile hekimi bulunamayan köyler için gezici sağlık ekibi kuruldu. Yeni aile "
            "sağlığı merkezinin inşaatı ise yaz sonunda bitecek.",
        )
    )
    assert "fy_not_family_physician" in d.fired
    assert d.label != "family_year"
    assert d.label == "unrelated"
    assert d.evidence["family_year"] < 0


def test_disability_sport_result_is_unrelated(labeler: Labeler) -> None:
    d = labeler.label(
        _article(
            "Bedensel engelli okçulardan madalya yağmuru",
            "Bedensel engelli sporcularımız, İspanya'daki turnuvada iki altın madalya kazandı. Milli takım "
            "finalde üstün bir performans gösterdi.",
        )
    )
    assert "dc_not_sport" in d.fired
    assert d.label == "unrelated"


def test_whole_word_acronyms_do_not_match_inside_words(labeler: Labeler) -> None:
    d = labeler.label(_article(None, "Akpınar köyünde yol yapım çalışmaları başladı."))
    assert "pp_party_acronyms" not in d.fired
    d2 = labeler.label(_article(None, "AKP'li meclis üyeleri bütçe görüşmesinde söz aldı."))
    assert "pp_party_acronyms" in d2.fired


def test_chrome_segments_do_not_vote(labeler: Labeler) -> None:
    plain = _article("Kavşaklar çiçeklerle süslendi", "Park ve bahçeler ekipleri kavşaklara lale dikti.")
    teased = _article(
        "Kavşaklar çiçeklerle süslendi",
        "Park ve bahçeler ekipleri kavşaklara lale dikti.",
        chrome=(
            "Koruyucu aile olmak isteyenlere çağrı: çocuk evlerinde bekleyen çocuklar",
            "Aile Yılı etkinlikleri",
        ),
    )
    assert labeler.label(plain).label == "unrelated"
    assert labeler.label(teased).to_dict() == labeler.label(plain).to_dict()


def test_chrome_only_page_is_a_record_labelled_unrelated(labeler: Labeler) -> None:
    d = labeler.label(
        _article(None, chrome=("Yorum yazmak için giriş yapın", "Paylaş", "Koruyucu aile haberleri"))
    )
    assert d.label == "unrelated"
    assert d.reason == "empty"
    assert d.fired == []
    assert apply_gold(d, None) == ("unrelated", "rules")


def test_title_counts_more_than_body(labeler: Labeler) -> None:
    body = ("Kentte yaşanan gelişmeler değerlendirildi. " * 12).strip()
    in_title = labeler.label(_article("Aile Yılı etkinlikleri", body))
    in_body = labeler.label(_article("Kentte yeni gelişmeler", body + " Aile Yılı etkinlikleri"))
    assert in_title.evidence["family_year"] > in_body.evidence["family_year"] > 0


def test_social_services_without_a_domain_abstain_rather_than_unrelated(labeler: Labeler) -> None:
    d = labeler.label(
        _article(
            "Spor salonu evsizlere açıldı",
            "Kaymakamlık, dondurucu soğukta evsiz vatandaşlar için spor salonuna yatak kurdu; Sosyal "
            "Yardımlaşma ve Dayanışma Vakfı sıcak yemek dağıttı.",
        )
    )
    assert d.label is None
    assert d.reason == "no_positive_evidence"
    assert "not_unrelated_social_services" in d.fired


# -- aggregation on a tiny config -------------------------------------------------------------------


def test_aggregator_abstains_when_no_rule_fires(tmp_path: Path) -> None:
    lab = Labeler.load(_write(tmp_path, "tiny.yaml", TINY))
    d = lab.label_text("Bugün hava çok güzel, balık tutmaya gittik.")
    assert d.label is None
    assert d.reason == "no_rule_fired"
    assert d.fired == []
    assert d.confidence == 0.0
    assert apply_gold(d, None) == (None, "none")
    assert apply_gold(d, None, abstain_label="unrelated") == ("unrelated", "none")


def test_aggregation_arithmetic(tmp_path: Path) -> None:
    lab = Labeler.load(_write(tmp_path, "tiny.yaml", TINY))
    d = lab.label_text("kedi ve köpek")  # both in the lead zone (weight 1.5)
    one = math.log2(1 + 1.5)
    assert d.evidence == pytest.approx({"pets_cat": one, "pets_dog": 1.5 * one, "unrelated": 0.0})
    assert d.label == "pets_dog"
    e = [one, 1.5 * one, 0.0]
    z = sum(math.exp(v) for v in e)
    assert d.confidence == pytest.approx(math.exp(1.5 * one) / z)
    # two matches: log2(1 + 2 * 1.5) = 2
    assert lab.label_text("kedi kedi").evidence["pets_cat"] == pytest.approx(2.0)
    # the negative rule outweighs the positive one: nothing positive is left
    neg = lab.label_text("kedi maması")
    assert neg.label is None and neg.reason == "no_positive_evidence"
    assert neg.fired == ["r_cat", "r_not_cat"]


def test_min_margin_abstains_on_close_calls(tmp_path: Path) -> None:
    text = TINY.replace("fallback: unrelated", "fallback: unrelated\n    aggregation: {min_margin: 1.0}")
    lab = Labeler.load(_write(tmp_path, "margin.yaml", text))
    d = lab.label_text("kedi ve köpek")  # margin 0.5 * log2(2.5) < 1
    assert d.label is None and d.reason == "low_margin"


def test_veto_rules_rule_a_label_out(tmp_path: Path) -> None:
    text = TINY.replace("weight: 2.0}", "weight: 0.1, veto: true}")
    lab = Labeler.load(_write(tmp_path, "veto.yaml", text))
    d = lab.label_text("kedi maması kedi kedi")
    assert d.label is None  # pets_cat has positive evidence but is vetoed; nothing else fired
    assert d.scores["pets_cat"] == 0.0


def test_segment_scope_counts_segments_and_min_count(tmp_path: Path) -> None:
    text = (
        TINY
        + "      - {name: r_many_cats, label: pets_cat, keywords: [kedi], scope: segment, min_count: 2}\n"
    )
    lab = Labeler.load(_write(tmp_path, "seg.yaml", text))
    assert "r_many_cats" not in lab.label_text("kedi kedi kedi").fired  # one segment
    assert "r_many_cats" in lab.label_text("kedi\nbir kedi daha").fired  # two segments


# -- gold ------------------------------------------------------------------------------------------


def test_gold_overrides_rules(labeler: Labeler) -> None:
    d = labeler.label(
        _article("Aile Yılı kapsamında aile festivali düzenlendi", "Aile Yılı etkinlikleri sürüyor.")
    )
    assert d.label == "family_year"
    assert apply_gold(d, "child_services") == ("child_services", "gold")
    assert apply_gold(d, None) == ("family_year", "rules")
    assert apply_gold(d, "  ") == ("family_year", "rules")
    with pytest.raises(ValueError, match="other_social"):
        apply_gold(d, "other_social", schema=labeler.schema)
    assert set(LABEL_SOURCES) == {"gold", "rules", "none"}


# -- the rule report ----------------------------------------------------------------------------------


def test_rule_report_numbers_by_hand(tmp_path: Path) -> None:
    lab = Labeler.load(_write(tmp_path, "tiny.yaml", TINY))
    texts = ["kedi", "kedi köpek", "kedi maması", "köpek", "balık"]
    gold = ["pets_cat", "pets_dog", "pets_dog", "pets_dog", None]
    decisions = [lab.label_text(t) for t in texts]
    assert [d.label for d in decisions] == ["pets_cat", "pets_dog", None, "pets_dog", None]
    report = rule_report(lab, decisions, gold)
    rows = {r["name"]: r for r in report["rules"]}
    # r_cat fires on texts 1-3; overlaps with r_dog (2) and r_not_cat (3), both conflicts;
    # gold agrees on text 1 only.
    assert rows["r_cat"]["coverage"] == pytest.approx(3 / 5)
    assert rows["r_cat"]["overlaps"] == pytest.approx(2 / 5)
    assert rows["r_cat"]["conflicts"] == pytest.approx(2 / 5)
    assert (rows["r_cat"]["correct"], rows["r_cat"]["incorrect"]) == (1, 2)
    assert rows["r_cat"]["accuracy"] == pytest.approx(1 / 3)
    # r_dog fires on texts 2 and 4, overlapping (and conflicting) with r_cat on text 2; both right.
    assert rows["r_dog"]["coverage"] == pytest.approx(2 / 5)
    assert rows["r_dog"]["overlaps"] == pytest.approx(1 / 5)
    assert rows["r_dog"]["conflicts"] == pytest.approx(1 / 5)
    assert rows["r_dog"]["accuracy"] == pytest.approx(1.0)
    # the negative rule fires on text 3, where gold is not pets_cat: correct.
    assert rows["r_not_cat"]["polarity"] == "-"
    assert rows["r_not_cat"]["coverage"] == pytest.approx(1 / 5)
    assert rows["r_not_cat"]["conflicts"] == pytest.approx(1 / 5)
    assert (rows["r_not_cat"]["correct"], rows["r_not_cat"]["incorrect"]) == (1, 0)
    s = report["summary"]
    assert s["abstain_rate"] == pytest.approx(2 / 5)
    assert s["any_rule_coverage"] == pytest.approx(4 / 5)
    assert s["gold_records"] == 4
    assert s["accuracy_on_labelled"] == pytest.approx(1.0)  # texts 1, 2, 4
    assert s["accuracy_with_abstain_as_error"] == pytest.approx(3 / 4)
    md = rule_report_markdown(report)
    assert "| `r_cat` | pets_cat | + |" in md and "0.33" in md


def test_rule_report_without_gold_and_with_priors(labeler: Labeler) -> None:
    decisions = [
        labeler.label(_article("Huzurevi sakinleri bayramlaştı", "Huzurevinde kalan yaşlılar bayramlaştı.")),
        labeler.label(
            _article("Deplasmanda kritik galibiyet", "Takım, ligin son maçında rakibini 2-0 yendi.")
        ),
    ]
    report = rule_report(labeler, decisions)
    rows = {r["name"]: r for r in report["rules"]}
    assert rows["prior_unrelated"]["coverage"] == 1.0 and rows["prior_unrelated"]["scope"] == "always"
    # the prior is left out of the other rules' overlaps
    assert rows["dc_elderly"]["coverage"] == 0.5
    assert rows["dc_elderly"]["accuracy"] is None
    with pytest.raises(ValueError, match="gold has"):
        rule_report(labeler, decisions, ["unrelated"])


# -- YAML validation ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (("weight: 1.5}", "weight: -1}"), r"rules\[1\] \(name=r_dog\)\.weight"),
        (
            ("label: pets_dog, keywords", "label: pets_bird, keywords"),
            r"rules\[1\] \(name=r_dog\)\.label: 'pets_bird'",
        ),
        (
            ("keywords: [köpek]", "patterns: ['köpek(']"),
            r"rules\[1\] \(name=r_dog\)\.patterns: .*patterns\[0\]",
        ),
        (("keywords: [köpek]", "keywords: [Köpek]"), r"keywords\[0\] 'Köpek' is not lower case"),
        (
            ("keywords: [köpek]", "keywords: [köpek, köpekler]"),
            r"keywords\[1\] 'köpekler' is already matched",
        ),
        (("weight: 1.5}", "weight: 1.5, colour: red}"), r"rules\[1\] \(name=r_dog\)\.colour"),
        (
            ("keywords: [köpek], weight: 1.5", "weight: 1.5"),
            r"rules\[1\] \(name=r_dog\): a rule needs 'keywords'",
        ),
        (("fallback: unrelated", "fallback: nothing"), r"fallback: 'nothing'"),
        (("display_name: Kedi, ", ""), r"labels\[0\] \(name=pets_cat\)\.display_name: Field required"),
        (("name: r_dog", "name: r_cat"), r"rules\[1\] \(name=r_cat\)\.name: duplicate"),
        (("version: 1", "version: 2"), r"version: unsupported version 2"),
        (
            ("fallback: unrelated", "fallback: unrelated\n    aggregation: {temperature: 0}"),
            r"aggregation\.temperature",
        ),
    ],
)
def test_yaml_errors_name_the_field(tmp_path: Path, edit: tuple[str, str], message: str) -> None:
    old, new = edit
    assert old in TINY
    path = _write(tmp_path, "bad.yaml", TINY.replace(old, new, 1))
    with pytest.raises(LabelConfigError, match=message) as info:
        Labeler.load(path)
    assert str(path) in str(info.value)


def test_not_yaml_and_missing_files(tmp_path: Path) -> None:
    with pytest.raises(LabelConfigError, match="not valid YAML"):
        Labeler.load(_write(tmp_path, "broken.yaml", "labels: [\n"))
    with pytest.raises(LabelConfigError, match="no such labels config"):
        Labeler.load(tmp_path / "absent.yaml")
    child = _write(tmp_path, "child.yaml", "version: 1\nextends: nowhere.yaml\n")
    with pytest.raises(LabelConfigError, match=r"extends: 'nowhere.yaml' not found"):
        Labeler.load(child)


def test_extends_merges_overrides_and_drops_rules(tmp_path: Path) -> None:
    _write(tmp_path, "base.yaml", TINY)
    child = _write(
        tmp_path,
        "child.yaml",
        """\
        version: 1
        extends: base.yaml
        labels:
          - {name: pets_fish, display_name: Balık, definition: Fish.}
        rules:
          - {name: r_fish, label: pets_fish, keywords: [balık]}
          - {name: r_dog, label: pets_dog, words: [it], weight: 3.0}
          - {name: r_not_cat, label: pets_cat, keywords: [x], enabled: false}
        """,
    )
    lab = Labeler.load(child)
    assert lab.schema.names == ["pets_cat", "pets_dog", "unrelated", "pets_fish"]
    assert [r.name for r in lab.rules] == ["r_cat", "r_dog", "r_fish"]
    assert lab.rule("r_dog").weight == 3.0 and lab.rule("r_dog").words == ("it",)
    assert lab.label_text("balık tuttuk").label == "pets_fish"
    loop = _write(tmp_path, "loop.yaml", "version: 1\nextends: loop.yaml\n")
    with pytest.raises(LabelConfigError, match="circular"):
        Labeler.load(loop)


# -- the development corpus -------------------------------------------------------------------------


def test_dev_corpus_heldout_macro_f1() -> None:
    """Rules-only labelling of the held-out part of dev (gold hidden) keeps its measured quality.

    Measured when the rules were frozen: held-out macro-F1 0.908 (five labels); the margin below
    absorbs small changes in the article parser.
    """
    if not DEV.is_file():
        pytest.skip("development corpus not present")
    spec = importlib.util.spec_from_file_location("rules_eval", ROOT / "benchmarks" / "rules_eval.py")
    assert spec and spec.loader
    rules_eval = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rules_eval)
    result = rules_eval.evaluate(None, "labels-extended.yaml", repeats=1)
    base = result["base"]
    assert base["heldout"]["n"] >= 100
    assert base["heldout"]["macro_f1"] >= 0.87
    assert base["tune"]["macro_f1"] >= 0.90
    assert result["extended"]["heldout"]["macro_f1"] >= 0.84
    # other_social pages are not confidently forced into the five labels
    assert base["all"]["other_social"]["confident_share"] <= 0.35


def test_save_writes_one_self_contained_file_that_loads_back(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    original = Labeler.load("labels-extended")  # extends labels.yaml
    path = original.save(tmp_path / "merged.yaml")
    text = path.read_text(encoding="utf-8")
    assert "\nextends:" not in text and "Çocuk Hizmetleri" in text  # Turkish kept as text, not escapes
    copy = Labeler.load(path)
    assert copy.schema == original.schema and copy.aggregation == original.aggregation
    assert [r.name for r in copy.rules] == [r.name for r in original.rules]
    texts = list(seed_texts.values()) + ["Aile hekimi randevuları yeni sistemle alınacak.",
                                         "ŞÖNİM kadın konukevinde kalan kadınlara destek verildi."]
    for t in texts:
        assert copy.label_text(t) == original.label_text(t)


def test_one_text_as_keyword_and_as_whole_word_counts_for_both_rules(tmp_path: Path) -> None:
    path = tmp_path / "both.yaml"
    path.write_text(textwrap.dedent("""
        version: 1
        labels:
          - {name: family_year, display_name: Aile Yılı, definition: Aile politikası.}
          - {name: unrelated, display_name: İlgisiz, definition: Diğer her şey.}
        rules:
          - {name: prefix, label: family_year, keywords: [aile]}
          - {name: whole, label: family_year, words: [aile], weight: 2.0}
    """), encoding="utf-8")
    labeler = Labeler.load(path)
    assert set(labeler.label_text("Aile ve nüfus politikası açıklandı.").fired) == {"prefix", "whole"}
    assert set(labeler.label_text("Ailelere destek verildi.").fired) == {"prefix"}  # 'aile' starts 'ailelere'
    assert labeler.label_text("Yaşlı bakımı ve ailecek tatil.").fired == ["prefix"]
