"""The model card (``README.md``) of a published model, generated from facts, never hand-written.

:func:`collect_facts` gathers what is *known* about a saved model — ``classify.json`` (kind, labels,
config, versions, metrics), the evaluation report written by ``classify evaluate`` (``metrics.json``,
``report.md``, the confusion-matrix PNG) and, when given, the dataset it was trained on (its build report
and taxonomy) — and :func:`render_model_card` turns those facts into Hub metadata (``language``,
``license``, ``library_name``, ``pipeline_tag``, ``tags``, ``datasets``, a ``model-index`` with the
measured metrics) and prose. A number that is not in those files is not in the card: where a fact is
missing the card says so instead of guessing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from classify.models.base import ModelInfo

__all__ = ["CardFacts", "EvalFacts", "collect_facts", "find_eval_report", "read_eval_metrics",
           "render_model_card"]

#: file names a ``classify evaluate`` report may use, by role (first match wins)
_METRICS_FILES = ("metrics.json",)
_REPORT_FILES = ("report.md",)
#: the staged folder's sub-directory for the evaluation report
EVAL_DIR = "eval"
#: where a report may sit relative to a model directory when no --eval is given
_EVAL_SUBDIRS = ("eval", "evaluation", "report", ".")

#: metric name in a report -> (model-index type, display name, config); the first key found wins
_OVERALL = {
    "accuracy": ("accuracy", "Accuracy", None),
    "macro_f1": ("f1", "Macro F1", "macro"),
    "f1_macro": ("f1", "Macro F1", "macro"),
    "weighted_f1": ("f1", "Weighted F1", "weighted"),
    "f1_weighted": ("f1", "Weighted F1", "weighted"),
    "macro_precision": ("precision", "Macro precision", "macro"),
    "precision_macro": ("precision", "Macro precision", "macro"),
    "macro_recall": ("recall", "Macro recall", "macro"),
    "recall_macro": ("recall", "Macro recall", "macro"),
    "ece": ("ece", "Expected calibration error", None),
}
_PER_CLASS_KEYS = ("per_class", "per_label", "classes", "by_label")
_SPLIT_NAMES = ("test", "validation", "valid", "dev", "train")

_WEAK_LABELS = (
    "Labels marked **rules** were assigned by keyword labelling functions (`configs/labels.yaml`: "
    "weighted votes over title, lead and body, with a prior for `unrelated`), not by people. They are "
    "*weak* labels: systematically wrong where the rules are (keyword traps, articles that mention a "
    "topic without being about it), and a model trained on them learns those errors too. Scores measured "
    "against rule labels measure agreement with the rules, not correctness. Labels marked **gold** were "
    "assigned by annotators following the corpus guidelines (the primary label is what an article is "
    "*mainly* about) and override the rules."
)


@dataclass
class EvalFacts:
    """One evaluation: where it was measured and what came out, exactly as reported."""

    split: str | None  #: the dataset split, e.g. "test"; None when the report does not say
    overall: dict[str, float]  #: report key -> value (accuracy, macro_f1, ...)
    #: label -> precision/recall/f1/support
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    n: int | None = None  #: number of evaluated examples
    label_source: dict[str, int] = field(default_factory=dict)  #: gold/rules counts of the evaluated labels
    dataset: str | None = None  #: what was evaluated (a short name: the folder or file name)
    source: str = ""  #: the file these facts come from
    dataset_path: Path | None = field(default=None, repr=False)  #: the evaluated dataset, when known locally


@dataclass
class CardFacts:
    """Everything the card states, with the file each fact came from."""

    repo_id: str
    info: ModelInfo
    label_definitions: dict[str, dict[str, str]]  #: label -> {display_name, definition}
    definitions_source: str
    evaluations: list[EvalFacts]
    eval_documents: dict[str, str]  #: name inside eval/ -> published text (metrics.json, report.md)
    eval_images: dict[str, Path]  #: name inside eval/ -> PNG of the report (confusion matrix, reliability)
    confusion_image: str | None  #: path of the confusion matrix inside the staged folder
    training_data: dict[str, Any] | None  #: per-split label counts and label sources, if known
    training_data_source: str | None
    rule_summary: dict[str, Any] | None  #: rule report summary of the training dataset, if known
    trusted_types: list[str]  #: for skops weights: the types the file holds (all on the allow-list)
    license: str = "apache-2.0"
    dataset_id: str | None = None
    weights_files: list[str] = field(default_factory=list)

    @property
    def output_labels(self) -> list[str]:
        """The labels the model reports: its training labels less any reject labels (``other_social``)."""
        from classify.models import OutputSpace

        return OutputSpace.from_labels(self.info.labels, self.reject_labels).labels

    @property
    def reject_labels(self) -> list[str]:
        """Classes learnt only to recognise out-of-taxonomy news; never reported (pages flagged uncertain)."""
        return list((self.info.extra or {}).get("reject_labels") or [])


# --------------------------------------------------------------------------------------------------
# Collecting facts
# --------------------------------------------------------------------------------------------------


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _number(x: Any) -> float | None:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return None
    return None if math.isnan(float(x)) else float(x)


def find_eval_report(model_dir: Path, eval_dir: str | Path | None = None) -> Path | None:
    """The folder holding the evaluation report: ``eval_dir`` if given, else one inside ``model_dir``."""
    if eval_dir is not None:
        path = Path(eval_dir)
        if path.is_file():
            path = path.parent
        if not any((path / name).is_file() for name in _METRICS_FILES):
            raise FileNotFoundError(f"{path}: no {' or '.join(_METRICS_FILES)} (written by `classify "
                                    "evaluate`)")
        return path
    for sub in _EVAL_SUBDIRS:
        path = model_dir / sub
        if any((path / name).is_file() for name in _METRICS_FILES):
            return path
    return None


def _per_class(raw: Any) -> dict[str, dict[str, float]]:
    if isinstance(raw, list):  # [{"label": ..., "precision": ...}, ...]
        raw = {str(r.get("label") or r.get("name")): r for r in raw if isinstance(r, dict)}
    if not isinstance(raw, dict):
        return {}
    out: dict[str, dict[str, float]] = {}
    for label, row in raw.items():
        if isinstance(row, dict):
            pairs = ((k, _number(row.get(k))) for k in ("precision", "recall", "f1", "support"))
            vals = {k: v for k, v in pairs if v is not None}
            if vals:
                out[str(label)] = vals
    return out


def _one_eval(raw: dict[str, Any], split: str | None, source: str, outer: dict[str, Any]) -> EvalFacts | None:
    overall = {k: v for k, v in ((k, _number(raw.get(k))) for k in _OVERALL) if v is not None}
    if not overall:
        return None
    per_class: dict[str, dict[str, float]] = {}
    for key in _PER_CLASS_KEYS:
        if key in raw:
            per_class = _per_class(raw[key])
            break
    else:  # training-time metrics keep only F1 per class
        if isinstance(raw.get("per_class_f1"), dict):
            per_class = _per_class({k: {"f1": v} for k, v in raw["per_class_f1"].items()})
    n = raw.get("n", raw.get("n_examples", raw.get("support", outer.get("n"))))
    label_source = raw.get("label_source", outer.get("label_source")) or {}
    dataset = raw.get("dataset", outer.get("dataset", outer.get("data")))
    return EvalFacts(
        split=raw.get("split", split) if isinstance(raw.get("split", split), str) else split,
        overall=overall,
        per_class=per_class,
        n=int(n) if isinstance(n, (int, float)) and not isinstance(n, bool) else None,
        label_source={str(k): int(v) for k, v in label_source.items() if isinstance(v, (int, float))}
        if isinstance(label_source, dict) else {},
        dataset=str(dataset) if isinstance(dataset, (str, Path)) else None,
        source=source,
    )


def read_eval_metrics(raw: Any, source: str = "") -> list[EvalFacts]:
    """Evaluations found in a metrics mapping: either flat (one evaluation, its ``split`` inside) or keyed
    by split name (``{"test": {...}, "validation": {...}}``). Values are taken as they are, never derived."""
    if not isinstance(raw, dict):
        return []
    found: list[EvalFacts] = []
    nested = raw.get("metrics") if isinstance(raw.get("metrics"), dict) else None
    if nested is not None:
        one = _one_eval(nested, raw.get("split"), source, raw)
        if one:
            found.append(one)
    one = _one_eval(raw, raw.get("split") if isinstance(raw.get("split"), str) else None, source, raw)
    if one:
        found.append(one)
    for key, value in raw.items():
        if isinstance(value, dict) and key != "metrics":
            split = key if key in _SPLIT_NAMES else None
            if split is None and not any(k in value for k in _OVERALL):
                continue
            one = _one_eval(value, split, source, raw)
            if one:
                found.append(one)
    order = {s: i for i, s in enumerate(_SPLIT_NAMES)}
    found.sort(key=lambda e: order.get(e.split or "", len(order)))
    return found


def _definitions(model_dir: Path, info: ModelInfo,
                 data_dir: Path | None) -> tuple[dict[str, dict[str, str]], str]:
    """Label definitions from the dataset's labels.json, else the model's labels config, else the default."""
    if data_dir is not None and (data_dir / "labels.json").is_file():
        rows = _read_json(data_dir / "labels.json")
        return ({r["name"]: {"display_name": r.get("display_name"), "definition": r.get("definition")}
                 for r in rows}, f"{data_dir.name}/labels.json")
    if (model_dir / "labels.json").is_file():
        rows = _read_json(model_dir / "labels.json")
        if isinstance(rows, list):
            return ({r["name"]: {"display_name": r.get("display_name"), "definition": r.get("definition")}
                     for r in rows if isinstance(r, dict) and "name" in r}, "labels.json")
    from classify.labeling import Labeler

    config_path = None
    data_cfg = info.config.get("data", {}) if isinstance(info.config, dict) else {}
    if isinstance(data_cfg, dict) and data_cfg.get("labels") and Path(str(data_cfg["labels"])).is_file():
        config_path = Path(str(data_cfg["labels"]))
    labeler = Labeler.load(config_path)
    defs = {d.name: {"display_name": d.display_name, "definition": d.definition}
            for d in labeler.schema.labels}
    return defs, config_path.name if config_path else "the packaged labels.yaml"


def _training_data(info: ModelInfo, data_dir: Path | None) -> tuple[dict[str, Any] | None, str | None,
                                                                    dict[str, Any] | None]:
    """Per-split label counts and label sources: from the dataset's build report, else classify.json."""
    if data_dir is not None:
        build = data_dir / "build_report.json"
        if not build.is_file():
            raise FileNotFoundError(f"{build}: missing (is {data_dir} a dataset written by `classify "
                                    "build-dataset`?)")
        stats = _read_json(build).get("stats", {})
        rules = data_dir / "rule_report.json"
        summary = _read_json(rules).get("summary") if rules.is_file() else None
        return ({"per_split": stats.get("per_split", {}), "label_source": stats.get("label_source", {}),
                 "records": stats.get("records"), "dup_clusters": stats.get("dup_clusters"),
                 "split_fractions": stats.get("split_fractions"), "seed": stats.get("seed")},
                f"{data_dir.name}/build_report.json", summary)
    for key in ("data", "training_data", "train_data"):
        data = info.extra.get(key)
        if isinstance(data, dict) and data:
            return data, f"classify.json (extra.{key})", None
    return None, None, None


