"""Evaluation reports for any :class:`~classify.models.base.Classifier`, and comparison of several.

:func:`evaluate_model` (``classify evaluate``) scores a model on a dataset split or a labelled raw file
and writes a report directory:

* ``metrics.json`` - accuracy, macro/weighted F1, per-class precision/recall/F1/support, confusion matrix,
  expected calibration error with its reliability bins (all from the local ``classification`` evaluate
  module), the abstention picture at the model's uncertainty threshold, what the model does with
  records whose gold label is outside its taxonomy (e.g. ``other_social`` for the five-label model), and
  the most confident errors;
* ``report.md`` - the same as readable tables, with text snippets of the errors;
* ``confusion.png`` and ``reliability.png`` (matplotlib, Agg backend).

:func:`compare_reports` (``classify compare``) turns several report directories into one Markdown table.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classify.progress import progress_bar

__all__ = [
    "EvalData",
    "EvaluationReport",
    "compare_reports",
    "compute_metrics",
    "evaluate_model",
    "load_eval_data",
    "predict_proba_batched",
    "score_texts",
]

METRICS_FILE = "metrics.json"
REPORT_FILE = "report.md"
CONFUSION_FILE = "confusion.png"
RELIABILITY_FILE = "reliability.png"
THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


# --------------------------------------------------------------------------------------------------
# Scoring
# --------------------------------------------------------------------------------------------------


def predict_proba_batched(model: Any, texts: Sequence[str], batch_size: int = 512,
                          progress: bool | None = False) -> np.ndarray:
    """``model.predict_proba`` over ``texts`` in batches (bounded memory for big evaluation sets)."""
    k = len(model.labels)
    out = np.zeros((len(texts), k))
    with progress_bar("Predicting", total=len(texts), enabled=progress) as advance:
        for start in range(0, len(texts), batch_size):
            batch = list(texts[start:start + batch_size])
            out[start:start + len(batch)] = model.predict_proba(batch)
            advance(len(batch))
    return out


def compute_metrics(gold: Sequence[str], proba: np.ndarray, labels: Sequence[str], *, ece_bins: int = 10) -> dict[str, Any]:
    """Metrics of probabilities ``proba`` (columns = ``labels``) against gold label names.

    Computed by the package's local ``classification`` evaluate module (loaded by path, offline).
    Every gold label must be one of ``labels``.
    """
    from classify.metrics import load_metric

    index = {name: i for i, name in enumerate(labels)}
    unknown = sorted({g for g in gold if g not in index})
    if unknown:
        raise ValueError(f"gold labels {unknown} are not among the model's labels {list(labels)}")
    refs = [index[g] for g in gold]
    preds = proba.argmax(axis=1).tolist() if len(gold) else []
    metric = load_metric("classification")
    return metric.compute(predictions=preds, references=refs, labels=list(labels), probabilities=proba,
                          ece_bins=ece_bins)


def score_texts(model: Any, texts: Sequence[str], gold: Sequence[str], *, ece_bins: int = 10,
                batch_size: int = 512, brief: bool = False) -> dict[str, Any]:
    """Predict ``texts`` and score against ``gold`` over the model's output labels (see
    :class:`classify.models.OutputSpace`; records with other gold labels are left out); ``brief`` keeps only
    the headline figures + per class."""
    from classify.models import OutputSpace

    space = OutputSpace.of(model)
    folded, _ = space.fold(predict_proba_batched(model, texts, batch_size))
    known = [i for i, g in enumerate(gold) if g in space.labels]
    m = compute_metrics([gold[i] for i in known], folded[known], space.labels, ece_bins=ece_bins)
    if brief:
        keep = ("accuracy", "macro_f1", "weighted_f1", "ece", "n")
        out = {k: m[k] for k in keep if k in m}
        out["per_class_f1"] = {k: v["f1"] for k, v in m["per_class"].items()}
        return out
    return m


# --------------------------------------------------------------------------------------------------
# Data
# --------------------------------------------------------------------------------------------------


@dataclass
class EvalData:
    """Labelled records to evaluate on: model inputs, gold labels, ids; plus what was set aside."""

    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    gold: list[str] = field(default_factory=list)
    source: str = ""
    unlabelled: int = 0
    skipped: list[str] = field(default_factory=list)


def _model_view(model: Any) -> str:
    config = getattr(getattr(model, "info", None), "config", None) or {}
    return str((config.get("data") or {}).get("view", "body"))


def load_eval_data(
    data: str | Path | Sequence[str | Path],
    *,
    split: str = "test",
    view: str = "body",
    text_field: str = "text",
    id_field: str = "id",
    on_error: str = "fail",
) -> EvalData:
    """Records from a dataset directory split (``all`` = every split) or from labelled raw files.

    Raw files are read with :func:`classify.io.read_records` and parsed exactly as at prediction time;
    their ``label`` column is the gold label, and records without one are counted, not scored. For a
    dataset directory, the ``out_of_taxonomy`` split (gold labels outside the dataset's taxonomy) is
    added whatever ``split`` says: those records show what the model does with news it has no label for.
    """
    from classify.training import raw_text, row_text

    inputs = [data] if isinstance(data, (str, Path)) else list(data)
    out = EvalData()
    if len(inputs) == 1 and Path(inputs[0]).is_dir() and (Path(inputs[0]) / "dataset_dict.json").is_file():
        from classify.dataset import load_dataset_dir

        dataset = load_dataset_dir(inputs[0])
        names = list(dataset) if split == "all" else [split]
        for name in names:
            if name not in dataset:
                raise ValueError(f"{inputs[0]}: no split {name!r} (splits: {', '.join(dataset)})")
        if split != "all" and "out_of_taxonomy" in dataset:
            names.append("out_of_taxonomy")
        for name in names:
            for row in dataset[name]:
                if not row.get("label"):
                    out.unlabelled += 1
                    continue
                out.ids.append(str(row["id"]))
                out.texts.append(row_text(row, view))
                out.gold.append(str(row["label"]))
        out.source = f"{inputs[0]} [{split}]"
        return out

    from classify.articles import ChromeRules
    from classify.io import ErrorReport, read_records

    report = ErrorReport()
    rules = ChromeRules.load(None) if view == "body" else None
    for rec in read_records(inputs, text_field=text_field, id_field=id_field, on_error=on_error,  # type: ignore[arg-type]
                            report=report):
        if not rec.label:
            out.unlabelled += 1
            continue
        out.ids.append(rec.id)
        out.texts.append(raw_text(rec.text, view=view, title=rec.title, url=rec.url, rules=rules))
        out.gold.append(rec.label)
    out.skipped = [str(s) for s in report.skipped]
    out.source = ", ".join(str(p) for p in inputs)
    return out


# --------------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------------


@dataclass
class EvaluationReport:
    """Everything ``metrics.json`` holds, plus where the report was written."""

    report_dir: Path
    data: dict[str, Any]

    @property
    def metrics(self) -> dict[str, Any]:
        return self.data["metrics"]

    def summary(self) -> str:
        m = self.metrics
        line = (f"{self.data['model']}: n={m['n']} accuracy={m['accuracy']:.4f} macro_f1={m['macro_f1']:.4f} "
                f"weighted_f1={m['weighted_f1']:.4f} ece={m.get('ece', float('nan')):.4f}")
        oot = self.data.get("out_of_taxonomy") or {}
        if oot.get("n"):
            line += (f"; out-of-taxonomy n={oot['n']}: {oot['uncertain_rate']:.0%} flagged uncertain "
                     f"at {self.data['threshold']:.2f}")
        return line + f"\nReport: {self.report_dir / REPORT_FILE}"


def _snippet(text: str, n: int = 220) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= n else flat[: n - 1].rstrip() + "…"


def _abstention(proba: np.ndarray, correct: np.ndarray, threshold: float,
                rejected: np.ndarray | None = None) -> dict[str, Any]:
    """Coverage and accuracy when predictions below ``threshold`` (or rejected) are flagged uncertain."""
    conf = proba.max(axis=1) if len(proba) else np.zeros(0)
    kept = conf >= threshold
    if rejected is not None:
        kept &= ~rejected
    n = len(conf)
    return {
        "threshold": threshold,
        "uncertain_rate": float((~kept).mean()) if n else 0.0,
        "coverage": float(kept.mean()) if n else 0.0,
        "accuracy_when_certain": float(correct[kept].mean()) if kept.any() else None,
        "accuracy_when_uncertain": float(correct[~kept].mean()) if (~kept).any() else None,
    }


def _out_of_taxonomy(gold: list[str], proba: np.ndarray, labels: list[str], threshold: float,
                     rejected: np.ndarray | None = None) -> dict[str, Any]:
    """What the model does with records whose gold label it cannot output."""
    if not gold:
        return {"n": 0}
    conf = proba.max(axis=1)
    rej = np.zeros(len(gold), dtype=bool) if rejected is None else rejected
    pred = [labels[i] for i in proba.argmax(axis=1)]
    by_gold: dict[str, dict[str, Any]] = {}
    for g in sorted(set(gold)):
        sel = [i for i, x in enumerate(gold) if x == g]
        counts: dict[str, int] = {}
        for i in sel:
            counts[pred[i]] = counts.get(pred[i], 0) + 1
        by_gold[g] = {
            "n": len(sel),
            "predicted": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
            "uncertain_rate": float(np.mean((conf[sel] < threshold) | rej[sel])),
            "rejected_rate": float(np.mean(rej[sel])),
            "mean_confidence": float(np.mean(conf[sel])),
        }
    return {"n": len(gold), "uncertain_rate": float(np.mean((conf < threshold) | rej)),
            "rejected_rate": float(np.mean(rej)), "mean_confidence": float(conf.mean()), "by_gold_label": by_gold,
            "uncertain_rate_by_threshold": {f"{t:.2f}": float(np.mean((conf < t) | rej)) for t in THRESHOLDS}}


def _threshold_of(model: Any, threshold: float | None) -> float:
    if threshold is not None:
        return float(threshold)
    config = getattr(getattr(model, "info", None), "config", None) or {}
    return float((config.get("eval") or {}).get("uncertain_threshold", 0.5))


def evaluate_model(
    model: Any,
    data: str | Path | Sequence[str | Path],
    *,
    report_dir: str | Path,
    split: str = "test",
    threshold: float | None = None,
    top_errors: int = 20,
    batch_size: int = 512,
    ece_bins: int = 10,
    on_error: str = "fail",
    progress: bool | None = None,
) -> EvaluationReport:
    """Score ``model`` (a Classifier or a model path) on ``data`` and write the report to ``report_dir``."""
    from classify.models import load_model

    model_ref = str(model) if isinstance(model, (str, Path)) else repr(model)
    if isinstance(model, (str, Path)):
        model = load_model(model)
    from classify.models import OutputSpace

    space = OutputSpace.of(model)
    labels = space.labels
    threshold = _threshold_of(model, threshold)
    ev = load_eval_data(data, split=split, view=_model_view(model), on_error=on_error)
    if not ev.texts:
        raise ValueError(f"{ev.source}: no labelled records to evaluate")
    proba, rejected = space.fold(predict_proba_batched(model, ev.texts, batch_size, progress=progress))
    known = np.array([g in labels for g in ev.gold])
    if not known.any():
        raise ValueError(f"{ev.source}: no record has a gold label among the model's labels {labels}")
    gold_in = [g for g, k in zip(ev.gold, known) if k]
    p_in = proba[known]
    metrics = compute_metrics(gold_in, p_in, labels, ece_bins=ece_bins)
    pred_idx = p_in.argmax(axis=1)
    gold_idx = np.array([labels.index(g) for g in gold_in])
    correct = pred_idx == gold_idx
    ids_in = [i for i, k in zip(ev.ids, known) if k]
    texts_in = [t for t, k in zip(ev.texts, known) if k]
    wrong = np.flatnonzero(~correct)
    wrong = wrong[np.argsort(-p_in[wrong].max(axis=1), kind="stable")][:top_errors]
    errors = [{"id": ids_in[i], "gold": gold_in[i], "predicted": labels[pred_idx[i]],
               "score": float(p_in[i].max()), "gold_score": float(p_in[i, gold_idx[i]]),
               "rejected": bool(rejected[known][i]), "snippet": _snippet(texts_in[i])} for i in wrong]
    oot_gold = [g for g, k in zip(ev.gold, known) if not k]
    result = {
        "model": model_ref,
        "model_kind": getattr(model, "kind", None) or getattr(getattr(model, "info", None), "kind", None),
        "labels": labels,
        "data": ev.source,
        "split": split,
        "threshold": threshold,
        "metrics": metrics,
        "reject_labels": space.reject,
        "abstention": _abstention(p_in, correct, threshold, rejected[known]),
        "threshold_sweep": [_abstention(p_in, correct, t, rejected[known]) for t in THRESHOLDS],
        "out_of_taxonomy": _out_of_taxonomy(oot_gold, proba[~known], labels, threshold, rejected[~known]),
        "unlabelled_records": ev.unlabelled,
        "skipped_records": ev.skipped,
        "errors": errors,
        "warning": _training_overlap(model, data, split),
    }
    report_dir = Path(report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    from classify.io import write_json_atomic

    write_json_atomic(report_dir / METRICS_FILE, result)
    _plot_confusion(metrics, report_dir / CONFUSION_FILE)
    if metrics.get("reliability"):
        _plot_reliability(metrics, report_dir / RELIABILITY_FILE)
    (report_dir / REPORT_FILE).write_text(render_report(result), encoding="utf-8")
    return EvaluationReport(report_dir=report_dir, data=result)


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------


def _pct(x: float | None) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{100 * x:.1f}%"


def _f(x: float | None, digits: int = 4) -> str:
    return "–" if x is None else f"{x:.{digits}f}"


def _md_table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |" for row in rows]
    return "\n".join(lines)


def _training_overlap(model: Any, data: Any, split: str) -> str | None:
    """A warning when the records scored include the ones the model was trained on (a training fit)."""
    info = getattr(model, "info", None)
    trained_on = (getattr(info, "extra", None) or {}).get("data") or []
    train_split = ((getattr(info, "config", None) or {}).get("data") or {}).get("train_split", "train")
    paths = [data] if isinstance(data, (str, Path)) else list(data)
    try:
        same = {Path(str(p)).resolve() for p in paths} & {Path(str(p)).resolve() for p in trained_on}
    except OSError:
        return None
    if same and split in ("all", train_split):
        return ("These records include the model's own training split: the figures measure the training fit, "
                "not how the model does on unseen news.")
    return None


def render_report(r: dict[str, Any]) -> str:
    """``report.md`` from the ``metrics.json`` content."""
    m = r["metrics"]
    out = [f"# Evaluation: {r['model']}", "",
           (f"Data: {r['data']} · split `{r['split']}` · {m['n']} records with a label the model knows · "
           f"uncertainty threshold {r['threshold']:.2f}"), ""]
    if r.get("warning"):
        out += [f"> **Warning:** {r['warning']}", ""]
    out += [_md_table(["accuracy", "macro F1", "weighted F1", "macro precision", "macro recall", "ECE"],
                      [[_f(m["accuracy"]), _f(m["macro_f1"]), _f(m["weighted_f1"]), _f(m["macro_precision"]),
                        _f(m["macro_recall"]), _f(m.get("ece"))]]), ""]
    out += ["## Per class", "",
            _md_table(["label", "precision", "recall", "F1", "support"],
                      [[k, _f(v["precision"]), _f(v["recall"]), _f(v["f1"]), v["support"]]
                       for k, v in m["per_class"].items()]), ""]
    labels = m["labels"]
    out += ["## Confusion matrix (rows: gold, columns: predicted)", "", f"![confusion matrix]({CONFUSION_FILE})", "",
            _md_table(["gold \\ predicted", *labels], [[labels[i], *row] for i, row in enumerate(m["confusion_matrix"])]), ""]
    if m.get("reliability"):
        out += ["## Calibration", "", (f"Expected calibration error: **{_f(m['ece'])}** "
                f"({len(m['reliability'])} equal-width bins of the top probability)."), "",
                f"![reliability diagram]({RELIABILITY_FILE})", ""]
    a = r["abstention"]
    why = (f"top probability under {a['threshold']:.2f}, or most like a reject label "
           f"({', '.join(r['reject_labels'])})" if r.get("reject_labels") else f"top probability under {a['threshold']:.2f}")
    out += ["## Abstention", "",
            (f"Flagged uncertain when: {why}. {_pct(a['uncertain_rate'])} of in-taxonomy records are flagged; "
            f"accuracy {_pct(a['accuracy_when_certain'])} on the rest, "
            f"{_pct(a['accuracy_when_uncertain'])} on the flagged ones."), ""]
    oot = r.get("out_of_taxonomy") or {}
    sweep_rows = []
    for s in r["threshold_sweep"]:
        key = f"{s['threshold']:.2f}"
        sweep_rows.append([key, _pct(s["coverage"]), _pct(s["accuracy_when_certain"]),
                           _pct((oot.get("uncertain_rate_by_threshold") or {}).get(key)) if oot.get("n") else "–"])
    out += [_md_table(["threshold", "in-taxonomy coverage", "accuracy when certain", "out-of-taxonomy flagged"],
                      sweep_rows), ""]
    if oot.get("n"):
        out += ["## Records outside the model's taxonomy", "",
                (f"{oot['n']} records have a gold label the model does not output. {_pct(oot['uncertain_rate'])} of "
                f"them are flagged uncertain ({_pct(oot.get('rejected_rate'))} because a reject label was the most "
                f"probable class); mean top probability {oot['mean_confidence']:.2f}."), ""]
        out += [_md_table(["gold label", "n", "flagged uncertain", "predicted as"],
                          [[g, v["n"], _pct(v["uncertain_rate"]),
                            ", ".join(f"{k} {c}" for k, c in v["predicted"].items())]
                           for g, v in oot["by_gold_label"].items()]), ""]
    if r["errors"]:
        out += ["## Most confident errors", "",
                _md_table(["id", "gold", "predicted", "score", "snippet"],
                          [[e["id"], e["gold"], e["predicted"], f"{e['score']:.2f}", e["snippet"]]
                           for e in r["errors"]]), ""]
    if r.get("unlabelled_records"):
        out += [f"{r['unlabelled_records']} records without a gold label were not scored.", ""]
    if r.get("skipped_records"):
        out += [f"{len(r['skipped_records'])} input records were skipped (see metrics.json).", ""]
    return "\n".join(out)


def _pyplot():  # type: ignore[no-untyped-def]
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _plot_confusion(m: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    cm = np.asarray(m["confusion_matrix"])
    labels = m["labels"]
    fig, ax = plt.subplots(figsize=(1.2 * len(labels) + 2.5, 1.1 * len(labels) + 2))
    ax.imshow(cm, cmap="Blues")
    ax.set_xticks(range(len(labels)), labels, rotation=35, ha="right")
    ax.set_yticks(range(len(labels)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("gold")
    top = cm.max() if cm.size else 0
    for i in range(cm.shape[0]):
        for j in range(cm.shape[1]):
            ax.text(j, i, str(cm[i, j]), ha="center", va="center",
                    color="white" if top and cm[i, j] > top / 2 else "black")
    ax.set_title(f"Confusion matrix (n={m['n']})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_reliability(m: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    bins = m["reliability"]
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="perfect calibration")
    centers = [(b["lower"] + b["upper"]) / 2 for b in bins if b["count"]]
    accs = [b["accuracy"] for b in bins if b["count"]]
    confs = [b["confidence"] for b in bins if b["count"]]
    width = bins[0]["upper"] - bins[0]["lower"]
    ax.bar(centers, accs, width=width * 0.9, alpha=0.7, label="accuracy", edgecolor="black")
    ax.plot(confs, accs, marker="o", color="darkred", label="(mean confidence, accuracy)")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("top-class probability")
    ax.set_ylabel("accuracy")
    ax.set_title(f"Reliability diagram (ECE = {m['ece']:.3f})")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# --------------------------------------------------------------------------------------------------
# Comparison
# --------------------------------------------------------------------------------------------------


def compare_reports(report_dirs: Sequence[str | Path], output: str | Path | None = None) -> str:
    """One Markdown table comparing several ``classify evaluate`` reports; written to ``output`` if given."""
    if not report_dirs:
        raise ValueError("give at least one report directory")
    reports = []
    for d in report_dirs:
        path = Path(d) / METRICS_FILE
        if not path.is_file():
            raise FileNotFoundError(f"{d}: not a report directory (no {METRICS_FILE})")
        reports.append((Path(d), json.loads(path.read_text(encoding="utf-8"))))
    all_labels: list[str] = []
    for _, r in reports:
        for label in r["metrics"]["labels"]:
            if label not in all_labels:
                all_labels.append(label)
    header = ["report", "model", "kind", "data", "n", "accuracy", "macro F1", "weighted F1", "ECE",
              "uncertain", "OOT flagged", *[f"F1 {x}" for x in all_labels]]
    rows = []
    best = max(r["metrics"]["macro_f1"] for _, r in reports)
    for d, r in reports:
        m = r["metrics"]
        oot = r.get("out_of_taxonomy") or {}
        macro = _f(m["macro_f1"])
        rows.append([
            d.name, Path(str(r["model"])).name, r.get("model_kind") or "–", f"{r['data']}", m["n"],
            _f(m["accuracy"]), f"**{macro}**" if m["macro_f1"] == best and len(reports) > 1 else macro,
            _f(m["weighted_f1"]), _f(m.get("ece")), _pct((r.get("abstention") or {}).get("uncertain_rate")),
            _pct(oot.get("uncertain_rate")) if oot.get("n") else "–",
            *[_f(m["per_class"][x]["f1"]) if x in m["per_class"] else "–" for x in all_labels],
        ])
    table = _md_table(header, rows)
    text = f"# Model comparison\n\n{table}\n"
    if output is not None:
        out = Path(output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
    return text
