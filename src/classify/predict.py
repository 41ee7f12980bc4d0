"""Batch prediction: raw articles in, one labelled record out per input record, streaming.

:func:`predict_files` (``classify predict``) reads ``.txt`` folders, ``.jsonl``, ``.csv``, ``.parquet`` or
``-`` (JSONL on stdin) with :func:`classify.io.read_records` and writes ``.jsonl``, ``.csv``, ``.parquet`` or
``-`` (JSONL on stdout) with :class:`classify.io.RecordWriter`. Each output record is::

    {"id": ..., "label": ..., "score": top probability, "scores": {label: p, ...}, "uncertain": bool}

``uncertain`` is true when the top probability is below the threshold (the model's
``eval.uncertain_threshold`` unless given) or, for a model trained with reject labels (e.g. a five-label
model that also learned ``other_social``), when a reject label was the most probable class: news outside
the model's taxonomy should land there rather than in a confident wrong label.

Guarantees: output order = input order; every input record yields exactly one output record or one
reported error (``on_error="fail"`` stops at the first, ``"skip"`` lists them in the summary and, with
``errors_path``, in a JSON file); memory is bounded by ``batch_size`` times the number of batches in
flight, never by the input size.

Speed: pages are parsed (chrome stripped, :func:`classify.articles.parse_article`) and classified in
batches by ``jobs`` worker processes forked after the model is loaded (so the model is shared, not
copied or re-loaded), while the main process reads and writes. Nothing heavier than the model's own
pipeline runs per record: no sentence splitting, labelling rules or deduplication.
"""

from __future__ import annotations

import os
import sys
import time
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from classify.progress import progress_bar

__all__ = ["PredictSummary", "Predictor", "predict_files", "prediction_records"]

DEFAULT_BATCH = 500


@dataclass
class PredictSummary:
    """What :func:`predict_files` did."""

    output: str
    read: int = 0
    written: int = 0
    skipped: list[Any] = field(default_factory=list)  #: classify.io.Skipped entries
    uncertain: int = 0
    label_counts: dict[str, int] = field(default_factory=dict)
    threshold: float = 0.5
    seconds: float = 0.0
    jobs: int = 1
    reject_labels: list[str] = field(default_factory=list)

    def summary(self) -> str:
        rate = self.written / self.seconds if self.seconds > 0 else float("nan")
        counts = ", ".join(f"{k} {v}" for k, v in sorted(self.label_counts.items(), key=lambda kv: -kv[1]))
        out = (f"Predicted {self.written} records in {self.seconds:.1f} s ({rate:.0f}/s, {self.jobs} "
               f"process{'es' if self.jobs > 1 else ''}) -> {self.output}\n  labels: {counts or '-'}; "
               f"uncertain (top probability < {self.threshold:.2f}"
               + (f" or most like {'/'.join(self.reject_labels)}" if self.reject_labels else "")
               + f"): {self.uncertain}")
        if self.skipped:
            out += f"\n  skipped {len(self.skipped)} records: " + "; ".join(str(s) for s in self.skipped[:5])
            if len(self.skipped) > 5:
                out += f"; ... ({len(self.skipped) - 5} more)"
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"output": self.output, "read": self.read, "written": self.written, "uncertain": self.uncertain,
                "label_counts": self.label_counts, "threshold": self.threshold, "seconds": self.seconds,
                "jobs": self.jobs, "reject_labels": self.reject_labels, "skipped": [str(s) for s in self.skipped]}


