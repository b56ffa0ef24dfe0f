"""Progress bars for CLI commands that take more than a moment (rich), silenced by `--quiet`.

The bar goes to stderr and disappears when done (transient), so stdout keeps only the one-line result a
script can read; with `--quiet` there is no bar at all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

Advance = Callable[..., None]


class Steps:
    """What a command reports while it works: `advance(n)`, a new `total`, or a new description."""

    def __init__(self, bar: Any = None, task: Any = None) -> None:
        self._bar = bar
        self._task = task

    def advance(self, n: int = 1) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)

    def update(
        self, *, total: int | None = None, description: str | None = None, completed: int | None = None
    ) -> None:
        if self._bar is None:
            return
        changes: dict[str, Any] = {}
        if total is not None:
            changes["total"] = total
        if description is not None:
            changes["description"] = description
        if completed is not None:
            changes["completed"] = completed
        self._bar.update(self._task, **changes)


@contextmanager
def progress(description: str, total: int | None = None, *, quiet: bool = False) -> Iterator[Steps]:
    if quiet:
        yield Steps()
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield Steps(bar, task)
