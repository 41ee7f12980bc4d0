"""Build a labelled Hugging Face dataset from raw scraped articles.

One record per article: read (:mod:`classify.io`) -> parse and strip page chrome (:mod:`classify.articles`)
-> label by rules, overridden by gold (:mod:`classify.labeling`) -> near-duplicate clusters
(:mod:`classify.dedup`) -> splits stratified by label and grouped by cluster (:mod:`classify.splits`).

Processed records stream into an Arrow file on disk, so memory grows with what the splitter and the rule
report need per record (an id, a label, a MinHash signature and the rules' vote), not with the text.

Records whose label cannot go into the train/validation/test splits are kept, not dropped: gold labels
outside the taxonomy go to the ``out_of_taxonomy`` split and records nobody could label (the rules
abstained, no gold) to ``unlabelled``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Sequence

import pyarrow as pa

from classify.articles import Article, ChromeRules, parse_article
from classify.dedup import DedupConfig, DuplicateFinder
from classify.io import ErrorReport, InputError, read_records
from classify.labeling import LabelDecision, Labeler, rule_report
from classify.models.base import atomic_directory, package_versions
from classify.progress import progress_bar
from classify.splits import SPLIT_NAMES, assign_splits, parse_fractions
from classify.text import split_sentences

OUT_OF_TAXONOMY = "out_of_taxonomy"
UNLABELLED = "unlabelled"
RULE_REPORT_FILE = "rule_report.json"
BUILD_REPORT_FILE = "build_report.json"
_BATCH = 1000


def dataset_features():  # type: ignore[no-untyped-def]
    """The dataset's schema (``datasets.Features``)."""
    from datasets import Features, List, Value

    segment = {"text": Value("string"), "kind": Value("string"), "role": Value("string"),
               "label": Value("string")}
    return Features(
        {
            "id": Value("string"),
            "text": Value("string"),
            "title": Value("string"),
            "date": Value("string"),
            "byline": Value("string"),
            "url": Value("string"),
            "label": Value("string"),
            "label_source": Value("string"),
            "label_confidence": Value("float32"),
            "label_scores": Value("string"),
            "rules_label": Value("string"),
            "rules_fired": List(Value("string")),
            "also": List(Value("string")),
            "segments": List(segment),
            "sentences": List(Value("string")),
            "dup_group": Value("string"),
            "source": Value("string"),
        }
    )


@dataclass
class DatasetBuild:
    """What :func:`run_build` produced: the dataset plus the reports that go beside it."""

    dataset: Any  #: datasets.DatasetDict
    rule_report: dict[str, Any]
    errors: ErrorReport
    stats: dict[str, Any]
    labeler: Labeler
    _workdir: Path | None = field(default=None, repr=False)

    def cleanup(self) -> None:
        """Remove the temporary Arrow file behind :attr:`dataset` (after saving it)."""
        if self._workdir is not None:
            shutil.rmtree(self._workdir, ignore_errors=True)
            self._workdir = None