class Predictor:
    """A loaded model plus the page -> model-input step it was trained with (see :mod:`classify.training`)."""

    def __init__(self, model: Any) -> None:
        from classify.models import OutputSpace

        self.model = model
        self.space = OutputSpace.of(model)
        self.labels: list[str] = self.space.labels  #: the labels predictions are reported in
        config = getattr(getattr(model, "info", None), "config", None) or {}
        self.view = str((config.get("data") or {}).get("view", "body"))
        self.default_threshold = float((config.get("eval") or {}).get("uncertain_threshold", 0.5))
        self._rules: Any = None

    def inputs(self, pages: Sequence[tuple[str, str | None, str | None]]) -> list[str]:
        """(text, title, url) per page -> what the model reads."""
        if self.view == "page":
            from classify.training import raw_text

            return [raw_text(t, view="page", title=ti) for t, ti, _ in pages]
        from classify.articles import ChromeRules, parse_article
        from classify.models import document_text

        if self._rules is None:
            self._rules = ChromeRules.load(None)
        rules = self._rules
        out = []
        for text, title, url in pages:
            article = parse_article(text, title=title, url=url, rules=rules)
            out.append(document_text(article.title, article.text))
        return out

    def predict_pages(self, pages: Sequence[tuple[str, str | None, str | None]]) -> np.ndarray:
        """Probabilities for raw pages, columns = :attr:`labels` (rows sum to 1)."""
        return self.classify_pages(pages)[0]

    def classify_pages(self, pages: Sequence[tuple[str, str | None, str | None]]) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities over :attr:`labels`, True where a reject label was the most probable class);
        see :class:`classify.models.OutputSpace`."""
        return self.space.fold(self.model.predict_proba(self.inputs(pages)))


def prediction_records(ids: Sequence[str], proba: np.ndarray, labels: Sequence[str], threshold: float,
                       rejected: np.ndarray | None = None) -> list[dict[str, Any]]:
    """Output records for one batch (probabilities rounded to 6 decimals).

    ``uncertain`` is true when the top probability is below ``threshold`` or, for a model with reject
    labels, when ``rejected`` says a reject label was the most probable class.
    """
    top = proba.argmax(axis=1) if len(proba) else np.zeros(0, dtype=int)
    rounded = np.round(proba, 6).tolist()
    out = []
    for i, rid in enumerate(ids):
        row = rounded[i]
        best = row[top[i]]
        flagged = proba[i, top[i]] < threshold or (rejected is not None and bool(rejected[i]))
        out.append({"id": rid, "label": labels[top[i]], "score": best, "scores": dict(zip(labels, row)),
                    "uncertain": bool(flagged)})
    return out


# --------------------------------------------------------------------------------------------------
# Worker processes
# --------------------------------------------------------------------------------------------------

_WORKER: Predictor | None = None  # set in the parent before forking; workers inherit it


def _work(batch: list[tuple[str, str | None, str | None]]) -> tuple[tuple[np.ndarray, np.ndarray] | None, str | None]:
    try:
        assert _WORKER is not None
        return _WORKER.classify_pages(batch), None
    except Exception as e:  # noqa: BLE001 - sent back to the parent, which applies the on_error policy
        return None, f"{type(e).__name__}: {e}"


def _share_threads(threads: int) -> None:
    """Worker initialiser: split the cores between workers instead of every worker using all of them
    (a forked torch model with all cores in each of two workers ran several times slower)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def _cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _default_jobs() -> int:
    return max(1, min(_cpu_count(), 8))


# --------------------------------------------------------------------------------------------------
# The driver
# --------------------------------------------------------------------------------------------------


@dataclass
class _Batch:
    ids: list[str]
    where: list[tuple[str, int | None]]
    pages: list[tuple[str, str | None, str | None]]


def _batches(records: Iterator[Any], size: int) -> Iterator[_Batch]:
    batch = _Batch([], [], [])
    for rec in records:
        batch.ids.append(rec.id)
        batch.where.append((rec.source, rec.line))
        batch.pages.append((rec.text, rec.title, rec.url))
        if len(batch.ids) >= size:
            yield batch
            batch = _Batch([], [], [])
    if batch.ids:
        yield batch


