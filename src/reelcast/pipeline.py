"""Chains the stages: page -> article -> script -> speech -> MP3 -> episode -> show.

Knows nothing about terminals: progress goes to a callback. Nothing is published until every
stage has succeeded, and then only through `publish.commit`, which no kill can tear.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from reelcast.audio import encode, stitch
from reelcast.cache import SpeechCache
from reelcast.config import Settings, SpeechSettings
from reelcast.errors import CatalogError, FeedError
from reelcast.extract import extract
from reelcast.fetch import read_page
from reelcast.language import choose_voice, review_language
from reelcast.models import Article, Episode, EpisodeAudio, Script
from reelcast.publish.commit import Change, commit, open_show, refresh, work_folder
from reelcast.publish.disk import ROOM
from reelcast.publish.episode import content_version, episode_guid, episode_tags, make_episode, slugify, unique_slug
from reelcast.publish.feed import FEED_FILE, validate_show
from reelcast.publish.show import is_published
from reelcast.publish.sidefiles import EPISODE_FILES, MP3, SIDE_FILES, episode_file_name
from reelcast.script import build_script
from reelcast.speakable import Lexicon
from reelcast.speech import Engine, make_engine
from reelcast.speech.runner import speak_script

log = logging.getLogger(__name__)

LEXICON_FILE = "lexicon.toml"


class Stage(StrEnum):
    READ = "read"
    EXTRACT = "extract"
    SCRIPT = "script"
    SPEECH = "speech"
    AUDIO = "audio"
    PUBLISH = "publish"


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    stage: Stage
    done: int = 0
    total: int = 0


Progress = Callable[[ProgressEvent], None]


@dataclass(frozen=True, slots=True)
class Published:
    episode: Episode
    changed: bool  # False: the same audio and details were already published, and nothing was touched


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
    *,
    write_feed: bool = True,
) -> Published:
    """Publish the review at `source` as an episode and rewrite the feed (unless `write_feed` is
    False: a batch rewrites it once, with `rebuild_feed`, at its end)."""
    validate_show(settings.show)  # before minutes of speech, not after
    if settings.catalog_path.exists():
        with open_show(settings):
            pass  # a broken catalog is found now, and what a crashed run left is finished or undone
    on_progress(ProgressEvent(Stage.READ))
    page = read_page(source, stdin=stdin)
    on_progress(ProgressEvent(Stage.EXTRACT))
    article = extract(page)
    on_progress(ProgressEvent(Stage.SCRIPT))
    script = prepare_script(article, settings)
    speech = speech_for(script, settings) if engine is None else settings.speech
    log.info("%s is in %s: read by the %s voice %s", source, script.language, speech.engine, speech.voice)
    with work_folder(settings) as work:
        total = sum(len(s.paragraphs) for s in script.sections)
        on_progress(ProgressEvent(Stage.SPEECH, 0, total))
        cache = SpeechCache(settings.cache_dir, settings.speech.cache_mb * 1_000_000)
        spoken = speak_script(script, speech, cache, engine,
                              on_progress=lambda done, all_: on_progress(ProgressEvent(Stage.SPEECH, done, all_)))
        on_progress(ProgressEvent(Stage.AUDIO))
        tags = episode_tags(article, settings, script.language)
        audio = encode(stitch(spoken, settings.audio), work / f"episode{MP3.suffix}", tags, settings.audio)
        files = {MP3.suffix: audio.path, **stage_side_files(work, audio, article.title)}
        version = content_version([path.read_bytes() for path in files.values()])
        on_progress(ProgressEvent(Stage.PUBLISH))
        with open_show(settings) as catalog:
            guid = episode_guid(article, page)
            previous = catalog.get(guid)
            slug = previous.slug if previous else unique_slug(slugify(article.title), guid, catalog.slug_owner)
            episode = make_episode(article, page, audio, slug=slug, version=version, previous=previous,
                                   language=script.language, now=datetime.now(UTC).replace(microsecond=0))
            staged = {episode_file_name(slug, version, kind): files[kind.suffix] for kind in EPISODE_FILES}
            changed = commit(settings, catalog, Change(put=episode, staged=staged), write_feed=write_feed)
    return Published(episode, changed)


def rebuild_feed(settings: Settings) -> Path:
    """Rewrite feed/feed.xml and the listening page from the catalog (after changing show settings, say)."""
    require_show(settings)
    with open_show(settings) as catalog:
        for episode in catalog.episodes():
            if not (settings.episodes_dir / episode.audio_file).is_file():
                raise FeedError(
                    f"episodes/{episode.audio_file} is missing, so the feed would point at nothing; "
                    f"put it back or publish the review again: reelcast publish {episode.source}"
                )
        refresh(settings, catalog)
    return settings.feed_dir / FEED_FILE


def remove_episode(settings: Settings, key: str) -> Episode:
    """Take the episode with GUID or slug `key` out of the feed and page, then delete its files."""
    require_show(settings)
    with open_show(settings) as catalog:
        episode = catalog.find(key)
        if episode is None:
            raise CatalogError(f"no episode has the GUID or slug {key!r}; `reelcast list` shows them")
        commit(settings, catalog, Change(remove=episode.guid))
    return episode


def require_show(settings: Settings) -> None:
    """Commands that work on what was published need a show folder that has published something."""
    if not is_published(settings):
        raise CatalogError(
            f"nothing has been published in {settings.root.resolve()}; "
            "publish a review first, or point --root at the show folder"
        )


def stage_side_files(work: Path, audio: EpisodeAudio, title: str) -> dict[str, Path]:
    """Write the chapters and transcripts into `work`; return them by the suffix they are published with."""
    staged = {}
    for kind in SIDE_FILES:
        path = work / f"episode{kind.suffix}"
        try:
            path.write_text(kind.render(audio, title), encoding="utf-8")
        except OSError as exc:
            raise FeedError(f"could not write {path}: {exc.strerror or exc}; {ROOM}") from exc
        staged[kind.suffix] = path
    return staged
