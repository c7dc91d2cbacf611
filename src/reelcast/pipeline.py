"""Chains the stages: page -> article -> script -> speech -> MP3 -> catalog and feed.

Knows nothing about terminals: progress goes to a callback. Nothing is published until every
stage has succeeded; the audio, its side files and the feed are moved into place together.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import re
import tempfile
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reelcast import sidefiles
from reelcast.artwork import ensure_cover
from reelcast.audio import Tags, encode, stitch
from reelcast.cache import SpeechCache
from reelcast.catalog import Catalog
from reelcast.config import Settings, SpeechSettings
from reelcast.errors import CatalogError, ConfigError, FeedError
from reelcast.extract import extract
from reelcast.feed import FEED_FILE, build_feed, feed_url, show_guid, validate_show, write_atomically, write_feed
from reelcast.fetch import read_page
from reelcast.language import choose_voice, id3_language, review_language
from reelcast.models import Article, Episode, EpisodeAudio, RawPage, Script
from reelcast.page import PAGE_FILE, read_transcript, render_page, write_page
from reelcast.script import build_script
from reelcast.speakable import Lexicon
from reelcast.speech import Engine, make_engine
from reelcast.speech.runner import speak_script

log = logging.getLogger(__name__)

LEXICON_FILE = "lexicon.toml"
COVER_STEM = "cover"
_SUMMARY_CHARS = 400


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    stage: str  # "read", "extract", "script", "speech", "audio", "publish"
    done: int = 0
    total: int = 0


Progress = Callable[[ProgressEvent], None]


def _quiet(_event: ProgressEvent) -> None:
    pass


def load_lexicon(settings: Settings) -> Lexicon | None:
    path = settings.root / LEXICON_FILE
    return Lexicon.from_toml(path) if path.exists() else None


def read_article(source: str, stdin=None) -> Article:  # noqa: ANN001 - a binary stream
    return extract(read_page(source, stdin=stdin))


def prepare_script(article: Article, settings: Settings) -> Script:
    """The narration, in the review's language (an error for one the show refuses)."""
    show = settings.show
    language = review_language(article.language, show.language, show.languages)
    return build_script(article, settings.script, show.title, load_lexicon(settings), language, show.language)


def speech_for(script: Script, settings: Settings) -> SpeechSettings:
    """The speech settings that read `script`: the voice for its language, or a SpeechError now, before any audio."""
    speech = settings.speech
    voice = choose_voice(make_engine(speech), speech.voice, speech.voices, script.language, settings.show.language)
    return dataclasses.replace(speech, voice=voice)


def publish(
    source: str,
    settings: Settings,
    engine: Engine | None = None,
    on_progress: Progress = _quiet,
    stdin=None,  # noqa: ANN001 - a binary stream, for source '-'
) -> Episode:
    """Publish the review at `source` as an episode and rewrite the feed. Returns the episode."""
    validate_show(settings.show)  # before minutes of speech, not after
    on_progress(ProgressEvent("read"))
    page = read_page(source, stdin=stdin)
    on_progress(ProgressEvent("extract"))
    article = extract(page)
    on_progress(ProgressEvent("script"))
    script = prepare_script(article, settings)
    speech = speech_for(script, settings) if engine is None else settings.speech
    log.info("%s is in %s: read by the %s voice %s", source, script.language, speech.engine, speech.voice)

    settings.episodes_dir.mkdir(parents=True, exist_ok=True)
    settings.feed_dir.mkdir(parents=True, exist_ok=True)
    if settings.catalog_path.exists():
        with Catalog.open(settings.catalog_path):
            pass  # a broken catalog is found now, not after minutes of speech
    with tempfile.TemporaryDirectory(dir=settings.episodes_dir, prefix=".work-") as tmp:
        work = Path(tmp)
        total = sum(len(s.paragraphs) for s in script.sections)
        on_progress(ProgressEvent("speech", 0, total))
        cache = SpeechCache(settings.cache_dir, settings.speech.cache_mb * 1_000_000)
        spoken = speak_script(
            script, speech, cache, engine,
            on_progress=lambda done, all_: on_progress(ProgressEvent("speech", done, all_)),
        )
        on_progress(ProgressEvent("audio"))
        stitched = stitch(spoken, settings.audio)
        audio = encode(stitched, work / "episode.mp3", episode_tags(article, settings, script.language),
                       settings.audio)
        staged = {".mp3": audio.path, **_stage_side_files(work, audio, article.title)}

        on_progress(ProgressEvent("publish"))
        cover = ensure_cover(settings.show.title, _configured_cover(settings), settings.feed_dir / f"{COVER_STEM}.png")
        with Catalog.open(settings.catalog_path) as catalog, catalog.writing():
            guid = episode_guid(article, page)
            previous = catalog.get(guid)
            slug = previous.slug if previous else unique_slug(catalog, slugify(article.title), guid)
            episode = Episode(
                guid=guid,
                slug=slug,
                title=article.title,
                summary=episode_summary(article),
                source=_where_read(page),
                link=article.canonical_url or page.url,
                author=article.byline,
                published=previous.published if previous else datetime.now(UTC).replace(microsecond=0),
                audio_file=f"{slug}.mp3",
                size_bytes=audio.size_bytes,
                duration_ms=audio.duration_ms,
                chapters=audio.chapters,
                side_files=tuple(f"{slug}{suffix}" for suffix in staged if suffix != ".mp3"),
                language=script.language,
            )
            episodes = sorted([episode, *(e for e in catalog.episodes() if e.guid != guid)],
                              key=lambda e: e.published, reverse=True)
            # Rendered before anything moves: a feed or page that cannot be built leaves nothing published.
            feed_xml = build_feed(settings, episodes, cover.name, catalog.show_guid(show_guid(feed_url(settings))))
            transcripts = {e.guid: read_transcript(settings.episodes_dir, e) for e in episodes if e.guid != guid}
            page_html = render_page(settings, episodes, cover.name, {**transcripts, guid: audio.cues})
            catalog.put(episode)
            for suffix, path in staged.items():
                os.replace(path, settings.episodes_dir / f"{slug}{suffix}")
            write_atomically(settings.feed_dir / FEED_FILE, feed_xml)
            write_atomically(settings.feed_dir / PAGE_FILE, page_html)
    return episode


