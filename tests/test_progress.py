"""What a person sees: rich bars on a terminal, plain lines in a log."""

from __future__ import annotations

import io

from rich.console import Console

from reelcast.backlog import Outcome, Status
from reelcast.models import ProgressEvent, Stage
from reelcast.progress import PlainReport, RichReport, reporter

EVENTS = [ProgressEvent(Stage.READ), ProgressEvent(Stage.EXTRACT), ProgressEvent(Stage.SCRIPT),
          ProgressEvent(Stage.SPEECH, 0, 8), ProgressEvent(Stage.SPEECH, 0, 8),  # the pipeline's, then speech's
          ProgressEvent(Stage.SPEECH, 4, 8), ProgressEvent(Stage.AUDIO),
          ProgressEvent(Stage.PUBLISH)]


def test_plain_lines_say_each_stage_and_which_page_of_the_batch() -> None:
    out = io.StringIO()
    with PlainReport(2, out) as report:
        page = report.for_page(0, "https://critic.test/a")
        for event in EVENTS:
            page(event)
    assert out.getvalue().splitlines() == ["[1/2] reading https://critic.test/a", "  speaking 8 paragraphs",
                                           "  mastering and encoding", "  publishing"]


def test_a_terminal_gets_a_bar_for_the_episode_and_one_for_the_batch() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=120)
    with RichReport(2, console) as report:
        progress = report.for_page(0, "https://critic.test/a")
        for event in EVENTS[:6]:  # up to 4 of 8 paragraphs spoken
            progress(event)
        tasks = {t.description: t for t in report.progress.tasks}
        episode = tasks["https://critic.test/a: speaking"]
        assert (episode.completed, episode.total) == (4, 8)
        assert tasks["backlog"].total == 2
        report.progress.refresh()
        assert "https://critic.test/a: speaking" in out.getvalue() and "4/8" in out.getvalue()
        report.finished(Outcome("https://critic.test/a", Status.PUBLISHED))
        assert [t.completed for t in report.progress.tasks if t.description == "backlog"] == [1]


def test_not_a_terminal_means_plain_lines() -> None:
    assert isinstance(reporter(1, io.StringIO()), PlainReport)
