"""Tests for classify.pretrain and `classify pretrain`: domain MLM pretraining, offline, on the seed articles.

A tiny BERT is pretrained from scratch on the five seeds once per module (configs/pretrain-tiny.yaml through
the CLI, a few steps); the other tests reuse that directory. Nothing touches the Hugging Face Hub (conftest
sets HF_HUB_OFFLINE).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")

from typer.testing import CliRunner

from classify.cli import app
from classify.models.transformer import ModelNotAvailableError
from classify.pretrain import (
    PRETRAIN_INFO_FILE,
    PretrainConfigError,
    heldout_ids,
    load_pretrain_config,
    pack_blocks,
    pretrain,
)

ROOT = Path(__file__).resolve().parents[1]
TINY = str(ROOT / "configs" / "pretrain-tiny.yaml")


@pytest.fixture(scope="module", autouse=True)
def _one_thread(one_torch_thread):
    """Tiny models run fastest on one thread (see conftest.one_torch_thread)."""


@pytest.fixture(scope="module")
def pretrained(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """`classify pretrain seeds --config configs/pretrain-tiny.yaml`, shortened to two epochs."""
    out = tmp_path_factory.mktemp("pretrain") / "encoder"
    result = CliRunner().invoke(app, ["pretrain", str(seeds_dir), "--config", TINY, "--output", str(out),
                                      "--no-progress", "--model.epochs", "2"])
    assert result.exit_code == 0, result.output
    return out, result.output


# -- end to end -------------------------------------------------------------------------------------


def test_cli_pretrains_the_seeds_into_a_plain_transformers_encoder(pretrained) -> None:
    import torch
    from transformers import AutoModelForMaskedLM, AutoTokenizer

    out, output = pretrained
    assert "Pretrained scratch on 5 of 5 records (skipped 0)" in output
    assert "held-out perplexity" in output and str(out) in output
    assert (out / "model.safetensors").is_file() and not (out / "classify.json").exists()

    info = json.loads((out / PRETRAIN_INFO_FILE).read_text(encoding="utf-8"))
    records = info["records"]
    assert records["read"] == 5 and records["train"] + records["heldout"] == 5 and records["heldout"] >= 1
    assert records["skipped"] == 0 and info["skipped"] == []
    for split in ("heldout", "train"):
        for when in ("before", "after"):
            assert math.isfinite(info["perplexity"][split][when]) and info["perplexity"][split][when] > 1
    assert info["tokens_seen"] > 0 and info["steps"] >= 2 and info["epochs_run"] == 2
    assert info["blocks"]["length"] == 128 and info["input_fingerprint"].startswith("sha256:")
    assert info["config"]["model"]["epochs"] == 2 and info["config"]["model"]["scratch"]["hidden_size"] == 128
    assert {"torch", "transformers"} <= set(info["versions"])
    assert [row["epoch"] for row in info["history"]] == [1.0, 2.0]
    assert all(math.isfinite(row["heldout_perplexity"]) for row in info["history"])

    # plain transformers, no classify: the encoder fills in a [MASK]
    tokenizer = AutoTokenizer.from_pretrained(out)
    model = AutoModelForMaskedLM.from_pretrained(out).eval()
    enc = tokenizer("Aile ve Sosyal Hizmetler İl [MASK] toplantı yaptı.", return_tensors="pt")
    with torch.no_grad():
        logits = model(**enc).logits
    where = (enc["input_ids"][0] == tokenizer.mask_token_id).nonzero()[0, 0]
    assert logits.shape[-1] == len(tokenizer) and torch.isfinite(logits).all()
    predicted = tokenizer.convert_ids_to_tokens(int(logits[0, where].argmax()))
    assert isinstance(predicted, str) and predicted


def test_perplexity_on_the_training_blocks_goes_down(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    """Repeated text is easy to learn: a few epochs must cut the training-block perplexity sharply."""
    text = next(iter(seed_texts.values()))
    data = tmp_path / "repeated.jsonl"
    data.write_text("".join(json.dumps({"id": f"r{i}", "text": text}, ensure_ascii=False) + "\n"
                            for i in range(6)), encoding="utf-8")
    overrides = {"data.dedupe": False, "model.epochs": 8, "model.learning_rate": 3e-3, "model.batch_size": 8,
                 "model.warmup_ratio": 0.0, "model.scratch.hidden_size": 64, "model.scratch.intermediate_size": 128,
                 "model.scratch.min_frequency": 1, "model.scratch.dropout": 0.0}
    result = pretrain([data], tmp_path / "enc", config=TINY, overrides=overrides, progress=False)
    train = result.perplexity["train"]
    assert train["after"] < 0.5 * train["before"], train
    assert result.info["records"]["duplicates"] == 0 and result.info["records"]["read"] == 6


def test_classify_train_fine_tunes_the_pretrained_encoder(pretrained, seeds_dir: Path, tmp_path: Path) -> None:
    """The output is a `--model.name` for `classify train` (bert-tiny.yaml, its scratch section overridden away)."""
    encoder, _ = pretrained
    runner = CliRunner()
    args = ["train", "--config", str(ROOT / "configs" / "bert-tiny.yaml"), "--data", str(seeds_dir),
            "--output", str(tmp_path / "clf"), "--no-progress", "--model.epochs", "1"]
    refused = runner.invoke(app, [*args, "--model.name", str(encoder)])
    assert refused.exit_code == 2 and "--model.scratch null" in refused.output  # says how to fix it
    result = runner.invoke(app, [*args, "--model.scratch", "null", "--model.name", str(encoder)])
    assert result.exit_code == 0, result.output

    clf = json.loads((tmp_path / "clf" / "classify.json").read_text(encoding="utf-8"))
    facts = json.loads((encoder / PRETRAIN_INFO_FILE).read_text(encoding="utf-8"))
    assert clf["config"]["model"]["name"] == str(encoder) and clf["config"]["model"]["scratch"] is None
    source = clf["extra"]["encoder"]
    assert source["source"] == str(encoder)
    assert source["pretrain"]["input_fingerprint"] == facts["input_fingerprint"]
    assert source["pretrain"]["perplexity"] == facts["perplexity"]
    # the classifier reads with the pretrained vocabulary, and tokenizes Turkish the same way
    from transformers import AutoTokenizer

    mine, theirs = AutoTokenizer.from_pretrained(tmp_path / "clf"), AutoTokenizer.from_pretrained(encoder)
    assert mine.get_vocab() == theirs.get_vocab()
    sample = "Şırnak'ta çocuk evleri sitesi ile ilgili İl Müdürlüğü açıklaması"
    assert mine(sample)["input_ids"] == theirs(sample)["input_ids"]


# -- bad input and missing models ------------------------------------------------------------------


def test_bad_input_names_file_and_line_and_skip_counts_it(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    texts = list(seed_texts.values())
    lines = [json.dumps({"id": "a", "text": texts[0]}, ensure_ascii=False), '{"id": "b", "text": "eksik',
             json.dumps({"id": "c", "text": texts[1]}, ensure_ascii=False)]
    (inputs / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (inputs / "empty.txt").write_text("", encoding="utf-8")
    runner = CliRunner()
    base = ["pretrain", str(inputs), "--config", TINY, "--output", str(tmp_path / "enc"), "--no-progress",
            "--model.max_steps", "1"]

    failed = runner.invoke(app, base)
    assert failed.exit_code == 2
    assert "empty.txt: empty file" in failed.output and "Traceback" not in failed.output
    (inputs / "empty.txt").unlink()
    failed = runner.invoke(app, base)
    assert failed.exit_code == 2 and "news.jsonl:2: malformed JSON" in failed.output
    assert not (tmp_path / "enc").exists()

    (inputs / "empty.txt").write_text("", encoding="utf-8")
    errors = tmp_path / "errors.json"
    result = runner.invoke(app, [*base, "--on-error", "skip", "--errors", str(errors)])
    assert result.exit_code == 0, result.output
    assert "on 2 of 2 records (skipped 2)" in result.output
    info = json.loads((tmp_path / "enc" / PRETRAIN_INFO_FILE).read_text(encoding="utf-8"))
    assert info["records"]["skipped"] == 2 and info["config"]["data"]["on_error"] == "skip"
    assert any("news.jsonl:2: malformed JSON" in s for s in info["skipped"])
    report = json.loads(errors.read_text(encoding="utf-8"))
    assert report["read"] == 2 and report["skipped_count"] == 2


def test_missing_model_offline_gives_the_actionable_message(tmp_path: Path, seeds_dir: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from huggingface_hub import constants

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", True)  # huggingface_hub reads the variable at import
    with pytest.raises(ModelNotAvailableError) as caught:
        pretrain([seeds_dir], tmp_path / "enc", overrides={"model.name": "classify-tests/no-such-turkish-bert"})
    message = str(caught.value)
    assert "'classify-tests/no-such-turkish-bert' is not in the local Hugging Face cache" in message
    assert "HF_HUB_OFFLINE is set" in message
    assert "hf download classify-tests/no-such-turkish-bert" in message
    assert "point model.name at a local directory" in message
    assert not (tmp_path / "enc").exists()

    result = CliRunner().invoke(app, ["pretrain", str(seeds_dir), "--output", str(tmp_path / "enc"),
                                      "--model.name", str(tmp_path / "nowhere")])
    assert result.exit_code == 2 and "looks like a local path" in result.output


# -- pieces -----------------------------------------------------------------------------------------


def test_config_errors_name_the_field_and_the_file() -> None:
    with pytest.raises(PretrainConfigError, match=r"pretrain-tiny.yaml: invalid config:\n  model.mlm_probability"):
        load_pretrain_config(TINY, ["--model.mlm_probability", "2"])
    with pytest.raises(PretrainConfigError, match="model.epoch: unknown field"):
        load_pretrain_config(TINY, {"model.epoch": 2})
    with pytest.raises(PretrainConfigError, match="either model.name .* or model.scratch"):
        load_pretrain_config(TINY, {"model.name": "dbmdz/bert-base-turkish-cased"})
    assert load_pretrain_config().model.name == "dbmdz/bert-base-turkish-cased"  # packaged default
    assert load_pretrain_config("pretrain-tiny").model.scratch is not None  # packaged name
    tiny = load_pretrain_config(TINY, {"model.scratch": None, "model.name": "/models/enc"})
    assert tiny.model.name == "/models/enc" and tiny.model.scratch is None


def test_heldout_split_is_a_deterministic_function_of_id_and_seed() -> None:
    ids = [f"news-{i}" for i in range(2000)]
    held = heldout_ids(ids, 0.05, seed=0)
    assert held == heldout_ids(list(reversed(ids)), 0.05, seed=0)  # order does not matter
    assert held <= heldout_ids(ids + [f"more-{i}" for i in range(500)], 0.05, seed=0)  # stable as data grows
    assert 60 < len(held) < 140 and held != heldout_ids(ids, 0.05, seed=1)
    assert len(heldout_ids(ids[:5], 0.05, seed=0)) == 1  # always something to measure ...
    assert heldout_ids(ids[:1], 0.05, seed=0) == set() and heldout_ids(ids, 0.0, seed=0) == set()  # ... if possible


def test_blocks_are_full_cls_sep_windows_over_the_joined_texts(pretrained, seed_texts) -> None:
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(pretrained[0])
    texts = list(seed_texts.values())
    blocks = pack_blocks(tokenizer, texts, 64)
    ids = blocks.input_ids
    n_tokens = sum(len(tokenizer(t, add_special_tokens=False)["input_ids"]) for t in texts)
    content = blocks.attention_mask.sum() - 2 * len(blocks)  # minus [CLS] and [SEP] of each block
    assert content == n_tokens + len(texts) - 1  # every token once, one [SEP] between consecutive texts
    assert (ids[:, 0] == tokenizer.cls_token_id).all() and (ids[:-1, -1] == tokenizer.sep_token_id).all()
    assert blocks.attention_mask[:-1].all()  # only the last block is padded
    assert ((blocks.special_tokens_mask == 1) | (blocks.attention_mask == 1)).all()