def _data_ref(text: str) -> tuple[str, str | None]:
    """``"/data/ds [test]"`` (how ``classify evaluate`` names what it scored) -> ``("/data/ds", "test")``."""
    m = re.match(r"^(?P<path>.*?) \[(?P<split>[\w-]+)\]$", text.strip())
    return (m["path"], m["split"]) if m else (text.strip(), None)


def _is_dataset_dir(path: Path | None) -> bool:
    return path is not None and (path / "dataset_dict.json").is_file()


def _split_label_sources(dataset_dir: Path, split: str, labels: Sequence[str]) -> dict[str, int]:
    """How the labels of one split were made (gold/rules), counting the records a model with ``labels``
    is scored on."""
    from classify.dataset import load_dataset_dir

    dataset = load_dataset_dir(dataset_dir)
    if split not in dataset:
        return {}
    known = set(labels)
    counts: dict[str, int] = {}
    for label, source in zip(dataset[split]["label"], dataset[split]["label_source"]):
        if label in known:
            counts[source] = counts.get(source, 0) + 1
    return counts


def _resolved(path: Path | None) -> str | None:
    return None if path is None else str(path.expanduser().resolve())


def _short(path: str) -> str:
    """A published name for a local path: its last component (no home directories on the Hub)."""
    return Path(path).name or path


