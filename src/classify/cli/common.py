"""Options and error handling shared by the CLI commands."""

from __future__ import annotations

from enum import Enum
from typing import NoReturn

import typer


class OnError(str, Enum):
    """What to do with a bad input record."""

    fail = "fail"
    skip = "skip"


class InferenceBackend(str, Enum):
    """A transformer model's inference engine (see ``classify.models.transformer``)."""

    torch = "torch"
    torch_bf16 = "torch-bf16"
    torch_int8 = "torch-int8"
    onnx = "onnx"
    onnx_int8 = "onnx-int8"


def exit_with_input_error(error: Exception, code: int = 2) -> NoReturn:
    """Print a one-line error (it names the file and line) and exit without a traceback."""
    typer.echo(f"error: {error}", err=True)
    raise typer.Exit(code)
