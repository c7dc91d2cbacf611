"""The default engine: pyttsx3 driving eSpeak NG, with the eSpeak driver's known bugs designed around.

pyttsx3 2.99's eSpeak driver, measured here:
- `runAndWait()` can return before the audio is complete: synthesis runs on eSpeak's own thread.
  We wait for eSpeak's end-of-message event and for eSpeak to go idle, then write the WAV ourselves.
  (Not with `espeak_Synchronize`: it polls every 20 ms, where eSpeak goes idle within half a
  millisecond; that cost 14 ms a paragraph, a third of a review's synthesis time.)
- `Synth` is told the text is `len(text) * 10` bytes long, so eSpeak reads past the buffer (a
  2,570-word text crashed 5 runs in 6). We pass the real length of a NUL-terminated buffer.
- audio is gathered with `bytes +=`, quadratic in length; we gather into a `bytearray`.
- it prints "Audio saved to ..." on stdout; we write the file, so nothing is printed.
- its run loop polls with a 10 ms sleep; ours returns once synthesis has started, and we wait on
  eSpeak's end-of-message event, signalled only after that event's batch of audio is kept (a
  short paragraph can arrive in one batch: signalling first lost it under load).
eSpeak can be initialised once per process, and an engine made in a parent breaks forked children:
one engine per process, made lazily in the process that uses it.
"""

from __future__ import annotations

import ctypes
import functools
import os
import threading
import time
from pathlib import Path

import numpy as np

from reelcast.config import SpeechSettings
from reelcast.errors import SpeechError
from reelcast.language import primary
from reelcast.models import Clip
from reelcast.speech.base import (
    VoiceInfo,
    engine_started,
    note_engine_started,
    register,
    sentence_offsets,
    write_wav,
)

SAMPLE_RATE = 22050  # eSpeak NG's native rate
_SYNTH_TIMEOUT_S = 300
_IDLE_TIMEOUT_S = 10
_IDLE_POLL_S = 0.0002
_PAUSE_SEARCH_MS = 250  # how far before a sentence's first word its pause may go
# Piper carries its own eSpeak NG with the same exported names; once both are loaded, calls cross
# from one copy into the other and the process crashes. One of the two per process.
_NOT_WITH_PIPER = "eSpeak cannot start in a process where Piper already speaks; use one engine per reelcast command"


def _load_espeak_library() -> None:
    """Make pip's eSpeak NG (espeakng-loader) the one pyttsx3 finds, with its voice data.

    pyttsx3 asks the dynamic loader for 'libespeak-ng.so.1'; a library already loaded globally
    under that soname answers, so no system package is needed.
    """
    try:
        import espeakng_loader
    except ImportError:
        return  # fall back to a system libespeak-ng, if any
    os.environ.setdefault("ESPEAK_DATA_PATH", espeakng_loader.get_data_path())
    ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)


def _import_driver():
    _load_espeak_library()
    try:
        from pyttsx3.drivers import _espeak
        from pyttsx3.drivers.espeak import EspeakDriver
    except (ImportError, OSError, RuntimeError) as exc:
        raise SpeechError(
            "eSpeak NG could not be loaded; reinstall reelcast (pip install -e .) so that "
            "espeakng-loader brings it, or install the Debian package libespeak-ng1"
        ) from exc
    return _espeak, EspeakDriver