def _published_report(report: dict[str, Any], include_snippets: bool) -> dict[str, Any]:
    """The evaluation report as published: local paths cut to their last component and, unless asked for,
    the text snippets of misclassified articles left out (third-party news text is not ours to publish)."""
    out = json.loads(json.dumps(report))
    if isinstance(out.get("model"), str):
        out["model"] = _short(out["model"])
    if isinstance(out.get("data"), str):
        path, split = _data_ref(out["data"])
        out["data"] = f"{_short(path)} [{split}]" if split else _short(path)
    if not include_snippets:
        for error in out.get("errors") or []:
            if isinstance(error, dict) and "snippet" in error:
                error["snippet"] = "(left out of the published report)"
    return out


def _report_evaluations(report_dir: Path, labels: Sequence[str], include_snippets: bool
                        ) -> tuple[list[EvalFacts], dict[str, str], dict[str, Path]]:
    """Evaluations of a ``classify evaluate`` report, its published documents and its images.

    A report of a model with other labels (another model's report, given by mistake) is refused.
    """
    raw = _read_json(report_dir / _METRICS_FILES[0])
    reported = raw.get("labels") if isinstance(raw, dict) else None
    if isinstance(reported, list) and list(reported) != list(labels):
        raise ValueError(f"{report_dir}: the report is about a model with labels {reported}, not this "
                         f"model's {list(labels)}; pass the report of this model (--eval)")
    published = _published_report(raw, include_snippets)
    documents = {"metrics.json": json.dumps(published, ensure_ascii=False, indent=2) + "\n"}
    if (report_dir / _REPORT_FILES[0]).is_file():
        try:
            from classify.evaluation import render_report

            documents["report.md"] = render_report(published)
        except (ImportError, KeyError, TypeError, ValueError):  # a report of another shape: keep it as is
            if include_snippets:
                documents["report.md"] = (report_dir / _REPORT_FILES[0]).read_text(encoding="utf-8")
    images = {png.name: png for png in sorted(report_dir.glob("*.png"))}
    evaluations = read_eval_metrics(raw, source="eval/metrics.json")
    data_path, data_split = _data_ref(str(raw.get("data", ""))) if raw.get("data") else ("", None)
    for ev in evaluations:
        ev.split = ev.split or data_split
        if data_path:
            ev.dataset = _short(data_path)
            ev.dataset_path = Path(data_path)
    return evaluations, documents, images


