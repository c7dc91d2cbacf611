"""The default engine: eSpeak NG through pyttsx3's ctypes binding of its library.

pyttsx3's own driver is not used, for what it does wrong here (measured with pyttsx3 2.99):
- synthesis runs on eSpeak's own thread and `runAndWait()` can return before the audio is
  complete; its run loop polls with a 10 ms sleep, a third of a review's synthesis time;
- `Synth` is told the text is `len(text) * 10` bytes long, so eSpeak reads past the buffer (a
  2,570-word text crashed 5 runs in 6);
- audio is gathered with `bytes +=`, quadratic in length, and it prints "Audio saved to ...".
Instead eSpeak runs in AUDIO_OUTPUT_SYNCHRONOUS mode: `espeak_Synth` speaks the whole text in the
calling thread, handing audio and word events to our callback, and returns when it is done. No
thread, no waiting, no polling.

It runs in a small host process (espeak_host.py), which speaks each text in a child of its own, so
that a paragraph sounds the same byte for byte whoever speaks it and whenever; this process never
loads eSpeak NG at all.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.metadata
import os
import pickle
import re
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from reelcast.config import SpeechSettings
from reelcast.errors import SpeechError
from reelcast.language import primary
from reelcast.models import Paragraph, Speech
from reelcast.speech.base import VoiceInfo, native_runtime, register, sentence_offsets
from reelcast.speech.espeak_host import FRAME

SAMPLE_RATE = 22050  # eSpeak NG's native rate
SPEAK_TIMEOUT_S = 120  # eSpeak speaks 100 words in about 0.05 s: a text still unspoken after this has hung
DEFAULT_VOICE = "gmw/en"  # what pyttsx3 chose as eSpeak's default, so episodes keep their voice
_PAUSE_SEARCH_MS = 250  # how far before a sentence's first word its pause may go


# How the host is run: the standard library's Python and one file, nothing of reelcast imported.
HOST_COMMAND = [sys.executable, str(Path(__file__).with_name("espeak_host.py"))]


class EspeakDriver:
    """eSpeak NG, speaking on demand in a host process of its own (see espeak_host.py), started on
    first use and again after one hangs."""

    def __init__(self) -> None:
        self._host: subprocess.Popen[bytes] | None = None

    def speak(self, voice: str, rate: int, volume: float, text: str) -> tuple[bytes, list[tuple[int, int]]]:
        """`text` spoken in `voice` at `rate` words a minute: its audio (16-bit samples at
        SAMPLE_RATE) and word events (character offset, ms)."""
        _, audio, words = self._ask(("speak", voice, rate, volume, text),
                                    f"no audio after {SPEAK_TIMEOUT_S} s for {text[:60]!r}")
        return audio, words

    def voices(self) -> list[VoiceInfo]:
        _, found = self._ask(("voices",), f"no voice list after {SPEAK_TIMEOUT_S} s")
        return [VoiceInfo(id=id_, name=name, languages=(language,) if language else (), gender=gender)
                for id_, name, language, gender in found]

    def _ask(self, request: tuple, hung: str) -> tuple:
        host = self._started()
        deadline = time.monotonic() + SPEAK_TIMEOUT_S
        try:
            assert host.stdin is not None and host.stdout is not None
            with contextlib.suppress(BrokenPipeError):  # a host that could not start has said why: read on
                host.stdin.write(pickle.dumps(request))
                host.stdin.flush()
            answer = host.stdout.fileno()
            (size,) = FRAME.unpack(_read_exactly(answer, FRAME.size, deadline))
            reply = pickle.loads(_read_exactly(answer, size, deadline))
        except TimeoutError:
            self._stop()
            raise SpeechError(f"eSpeak NG hung: {hung}") from None
        except (OSError, EOFError, pickle.UnpicklingError) as exc:
            self._stop()
            raise SpeechError(f"eSpeak NG's host process died ({exc or 'it said nothing'}); run again") from None
        if reply[0] == "error":
            raise SpeechError(reply[1])
        return reply

    def start(self) -> None:
        """Start the host now (it takes ~30 ms), not at the first text."""
        self._started()

    def _started(self) -> subprocess.Popen[bytes]:
        if self._host is None or self._host.poll() is not None:
            self._host = subprocess.Popen([*HOST_COMMAND, str(os.getpid())], stdin=subprocess.PIPE,
                                          stdout=subprocess.PIPE)
        return self._host

    def _stop(self) -> None:
        if self._host is not None:
            self._host.kill()  # its child dies with it (each asks the kernel to)
            self._host.wait()
            self._host = None


def _read_exactly(fd: int, size: int, deadline: float) -> bytearray:
    buffer = bytearray(size)
    view, got = memoryview(buffer), 0
    while got < size:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        read = os.readv(fd, [view[got:]])
        if not read:
            raise EOFError
        got += read
    return buffer


class Pyttsx3Engine:
    """eSpeak NG. Made cheaply; the native library starts in its host process, on first use or at `start`."""

    name = "pyttsx3"

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings

    def speak(self, paragraph: Paragraph) -> Speech:
        text = paragraph.text
        if not text.strip():
            raise SpeechError("nothing to say: the text is empty")
        s = self.settings
        audio, words = native_runtime(self.name, EspeakDriver).speak(self.voice_id(), s.rate, s.volume, text)
        if not audio:
            raise SpeechError(f"eSpeak NG produced no audio for: {text[:60]!r}")
        starts = sentence_starts(sentence_offsets(paragraph), words)
        heard = word_starts(text, words)
        if self.settings.sentence_pause_ms:
            audio, moved = with_sentence_pauses(audio, starts, self.settings.sentence_pause_ms)
            counts = [len(s.text.split()) for s in paragraph.sentences]
            shifts = [after - before for before, after, n in zip(starts, moved, counts, strict=True) for _ in range(n)]
            heard, starts = [ms + shift for ms, shift in zip(heard, shifts, strict=True)], moved
        return Speech(audio, SAMPLE_RATE, tuple(starts), word_starts_ms=tuple(heard))

    def start(self) -> None:
        native_runtime(self.name, EspeakDriver).start()

    def sound(self) -> dict[str, Any]:
        versions = {}
        for package in ("pyttsx3", "espeakng-loader"):
            try:
                versions[package] = importlib.metadata.version(package)
            except importlib.metadata.PackageNotFoundError:
                versions[package] = None
        s = self.settings
        return {"engine": self.name, "versions": versions, "voice": self.voice_id(), "rate": s.rate,
                "volume": s.volume, "sentence_pause_ms": s.sentence_pause_ms, "sample_rate": SAMPLE_RATE}

    def voice_id(self) -> str:
        return self.settings.voice or DEFAULT_VOICE

    def voices(self) -> list[VoiceInfo]:
        return native_runtime(self.name, EspeakDriver).voices()

    def voice_for(self, language: str) -> str | None:
        return espeak_voice_for(language)

    def speaks(self, voice: str, language: str) -> bool:
        languages = _espeak_voice_table().get(voice.lower())
        return languages is None or any(primary(tag) == primary(language) for tag, _ in languages)


register("pyttsx3", Pyttsx3Engine)


@functools.cache
def _espeak_voice_table() -> dict[str, tuple[tuple[str, int], ...]]:
    """eSpeak NG's voices as its data files list them: id -> (language, priority), lower priority preferred.

    Read from the files, not asked of eSpeak: choosing a voice must not start the native engine in
    the parent process, or the runner could no longer fork its workers.
    """
    try:
        import espeakng_loader

        root = Path(os.environ.get("ESPEAK_DATA_PATH") or espeakng_loader.get_data_path()) / "lang"
    except ImportError:
        root = Path("/usr/lib/x86_64-linux-gnu/espeak-ng-data/lang")
    table: dict[str, tuple[tuple[str, int], ...]] = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        languages = []
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            words = line.split()
            if len(words) >= 2 and words[0] == "language":
                priority = int(words[2]) if len(words) > 2 and words[2].isdigit() else 5
                languages.append((words[1].lower(), priority))
        if languages:  # pyttsx3 names a voice by its path under lang/, in lower case
            table[path.relative_to(root).as_posix().lower()] = tuple(languages)
    return table


def espeak_voice_for(language: str) -> str | None:
    """eSpeak NG's own choice of voice for a language tag ("fr" -> "roa/fr", "pt-BR" -> "roa/pt-br")."""
    tag, base = language.lower().replace("_", "-"), primary(language)
    ranked = []
    for voice, languages in _espeak_voice_table().items():
        for spoken, priority in languages:
            if spoken == tag:
                ranked.append((0, priority, voice))
            elif spoken == base or primary(spoken) == base:
                ranked.append((1 if spoken == base else 2, priority, voice))
    return min(ranked)[2] if ranked else None