class _Pyttsx3Runtime:
    """The single pyttsx3 engine of this process, with our driver in place of pyttsx3's."""

    _instance: _Pyttsx3Runtime | None = None

    @classmethod
    def get(cls) -> _Pyttsx3Runtime:
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def __init__(self) -> None:
        import sys
        import types

        import pyttsx3

        if engine_started("piper"):
            raise SpeechError(_NOT_WITH_PIPER)
        self.espeak, base = _import_driver()
        note_engine_started(Pyttsx3Engine.name)
        runtime = self

        class Driver(base):  # type: ignore[misc, valid-type]
            def __init__(self, proxy):  # noqa: ANN001
                super().__init__(proxy)
                runtime.driver = self
                self.audio = bytearray()
                self.words: list[tuple[int, int]] = []
                self.done = threading.Event()
                self.utterance = 0
                self._callback = runtime.espeak.t_espeak_callback(self._collect)
                runtime.espeak.cSetSynthCallback(self._callback)

            def save_to_file(self, text: str, filename: str) -> None:
                self._text_to_say = text  # the file is written by the engine after synthesis

            def _start_synthesis(self, text: str) -> None:
                self._proxy.setBusy(True)
                self._proxy.notify("started-utterance")
                self.audio, self.words = bytearray(), []
                self.done.clear()
                self._speaking = True
                # Events carry this number back, so a late event of an earlier text is told apart.
                self.utterance += 1
                data = text.encode("utf-8") + b"\0"
                es = runtime.espeak
                flags = es.ENDPAUSE | es.CHARS_UTF8
                status = es.cSynth(data, len(data), 0, es.POS_CHARACTER, 0, flags, None, self.utterance)
                if status != es.EE_OK:
                    self._finish()
                    raise SpeechError(f"eSpeak refused the text (status {status})")

            def startLoop(self) -> None:
                # pyttsx3's loop polls with a 10 ms sleep, 10-20 ms lost per paragraph (with eSpeak
                # at ~600x real time, a third of a review's synthesis); eSpeak's end-of-message
                # event, which `speak` waits on, tells us when it is done.
                self._looping = True
                self._proxy.setBusy(False)  # runs the queued commands: save_to_file, then endLoop
                if self._text_to_say:
                    self._start_synthesis(self._text_to_say)

            def _collect(self, wav, numsamples, events):  # noqa: ANN001
                es = runtime.espeak
                if (events[0].user_data or 0) != self.utterance:
                    return 0  # belongs to an earlier text
                # samples first: the end event may share this call, and must not be seen before them
                if numsamples > 0:
                    self.audio += ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short))
                i = 0
                while events[i].type != es.EVENT_LIST_TERMINATED:
                    event = events[i]
                    if event.type == es.EVENT_WORD:
                        self.words.append((event.text_position - 1, event.audio_position))
                    elif event.type == es.EVENT_MSG_TERMINATED:
                        self._finish()
                    i += 1
                return 0

            def _finish(self) -> None:
                self._speaking = False
                self._proxy.notify("finished-utterance", completed=True)
                self._proxy.setBusy(False)
                self.endLoop()
                self.done.set()

        module = types.ModuleType("pyttsx3.drivers.reelcast_espeak")
        module.buildDriver = Driver  # type: ignore[attr-defined]
        sys.modules[module.__name__] = module
        self.driver: Driver | None = None
        self.engine = pyttsx3.init("reelcast_espeak")
        # pyttsx3 caches engines by driver name; ours must stay the only one of this process.

    def configure(self, settings: SpeechSettings) -> None:
        try:
            if settings.voice:
                self.engine.setProperty("voice", settings.voice)
            self.engine.setProperty("rate", settings.rate)
            self.engine.setProperty("volume", settings.volume)
        except (ValueError, KeyError) as exc:
            raise SpeechError(
                f"eSpeak NG does not know voice '{settings.voice}'; run 'reelcast voices' to list them"
            ) from exc

    def _wait_idle(self) -> None:
        deadline = time.monotonic() + _IDLE_TIMEOUT_S
        while self.espeak.IsPlaying():
            if time.monotonic() > deadline:
                raise SpeechError(f"eSpeak did not go idle within {_IDLE_TIMEOUT_S} s of finishing a text")
            time.sleep(_IDLE_POLL_S)

    def speak(self, text: str) -> tuple[bytes, list[tuple[int, int]]]:
        driver = self.driver
        assert driver is not None
        self.engine.save_to_file(text, os.devnull)
        self.engine.runAndWait()
        if not driver.done.wait(_SYNTH_TIMEOUT_S):
            raise SpeechError(f"eSpeak did not finish a {len(text.split())}-word text in {_SYNTH_TIMEOUT_S} s")
        self._wait_idle()
        return bytes(driver.audio), list(driver.words)


class Pyttsx3Engine:
    """pyttsx3 + eSpeak NG. Made cheaply; the native engine starts on first use in this process."""

    name = "pyttsx3"

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings

    def _runtime(self) -> _Pyttsx3Runtime:
        runtime = _Pyttsx3Runtime.get()
        runtime.configure(self.settings)
        return runtime

    def synthesize(self, text: str, wav: Path) -> Clip:
        if not text.strip():
            raise SpeechError("nothing to say: the text is empty")
        audio, words = self._runtime().speak(text)
        if not audio:
            raise SpeechError(f"eSpeak produced no audio for: {text[:60]!r}")
        if self.settings.sentence_pause_ms:
            audio, words = with_sentence_pauses(text, audio, words, self.settings.sentence_pause_ms)
        write_wav(wav, audio, SAMPLE_RATE)
        duration_ms = round(len(audio) / 2 / SAMPLE_RATE * 1000)
        return Clip(text=text, wav=wav, duration_ms=duration_ms, word_starts=tuple(words))

    def voice_id(self) -> str:
        return self.settings.voice or str(_Pyttsx3Runtime.get().engine.getProperty("voice"))

    def voices(self) -> list[VoiceInfo]:
        runtime = _Pyttsx3Runtime.get()
        return [
            VoiceInfo(id=v.id, name=v.name, languages=tuple(v.languages or ()), gender=v.gender)
            for v in runtime.engine.getProperty("voices")
        ]


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


def with_sentence_pauses(
    text: str, audio: bytes, words: list[tuple[int, int]], pause_ms: int
) -> tuple[bytes, list[tuple[int, int]]]:
    """`audio` with `pause_ms` of silence more before each sentence after the first; word times moved.

    eSpeak has no setting for the pause between sentences, and SSML <break> would mean escaping
    every text as XML. Its own pause is there already, so the silence goes into it: at the quietest
    10 ms of the quarter second before the sentence's first word, where no sound is cut.
    """
    samples = np.frombuffer(audio, dtype=np.int16)
    per_ms = SAMPLE_RATE // 1000
    cuts: list[int] = []  # sample positions
    for char, _sentence in sentence_offsets(text)[1:]:
        heard = next((ms for position, ms in words if position >= char), None)
        if heard is None:
            continue
        end = min(len(samples), heard * per_ms)
        start = max(cuts[-1] if cuts else 0, end - _PAUSE_SEARCH_MS * per_ms)
        if end - start < 10 * per_ms:
            continue
        frames = np.abs(samples[start:end].astype(np.int32))
        energy = np.convolve(frames, np.ones(10 * per_ms, dtype=np.int32), mode="valid")
        cuts.append(start + int(np.argmin(energy)) + 5 * per_ms)
    if not cuts:
        return audio, words
    silence = np.zeros(pause_ms * per_ms, dtype=np.int16)
    pieces = np.split(samples, cuts)
    joined = np.concatenate([pieces[0], *(part for piece in pieces[1:] for part in (silence, piece))])
    cut_ms = [cut / per_ms for cut in cuts]
    moved = [(position, ms + pause_ms * sum(1 for cut in cut_ms if cut <= ms)) for position, ms in words]
    return joined.tobytes(), moved