def collect_facts(
    model_dir: Path,
    repo_id: str,
    *,
    eval_dir: str | Path | None = None,
    data_dir: str | Path | None = None,
    license: str = "apache-2.0",
    dataset_id: str | None = None,
    include_snippets: bool = False,
) -> CardFacts:
    """Read the facts about the model in ``model_dir``.

    Sources, in order of preference: the evaluation report (``eval_dir``, or one inside the model
    directory), the training-time metrics in ``classify.json``, the training dataset (``data_dir``, or the
    dataset directory ``classify.json`` says the model was trained on, when it still exists) for label
    counts and for how the labels of each evaluated split were made.
    """
    model_dir = Path(model_dir)
    info = ModelInfo.read(model_dir)
    from classify.models import OutputSpace

    labels = OutputSpace.from_labels(info.labels, (info.extra or {}).get("reject_labels") or []).labels
    data_path = Path(data_dir) if data_dir is not None else None
    trained_on = info.extra.get("data")
    if isinstance(trained_on, list) and len(trained_on) == 1 and _is_dataset_dir(Path(str(trained_on[0]))):
        trained_path: Path | None = Path(str(trained_on[0]))
    else:
        trained_path = None
    if data_path is None and trained_path is not None:
        data_path = trained_path
    definitions, definitions_source = _definitions(model_dir, info, data_path)
    training_data, training_source, rule_summary = _training_data(info, data_path)

    evaluations: list[EvalFacts] = []
    documents: dict[str, str] = {}
    images: dict[str, Path] = {}
    report_dir = find_eval_report(model_dir, eval_dir)
    if report_dir is not None:
        evaluations, documents, images = _report_evaluations(report_dir, labels, include_snippets)
    if info.metrics:  # scored by `classify train` on the splits of the training data
        reported = {(_resolved(ev.dataset_path), ev.split) for ev in evaluations}
        for ev in read_eval_metrics(info.metrics, source="classify.json (scored at training time)"):
            if trained_path is not None:
                ev.dataset, ev.dataset_path = trained_path.name, trained_path
            elif isinstance(trained_on, list) and trained_on:
                ev.dataset = ", ".join(_short(str(x)) for x in trained_on)
            if ev.dataset_path is not None and (_resolved(ev.dataset_path), ev.split) in reported:
                continue  # the evaluation report covers this split already, in more detail
            evaluations.append(ev)
    for ev in evaluations:
        if not ev.label_source and ev.split and _is_dataset_dir(ev.dataset_path):
            assert ev.dataset_path is not None
            ev.label_source = _split_label_sources(ev.dataset_path, ev.split, labels)

    confusion = next((f"{EVAL_DIR}/{name}" for name in images if name.startswith("confusion")), None)
    trusted: list[str] = []
    weights = [p.relative_to(model_dir).as_posix() for p in sorted(model_dir.glob("*.skops"))]
    if weights:
        import skops.io as sio

        trusted = sorted(set().union(*(sio.get_untrusted_types(file=model_dir / w) for w in weights)))
    weights += [p.name for p in sorted(model_dir.glob("*.safetensors"))]
    return CardFacts(
        repo_id=repo_id, info=info, label_definitions=definitions, definitions_source=definitions_source,
        evaluations=evaluations, eval_documents=documents, eval_images=images, confusion_image=confusion,
        training_data=training_data, training_data_source=training_source, rule_summary=rule_summary,
        trusted_types=trusted, license=license, dataset_id=dataset_id, weights_files=weights,
    )


