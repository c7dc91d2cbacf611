"""What an episode is, decided from what was read and spoken: pure functions, no disk, no catalog."""

from __future__ import annotations

import hashlib
import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from reelcast.audio import Tags
from reelcast.config import Settings
from reelcast.language import id3_language
from reelcast.models import Article, Episode, EpisodeAudio, RawPage
from reelcast.publish.sidefiles import MP3, SIDE_FILES, episode_file_name
from reelcast.script import episode_title

_SUMMARY_CHARS = 400
VERSION_CHARS = 8  # hex digits of the content hash in file names: a clash needs 4 billion versions of one slug


def make_episode(
    article: Article,
    page: RawPage,
    audio: EpisodeAudio,
    *,
    slug: str,
    version: str,
    previous: Episode | None,
    language: str,
    now: datetime,
) -> Episode:
    """The episode for `article` spoken as `audio`, its files named by `slug` and content `version`.

    A republish keeps the first publication date: apps sort by it, and a review read again is not news.
    """
    return Episode(
        guid=episode_guid(article, page),
        slug=slug,
        title=episode_title(article),
        summary=episode_summary(article),
        source=where_read(page),
        link=article.canonical_url or page.url,
        author=article.byline,
        published=previous.published if previous else now,
        audio_file=episode_file_name(slug, version, MP3),
        size_bytes=audio.size_bytes,
        duration_ms=audio.duration_ms,
        chapters=audio.chapters,
        side_files=tuple(episode_file_name(slug, version, kind) for kind in SIDE_FILES),
        language=language,
    )


def content_version(contents: list[bytes]) -> str:
    """A short hash of everything an episode publishes: the same bytes give the same file names."""
    digest = hashlib.sha256()
    for content in contents:
        digest.update(hashlib.sha256(content).digest())
    return digest.hexdigest()[:VERSION_CHARS]


def episode_guid(article: Article, page: RawPage) -> str:
    """Stable for the same review, never derived from the time of the run: from its canonical URL,
    else the address or file it was read from, else (standard input) its text."""
    if anchor := article.canonical_url or page.url:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, anchor))
    if page.source != "-":
        return str(uuid.uuid5(uuid.NAMESPACE_URL, Path(page.source).resolve().as_uri()))
    text = "\n".join([article.title, *(b.text for b in article.blocks)])
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "reelcast:text:" + hashlib.sha256(text.encode()).hexdigest()))


def where_read(page: RawPage) -> str:
    """The source as `reelcast publish` can be given it again from anywhere: a URL or an absolute path."""
    if page.url or page.source == "-":
        return page.url or page.source
    return str(Path(page.source).resolve())


def episode_summary(article: Article) -> str:
    summary = article.description or next(iter(article.paragraphs), "")
    if len(summary) > _SUMMARY_CHARS:
        summary = summary[:_SUMMARY_CHARS].rsplit(" ", 1)[0] + "…"
    details = []
    if film := article.film:
        about = film.title + (f" ({film.year})" if film.year else "")
        if film.director:
            about += f", directed by {film.director}"
        if film.cast:
            about += f", with {', '.join(film.cast)}"
        details.append(f"Film: {about}.")
    if rating := article.rating:
        details.append(f"Rating: {rating.value:g} out of {rating.best:g}.")
    if article.byline:
        details.append(f"Review by {article.byline}" + (f" for {article.site_name}." if article.site_name else "."))
    return " ".join([summary, *details]).strip()


def episode_tags(article: Article, settings: Settings, language: str | None = None) -> Tags:
    language = language or article.language
    return Tags(
        title=episode_title(article),
        artist=article.byline,
        album=settings.show.title,
        date=article.published,
        comment=article.canonical_url,
        language=id3_language(language) if language else None,
    )


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].rstrip("-") or "episode"


def unique_slug(slug: str, guid: str, owner: Callable[[str], str | None]) -> str:
    """`slug`, or `slug-2`, `slug-3`... : the first that no other episode (by `owner`, slug -> guid) has."""
    candidate, n = slug, 2
    while (taken_by := owner(candidate)) and taken_by != guid:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate
