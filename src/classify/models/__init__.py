"""Model families behind one interface (:mod:`classify.models.base`), and the loader that picks one.

A saved model is a directory whose ``classify.json`` names its ``kind``; :func:`load_model` looks the kind
up in :data:`FAMILIES` and imports that family's module only then, so loading a TF-IDF model never imports
torch or transformers.

A family is a class with ``kind`` (str), ``config_class`` (the pydantic model of its ``model:`` config
section), ``from_config(config, *, seed)``, ``fit``, ``predict_proba``, ``labels``, ``save`` and the
classmethod ``load``. To add one, add ``kind -> "module:Class"`` here (or call :func:`register_family`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import numpy as np

from classify.models.base import MODEL_INFO_FILE, Classifier, ModelInfo

__all__ = [
    "FAMILIES",
    "Classifier",
    "ModelInfo",
    "OutputSpace",
    "document_text",
    "family",
    "load_model",
    "register_family",
    "set_repo_resolver",
]

#: kind -> "module:Class", imported lazily.
FAMILIES: dict[str, str] = {
    "tfidf": "classify.models.tfidf:TfidfClassifier",
    "transformer": "classify.models.transformer:TransformerClassifier",
}

_resolver: Callable[[str], Path] | None = None


def register_family(kind: str, target: str) -> None:
    """Register (or replace) a model family: ``target`` is ``"package.module:ClassName"``."""
    if ":" not in target:
        raise ValueError(f"family target must look like 'package.module:ClassName', got {target!r}")
    FAMILIES[kind] = target


def family(kind: str) -> Any:
    """The class implementing ``kind`` (imports its module on first use)."""
    try:
        target = FAMILIES[kind]
    except KeyError:
        raise ValueError(f"unknown model kind {kind!r}; known kinds: {', '.join(sorted(FAMILIES))}") from None
    module_name, _, class_name = target.partition(":")
    try:
        module = import_module(module_name)
    except ImportError as e:
        raise ImportError(f"model kind {kind!r} needs {module_name}, which failed to import: {e}") from e
    try:
        return getattr(module, class_name)
    except AttributeError:
        raise ImportError(f"{module_name} has no {class_name} (registered for kind {kind!r})") from None


def set_repo_resolver(resolver: Callable[[str], Path] | None) -> None:
    """Install the hook that turns a Hub repo id into a local directory (set by ``classify.hub``).

    :func:`load_model` calls it for any string that is not an existing local path.
    """
    global _resolver
    _resolver = resolver


def _resolve(path_or_repo: str | Path) -> Path:
    path = Path(path_or_repo)
    if path.exists():
        return path
    resolver = _resolver
    if resolver is None:
        try:  # classify.hub (issue 6) registers itself with set_repo_resolver on import
            import_module("classify.hub")
        except ImportError:
            pass
        resolver = _resolver
    if resolver is not None and isinstance(path_or_repo, str) and "/" in path_or_repo:
        return resolver(path_or_repo)
    raise FileNotFoundError(f"{path_or_repo}: no such model directory")


def load_model(path_or_repo: str | Path) -> Classifier:
    """Load a saved model directory (or a Hub repo id, once ``classify.hub`` provides a resolver)."""
    model_dir = _resolve(path_or_repo)
    if not (model_dir / MODEL_INFO_FILE).is_file():
        raise FileNotFoundError(f"{model_dir}: not a classify model directory (no {MODEL_INFO_FILE})")
    info = ModelInfo.read(model_dir)
    return family(info.kind).load(model_dir)


def document_text(title: str | None, body: str | None) -> str:
    """The text a classifier sees for an article: its headline, then its clean body.

    ``Article.text`` leaves the headline out (it is a title segment, not body), yet the headline is the
    densest statement of what a story is about. Training, evaluation and prediction all call this one
    function, so the model always sees the same view of an article.
    """
    title = (title or "").strip()
    body = body or ""
    if not title:
        return body
    if body.startswith(title):
        return body
    return f"{title}\n{body}" if body else title


@dataclass
class OutputSpace:
    """The labels a model reports, given the labels it was trained on.

    A model may be trained with *reject labels* (``train.reject_labels`` in the config, e.g.
    ``other_social``): classes it learns so that it can recognise news outside the taxonomy, but never
    reports. For such a model, predictions and evaluations use the remaining *output labels*, with
    probabilities renormalised over them, and a page whose most probable class is a reject label is
    flagged uncertain - a learned abstention, sharper than a probability threshold alone. A model without
    reject labels reports what it was trained on, unchanged.
    """

    labels: list[str]  #: output labels, in the model's column order
    keep: np.ndarray  #: their column indices in ``model.labels``
    reject: list[str]  #: reject labels the model knows

    @classmethod
    def of(cls, model: Any) -> OutputSpace:
        info = getattr(model, "info", None)
        wanted = set((getattr(info, "extra", None) or {}).get("reject_labels") or [])
        labels = list(model.labels)
        keep = [i for i, name in enumerate(labels) if name not in wanted]
        return cls(labels=[labels[i] for i in keep], keep=np.asarray(keep, dtype=np.int64),
                   reject=[name for name in labels if name in wanted])

    @classmethod
    def from_labels(cls, labels: Sequence[str], reject: Sequence[str] = ()) -> OutputSpace:
        keep = [i for i, name in enumerate(labels) if name not in set(reject)]
        return cls(labels=[labels[i] for i in keep], keep=np.asarray(keep, dtype=np.int64),
                   reject=[name for name in labels if name in set(reject)])

    def fold(self, proba: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities over the output labels, renormalised; True where a reject label is most probable)."""
        proba = np.asarray(proba, dtype=np.float64)
        if not self.reject:
            return proba, np.zeros(len(proba), dtype=bool)
        kept = proba[:, self.keep]
        total = kept.sum(axis=1, keepdims=True)
        rejected = proba.max(axis=1) > (kept.max(axis=1) if kept.shape[1] else 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            folded = np.where(total > 0, kept / np.where(total > 0, total, 1.0), 1.0 / max(kept.shape[1], 1))
        return folded, rejected
