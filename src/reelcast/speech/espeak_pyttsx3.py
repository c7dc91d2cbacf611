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

eSpeak NG keeps state from one text to the next (its pitch flutter runs on in a function-level
static), so a paragraph came out slightly different depending on what was spoken before it. Each
text is therefore spoken in a child forked from the process where eSpeak was started but has not
yet spoken (safe: in synchronous mode eSpeak has no threads). A paragraph then sounds the same
byte for byte whoever speaks it and whenever, which is what lets it be cached and spoken on
another machine; and an eSpeak that crashes or hangs takes only that child with it.
"""

from __future__ import annotations

import ctypes
import functools
import importlib.metadata
import os
import pickle
import re
import select
import signal
import time
from pathlib import Path
from typing import Any

import numpy as np

from reelcast.config import SpeechSettings
from reelcast.errors import SpeechError
from reelcast.language import primary
from reelcast.models import Paragraph, Speech
from reelcast.speech.base import VoiceInfo, native_runtime, register, sentence_offsets

SAMPLE_RATE = 22050  # eSpeak NG's native rate
SPEAK_TIMEOUT_S = 120  # eSpeak speaks 100 words in about 0.05 s: a text still unspoken after this has hung
DEFAULT_VOICE = "gmw/en"  # what pyttsx3 chose as eSpeak's default, so episodes keep their voice
_PAUSE_SEARCH_MS = 250  # how far before a sentence's first word its pause may go


def _load_espeak() -> Any:
    """pyttsx3's binding of eSpeak NG, bound to pip's copy (espeakng-loader) with its voice data.

    The binding asks the dynamic loader for 'libespeak-ng.so.1'; a library already loaded globally
    under that soname answers, so no system package is needed.
    """
    try:
        import espeakng_loader

        os.environ.setdefault("ESPEAK_DATA_PATH", espeakng_loader.get_data_path())
        ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    except ImportError:
        pass  # fall back to a system libespeak-ng, if any
    try:
        from pyttsx3.drivers import _espeak
    except (ImportError, OSError, RuntimeError) as exc:
        raise SpeechError(
            "eSpeak NG could not be loaded; reinstall reelcast (pip install -e .) so that "
            "espeakng-loader brings it, or install the Debian package libespeak-ng1"
        ) from exc
    return _espeak


class EspeakDriver:
    """eSpeak NG started once in this process (it cannot be initialised twice), speaking on demand."""

    def __init__(self) -> None:
        self.es = es = _load_espeak()
        if es.Initialize(es.AUDIO_OUTPUT_SYNCHRONOUS, 1000) == -1:
            raise SpeechError("eSpeak NG failed to start (espeak_Initialize returned an error)")
        self.version = (es.Info(None) or b"?").decode()
        self.configured: tuple[str, int, float] | None = None
        self.audio = bytearray()
        self.words: list[tuple[int, int]] = []  # (character offset, ms)
        # kept on self: eSpeak holds only a C pointer to it, which must outlive every call
        self._callback = es.t_espeak_callback(self._collect)
        es.cSetSynthCallback(self._callback)

    def configure(self, voice: str, rate: int, volume: float) -> None:
        # Only when it changes: setting a voice again moves eSpeak's state on (a paragraph came out
        # a millisecond shorter after a few hundred), and the state speaking starts from must not move.
        if self.configured == (voice, rate, volume):
            return
        self.configured = (voice, rate, volume)
        es = self.es
        if es.SetVoiceByName(voice.encode("utf-8")) != es.EE_OK:
            self.configured = None
            raise SpeechError(f"eSpeak NG does not know voice '{voice}'; run 'reelcast voices' to list them")
        es.SetParameter(es.RATE, rate, 0)
        es.SetParameter(es.VOLUME, round(volume * 100), 0)

    def speak(self, text: str) -> tuple[bytes, list[tuple[int, int]]]:
        """Speak `text` in a forked child (see the module's docstring); its audio and word events."""
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # the child: speak, hand the result back, and leave without any clean-up
            code = 1
            try:
                os.close(read)
                with os.fdopen(write, "wb") as out:
                    out.write(pickle.dumps(self._speak_here(text)))
                code = 0
            finally:
                os._exit(code)
        os.close(write)
        try:
            data = _read_all(read, time.monotonic() + SPEAK_TIMEOUT_S)
        except TimeoutError:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise SpeechError(f"eSpeak NG hung: no audio after {SPEAK_TIMEOUT_S} s for {text[:60]!r}") from None
        finally:
            os.close(read)
        _, status = os.waitpid(pid, 0)
        if status != 0 or not data:
            how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit code {os.WEXITSTATUS(status)}"
            raise SpeechError(f"eSpeak NG crashed ({how}) speaking {text[:60]!r}")
        return pickle.loads(data)

    def _speak_here(self, text: str) -> tuple[bytes, list[tuple[int, int]]]:
        es = self.es
        self.audio, self.words = bytearray(), []
        data = text.encode("utf-8") + b"\0"
        status = es.cSynth(data, len(data), 0, es.POS_CHARACTER, 0, es.ENDPAUSE | es.CHARS_UTF8, None, None)
        if status != es.EE_OK:
            raise SpeechError(f"eSpeak NG refused the text (status {status}): {text[:60]!r}")
        return bytes(self.audio), self.words

    def voices(self) -> list[VoiceInfo]:
        genders = (None, "male", "female")
        found = []
        for v in self.es.ListVoices(None):
            language = v.languages[1:].decode("utf-8", "ignore") if v.languages else ""
            found.append(VoiceInfo(id=v.identifier.decode("utf-8").lower(), name=v.name.decode("utf-8"),
                                   languages=(language,) if language else (),
                                   gender=genders[v.gender] if 0 <= v.gender < 3 else None))
        return found

    def _collect(self, wav, numsamples, events) -> int:  # noqa: ANN001 - ctypes pointers
        es = self.es
        if numsamples > 0:
            self.audio += ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short))
        i = 0
        while events[i].type != es.EVENT_LIST_TERMINATED:
            if events[i].type == es.EVENT_WORD:
                self.words.append((events[i].text_position - 1, events[i].audio_position))
            i += 1
        return 0


def _read_all(fd: int, deadline: float) -> bytes:
    chunks = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise TimeoutError
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


class Pyttsx3Engine:
    """eSpeak NG. Made cheaply; the native library starts on first use in the process that speaks."""

    name = "pyttsx3"

    def __init__(self, settings: SpeechSettings) -> None:
        self.settings = settings

    def _driver(self) -> EspeakDriver:
        driver = native_runtime(self.name, EspeakDriver)
        driver.configure(self.voice_id(), self.settings.rate, self.settings.volume)
        return driver

    def speak(self, paragraph: Paragraph) -> Speech:
        text = paragraph.text
        if not text.strip():
            raise SpeechError("nothing to say: the text is empty")
        audio, words = self._driver().speak(text)
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
