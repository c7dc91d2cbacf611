"""Chains the stages: page -> article -> script -> speech -> MP3 -> episode -> show.

Knows nothing about terminals: progress goes to a callback. Nothing is published until every
stage has succeeded, and then only through `publish.commit`, which no kill can tear.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from reelcast.audio import EncodingAsSpoken, master_key
from reelcast.backlog import Outcome, Status
from reelcast.cache import SpeechCache, code_fingerprint, digest, file_sha256
from reelcast.catalog import Catalog
from reelcast.config import CONFIG_NAME, Settings, SpeechSettings, save_show_title
from reelcast.errors import CatalogError, FeedError, ReelcastError
from reelcast.language import choose_voice, review_language
from reelcast.models import Article, Episode, EpisodeAudio, ProgressEvent, RawPage, Script, Stage
from reelcast.publish.artwork import check_cover, cover_image, episode_art
from reelcast.publish.commit import Change, commit, open_show, refresh, rewrite_show, work_folder
from reelcast.publish.disk import ROOM, write_atomically
from reelcast.publish.episode import (
    content_version,
    episode_guid,
    episode_tags,
    make_episode,
    slugify,
    unique_slug,
    where_read,
)
from reelcast.publish.feed import FEED_FILE, validate_show
from reelcast.publish.show import COVER_STEM, DEFAULT_TITLE, configured_cover, is_published, titled
from reelcast.publish.sidefiles import ART, EPISODE_FILES, MP3, SIDE_FILES, episode_file_name
from reelcast.reading import PageReading
from reelcast.script import build_script, check_length, episode_title, site_domain, spoken_title
from reelcast.speakable import Lexicon
from reelcast.speech import Engine, make_engine
from reelcast.speech.runner import ExecutorFactory, speak_script

log = logging.getLogger(__name__)

LEXICON_FILE = "lexicon.toml"


Progress = Callable[[ProgressEvent], None]
# Asks a person what the show is called: the suggested title in, their answer out (the CLI's, on a terminal).
AskTitle = Callable[[str], str]


@dataclass(frozen=True, slots=True)
class Published:
    episode: Episode
    changed: bool  # False: the same audio and details were already published, and nothing was touched
    reason: str = ""  # why nothing changed


def _quiet(_event: ProgressEvent) -> None:
    pass


def load_lexicon(settings: Settings) -> Lexicon | None:
    path = settings.root / LEXICON_FILE
    return Lexicon.from_toml(path) if path.exists() else None


def prepare_script(article: Article, settings: Settings) -> Script:
    """The narration, in the review's language (an error for one the show refuses)."""
    check_length(article, settings.script, settings.speech.rate, str(settings.root / CONFIG_NAME))
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
    batch: bool = False,
    only_new: bool = False,
    force: bool = False,
    executor: ExecutorFactory | None = None,
    ask_title: AskTitle | None = None,
    reading: PageReading | None = None,
) -> Published:
    """Publish the review at `source` as an episode and rewrite the feed. In a `batch`, the feed is
    left for `publish_many` to rewrite once at its end. With `only_new`, a review already in the
    catalog (by its canonical URL) is left as it is, before any speech.

    Nothing that did not change is redone: cached paragraphs are not spoken again, an MP3 that
    would be encoded to the bytes published is kept, and the same inputs with their episode still
    published as made return at once. `force` redoes everything; `executor` opens where the
    paragraphs are spoken (see runner.speakers; by default a process pool for this publish, or this
    process for one worker). `ask_title` asks a person for
    the show's title on its first publish (see show_titled); without it, none is asked. `reading`
    is `source` already being read (see reading.read_ahead)."""
    validate_show(settings.show)  # before minutes of speech, not after
    if cover := configured_cover(settings):
        check_cover(cover)
    if not batch and settings.catalog_path.exists():
        with open_show(settings):
            pass  # a broken catalog is found now, and what a crashed run left is finished or undone
    on_progress(ProgressEvent(Stage.READ))
    reading = reading or PageReading(source, stdin)
    page = reading.page()
    cache = SpeechCache(settings.cache_dir, settings.speech.cache_mb * 1_000_000)
    inputs = publish_inputs(page, settings, engine)
    if not force and (unchanged := _still_published(settings, cache, inputs)):
        return Published(unchanged, changed=False, reason="nothing changed since it was published")
    on_progress(ProgressEvent(Stage.EXTRACT))
    article = reading.article()
    if only_new and (known := _published(settings, episode_guid(article, page))):
        return Published(known, changed=False, reason="already published")
    settings, new_title = show_titled(settings, article, ask_title)
    on_progress(ProgressEvent(Stage.SCRIPT))
    script = prepare_script(article, settings)
    speech = speech_for(script, settings) if engine is None else settings.speech
    log.info("%s is in %s: read by the %s voice %s", source, script.language, speech.engine, speech.voice)
    log.info("%r: %d words in %d chapters (%s)", article.title, article.word_count, len(script.sections),
             "; ".join(s.title for s in script.sections))
    with work_folder(settings) as work:
        mp3 = work / f"episode{MP3.suffix}"
        total = sum(len(s.paragraphs) for s in script.sections)
        on_progress(ProgressEvent(Stage.SPEECH, 0, total))
        encoding = EncodingAsSpoken([(s.title, len(s.paragraphs)) for s in script.sections], mp3, settings.audio)
        try:
            spoken = speak_script(script, speech, cache, engine, executor=executor,
                                  on_progress=lambda done, all_: on_progress(ProgressEvent(Stage.SPEECH, done, all_)),
                                  force=force, on_clip=encoding.add)
            on_progress(ProgressEvent(Stage.AUDIO))
            # drawn now, while the encode runs, not before the first word is spoken
            art, art_bytes = work / f"episode{ART.suffix}", art_for(article, settings)
            write_atomically(art, art_bytes)
            cover = cover_image(settings.show.title, configured_cover(settings),
                                settings.feed_dir / f"{COVER_STEM}.png")
            tags = dataclasses.replace(episode_tags(article, settings, script.language), image=art_bytes, cover=cover)
            key = master_key(spoken, tags, settings.audio)
            audio = None if force else _published_audio(settings, cache, key, episode_guid(article, page), mp3)
            if audio is None:
                audio = encoding.finish(spoken, tags)
                cache.remember_encoded(key, audio)
            else:
                encoding.abort()  # the published MP3 is these very bytes
        except BaseException:
            encoding.abort()
            raise
        log.info("encoded %.1f s of audio, %d kB, %d transcript cues", audio.duration_ms / 1000,
                 audio.size_bytes // 1000, len(audio.cues))
        files = {MP3.suffix: audio.path, ART.suffix: art, **stage_side_files(work, audio, episode_title(article))}
        version = content_version([path.read_bytes() for path in files.values()])
        on_progress(ProgressEvent(Stage.PUBLISH))
        with open_show(settings, recovering=not batch) as catalog:
            if new_title:
                catalog.show_title(new_title)  # kept: the show is called this from now on
            guid = episode_guid(article, page)
            previous = catalog.get(guid)
            slug = previous.slug if previous else unique_slug(slugify(article.title), guid, catalog.slug_owner)
            episode = make_episode(article, page, audio, slug=slug, version=version, previous=previous,
                                   language=script.language, now=datetime.now(UTC).replace(microsecond=0))
            staged = {episode_file_name(slug, version, kind): files[kind.suffix] for kind in EPISODE_FILES}
            changed = commit(settings, catalog, Change(put=episode, staged=staged), write_feed=not batch)
    cache.remember_published(inputs, episode.guid, settings.episodes_dir / episode.audio_file)
    cache.trim(keep=[clip.wav for section in spoken for clip in section.clips])
    return Published(episode, changed, "" if changed else "the same audio as published")


def publish_inputs(page: RawPage, settings: Settings, engine: Engine | None) -> str:
    """A hash of all an episode is made from: the page as read and where it was read, the settings,
    the lexicon and cover, the engine given (if any), and reelcast's code and libraries."""
    extra = [settings.root / LEXICON_FILE, configured_cover(settings)]
    return digest({
        "page": hashlib.sha256(page.content).hexdigest(), "source": where_read(page), "url": page.url,
        "content_type": page.content_type, "content_language": page.content_language,
        "settings": repr(settings), "engine": engine.sound() if engine else None,
        "files": [file_sha256(p) if p and p.is_file() else None for p in extra], "code": code_fingerprint(),
    })


def _still_published(settings: Settings, cache: SpeechCache, inputs: str) -> Episode | None:
    """The episode the same inputs made, if it is published just as it was made."""
    made = cache.published(inputs)
    if made is None or not settings.catalog_path.is_file() or not (settings.feed_dir / FEED_FILE).is_file():
        return None
    with Catalog.open(settings.catalog_path) as catalog:  # a read: no lock, no recovery needed
        episode = catalog.get(made.get("guid", ""))
    if episode is None or not all((settings.episodes_dir / name).is_file() for name in episode.side_files):
        return None
    mp3 = settings.episodes_dir / episode.audio_file
    if not mp3.is_file() or mp3.stat().st_size != episode.size_bytes or file_sha256(mp3) != made.get("sha256"):
        return None
    return episode


def _published_audio(settings: Settings, cache: SpeechCache, key: str, guid: str, to: Path) -> EpisodeAudio | None:
    """The audio of episode `guid` as published, linked to `to`, if encoding again would make the
    very same MP3 (the clips, titles, tags and settings it was made from are unchanged)."""
    if not settings.catalog_path.is_file():
        return None
    with Catalog.open(settings.catalog_path) as catalog:
        previous = catalog.get(guid)
    if previous is None or (audio := cache.encoded(key, settings.episodes_dir / previous.audio_file)) is None:
        return None
    try:  # a link, not a move: the live feed still names the published file
        os.link(audio.path, to)
    except OSError:
        shutil.copyfile(audio.path, to)
    return dataclasses.replace(audio, path=to)


def publish_many(
    pages: Sequence[str],
    settings: Settings,
    engine: Engine | None = None,
    *,
    only_new: bool = False,
    force: bool = False,
    executor: ExecutorFactory | None = None,
    ask_title: AskTitle | None = None,
    progress_for: Callable[[int, str], Progress] = lambda _index, _page: _quiet,
    on_outcome: Callable[[Outcome], None] = lambda _outcome: None,
    first: PageReading | None = None,
) -> list[Outcome]:
    """Publish each of `pages`; one that fails is reported in its outcome and the others go on. The
    feed and page are rewritten once, at the end (also when interrupted: what was recorded shows).
    `first` is the first page already being read (see reading.read_ahead)."""
    validate_show(settings.show)
    # One page commits whole (a feed that cannot be written undoes it); in a batch, the catalog is
    # the journal that the feed is rewritten from at the end, or by the next run if this one dies.
    batch = len(pages) > 1
    if batch and settings.catalog_path.exists():
        with open_show(settings):
            pass
    outcomes = []
    try:
        for index, page in enumerate(pages):
            try:
                reading = first if index == 0 and first and first.source == page else None
                result = publish(page, settings, engine, progress_for(index, page), batch=batch, only_new=only_new,
                                 force=force, executor=executor, ask_title=ask_title, reading=reading)
            except ReelcastError as exc:
                outcome = Outcome(page, Status.FAILED, reason=str(exc))
            else:
                status = Status.PUBLISHED if result.changed else Status.UNCHANGED
                outcome = Outcome(page, status, result.episode, result.reason)
            outcomes.append(outcome)
            on_outcome(outcome)
    finally:
        if batch and settings.catalog_path.exists():
            rewrite_show(settings)
    return outcomes


def _published(settings: Settings, guid: str) -> Episode | None:
    if not settings.catalog_path.exists():
        return None
    with Catalog.open(settings.catalog_path) as catalog:
        return catalog.get(guid)


def rebuild_feed(settings: Settings) -> Path:
    """Rewrite feed/feed.xml and the listening page from the catalog (after changing show settings, say)."""
    require_show(settings)
    with open_show(settings, recovering=False) as catalog:  # the refresh below is all a recovery would do
        for episode in catalog.episodes():
            if not (settings.episodes_dir / episode.audio_file).is_file():
                raise FeedError(
                    f"episodes/{episode.audio_file} is missing, so the feed would point at nothing; "
                    f"put it back or publish the review again: reelcast publish {episode.source}"
                )
        refresh(settings, catalog)
    return settings.feed_dir / FEED_FILE


def list_episodes(settings: Settings) -> list[Episode]:
    """Every published episode, newest first."""
    require_show(settings)
    with Catalog.open(settings.catalog_path) as catalog:
        return catalog.episodes()


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


def show_titled(settings: Settings, article: Article,
                ask_title: AskTitle | None = None) -> tuple[Settings, str | None]:
    """`settings` with the show's title, and the title to keep if this publish chooses it. With no
    [show] title in reelcast.toml, a show is named on its first publish: by the person at the
    terminal when `ask_title` can ask them (the name of the review's site suggested), written into
    reelcast.toml; else after that site ("ReelRundown Reviews"), not by reelcast's placeholder. The
    catalog keeps the name either way."""
    if settings.show.title != DEFAULT_TITLE:
        return settings, None
    kept = None
    if settings.catalog_path.exists():
        with open_show(settings, recovering=False) as catalog:  # only read (a batch may be under way)
            kept = catalog.show_title()
    if kept:
        return titled(settings, kept), None
    site = article.site_name or site_domain(article.canonical_url)
    chosen = f"{site} Reviews" if site else None
    if ask_title:
        chosen = " ".join(ask_title(chosen or DEFAULT_TITLE).split()) or chosen or DEFAULT_TITLE
        save_show_title(settings.root, chosen)
    return titled(settings, chosen), chosen


def art_for(article: Article, settings: Settings) -> bytes:
    """The episode's image: the film's title (else the review's, as the intro says it), year and rating."""
    film = article.film
    title = film.title if film else spoken_title(article.title, article.site_name or "")
    rating = (article.rating.value, article.rating.best) if article.rating else None
    return episode_art(title, film.year if film else None, rating, settings.show.title)


def stage_side_files(work: Path, audio: EpisodeAudio, title: str) -> dict[str, Path]:
    """Write the chapters and transcripts into `work`; return them by the suffix they are published with."""
    staged = {}
    for kind in SIDE_FILES:
        if kind.render is None:
            continue  # not text made from the audio: the episode art is made before it
        path = work / f"episode{kind.suffix}"
        try:
            path.write_text(kind.render(audio, title), encoding="utf-8")
        except OSError as exc:
            raise FeedError(f"could not write {path}: {exc.strerror or exc}; {ROOM}") from exc
        staged[kind.suffix] = path
    return staged
