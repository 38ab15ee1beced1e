"""Progress of a long stage: a bar on a terminal, log lines anywhere else (a deployment, a pipe, a test).

Counted in documents (the bar's total and time left) and words (the rate: words/s is what
compares across corpora of different article lengths).
"""
from __future__ import annotations

import time
from collections.abc import Callable

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

# Off a terminal a line per this many batches: enough to see a run move, few enough to read.
LOG_EVERY_BATCHES = 10


class StageProgress:
    """`advance(documents, words)` after each batch; use as a context manager around the stage."""

    def __init__(self, label: str, total_documents: int, log: Callable[[str], None] | None = None,
                 console: Console | None = None, log_every: int = LOG_EVERY_BATCHES):
        self.label, self.total = label, total_documents
        self.log, self.log_every = log, log_every
        self.console = console or Console(stderr=True)
        self.documents = self.words = self.batches = 0
        self.started = time.perf_counter()
        self.bar: Progress | None = None

    def __enter__(self) -> StageProgress:
        self.started = time.perf_counter()
        if self.console.is_terminal and self.total:
            self.bar = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                TextColumn("documents {task.fields[rate]} words/s"), TimeRemainingColumn(),
                                console=self.console)
            self.bar.start()
            self.task = self.bar.add_task(self.label, total=self.total, rate="-")
        return self

    def __exit__(self, *exc) -> None:
        if self.bar is not None:
            self.bar.stop()
        elif self.log is not None and self.total and self.batches % self.log_every:
            self.log(self.line())  # the last line, unless the last batch already logged one

    def words_per_s(self) -> float:
        return self.words / max(time.perf_counter() - self.started, 1e-9)

    def advance(self, documents: int, words: int) -> None:
        self.documents += documents
        self.words += words
        self.batches += 1
        if self.bar is not None:
            self.bar.update(self.task, advance=documents, rate=f"{self.words_per_s():,.0f}")
        elif self.log is not None and self.batches % self.log_every == 0:
            self.log(self.line())

    def line(self) -> str:
        elapsed = time.perf_counter() - self.started
        left = (self.total - self.documents) * elapsed / self.documents if self.documents else float("nan")
        return (f"{self.label}: {self.documents}/{self.total} documents, {self.words_per_s():,.0f} words/s, "
                f"{elapsed:.0f} s elapsed, about {left:.0f} s left")
