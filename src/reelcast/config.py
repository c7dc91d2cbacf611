"""Settings: every default in one place, overridden by reelcast.toml and then by command-line flags."""

from __future__ import annotations

import dataclasses
import json
import os
import re
import string
import tomllib
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reelcast.errors import ConfigError

CONFIG_NAME = "reelcast.toml"
Where = Callable[[str, str], str]  # (section, setting) -> how to name it in a message
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
    # The languages the show publishes in besides its own; empty: any language, each episode
    # marked with its language in its description. A review in another language is refused.
    languages: tuple[str, ...] = ()
    link: str | None = None  # the show's web page; the listening page under base_url if unset
    # Where listeners fetch the files from: the feed's enclosure URLs start with it.
    base_url: str = "http://127.0.0.1:8000/"
    image: str | None = None  # path to a square cover, relative to the show folder
    category: str = "TV & Film"
    subcategory: str = "Film Reviews"
    explicit: bool = False

    @property
    def home(self) -> str:
        return self.link or self.base_url


@dataclass(frozen=True, slots=True)
class ScriptSettings:
    # None: the template of the review's language (languages/<code>.toml). Set, it frames the
    # reviews in the show's language; [script.intros] and [script.outros] set one per language.
    intro: str | None = None
    outro: str | None = None
    intros: tuple[tuple[str, str], ...] = ()
    outros: tuple[tuple[str, str], ...] = ()
    min_words: int = 150
    max_words: int = 400
    # Caps on the whole article, checked before any speech: a page that is not one review (a book,
    # a forum dump) would otherwise take hours of synthesis and gigabytes of audio.
    max_article_words: int = 10_000
    max_audio_minutes: int = 90  # estimated from the words and [speech] rate


@dataclass(frozen=True, slots=True)
class SpeechSettings:
    engine: str = "pyttsx3"
    voice: str | None = None  # None: the engine's voice for the review's language
    voices: tuple[tuple[str, str], ...] = ()  # [speech.voices] fr = "roa/fr": the show's voice per language
    rate: int = 170  # words per minute
    volume: float = 1.0
    workers: int = 0  # 0: one per CPU core
    sentence_pause_ms: int = 0  # silence added between sentences, beyond the voice's own
    # Spoken paragraphs and encoded episodes are kept under .cache/ in the show folder, up to this
    # size (least recently used go first); about 1 MB per minute of speech.
    cache_mb: int = 2000


@dataclass(frozen=True, slots=True)
class AudioSettings:
    bitrate_kbps: int = 96
    sample_rate: int = 44100
    target_lufs: float = -16.0
    true_peak_db: float = -1.0
    paragraph_pause_ms: int = 700
    section_pause_ms: int = 1500


@dataclass(frozen=True, slots=True)
class DeploySettings:
    # Where `reelcast deploy` copies the show: a folder, sftp://user@host[:port]/path or s3://bucket/prefix.
    dest: str | None = None
    s3_endpoint: str | None = None  # any S3-compatible store; unset: AWS (credentials as boto finds them)
    sftp_key: str | None = None  # a private key file; unset: ssh-agent and ~/.ssh/id_*
    sftp_known_hosts: str | None = None  # host keys beside ~/.ssh/known_hosts; an unknown host is refused
    timeout_s: float = 30.0


@dataclass(frozen=True, slots=True)
class Settings:
    root: Path = Path(".")
    show: ShowSettings = field(default_factory=ShowSettings)
    script: ScriptSettings = field(default_factory=ScriptSettings)
    speech: SpeechSettings = field(default_factory=SpeechSettings)
    audio: AudioSettings = field(default_factory=AudioSettings)
    deploy: DeploySettings = field(default_factory=DeploySettings)

    @property
    def episodes_dir(self) -> Path:
        return self.root / "episodes"

    @property
    def feed_dir(self) -> Path:
        return self.root / "feed"

    @property
    def catalog_path(self) -> Path:
        return self.root / "reelcast.db"

    @property
    def cache_dir(self) -> Path:
        return self.root / ".cache"


_SECTIONS = {
    "show": ShowSettings,
    "script": ScriptSettings,
    "speech": SpeechSettings,
    "audio": AudioSettings,
    "deploy": DeploySettings,
}


