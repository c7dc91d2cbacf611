"""The listening page, feed/index.html: every episode with a player, chapters that seek, and its transcript.

It is rendered from the catalog's episodes and the published transcripts, with all CSS and script
inline and only relative links to the files beside it, so it works from `reelcast serve` on a
phone, from any other server, or opened straight from disk, with no network at all.

The newest episodes carry their transcripts in the page; older ones load theirs from the
published WebVTT file when it is opened (or link to it, where the page was opened from disk).
A show of 5,000 episodes made a 60 MB page otherwise, most of its feed command's time.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import (
    Environment,
    FileSystemBytecodeCache,
    PackageLoader,
    StrictUndefined,
    TemplateError,
    select_autoescape,
)

from reelcast.config import Settings, user_cache_dir
from reelcast.errors import FeedError
from reelcast.language import pack_or_english
from reelcast.models import Chapter, Cue, Episode
from reelcast.publish.feed import feed_url
from reelcast.publish.sidefiles import ART, VTT, kind_of

log = logging.getLogger(__name__)

PAGE_FILE = "index.html"
# Relative to feed/index.html; also right when `reelcast serve` sends the page for "/", where
# browsers resolve ".." at the root to the root itself.
_EPISODES = "../episodes/"
_FEED = "../feed/"
INLINE_TRANSCRIPTS = 10  # the newest episodes whose transcripts are in the page itself
_PRELOADED = 10  # players that fetch their MP3's header when the page opens; the others wait for a tap


@dataclass(frozen=True, slots=True)
class Download:
    label: str
    url: str


@dataclass(frozen=True, slots=True)
class PageEpisode:
    episode: Episode
    audio_url: str
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    downloads: tuple[Download, ...]
    art_url: str | None = None
    vtt_url: str | None = None  # where the transcript is, when its cues are not in the page
    preload: bool = True


def page_episode(episode: Episode, cues: Sequence[Cue] | None, preload: bool = True) -> PageEpisode:
    """What the page shows of `episode`; `cues` None: its transcript is loaded when it is opened."""
    files = [(kind, _EPISODES + quote(name)) for name in (episode.audio_file, *episode.side_files)
             if (kind := kind_of(name))]
    url = {kind: link for kind, link in reversed(files)}  # of each kind, the first
    return PageEpisode(episode, _EPISODES + quote(episode.audio_file), episode.chapters, tuple(cues or ()),
                       tuple(Download(kind.label, link) for kind, link in files), url.get(ART),
                       None if cues is not None else url.get(VTT), preload)


@functools.cache
def _compiled_templates() -> FileSystemBytecodeCache | None:
    """Jinja's compiled page template, kept in the user's cache folder: compiling it took 12 ms at
    the end of every publish, after the encode, with nothing else to do. Jinja checks each against
    the template's source and its own version. None where the folder cannot be written."""
    folder = user_cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return FileSystemBytecodeCache(str(folder)) if os.access(folder, os.W_OK) else None


def render_page(
    settings: Settings, episodes: Sequence[Episode], cover_name: str, transcripts: Mapping[str, Sequence[Cue]]
) -> str:
    """The page's HTML. `transcripts` maps an episode's guid to its cues (missing: loaded when opened,
    from its WebVTT file if it has one; see `inline_transcripts`)."""
    env = Environment(
        loader=PackageLoader("reelcast", "templates"),
        bytecode_cache=_compiled_templates(),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["clock"] = clock
    env.filters["seconds"] = lambda ms: f"{ms / 1000:.3f}".rstrip("0").rstrip(".")
    try:
        return env.get_template("index.html").render(
            show=settings.show,
            feed_url=feed_url(settings),
            cover_url=_FEED + quote(cover_name),
            episodes=[page_episode(e, transcripts.get(e.guid), preload=n < _PRELOADED) for n, e in enumerate(episodes)],
            # The page speaks the show's language; each episode is marked with its own.
            words=pack_or_english(settings.show.language).page,
        )
    except TemplateError as exc:
        raise FeedError(f"the listening page could not be rendered ({exc}); reinstall reelcast") from exc


def inline_transcripts(locate: Callable[[str], Path], episodes: Sequence[Episode]) -> dict[str, list[Cue]]:
    """The cues the page carries itself, by guid: those of the newest episodes (`episodes` is newest first)."""
    return {e.guid: read_transcript(locate, e) for e in episodes[:INLINE_TRANSCRIPTS]}


def read_transcript(locate: Callable[[str], Path], episode: Episode) -> list[Cue]:
    """The episode's WebVTT cues (`locate` finds a file by name), or none when the file is missing or
    broken (`reelcast check` reports that)."""
    name = next((n for n in episode.side_files if kind_of(n) is VTT), None)
    if name is None:
        return []
    try:
        return VTT.parse(locate(name).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        log.warning("no transcript on the listening page for %s: %s", name, exc)
        return []


def clock(ms: int) -> str:
    """12:05 or 1:02:05, as players show times."""
    hours, rest = divmod((ms + 500) // 1000, 3600)  # halves up, as the page's script rounds
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
