"""Local ``evaluate`` modules shipped inside the package, loaded by path (never from the Hub).

Each metric lives in ``classify/metrics/<name>/<name>.py`` as an ``evaluate.Metric`` subclass:

* ``classification`` - accuracy, macro/weighted F1, per-class P/R/F1/support, confusion matrix, ECE;
* ``rouge_tr`` - Turkish-aware ROUGE for summaries;
* ``ndcg`` - nDCG of sentence rankings.

``evaluate`` (and through it ``datasets``) is imported only when a metric is loaded, so importing this
package stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["available_metrics", "load_metric", "metric_path"]

_HERE = Path(__file__).resolve().parent


def available_metrics() -> list[str]:
    """Names of the metric modules in this package."""
    return sorted(p.name for p in _HERE.iterdir() if (p / f"{p.name}.py").is_file())


def metric_path(name: str) -> Path:
    """The folder of metric ``name`` (what ``evaluate.load`` is given)."""
    path = _HERE / name
    if not (path / f"{name}.py").is_file():
        raise ValueError(f"unknown metric {name!r}; available: {', '.join(available_metrics())}")
    return path


def _import_evaluate() -> Any:
    """Import ``evaluate`` without its optional ``transformers.pipelines`` import.

    ``evaluate``'s evaluator subpackage tries ``from transformers.pipelines import ...`` at import time and
    falls back cleanly on ImportError. With transformers installed that import pulls in torch and costs
    seconds, for nothing a metric needs; a ``None`` entry in ``sys.modules`` makes it raise ImportError.
    The entry is removed again, so code that really wants pipelines can still import them later.
    """
    import sys

    if "evaluate" in sys.modules or "transformers.pipelines" in sys.modules:
        import evaluate

        return evaluate
    sys.modules["transformers.pipelines"] = None  # type: ignore[assignment]
    try:
        import evaluate
    finally:
        if sys.modules.get("transformers.pipelines", 0) is None:
            del sys.modules["transformers.pipelines"]
    return evaluate


def load_metric(name: str, **kwargs: Any) -> Any:
    """Load the local ``evaluate`` module ``name`` by path, offline (no Hub look-up is ever made)."""
    evaluate = _import_evaluate()
    return evaluate.load(str(metric_path(name)), **kwargs)
