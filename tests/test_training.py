"""Tests for classify.training and `classify train`: examples from dataset rows, the saved model's facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classify.config import ConfigError, load_config
from classify.models import document_text, load_model
from classify.models.base import ModelInfo
from classify.training import data_fingerprint, row_text, train_model, training_examples

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "configs" / "tfidf.yaml"
SMALL = {"model.min_df": 1, "model.C": 4}

SENTENCES = {
    "child_services": ["Koruyucu aile olmak isteyenlere il müdürlüğünde bilgilendirme yapıldı.",
                       "Çocuk Evleri Sitesindeki çocuklar için karne şenliği düzenlendi.",
                       "Koruma altındaki çocuklara SED desteği artırıldı.",
                       "Koruyucu ailelere yapılan ödemeler yeni yılda yükseltildi.",
                       "Çocuk evlerinde kalan gençlere iş imkânı sağlandı."],
    "family_year": ["Aile Yılı kapsamında evlilik öncesi eğitim programı başladı.",
                    "Aile ve Nüfus On Yılı eylem planı açıklandı.",
                    "Aile Yılı etkinliğinde çiftlere aile eğitim programı anlatıldı.",
                    "Doğum oranlarını artırmak için aile politikası toplantısı yapıldı.",
                    "Evlilik kredisi ve Aile Yılı destekleri tanıtıldı."],
    "disability_care": ["Evde bakım maaşı ödemeleri engelli vatandaşların hesaplarına yattı.",
                        "Huzurevindeki yaşlılar için yeni bakım merkezi açıldı.",
                        "Engelliler Haftasında otizm gündüz bakım merkezi hizmete girdi.",
                        "Yaşlı bakım merkezinde Alzheimer hastalarına destek veriliyor.",
                        "Engelli bireyler için erişilebilir park açıldı."],
    "party_politics": ["CHP milletvekili bakanlığı soru önergesiyle eleştirdi.",
                       "AK Parti kadın kolları il kongresi yapıldı.",
                       "MHP il başkanı parti teşkilatıyla seçim çalışmalarını anlattı.",
                       "İYİ Parti seçim bildirgesini kamuoyuna açıkladı.",
                       "DEM Parti grup toplantısında sosyal politikaları eleştirdi."],
    "unrelated": ["Galatasaray deplasmanda son dakika golüyle kazandı.",
                  "Aile hekimi randevu sistemi yenilendi.",
                  "Hafta sonu hava sıcaklıkları mevsim normallerinin üzerinde olacak.",
                  "Borsa günü yükselişle tamamladı.",
                  "Ünlü şarkıcı yeni albümünü tanıttı."],
}


@pytest.fixture(scope="module")
def raw_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("raw") / "train.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        i = 0
        for label, texts in SENTENCES.items():
            for text in texts:
                fh.write(json.dumps({"id": f"t{i:02d}", "text": text, "label": label}, ensure_ascii=False) + "\n")
                i += 1
    return path


def _row(id: str, label: str | None, chrome: str = "", group: str | None = None) -> dict:
    segments = [{"text": "Başlık satırı", "kind": "boilerplate", "role": "title", "label": "unrelated"},
                {"text": "Gövde metni burada.", "kind": "body", "role": "body", "label": label or ""}]
    if chrome:
        segments.append({"text": chrome, "kind": "boilerplate", "role": "chrome", "label": "unrelated"})
    return {"id": id, "title": "Başlık satırı", "text": "Gövde metni burada.", "label": label,
            "segments": segments, "dup_group": group}


def test_training_examples_add_chrome_and_drop_unknown_labels() -> None:
    config = load_config(CONFIG, {"data.view": "body", "train.chrome_examples": True, "train.chrome_min_chars": 10,
                                  "train.chrome_weight": 0.25})
    rows = [_row("a", "child_services", chrome="Yorum yazın · Paylaş · Diğer haberler"),
            _row("b", "party_politics", group="g1"), _row("c", "other_social")]
    ex = training_examples(rows, config, ["child_services", "party_politics", "unrelated"], "unrelated")
    assert ex.labels == ["child_services", "unrelated", "party_politics"]
    assert ex.weights == [1.0, 0.25, 1.0]
    assert ex.groups == ["a", "a", "g1"]  # a page and its chrome stay in one fold
    assert ex.texts[0] == "Başlık satırı\nGövde metni burada." and ex.texts[1].startswith("Yorum yazın")
    assert ex.dropped == {"other_social": 1} and ex.n_chrome == 1 and ex.n_articles == 2
    off = load_config(CONFIG, {"train.chrome_examples": False})
    assert training_examples(rows, off, ["child_services", "party_politics"], "unrelated").n_chrome == 0


def test_views_of_a_row() -> None:
    row = _row("a", "unrelated", chrome="Paylaş")
    assert row_text(row, "body") == document_text("Başlık satırı", "Gövde metni burada.")
    assert row_text(row, "page") == "Başlık satırı\nGövde metni burada.\nPaylaş"
    assert document_text("Başlık", "Başlık ve gövde") == "Başlık ve gövde"  # no doubled headline
    assert document_text(None, "Gövde") == "Gövde"


def test_fingerprint_depends_on_data_only() -> None:
    a = data_fingerprint(["bir", "iki"], ["x", "y"])
    assert a == data_fingerprint(["bir", "iki"], ["x", "y"]) and a.startswith("sha256:")
    assert a != data_fingerprint(["bir", "iki"], ["y", "x"])
    assert a != data_fingerprint(["bir", "iki"], ["x", "y"], [1.0, 0.5])


def test_train_from_raw_input_saves_model_with_facts(raw_file: Path, tmp_path: Path) -> None:
    result = train_model(CONFIG, [raw_file], tmp_path / "m", overrides=SMALL, seed=5)
    info = ModelInfo.read(tmp_path / "m")
    assert info.kind == "tfidf" and info.labels == sorted(SENTENCES)
    assert info.config["seed"] == 5 and info.config["model"]["C"] == 4
    assert info.data_fingerprint and info.data_fingerprint.startswith("sha256:")
    assert set(info.metrics) <= {"validation", "test"} and info.metrics
    assert info.extra["train_articles"] == result.n_articles > 0
    assert "scikit-learn" in info.versions
    model = load_model(tmp_path / "m")
    assert model.predict(["AK Parti il kongresinde yeni başkan seçildi."]) == ["party_politics"]
    assert "Trained tfidf model on" in result.summary()


def test_cli_train_with_dotted_overrides(raw_file: Path, tmp_path: Path) -> None:
    from classify.cli import app

    runner = CliRunner()
    done = runner.invoke(app, ["train", "--config", str(CONFIG), "--data", str(raw_file), "--output",
                               str(tmp_path / "m"), "--model.min_df", "1", "--model.head", "nb",
                               "--no-progress"])
    assert done.exit_code == 0, done.output
    assert json.loads((tmp_path / "m" / "classify.json").read_text())["config"]["model"]["head"] == "nb"
    done = runner.invoke(app, ["train", "--config", str(CONFIG), "--data", str(raw_file), "--output",
                               str(tmp_path / "m2"), "--model.C", "-3"])
    assert done.exit_code == 2
    assert "model.C: Input should be greater than 0" in done.output
    assert not (tmp_path / "m2").exists()


def test_train_rejects_a_split_that_is_not_there(raw_file: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="data.train_split"):
        train_model(CONFIG, [raw_file], tmp_path / "m", overrides={**SMALL, "data.train_split": "nope"})


def test_reject_labels_must_be_in_the_taxonomy(raw_file: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="train.reject_labels: 'other_social' not in the taxonomy"):
        train_model(CONFIG, [raw_file], tmp_path / "m",
                    overrides={**SMALL, "data.labels": "labels.yaml", "train.reject_labels": ["other_social"]})


def test_cli_trains_and_predicts_with_the_rules_hybrid(raw_file: Path, tmp_path: Path) -> None:
    from classify.cli import app

    runner = CliRunner()
    out = tmp_path / "hybrid"
    done = runner.invoke(app, ["train", "--config", str(CONFIG), "--data",
                               str(raw_file), "--output", str(out), "--model.min_df", "1"])
    assert done.exit_code == 0, done.output
    info = ModelInfo.read(out)
    assert info.config["model"]["rules"] == "labels-extended.yaml" and (out / "rules.yaml").is_file()
    pages = tmp_path / "pages.jsonl"
    new = ["YADES kapsamında yaşlılara destek verilecek, Vefa ekipleri ziyaretlerini sürdürüyor.",
           "Meclis'te CHP grubu bütçe görüşmelerinde sosyal politikaları eleştirdi."]
    pages.write_text("".join(json.dumps({"id": f"n{i}", "text": t}, ensure_ascii=False) + "\n"
                             for i, t in enumerate(new)), encoding="utf-8")
    done = runner.invoke(app, ["predict", "--model", str(out), str(pages), "--output", str(tmp_path / "p.jsonl")])
    assert done.exit_code == 0, done.output
    rows = [json.loads(line) for line in (tmp_path / "p.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["n0", "n1"]
    assert [r["label"] for r in rows] == ["disability_care", "party_politics"]
