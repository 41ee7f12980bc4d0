"""`classify pretrain`: unlabelled news -> an encoder with continued masked-language-model training."""

from __future__ import annotations

from pathlib import Path

import typer

from classify.cli._app import app
from classify.cli.common import OnError, exit_with_input_error


def split_overrides(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Separate input paths from dotted overrides (``--model.epochs 2``, ``--data.heldout=0.1``).

    Click hands unknown options to the variadic INPUT argument, so both arrive mixed; an override takes
    the next token as its value unless written ``--key=value``.
    """
    paths: list[str] = []
    overrides: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.startswith("--") and len(token) > 2:
            overrides.append(token)
            if "=" not in token and i + 1 < len(tokens):
                overrides.append(tokens[i + 1])
                i += 1
        else:
            paths.append(token)
        i += 1
    return paths, overrides


@app.command(
    "pretrain",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
)
def pretrain_command(
    ctx: typer.Context,
    inputs: list[str] = typer.Argument(None, help="Unlabelled articles: files or folders (.txt, .jsonl, .csv, .parquet; - for JSONL on stdin), or one `classify build-dataset` directory."),
    output: Path = typer.Option(..., "--output", "-o", help="Directory to write the encoder to (replaced atomically); use it as --model.name in `classify train`."),
    config: str | None = typer.Option(None, "--config", "-c", help="Pretraining config YAML (default: configs/pretrain.yaml, BERTurk; configs/pretrain-tiny.yaml trains a tiny BERT from scratch offline)."),
    on_error: OnError | None = typer.Option(None, "--on-error", help="fail: stop at the first bad record; skip: report it and go on (default: the config's data.on_error)."),
    text_field: str | None = typer.Option(None, "--text-field", help="Column holding the article text (default: the config's, `text`)."),
    id_field: str | None = typer.Option(None, "--id-field", help="Column holding the record id (default: the config's, `id`)."),
    errors: Path | None = typer.Option(None, "--errors", help="Write the read/skip report as JSON here."),
    seed: int | None = typer.Option(None, "--seed", help="Override the config's seed."),
    progress: bool | None = typer.Option(None, "--progress/--no-progress", help="Progress display (default: on a terminal)."),
) -> None:
    """Continue masked-language-model training of an encoder on your unlabelled news (domain pretraining).

    For users without a Turkish BERT, or whose news differs from what their encoder read: the clean
    article bodies (page chrome stripped, as the classifier reads them) are cut into blocks of
    model.max_length tokens; 5% of the records are held out and the held-out perplexity is reported
    before and after training. With model.scratch a small BERT is trained from nothing (offline).
    The output directory holds save_pretrained weights, the tokenizer and pretrain.json.

    Any config field can be overridden with a dotted option, e.g. `--model.epochs 1 --data.heldout 0.1`
    (values are YAML scalars; `--model.scratch null` removes a section).

    Offline: a model.name that is neither in the Hugging Face cache nor a local directory fails at once
    with the ways to fix it; HF_HUB_OFFLINE=1 is respected.

    Example: classify pretrain news/ --config configs/pretrain-tiny.yaml --output models/tiny-mlm
    then: classify train --config configs/bert-tiny.yaml --data DATASET --output models/bert-tiny
    --model.scratch null --model.name models/tiny-mlm
    """
    from classify.config import ConfigError, parse_overrides
    from classify.io import ErrorReport, InputError
    from classify.models.transformer import ModelNotAvailableError
    from classify.pretrain import PretrainConfigError, PretrainError, pretrain

    paths, extra = split_overrides([*(inputs or []), *ctx.args])
    if not paths:
        exit_with_input_error(ValueError("no INPUT given: name files, folders, - or a dataset directory"))
    report = ErrorReport()
    try:
        overrides = parse_overrides(extra)
        for key, value in (("data.on_error", on_error.value if on_error else None), ("data.text_field", text_field),
                           ("data.id_field", id_field), ("seed", seed)):
            if value is not None:
                overrides[key] = value
        result = pretrain(paths, output, config=config, overrides=overrides, report=report, progress=progress)
    except (ConfigError, PretrainConfigError, PretrainError, InputError, ModelNotAvailableError,
            FileNotFoundError) as e:
        if errors is not None:
            report.write_json(errors)
        exit_with_input_error(e)
    if errors is not None:
        report.write_json(errors)
    typer.echo(result.summary())
    if result.info["skipped"]:
        typer.echo(f"Skipped records and reasons: {report.summary()}", err=True)