# --------------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------------


def _fmt(x: Any) -> str:
    if isinstance(x, float):
        return f"{x:.3f}"
    return "" if x is None else str(x)


def _table(header: list[str], rows: list[list[Any]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_fmt(v).replace("|", "\\|").replace("\n", " ") for v in row) + " |"
              for row in rows]
    return "\n".join(lines)


def _library(kind: str) -> str:
    return {"tfidf": "sklearn", "transformer": "transformers"}.get(kind, "classify")


def _describe(info: ModelInfo) -> str:
    model = info.config.get("model", {}) if isinstance(info.config, dict) else {}
    if info.kind == "tfidf":
        heads = {"logreg": "logistic regression", "svm": "a calibrated linear SVM",
                 "nb": "calibrated complement naive Bayes"}
        head = heads.get(model.get("head", ""), model.get("head", "a linear model"))
        parts = []
        if model.get("word_ngram_range"):
            lo, hi = model["word_ngram_range"]
            parts.append(f"word {lo}–{hi}-grams")
        if model.get("char_ngram_range"):
            lo, hi = model["char_ngram_range"]
            parts.append(f"character {lo}–{hi}-grams inside words")
        feats = " and ".join(parts) or "n-grams"
        text = (f"a TF-IDF model ({feats}, Turkish casing and digit normalisation) with {head} on top, "
                "a scikit-learn pipeline saved with skops")
        if model.get("rules"):
            w = float(model.get("rules_weight", 0.2))
            text += (f". Hand-written labelling rules (`rules.yaml`, from `{model['rules']}`) are mixed into "
                     f"its close calls: where the two most probable labels are within {w / (1 - w):.2f} of "
                     f"each other the probabilities are {1 - w:g} × model + {w:g} × rules, so a plain "
                     "scikit-learn `predict_proba` on `model.skops` alone differs from `classify predict` there")
        return text
    if info.kind == "transformer":
        if model.get("scratch"):
            return ("a small BERT trained from scratch (no pre-training) with a classification head; "
                    "a plain transformers model")
        name = model.get("name") or "a pre-trained encoder"
        return f"`{name}` fine-tuned for sequence classification; a plain transformers model"
    return f"a `{info.kind}` model"


def _metadata(f: CardFacts) -> dict[str, Any]:
    from huggingface_hub import EvalResult, ModelCardData

    dataset_type = f.dataset_id or "local"
    results = []
    for ev in f.evaluations:
        data_name = ev.dataset or "Turkish social-services news"
        seen: set[tuple[str, str | None]] = set()
        for key, value in ev.overall.items():
            mtype, mname, mconfig = _OVERALL[key]
            if (mtype, mconfig) in seen:
                continue
            seen.add((mtype, mconfig))
            results.append(EvalResult(
                task_type="text-classification", task_name="Text Classification",
                dataset_type=dataset_type,
                dataset_name=f"{data_name} ({ev.split} split)" if ev.split else data_name,
                dataset_split=ev.split, metric_type=mtype, metric_name=mname, metric_config=mconfig,
                metric_value=round(value, 4),
            ))
    tags = ["text-classification", "turkish", "news", "social-services", "classify", f.info.kind]
    if f.info.kind == "tfidf":
        tags.append("skops")
    data = ModelCardData(
        language="tr",
        license=f.license,
        library_name=_library(f.info.kind),
        pipeline_tag="text-classification",
        tags=tags,
        datasets=[f.dataset_id] if f.dataset_id else None,
        metrics=sorted({_OVERALL[k][0] for ev in f.evaluations for k in ev.overall}) or None,
        model_name=f.repo_id,
        eval_results=results or None,
    )
    return data.to_dict()


