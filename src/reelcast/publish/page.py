"""The listening page, feed/index.html: every episode with a player, chapters that seek, and its transcript.

It is rendered from the catalog's episodes and the published transcripts, with all CSS and script
inline and only relative links to the files beside it, so it works from `reelcast serve` on a
phone, from any other server, or opened straight from disk, with no network at all.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from jinja2 import Environment, PackageLoader, StrictUndefined, TemplateError, select_autoescape

from reelcast.config import Settings
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


def page_episode(episode: Episode, cues: Sequence[Cue]) -> PageEpisode:
    downloads = tuple(
        Download(kind.label, _EPISODES + quote(name))
        for name in (episode.audio_file, *episode.side_files)
        if (kind := kind_of(name))
    )
    art = next((_EPISODES + quote(n) for n in episode.side_files if kind_of(n) is ART), None)
    return PageEpisode(episode, _EPISODES + quote(episode.audio_file), episode.chapters, tuple(cues), downloads, art)


def render_page(
    settings: Settings, episodes: Sequence[Episode], cover_name: str, transcripts: Mapping[str, Sequence[Cue]]
) -> str:
    """The page's HTML. `transcripts` maps an episode's guid to its cues (missing: no transcript shown)."""
    env = Environment(
        loader=PackageLoader("reelcast", "templates"),
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
            episodes=[page_episode(e, transcripts.get(e.guid, ())) for e in episodes],
            # The page speaks the show's language; each episode is marked with its own.
            words=pack_or_english(settings.show.language).page,
        )
    except TemplateError as exc:
        raise FeedError(f"the listening page could not be rendered ({exc}); reinstall reelcast") from exc


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
    hours, rest = divmod(round(ms / 1000), 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"
