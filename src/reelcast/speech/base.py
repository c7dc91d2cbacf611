"""The engine interface, and the registry the pipeline picks engines from."""

from __future__ import annotations

import importlib
import os
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reelcast.config import SpeechSettings
from reelcast.errors import SpeechError
from reelcast.models import Clip
from reelcast.speakable import split_sentences


@dataclass(frozen=True, slots=True)
class VoiceInfo:
    id: str
    name: str
    languages: tuple[str, ...] = ()
    gender: str | None = None


class Engine(Protocol):
    name: str

    def synthesize(self, text: str, wav: Path) -> Clip:
        """Speak `text` into the WAV file `wav`. Raises SpeechError; never leaves silence behind."""
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
# The native engines (eSpeak, ONNX Runtime) running in this process. A fact about the process,
# not a setting: their threads and state would not survive a fork, and some cannot share it.
_started_here: set[str] = set()


def note_engine_started(name: str) -> None:
    """Engines call this when their native part starts, so the runner knows a fork is no longer safe."""
    _started_here.add(name)


def engine_started(name: str | None = None) -> bool:
    """Whether engine `name` (or any engine) has started its native part in this process."""
    return name in _started_here if name else bool(_started_here)


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


def sentence_offsets(text: str) -> list[tuple[int, str]]:
    """Each sentence of `text` (as the transcript splits it) with the character offset where it starts."""
    found, position = [], 0
    for sentence in split_sentences(text):
        at = text.find(sentence, position)
        position = at if at >= 0 else position
        found.append((position, sentence))
        position += len(sentence)
    return found


def write_wav(path: Path, pcm: bytes, rate: int) -> None:
    """Mono 16-bit PCM to a WAV file, written beside it first so no half file is ever read."""
    tmp = path.with_name(path.name + ".part")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(pcm)
    os.replace(tmp, path)
