"""Single-label classification metrics, as a local ``evaluate`` module.

One call gives everything a model report needs: accuracy, macro and weighted F1 (and precision/recall),
per-class precision/recall/F1/support, the confusion matrix and - when class probabilities are passed -
the expected calibration error (ECE) with its reliability-diagram bins.

The figures are computed here from the confusion matrix with numpy, not by calling scikit-learn, so the
test suite can check them *against* scikit-learn (``tests/test_evaluation.py``). Conventions follow
scikit-learn's: a class with no predictions has precision 0, a class with no references recall 0
(``zero_division=0``); macro averages run over ``labels`` (all classes the model knows, by default
every class seen in predictions or references).

ECE: predictions are binned by their top probability into ``ece_bins`` equal-width bins over [0, 1];
ECE = sum over bins of (bin size / n) * |accuracy in bin - mean confidence in bin|.

Load offline with ``classify.metrics.load_metric("classification")`` or
``evaluate.load("<path to this folder>")``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import datasets
import evaluate
import numpy as np

_DESCRIPTION = """Accuracy, macro/weighted F1, per-class precision/recall/F1/support, confusion matrix and
expected calibration error for single-label classification."""

_KWARGS_DESCRIPTION = """
Args:
    predictions: list of int - predicted class index per example.
    references: list of int - true class index per example.
    labels: list of str, optional - class names; index i of predictions/references names labels[i].
        Default: "0", "1", ... for every index seen.
    probabilities: array (n, len(labels)), optional - class probabilities; enables ECE.
    ece_bins: int - number of equal-width confidence bins for ECE (default 10).
Returns:
    dict with accuracy, macro_f1, weighted_f1, macro_precision, macro_recall, per_class
    ({label: {precision, recall, f1, support}}), confusion_matrix (rows = true, columns = predicted),
    labels, n; with probabilities also ece and reliability ([{lower, upper, count, accuracy, confidence}]).
Examples:
    >>> metric = classify.metrics.load_metric("classification")
    >>> metric.compute(predictions=[0, 1, 1], references=[0, 1, 0], labels=["a", "b"])["accuracy"]
    0.6666666666666666
"""


def confusion(predictions: np.ndarray, references: np.ndarray, n_classes: int) -> np.ndarray:
    """Confusion matrix, rows = reference class, columns = predicted class."""
    return np.bincount(references * n_classes + predictions, minlength=n_classes * n_classes).reshape(
        n_classes, n_classes)


def _safe_div(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    out = np.zeros_like(num, dtype=float)
    np.divide(num, den, out=out, where=den > 0)
    return out


def calibration_bins(probabilities: np.ndarray, correct: np.ndarray, n_bins: int) -> tuple[float, list[dict[str, Any]]]:
    """ECE and the per-bin table behind a reliability diagram (top-class confidence vs. accuracy)."""
    conf = probabilities.max(axis=1)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # bin i holds (edges[i], edges[i+1]]; a confidence of exactly 0 goes to the first bin
    idx = np.clip(np.searchsorted(edges, conf, side="left") - 1, 0, n_bins - 1)
    bins: list[dict[str, Any]] = []
    ece = 0.0
    n = len(conf)
    for i in range(n_bins):
        sel = idx == i
        count = int(sel.sum())
        acc = float(correct[sel].mean()) if count else None
        mean_conf = float(conf[sel].mean()) if count else None
        if count:
            ece += count / n * abs(acc - mean_conf)  # type: ignore[operator]
        bins.append({"lower": float(edges[i]), "upper": float(edges[i + 1]), "count": count,
                     "accuracy": acc, "confidence": mean_conf})
    return float(ece), bins


def classification_metrics(
    predictions: Sequence[int],
    references: Sequence[int],
    labels: Sequence[str] | None = None,
    probabilities: Any = None,
    ece_bins: int = 10,
) -> dict[str, Any]:
    """The computation behind the module (usable without ``evaluate`` in tight loops)."""
    pred = np.asarray(predictions, dtype=np.int64)
    ref = np.asarray(references, dtype=np.int64)
    if pred.shape != ref.shape:
        raise ValueError(f"{pred.size} predictions for {ref.size} references")
    if labels is None:
        top = int(max(pred.max(initial=-1), ref.max(initial=-1))) + 1
        labels = [str(i) for i in range(top)]
    labels = [str(x) for x in labels]
    k = len(labels)
    if pred.size and (pred.min() < 0 or ref.min() < 0 or pred.max() >= k or ref.max() >= k):
        raise ValueError(f"class indices must lie in [0, {k}) for labels {labels}")
    cm = confusion(pred, ref, k)
    tp = np.diag(cm).astype(float)
    support = cm.sum(axis=1).astype(float)
    predicted = cm.sum(axis=0).astype(float)
    precision = _safe_div(tp, predicted)
    recall = _safe_div(tp, support)
    f1 = _safe_div(2 * precision * recall, precision + recall)
    n = int(ref.size)
    weights = support / n if n else np.zeros(k)
    # Macro averages run over the labels that occur in the references or the predictions, as
    # scikit-learn's do by default: a label absent from both has no defined F1 and must not count as 0.
    present = (support + predicted) > 0
    out: dict[str, Any] = {
        "accuracy": float(tp.sum() / n) if n else 0.0,
        "macro_f1": float(f1[present].mean()) if present.any() else 0.0,
        "weighted_f1": float((f1 * weights).sum()),
        "macro_precision": float(precision[present].mean()) if present.any() else 0.0,
        "macro_recall": float(recall[present].mean()) if present.any() else 0.0,
        "per_class": {
            label: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]),
                    "support": int(support[i])}
            for i, label in enumerate(labels)
        },
        "confusion_matrix": cm.tolist(),
        "labels": labels,
        "n": n,
    }
    if probabilities is not None:
        proba = np.asarray(probabilities, dtype=float)
        if proba.shape != (n, k):
            raise ValueError(f"probabilities must have shape ({n}, {k}), got {proba.shape}")
        ece, bins = calibration_bins(proba, pred == ref, ece_bins) if n else (0.0, [])
        out["ece"] = ece
        out["reliability"] = bins
    return out


class Classification(evaluate.Metric):
    """Accuracy, F1 (macro, weighted, per class), confusion matrix and ECE in one module."""

    def _info(self) -> evaluate.MetricInfo:
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description=_KWARGS_DESCRIPTION,
            features=datasets.Features({"predictions": datasets.Value("int64"),
                                        "references": datasets.Value("int64")}),
            reference_urls=["https://scikit-learn.org/stable/modules/model_evaluation.html",
                            "https://arxiv.org/abs/1706.04599"],
        )

    def _compute(self, predictions, references, labels=None, probabilities=None, ece_bins=10):  # type: ignore[no-untyped-def]
        return classification_metrics(predictions, references, labels=labels, probabilities=probabilities,
                                      ece_bins=ece_bins)