def _label_section(f: CardFacts) -> str:
    rows = []
    for i, name in enumerate(f.info.labels):
        d = f.label_definitions.get(name, {})
        definition = d.get("definition") or "(no definition recorded)"
        rows.append([i, f"`{name}`", d.get("display_name") or "", definition])
    return (
        "## Labels\n\n"
        f"One label per article, the columns of `predict_proba` in this order (definitions from "
        f"`{f.definitions_source}`; the same map is in `labels.json`):\n\n"
        + _table(["id", "label", "Türkçe", "definition"], rows)
        + (f"\n\nReject label(s) {', '.join(f'`{r}`' for r in f.reject_labels)}: learnt so that news outside "
           "the taxonomy is recognised, never reported. `classify predict` renormalises over the other labels "
           "and flags a page `uncertain` when a reject label is the most probable class."
           if f.reject_labels else "")
    )


def _data_section(f: CardFacts) -> str:
    out = ["## Training data and how it was labelled", ""]
    td = f.training_data
    if td:
        per_split = td.get("per_split") or {}
        if per_split:
            splits = list(per_split)
            labels = sorted({lab for c in per_split.values() for lab in c}, key=str)
            rows = [[f"`{lab}`"] + [per_split[s].get(lab, 0) for s in splits] for lab in labels]
            rows.append(["**total**"] + [sum(per_split[s].values()) for s in splits])
            out += [f"Articles per label and split (from `{f.training_data_source}`):", "",
                    _table(["label", *splits], rows), ""]
        sources = td.get("label_source") or {}
        if sources:
            total = sum(sources.values()) or 1
            shares = ", ".join(f"{k}: {v} ({v / total:.0%})" for k, v in sorted(sources.items()))
            out += [f"Where the labels came from: {shares}.", ""]
            if sources.get("rules"):
                rules = sources["rules"]
                out += [f"**{rules} of the {total} labels ({rules / total:.0%}) are rule labels (weak).**",
                        ""]
        extra = f.info.extra
        if extra.get("train_articles") is not None:
            line = f"The model was fitted on {extra['train_articles']} articles of the training split"
            if extra.get("chrome_examples"):
                train_cfg = (f.info.config.get("train") or {}) if isinstance(f.info.config, dict) else {}
                weight = train_cfg.get("chrome_weight")
                weight_note = f", weight {weight}" if weight is not None else ""
                line += (f" plus {extra['chrome_examples']} page-chrome examples (menus and teasers of those "
                         f"pages, labelled `unrelated`{weight_note})")
            out += [line + " (`classify.json`).", ""]
        if td.get("dup_clusters") is not None:
            out += [(f"Near-duplicate articles were clustered ({td['dup_clusters']} clusters) and each "
                     "cluster was kept inside one split, so copies of a story never sit on both sides of the "
                     "evaluation."), ""]
        if f.rule_summary:
            summ = ", ".join(f"{k}: {_fmt(v)}" for k, v in f.rule_summary.items()
                             if v is not None and not isinstance(v, (dict, list)))
            if summ:
                out += [f"Rule report of that dataset (`rule_report.json`): {summ}.", ""]
    else:
        out += [("The training data was not given when this card was generated (`classify publish --data "
                 "DIR` adds its label counts); `classify.json` records its fingerprint "
                 f"`{f.info.data_fingerprint or 'unknown'}`."), ""]
    out += [("Articles are pages scraped from Turkish news sites. Page chrome (menus, related-news "
             "teasers, bylines) is stripped by `classify`'s article parser before labelling and training; "
             "the model sees the headline followed by the clean body."), "", _WEAK_LABELS]
    return "\n".join(out)


