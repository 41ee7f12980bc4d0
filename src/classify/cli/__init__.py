"""Command-line interface: one module per command, each a thin wrapper over one library function.

Each command module does ``from classify.cli._app import app`` and registers itself with
``@app.command(...)``; importing it here is what puts it on the CLI.
"""

from classify.cli._app import app

# Command modules (imported for their registration side effect).
from classify.cli import build_dataset  # noqa: E402,F401
from classify.cli import summarize  # noqa: E402,F401
from classify.cli import train  # noqa: E402,F401
from classify.cli import evaluate  # noqa: E402,F401
from classify.cli import predict  # noqa: E402,F401
from classify.cli import compare  # noqa: E402,F401
from classify.cli import publish  # noqa: E402,F401
from classify.cli import export_onnx  # noqa: E402,F401
from classify.cli import pretrain  # noqa: E402,F401

__all__ = ["app"]
