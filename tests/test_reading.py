"""reading: a page read at once, its article extracted beside the process that will publish it."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from reelcast.errors import ExtractError, FetchError
from reelcast.reading import PageReading, read_ahead, read_article

from .conftest import EXAMPLE, REPO


def test_the_article_read_ahead_is_the_article_read_here() -> None:
    with read_ahead(str(EXAMPLE)) as reading:
        assert reading.page().content == EXAMPLE.read_bytes()
        ahead = reading.article()
    assert ahead == read_article(str(EXAMPLE))
    assert ahead.title and len(ahead.paragraphs) > 10


def test_an_unreadable_page_is_an_error_where_the_page_is_asked_for(tmp_path: Path) -> None:
    reading = PageReading(str(tmp_path / "missing.html"), ahead=True)  # no error yet
    with pytest.raises(FetchError, match="missing.html"):
        reading.page()
    with pytest.raises(FetchError, match="missing.html"):
        reading.article()
    reading.close()


def test_a_page_without_an_article_is_the_same_error_ahead_or_not(tmp_path: Path) -> None:
    page = tmp_path / "menu.html"
    page.write_text("<html><body><nav><a href='/'>Home</a> <a href='/reviews'>Reviews</a></nav></body></html>")
    with pytest.raises(ExtractError) as here:
        read_article(str(page))
    with read_ahead(str(page)) as reading, pytest.raises(ExtractError) as ahead:
        reading.article()
    assert str(ahead.value) == str(here.value)


def test_reading_ahead_leaves_the_extractors_and_audio_libraries_unloaded_in_the_command() -> None:
    """What the command loads while its page is extracted must not include what the extraction
    loads: that is the work the child takes off it (and what it loads next, the audio side,
    must not already be loaded by `import reelcast.cli`, or nothing overlaps)."""
    heavy = ["numpy", "PIL", "jinja2", "feedgen", "mutagen", "trafilatura", "bs4", "rich"]
    probe = textwrap.dedent(f"""
        import sys
        import reelcast.cli
        from reelcast.reading import read_ahead

        with read_ahead({str(EXAMPLE)!r}) as reading:
            assert reading.article().title
        print(",".join(m for m in {heavy!r} if m in sys.modules))
        """)
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.strip()
    assert loaded == ""


def test_a_publish_takes_its_article_from_the_read_ahead_and_never_extracts_itself(tmp_path: Path) -> None:
    """The command publishes the page with the article its child extracted: the extractors never
    load in the publishing process, and the episode is made all the same."""
    probe = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(REPO)!r})
        from tests.tone_reelcast import main

        try:
            main(["--root", {str(tmp_path)!r}, "publish", "--engine", "tone", "--workers", "1", {str(EXAMPLE)!r}])
        except SystemExit as done:
            code = done.code
        print(code, ",".join(m for m in ("trafilatura", "bs4", "reelcast.extract") if m in sys.modules))
        """)
    run = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, stdin=subprocess.DEVNULL,
                         timeout=120)
    assert run.stdout.split("\n")[-2].split(" ") == ["0", ""], run.stdout + run.stderr
    assert list((tmp_path / "episodes").glob("*.mp3"))