def read_gold(path: str | Path) -> dict[str, str]:
    """Read ``{"id": ..., "label": ...}`` lines; errors name the file and line."""
    gold: dict[str, str] = {}
    path = Path(path)
    with path.open("r", encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise InputError(f"{path}:{lineno}: malformed JSON ({e.msg})") from e
            if not isinstance(obj, dict) or "id" not in obj or not obj.get("label"):
                raise InputError(f"{path}:{lineno}: a gold line needs 'id' and 'label'")
            gold[str(obj["id"])] = str(obj["label"])
    return gold


def _segments(article: Article, label: str | None, fallback: str) -> list[dict[str, str]]:
    out = []
    for seg in article.segments:
        seg_label = (label or "") if seg.kind == "body" else fallback
        out.append({"text": seg.text, "kind": seg.kind, "role": seg.role, "label": seg_label})
    return out


def _resolve_label(
    gold_label: str | None, decision: LabelDecision, article: Article, fallback: str,
) -> tuple[str | None, str]:
    """The record's label and where it came from: gold beats rules; a chrome-only page is the fallback."""
    if gold_label:
        return gold_label, "gold"
    if decision.label is not None:
        return decision.label, "rules"
    if not article.body_segments:
        return fallback, "rules"
    return None, "none"


def run_build(
    inputs: Sequence[str | Path],
    *,
    labels: str | Path | Labeler | None = None,
    chrome: str | Path | ChromeRules | None = None,
    gold: str | Path | None = None,
    seed: int = 0,
    split: str | Sequence[float] = (0.8, 0.1, 0.1),
    on_error: str = "fail",
    text_field: str = "text",
    id_field: str = "id",
    use_label_column: bool = True,
    dedup: DedupConfig | None = None,
    progress: bool | None = None,
) -> DatasetBuild:
    """Read, parse, label, cluster and split ``inputs``; see the module docstring."""
    from datasets import Dataset, DatasetDict

    fractions = parse_fractions(split)
    labeler = labels if isinstance(labels, Labeler) else Labeler.load(labels)
    rules = chrome if isinstance(chrome, ChromeRules) else ChromeRules.load(chrome)
    gold_map = read_gold(gold) if gold else {}
    schema = labeler.schema
    names = set(schema.names)
    fallback = schema.fallback
    features = dataset_features()
    arrow_schema = features.arrow_schema

    workdir = Path(tempfile.mkdtemp(prefix="classify-build-"))
    arrow_path = workdir / "records.arrow"
    errors = ErrorReport()
    finder = DuplicateFinder(dedup or DedupConfig())
    ids: list[str] = []
    final_labels: list[str | None] = []
    sources: Counter[str] = Counter()
    decisions: list[LabelDecision] = []
    gold_for_report: list[str | None] = []
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []

    try:
        with pa.OSFile(str(arrow_path), "wb") as sink, pa.ipc.new_stream(sink, arrow_schema) as writer, \
                progress_bar("Building dataset", enabled=progress) as advance:

            def flush() -> None:
                if rows:
                    writer.write_batch(pa.RecordBatch.from_pylist(rows, schema=arrow_schema))
                    advance(len(rows))
                    rows.clear()

            for raw in read_records(inputs, text_field=text_field, id_field=id_field, on_error=on_error,
                                    report=errors):
                article = parse_article(raw.text, id=raw.id, title=raw.title, url=raw.url, date=raw.date,
                                        rules=rules)
                decision = labeler.label(article)
                gold_label = gold_map.get(raw.id) or (raw.label if use_label_column else None)
                label, source = _resolve_label(gold_label, decision, article, fallback)
                decisions.append(decision)
                # the rule report scores rules against any gold there is, even a label column kept out of use
                gold_for_report.append(gold_map.get(raw.id) or raw.label)
                clean = article.text
                finder.add(raw.id, clean or raw.text, raw.extra.get("dup_group"))
                ids.append(raw.id)
                final_labels.append(label)
                sources[source] += 1
                rows.append(
                    {
                        "id": raw.id,
                        "text": clean,
                        "title": article.title,
                        "date": article.date,
                        "byline": article.byline,
                        "url": raw.url,
                        "label": label,
                        "label_source": source,
                        "label_confidence": float(decision.confidence),
                        "label_scores": json.dumps(decision.scores, ensure_ascii=False, sort_keys=True),
                        "rules_label": decision.label,
                        "rules_fired": list(decision.fired),
                        "also": list(raw.also),
                        "segments": _segments(article, label, fallback),
                        "sentences": [s for seg in article.body_segments for s in split_sentences(seg.text)],
                        "dup_group": None,  # filled in after clustering
                        "source": f"{raw.source}:{raw.line}" if raw.line is not None else raw.source,
                    }
                )
                if len(rows) >= _BATCH:
                    flush()
            flush()

        groups = finder.groups(ids)
        split_of = _split_names(final_labels, [groups[i] for i in ids], names, fractions, seed)
        table = Dataset.from_file(str(arrow_path))
        table = table.remove_columns("dup_group").add_column("dup_group", [groups[i] for i in ids])
        table = table.select_columns(list(features))
        parts = {}
        for name in (*SPLIT_NAMES, OUT_OF_TAXONOMY, UNLABELLED):
            idx = [i for i, s in enumerate(split_of) if s == name]
            if idx:
                parts[name] = table.select(idx)
            elif name in SPLIT_NAMES:  # an empty split still exists, with the full schema
                parts[name] = Dataset.from_dict({k: [] for k in features}, features=features)
        dataset = DatasetDict(parts)
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise

    elapsed = time.perf_counter() - started
    report = rule_report(labeler, decisions, gold_for_report)
    stats = _stats(dataset, sources, errors, finder, groups, elapsed, fractions, seed, inputs, labeler)
    return DatasetBuild(dataset=dataset, rule_report=report, errors=errors, stats=stats, labeler=labeler,
                        _workdir=workdir)


def _split_names(
    labels: list[str | None], groups: list[str], names: set[str],
    fractions: tuple[float, float, float], seed: int,
) -> list[str]:
    """Split per record; out-of-taxonomy and unlabelled records are set aside (whole clusters kept together)."""
    splittable = [i for i, lab in enumerate(labels) if lab in names]
    out = [OUT_OF_TAXONOMY if lab else UNLABELLED for lab in labels]
    assigned = assign_splits([labels[i] for i in splittable], [groups[i] for i in splittable], fractions, seed)  # type: ignore[misc]
    for i, name in zip(splittable, assigned):
        out[i] = name
    return out


def _stats(dataset, sources, errors, finder, groups, elapsed, fractions, seed, inputs, labeler) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    per_split = {name: dict(sorted(Counter(ds["label"]).items(), key=lambda kv: str(kv[0])))
                 for name, ds in dataset.items()}
    cluster_sizes = Counter(groups.values())
    return {
        "records": sum(len(ds) for ds in dataset.values()),
        "skipped": len(errors.skipped),
        "per_split": per_split,
        "label_source": dict(sources),
        "dup_clusters": sum(1 for n in cluster_sizes.values() if n > 1),
        "records_in_dup_clusters": sum(n for n in cluster_sizes.values() if n > 1),
        "minhash_links": finder.found_pairs,
        "seconds": round(elapsed, 3),
        "split_fractions": list(fractions),
        "seed": seed,
        "inputs": [str(p) for p in inputs],
        "labels_config": str(labeler.source) if getattr(labeler, "source", None) else "default",
        "built": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "versions": package_versions("datasets", "datasketch", "pyarrow"),
    }


def build_dataset(inputs: Sequence[str | Path], **kwargs: Any):  # type: ignore[no-untyped-def]
    """Build and return the ``datasets.DatasetDict`` only (see :func:`run_build` for the options)."""
    return run_build(inputs, **kwargs).dataset


def write_dataset(build: DatasetBuild, output: str | Path) -> Path:
    """Write the dataset (``save_to_disk``), its card and reports to ``output`` atomically."""
    from classify.dataset_card import render_card

    output = Path(output)
    try:
        with atomic_directory(output) as tmp:
            # one shard at least: datasets cannot read back a split saved with zero shards
            shards = {name: max(1, -(-len(ds) // 100_000)) for name, ds in build.dataset.items()}
            with _quiet_datasets():
                build.dataset.save_to_disk(str(tmp), num_shards=shards)
            (tmp / RULE_REPORT_FILE).write_text(
                json.dumps(build.rule_report, ensure_ascii=False, indent=2), encoding="utf-8")
            (tmp / BUILD_REPORT_FILE).write_text(
                json.dumps({"stats": build.stats, "errors": build.errors.to_dict()}, ensure_ascii=False,
                           indent=2), encoding="utf-8")
            (tmp / "labels.json").write_text(
                json.dumps([{"name": d.name, "display_name": d.display_name, "definition": d.definition}
                            for d in build.labeler.schema.labels], ensure_ascii=False, indent=2),
                encoding="utf-8")
            (tmp / "README.md").write_text(render_card(build), encoding="utf-8")
    finally:
        build.cleanup()
    return output


@contextmanager
def _quiet_datasets() -> Iterator[None]:
    """Silence datasets' own progress bars (ours is the one the user sees)."""
    from datasets.utils.logging import disable_progress_bar, enable_progress_bar, is_progress_bar_enabled

    was = is_progress_bar_enabled()
    disable_progress_bar()
    try:
        yield
    finally:
        if was:
            enable_progress_bar()


def load_dataset_dir(path: str | Path):  # type: ignore[no-untyped-def]
    """Load a dataset written by ``classify build-dataset``."""
    from datasets import load_from_disk

    path = Path(path)
    if not (path / "dataset_dict.json").is_file():
        raise FileNotFoundError(f"{path}: not a dataset directory written by `classify build-dataset`")
    return load_from_disk(str(path))
