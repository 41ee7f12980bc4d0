"""Training configs: one YAML file, validated on load, plus dotted overrides from the command line.

Layout (``configs/tfidf.yaml`` is the reference)::

    seed: 0
    data:  {labels: labels.yaml, split: [0.8, 0.1, 0.1], ...}   # DataConfig
    model: {kind: tfidf, head: logreg, C: 8, ...}                # validated by the family's config_class
    train: {chrome_examples: true, chrome_weight: 0.3, ...}      # TrainConfig
    eval:  {uncertain_threshold: 0.5, ...}                       # EvalConfig

Every problem is reported with the path of the field that has it (``model.C: Input should be greater than
0``), all problems at once. Overrides (``--model.C 4``, ``--train.chrome_examples=false``) are applied to
the raw YAML before validation, with values parsed as YAML scalars, so they are checked exactly like the
file.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from classify.configfile import read_yaml_mapping, validation_messages

__all__ = [
    "ConfigError",
    "DataConfig",
    "EvalConfig",
    "TrainConfig",
    "TrainingConfig",
    "apply_overrides",
    "load_config",
    "parse_overrides",
    "validate_config",
]


class ConfigError(ValueError):
    """An invalid config; the message names the file and every offending field."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class DataConfig(_Section):
    """Where training data comes from and how raw inputs become a dataset."""

    labels: str | None = Field(None, description="label taxonomy YAML (path or packaged name); None = default")
    view: Literal["body", "page"] = Field(
        "body", description="what the model reads: headline + clean body (chrome stripped) or the whole page")
    gold: str | None = Field(None, description="JSONL of {id, label} gold labels for raw inputs")
    split: tuple[float, float, float] = Field((0.8, 0.1, 0.1), description="train/validation/test fractions")
    train_split: str = Field("train", description="split to train on")
    eval_split: str | None = Field("validation", description="split for validation metrics (None: skip)")
    test_split: str | None = Field("test", description="split for test metrics (None: skip)")
    on_error: Literal["fail", "skip"] = Field("fail", description="bad raw input records: stop or skip")
    text_field: str = Field("text", description="column holding the article text in raw inputs")
    id_field: str = Field("id", description="column holding the record id in raw inputs")

    @field_validator("split")
    @classmethod
    def _fractions(cls, v: tuple[float, float, float]) -> tuple[float, float, float]:
        if any(x < 0 for x in v) or abs(sum(v) - 1.0) > 1e-6 or v[0] <= 0:
            raise ValueError("three non-negative fractions summing to 1, with a non-empty train part")
        return v


class TrainConfig(_Section):
    """Which examples the model is fitted on beyond the article labels."""

    chrome_examples: bool = Field(
        True, description="add each page's chrome segments, joined, as an example of the fallback label")
    chrome_weight: float = Field(0.3, gt=0, description="sample weight of a chrome example")
    chrome_min_chars: int = Field(200, ge=1, description="shortest chrome text used as an example")
    reject_labels: list[str] = Field(
        default_factory=list,
        description="taxonomy labels learned as classes but never output: a page most like one is flagged "
                    "uncertain (e.g. other_social with labels-extended.yaml, for a five-label model)")


class EvalConfig(_Section):
    """Evaluation and prediction defaults stored with the model."""

    uncertain_threshold: float = Field(
        0.5, gt=0, lt=1, description="a prediction whose top probability is below this is flagged uncertain")
    ece_bins: int = Field(10, ge=2, description="confidence bins for the expected calibration error")
    batch_size: int = Field(512, ge=1, description="texts per predict_proba call")


