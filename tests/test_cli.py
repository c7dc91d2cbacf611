"""Bad input gets one clear line, a non-zero exit, no traceback, and nothing published."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from reelcast.cli import main

from .conftest import EXAMPLE

NO_ARTICLE = (
    "<html><head><title>Home</title></head>"
    "<body><nav><a href='/a'>A</a> <a href='/b'>B</a></nav></body></html>"
)


def run(tmp_path: Path, *args: str, stdin: bytes | None = None):  # noqa: ANN201
    return CliRunner().invoke(main, ["--root", str(tmp_path), *args], input=stdin, catch_exceptions=False)


def assert_one_clear_line(result, *words: str) -> None:  # noqa: ANN001
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.startswith("reelcast: error:")]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0]


def assert_nothing_published(root: Path) -> None:
    for folder in ("episodes", "feed"):
        assert not list((root / folder).glob("*")) if (root / folder).exists() else True


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("missing.html", None, ("missing.html", "no such file")),
        ("review.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", ("review.pdf", "PDF")),
        ("noise.html", bytes(range(256)) * 8, ("noise.html",)),
        ("empty.html", b"", ("empty.html",)),
        ("home.html", NO_ARTICLE.encode(), ("home.html", "no article")),
    ],
)
def test_publish_refuses_bad_pages(tmp_path: Path, name: str, content: bytes | None, words: tuple[str, ...]) -> None:
    page = tmp_path / name
    if content is not None:
        page.write_bytes(content)
    result = run(tmp_path, "publish", str(page))
    assert_one_clear_line(result, *words)
    assert_nothing_published(tmp_path)


def test_extract_and_preview_refuse_a_page_without_article(tmp_path: Path) -> None:
    page = tmp_path / "home.html"
    page.write_text(NO_ARTICLE, encoding="utf-8")
    for command in ("extract", "preview"):
        assert_one_clear_line(run(tmp_path, command, str(page)), "home.html")


def test_a_page_without_article_is_exactly_one_line_on_stderr(tmp_path: Path) -> None:
    # In a process of its own, as a user runs it: no library's warning beside reelcast's line.
    page = tmp_path / "home.html"
    page.write_text(NO_ARTICLE, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "reelcast", "--root", str(tmp_path), "extract", str(page)],
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [done.stderr.strip()] and done.stderr.startswith("reelcast: error:"), done.stderr


def test_bad_settings_are_one_line(tmp_path: Path) -> None:
    (tmp_path / "reelcast.toml").write_text("[audio]\nbitrate_kbps = 97\n", encoding="utf-8")
    assert_one_clear_line(run(tmp_path, "preview", str(EXAMPLE)), "bitrate")


def test_extract_reads_standard_input(tmp_path: Path) -> None:
    result = run(tmp_path, "extract", "-", stdin=EXAMPLE.read_bytes())
    assert result.exit_code == 0
    assert result.stdout.startswith("'Leaving Las Vegas' (1995) - Movie Review\n")


def test_preview_shows_the_narration(tmp_path: Path) -> None:
    result = run(tmp_path, "preview", str(EXAMPLE))
    assert result.exit_code == 0
    assert "## 0. Introduction" in result.stdout
    assert "five hundred dollars" in result.stdout
    assert "Read More From" not in result.stdout


def test_a_real_process_prints_no_traceback(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "reelcast", "publish", "nowhere.html"], cwd=tmp_path,
                          capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("reelcast: error: nowhere.html")
    assert "Traceback" not in done.stderr


def test_feed_in_a_folder_that_published_nothing_creates_nothing(tmp_path: Path) -> None:
    root = tmp_path / "typo"
    result = CliRunner().invoke(main, ["--root", str(root), "feed"], catch_exceptions=False)
    assert_one_clear_line(result, "nothing has been published", "--root")
    assert not root.exists()


def test_feed_refuses_to_point_at_a_missing_episode(show, tone_engine) -> None:  # noqa: ANN001
    from reelcast.pipeline import publish

    episode = publish(str(EXAMPLE), show, tone_engine).episode
    (show.episodes_dir / episode.audio_file).unlink()
    before = (show.feed_dir / "feed.xml").read_bytes()
    result = run(show.root, "feed")
    assert_one_clear_line(result, episode.audio_file, "is missing", "reelcast publish")
    assert (show.feed_dir / "feed.xml").read_bytes() == before