def _eval_section(f: CardFacts) -> str:
    out = ["## Evaluation", ""]
    if not f.evaluations:
        out.append("No evaluation was recorded for this model (no evaluation report and no metrics in "
                   "`classify.json`). Run `classify evaluate` and publish again with `--eval DIR`.")
        return "\n".join(out)
    for ev in f.evaluations:
        where = f"the `{ev.split}` split" if ev.split else "a split the report does not name"
        size = f" ({ev.n} articles)" if ev.n is not None else ""
        data = f" of `{ev.dataset}`" if ev.dataset else ""
        out.append(f"### Measured on {where}{size}{data}")
        out.append("")
        out.append(f"Source: `{ev.source}`.")
        if ev.label_source:
            total = sum(ev.label_source.values()) or 1
            parts = ", ".join(f"{k} {v}" for k, v in sorted(ev.label_source.items()))
            out.append(f"Reference labels of that split: {parts}.")
            if ev.label_source.get("rules"):
                out.append(f"{ev.label_source['rules'] / total:.0%} of them are rule labels, so these scores "
                           "partly measure agreement with the labelling rules, not correctness.")
        else:
            out.append("The report does not say whether the reference labels were gold or rule labels; if "
                       "they came from the rules, the scores measure agreement with the rules.")
        if ev.split == "train":
            out.append("**These scores were measured on the training split itself: they show the fit, not "
                       "how the model does on unseen articles.**")
        out.append("")
        seen: set[tuple[str, str | None]] = set()
        rows = []
        for key, value in ev.overall.items():
            mtype, mname, mconfig = _OVERALL[key]
            if (mtype, mconfig) in seen:
                continue
            seen.add((mtype, mconfig))
            rows.append([mname, value])
        out += [_table(["metric", "value"], rows), ""]
        if ev.per_class:
            columns = [c for c in ("precision", "recall", "f1", "support")
                       if any(c in r for r in ev.per_class.values())]
            rows = [[f"`{lab}`"] + [(int(r[c]) if c == "support" else r[c]) if c in r else None
                                    for c in columns]
                    for lab, r in ev.per_class.items()]
            out += [_table(["label", *("F1" if c == "f1" else c for c in columns)], rows), ""]
    if f.confusion_image:
        out += [f"![Confusion matrix]({f.confusion_image})", ""]
    if "report.md" in f.eval_documents:
        out.append("The full report (errors, calibration) is in `eval/report.md`.")
    return "\n".join(out).rstrip()


def _limitations(f: CardFacts) -> str:
    items = [
        ("Weak labels: see above. Where training labels came from rules, the model inherits the rules' "
         "blind spots, and evaluation against rule labels overstates quality."),
        f"Small data: {len(f.output_labels)} labels learnt from "
        + (f"{f.info.extra['train_articles']} training articles" if f.info.extra.get("train_articles")
           else "a small training set")
        + "; rare phrasings and new programmes (names of schemes change every year) are likely misread.",
        ("Topic drift: news about social services follows the political calendar (e.g. the 2025 Aile "
         "Yılı); re-evaluate on recent articles before relying on the scores."),
        ("Keyword traps: articles that mention a topic without being about it (`aile hekimi`, disability "
         "sports, condolences) are the commonest confusion; check `unrelated` predictions with low "
         "confidence."),
        "One label per article: an article about two topics gets the one it is *mainly* about.",
    ]
    if f.info.kind == "tfidf":
        items.append("TF-IDF sees n-grams, not meaning: paraphrases without shared words are missed, and "
                     "probabilities are calibrated only as well as the training data allows.")
        model = f.info.config.get("model", {}) if isinstance(f.info.config, dict) else {}
        if model.get("rules"):
            items.append("The mixed-in rules are keyword lists written for Turkish social-services news of "
                         "2019–2025; on other sources they can push close calls towards their keywords.")
    if f.info.kind == "transformer":
        items.append("The encoder reads 512 tokens at a time; `classify` splits longer articles into "
                     "windows and aggregates them, while a plain transformers pipeline truncates.")
    return "## Limitations\n\n" + "\n".join(f"- {i}" for i in items)


#: the example sentence of the usage snippets (written for the card, not taken from any corpus)
_EXAMPLE = ("Aile ve Sosyal Hizmetler İl Müdürlüğü, koruma altındaki çocuklar için yeni bir Çocuk Evleri "
            "Sitesi açtı.")


