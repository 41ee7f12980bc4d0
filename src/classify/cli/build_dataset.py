"""`classify build-dataset`: raw articles -> labelled Hugging Face dataset."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from classify.cli._app import app
from classify.cli.common import OnError, exit_with_input_error


@app.command("build-dataset")
def build_dataset_command(
    inputs: List[Path] = typer.Argument(..., help="Files or folders: .txt (one article each), .jsonl, .csv, .parquet; - for JSONL on stdin."),
    output: Path = typer.Option(..., "--output", "-o", help="Directory to write the dataset to (replaced atomically)."),
    labels: Optional[Path] = typer.Option(None, "--labels", help="Label taxonomy and rules YAML (default: configs/labels.yaml)."),
    chrome: Optional[Path] = typer.Option(None, "--chrome", help="Page-chrome rules YAML (default: configs/chrome.yaml)."),
    gold: Optional[Path] = typer.Option(None, "--gold", help="JSONL of {id, label} gold labels; they override the rules."),
    seed: int = typer.Option(0, "--seed", help="Seed for the splits: same seed, same splits."),
    split: str = typer.Option("0.8,0.1,0.1", "--split", help="Train,validation,test fractions."),
    on_error: OnError = typer.Option(OnError.fail, "--on-error", help="fail: stop at the first bad record; skip: report it and go on."),
    text_field: str = typer.Option("text", "--text-field", help="Column holding the article text."),
    ignore_label_column: bool = typer.Option(False, "--ignore-label-column", help="Do not treat an input `label` column as gold (label by rules only)."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress", help="Progress bar (default: on a terminal)."),
) -> None:
    """Read raw articles, strip page chrome, label them (gold beats rules) and write a DatasetDict.

    Writes DIR/ with the splits (datasets `save_to_disk`), README.md (dataset card),
    rule_report.json and build_report.json (counts, skipped records and why).
    """
    from classify.dataset import run_build, write_dataset
    from classify.io import InputError

    try:
        build = run_build(inputs, labels=labels, chrome=chrome, gold=gold, seed=seed, split=split,
                          on_error=on_error.value, text_field=text_field,
                          use_label_column=not ignore_label_column, progress=progress)
    except (InputError, ValueError) as e:
        exit_with_input_error(e)
    out = write_dataset(build, output)
    s = build.stats
    counts = ", ".join(f"{name} {sum(c.values())}" for name, c in s["per_split"].items())
    typer.echo(f"Wrote {s['records']} records to {out} ({counts}); skipped {s['skipped']}; "
               f"{s['dup_clusters']} near-duplicate clusters; {s['seconds']:.1f} s")
    if s["skipped"]:
        typer.echo(f"Skipped records and reasons: {out / 'build_report.json'}", err=True)
