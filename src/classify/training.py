"""Train any model family from a config and a dataset (or raw inputs), then save it with its facts.

:func:`train_model` is what ``classify train`` calls: load and validate the config, load the dataset
(a directory written by ``classify build-dataset``, or raw inputs built on the fly by the same builder),
turn rows into examples (:func:`training_examples`), fit the family's classifier, score the validation and
test splits, and save the model directory with a ``classify.json`` that records the config, the package
versions, a fingerprint of the training data and the metrics.

What the model reads (:func:`row_text`, :func:`raw_text`) is decided here, once, for training,
evaluation and prediction alike: by default the headline plus the clean article body (page chrome
stripped by :func:`classify.articles.parse_article`); with ``data.view: page`` the whole page.
"""

from __future__ import annotations

import hashlib
import inspect
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classify.config import ConfigError, TrainingConfig, load_config
from classify.models import document_text, family
from classify.progress import progress_bar

__all__ = [
    "Examples",
    "TrainResult",
    "data_fingerprint",
    "load_training_data",
    "raw_text",
    "row_text",
    "train_model",
    "training_examples",
]


# --------------------------------------------------------------------------------------------------
# What a model reads
# --------------------------------------------------------------------------------------------------


def row_text(row: Mapping[str, Any], view: str = "body") -> str:
    """The model's input for a dataset row (columns of ``classify build-dataset``)."""
    if view == "page":
        segments = row.get("segments") or []
        if segments:
            return "\n".join(s["text"] for s in segments)
    return document_text(row.get("title"), row.get("text"))


def raw_text(text: str, *, view: str = "body", title: str | None = None, url: str | None = None,
             rules: Any = None) -> str:
    """The model's input for a raw page: parse it and strip chrome (``body``) or take it whole (``page``)."""
    if view == "page":
        return f"{title}\n{text}" if title and not text.startswith(title) else text
    from classify.articles import parse_article

    article = parse_article(text, title=title, url=url, rules=rules)
    return document_text(article.title, article.text)


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------


def _is_dataset_dir(path: Path) -> bool:
    return path.is_dir() and (path / "dataset_dict.json").is_file()


def load_training_data(data: str | Path | Sequence[str | Path], config: TrainingConfig,
                       progress: bool | None = None) -> Any:
    """A ``datasets.DatasetDict``: a dataset directory as saved, or raw inputs built with the dataset builder."""
    inputs = [data] if isinstance(data, (str, Path)) else list(data)
    if not inputs:
        raise ConfigError("no training data given")
    if len(inputs) == 1 and _is_dataset_dir(Path(inputs[0])):
        from classify.dataset import load_dataset_dir

        return load_dataset_dir(inputs[0])
    from classify.dataset import build_dataset

    d = config.data
    return build_dataset([str(p) for p in inputs], labels=d.labels, gold=d.gold, seed=config.seed, split=d.split,
                         on_error=d.on_error, text_field=d.text_field, id_field=d.id_field, progress=progress)


@dataclass
class Examples:
    """Training examples: model inputs, labels, sample weights and groups (for grouped CV)."""

    texts: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    weights: list[float] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    n_articles: int = 0
    n_chrome: int = 0
    dropped: dict[str, int] = field(default_factory=dict)  #: labels outside the taxonomy, with counts

    def add(self, text: str, label: str, weight: float, group: str, id: str) -> None:
        self.texts.append(text)
        self.labels.append(label)
        self.weights.append(weight)
        self.groups.append(group)
        self.ids.append(id)