def rebuild_feed(settings: Settings) -> Path:
    """Rewrite feed/feed.xml and the listening page from the catalog (after changing show settings, say)."""
    require_show(settings)
    cover = ensure_cover(settings.show.title, _configured_cover(settings), settings.feed_dir / f"{COVER_STEM}.png")
    # Under the write lock, like a publish: one finishing meanwhile must not be written over.
    with Catalog.open(settings.catalog_path) as catalog, catalog.writing():
        episodes = catalog.episodes()
        for episode in episodes:
            if not (settings.episodes_dir / episode.audio_file).is_file():
                raise FeedError(
                    f"episodes/{episode.audio_file} is missing, so the feed would point at nothing; "
                    f"put it back or publish the review again: reelcast publish {episode.source}"
                )
        out = write_feed(settings, episodes, cover.name, catalog.show_guid(show_guid(feed_url(settings))))
        write_page(settings, episodes, cover.name)
    return out


def require_show(settings: Settings) -> None:
    """Commands that work on what was published need a show folder that has published something."""
    published = False
    if settings.catalog_path.is_file():
        with Catalog.open(settings.catalog_path) as catalog:
            published = bool(catalog.episodes())
    if not published:
        raise CatalogError(
            f"nothing has been published in {settings.root.resolve()}; "
            "publish a review first, or point --root at the show folder"
        )


def _stage_side_files(work: Path, audio: EpisodeAudio, title: str) -> dict[str, Path]:
    """Write the chapters and transcripts into `work`; return them by the suffix they are published with."""
    texts = {
        ".chapters.json": sidefiles.chapters_json(audio.chapters, title),
        ".vtt": sidefiles.webvtt(audio.cues),
        ".srt": sidefiles.srt(audio.cues),
    }
    staged = {}
    for suffix, text in texts.items():
        path = work / f"episode{suffix}"
        path.write_text(text, encoding="utf-8")
        staged[suffix] = path
    return staged


def _where_read(page: RawPage) -> str:
    """The source as `reelcast publish` can be given it again from anywhere: a URL or an absolute path."""
    if page.url or page.source == "-":
        return page.url or page.source
    return str(Path(page.source).resolve())


def _configured_cover(settings: Settings) -> Path | None:
    if not settings.show.image:
        return None
    path = settings.root / settings.show.image
    if not path.is_file():
        raise ConfigError(f"[show] image = {settings.show.image!r} does not exist under {settings.root}")
    return path


def episode_guid(article: Article, page: RawPage) -> str:
    """Stable for the same review, never derived from the time of the run: from its canonical URL,
    else the address or file it was read from, else (standard input) its text."""
    if anchor := article.canonical_url or page.url:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, anchor))
    if page.source != "-":
        return str(uuid.uuid5(uuid.NAMESPACE_URL, Path(page.source).resolve().as_uri()))
    text = "\n".join([article.title, *(b.text for b in article.blocks)])
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "reelcast:text:" + hashlib.sha256(text.encode()).hexdigest()))


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
        title=article.title,
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


def unique_slug(catalog: Catalog, slug: str, guid: str) -> str:
    candidate, n = slug, 2
    while (owner := catalog.slug_owner(candidate)) and owner != guid:
        candidate, n = f"{slug}-{n}", n + 1
    return candidate