def predict_files(
    model: Any,
    inputs: Sequence[str | Path],
    output: str | Path,
    *,
    threshold: float | None = None,
    batch_size: int = DEFAULT_BATCH,
    jobs: int | None = None,
    on_error: str = "fail",
    text_field: str = "text",
    id_field: str = "id",
    fmt: str | None = None,
    errors_path: str | Path | None = None,
    progress: bool | None = None,
) -> PredictSummary:
    """Classify every record of ``inputs`` and write one prediction per record to ``output``.

    ``model`` is a loaded Classifier or a model path/repo id. ``jobs`` worker processes (default: the
    CPUs available, at most 8; 1 = in-process) parse and classify batches of ``batch_size`` records.
    """
    from classify.io import ErrorReport, InputError, RecordWriter, Skipped, read_records, write_json_atomic

    global _WORKER
    started = time.perf_counter()
    if on_error not in ("fail", "skip"):
        raise ValueError(f"on_error must be 'fail' or 'skip', not {on_error!r}")
    if isinstance(model, (str, Path)):
        from classify.models import load_model

        model = load_model(model)
    predictor = Predictor(model)
    labels = predictor.labels
    threshold = predictor.default_threshold if threshold is None else float(threshold)
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], got {threshold}")
    if jobs is None:  # one process drives a GPU; on a CPU, one worker per core (up to 8)
        jobs = 1 if getattr(model, "uses_accelerator", False) else _default_jobs()
    jobs = max(1, int(jobs))
    report = ErrorReport()
    summary = PredictSummary(output=str(output), threshold=threshold, jobs=jobs,
                             reject_labels=list(predictor.space.reject))
    records = read_records([str(p) for p in inputs], text_field=text_field, id_field=id_field,
                           on_error=on_error, report=report)  # type: ignore[arg-type]

    def emit(writer: Any, batch: _Batch, result: tuple[np.ndarray, np.ndarray] | None, error: str | None) -> None:
        if result is None:  # the batch failed as a whole: find the record(s) at fault
            proba = np.zeros((len(batch.ids), len(labels)))
            rejected = np.zeros(len(batch.ids), dtype=bool)
            ok = np.ones(len(batch.ids), dtype=bool)
            for i, page in enumerate(batch.pages):
                try:
                    p, r = predictor.classify_pages([page])
                    proba[i], rejected[i] = p[0], r[0]
                except Exception as e:
                    source, line = batch.where[i]
                    if on_error == "fail":
                        raise InputError(source, line, f"prediction failed: {type(e).__name__}: {e}",
                                         id=batch.ids[i]) from e
                    report.add(Skipped(source=source, line=line, id=batch.ids[i],
                                       reason=f"prediction failed: {type(e).__name__}: {e}"))
                    ok[i] = False
            keep = np.flatnonzero(ok)
            batch = _Batch([batch.ids[i] for i in keep], [batch.where[i] for i in keep], [])
            proba, rejected = proba[keep], rejected[keep]
        else:
            proba, rejected = result
        for rec in prediction_records(batch.ids, proba, labels, threshold, rejected):
            writer.write(rec)
            summary.label_counts[rec["label"]] = summary.label_counts.get(rec["label"], 0) + 1
            summary.uncertain += rec["uncertain"]
        summary.written += len(batch.ids)

    pool = None
    try:
        with RecordWriter(output, fmt) as writer, progress_bar("Predicting", enabled=progress) as advance:
            batches = _batches(records, batch_size)
            first = next(batches, None)
            second = next(batches, None) if first is not None else None
            if second is None or jobs == 1:  # small input or one process: no pool
                summary.jobs = 1
                for batch in (b for b in (first, second) if b is not None):
                    emit(writer, batch, *_run_inline(predictor, batch))
                    advance(len(batch.ids))
                for batch in batches:
                    emit(writer, batch, *_run_inline(predictor, batch))
                    advance(len(batch.ids))
            else:
                import multiprocessing as mp

                _WORKER = predictor
                predictor.inputs([("", None, None)])  # load chrome rules once, before forking
                threads = max(1, _cpu_count() // jobs)
                pool = mp.get_context("fork").Pool(jobs, initializer=_share_threads, initargs=(threads,))
                window: deque[tuple[_Batch, Any]] = deque()
                for batch in _chain(first, second, batches):
                    window.append((batch, pool.apply_async(_work, (batch.pages,))))
                    while len(window) > 2 * jobs:
                        done, result = window.popleft()
                        emit(writer, done, *result.get())
                        advance(len(done.ids))
                while window:
                    done, result = window.popleft()
                    emit(writer, done, *result.get())
                    advance(len(done.ids))
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        _WORKER = None
    summary.read = report.read
    summary.skipped = list(report.skipped)
    summary.seconds = time.perf_counter() - started
    if errors_path is not None:
        write_json_atomic(errors_path, {"summary": summary.to_dict(), "errors": report.to_dict()})
    return summary


def _run_inline(predictor: Predictor, batch: _Batch) -> tuple[tuple[np.ndarray, np.ndarray] | None, str | None]:
    try:
        return predictor.classify_pages(batch.pages), None
    except Exception as e:  # noqa: BLE001 - emit() retries record by record to find the culprit
        return None, f"{type(e).__name__}: {e}"


def _chain(first: _Batch | None, second: _Batch | None, rest: Iterator[_Batch]) -> Iterator[_Batch]:
    for b in (first, second):
        if b is not None:
            yield b
    yield from rest
