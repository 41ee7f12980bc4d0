"""`classify predict`: a model + raw articles -> one prediction per record."""

from __future__ import annotations

from pathlib import Path

import typer

from classify.cli._app import app
from classify.cli.common import InferenceBackend, OnError, exit_with_input_error


@app.command("predict")
def predict_command(
    inputs: list[str] = typer.Argument(..., help="Files or folders: .txt (one article each), .jsonl, .csv, .parquet; - for JSONL on stdin."),
    model: str = typer.Option(..., "--model", "-m", help="Model directory (or Hub repo id)."),
    output: str = typer.Option("-", "--output", "-o", help="Output .jsonl, .csv or .parquet; - for JSONL on stdout."),
    threshold: float | None = typer.Option(None, "--threshold", help="Flag a prediction uncertain below this top probability (default: the model's)."),
    batch_size: int = typer.Option(500, "--batch-size", help="Records per batch (memory is bounded by batch size x workers)."),
    jobs: int | None = typer.Option(None, "--jobs", "-j", help="Worker processes (default: available CPUs; 1 = no workers)."),
    on_error: OnError = typer.Option(OnError.fail, "--on-error", help="fail: stop at the first bad record; skip: report it and go on."),
    errors: Path | None = typer.Option(None, "--errors", help="Write skipped records and reasons to this JSON file."),
    text_field: str = typer.Option("text", "--text-field", help="Column holding the article text."),
    id_field: str = typer.Option("id", "--id-field", help="Column holding the record id."),
    progress: bool | None = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: on a terminal, never when piped)."),
    backend: InferenceBackend | None = typer.Option(None, "--backend", help="Transformer models: inference engine for this run (default: the model's; see `classify export-onnx`)."),
    refine_margin: float | None = typer.Option(None, "--refine-margin", help="Transformer models, fast backends: recompute in fp32 the articles whose top-2 probability margin is below this (0: off; default: the model's)."),
) -> None:
    """Classify raw articles: per record id, label, score, scores {label: p} and uncertain.

    Output order is input order; every input record gives one output record or one reported error.

    Example: classify predict --model models/tfidf news.jsonl --output predictions.jsonl
    """
    from classify.io import InputError
    from classify.models.base import BackendUnavailableError
    from classify.predict import predict_files

    try:
        loaded = model if backend is None and refine_margin is None else _with_engine(model, backend, refine_margin)
        summary = predict_files(loaded, inputs, output, threshold=threshold, batch_size=batch_size, jobs=jobs,
                                on_error=on_error.value, text_field=text_field, id_field=id_field,
                                errors_path=errors, progress=progress)
    except (InputError, ValueError, FileNotFoundError, BackendUnavailableError) as e:
        exit_with_input_error(e)
    typer.echo(summary.summary(), err=True)


def _with_engine(model: str, backend: InferenceBackend | None, refine_margin: float | None):  # type: ignore[no-untyped-def]
    """Load ``model`` and apply the run-time --backend / --refine-margin overrides (transformer models only)."""
    from classify.models import load_model

    if refine_margin is not None and not 0.0 <= refine_margin < 1.0:
        raise ValueError(f"--refine-margin must lie in [0, 1), got {refine_margin}")
    loaded = load_model(model)
    if not hasattr(loaded, "with_backend"):
        raise ValueError(f"--backend and --refine-margin apply to transformer models; {model} is a "
                         f"{getattr(loaded, 'kind', type(loaded).__name__)} model")
    return loaded.with_backend(loaded.config.backend if backend is None else backend.value,
                               refine_margin=refine_margin)