def user_cache_dir() -> Path:
    """Where reelcast keeps what any show can reuse and any run can make again (the unpacked
    language model, the listening page's compiled template): the user's cache folder."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "reelcast"


def save_show_title(root: Path, title: str) -> Path:
    """Write `[show] title` into `root/reelcast.toml` (made if missing), keeping the rest of the file as
    it is, comments and all (tomlkit); replaced whole, so a crash leaves the old file or the new one."""
    import tomlkit

    path = root / CONFIG_NAME
    try:
        document = tomlkit.parse(path.read_text(encoding="utf-8")) if path.exists() else tomlkit.document()
        if "show" not in document:
            document["show"] = tomlkit.table()
        document["show"]["title"] = title  # type: ignore[index]
        tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
        try:
            tmp.write_text(tomlkit.dumps(document), encoding="utf-8")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
    except (OSError, tomlkit.exceptions.TOMLKitError) as exc:
        raise ConfigError(f"could not write the show's title into {path} ({exc}); add [show] title = "
                          f"{json.dumps(title, ensure_ascii=False)} to it yourself") from exc
    return path


def load_settings(root: Path, overrides: dict[str, dict[str, Any]] | None = None) -> Settings:
    """Read `root/reelcast.toml` if present; `overrides` (from flags) win over the file."""
    path = root / CONFIG_NAME
    data: dict[str, Any] = {}
    if path.exists():
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} is not valid TOML ({exc}); fix the file or delete it to use defaults") from exc
    unknown = set(data) - set(_SECTIONS)
    if unknown:
        raise ConfigError(f"{path}: unknown section [{sorted(unknown)[0]}]; known: {', '.join(_SECTIONS)}")
    for name, values in data.items():
        if not isinstance(values, dict):
            raise ConfigError(f"{path}: {name} should be a [{name}] section of settings, not a value")

    flags: set[tuple[str, str]] = set()
    for section, values in (overrides or {}).items():
        given = {k: v for k, v in values.items() if v is not None}
        data.setdefault(section, {}).update(given)
        flags.update((section, key) for key in given)

    def where(section: str, key: str) -> str:
        """Name a setting as the user gave it: a flag, or a line of the file."""
        if (section, key) in flags:
            return "--" + key.replace("_", "-").removesuffix("-kbps")
        return f"{path} [{section}] {key}"

    parts = {name: _build(cls, data.get(name, {}), name, where) for name, cls in _SECTIONS.items()}
    show = parts["show"]
    for section, key in (("show", "base_url"), ("show", "link"), ("deploy", "s3_endpoint")):
        url = getattr(parts[section], key)
        if url is not None and (urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname):
            raise ConfigError(
                f"{where(section, key)} = {url!r} must be an absolute http(s) URL, like http://192.168.1.20:8000/"
            )
    if not show.base_url.endswith("/"):
        # urljoin would drop the last path segment: http://host/podcast + feed/ -> http://host/feed/
        parts["show"] = dataclasses.replace(show, base_url=show.base_url + "/")
    settings = Settings(root=root, **parts)
    _validate(settings, where)
    return settings


def _build(cls: type, values: dict[str, Any], section: str, where: Where) -> Any:
    hints = typing.get_type_hints(cls)
    checked = {}
    for key, value in values.items():
        if key not in hints:
            raise ConfigError(f"{where(section, key)}: unknown setting; known: {', '.join(hints)}")
        checked[key] = _typed(value, hints[key], where(section, key))
    return cls(**checked)


def _typed(value: Any, hint: Any, where: str) -> Any:
    """`value` as the type a setting declares (an int is a fine float), or a ConfigError saying what is wanted."""
    allowed = typing.get_args(hint) if isinstance(hint, types.UnionType) else (hint,)
    if value is None and type(None) in allowed:
        return value
    # Lists and tables are kept as tuples, so settings stay hashable (engines are cached by them).
    if hint == tuple[str, ...]:
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
        raise ConfigError(f"{where} = {value!r} should be a list of strings, like [\"fr\", \"en\"]")
    if hint == tuple[tuple[str, str], ...]:
        if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
            return tuple(value.items())
        raise ConfigError(f"{where} should be a table of quoted strings by language, like fr = \"...\"")
    for kind in allowed:
        if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if kind is int and isinstance(value, bool):
            continue  # TOML's true is not a number
        if isinstance(kind, type) and isinstance(value, kind):
            return value
    wanted = " or ".join(getattr(k, "__name__", str(k)) for k in allowed if k is not type(None))
    raise ConfigError(f"{where} = {value!r} should be {wanted}")


# (section, setting, lowest, highest, why): numbers outside these make no sense for a podcast.
_RANGES: tuple[tuple[str, str, float, float, str], ...] = (
    ("audio", "target_lufs", -40, -5, "podcasts use -16 (stereo -14)"),
    ("audio", "true_peak_db", -12, 0, "podcasts use -1"),
    ("audio", "paragraph_pause_ms", 0, 5000, "in milliseconds"),
    ("audio", "section_pause_ms", 0, 10000, "in milliseconds"),
    ("speech", "rate", 50, 400, "words per minute"),
    ("speech", "volume", 0.01, 1, "1 is full volume"),
    # longer would read as a hole: the clip check allows no silence over 2 s
    ("speech", "sentence_pause_ms", 0, 1500, "in milliseconds"),
    ("speech", "workers", 0, 64, "0 means one per core"),
    ("speech", "cache_mb", 0, 1_000_000, "megabytes; 0 keeps only what the last publish used"),
    ("script", "min_words", 20, 2000, "words in a section"),
    ("script", "max_words", 40, 5000, "words in a section"),
    ("deploy", "timeout_s", 1, 600, "seconds to wait for the destination"),
    ("script", "max_article_words", 100, 200_000, "words in the whole article"),
    ("script", "max_audio_minutes", 1, 1440, "minutes of narration, estimated"),
)
_LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
_BITRATES = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_SAMPLE_RATES = (22050, 24000, 32000, 44100, 48000)


def _validate(settings: Settings, where: Where) -> None:
    for section, key, low, high, why in _RANGES:
        value = getattr(getattr(settings, section), key)
        if not low <= value <= high:
            raise ConfigError(f"{where(section, key)} = {value} is out of range {low:g} to {high:g} ({why})")
    audio, script, show = settings.audio, settings.script, settings.show
    if audio.bitrate_kbps not in _BITRATES:
        raise ConfigError(f"{where('audio', 'bitrate_kbps')} = {audio.bitrate_kbps} is not an MP3 bitrate; "
                          "use e.g. 64, 96 or 128")
    if audio.sample_rate not in _SAMPLE_RATES:
        raise ConfigError(f"{where('audio', 'sample_rate')} = {audio.sample_rate}; use 44100 (or 48000)")
    if script.min_words > script.max_words:
        raise ConfigError(f"{where('script', 'min_words')} = {script.min_words} is more than max_words = "
                          f"{script.max_words}")
    templates = [(name, getattr(script, name)) for name in ("intro", "outro")]
    templates += [(f"{name}s", text) for name in ("intro", "outro") for _, text in getattr(script, f"{name}s")]
    for name, template in templates:
        if template is None:
            continue
        try:
            named = {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
        except ValueError as exc:
            raise ConfigError(f"{where('script', name)}: {exc}; write literal braces as {{{{ and }}}}") from exc
        if unknown := named - set(TEMPLATE_FIELDS):
            raise ConfigError(
                f"{where('script', name)}: unknown field {{{sorted(unknown)[0]}}}; "
                f"use {', '.join('{' + f + '}' for f in TEMPLATE_FIELDS)}"
            )
    tags = [("show", "languages", tag) for tag in show.languages]
    tags += [(section, key, tag) for section, key in (("script", "intros"), ("script", "outros"), ("speech", "voices"))
             for tag, _ in getattr(getattr(settings, section), key)]
    for section, key, tag in tags:
        if not _LANGUAGE_TAG.match(tag):
            raise ConfigError(f"{where(section, key)}: {tag!r} is not a language code; use one like 'fr' or 'pt-BR'")
    for key in ("title", "description", "author", "owner_name", "owner_email"):
        if not getattr(show, key).strip():
            raise ConfigError(f"{where('show', key)} is empty; podcast apps need it")
