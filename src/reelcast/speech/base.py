"""The engine interface, the registry the pipeline picks engines from, and the one-native-engine rule."""

from __future__ import annotations

import importlib
import os
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TypeVar

from reelcast.config import SpeechSettings
from reelcast.errors import SpeechError
from reelcast.models import Paragraph, Speech


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None


class Engine(Protocol):
    """A speech engine: a plain object made from the settings, cheap to make and to pickle.

    Its native part (if any) starts on first use, in the process that speaks, via `native_runtime`.
    """

    name: str

    def speak(self, paragraph: Paragraph) -> Speech:
        """Speak `paragraph`; report when each of its sentences starts. Raises SpeechError."""
        ...

    def start(self) -> None:
        """Start the native part now, ahead of the first paragraph (a speech worker does as it starts)."""
        ...

    def sound(self) -> dict[str, Any]:
        """Everything besides the text that decides how the speech sounds (engine, its version,
        voice, rate, volume, pauses, sample rate): what a cached paragraph is keyed by."""
        ...

    def voices(self) -> list[VoiceInfo]: ...

    def voice_id(self) -> str:
        """The voice this engine speaks with: the configured one, or the engine's default."""
        ...

    def voice_for(self, language: str) -> str | None:
        """The engine's own voice for a language tag, or None when it has none installed."""
        ...

    def speaks(self, voice: str, language: str) -> bool:
        """Whether `voice` speaks `language` (True when the engine cannot tell)."""
        ...


EngineFactory = Callable[[SpeechSettings], Engine]
_REGISTRY: dict[str, EngineFactory] = {}

T = TypeVar("T")
# The native runtime each engine has started in this process. A fact about the process, not a
# setting, so it lives here and nowhere else.
_RUNTIMES: dict[str, Any] = {}


def native_runtime(name: str, start: Callable[[], T]) -> T:
    """The native part of engine `name` in this process, started on first use.

    Two native engines do not share a process: Piper carries its own copy of eSpeak NG exporting
    the same names as the one pyttsx3 binds, so once both are loaded calls cross from one copy into
    the other and the process crashes (pyttsx3's runs in a host process of its own now, but one
    engine a process is the rule that keeps this safe whatever an engine loads). And a runtime
    started in a parent breaks the children forked from it (a native library's state, or the pipes
    to a host that parent and child would both talk over): start it only in the process that speaks.
    """
    if name not in _RUNTIMES:
        if _RUNTIMES:
            other = next(iter(_RUNTIMES))
            raise SpeechError(
                f"the {name} engine cannot start in a process where {other} already speaks; "
                "use one engine per reelcast command"
            )
        _RUNTIMES[name] = start()
    return _RUNTIMES[name]


def engine_started(name: str | None = None) -> bool:
    """Whether engine `name` (or any engine) has started its native part in this process."""
    return name in _RUNTIMES if name else bool(_RUNTIMES)


def register(name: str, factory: EngineFactory) -> None:
    _REGISTRY[name] = factory


def engine_names() -> list[str]:
    """Every engine that can be asked for, without importing any of them."""
    return sorted(set(_REGISTRY) | set(_BUILTIN))


def make_engine(settings: SpeechSettings) -> Engine:
    name = settings.engine
    if name not in _REGISTRY and name in _BUILTIN:
        importlib.import_module(_BUILTIN[name])  # the module registers its engine
    try:
        factory = _REGISTRY[name]
    except KeyError:
        raise SpeechError(f"unknown speech engine '{name}'; choose one of: {', '.join(engine_names())}") from None
    return factory(settings)


# The engines that come with reelcast, by the module that registers each. Imported only when
# asked for: each pulls in a native library (eSpeak NG, ONNX Runtime), and piper is an extra.
_BUILTIN = {
    "pyttsx3": "reelcast.speech.espeak_pyttsx3",
    "piper": "reelcast.speech.piper",
}


def sentence_offsets(paragraph: Paragraph) -> list[int]:
    """Where each sentence starts in `paragraph.text` (its sentences joined by one space)."""
    offsets, position = [], 0
    for sentence in paragraph.sentences:
        offsets.append(position)
        position += len(sentence.text) + 1
    return offsets


def write_wav(path: Path, pcm: bytes, rate: int) -> None:
    """Mono 16-bit PCM to a WAV file, written beside it first so no half file is ever read."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        # the file opened first: a Wave_write whose open failed complains from its __del__
        with tmp.open("wb") as raw, wave.open(raw, "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(rate)
            out.writeframes(pcm)
        os.replace(tmp, path)
    except BaseException:  # a full disk: no half WAV left behind
        tmp.unlink(missing_ok=True)
        raise


def read_wav(path: Path) -> tuple[bytes, int]:
    """The PCM and sample rate of a mono 16-bit WAV file as write_wav writes them."""
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise SpeechError(f"{path} is not mono 16-bit audio")
            return wav.readframes(wav.getnframes()), wav.getframerate()
    except (OSError, EOFError, wave.Error) as exc:
        raise SpeechError(f"could not read {path} ({exc})") from exc
