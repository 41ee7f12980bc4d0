"""Tests for classify.models.transformer: a tiny BERT fine-tuned offline on the five seed articles.

The tiny model (WordPiece vocabulary trained on the seeds, hidden 32, 2 layers) is trained once per module;
every test reuses the saved directory. Nothing touches the Hugging Face Hub (conftest sets HF_HUB_OFFLINE).
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError

pytest.importorskip("torch")
pytest.importorskip("transformers")

from classify.models import load_model
from classify.models.base import ModelInfo
from classify.models.transformer import (
    BackendUnavailableError,
    FastPathDisagreesError,
    ModelNotAvailableError,
    TransformerClassifier,
    TransformerConfig,
    aggregate_logits,
    check_fast_path,
    close_calls,
    compare_predictions,
    cpu_bf16_supported,
    export_onnx,
    split_windows,
)

ROOT = Path(__file__).resolve().parents[1]

#: Primary labels of the five seed pages (read from their content, see the corpus guidelines).
SEED_LABELS = {
    "000_5d7abf124fa395bf": "family_year",  # monthly meeting centred on the Aile Yılı programme
    "001_5ed527992e4e52b2": "child_services",  # Çocuk İlk Kabul ve Değerlendirme Birimi
    "002_a15e888e3a1cd478": "other_social",  # Sosyal Hizmet Merkezleri' general work
    "003_58e9cd0e09e78c8b": "other_social",  # ministry-wide report on cooperation with social partners
    "004_3a93c37a198977af": "party_politics",  # AK Parti Sosyal Politikalar Başkanlığı meeting
}

TINY = {
    "scratch": {"vocab_size": 2000, "min_frequency": 1, "hidden_size": 32, "num_layers": 2, "num_heads": 2,
                "intermediate_size": 64, "dropout": 0.0},
    "max_length": 128,
    "stride": 32,
    "learning_rate": 5e-3,
    "epochs": 1,
    "batch_size": 4,
    "warmup_ratio": 0.0,
}


#: A few one-line Turkish news items per label (written for these tests) to go with the seeds.
SHORT_NEWS = [
    ("child_services", "Koruyucu aile olmak isteyenlere il müdürlüğünde bilgilendirme toplantısı yapıldı."),
    ("child_services", "Çocuk Evleri Sitesinde kalan çocuklar için karne şenliği düzenlendi."),
    ("family_year", "Aile Yılı kapsamında evlilik öncesi eğitim programına çiftler katıldı."),
    ("family_year", "Aile ve Nüfus On Yılı eylem planı Ankara'da tanıtıldı."),
    ("disability_care", "Evde bakım maaşı ödemeleri engelli vatandaşların hesaplarına yatırıldı."),
    ("disability_care", "Huzurevinde kalan yaşlılar için bayram programı düzenlendi."),
    ("party_politics", "CHP milletvekili bakanlığın sosyal yardım politikasını soru önergesiyle eleştirdi."),
    ("party_politics", "İYİ Parti il başkanlığı kadın kolları kongresini yaptı."),
    ("unrelated", "Galatasaray deplasmanda son dakika golüyle kazandı."),
    ("unrelated", "Aile hekimi randevu sistemi yeni yılda değişiyor."),
    ("unrelated", "Hafta sonu hava sıcaklıkları mevsim normallerinin üzerinde seyredecek."),
]


def _first_paragraph(text: str) -> str:
    """A short piece of an article that fits one 128-token window (so plain truncation reads all of it)."""
    para = next(p for p in text.split("\n") if len(p.split()) > 8)
    return " ".join(para.split()[:40])


@pytest.fixture(scope="module", autouse=True)
def cpu_only():
    """These tests compare probabilities exactly (fresh process, ONNX, refinement), which holds for fp32 on
    one device. On a machine with a GPU, training and inference would run there in bf16: pin them to the
    CPU here; tests/test_gpu.py covers the GPU path."""
    import torch

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(torch.cuda, "is_available", lambda: False)
        yield


@pytest.fixture(scope="module", autouse=True)
def _one_thread(one_torch_thread):
    """Tiny models run fastest on one thread (see conftest.one_torch_thread)."""


@pytest.fixture(scope="module")
def seeds(seed_texts: dict[str, str]) -> tuple[list[str], list[str]]:
    names = sorted(SEED_LABELS)
    return [seed_texts[n] for n in names], [SEED_LABELS[n] for n in names]


@pytest.fixture(scope="module")
def trained(seeds: tuple[list[str], list[str]], tmp_path_factory: pytest.TempPathFactory):
    """One short epoch of fine-tuning on the seeds (validated on them too), saved to a directory."""
    texts, labels = seeds
    clf = TransformerClassifier.from_config(TINY, seed=7)
    clf.fit(texts, labels, eval_texts=texts, eval_labels=labels)
    model_dir = clf.save(tmp_path_factory.mktemp("tiny") / "model")
    return clf, model_dir


# -- long texts -------------------------------------------------------------------------------------


def test_chunk_windows_cover_every_token_with_the_configured_overlap() -> None:
    ids = list(range(3000))
    windows = split_windows(ids, 126, long_text="chunk", stride=32)
    assert all(len(w) == 126 for w in windows)  # the last window is aligned to the end, so it is full
    assert windows[0][0] == 0 and windows[-1][-1] == 2999
    assert sorted(set().union(*map(set, windows))) == ids
    for a, b in itertools.pairwise(windows[:-1]):  # the last window is aligned to the end instead
        assert a[-32:] == b[:32]  # consecutive windows share exactly `stride` tokens


def test_head_tail_and_head_keep_one_window() -> None:
    ids = list(range(1000))
    (head_tail,) = split_windows(ids, 510, long_text="head_tail", head_tokens=128)
    assert head_tail == list(range(128)) + list(range(1000 - 382, 1000))
    assert split_windows(ids, 510, long_text="head") == [list(range(510))]
    assert split_windows([5, 6], 510, long_text="chunk", stride=100) == [[5, 6]]
    assert split_windows([], 510) == [[]]


def test_aggregate_logits_mean_and_max_per_article() -> None:
    logits = np.array([[1.0, 0.0], [3.0, -2.0], [0.5, 0.5]])
    doc = np.array([0, 0, 1])
    assert aggregate_logits(logits, doc, 2, "mean").tolist() == [[2.0, -1.0], [0.5, 0.5]]
    assert aggregate_logits(logits, doc, 2, "max").tolist() == [[3.0, 0.0], [0.5, 0.5]]
    with pytest.raises(ValueError, match="aggregation"):
        aggregate_logits(logits, doc, 2, "median")


def test_a_3000_token_article_is_read_whole_when_chunking(trained, seeds) -> None:
    clf, model_dir = trained
    texts, _ = seeds
    body = "\n".join(texts)
    tokenizer = clf.tokenizer
    while len(tokenizer(body, add_special_tokens=False, verbose=False)["input_ids"]) < 3000:
        body += "\n" + "\n".join(texts)
    ending = "\nAK Parti il başkanlığı kongresinde sosyal politikalar başkanı yeniden seçildi."
    article = body + ending
    n_tokens = len(tokenizer(article, add_special_tokens=False, verbose=False)["input_ids"])
    assert n_tokens >= 3000

    chunked = TransformerClassifier.load(model_dir)
    assert chunked.config.long_text == "chunk"
    windows, _ = chunked._window_encoder().encode([article])
    content = [w[1:-1] for w in windows]  # drop [CLS] ... [SEP]
    all_ids = tokenizer(article, add_special_tokens=False, verbose=False)["input_ids"]
    assert content[0] == all_ids[:126] and content[-1] == all_ids[-126:]
    assert chunked.count_windows([article]) == [len(windows)] and len(windows) >= 3000 // 126
    # Every token is seen: changing only the last sentence moves the chunked prediction (mean aggregation,
    # so that any window's change shows; with max it shows only where that window holds a class maximum) ...
    changed = body + "\nÇocuk Evleri Sitesi'nde koruyucu aile olmak isteyenlere eğitim verildi."
    chunked.config = chunked.config.model_copy(update={"aggregate": "mean"})
    p = chunked.predict_proba([article, changed])
    assert np.abs(p[0] - p[1]).max() > 0
    # ... whereas head truncation never sees the ending.
    head = TransformerClassifier.load(model_dir).with_backend("torch")
    head.config = head.config.model_copy(update={"long_text": "head"})
    q = head.predict_proba([article, changed])
    np.testing.assert_array_equal(q[0], q[1])


# -- training, saving, reloading --------------------------------------------------------------------


def test_saved_directory_is_plain_transformers_plus_classify_json(trained, seeds) -> None:
    clf, model_dir = trained
    names = {p.name for p in model_dir.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "classify.json"} <= names
    assert not any(n.endswith((".bin", ".pt", ".pkl")) for n in names)
    config = json.loads((model_dir / "config.json").read_text())
    assert config["id2label"] == {str(i): name for i, name in enumerate(sorted(set(seeds[1])))}
    info = ModelInfo.read(model_dir)
    assert info.kind == "transformer" and info.labels == clf.labels
    assert info.config["model"]["scratch"]["hidden_size"] == 32 and info.config["model"]["name"] is None
    training = info.extra["training"]
    assert training["precision"] == "fp32" and training["device"] == "cpu"  # no mixed precision without a GPU
    assert training["train_windows"] > len(seeds[0])  # long seeds were chunked for training too
    assert training["history"][-1]["eval_macro_f1"] == training["best_eval_macro_f1"]
    assert all(row["train_seconds"] > 0 for row in training["history"])  # wall time of each epoch
    assert training["train_runtime_seconds"] >= sum(row["train_seconds"] for row in training["history"]) * 0.5
    assert {"torch", "transformers", "tokenizers"} <= set(info.versions)


def test_fresh_process_plain_transformers_and_classify_predict_give_identical_probabilities(
        trained, seeds, tmp_path: Path) -> None:
    """Saved once; reloaded in a fresh process by bare transformers APIs, then by `classify predict`."""
    from classify.predict import Predictor

    clf, model_dir = trained
    pages = [{"id": f"seed{i}", "text": _first_paragraph(t)} for i, t in enumerate(seeds[0])]
    records = tmp_path / "pages.jsonl"
    records.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in pages), encoding="utf-8")
    # what the model reads for each page (chrome stripped, headline + body), as `classify predict` builds it
    model_inputs = Predictor(clf).inputs([(p["text"], None, None) for p in pages])
    assert clf.count_windows(model_inputs) == [1] * len(pages)  # one window: truncation reads it all too
    expected = clf.predict_proba(model_inputs)
    assert not np.allclose(expected, expected[0])  # the pages really get different probabilities

    inputs = tmp_path / "model_inputs.json"
    inputs.write_text(json.dumps(model_inputs, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "predictions.jsonl"
    script = textwrap.dedent(f"""
        import json, sys, torch
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        model = AutoModelForSequenceClassification.from_pretrained({str(model_dir)!r}).eval()
        tok = AutoTokenizer.from_pretrained({str(model_dir)!r})
        texts = json.load(open({str(inputs)!r}, encoding="utf-8"))
        with torch.no_grad():
            enc = tok(texts, padding=True, truncation=True, max_length=128, return_tensors="pt")
            probs = model(**enc).logits.softmax(-1).tolist()
        labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
        json.dump({{"labels": labels, "probs": probs}}, sys.stdout)
        # now the command line, in this same fresh process (classify was not imported until here)
        from classify.cli import app
        app(["predict", "--model", {str(model_dir)!r}, {str(records)!r}, "--output", {str(out)!r},
             "--jobs", "1"], standalone_mode=False)
    """)
    run = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, text=True, timeout=180,
                         env={**os.environ, "HF_HUB_OFFLINE": "1", "CUDA_VISIBLE_DEVICES": ""})
    assert run.returncode == 0, run.stderr
    plain = json.loads(run.stdout)
    assert plain["labels"] == clf.labels
    np.testing.assert_allclose(np.array(plain["probs"]), expected, atol=1e-5)

    predicted = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["id"] for r in predicted] == [p["id"] for p in pages]
    cli = np.array([[r["scores"][name] for name in clf.labels] for r in predicted])
    np.testing.assert_allclose(cli, expected, atol=1e-6)  # the CLI rounds to 6 decimals
    np.testing.assert_allclose(np.array(plain["probs"]), cli, atol=1e-5)

    reloaded = load_model(model_dir)  # the registry dispatches on classify.json's kind
    assert isinstance(reloaded, TransformerClassifier)
    np.testing.assert_allclose(reloaded.predict_proba(model_inputs), expected, atol=1e-6)


def test_classify_train_evaluate_compare_with_the_tiny_config(seed_texts, tmp_path: Path) -> None:
    """`classify train/evaluate/compare` run unchanged with configs/bert-tiny.yaml (shrunk by overrides)."""
    from typer.testing import CliRunner

    from classify.cli import app

    rows = [{"id": name, "text": seed_texts[name], "label": label} for name, label in SEED_LABELS.items()]
    rows += [{"id": f"s{i}", "text": text, "label": label} for i, (label, text) in enumerate(SHORT_NEWS)]
    data = tmp_path / "labelled.jsonl"
    data.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    runner = CliRunner()
    shrink = ["--model.epochs", "1", "--model.scratch.hidden_size", "32", "--model.scratch.intermediate_size",
              "64", "--model.scratch.vocab_size", "1500", "--model.scratch.min_frequency", "1"]
    reports = []
    for name, config in (("bert-tiny", "bert-tiny.yaml"), ("tfidf", "tfidf.yaml")):
        extra = shrink if name == "bert-tiny" else ["--model.min_df", "1"]
        result = runner.invoke(app, ["train", "--config", str(ROOT / "configs" / config), "--data", str(data),
                                     "--output", str(tmp_path / name), "--no-progress", *extra])
        assert result.exit_code == 0, result.output
        report = tmp_path / f"report-{name}"
        result = runner.invoke(app, ["evaluate", "--model", str(tmp_path / name), "--data", str(data),
                                     "--report", str(report), "--no-progress"])
        assert result.exit_code == 0, result.output
        assert json.loads((report / "metrics.json").read_text())
        reports.append(str(report))
    info = ModelInfo.read(tmp_path / "bert-tiny")
    assert info.kind == "transformer" and info.config["model"]["scratch"]["hidden_size"] == 32
    assert info.config["data"]["view"] == "body"  # the whole training config travels with the model
    result = runner.invoke(app, ["compare", *reports, "--output", str(tmp_path / "comparison.md")])
    assert result.exit_code == 0, result.output
    assert "bert-tiny" in result.output and "tfidf" in result.output


def test_predict_drives_a_gpu_from_one_process(trained, seeds, tmp_path: Path, monkeypatch) -> None:
    """Forked workers each re-initialising CUDA would fail or copy the model per worker: on a GPU the
    default is one process (on a CPU, one worker per core)."""
    from classify.predict import predict_files

    _, model_dir = trained
    inputs = tmp_path / "in.jsonl"
    inputs.write_text("".join(json.dumps({"id": str(i), "text": t}, ensure_ascii=False) + "\n"
                              for i, t in enumerate(seeds[0] * 2)), encoding="utf-8")
    model = load_model(model_dir)
    monkeypatch.setattr("classify.predict._default_jobs", lambda: 2)
    monkeypatch.setattr(TransformerClassifier, "uses_accelerator", property(lambda self: True))
    gpu = predict_files(model, [inputs], tmp_path / "gpu.jsonl", batch_size=2, progress=False)
    monkeypatch.setattr(TransformerClassifier, "uses_accelerator", property(lambda self: False))
    cpu = predict_files(model, [inputs], tmp_path / "cpu.jsonl", batch_size=2, progress=False)
    assert (gpu.jobs, cpu.jobs) == (1, 2)
    assert (tmp_path / "gpu.jsonl").read_text() == (tmp_path / "cpu.jsonl").read_text()


def test_shipped_configs_validate() -> None:
    from classify.config import load_config

    bert = load_config(ROOT / "configs" / "bert.yaml")
    assert bert.model.name == "dbmdz/bert-base-turkish-cased" and bert.model.scratch is None
    assert bert.model.max_length == 512 and bert.model.long_text == "chunk"
    tiny = load_config(ROOT / "configs" / "bert-tiny.yaml")
    assert tiny.model.name is None and tiny.model.scratch is not None
    assert tiny.model.long_text == bert.model.long_text and tiny.model.aggregate == bert.model.aggregate


def test_load_refuses_labels_that_do_not_match_the_weights(trained, tmp_path: Path) -> None:
    _, model_dir = trained
    target = tmp_path / "model"
    shutil.copytree(model_dir, target)
    info = json.loads((target / "classify.json").read_text(encoding="utf-8"))
    info["labels"] = list(reversed(info["labels"]))
    (target / "classify.json").write_text(json.dumps(info), encoding="utf-8")
    with pytest.raises(ValueError, match="do not match config.json's id2label"):
        TransformerClassifier.load(target)


def test_fine_tune_from_a_local_directory_with_a_new_label_set(trained, seeds) -> None:
    """model.name may be a local directory (here the saved tiny model): the pretrained path, offline."""
    _, model_dir = trained
    texts, _ = seeds
    short = [_first_paragraph(t) for t in texts]
    new_labels = ["about_children", "other", "other", "other", "about_parties"]
    cfg = {k: v for k, v in TINY.items() if k != "scratch"} | {"name": str(model_dir)}
    clf = TransformerClassifier(cfg, seed=5).fit(short, new_labels)
    assert clf.labels == ["about_children", "about_parties", "other"]
    assert clf.model.config.id2label == {0: "about_children", 1: "about_parties", 2: "other"}
    assert clf.predict_proba(short).shape == (5, 3)


def test_early_stopping_on_validation_macro_f1(seeds) -> None:
    texts, labels = seeds
    short = [_first_paragraph(t) for t in texts]
    cfg = {**TINY, "learning_rate": 1e-9, "epochs": 4, "early_stopping_patience": 1}
    clf = TransformerClassifier(cfg, seed=3).fit(short, labels, eval_texts=short, eval_labels=labels)
    training = clf.info.extra["training"]
    # macro-F1 cannot move at this learning rate: epoch 2 brings no improvement, so training stops there
    assert training["epochs_run"] == 2.0
    assert [round(h["epoch"]) for h in training["history"]] == [1, 2]


def test_validation_labels_unseen_in_training_are_left_out(seeds) -> None:
    texts, labels = seeds
    short = [_first_paragraph(t) for t in texts]
    clf = TransformerClassifier({**TINY, "epochs": 1}).fit(
        short, labels, eval_texts=short[:2] + ["Huzurevinde yaşlılara bayram ziyareti yapıldı."],
        eval_labels=labels[:2] + ["disability_care"])
    training = clf.info.extra["training"]
    assert training["eval_articles"] == 2 and training["eval_dropped_labels"] == {"disability_care": 1}
    assert "disability_care" not in clf.labels


# -- fast CPU inference -----------------------------------------------------------------------------


def test_onnx_int8_export_agrees_and_becomes_the_default(trained, seeds, tmp_path: Path) -> None:
    clf, model_dir = trained
    target = tmp_path / "model"
    shutil.copytree(model_dir, target)
    texts = seeds[0] + [_first_paragraph(t) for t in seeds[0]]
    report = export_onnx(target, texts)
    assert report["backend"] == "onnx-int8" and report["argmax_agreement"] == 1.0
    assert report["max_abs_prob_diff"] < 0.02
    assert (target / "onnx" / "model_int8.onnx").is_file() and (target / "onnx" / "model.onnx").is_file()
    fast = load_model(target)
    assert fast.config.backend == "onnx-int8" and fast.model is None  # ONNX Runtime only, no torch weights
    np.testing.assert_allclose(fast.predict_proba(texts), clf.predict_proba(texts), atol=0.02)
    fp32 = TransformerClassifier.load(target, backend="onnx")
    np.testing.assert_allclose(fp32.predict_proba(texts), clf.predict_proba(texts), atol=1e-5)
    # re-saving a loaded fast model keeps its exports
    resaved = fast.save(tmp_path / "resaved")
    assert (resaved / "onnx" / "model_int8.onnx").is_file()


def test_export_refuses_a_fast_path_that_disagrees(trained, seeds, tmp_path: Path) -> None:
    _, model_dir = trained
    target = tmp_path / "model"
    shutil.copytree(model_dir, target)
    before = sorted(p.name for p in target.iterdir())
    with pytest.raises(FastPathDisagreesError, match="left unchanged"):
        export_onnx(target, seeds[0], min_agreement=1.01)  # an impossible bar
    assert sorted(p.name for p in target.iterdir()) == before


def test_torch_int8_backend_agrees(trained, seeds) -> None:
    clf, model_dir = trained
    fast = TransformerClassifier.load(model_dir, backend="torch-int8")
    report = compare_predictions(clf.predict_proba(seeds[0]), fast.predict_proba(seeds[0]))
    assert report["argmax_agreement"] == 1.0 and report["max_abs_prob_diff"] < 0.02


needs_bf16 = pytest.mark.skipif(
    not cpu_bf16_supported(), reason="this CPU has no native bfloat16 (AVX512-BF16/AMX or Arm BF16): torch-bf16 "
                                     "is refused here")


def _texts(seeds) -> list[str]:
    """Long seed articles (several windows each) and one-window first paragraphs."""
    return seeds[0] + [_first_paragraph(t) for t in seeds[0]]


@needs_bf16
def test_torch_bf16_backend_agrees_with_fp32_and_keeps_the_head_in_fp32(trained, seeds) -> None:
    _, model_dir = trained
    texts = _texts(seeds)
    fp32 = TransformerClassifier.load(model_dir, backend="torch").predict_proba(texts)
    fast = TransformerClassifier.load(model_dir, backend="torch-bf16")
    dtypes: dict[str, object] = {}

    def seen(name: str):  # type: ignore[no-untyped-def]
        def hook(_module, _args, out) -> None:  # type: ignore[no-untyped-def]
            dtypes[name] = out.dtype
        return hook

    hooks = [fast.model.classifier.register_forward_hook(seen("head")),
             fast.model.bert.encoder.layer[0].intermediate.dense.register_forward_hook(seen("ffn"))]
    try:
        proba = fast.predict_proba(texts)
    finally:
        for h in hooks:
            h.remove()
    import torch

    assert dtypes == {"head": torch.float32, "ffn": torch.bfloat16}  # bf16 body, fp32 logits
    report = compare_predictions(fp32, proba)
    assert report["argmax_agreement"] == 1.0 and 0 < report["max_abs_prob_diff"] < 0.02
    assert fast.last_refined == (0, len(texts))  # refine_margin defaults to 0: off
    # after the bf16 pass the plain model is untouched: fp32 again gives exactly the fp32 probabilities
    np.testing.assert_array_equal(fast.with_backend("torch").predict_proba(texts), fp32)


def test_torch_bf16_is_refused_without_native_bf16(trained, seeds, monkeypatch) -> None:
    import torch

    _, model_dir = trained
    monkeypatch.setattr("classify.models.transformer.cpu_bf16_supported", lambda: False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(BackendUnavailableError, match="native bfloat16.*'onnx-int8'"):
        TransformerClassifier.load(model_dir, backend="torch-bf16")
    # a recorded torch-bf16 default loads (so it can be overridden) but refuses to predict
    clf = TransformerClassifier.load(model_dir)
    clf.config = clf.config.model_copy(update={"backend": "torch-bf16"})
    with pytest.raises(BackendUnavailableError, match="onnx-int8"):
        clf.predict_proba(seeds[0][:1])
    assert clf.with_backend("torch").predict_proba(seeds[0][:1]).shape == (1, len(clf.labels))
    with pytest.raises(BackendUnavailableError):
        check_fast_path(model_dir, seeds[0], backend="torch-bf16")


def test_cpu_bf16_check_wants_bf16_instructions_not_just_avx512(monkeypatch) -> None:
    """oneDNN's own check is true on any AVX-512 CPU (bf16 emulated, slower than fp32): not enough on x86."""
    import platform

    import torch

    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: True, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False, raising=False)
    monkeypatch.setattr(torch.cpu, "_is_amx_tile_supported", lambda: False, raising=False)
    assert cpu_bf16_supported() is False
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True, raising=False)
    assert cpu_bf16_supported() is True
    monkeypatch.setattr(torch.ops.mkldnn, "_is_mkldnn_bf16_supported", lambda: False, raising=False)
    assert cpu_bf16_supported() is False


