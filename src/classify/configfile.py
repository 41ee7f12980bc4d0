"""Reading YAML config files and reporting validation problems, the same way for every config.

Each config family (training, labels, chrome, summarize) has its own pydantic schema and error class;
this module is what they share: a YAML mapping read with errors that name the file (and line), and one
``field.path: message`` line per pydantic problem.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError


def read_yaml_mapping(path: Path, error: type[Exception]) -> dict[str, Any]:
    """The top-level mapping of a YAML file (an empty file gives ``{}``); problems raise ``error``."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"{path}: no such config file") from None
    except OSError as exc:
        raise error(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        raise error(f"{path}{where}: not valid YAML ({getattr(exc, 'problem', None) or exc})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{path}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def validation_messages(error: ValidationError, prefix: str = "") -> list[str]:
    """One ``field.path: message`` line per problem of a pydantic error."""
    out = []
    for e in error.errors():
        where = ".".join(str(p) for p in e["loc"])
        where = f"{prefix}.{where}" if prefix and where else (prefix or where or "(top level)")
        msg = e["msg"].removeprefix("Value error, ")
        if e["type"] == "extra_forbidden":
            msg = "unknown field (check the spelling)"
        out.append(f"{where}: {msg}")
    return out
