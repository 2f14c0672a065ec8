"""Progress bars for long commands (seed, import, summary): one line per part of the job with
how much is done, the rate and the time left, drawn by rich on the terminal's standard error.
Off a terminal (a pipe, a log file, CI) they draw nothing at all, so output that is collected
holds only the command's results.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.progress import Progress as RichProgress
from rich.text import Text

from registry.progress import QUIET, Progress


class RateColumn(ProgressColumn):
    """How fast the current part goes: '12,345 drivers/s'."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        if speed is None and task.elapsed and task.completed:
            speed = task.completed / task.elapsed
        if speed is None:
            return Text("")
        unit = task.fields.get("unit", "")
        return Text(f"{speed:,.0f} {unit}/s", style="progress.data.speed")


class TerminalProgress(Progress):
    def __init__(self, bars: RichProgress) -> None:
        self.bars = bars
        self.task: TaskID | None = None

    def phase(self, name: str, total: int | None = None, unit: str = "steps") -> None:
        self._finish()
        self.task = self.bars.add_task(name, total=total, unit=unit)

    def advance(self, amount: int = 1) -> None:
        if self.task is not None:
            self.bars.advance(self.task, amount)

    def _finish(self) -> None:
        if self.task is not None:
            task = self.bars.tasks[self.task]
            if task.total is None:
                self.bars.update(self.task, total=max(task.completed, 1))
            self.bars.update(self.task, completed=task.total)
            self.bars.stop_task(self.task)
            self.task = None


def wanted(stream: TextIO) -> bool:
    """Progress only for a person at a terminal (CROSSCHECK_PROGRESS=0 turns it off)."""
    return stream.isatty() and os.environ.get("CROSSCHECK_PROGRESS", "1") != "0"


@contextlib.contextmanager
def progress(stream: TextIO | None = None) -> Iterator[Progress]:
    """A Progress for a command: bars on a terminal, QUIET anywhere else."""
    stream = stream or sys.stderr
    if not wanted(stream):
        yield QUIET
        return
    bars = RichProgress(
        SpinnerColumn(finished_text="✓"),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=Console(file=stream),
    )
    shown = TerminalProgress(bars)
    with bars:
        try:
            yield shown
        finally:
            shown._finish()
