"""`classify compare`: several evaluation reports -> one Markdown comparison table."""

from __future__ import annotations

from pathlib import Path

import typer

from classify.cli._app import app
from classify.cli.common import exit_with_input_error


@app.command("compare")
def compare_command(
    reports: list[Path] = typer.Argument(..., help="Report directories written by `classify evaluate`."),
    output: Path | None = typer.Option(Path("reports/comparison.md"), "--output", "-o", help="Markdown file to write the table to."),
) -> None:
    """Print one table comparing models: accuracy, macro/weighted F1, ECE, uncertain rates, per-label F1.

    Example: classify compare reports/tfidf reports/tfidf-svm reports/bert --output reports/comparison.md
    """
    from classify.evaluation import compare_reports

    try:
        table = compare_reports(reports, output)
    except (FileNotFoundError, ValueError, KeyError) as e:
        exit_with_input_error(e)
    typer.echo(table)
    if output is not None:
        typer.echo(f"Written to {output}", err=True)
