"""How a person sees long work, fed by the pipeline's progress events: on a terminal, rich bars (one
per episode with its stage and the time left, one for the batch); elsewhere, plain log lines.
Part of the command line: the core only calls back."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TextIO

from reelcast.backlog import Outcome
from reelcast.models import ProgressEvent, Stage

if TYPE_CHECKING:  # rich is loaded for a terminal only: off one, its 30 ms of imports are not paid
    from rich.console import Console
    from rich.progress import TaskID

_WORDS = {
    Stage.READ: "reading",
    Stage.EXTRACT: "extracting",
    Stage.SCRIPT: "writing the script",
    Stage.SPEECH: "speaking",
    Stage.AUDIO: "mastering and encoding",
    Stage.PUBLISH: "publishing",
}


class PlainReport:
    """A line per stage, for logs and pipes: no bars, nothing rewritten in place."""

    def __init__(self, pages: int, out: TextIO) -> None:
        self.pages = pages
        self.out = out

    def __enter__(self) -> PlainReport:
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def for_page(self, index: int, page: str) -> Callable[[ProgressEvent], None]:
        prefix = f"[{index + 1}/{self.pages}] " if self.pages > 1 else ""

        said: set[Stage] = set()  # the speech stage reports its start more than once: said once

        def report(event: ProgressEvent) -> None:
            if event.stage is Stage.READ:
                self._say(f"{prefix}reading {page}")
            elif event.stage is Stage.SPEECH:
                if event.done == 0 and event.total and Stage.SPEECH not in said:
                    said.add(Stage.SPEECH)
                    self._say(f"  speaking {event.total} paragraphs")
            elif event.stage in (Stage.AUDIO, Stage.PUBLISH):
                self._say(f"  {_WORDS[event.stage]}")

        return report

    def finished(self, outcome: Outcome) -> None:
        pass

    def paused(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()

    def _say(self, line: str) -> None:
        print(line, file=self.out, flush=True)


class RichReport:
    """A bar for the batch and one for the episode being made: its stage, and while speaking (most
    of the time) how many paragraphs are done and the time left."""

    def __init__(self, pages: int, console: Console) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.pages = pages
        self.progress = Progress(
            TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
            console=console, transient=False,
        )
        self.batch: TaskID | None = None
        self.current: TaskID | None = None

    def __enter__(self) -> RichReport:
        self.progress.__enter__()
        if self.pages > 1:
            self.batch = self.progress.add_task("backlog", total=self.pages)
        return self

    def __exit__(self, *args: object) -> None:
        self.progress.__exit__(*args)  # type: ignore[arg-type]

    def for_page(self, index: int, page: str) -> Callable[[ProgressEvent], None]:
        name = page if len(page) <= 60 else "…" + page[-59:]
        task = self.progress.add_task(f"{name}: reading", total=None)
        self.current = task

        def report(event: ProgressEvent) -> None:
            description = f"{name}: {_WORDS[event.stage]}"
            if event.stage is Stage.SPEECH and event.total:
                self.progress.update(task, description=description, total=event.total, completed=event.done)
            else:
                self.progress.update(task, description=description)

        return report

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """The bars off the screen while a question is asked on it, then back."""
        self.progress.stop()
        try:
            yield
        finally:
            self.progress.start()

    def finished(self, outcome: Outcome) -> None:
        if self.current is not None:
            self.progress.remove_task(self.current)
            self.current = None
        if self.batch is not None:
            self.progress.advance(self.batch)


def reporter(pages: int, out: TextIO | None = None) -> PlainReport | RichReport:
    """Bars on a terminal, lines anywhere else (CI, a log file, a pipe)."""
    out = out or sys.stderr
    if out.isatty():
        from rich.console import Console

        return RichReport(pages, Console(file=out))
    return PlainReport(pages, out)
