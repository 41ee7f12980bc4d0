"""Progress display for long work: a rich bar on a terminal, silent when output is piped or in CI."""

from __future__ import annotations

import os
import sys
from contextlib import contextmanager
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def progress_enabled(requested: bool | None = None) -> bool:
    """Show progress only when asked, or by default when stderr is a terminal and not in CI."""
    if requested is not None:
        return requested
    if os.environ.get("CI") or os.environ.get("CLASSIFY_NO_PROGRESS"):
        return False
    return sys.stderr.isatty()


@contextmanager
def progress_bar(description: str, total: int | None = None, enabled: bool | None = None) -> Iterator["_Advance"]:
    """Context manager yielding ``advance(n)``; a no-op when progress is disabled."""
    if not progress_enabled(enabled):
        yield _Advance(None, None)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=False) as progress:
        task = progress.add_task(description, total=total)
        yield _Advance(progress, task)


class _Advance:
    def __init__(self, progress, task) -> None:  # type: ignore[no-untyped-def]
        self._progress = progress
        self._task = task

    def __call__(self, n: int = 1) -> None:
        if self._progress is not None:
            self._progress.advance(self._task, n)


def track(items: Iterable[T], description: str, total: int | None = None,
          enabled: bool | None = None) -> Iterator[T]:
    """Iterate ``items`` with a progress bar (see :func:`progress_bar`)."""
    with progress_bar(description, total=total, enabled=enabled) as advance:
        for item in items:
            yield item
            advance()