def training_examples(rows: Iterable[Mapping[str, Any]], config: TrainingConfig, taxonomy: Sequence[str],
                      fallback: str | None) -> Examples:
    """Rows -> examples: one per article whose label is in ``taxonomy``, plus optional chrome examples.

    With ``train.chrome_examples`` each page's chrome segments (navigation, teasers, comment prompts),
    joined, become an extra example of the ``fallback`` label (``unrelated``) at ``train.chrome_weight``:
    they teach the model what a page that is nothing but chrome looks like. Chrome examples share their
    page's group, so grouped cross-validation never splits a page from its own chrome.
    """
    names = set(taxonomy)
    ex = Examples()
    tc = config.train
    use_chrome = tc.chrome_examples and fallback in names
    for row in rows:
        label = row.get("label")
        rid = str(row.get("id"))
        group = row.get("dup_group") or rid
        if label not in names:
            key = str(label)
            ex.dropped[key] = ex.dropped.get(key, 0) + 1
            continue
        ex.add(row_text(row, config.data.view), str(label), 1.0, group, rid)
        ex.n_articles += 1
        if use_chrome:
            chrome = "\n".join(s["text"] for s in (row.get("segments") or []) if s.get("role") == "chrome")
            if len(chrome) >= tc.chrome_min_chars:
                ex.add(chrome, str(fallback), tc.chrome_weight, group, f"{rid}#chrome")
                ex.n_chrome += 1
    return ex


def data_fingerprint(texts: Sequence[str], labels: Sequence[str], weights: Sequence[float] | None = None) -> str:
    """SHA-256 over the examples (text, label, weight) in order: same data, same fingerprint."""
    h = hashlib.sha256()
    for i, (t, y) in enumerate(zip(texts, labels)):
        h.update(y.encode())
        h.update(b"\x1f")
        if weights is not None:
            h.update(repr(float(weights[i])).encode())
        h.update(b"\x1f")
        h.update(t.encode("utf-8", "surrogatepass"))
        h.update(b"\x1e")
    return "sha256:" + h.hexdigest()


def _taxonomy(config: TrainingConfig, dataset: Any) -> tuple[list[str], str | None]:
    """Label names (in taxonomy order) and the fallback label, from the config's labels YAML."""
    from classify.labeling import Labeler

    schema = Labeler.load(config.data.labels).schema
    return list(schema.names), schema.fallback


# --------------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------------


@dataclass
class TrainResult:
    """What :func:`train_model` did."""

    model_dir: Path
    model: Any
    config: TrainingConfig
    n_examples: int
    n_articles: int
    n_chrome: int
    label_counts: dict[str, int]
    metrics: dict[str, Any]
    seconds: float
    fit_seconds: float

    def summary(self) -> str:
        lines = [f"Trained {self.config.kind} model on {self.n_articles} articles"
                 + (f" + {self.n_chrome} chrome examples" if self.n_chrome else "")
                 + f" in {self.fit_seconds:.1f} s (total {self.seconds:.1f} s) -> {self.model_dir}"]
        for split, m in self.metrics.items():
            lines.append(f"  {split}: n={m['n']} accuracy={m['accuracy']:.4f} macro_f1={m['macro_f1']:.4f} "
                         f"weighted_f1={m['weighted_f1']:.4f}" + (f" ece={m['ece']:.4f}" if "ece" in m else ""))
        return "\n".join(lines)


