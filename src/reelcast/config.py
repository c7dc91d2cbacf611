"""Settings: every default in one place, overridden by reelcast.toml and then by command-line flags."""

from __future__ import annotations

import string
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from reelcast.errors import ConfigError

CONFIG_NAME = "reelcast.toml"
# What the intro and outro templates may name, e.g. "Welcome to {show}."
TEMPLATE_FIELDS = ("show", "title", "author", "site", "film", "rating", "link")


@dataclass(frozen=True, slots=True)
class ShowSettings:
    title: str = "reelcast Film Reviews"
    description: str = "Film reviews from around the web, read aloud."
    author: str = "reelcast"
    owner_name: str = "reelcast"
    owner_email: str = "podcast@example.com"
    language: str = "en"
    link: str = "http://127.0.0.1:8000/"
    # Where listeners fetch the files from: the feed's enclosure URLs start with it.
    base_url: str = "http://127.0.0.1:8000/"
    image: str | None = None  # path to a square cover, relative to the show folder
    category: str = "TV & Film"
    subcategory: str = "Film Reviews"
    explicit: bool = False


@dataclass(frozen=True, slots=True)
class ScriptSettings:
    intro: str = "Welcome to {show}. Today: {title}. {film} A review by {author}{site}. {rating}"
    outro: str = "That was {title}, by {author}{site}. Thanks for listening to {show}."
    min_words: int = 150
    max_words: int = 400


@dataclass(frozen=True, slots=True)
class SpeechSettings:
    engine: str = "pyttsx3"
    voice: str | None = None  # None: the engine's default English voice
    rate: int = 170  # words per minute
    volume: float = 1.0
    workers: int = 0  # 0: one per CPU core
    sentence_pause_ms: int = 0  # silence added between sentences, beyond the voice's own


@dataclass(frozen=True, slots=True)
class AudioSettings:
    bitrate_kbps: int = 96
    sample_rate: int = 44100
    target_lufs: float = -16.0
    true_peak_db: float = -1.0
    paragraph_pause_ms: int = 700
    section_pause_ms: int = 1500


@dataclass(frozen=True, slots=True)
class Settings:
    root: Path = Path(".")
    show: ShowSettings = field(default_factory=ShowSettings)
    script: ScriptSettings = field(default_factory=ScriptSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)

    @property
    def episodes_dir(self) -> Path:
        return self.root / "episodes"

    @property
    def feed_dir(self) -> Path:
        return self.root / "feed"

    @property
    def catalog_path(self) -> Path:
        return self.root / "reelcast.db"


_SECTIONS = {
    "show": ShowSettings,
    "script": ScriptSettings,
    "speech": SpeechSettings,
    "audio": AudioSettings,
}


def load_settings(root: Path, overrides: dict[str, dict[str, Any]] | None = None) -> Settings:
    """Read `root/reelcast.toml` if present; `overrides` (from flags) win over the file."""
    path = root / CONFIG_NAME
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} is not valid TOML ({exc}); fix the file or delete it to use defaults") from exc
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update({k: v for k, v in values.items() if v is not None})

    unknown = set(data) - set(_SECTIONS)
    if unknown:
        raise ConfigError(f"{path}: unknown section [{sorted(unknown)[0]}]; known: {', '.join(_SECTIONS)}")
    parts = {name: _build(cls, data.get(name, {}), f"{path} [{name}]") for name, cls in _SECTIONS.items()}
    settings = Settings(root=root, **parts)
    _validate(settings, path)
    return settings


def _build(cls: type, values: dict[str, Any], where: str) -> Any:
    hints = typing.get_type_hints(cls)
    checked = {}
    for key, value in values.items():
        if key not in hints:
            raise ConfigError(f"{where}: unknown setting '{key}'; known: {', '.join(hints)}")
        checked[key] = _typed(value, hints[key], f"{where} {key}")
    return cls(**checked)


def _typed(value: Any, hint: Any, where: str) -> Any:
    """`value` as the type a setting declares (an int is a fine float), or a ConfigError saying what is wanted."""
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None and type(None) in allowed:
        return value
    for kind in allowed:
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if kind is int and isinstance(value, bool):
            continue  # TOML's true is not a number
        if isinstance(kind, type) and isinstance(value, kind):
            return value
    wanted = " or ".join(getattr(k, "__name__", str(k)) for k in allowed if k is not type(None))
    raise ConfigError(f"{where} = {value!r} should be {wanted}")


def _validate(settings: Settings, path: Path) -> None:
    audio, speech, show = settings.audio, settings.speech, settings.show
    if audio.bitrate_kbps not in (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320):
        raise ConfigError(f"{path}: bitrate_kbps = {audio.bitrate_kbps} is not an MP3 bitrate; use e.g. 64, 96 or 128")
    if not -40 <= audio.target_lufs <= -5:
        raise ConfigError(f"{path}: target_lufs = {audio.target_lufs} is out of range; podcasts use -16 (stereo -14)")
    if not 50 <= speech.rate <= 400:
        raise ConfigError(f"{path}: rate = {speech.rate} words per minute is out of range 50-400")
    if not 0 < speech.volume <= 1:
        raise ConfigError(f"{path}: volume = {speech.volume} must be in (0, 1]")
    if not 0 <= speech.sentence_pause_ms <= 1500:
        # longer would read as a hole: the clip check allows no silence over 2 s
        raise ConfigError(f"{path}: sentence_pause_ms = {speech.sentence_pause_ms} is out of range 0-1500")
    for name in ("intro", "outro"):
        template = getattr(settings.script, name)
        try:
            named = {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
        except ValueError as exc:
            raise ConfigError(f"{path} [script] {name}: {exc}; write literal braces as {{{{ and }}}}") from exc
        if unknown := named - set(TEMPLATE_FIELDS):
            raise ConfigError(
                f"{path} [script] {name}: unknown field {{{sorted(unknown)[0]}}}; "
                f"use {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}"
            )
    if not show.base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{path}: base_url = {show.base_url!r} must be an absolute http(s) URL")
