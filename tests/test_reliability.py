"""Hostile and unlucky input, end to end: bounded work, one-line failures, nothing half-published."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from reelcast.config import load_settings
from reelcast.errors import ConfigError, ExtractError, ScriptError
from reelcast.extract import extract
from reelcast.models import RawPage
from reelcast.pipeline import prepare_script, read_article

WORDS = "the film is a quiet study of grief and its actors carry it with grace while the camera lingers".split()


def review_page(words: int, paragraphs: int = 1) -> bytes:
    """A plain review page: `words` words in `paragraphs` paragraphs under one headline."""
    per = words // paragraphs
    text = " ".join(WORDS[n % len(WORDS)] for n in range(per))
    body = "".join(f"<p>{text}.</p>\n" for _ in range(paragraphs))
    head = "<html><head><title>A review</title></head><body><article><h1>A review</h1>"
    return f"{head}{body}</article></body></html>".encode()


@dataclass(frozen=True, slots=True)
class Run:
    returncode: int
    stderr: str
    seconds: float
    max_rss_mb: float


def run_measured(root: Path, *args: str, timeout: float = 120) -> Run:
    """`reelcast ARGS` in its own process, with its wall time and peak memory (from wait4)."""
    start = time.monotonic()
    with tempfile.TemporaryFile() as err:
        process = subprocess.Popen([sys.executable, "-m", "reelcast", *args], cwd=root, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=err)
        killer = threading.Timer(timeout, process.kill)
        killer.start()
        try:
            _, status, usage = os.wait4(process.pid, 0)
        finally:
            killer.cancel()
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    seconds = time.monotonic() - start
    assert seconds < timeout, f"reelcast {' '.join(args)} was still running after {timeout} s"
    return Run(process.returncode, stderr, seconds, usage.ru_maxrss / 1024)


def one_error_line(run: Run) -> str:
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr, run.stderr
    errors = [line for line in run.stderr.splitlines() if line.startswith("reelcast: error: ")]
    assert len(errors) == 1, run.stderr
    return errors[0]


# -- bounded work: a page too long to narrate fails before speech, fast and small


def test_a_200000_word_paragraph_fails_fast_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "book.html").write_bytes(review_page(200_000))
    run = run_measured(tmp_path, "publish", "book.html")
    line = one_error_line(run)
    assert "200,000 words" in line and "over the limit of 10,000" in line
    assert "max_article_words under [script] in" in line and "reelcast.toml" in line
    assert run.seconds < 20 and run.max_rss_mb < 400, run
    assert not (tmp_path / "episodes").exists() and not (tmp_path / "reelcast.db").exists()


def test_a_9_5_mb_page_fails_fast_in_one_line(tmp_path: Path) -> None:
    page = review_page(1_900_000, paragraphs=16_000)
    assert 9.3e6 < len(page) < 10 * 1024 * 1024  # under the 10 MB download cap, as in the issue
    (tmp_path / "huge.html").write_bytes(page)
    run = run_measured(tmp_path, "publish", "huge.html")
    line = one_error_line(run)
    assert "characters, over the 5,000,000 a review page can have" in line
    assert run.seconds < 20 and run.max_rss_mb < 400, run
    assert not (tmp_path / "episodes").exists()


def test_a_page_of_many_small_elements_is_refused_before_extraction(tmp_path: Path) -> None:
    page = b"<html><body><article>" + b"<p><b>word</b> <i>two</i></p>" * 40_000 + b"</article></body></html>"
    start = time.monotonic()
    with pytest.raises(ExtractError, match="120,00[0-9] HTML elements, over the 60,000"):
        extract(RawPage(source="tags.html", content=page))
    assert time.monotonic() - start < 5  # extracting it would take about 6 s on this machine


def test_the_word_limit_can_be_raised_in_reelcast_toml(tmp_path: Path) -> None:
    (tmp_path / "long.html").write_bytes(review_page(12_000, paragraphs=60))
    article = read_article(str(tmp_path / "long.html"))
    with pytest.raises(ScriptError, match="12,000 words"):
        prepare_script(article, load_settings(tmp_path))
    (tmp_path / "reelcast.toml").write_text("[script]\nmax_article_words = 15000\n", encoding="utf-8")
    script = prepare_script(article, load_settings(tmp_path))
    assert sum(s.word_count for s in script.sections) > 12_000


def test_the_minutes_limit_follows_the_speech_rate(tmp_path: Path) -> None:
    (tmp_path / "long.html").write_bytes(review_page(6_000, paragraphs=30))
    article = read_article(str(tmp_path / "long.html"))
    prepare_script(article, load_settings(tmp_path))  # 6,000 words at 170 a minute: 35 minutes
    slow = load_settings(tmp_path, {"speech": {"rate": 60}})
    with pytest.raises(ScriptError, match=r"about 1 h 40 min to narrate \(6,000 words at 60 words per minute\), "
                                          r"over the limit of 90 minutes"):
        prepare_script(article, slow)
    (tmp_path / "reelcast.toml").write_text("[script]\nmax_audio_minutes = 120\n", encoding="utf-8")
    prepare_script(article, load_settings(tmp_path, {"speech": {"rate": 60}}))


def test_preview_is_bounded_too(tmp_path: Path) -> None:
    (tmp_path / "book.html").write_bytes(review_page(200_000))
    assert "over the limit of 10,000" in one_error_line(run_measured(tmp_path, "preview", "book.html"))


@pytest.mark.parametrize(("key", "value"), [("max_article_words", 50), ("max_audio_minutes", 0)])
def test_the_caps_have_ranges(tmp_path: Path, key: str, value: int) -> None:
    (tmp_path / "reelcast.toml").write_text(f"[script]\n{key} = {value}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=f"\\[script\\] {key} = {value} is out of range"):
        load_settings(tmp_path)
