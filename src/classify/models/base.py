"""The Classifier interface that every model family implements.

``evaluate``, ``predict`` and ``publish`` only talk to this protocol, never to a concrete model type.
A saved model is a directory holding ``classify.json`` (see :class:`ModelInfo`) beside the weights.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator, Protocol, Sequence, runtime_checkable

import numpy as np

MODEL_INFO_FILE = "classify.json"


class BackendUnavailableError(RuntimeError):
    """The requested inference backend cannot run on this machine; the message names an alternative.

    Defined here, not in :mod:`classify.models.transformer`, so that the CLI can catch it without
    importing the transformer stack (``classify predict`` with a TF-IDF model never does).
    """


@dataclass
class ModelInfo:
    """What ``classify.json`` says about a saved model."""

    kind: str  #: model family, e.g. "tfidf" or "transformer"; picks the loader
    labels: list[str]  #: label names in the column order of ``predict_proba``
    config: dict[str, Any] = field(default_factory=dict)  #: the validated training config
    versions: dict[str, str] = field(default_factory=dict)  #: package versions at training time
    data_fingerprint: str | None = None  #: hash of the training data
    metrics: dict[str, Any] = field(default_factory=dict)  #: validation/test metrics, if known
    created: str | None = None  #: ISO timestamp
    extra: dict[str, Any] = field(default_factory=dict)  #: family-specific facts

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def read(cls, model_dir: str | Path) -> "ModelInfo":
        path = Path(model_dir) / MODEL_INFO_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{path}: not a classify model directory (no {MODEL_INFO_FILE})")
        data = json.loads(path.read_text(encoding="utf-8"))
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


@runtime_checkable
class Classifier(Protocol):
    """A text classifier over a fixed label set."""

    labels: list[str]

    def fit(self, texts: Sequence[str], labels: Sequence[str], **kwargs: Any) -> "Classifier": ...

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Return an array of shape (len(texts), len(labels)); rows sum to 1."""
        ...

    def save(self, model_dir: str | Path) -> Path: ...

    @classmethod
    def load(cls, model_dir: str | Path) -> "Classifier": ...


def package_versions(*names: str) -> dict[str, str]:
    """Installed versions of the given distributions (missing ones are left out)."""
    from importlib.metadata import PackageNotFoundError, version

    out: dict[str, str] = {}
    for name in ("classify", "numpy", *names):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            continue
    return out


@contextmanager
def atomic_directory(target: str | Path) -> Iterator[Path]:
    """Yield a temporary directory next to ``target``; on success it replaces ``target`` in one rename.

    A crash (exception, kill) leaves ``target`` as it was: never half a model.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.tmp-", dir=target.parent))
    try:
        yield tmp
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.replace(target, old)
        os.replace(tmp, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
