"""`classify summarize`: extractive briefs with key facts (and a label when a model is given)."""

from __future__ import annotations

from pathlib import Path

import typer

from classify.cli._app import app
from classify.cli.common import OnError, exit_with_input_error


@app.command("summarize")
def summarize_command(
    inputs: list[str] = typer.Argument(..., help="Files or folders: .txt (one article each), .jsonl, .csv, .parquet; - for JSONL on stdin."),
    output: str = typer.Option("-", "--output", "-o", help="Output .jsonl, .csv or .parquet; - for JSONL on stdout."),
    sentences: int | None = typer.Option(None, "--sentences", "-n", min=1, help="Brief length in sentences (default from the config: 3)."),
    chars: int | None = typer.Option(None, "--chars", min=20, help="Brief length in characters instead of sentences."),
    model: str | None = typer.Option(None, "--model", "-m", help="Classifier (model directory or hub id): adds label and confidence."),
    abstractive: str | None = typer.Option(None, "--abstractive", help="Seq2seq model directory (transformers): adds an abstract."),
    config: Path | None = typer.Option(None, "--config", help="Summarizer config YAML (default: configs/summarize.yaml)."),
    chrome: Path | None = typer.Option(None, "--chrome", help="Page-chrome rules YAML (default: configs/chrome.yaml)."),
    on_error: OnError = typer.Option(OnError.fail, "--on-error", help="fail: stop at the first bad record; skip: report it and go on."),
    text_field: str = typer.Option("text", "--text-field", help="Column holding the article text."),
    id_field: str = typer.Option("id", "--id-field", help="Column holding the record id."),
    errors: Path | None = typer.Option(None, "--errors", help="Write the read/skip report as JSON here."),
    progress: bool | None = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: on a terminal)."),
) -> None:
    """Write a short brief per article: the best body sentences (page chrome is never a candidate), in
    article order, and the key facts (dates, money amounts, counts, people with titles, places, bodies).

    Output records: id, brief, sentences, facts; label and confidence with --model; abstract with
    --abstractive (generated from the clean body by a seq2seq model; the brief stays extractive). A JSONL record that
    already carries a `sentences` list is ranked as given (evaluation mode) and also gets `scores`, one
    per input sentence in input order: `classify summarize - --output -` works as a JSONL filter.
    """
    from classify.io import InputError
    from classify.summarize import SummarizeConfigError, run_summarize

    if sentences is not None and chars is not None:
        typer.echo("error: give either --sentences or --chars, not both", err=True)
        raise typer.Exit(2)
    try:
        result = run_summarize(inputs, output, sentences=sentences, chars=chars, model=model,
                               abstractive=abstractive, config=config,
                               chrome=chrome, on_error=on_error.value, text_field=text_field, id_field=id_field,
                               progress=progress)
    except (InputError, SummarizeConfigError, ValueError, FileNotFoundError) as e:
        exit_with_input_error(e)
    if errors is not None:
        result.report.write_json(errors)
    where = "stdout" if output == "-" else output
    typer.echo(f"Wrote {result.written} briefs to {where} in {result.seconds:.1f} s; {result.report.summary()}",
               err=True)
