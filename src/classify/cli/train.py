"""`classify train`: config + data -> a saved model directory."""

from __future__ import annotations

from pathlib import Path

import typer

from classify.cli._app import app
from classify.cli.common import exit_with_input_error


@app.command(
    "train",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def train_command(
    ctx: typer.Context,
    config: Path = typer.Option(..., "--config", "-c", help="Training config YAML, e.g. configs/tfidf.yaml."),
    data: list[str] = typer.Option(..., "--data", "-d", help="Dataset directory from `classify build-dataset`, or raw inputs (files/folders; repeat --data), built on the fly."),
    output: Path = typer.Option(..., "--output", "-o", help="Model directory to write (replaced atomically), e.g. models/tfidf."),
    seed: int | None = typer.Option(None, "--seed", help="Override the config's seed."),
    progress: bool | None = typer.Option(None, "--progress/--no-progress", help="Progress display (default: on a terminal)."),
) -> None:
    """Train a classifier as the config describes and save it with its metrics.

    Any config field can be overridden with a dotted option after the others, e.g.
    `--model.C 4 --model.head svm --train.chrome_examples false` (values are YAML scalars).

    Example: classify train --config configs/tfidf.yaml --data data/dev --output models/tfidf
    """
    from classify.config import ConfigError, parse_overrides
    from classify.io import InputError
    from classify.training import train_model

    try:
        overrides = parse_overrides(ctx.args)
        result = train_model(config, data, output, overrides=overrides, seed=seed, progress=progress)
    except (ConfigError, InputError, FileNotFoundError) as e:
        exit_with_input_error(e)
    typer.echo(result.summary())