def test_close_calls_are_rows_with_a_small_top_two_margin() -> None:
    proba = np.array([[0.5, 0.49, 0.01], [0.9, 0.05, 0.05], [0.2, 0.4, 0.4], [0.34, 0.33, 0.33]])
    assert close_calls(proba, 0.02).tolist() == [0, 2, 3]
    assert close_calls(proba, 0.0).tolist() == []
    assert close_calls(proba, 0.999).tolist() == [0, 1, 2, 3]


def test_refinement_recomputes_close_calls_with_fp32(trained, seeds) -> None:
    _, model_dir = trained
    texts = _texts(seeds)
    fp32 = TransformerClassifier.load(model_dir, backend="torch").predict_proba(texts)
    plain = TransformerClassifier.load(model_dir, backend="torch-int8")
    fast = plain.predict_proba(texts)
    assert plain.last_refined == (0, len(texts)) and plain.refine_stats["refined"] == 0
    assert not np.array_equal(fast, fp32)  # int8 really differs from fp32 ...

    every = TransformerClassifier.load(model_dir, backend="torch-int8", refine_margin=0.999)
    np.testing.assert_array_equal(every.predict_proba(texts), fp32)  # ... and refinement gives fp32 exactly
    windows = sum(every.count_windows(texts))
    assert every.last_refined == (len(texts), len(texts))
    assert every.refine_stats == {"articles": len(texts), "refined": len(texts), "windows": windows,
                                  "refined_windows": windows}

    # a margin between the articles' margins: exactly the closer calls are redone
    top2 = np.sort(fast, axis=1)[:, -2:]
    margins = top2[:, 1] - top2[:, 0]
    cut = float(np.sort(margins)[len(margins) // 2])
    some = TransformerClassifier.load(model_dir, backend="torch-int8", refine_margin=cut)
    proba = some.predict_proba(texts)
    close = margins < cut
    assert 0 < close.sum() < len(texts) and some.last_refined == (int(close.sum()), len(texts))
    np.testing.assert_allclose(proba[close], fp32[close], atol=1e-6)  # fp32, batched differently
    np.testing.assert_array_equal(proba[~close], fast[~close])  # the rest keep the fast path's values
    assert some.refine_stats["refined"] == int(close.sum())
    some.predict_proba(texts[:2])
    assert some.refine_stats["articles"] == len(texts) + 2  # counts add up over calls

    # refinement only concerns fast backends: plain torch never refines
    torch_clf = TransformerClassifier.load(model_dir, backend="torch", refine_margin=0.999)
    np.testing.assert_array_equal(torch_clf.predict_proba(texts), fp32)
    assert torch_clf.last_refined == (0, len(texts))


def test_refinement_after_onnx_export_loads_fp32_weights_only_when_needed(trained, seeds, tmp_path: Path) -> None:
    _, model_dir = trained
    target = tmp_path / "model"
    shutil.copytree(model_dir, target)
    texts = _texts(seeds)
    report = export_onnx(target, texts, refine_margin=0.999)
    assert report["backend"] == "onnx-int8" and report["refined"] == len(texts)
    assert report["refined_share"] == 1.0 and report["max_abs_prob_diff"] < 1e-5
    assert ModelInfo.read(target).config["model"]["refine_margin"] == 0.999
    fp32 = TransformerClassifier.load(target, backend="torch").predict_proba(texts)

    quiet = TransformerClassifier.load(target, refine_margin=1e-12)  # the recorded backend: onnx-int8
    assert quiet.config.backend == "onnx-int8"
    quiet.predict_proba(texts)
    assert quiet.model is None and quiet.last_refined == (0, len(texts))  # no close call: torch never loaded

    fast = TransformerClassifier.load(target)
    assert fast.config.refine_margin == 0.999 and fast.model is None
    np.testing.assert_allclose(fast.predict_proba(texts), fp32, atol=1e-6)
    assert fast.model is not None and fast.last_refined == (len(texts), len(texts))


def test_check_fast_path_with_refinement_records_the_report(trained, seeds, tmp_path: Path) -> None:
    _, model_dir = trained
    target = tmp_path / "model"
    shutil.copytree(model_dir, target)
    texts = _texts(seeds)
    report = check_fast_path(target, texts, backend="torch-int8", refine_margin=0.999)
    assert report["argmax_agreement"] == 1.0 and report["max_abs_prob_diff"] == 0.0  # all refined: fp32
    assert report["refined"] == len(texts) and report["unrefined_argmax_agreement"] <= 1.0
    info = ModelInfo.read(target)
    assert info.extra["fast_path"] == report and "onnx" not in info.extra
    assert info.config["model"]["backend"] == "torch-int8" and info.config["model"]["refine_margin"] == 0.999
    assert not (target / "onnx").exists()  # a torch backend writes no files
    loaded = load_model(target)
    assert loaded.config.backend == "torch-int8" and loaded.config.refine_margin == 0.999

    kept = tmp_path / "kept"
    shutil.copytree(model_dir, kept)
    check_fast_path(kept, texts, backend="torch-int8", make_default=False)
    info = ModelInfo.read(kept)
    assert info.config["model"]["backend"] == "torch" and info.extra["fast_path"]["backend"] == "torch-int8"


def test_onnx_backend_without_export_says_how_to_create_it(trained, seeds) -> None:
    _, model_dir = trained
    with pytest.raises(FileNotFoundError, match="export_onnx"):
        TransformerClassifier.load(model_dir, backend="onnx-int8").predict_proba(seeds[0][:1])


# -- configuration and errors -----------------------------------------------------------------------


def test_config_errors_name_the_field() -> None:
    with pytest.raises(ValidationError, match="either model.name .* or model.scratch"):
        TransformerConfig(name="dbmdz/bert-base-turkish-cased", scratch={})
    with pytest.raises(ValidationError, match="stride"):
        TransformerConfig(max_length=128, stride=100)
    with pytest.raises(ValidationError, match="learning_rat"):
        TransformerConfig(learning_rat=1e-5)
    with pytest.raises(ValidationError, match="num_heads"):
        TransformerConfig(scratch={"hidden_size": 30, "num_heads": 4})
    assert TransformerConfig().name == "dbmdz/bert-base-turkish-cased"
    for bad in (-0.01, 1.0, 2.0):
        with pytest.raises(ValidationError, match="refine_margin"):
            TransformerConfig(refine_margin=bad)
    with pytest.raises(ValidationError, match="backend"):
        TransformerConfig(backend="torch-fp16")
    assert TransformerConfig(refine_margin=0.005, backend="torch-bf16").refine_margin == 0.005
    assert TransformerConfig().refine_margin == 0.0


def test_with_backend_validates(trained) -> None:
    _, model_dir = trained
    clf = TransformerClassifier.load(model_dir)
    with pytest.raises(ValidationError, match="refine_margin"):
        clf.with_backend("torch-int8", refine_margin=1.5)
    with pytest.raises(ValidationError, match="backend"):
        clf.with_backend("tensorrt")  # type: ignore[arg-type]
    assert clf.config.backend == "torch"  # unchanged after a refused switch
    assert clf.with_backend("torch-int8", refine_margin=0.01).config.refine_margin == 0.01
    assert clf.with_backend("torch").config.refine_margin == 0.01  # kept when not given


def test_missing_model_offline_gives_an_actionable_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """With HF_HUB_OFFLINE=1 an uncached Hub id fails at once with the three ways to fix it."""
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # huggingface_hub reads the variable at import
    with pytest.raises(ModelNotAvailableError) as caught:
        TransformerClassifier({"name": "classify-tests/no-such-turkish-bert"}).fit(
            ["Koruyucu aile eğitimi verildi.", "Parti kongresi yapıldı."], ["child_services", "party_politics"])
    message = str(caught.value)
    assert "'classify-tests/no-such-turkish-bert' is not in the local Hugging Face cache" in message
    assert "HF_HUB_OFFLINE is set" in message
    assert "connect to the internet and unset HF_HUB_OFFLINE" in message
    assert "hf download classify-tests/no-such-turkish-bert" in message
    assert "point model.name at a local directory" in message


def test_missing_local_directory_is_reported_as_such(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailableError, match="looks like a local path"):
        TransformerClassifier({"name": str(tmp_path / "nowhere")}).fit(["a b", "c d"], ["x", "y"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotAvailableError, match="is a directory but not a loadable model"):
        TransformerClassifier({"name": str(tmp_path / "empty")}).fit(["a b", "c d"], ["x", "y"])


def test_export_onnx_cli_adds_the_fast_path(tmp_path, seeds_dir):
    """`classify export-onnx` on a tiny trained model: agreement checked, backend switched, predict uses it."""
    import json as _json

    from typer.testing import CliRunner

    from classify.cli import app

    runner = CliRunner()
    model_dir = tmp_path / "bert-tiny"
    result = runner.invoke(app, ["train", "--config", str(ROOT / "configs" / "bert-tiny.yaml"), "--data",
                                 str(seeds_dir), "--output", str(model_dir), "--model.epochs", "1"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["export-onnx", "--model", str(model_dir), str(seeds_dir), "--min-agreement", "0.8"])
    assert result.exit_code == 0, result.output
    info = _json.loads((model_dir / "classify.json").read_text(encoding="utf-8"))
    assert (model_dir / "onnx" / "model_int8.onnx").is_file()
    assert _json.dumps(info).count("onnx-int8") >= 1


def test_export_onnx_cli_checks_any_backend_with_refinement(trained, seeds_dir, tmp_path: Path) -> None:
    """`classify export-onnx --backend torch-int8 --refine-margin`: switched when it agrees, untouched when not;
    `classify predict --backend/--refine-margin` override the recorded engine for one run."""
    from typer.testing import CliRunner

    from classify.cli import app

    _, model_dir = trained
    runner = CliRunner()
    target = tmp_path / "model"
    shutil.copytree(model_dir, target)
    result = runner.invoke(app, ["export-onnx", "--model", str(target), str(seeds_dir), "--backend", "torch-int8",
                                 "--refine-margin", "0.999"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["backend"] == "torch-int8" and report["refine_margin"] == 0.999
    assert report["refined_share"] == 1.0 and report["argmax_agreement"] == 1.0
    info = ModelInfo.read(target)
    assert info.config["model"]["backend"] == "torch-int8" and info.config["model"]["refine_margin"] == 0.999
    assert info.extra["fast_path"]["refined"] == report["refined"]

    refused = tmp_path / "refused"
    shutil.copytree(model_dir, refused)
    before = {p.name: p.read_bytes() for p in refused.iterdir() if p.is_file()}
    result = runner.invoke(app, ["export-onnx", "--model", str(refused), str(seeds_dir), "--backend", "torch-int8",
                                 "--min-agreement", "1.01"])
    assert result.exit_code == 1 and "left unchanged" in result.output
    assert {p.name: p.read_bytes() for p in refused.iterdir() if p.is_file()} == before
    result = runner.invoke(app, ["export-onnx", "--model", str(refused), str(seeds_dir), "--backend", "onnx",
                                 "--quantize"])
    assert result.exit_code == 2 and "pass only --backend" in result.output
    assert {p.name: p.read_bytes() for p in refused.iterdir() if p.is_file()} == before

    # predict: the recorded engine (int8 + refine everything = fp32) vs plain int8 for this run only
    outputs = {}
    for name, extra in (("recorded", []), ("int8", ["--refine-margin", "0"]), ("fp32", ["--backend", "torch"])):
        out = tmp_path / f"{name}.jsonl"
        result = runner.invoke(app, ["predict", "--model", str(target), str(seeds_dir), "--output", str(out),
                                     "--jobs", "1", *extra])
        assert result.exit_code == 0, result.output
        outputs[name] = [json.loads(line)["scores"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert outputs["recorded"] == outputs["fp32"] != outputs["int8"]
    assert ModelInfo.read(target).config["model"]["refine_margin"] == 0.999  # overrides are not saved
    result = runner.invoke(app, ["predict", "--model", str(target), str(seeds_dir), "--refine-margin", "1"])
    assert result.exit_code == 2 and "--refine-margin" in result.output
