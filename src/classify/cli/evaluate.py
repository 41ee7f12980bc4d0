"""`classify evaluate`: a model + labelled data -> metrics.json, report.md and plots."""

from __future__ import annotations

from pathlib import Path

import typer

from classify.cli._app import app
from classify.cli.common import OnError, exit_with_input_error


@app.command("evaluate")
def evaluate_command(
    model: str = typer.Option(..., "--model", "-m", help="Model directory (or Hub repo id)."),
    data: list[str] = typer.Option(..., "--data", "-d", help="Dataset directory, or labelled raw files (a `label` column; repeat --data)."),
    report: Path = typer.Option(..., "--report", "-r", help="Directory for metrics.json, report.md, confusion.png, reliability.png."),
    split: str = typer.Option("test", "--split", help="Dataset split to score (`all` for every split); ignored for raw files."),
    threshold: float | None = typer.Option(None, "--threshold", help="Uncertainty threshold (default: the model's)."),
    top_errors: int = typer.Option(20, "--top-errors", help="How many of the most confident errors to list."),
    on_error: OnError = typer.Option(OnError.fail, "--on-error", help="Raw inputs: fail at the first bad record, or skip it."),
    progress: bool | None = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: on a terminal)."),
) -> None:
    """Score a model: accuracy, macro/weighted F1, per-class table, confusion matrix, calibration (ECE and a
    reliability diagram), abstention at the uncertainty threshold, what it does with out-of-taxonomy
    records, and the most confident errors with text snippets.

    Example: classify evaluate --model models/tfidf --data data/dev --split test --report reports/tfidf
    """
    from classify.evaluation import evaluate_model
    from classify.io import InputError

    try:
        result = evaluate_model(model, data, report_dir=report, split=split, threshold=threshold,
                                top_errors=top_errors, on_error=on_error.value, progress=progress)
    except (InputError, ValueError, FileNotFoundError) as e:
        exit_with_input_error(e)
    typer.echo(result.summary())
