"""Tests for classify.config: the shipped configs load, errors name the field, overrides work."""

from __future__ import annotations

from pathlib import Path

import pytest

from classify.config import (
    ConfigError,
    TrainingConfig,
    apply_overrides,
    load_config,
    parse_overrides,
    validate_config,
)
from classify.models.tfidf import TfidfConfig

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = sorted(p for p in (ROOT / "configs").glob("tfidf*.yaml"))


def _write(tmp_path: Path, text: str, name: str = "c.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_shipped_tfidf_configs_are_valid(path: Path) -> None:
    config = load_config(path)
    assert isinstance(config.model, TfidfConfig)
    assert config.kind == "tfidf"
    # data.labels names a file next to the config (or a packaged taxonomy): it must resolve
    from classify.labeling import Labeler

    assert Labeler.load(config.data.labels).schema.names


def test_shipped_configs_cover_every_head() -> None:
    heads = {load_config(p).model.head for p in CONFIGS}
    assert heads == {"logreg", "svm", "nb"}


def test_errors_name_every_bad_field_at_once(tmp_path: Path) -> None:
    path = _write(tmp_path, """
seed: 1
data: {split: [0.5, 0.5, 0.5]}
model: {kind: tfidf, C: -1, Cc: 3, word_ngram_range: [1, 3]}
eval: {uncertain_threshold: 1.5}
""")
    with pytest.raises(ConfigError) as info:
        load_config(path)
    msg = str(info.value)
    assert str(path) in msg
    for field in ("model.C:", "model.Cc: unknown field", "model.word_ngram_range", "data.split",
                  "eval.uncertain_threshold"):
        assert field in msg, field


def test_unknown_or_missing_kind(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"model.kind: unknown kind 'svm'.*tfidf"):
        load_config(_write(tmp_path, "model: {kind: svm}"))
    with pytest.raises(ConfigError, match="model.kind: missing"):
        load_config(_write(tmp_path, "model: {C: 3}"))
    with pytest.raises(ConfigError, match="model: missing"):
        load_config(_write(tmp_path, "seed: 3"))


def test_unknown_section_and_yaml_syntax(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="trian: unknown field"):
        load_config(_write(tmp_path, "model: {kind: tfidf}\ntrian: {}"))
    with pytest.raises(ConfigError, match=r"c.yaml:\d+: not valid YAML"):
        load_config(_write(tmp_path, "model: {kind: tfidf}\nseed: [1, 2\n"))
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "missing.yaml")


def test_overrides_are_parsed_as_yaml_and_validated(tmp_path: Path) -> None:
    args = ["--model.C", "4", "--train.chrome_examples=false", "--model.char_ngram_range", "[3, 5]",
            "--seed", "7", "--model.search", "null"]
    overrides = parse_overrides(args)
    assert overrides == {"model.C": 4, "train.chrome_examples": False, "model.char_ngram_range": [3, 5],
                         "seed": 7, "model.search": None}
    config = load_config(ROOT / "configs" / "tfidf.yaml", args)
    assert config.model.C == 4.0 and config.model.char_ngram_range == (3, 5)
    assert config.train.chrome_examples is False and config.seed == 7
    with pytest.raises(ConfigError, match="model.C: Input should be greater than 0"):
        load_config(ROOT / "configs" / "tfidf.yaml", ["--model.C", "0"])
    with pytest.raises(ConfigError, match="model.Cx: unknown field"):
        load_config(ROOT / "configs" / "tfidf.yaml", {"model.Cx": 1})


@pytest.mark.parametrize("args, message", [
    (["--model.C"], "has no value"),
    (["--model.C", "--seed", "1"], "has no value"),
    (["C", "4"], "unexpected argument"),
    (["--C", "4"], "name a field inside a section"),
])
def test_bad_override_syntax(args: list[str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_overrides(args)


def test_override_cannot_descend_into_a_value() -> None:
    with pytest.raises(ConfigError, match="seed is not a section"):
        apply_overrides({"seed": 1}, {"seed.x": 2})


def test_round_trip_through_a_dict() -> None:
    config = load_config(ROOT / "configs" / "tfidf.yaml", {"model.head": "svm"})
    again = validate_config(config.to_dict())
    assert isinstance(again, TrainingConfig)
    assert again.to_dict() == config.to_dict()


def test_relative_label_path_resolves_next_to_the_config(tmp_path: Path) -> None:
    (tmp_path / "labels.yaml").write_text((ROOT / "configs" / "labels.yaml").read_text(encoding="utf-8"),
                                          encoding="utf-8")
    config = load_config(_write(tmp_path, "data: {labels: labels.yaml}\nmodel: {kind: tfidf}"))
    assert config.data.labels == str(tmp_path / "labels.yaml")
    # a packaged name that is not a file next to the config is left as written
    config = load_config(_write(tmp_path, "data: {labels: labels-extended}\nmodel: {kind: tfidf}"))
    assert config.data.labels == "labels-extended"
