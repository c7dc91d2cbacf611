from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import wave
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from reelcast.config import Settings, load_settings
from reelcast.models import Chapter, Episode, Paragraph, Speech

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "leaving-las-vegas.html"


def write_review(folder: Path, name: str, words: str, repeat: int = 2) -> Path:
    """A small review page of three paragraphs, each opening with `words`: for tests that publish many."""
    sentence = "The film holds its nerve to the last frame. " * repeat
    title = f"{name.title()}: A Review"
    path = folder / f"{name}.html"
    path.write_text(f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>"
                    + "".join(f"<p>{words} {n}. {sentence}</p>" for n in range(3)) + "</article></body></html>",
                    encoding="utf-8")
    return path


def require(have: object, what: str, install: str) -> None:
    """A part the tests need that `./bootstrap test` installs: a failure in CI, which has it, a skip elsewhere.

    A skip in CI would be counted as a pass for something that was never tried."""
    if have:
        return
    message = f"{what} is not installed; run ./bootstrap test as root ({install})"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture
def show(tmp_path: Path) -> Settings:
    """A fresh show folder with default settings, so no test touches the repository's episodes/ or feed/."""
    return load_settings(tmp_path)


def write_tone(path: Path, seconds: float, rate: int = 22050, amplitude: float = 0.5, freq: float = 220.0) -> Path:
    """A mono 16-bit WAV: a tone, or silence with amplitude 0."""
    t = np.arange(int(seconds * rate)) / rate
    samples = (amplitude * 32767 * np.sin(2 * np.pi * freq * t)).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


class ToneEngine:
    """A stand-in engine for unit tests: a tone as long as the text takes at `wpm` words per minute."""

    name = "tone"

    def __init__(self, wpm: int = 170) -> None:
        self.wpm = wpm
        self.texts: list[str] = []

    def speak(self, paragraph: Paragraph) -> Speech:
        self.texts.append(paragraph.text)
        per_word_ms = 60_000 / self.wpm
        rate = 22050
        words = paragraph.word_count
        t = np.arange(int(words * per_word_ms / 1000 * rate)) / rate
        pcm = (0.5 * 32767 * np.sin(2 * np.pi * 220 * t)).astype("<i2").tobytes()
        starts, said = [], 0
        for sentence in paragraph.sentences:
            starts.append(round(said * per_word_ms))
            said += len(sentence.text.split())
        return Speech(pcm, rate, tuple(starts))

    def start(self) -> None:
        pass  # nothing native to start

    def sound(self) -> dict:
        return {"engine": self.name, "wpm": self.wpm}

    def voices(self) -> list:
        return []

    def voice_id(self) -> str:
        return "tone"


@pytest.fixture
def tone_engine() -> ToneEngine:
    return ToneEngine()


# One episode published with the real engine and encoder, shared by every test module that needs it
# (publishing takes a while). Treat it as read-only: tests that change files work on `copy_show`.


@dataclass(frozen=True, slots=True)
class PublishedShow:
    root: Path
    port: int  # the feed's base_url points here, so `served_show` can serve it as published

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def mp3(self) -> Path:
        (mp3,) = (self.root / "episodes").glob("*.mp3")
        return mp3


def run_reelcast(root: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reelcast", *args], cwd=root,
                          capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def published_show(tmp_path_factory: pytest.TempPathFactory) -> PublishedShow:
    root = tmp_path_factory.mktemp("published")
    show = PublishedShow(root, free_port())
    shutil.copy(EXAMPLE, root / "review.html")
    (root / "reelcast.toml").write_text(f'[show]\nbase_url = "{show.base_url}"\n\n[speech]\nworkers = 2\n',
                                        encoding="utf-8")
    # respellings the voice needs and a transcript must not show
    (root / "lexicon.toml").write_text('[words]\n"Figgis" = "Figgiss"\n"Shue" = "Shoo"\n', encoding="utf-8")
    done = run_reelcast(root, "publish", "review.html")
    assert done.returncode == 0, done.stderr
    return show


def copy_show(show: PublishedShow, to: Path) -> PublishedShow:
    shutil.copytree(show.root, to / "show")
    return PublishedShow(to / "show", show.port)


@dataclass(frozen=True, slots=True)
class ServedShow:
    show: PublishedShow
    log: Path  # the server's access log (it runs with -v)

    def access_log(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@pytest.fixture(scope="session")
def served_show(published_show: PublishedShow, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedShow]:
    """`reelcast serve` on 127.0.0.1, on the port the published feed names."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "reelcast", "-v", "serve", "--port", str(published_show.port)],
            cwd=published_show.root, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(published_show.base_url + "feed/feed.xml", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"reelcast serve did not start: {log.read_text(errors='replace')}")
                time.sleep(0.2)
        yield ServedShow(published_show, log)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def sample_episode(**changes: object) -> Episode:
    """An episode as the catalog keeps it, for tests that need no audio."""
    values: dict[str, object] = {
        "guid": "5f0b7a4e-2f4e-5b8e-9d35-0a4c2b1e7f10",
        "slug": "leaving-las-vegas",
        "title": "'Leaving Las Vegas' (1995) - Movie Review",
        "summary": "A review of Mike Figgis's 'Leaving Las Vegas'.",
        "source": "review.html",
        "link": "https://reelrundown.com/movies/Leaving-Las-Vegas-1995-Movie-Review",
        "author": "Sam Shepards",
        "published": datetime(2019, 10, 8, 12, 0, tzinfo=UTC),
        "audio_file": "leaving-las-vegas.mp3",
        "size_bytes": 123456,
        "duration_ms": 300_500,
        "chapters": (Chapter("Introduction", 0, 14_559), Chapter("The first time", 14_559, 300_500)),
        "side_files": ("leaving-las-vegas.chapters.json", "leaving-las-vegas.vtt", "leaving-las-vegas.srt"),
    }
    values.update(changes)
    return Episode(**values)  # type: ignore[arg-type]