def _usage(f: CardFacts) -> str:
    repo = f.repo_id
    out = [
        "## How to use",
        "",
        "### With classify",
        "",
        "```bash",
        "# needs the classify package this model was trained with (pip install -e . in its repository)",
        f"classify predict --model {repo} articles/ --output predictions.jsonl",
        "```",
        "",
        "```python",
        "from classify.models import load_model",
        "",
        f'model = load_model("{repo}")  # downloads once, then loads from the Hugging Face cache',
        f'proba = model.predict_proba(["{_EXAMPLE}"])',
        "print(dict(zip(model.labels, proba[0].round(3))))",
        "```",
        "",
    ]
    if f.info.kind == "tfidf":
        types = ",\n".join(f'    "{t}"' for t in f.trusted_types)
        out += [
            "### With skops and scikit-learn",
            "",
            ("The weights are a scikit-learn pipeline in `model.skops`. Load it with an explicit list of "
             "trusted types: below are exactly the types in this file that skops does not trust by default "
             "(scikit-learn's own estimators it trusts already), and `classify` itself refuses any type "
             "outside its allow-list. The pipeline's text steps live in the `classify` package, so it must "
             "be installed."),
            "",
            "```python",
            "import skops.io as sio",
            "from huggingface_hub import hf_hub_download",
            "",
            f'path = hf_hub_download("{repo}", "model.skops")',
            "trusted = [",
            types,
            "]",
            "unknown = set(sio.get_untrusted_types(file=path)) - set(trusted)",
            'assert not unknown, f"unexpected types in model.skops: {unknown}"',
            "pipeline = sio.load(path, trusted=trusted)",
            f'print(pipeline.predict(["{_EXAMPLE}"]))',
            "```",
        ]
    elif f.info.kind == "transformer":
        out += [
            "### With transformers",
            "",
            "```python",
            "from transformers import pipeline",
            "",
            f'classifier = pipeline("text-classification", model="{repo}", top_k=None, truncation=True)',
            f'print(classifier("{_EXAMPLE}"))',
            "```",
        ]
    return "\n".join(out)


def _config_section(f: CardFacts) -> str:
    import yaml

    out = ["## Training configuration", ""]
    if f.info.config:
        out += ["From `classify.json`:", "", "```yaml",
                yaml.safe_dump(f.info.config, allow_unicode=True, sort_keys=False).rstrip(), "```", ""]
    facts = [["model kind", f.info.kind], ["trained", f.info.created or "unknown"],
             ["training data fingerprint", f.info.data_fingerprint or "unknown"]]
    if "seed" in f.info.extra:
        facts.append(["seed", f.info.extra["seed"]])
    facts += [[f"`{k}`", v] for k, v in sorted(f.info.versions.items())]
    out.append(_table(["fact", "value"], facts))
    return "\n".join(out)


def render_model_card(f: CardFacts) -> str:
    """The card's text: YAML metadata block, then the sections (see the module docstring)."""
    import yaml

    meta = yaml.safe_dump(_metadata(f), allow_unicode=True, sort_keys=False).rstrip()
    names = ", ".join(f"`{n}`" for n in f.output_labels)
    first = f.evaluations[0] if f.evaluations else None
    headline = next((ev for ev in f.evaluations if ev.split == "test"), first)
    score = ""
    if headline is not None:
        key = next((k for k in ("macro_f1", "f1_macro", "accuracy") if k in headline.overall), None)
        if key:
            score = (f" On the `{headline.split or 'unnamed'}` split it scores {_OVERALL[key][1].lower()} "
                     f"{headline.overall[key]:.3f} (see [Evaluation](#evaluation)).")
    intro = (
        f"# {f.repo_id.split('/')[-1]}\n\n"
        f"Sorts Turkish news articles about social services into {len(f.output_labels)} topics ({names}). "
        f"It is {_describe(f.info)}, trained and published with `classify`.{score}"
    )
    topics = ", ".join((f.label_definitions.get(n, {}).get("display_name") or n) for n in f.output_labels)
    catch_all = " (mostly `unrelated`)" if "unrelated" in f.output_labels else ""
    intended = (
        "## Intended use\n\n"
        "- Routing and triage of Turkish-language news pages (scraped web articles) about social services in "
        f"Türkiye into the topics of the taxonomy below: {topics}.\n"
        "- Batch labelling of large article streams for monitoring and research, with the probabilities used "
        "to send uncertain articles to a person.\n\n"
        "## Out-of-scope use\n\n"
        "- Decisions about individual people (benefits, care placements, child-protection cases): the model "
        "classifies news topics, not people or their situations.\n"
        "- Texts that are not Turkish news articles (social-media posts, official documents, other "
        "languages): it was neither trained nor evaluated on them.\n"
        "- Judging truth, stance or sentiment: a label says what an article is about, not whether it is "
        "right.\n"
        f"- Topics outside the taxonomy below: every article is forced into one of its labels{catch_all}."
    )
    sections = [intro, intended, _label_section(f), _data_section(f), _eval_section(f), _limitations(f),
                _usage(f), _config_section(f)]
    return f"---\n{meta}\n---\n\n" + "\n\n".join(s.rstrip() for s in sections) + "\n"
