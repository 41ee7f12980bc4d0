"""Tests for classify.evaluation and the local `classification` evaluate module.

The metric module computes everything itself from the confusion matrix; here it is checked against
scikit-learn. Reports are produced for a tiny TF-IDF model on Turkish sentences written for these tests.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support
from typer.testing import CliRunner

from classify.evaluation import (
    CONFUSION_FILE,
    METRICS_FILE,
    RELIABILITY_FILE,
    REPORT_FILE,
    compare_reports,
    compute_metrics,
    evaluate_model,
)
from classify.metrics import available_metrics, load_metric, metric_path
from classify.models.tfidf import TfidfClassifier, TfidfConfig

TRAIN = [
    ("Koruyucu aile olmak isteyenlere il müdürlüğünde bilgilendirme yapıldı.", "child_services"),
    ("Çocuk Evleri Sitesindeki çocuklar için karne şenliği düzenlendi.", "child_services"),
    ("Koruma altındaki çocuklara SED desteği artırıldı.", "child_services"),
    ("Aile Yılı kapsamında evlilik öncesi eğitim programı başladı.", "family_year"),
    ("Aile ve Nüfus On Yılı eylem planı açıklandı, doğum oranları konuşuldu.", "family_year"),
    ("Aile Yılı etkinliğinde çiftlere aile eğitim programı anlatıldı.", "family_year"),
    ("Evde bakım maaşı ödemeleri engelli vatandaşların hesaplarına yattı.", "disability_care"),
    ("Huzurevindeki yaşlılar için yeni bakım merkezi açıldı.", "disability_care"),
    ("Engelliler Haftasında otizm gündüz bakım merkezi hizmete girdi.", "disability_care"),
    ("CHP milletvekili bakanlığı soru önergesiyle eleştirdi.", "party_politics"),
    ("AK Parti kadın kolları il kongresi yapıldı.", "party_politics"),
    ("MHP il başkanı parti teşkilatıyla seçim çalışmalarını anlattı.", "party_politics"),
    ("Galatasaray deplasmanda son dakika golüyle kazandı.", "unrelated"),
    ("Aile hekimi randevu sistemi yenilendi.", "unrelated"),
    ("Hafta sonu hava sıcaklıkları mevsim normallerinin üzerinde olacak.", "unrelated"),
]

EVAL = [
    ("İl müdürlüğü koruyucu aile semineri düzenledi, çocuk evleri tanıtıldı.", "child_services"),
    ("Aile Yılı programında evlilik öncesi eğitim verildi.", "family_year"),
    ("Engelli bireylere evde bakım ve huzurevi hizmeti anlatıldı.", "disability_care"),
    ("AK Parti milletvekili kongrede seçim vaatlerini sıraladı.", "party_politics"),
    ("Fenerbahçe derbide rakibini iki golle geçti.", "unrelated"),
    ("Kadın konukevinde şiddet mağduru kadınlara destek veriliyor.", "other_social"),
    ("Şehit yakınları ve gaziler için vefa programı düzenlendi.", "other_social"),
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    clf = TfidfClassifier(TfidfConfig(min_df=1), seed=0).fit([t for t, _ in TRAIN], [y for _, y in TRAIN])
    return clf.save(tmp_path_factory.mktemp("eval") / "model")


@pytest.fixture(scope="module")
def eval_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("data") / "eval.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i, (text, label) in enumerate(EVAL):
            fh.write(json.dumps({"id": f"e{i}", "text": text, "label": label}, ensure_ascii=False) + "\n")
        fh.write(json.dumps({"id": "nolabel", "text": "Etiketi olmayan bir haber metni."}, ensure_ascii=False) + "\n")
    return path


# --------------------------------------------------------------------------------------------------
# The metric module against scikit-learn
# --------------------------------------------------------------------------------------------------


def test_metric_modules_load_offline_by_path() -> None:
    assert "classification" in available_metrics()
    assert metric_path("classification").name == "classification"
    with pytest.raises(ValueError, match="unknown metric 'nope'"):
        metric_path("nope")


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_classification_metric_matches_sklearn(seed: int) -> None:
    rng = np.random.default_rng(seed)
    labels = ["child_services", "disability_care", "family_year", "party_politics", "unrelated"]
    refs = rng.integers(0, 5, 200)
    preds = np.where(rng.random(200) < 0.7, refs, rng.integers(0, 5, 200))
    preds[preds == 3] = 4  # class 3 is never predicted: precision must follow zero_division=0
    metric = load_metric("classification")
    out = metric.compute(predictions=preds.tolist(), references=refs.tolist(), labels=labels)
    assert out["accuracy"] == pytest.approx(accuracy_score(refs, preds))
    assert out["macro_f1"] == pytest.approx(f1_score(refs, preds, average="macro", labels=range(5), zero_division=0))
    assert out["weighted_f1"] == pytest.approx(f1_score(refs, preds, average="weighted", zero_division=0))
    p, r, f, s = precision_recall_fscore_support(refs, preds, labels=range(5), zero_division=0)
    for i, name in enumerate(labels):
        got = out["per_class"][name]
        assert (got["precision"], got["recall"], got["f1"], got["support"]) == pytest.approx((p[i], r[i], f[i], s[i]))
    assert out["confusion_matrix"] == confusion_matrix(refs, preds, labels=range(5)).tolist()
    assert out["macro_precision"] == pytest.approx(p.mean())


def test_ece_and_reliability_bins_by_hand() -> None:
    proba = np.array([[0.95, 0.05], [0.85, 0.15], [0.35, 0.65], [0.45, 0.55]])
    refs = [0, 1, 1, 0]  # right, wrong, right, wrong
    out = load_metric("classification").compute(predictions=proba.argmax(1).tolist(), references=refs,
                                                labels=["a", "b"], probabilities=proba, ece_bins=5)
    # bins of width 0.2: 0.95 -> [0.8,1.0] acc 1; 0.85 -> same bin acc 0; 0.65 -> (0.6,0.8] acc 1; 0.55 -> (0.4,0.6] acc 0
    top = {b["upper"]: b for b in out["reliability"] if b["count"]}
    assert top[1.0]["count"] == 2 and top[1.0]["accuracy"] == 0.5 and top[1.0]["confidence"] == pytest.approx(0.9)
    expected = 2 / 4 * abs(0.5 - 0.9) + 1 / 4 * abs(1 - 0.65) + 1 / 4 * abs(0 - 0.55)
    assert out["ece"] == pytest.approx(expected)


def test_metric_rejects_bad_input() -> None:
    metric = load_metric("classification")
    with pytest.raises(ValueError, match="class indices"):
        metric.compute(predictions=[0, 5], references=[0, 1], labels=["a", "b"])
    with pytest.raises(ValueError, match="probabilities must have shape"):
        metric.compute(predictions=[0, 1], references=[0, 1], labels=["a", "b"], probabilities=[[1.0, 0.0]])


def test_compute_metrics_names_unknown_gold_labels() -> None:
    with pytest.raises(ValueError, match="other_social"):
        compute_metrics(["a", "other_social"], np.array([[1.0, 0.0], [0.0, 1.0]]), ["a", "b"])


# --------------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------------


def test_evaluate_writes_a_complete_report(model_dir: Path, eval_file: Path, tmp_path: Path) -> None:
    report = evaluate_model(model_dir, eval_file, report_dir=tmp_path / "r", threshold=0.5, top_errors=3)
    files = {p.name for p in (tmp_path / "r").iterdir()}
    assert {METRICS_FILE, REPORT_FILE, CONFUSION_FILE, RELIABILITY_FILE} <= files
    for png in (CONFUSION_FILE, RELIABILITY_FILE):
        assert (tmp_path / "r" / png).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads((tmp_path / "r" / METRICS_FILE).read_text(encoding="utf-8"))
    m = data["metrics"]
    assert m["n"] == 5  # the two other_social records and the unlabelled one are not scored
    assert data["unlabelled_records"] == 1
    assert data["out_of_taxonomy"]["n"] == 2
    assert set(data["out_of_taxonomy"]["by_gold_label"]) == {"other_social"}
    assert 0.0 <= m["ece"] <= 1.0 and len(m["reliability"]) == 10
    assert next(t["threshold"] for t in data["threshold_sweep"]) == 0.3
    scores = [e["score"] for e in data["errors"]]
    assert scores == sorted(scores, reverse=True) and len(scores) <= 3
    md = (tmp_path / "r" / REPORT_FILE).read_text(encoding="utf-8")
    for heading in ("## Per class", "## Confusion matrix", "## Calibration", "## Abstention",
                    "## Records outside the model's taxonomy"):
        assert heading in md
    assert report.metrics["macro_f1"] == m["macro_f1"]
    assert "out-of-taxonomy n=2" in report.summary()


def test_report_metrics_agree_with_sklearn(model_dir: Path, eval_file: Path, tmp_path: Path) -> None:
    from classify.models import load_model

    model = load_model(model_dir)
    texts = [t for t, y in EVAL if y in model.labels]
    gold = [y for t, y in EVAL if y in model.labels]
    pred = model.predict(texts)
    report = evaluate_model(model, eval_file, report_dir=tmp_path / "r")
    assert report.metrics["accuracy"] == pytest.approx(accuracy_score(gold, pred))
    assert report.metrics["macro_f1"] == pytest.approx(
        f1_score(gold, pred, average="macro", labels=model.labels, zero_division=0))


def test_compare_reports_makes_one_table(model_dir: Path, eval_file: Path, tmp_path: Path) -> None:
    evaluate_model(model_dir, eval_file, report_dir=tmp_path / "a", threshold=0.3)
    evaluate_model(model_dir, eval_file, report_dir=tmp_path / "b", threshold=0.9)
    text = compare_reports([tmp_path / "a", tmp_path / "b"], tmp_path / "cmp.md")
    assert (tmp_path / "cmp.md").read_text(encoding="utf-8") == text
    rows = [line for line in text.splitlines() if line.startswith(("| a ", "| b "))]
    assert len(rows) == 2
    assert "F1 party_politics" in text and "macro F1" in text
    with pytest.raises(FileNotFoundError, match="not a report directory"):
        compare_reports([tmp_path])


def test_cli_evaluate_and_compare(model_dir: Path, eval_file: Path, tmp_path: Path) -> None:
    from classify.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["evaluate", "--model", str(model_dir), "--data", str(eval_file),
                               "--report", str(tmp_path / "r")])
    assert done.exit_code == 0, done.output
    assert "macro_f1=" in done.output
    done = runner.invoke(app, ["compare", str(tmp_path / "r"), "--output", str(tmp_path / "c.md")])
    assert done.exit_code == 0, done.output
    assert "| r |" in done.output and (tmp_path / "c.md").is_file()
    done = runner.invoke(app, ["evaluate", "--model", str(model_dir), "--data", str(tmp_path / "nope.jsonl"),
                               "--report", str(tmp_path / "r2")])
    assert done.exit_code == 2 and "no such file" in done.output


def test_output_space_folds_reject_labels() -> None:
    from classify.models import OutputSpace

    space = OutputSpace.from_labels(["a", "other", "b"], reject=["other"])
    assert space.labels == ["a", "b"] and space.reject == ["other"]
    folded, rejected = space.fold(np.array([[0.2, 0.7, 0.1], [0.6, 0.1, 0.3]]))
    np.testing.assert_allclose(folded, [[2 / 3, 1 / 3], [2 / 3, 1 / 3]])
    assert rejected.tolist() == [True, False]
    plain = OutputSpace.from_labels(["a", "b"])
    p = np.array([[0.4, 0.6]])
    assert plain.fold(p)[0] is not None and plain.fold(p)[1].tolist() == [False]


def test_evaluation_of_a_model_with_a_reject_label(eval_file: Path, tmp_path: Path) -> None:
    extra = [("Kadın konukevinde şiddet mağduru kadınlara destek veriliyor.", "other_social"),
             ("Şehit yakınlarına ve gazilere vefa ziyareti yapıldı.", "other_social")]
    clf = TfidfClassifier(TfidfConfig(min_df=1), seed=0).fit([t for t, _ in TRAIN + extra],
                                                             [y for _, y in TRAIN + extra])
    clf.info.extra["reject_labels"] = ["other_social"]
    report = evaluate_model(clf, eval_file, report_dir=tmp_path / "r", threshold=0.0)
    assert report.data["labels"] == ["child_services", "disability_care", "family_year", "party_politics",
                                     "unrelated"]
    assert report.data["reject_labels"] == ["other_social"]
    oot = report.data["out_of_taxonomy"]
    assert oot["n"] == 2 and oot["rejected_rate"] > 0  # the other_social pages are recognised and flagged
    assert oot["uncertain_rate"] == oot["rejected_rate"]  # threshold 0: only rejections flag


def test_dev_corpus_half_split(dev_records: list[dict], tmp_path: Path) -> None:
    """Real pages: train on half of the dev corpus (grouped by story), evaluate on the other half.

    A sanity bound, not the benchmark (benchmarks/tfidf_cv.py does the cross-validation): the five-label
    model with other_social as a reject label must classify most held-out pages right and flag most
    held-out other_social pages as uncertain.
    """
    from classify.config import load_config
    from classify.models import family

    groups = sorted({r.get("dup_group") or r["id"] for r in dev_records})
    held_out = set(groups[::2])
    train = [r for r in dev_records if (r.get("dup_group") or r["id"]) not in held_out]
    test = [r for r in dev_records if (r.get("dup_group") or r["id"]) in held_out]
    config = load_config(Path(__file__).resolve().parents[1] / "configs" / "tfidf.yaml")
    model = family("tfidf").from_config(config.model).fit([r["text"] for r in train], [r["label"] for r in train])
    model.info.config = config.to_dict()
    model.info.extra["reject_labels"] = ["other_social"]
    path = tmp_path / "test.jsonl"
    path.write_text("".join(json.dumps({k: r[k] for k in ("id", "text", "label", "url")}, ensure_ascii=False) + "\n"
                            for r in test), encoding="utf-8")
    report = evaluate_model(model, path, report_dir=tmp_path / "r")
    assert report.metrics["macro_f1"] >= 0.85
    assert report.data["out_of_taxonomy"]["uncertain_rate"] >= 0.6


def test_macro_average_ignores_labels_absent_from_gold_and_predictions() -> None:
    """Five seed pages cover four labels: a perfect fit must score macro-F1 1.0, not 0.8."""
    labels = ["child_services", "disability_care", "family_year", "party_politics", "unrelated"]
    refs = [0, 1, 1, 2, 3]
    out = load_metric("classification").compute(predictions=refs, references=refs, labels=labels)
    assert out["macro_f1"] == pytest.approx(1.0)
    assert out["per_class"]["unrelated"]["support"] == 0
    preds = [0, 1, 0, 2, 4]  # a wrong 'unrelated' prediction brings the label into the average
    out = load_metric("classification").compute(predictions=preds, references=refs, labels=labels)
    assert out["macro_f1"] == pytest.approx(f1_score(refs, preds, average="macro", zero_division=0))


def test_scoring_the_training_split_is_flagged_as_a_training_fit(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from classify.cli import app

    root = Path(__file__).resolve().parents[1]
    runner = CliRunner()
    ds, model, rep = tmp_path / "ds", tmp_path / "m", tmp_path / "rep"
    for args in (["build-dataset", str(root / "seeds"), "--output", str(ds)],
                 ["train", "--config", str(root / "configs" / "tfidf.yaml"), "--data", str(ds), "--output", str(model)],
                 ["evaluate", "--model", str(model), "--data", str(ds), "--split", "all", "--report", str(rep)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, result.output
    assert "training fit" in (rep / "report.md").read_text(encoding="utf-8")
    assert json.loads((rep / "metrics.json").read_text(encoding="utf-8"))["warning"]
