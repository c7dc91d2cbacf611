from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import pytest

from reelcast.config import Settings, load_settings
from reelcast.models import Clip

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = REPO / "examples" / "leaving-las-vegas.html"


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

    def synthesize(self, text: str, wav: Path) -> Clip:
        self.texts.append(text)
        words = text.split()
        per_word_ms = 60_000 / self.wpm
        write_tone(wav, len(words) * per_word_ms / 1000)
        starts, position = [], 0
        for n, word in enumerate(words):
            position = text.index(word, position)
            starts.append((position, round(n * per_word_ms)))
            position += len(word)
        return Clip(text, wav, round(len(words) * per_word_ms), tuple(starts))

    def voices(self) -> list:
        return []


@pytest.fixture
def tone_engine() -> ToneEngine:
    return ToneEngine()
