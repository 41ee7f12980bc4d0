"""`classify export-onnx`: add a fast CPU inference path (ONNX int8 by default) to a saved transformer model."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from classify.cli._app import app
from classify.cli.common import InferenceBackend, exit_with_input_error


@app.command("export-onnx")
def export_onnx_command(
    model: Path = typer.Option(..., "--model", "-m", help="Transformer model directory written by `classify train`."),
    check: list[str] = typer.Argument(..., help="Texts to check the fast path on (.txt folders, .jsonl, .csv, .parquet)."),
    quantize: bool | None = typer.Option(None, "--quantize/--no-quantize", help="Without --backend: onnx-int8 (default) or onnx."),
    backend: InferenceBackend | None = typer.Option(None, "--backend", help="Fast path to check and keep: onnx-int8, onnx (both export ONNX files), torch-bf16 or torch-int8 (no files)."),
    refine_margin: float = typer.Option(0.0, "--refine-margin", help="Recompute in fp32 the texts whose top-2 probability margin is below this (0: off; e.g. 0.005)."),
    min_agreement: float = typer.Option(0.99, "--min-agreement", help="Refuse the fast path below this argmax agreement with fp32."),
    make_default: bool = typer.Option(True, "--make-default/--keep-torch", help="Make the fast path the model's default backend."),
    limit: int = typer.Option(200, "--limit", help="Use at most this many check texts."),
) -> None:
    """Check a fast inference path against PyTorch fp32 on your texts and make it the model's default.

    Default: export to ONNX Runtime with int8 weights. --backend torch-bf16 or torch-int8 write no files.

    --refine-margin recomputes in fp32 the texts whose top two probabilities are closer than the margin.

    The model directory changes only when agreement (refinement included) reaches --min-agreement.

    Example: classify export-onnx --model models/bert seeds/ --backend torch-bf16 --refine-margin 0.005
    """
    from itertools import islice

    from classify.io import InputError, read_records
    from classify.models.transformer import (
        BackendUnavailableError,
        FastPathDisagreesError,
        TransformerClassifier,
        export_onnx,
    )
    from classify.predict import Predictor

    try:
        if backend is not None and quantize is not None:
            raise ValueError("--quantize/--no-quantize choose between onnx-int8 and onnx when --backend is not "
                             "given; pass only --backend")
        # the check texts go through the same page -> model-input step as `classify predict`
        predictor = Predictor(TransformerClassifier.load(model, backend="torch"))
        texts = predictor.inputs([(r.text, r.title, r.url) for r in islice(read_records(check), limit)])
        report = export_onnx(model, texts, quantize=quantize is not False, min_agreement=min_agreement,
                             make_default=make_default, backend=None if backend is None else backend.value,
                             refine_margin=refine_margin)
    except (InputError, FileNotFoundError, ValueError, FastPathDisagreesError, BackendUnavailableError) as e:
        exit_with_input_error(e, code=1 if isinstance(e, FastPathDisagreesError) else 2)
    typer.echo(json.dumps(report, ensure_ascii=False, indent=2, default=str))
