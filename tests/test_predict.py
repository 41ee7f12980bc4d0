"""Tests for classify.predict and `classify predict`: formats, order, error policy, workers, start-up.

A tiny TF-IDF model (Turkish sentences written for these tests plus the seed pages) is trained once; inputs
are written in every supported format.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from classify.io import InputError
from classify.models.tfidf import TfidfClassifier, TfidfConfig
from classify.predict import Predictor, predict_files, prediction_records

ROOT = Path(__file__).resolve().parents[1]

TRAIN = [
    ("Koruyucu aile olmak isteyenlere il müdürlüğünde bilgilendirme yapıldı.", "child_services"),
    ("Çocuk Evleri Sitesindeki çocuklar için karne şenliği düzenlendi.", "child_services"),
    ("Aile Yılı kapsamında evlilik öncesi eğitim programı başladı.", "family_year"),
    ("Aile ve Nüfus On Yılı eylem planı açıklandı.", "family_year"),
    ("Evde bakım maaşı ödemeleri engelli vatandaşların hesaplarına yattı.", "disability_care"),
    ("Huzurevindeki yaşlılar için yeni bakım merkezi açıldı.", "disability_care"),
    ("CHP milletvekili bakanlığı soru önergesiyle eleştirdi.", "party_politics"),
    ("AK Parti kadın kolları il kongresi yapıldı.", "party_politics"),
    ("Galatasaray deplasmanda son dakika golüyle kazandı.", "unrelated"),
    ("Hafta sonu hava sıcaklıkları mevsim normallerinin üzerinde olacak.", "unrelated"),
]

PAGES = [
    ("Koruyucu aile semineri yapıldı.\nİl müdürlüğü çocuk evleri hakkında bilgi verdi ve koruyucu aile "
    "olmak isteyenlerin sorularını yanıtladı."),
    "Aile Yılı etkinliği\nAile Yılı kapsamında düzenlenen evlilik öncesi eğitim programına çiftler katıldı.",
    ("Engelli bireyler için evde bakım\nHuzurevi ve bakım merkezi kapasitesi artırıldı, evde bakım maaşı "
    "ödemeleri hesaplara yattı."),
    "AK Parti kongresi\nParti il başkanı kongrede milletvekilleriyle birlikte seçim çalışmalarını anlattı.",
    "Derbi sonucu\nGalatasaray son dakikada attığı golle derbiyi kazandı, taraftarlar sevindi.",
]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory: pytest.TempPathFactory, seed_texts: dict[str, str]) -> Path:
    texts = [t for t, _ in TRAIN]
    labels = [y for _, y in TRAIN]
    clf = TfidfClassifier(TfidfConfig(min_df=1), seed=0).fit(texts, labels)
    return clf.save(tmp_path_factory.mktemp("predict") / "model")


@pytest.fixture()
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i, text in enumerate(PAGES * 3):
            fh.write(json.dumps({"id": f"r{i:02d}", "text": text}, ensure_ascii=False) + "\n")
    return path


def _read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_one_record_out_per_record_in_same_order(model_dir: Path, jsonl: Path, tmp_path: Path) -> None:
    out = tmp_path / "out.jsonl"
    summary = predict_files(model_dir, [jsonl], out, jobs=1, threshold=0.3)
    rows = _read_jsonl(out)
    assert [r["id"] for r in rows] == [f"r{i:02d}" for i in range(15)]
    assert summary.written == summary.read == 15 and not summary.skipped
    for r in rows:
        assert set(r) == {"id", "label", "score", "scores", "uncertain"}
        assert r["label"] == max(r["scores"], key=r["scores"].get)
        assert r["score"] == r["scores"][r["label"]]
        assert sum(r["scores"].values()) == pytest.approx(1.0, abs=1e-5)
        assert r["uncertain"] == (r["score"] < 0.3)
    assert [r["label"] for r in rows[:5]] == ["child_services", "family_year", "disability_care",
                                              "party_politics", "unrelated"]


def test_workers_give_the_same_output_as_one_process(model_dir: Path, jsonl: Path, tmp_path: Path) -> None:
    one = predict_files(model_dir, [jsonl], tmp_path / "one.jsonl", jobs=1, batch_size=2)
    two = predict_files(model_dir, [jsonl], tmp_path / "two.jsonl", jobs=2, batch_size=2)
    assert two.jobs == 2 and one.jobs == 1
    assert (tmp_path / "one.jsonl").read_bytes() == (tmp_path / "two.jsonl").read_bytes()


def test_threshold_flags_uncertain(model_dir: Path, jsonl: Path, tmp_path: Path) -> None:
    summary = predict_files(model_dir, [jsonl], tmp_path / "o.jsonl", jobs=1, threshold=0.999)
    assert summary.uncertain == 15
    assert all(r["uncertain"] for r in _read_jsonl(tmp_path / "o.jsonl"))
    with pytest.raises(ValueError, match="threshold"):
        predict_files(model_dir, [jsonl], tmp_path / "x.jsonl", threshold=1.5)


def test_default_threshold_comes_from_the_model(model_dir: Path, tmp_path: Path) -> None:
    from classify.models import load_model

    model = load_model(model_dir)
    model.info.config = {"eval": {"uncertain_threshold": 0.77}}
    assert Predictor(model).default_threshold == 0.77


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".jsonl"])
def test_output_formats(model_dir: Path, jsonl: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"out{suffix}"
    predict_files(model_dir, [jsonl], out, jobs=1)
    if suffix == ".csv":
        with out.open(encoding="utf-8", newline="") as fh:
            rows = list(csv.DictReader(fh))
        assert json.loads(rows[0]["scores"])  # the dict column is JSON in a cell
        assert rows[0]["uncertain"] in ("true", "false")
    elif suffix == ".parquet":
        rows = pq.read_table(out).to_pylist()
    else:
        rows = _read_jsonl(out)
    assert [r["id"] for r in rows] == [f"r{i:02d}" for i in range(15)]


def test_input_formats_txt_folder_csv_parquet(model_dir: Path, tmp_path: Path) -> None:
    import pyarrow as pa

    folder = tmp_path / "txt"
    folder.mkdir()
    for i, text in enumerate(PAGES):
        (folder / f"page{i}.txt").write_text(text, encoding="utf-8")
    with (tmp_path / "in.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        for i, text in enumerate(PAGES):
            w.writerow([f"c{i}", text])
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(5)], "text": PAGES}), tmp_path / "in.parquet")
    out = tmp_path / "out.jsonl"
    summary = predict_files(model_dir, [folder, tmp_path / "in.csv", tmp_path / "in.parquet"], out, jobs=1)
    rows = _read_jsonl(out)
    assert summary.written == 15
    assert [r["id"] for r in rows[:5]] == [f"page{i}" for i in range(5)]
    assert [r["id"] for r in rows[5:]] == [f"c{i}" for i in range(5)] + [f"p{i}" for i in range(5)]
    labels = [r["label"] for r in rows]
    assert labels[:5] == labels[5:10] == labels[10:]  # same pages, same answers, whatever the format


def test_bad_records_fail_or_are_reported(model_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    lines = [json.dumps({"id": "a", "text": PAGES[0]}, ensure_ascii=False), "{not json",
             json.dumps({"id": "b", "text": PAGES[1]}, ensure_ascii=False)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"bad.jsonl:2"):
        predict_files(model_dir, [path], tmp_path / "o.jsonl", jobs=1)
    assert not (tmp_path / "o.jsonl").exists()  # no half-written output
    summary = predict_files(model_dir, [path], tmp_path / "o.jsonl", jobs=1, on_error="skip",
                            errors_path=tmp_path / "errors.json")
    assert [r["id"] for r in _read_jsonl(tmp_path / "o.jsonl")] == ["a", "b"]
    assert summary.written + len(summary.skipped) == 3
    report = json.loads((tmp_path / "errors.json").read_text(encoding="utf-8"))
    assert report["summary"]["written"] == 2 and "bad.jsonl:2" in report["summary"]["skipped"][0]


def test_a_record_that_breaks_the_model_is_isolated(model_dir: Path, jsonl: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    original = Predictor.classify_pages

    def fragile(self, pages):  # type: ignore[no-untyped-def]
        if any("Derbi" in text for text, _, _ in pages):
            raise RuntimeError("boom")
        return original(self, pages)

    monkeypatch.setattr(Predictor, "classify_pages", fragile)
    summary = predict_files(model_dir, [jsonl], tmp_path / "o.jsonl", jobs=1, on_error="skip")
    assert summary.written == 12 and len(summary.skipped) == 3
    assert all("prediction failed: RuntimeError: boom" in s.reason for s in summary.skipped)
    with pytest.raises(InputError, match="in.jsonl:5: prediction failed"):
        predict_files(model_dir, [jsonl], tmp_path / "o2.jsonl", jobs=1)


def test_prediction_records_round_and_flag() -> None:
    rows = prediction_records(["x", "y"], np.array([[0.2, 0.8], [0.55, 0.45]]), ["a", "b"], 0.6)
    assert rows[0] == {"id": "x", "label": "b", "score": 0.8, "scores": {"a": 0.2, "b": 0.8}, "uncertain": False}
    assert rows[1]["label"] == "a" and rows[1]["uncertain"] is True


def test_cli_reads_stdin_writes_stdout_and_stays_light(model_dir: Path, jsonl: Path) -> None:
    """End to end through the console script: - in, - out, summary on stderr, no torch/datasets imported."""
    probe = textwrap.dedent("""
        import sys, atexit
        atexit.register(lambda: sys.stderr.write("HEAVY " + " ".join(
            m for m in ("torch", "transformers", "datasets", "evaluate") if m in sys.modules) + "\\n"))
        from classify.cli import app
        sys.argv = ["classify"] + sys.argv[1:]
        app()
    """)
    done = subprocess.run([sys.executable, "-c", probe, "predict", "--model", str(model_dir), "-", "--jobs", "1"],
                          check=False, input=jsonl.read_text(encoding="utf-8"), capture_output=True, text=True, cwd=ROOT,
                          timeout=180)
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["id"] for r in rows] == [f"r{i:02d}" for i in range(15)]
    assert "Predicted 15 records" in done.stderr
    heavy = [line for line in done.stderr.splitlines() if line.startswith("HEAVY")]
    assert heavy == ["HEAVY "], heavy  # nothing heavy was imported for a TF-IDF model
    assert "\x1b[" not in done.stderr  # no progress bar when not on a terminal


def test_cli_help_is_useful() -> None:
    from classify.cli import app

    runner = CliRunner()
    out = runner.invoke(app, ["--help"]).output
    for command in ("train", "evaluate", "predict", "compare"):
        assert command in out
    out = runner.invoke(app, ["predict", "--help"]).output
    assert "--threshold" in out and "--on-error" in out and "stdin" in out


def test_reject_labels_become_uncertain_not_output(tmp_path: Path) -> None:
    """A model that learned `other_social` as a reject class reports five labels and flags those pages."""
    extra = [("Kadın konukevinde şiddet mağduru kadınlara psikolojik destek veriliyor.", "other_social"),
             ("Şiddet önleme merkezi ŞÖNİM kadınlara hukuki destek sağladı.", "other_social")]
    texts = [t for t, _ in TRAIN + extra]
    labels = [y for _, y in TRAIN + extra]
    clf = TfidfClassifier(TfidfConfig(min_df=1), seed=0).fit(texts, labels)
    clf.info.extra["reject_labels"] = ["other_social"]
    model_dir = clf.save(tmp_path / "m")
    path = tmp_path / "in.jsonl"
    pages = ["Kadın konukevinde kalan şiddet mağduru kadınlara ŞÖNİM destek verdi.", PAGES[3]]
    path.write_text("".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n"
                            for i, t in enumerate(pages)), encoding="utf-8")
    predict_files(model_dir, [path], tmp_path / "o.jsonl", jobs=1, threshold=0.0)
    rows = _read_jsonl(tmp_path / "o.jsonl")
    assert all(set(r["scores"]) == {"child_services", "disability_care", "family_year", "party_politics",
                                    "unrelated"} for r in rows)
    assert sum(rows[0]["scores"].values()) == pytest.approx(1.0, abs=1e-5)
    assert rows[0]["uncertain"] is True  # most like other_social: flagged even with threshold 0
    assert rows[1]["uncertain"] is False and rows[1]["label"] == "party_politics"
    # other stages (e.g. classify summarize) read plain probabilities over the five output labels
    from classify.models import load_model

    proba = Predictor(load_model(model_dir)).predict_pages([(t, None, None) for t in pages])
    assert proba.shape == (2, 5)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
