"""The show as listeners get it, rendered from a list of episodes: the feed and the listening page."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reelcast.catalog import Catalog
from reelcast.config import Settings, ShowSettings
from reelcast.errors import ConfigError
from reelcast.models import Episode
from reelcast.publish.artwork import ensure_cover
from reelcast.publish.feed import build_feed, feed_url, show_identity
from reelcast.publish.page import inline_transcripts, render_page

COVER_STEM = "cover"


@dataclass(frozen=True, slots=True)
class RenderedShow:
    feed: bytes
    page: bytes


def render_show(
    settings: Settings,
    episodes: list[Episode],
    catalog: Catalog,
    updated: datetime | None,
    locate: Callable[[str], Path],
) -> RenderedShow:
    """The feed and page for `episodes` (newest first). `locate` says where an episode's file is now
    (staged in a work folder, or published); the cover is made if the show has none yet."""
    settings = titled(settings, catalog.show_title())
    cover = ensure_cover(settings.show.title, configured_cover(settings), settings.feed_dir / f"{COVER_STEM}.png")
    guid = catalog.show_guid(*show_identity(feed_url(settings)))
    feed = build_feed(settings, episodes, cover.name, guid, updated)
    transcripts = inline_transcripts(locate, episodes)
    page = render_page(settings, episodes, cover.name, transcripts).encode("utf-8")
    return RenderedShow(feed, page)


def ordered(episodes: Iterable[Episode]) -> list[Episode]:
    """Newest first, as the catalog lists them and feeds show them."""
    return sorted(sorted(episodes, key=lambda e: e.slug), key=lambda e: e.published, reverse=True)


def is_published(settings: Settings) -> bool:
    """The one meaning of "this show has published something": its catalog has an episode."""
    if not settings.catalog_path.is_file():
        return False
    with Catalog.open(settings.catalog_path) as catalog:
        return bool(catalog.episodes())


DEFAULT_TITLE = ShowSettings().title


def titled(settings: Settings, kept: str | None) -> Settings:
    """`settings` with the show's title: [show] title when reelcast.toml sets one, else `kept` (the
    one the catalog keeps, chosen from the site of the first review published)."""
    if settings.show.title != DEFAULT_TITLE or not kept:
        return settings
    return dataclasses.replace(settings, show=dataclasses.replace(settings.show, title=kept))


def configured_cover(settings: Settings) -> Path | None:
    if not settings.show.image:
        return None
    path = settings.root / settings.show.image
    if not path.is_file():
        raise ConfigError(f"[show] image = {settings.show.image!r} does not exist in {settings.root.resolve()}; "
                          "give the path of a square JPEG or PNG, relative to that folder")
    return path