class TrainingConfig(_Section):
    """A whole training config. ``model`` is the family's own pydantic config (e.g. ``TfidfConfig``)."""

    model_config = ConfigDict(extra="forbid", arbitrary_types_allowed=True)

    seed: int = Field(0, description="seed for splits, solvers and searches")
    data: DataConfig = Field(default_factory=DataConfig)
    model: Any = Field(..., description="family config, validated by classify.models.family(kind).config_class")
    train: TrainConfig = Field(default_factory=TrainConfig)
    eval: EvalConfig = Field(default_factory=EvalConfig)

    @property
    def kind(self) -> str:
        return str(self.model.kind)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict (what ``classify.json`` stores under ``config``)."""
        out = self.model_dump(mode="json", exclude={"model"})
        out["model"] = self.model.model_dump(mode="json")
        return out


# --------------------------------------------------------------------------------------------------
# Loading and validation
# --------------------------------------------------------------------------------------------------


def validate_config(raw: Any, *, source: str = "<config>") -> TrainingConfig:
    """Validate a raw config mapping; raise :class:`ConfigError` listing every problem by field."""
    from classify.models import FAMILIES, family

    if not isinstance(raw, Mapping):
        raise ConfigError(f"{source}: a config must be a mapping with seed/data/model/train/eval sections")
    raw = dict(raw)
    problems: list[str] = []
    model_raw = raw.get("model")
    model_cfg: Any = None
    if not isinstance(model_raw, Mapping):
        problems.append("model: missing or not a mapping (it needs at least `kind`)")
    elif "kind" not in model_raw:
        problems.append(f"model.kind: missing; one of {', '.join(sorted(FAMILIES))}")
    elif model_raw["kind"] not in FAMILIES:
        problems.append(f"model.kind: unknown kind {model_raw['kind']!r}; one of {', '.join(sorted(FAMILIES))}")
    else:
        cls = family(str(model_raw["kind"]))
        config_class = getattr(cls, "config_class", None)
        if config_class is None:
            raise ConfigError(f"{source}: model family {model_raw['kind']!r} declares no config_class")
        try:
            model_cfg = config_class.model_validate(dict(model_raw))
        except ValidationError as e:
            problems += validation_messages(e, "model")
    rest = {k: v for k, v in raw.items() if k != "model"}
    try:
        config = TrainingConfig.model_validate({**rest, "model": model_cfg})
    except ValidationError as e:
        problems += [m for m in validation_messages(e) if not m.startswith("model")]
        config = None  # type: ignore[assignment]
    if problems:
        raise ConfigError(f"{source}: invalid config:\n  " + "\n  ".join(problems))
    return config


def _resolve_paths(raw: dict[str, Any], base: Path) -> None:
    """Make ``data.labels``/``data.gold`` relative to the config file when they name a file there."""
    data = raw.get("data")
    if not isinstance(data, dict):
        return
    for key in ("labels", "gold"):
        value = data.get(key)
        if isinstance(value, str) and not Path(value).is_absolute() and (base / value).is_file():
            data[key] = str(base / value)


def load_config(path: str | Path, overrides: Mapping[str, Any] | Iterable[str] = ()) -> TrainingConfig:
    """Read a YAML config, apply overrides (a ``{"model.C": 4}`` mapping or CLI-style strings), validate."""
    path = Path(path)
    raw = read_yaml_mapping(path, ConfigError)
    if not isinstance(overrides, Mapping):
        overrides = parse_overrides(list(overrides))
    apply_overrides(raw, overrides)
    _resolve_paths(raw, path.parent)
    return validate_config(raw, source=str(path))


def parse_overrides(args: Sequence[str]) -> dict[str, Any]:
    """``["--model.C", "4", "--train.chrome_examples=false"]`` -> ``{"model.C": 4, "train.chrome_examples": False}``.

    Values are parsed as YAML scalars (``4`` -> int, ``[1, 2]`` -> list, ``null`` -> None).
    """
    out: dict[str, Any] = {}
    i = 0
    args = list(args)
    while i < len(args):
        arg = args[i]
        if not arg.startswith("--") or len(arg) <= 2:
            raise ConfigError(f"unexpected argument {arg!r}: overrides look like --section.field VALUE")
        key = arg[2:]
        if "=" in key:
            key, value = key.split("=", 1)
            i += 1
        else:
            if i + 1 >= len(args) or (args[i + 1].startswith("--") and len(args[i + 1]) > 2):
                raise ConfigError(f"override --{key} has no value")
            value = args[i + 1]
            i += 2
        if "." not in key and key != "seed":
            raise ConfigError(f"override --{key}: name a field inside a section, e.g. --model.{key}")
        try:
            out[key] = yaml.safe_load(value) if value != "" else ""
        except yaml.YAMLError:
            out[key] = value
    return out


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set dotted keys in a raw config mapping (in place), creating sections as needed."""
    for dotted, value in overrides.items():
        parts = dotted.split(".")
        node = raw
        for j, part in enumerate(parts[:-1]):
            child = node.get(part)
            if child is None:
                child = node[part] = {}
            if not isinstance(child, dict):
                raise ConfigError(f"override {dotted}: {'.'.join(parts[:j + 1])} is not a section")
            node = child
        node[parts[-1]] = value
    return raw
