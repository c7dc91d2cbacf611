"""Mistakes found before speaking, and said in one line: the show image, non-pages, Ctrl-C, --root, -v."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from .conftest import EXAMPLE, run_reelcast


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("reelcast: error: ")]
    assert len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    return errors[0]


@pytest.mark.parametrize("image", ["missing", "small"])
def test_a_bad_show_image_is_reported_before_any_speech(tmp_path: Path, image: str) -> None:
    shutil.copy(EXAMPLE, tmp_path / "review.html")
    (tmp_path / "art").mkdir()
    if image == "small":
        Image.new("RGB", (300, 300), "navy").save(tmp_path / "art" / "cover.png")
    (tmp_path / "reelcast.toml").write_text('[show]\nimage = "art/cover.png"\n', encoding="utf-8")
    line = one_error_line(run_reelcast(tmp_path, "publish", "review.html"))
    if image == "missing":
        assert f"[show] image = 'art/cover.png' does not exist in {tmp_path.resolve()}" in line
    else:
        assert "is 300x300; podcast apps need a square of 1400 to 3000 pixels" in line
    assert not (tmp_path / ".cache").exists() and not (tmp_path / "episodes").exists()  # nothing was spoken


def test_a_feed_given_to_publish_is_refused_with_the_backlog_option(tmp_path: Path) -> None:
    (tmp_path / "reviews.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Reviews</title>'
        "<item><title>Nomadland</title><link>https://example.org/nomadland</link></item></channel></rss>",
        encoding="utf-8")
    line = one_error_line(run_reelcast(tmp_path, "publish", "reviews.xml"))
    assert line == ("reelcast: error: reviews.xml is a feed (RSS or Atom), not a review page; to publish the "
                    "reviews it lists, run: reelcast publish --from-feed reviews.xml")
    assert not (tmp_path / "feed").exists()


def test_markdown_and_plain_text_are_refused_clearly(tmp_path: Path) -> None:
    (tmp_path / "review.md").write_text("# Nomadland (2020)\n\nA quiet film. " * 40, encoding="utf-8")
    line = one_error_line(run_reelcast(tmp_path, "preview", "review.md"))
    assert "review.md is plain text (or Markdown), not a web page" in line


def test_ctrl_c_while_the_libraries_load_is_one_line(tmp_path: Path) -> None:
    # a real SIGINT, raised as the first library reelcast's commands need is imported
    script = (
        "import os, signal, sys\n"
        "class Interrupt:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'click':\n"
        "            os.kill(os.getpid(), signal.SIGINT)\n"
        "        return None\n"
        "sys.meta_path.insert(0, Interrupt())\n"
        "sys.argv = ['reelcast', '--help']\n"
        "from reelcast.__main__ import run\n"
        "run()\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 130
    assert done.stderr == "reelcast: interrupted\n"


def test_root_after_the_command_and_verbose_output(tmp_path: Path) -> None:
    show = tmp_path / "show"
    show.mkdir()
    shutil.copy(EXAMPLE, tmp_path / "review.html")
    done = run_reelcast(tmp_path, "-vv", "publish", "--root", str(show), "review.html")
    assert done.returncode == 0, done.stderr
    assert list((show / "episodes").glob("*.mp3")) and not (tmp_path / "episodes").exists()
    # -v says what was read and made; -vv adds reelcast's details, not pyttsx3's line per voice change
    assert "words in 5 chapters (Introduction; " in done.stderr and "encoded " in done.stderr
    assert "Attempting to set voice" not in done.stderr and "Successfully set voice" not in done.stderr
    listed = run_reelcast(tmp_path, "list", f"--root={show}")
    assert listed.returncode == 0 and "Leaving Las Vegas" in listed.stdout, listed.stderr