def _accepts(fn: Any, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


def train_model(
    config: TrainingConfig | str | Path,
    data: str | Path | Sequence[str | Path],
    output: str | Path,
    *,
    overrides: Mapping[str, Any] | Iterable[str] = (),
    seed: int | None = None,
    progress: bool | None = None,
) -> TrainResult:
    """Train the model a config describes on ``data`` and save it to ``output`` (atomically).

    ``data`` is a dataset directory or raw inputs (files/folders, built on the fly with the config's
    ``data`` options); ``overrides`` are dotted config keys (``{"model.C": 4}`` or CLI strings);
    ``seed`` overrides ``seed``. Metrics on the validation and test splits go into ``classify.json``.
    """
    from classify.evaluation import score_texts

    started = time.perf_counter()
    if not isinstance(config, TrainingConfig):
        extra = dict(overrides) if isinstance(overrides, Mapping) else overrides
        if seed is not None:
            extra = {**(extra if isinstance(extra, dict) else _parse(extra)), "seed": seed}
        config = load_config(config, extra)
    elif seed is not None:
        config = config.model_copy(update={"seed": seed})

    with progress_bar("Training", total=4, enabled=progress) as advance:
        dataset = load_training_data(data, config, progress=False)
        taxonomy, fallback = _taxonomy(config, dataset)
        split = config.data.train_split
        if split not in dataset:
            raise ConfigError(f"data.train_split: the dataset has no split {split!r} (it has {', '.join(dataset)})")
        unknown = [r for r in config.train.reject_labels if r not in taxonomy]
        if unknown:
            raise ConfigError(f"train.reject_labels: {', '.join(map(repr, unknown))} not in the taxonomy "
                              f"({', '.join(taxonomy)}); use a taxonomy that has them, e.g. labels-extended.yaml")
        if len(set(taxonomy) - set(config.train.reject_labels)) < 2:
            raise ConfigError("train.reject_labels: at least two labels must remain to be output")
        examples = training_examples(dataset[split], config, taxonomy, fallback)
        if examples.n_articles == 0:
            raise ConfigError(f"no training articles with a label in the taxonomy ({', '.join(taxonomy)})")
        advance()

        cls = family(config.kind)
        model = cls.from_config(config.model, seed=config.seed)
        fit_kwargs: dict[str, Any] = {}
        if any(w != 1.0 for w in examples.weights):
            fit_kwargs["sample_weight"] = examples.weights
        if _accepts(model.fit, "groups"):
            fit_kwargs["groups"] = examples.groups
        eval_split = config.data.eval_split
        if eval_split and eval_split in dataset and len(dataset[eval_split]):
            ev = training_examples(dataset[eval_split], config.model_copy(
                update={"train": config.train.model_copy(update={"chrome_examples": False})}), taxonomy, fallback)
            if ev.texts:
                fit_kwargs["eval_texts"] = ev.texts
                fit_kwargs["eval_labels"] = ev.labels
        fit_started = time.perf_counter()
        model.fit(examples.texts, examples.labels, **fit_kwargs)
        fit_seconds = time.perf_counter() - fit_started
        # reject labels the model really learned (a reject label without training examples is not a class)
        model.info.extra["reject_labels"] = [r for r in config.train.reject_labels if r in model.labels]
        advance()

        metrics: dict[str, Any] = {}
        no_chrome = config.model_copy(update={"train": config.train.model_copy(update={"chrome_examples": False})})
        for name in (config.data.eval_split, config.data.test_split):
            if not name or name not in dataset or not len(dataset[name]):
                continue
            ev = training_examples(dataset[name], no_chrome, model.labels, None)
            if ev.texts:
                metrics[name] = score_texts(model, ev.texts, ev.labels, ece_bins=config.eval.ece_bins,
                                            batch_size=config.eval.batch_size, brief=True)
        advance()

        counts: dict[str, int] = {}
        for y in examples.labels:
            counts[y] = counts.get(y, 0) + 1
        info = model.info
        info.config = config.to_dict()
        info.data_fingerprint = data_fingerprint(examples.texts, examples.labels, examples.weights)
        info.metrics = metrics
        info.extra.update({
            "train_examples": len(examples.texts),
            "train_articles": examples.n_articles,
            "chrome_examples": examples.n_chrome,
            "label_counts": counts,
            "dropped_labels": examples.dropped,
            "data": [str(p) for p in ([data] if isinstance(data, (str, Path)) else data)],
            "fit_seconds": round(fit_seconds, 3),
        })
        model_dir = model.save(output)
        advance()
    return TrainResult(model_dir=Path(model_dir), model=model, config=config, n_examples=len(examples.texts),
                       n_articles=examples.n_articles, n_chrome=examples.n_chrome, label_counts=counts,
                       metrics=metrics, seconds=time.perf_counter() - started, fit_seconds=fit_seconds)


def _parse(args: Iterable[str]) -> dict[str, Any]:
    from classify.config import parse_overrides

    return parse_overrides(list(args))