def sentence_starts(offsets: list[int], words: list[tuple[int, int]]) -> list[int]:
    """When each sentence is heard (ms): the first word event at or after its first character."""
    starts = [0]
    for char in offsets[1:]:
        heard = next((ms for position, ms in words if position >= char), None)
        starts.append(max(starts[-1], heard if heard is not None else starts[-1]))
    return starts


def word_starts(text: str, words: list[tuple[int, int]]) -> list[int]:
    """When each word of `text` (split at whitespace) is heard (ms): its first word event. A word
    eSpeak reports no event for (a lone dash) is heard when the one before it is."""
    out: list[int] = []
    events = sorted(words)
    k = 0
    for token in re.finditer(r"\S+", text):
        while k < len(events) and events[k][0] < token.start():
            k += 1
        inside = k < len(events) and events[k][0] < token.end()
        ms = events[k][1] if inside else (out[-1] if out else 0)
        out.append(max(ms, out[-1]) if out else ms)
    return out


def with_sentence_pauses(audio: bytes, starts: list[int], pause_ms: int) -> tuple[bytes, list[int]]:
    """`audio` with `pause_ms` of silence more before each sentence after the first; starts moved.

    eSpeak has no setting for the pause between sentences, and SSML <break> would mean escaping
    every text as XML. Its own pause is there already, so the silence goes into it: at the quietest
    10 ms of the quarter second before the sentence's first word, where no sound is cut.
    """
    samples = np.frombuffer(audio, dtype=np.int16)
    per_ms = SAMPLE_RATE // 1000
    cuts: list[int] = []  # sample positions
    cut_before: list[int] = []  # the sentence each cut belongs to
    for n, heard in enumerate(starts[1:], start=1):
        end = min(len(samples), heard * per_ms)
        start = max(cuts[-1] if cuts else 0, end - _PAUSE_SEARCH_MS * per_ms)
        if end - start < 10 * per_ms:
            continue
        frames = np.abs(samples[start:end].astype(np.int32))
        energy = np.convolve(frames, np.ones(10 * per_ms, dtype=np.int32), mode="valid")
        cuts.append(start + int(np.argmin(energy)) + 5 * per_ms)
        cut_before.append(n)
    if not cuts:
        return audio, starts
    silence = np.zeros(pause_ms * per_ms, dtype=np.int16)
    pieces = np.split(samples, cuts)
    joined = np.concatenate([pieces[0], *(part for piece in pieces[1:] for part in (silence, piece))])
    moved = [ms + pause_ms * sum(1 for n in cut_before if n <= i) for i, ms in enumerate(starts)]
    return joined.tobytes(), moved
