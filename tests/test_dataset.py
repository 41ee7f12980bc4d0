"""classify.dataset and `classify build-dataset`: records, labels, card, splits, errors."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classify.cli import app
from classify.dataset import OUT_OF_TAXONOMY, load_dataset_dir, run_build, write_dataset

runner = CliRunner()


def _all_rows(ds):
    return {row["id"]: (split, row) for split in ds for row in ds[split]}


def test_seeds_build_end_to_end_from_cli(tmp_path, seeds_dir):
    out = tmp_path / "seeds-data"
    result = runner.invoke(app, ["build-dataset", str(seeds_dir), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Wrote 5 records" in result.output
    ds = load_dataset_dir(out)
    rows = _all_rows(ds)
    assert set(rows) == {p.stem for p in seeds_dir.glob("*.txt")}  # ids = file stems, kept exactly
    for split, row in rows.values():
        assert row["label"] and row["label_source"] == "rules"
        assert row["sentences"] and row["text"]
        assert {s["kind"] for s in row["segments"]} <= {"body", "boilerplate"}
        assert json.loads(row["label_scores"])
    # seed 001: the trailing chrome block is boilerplate and not in the clean text
    _, r001 = rows["001_5ed527992e4e52b2"]
    assert "İlginizi Çekebilir" not in r001["text"] and "HABER MERKEZİ" not in r001["text"]
    assert any(s["kind"] == "boilerplate" and "İlginizi" in s["text"] for s in r001["segments"])
    assert all(s["label"] == "unrelated" for s in r001["segments"] if s["kind"] == "boilerplate")
    # seed 000: the date prefix becomes the date field
    assert rows["000_5d7abf124fa395bf"][1]["date"] == "2025-12-14"
    card = (out / "README.md").read_text(encoding="utf-8")
    assert card.startswith("---\n") and "language:" in card and "## Rule report" in card
    report = json.loads((out / "rule_report.json").read_text(encoding="utf-8"))
    assert report


def test_gold_overrides_rules_and_out_of_taxonomy_is_kept(tmp_path, seeds_dir):
    gold = tmp_path / "gold.jsonl"
    gold.write_text(
        json.dumps({"id": "004_3a93c37a198977af", "label": "unrelated"}) + "\n"
        + json.dumps({"id": "002_a15e888e3a1cd478", "label": "other_social"}) + "\n",
        encoding="utf-8",
    )
    build = run_build([seeds_dir], gold=gold)
    rows = _all_rows(build.dataset)
    assert rows["004_3a93c37a198977af"][1]["label"] == "unrelated"
    assert rows["004_3a93c37a198977af"][1]["label_source"] == "gold"
    assert rows["002_a15e888e3a1cd478"][0] == OUT_OF_TAXONOMY  # not dropped, set aside
    assert sum(len(d) for d in build.dataset.values()) == 5
    build.cleanup()


def test_chrome_only_page_is_a_record_labelled_unrelated(tmp_path):
    page = tmp_path / "chrome.jsonl"
    chrome = "\n".join(["Bir yanıt yazın", "E-posta adresiniz yayınlanmayacak. Gerekli alanlar * ile işaretlenmişlerdir",
                        "Paylaş", "İlginizi Çekebilir", "Haberin Devamı"])
    page.write_text(json.dumps({"id": "c1", "text": chrome}, ensure_ascii=False) + "\n", encoding="utf-8")
    build = run_build([page])
    (split, row), = _all_rows(build.dataset).values()
    assert row["label"] == "unrelated" and row["text"] == ""
    build.cleanup()


def _article(n: int) -> str:
    return (f"Aile ve Sosyal Hizmetler İl Müdürlüğü tarafından {n}. kez düzenlenen koruyucu aile bilgilendirme "
            f"toplantısı {n} ailenin katılımıyla gerçekleştirildi. İl Müdürü toplantıda devlet koruması altındaki "
            f"çocukların sevgi dolu bir aile ortamında büyümesinin önemine dikkat çekti. Program soru cevap bölümüyle "
            f"sona erdi ve {n * 3} aile başvuru formu doldurdu.")


def test_near_duplicates_share_a_group_and_a_split(tmp_path):
    path = tmp_path / "news.jsonl"
    with path.open("w", encoding="utf-8") as fh:
        for i in range(30):
            fh.write(json.dumps({"id": f"a{i}", "text": _article(i * 7919)}, ensure_ascii=False) + "\n")
        # a syndicated copy of a0 with a site footer added
        fh.write(json.dumps({"id": "copy-of-a0", "text": _article(0) + "\nBir yanıt yazın"}, ensure_ascii=False) + "\n")
    build = run_build([path], split="0.5,0.25,0.25", seed=3)
    rows = _all_rows(build.dataset)
    assert rows["copy-of-a0"][1]["dup_group"] == rows["a0"][1]["dup_group"]
    assert rows["copy-of-a0"][0] == rows["a0"][0]
    build.cleanup()


def test_same_seed_same_splits(tmp_path, seeds_dir):
    a = {k: v[0] for k, v in _all_rows(run_build([seeds_dir], seed=5).dataset).items()}
    b = {k: v[0] for k, v in _all_rows(run_build([seeds_dir], seed=5).dataset).items()}
    assert a == b


def test_bad_records_fail_by_default_and_are_reported_when_skipped(tmp_path, seed_texts):
    path = tmp_path / "mixed.jsonl"
    good = [json.dumps({"id": k, "text": v}, ensure_ascii=False) for k, v in seed_texts.items()]
    lines = good[:2] + ['{"id": "broken", "text": "Kapanmayan tırnak}'] + good[2:] + [json.dumps({"id": "empty", "text": ""})]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "ds"
    result = runner.invoke(app, ["build-dataset", str(path), "--output", str(out)])
    assert result.exit_code == 2
    assert f"{path}:3:" in result.output and not out.exists()
    result = runner.invoke(app, ["build-dataset", str(path), "--output", str(out), "--on-error", "skip"])
    assert result.exit_code == 0, result.output
    ds = load_dataset_dir(out)
    report = json.loads((out / "build_report.json").read_text(encoding="utf-8"))
    skipped = report["errors"]["skipped"]
    assert sum(len(d) for d in ds.values()) + len(skipped) == len(lines)  # nothing silently lost
    assert {s["line"] for s in skipped} == {3, len(lines)}


def test_write_is_atomic_old_output_survives_a_failed_build(tmp_path, seeds_dir):
    out = tmp_path / "ds"
    write_dataset(run_build([seeds_dir]), out)
    before = sorted(p.name for p in out.iterdir())
    result = runner.invoke(app, ["build-dataset", str(tmp_path / "missing.jsonl"), "--output", str(out)])
    assert result.exit_code != 0
    assert sorted(p.name for p in out.iterdir()) == before


def test_dev_dup_groups_stay_in_one_split(tmp_path, dev_records):
    build = run_build([Path(__file__).resolve().parents[2] / "shared" / "corpus" / "dev.jsonl"],
                      labels=None, seed=0, on_error="skip")
    rows = _all_rows(build.dataset)
    splits_of = defaultdict(set)
    for r in dev_records:
        if r["dup_group"]:
            splits_of[r["dup_group"]].add(rows[r["id"]][0])
    assert splits_of and all(len(s) == 1 for s in splits_of.values())
    assert len(rows) == len(dev_records)
    build.cleanup()


def test_cli_version_and_help():
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == __import__("classify").__version__
    result = runner.invoke(app, [])  # no command: the help, listing every command
    assert "build-dataset" in result.output and "summarize" in result.output and "export-onnx" in result.output
