"""`classify predict`: a model + raw articles -> one prediction per record."""

from __future__ import annotations

from pathlib import Path

import typer

from classify.cli._app import app
from classify.cli.common import OnError, exit_with_input_error


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
) -> None:
    """Classify raw articles: per record id, label, score, scores {label: p} and uncertain.

    Output order is input order; every input record gives one output record or one reported error.

    Example: classify predict --model models/tfidf news.jsonl --output predictions.jsonl
    """
    from classify.io import InputError
    from classify.predict import predict_files

    try:
        summary = predict_files(model, inputs, output, threshold=threshold, batch_size=batch_size, jobs=jobs,
                                on_error=on_error.value, text_field=text_field, id_field=id_field,
                                errors_path=errors, progress=progress)
    except (InputError, ValueError, FileNotFoundError) as e:
        exit_with_input_error(e)
    typer.echo(summary.summary(), err=True)
