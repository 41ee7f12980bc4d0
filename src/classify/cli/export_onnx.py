"""`classify export-onnx`: add an ONNX (int8) fast path to a saved transformer model."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import typer

from classify.cli._app import app
from classify.cli.common import exit_with_input_error


@app.command("export-onnx")
def export_onnx_command(
    model: Path = typer.Option(..., "--model", "-m", help="Transformer model directory written by `classify train`."),
    check: List[str] = typer.Argument(..., help="Texts to check the fast path on (.txt folders, .jsonl, .csv, .parquet)."),
    quantize: bool = typer.Option(True, "--quantize/--no-quantize", help="Dynamic int8 quantisation of the ONNX graph."),
    min_agreement: float = typer.Option(0.99, "--min-agreement", help="Refuse the export below this argmax agreement with fp32."),
    make_default: bool = typer.Option(True, "--make-default/--keep-torch", help="Make the fast path the model's default backend."),
    limit: int = typer.Option(200, "--limit", help="Use at most this many check texts."),
) -> None:
    """Export a transformer model to ONNX Runtime (int8 by default) and check it against PyTorch fp32.

    The model directory is only changed when the fast path agrees with fp32 on the check texts; then
    `classify predict` uses it. Example: classify export-onnx --model models/bert seeds/
    """
    from itertools import islice

    from classify.io import InputError, read_records
    from classify.models.transformer import FastPathDisagreesError, TransformerClassifier, export_onnx
    from classify.predict import Predictor

    try:
        # the check texts go through the same page -> model-input step as `classify predict`
        predictor = Predictor(TransformerClassifier.load(model, backend="torch"))
        texts = predictor.inputs([(r.text, r.title, r.url) for r in islice(read_records(check), limit)])
        report = export_onnx(model, texts, quantize=quantize, min_agreement=min_agreement,
                             make_default=make_default)
    except (InputError, FileNotFoundError, ValueError, FastPathDisagreesError) as e:
        exit_with_input_error(e, code=1 if isinstance(e, FastPathDisagreesError) else 2)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
