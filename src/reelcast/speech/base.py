"""The engine interface, and the registry the pipeline picks engines from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from reelcast.config import SpeechSettings
from reelcast.errors import SpeechError
from reelcast.models import Clip


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


EngineFactory = Callable[[SpeechSettings], Engine]
_REGISTRY: dict[str, EngineFactory] = {}


def register(name: str, factory: EngineFactory) -> None:
    _REGISTRY[name] = factory


def engine_names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def make_engine(settings: SpeechSettings) -> Engine:
    _load_builtin()
    try:
        factory = _REGISTRY[settings.engine]
    except KeyError:
        raise SpeechError(
            f"unknown speech engine '{settings.engine}'; choose one of: {', '.join(sorted(_REGISTRY))}"
        ) from None
    return factory(settings)


def _load_builtin() -> None:
    # Imported lazily: each engine pulls in a native library that should load only when used.
    from reelcast.speech import espeak_pyttsx3  # noqa: F401
