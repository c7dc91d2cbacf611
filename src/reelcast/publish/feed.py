"""Show + episodes -> the podcast RSS feed (feedgen with its podcast extension, plus ours).

feedgen's podcast extension predates Apple's current spec and the podcast namespace: its category
list has no "Film Reviews" and its explicit flag knows only yes/no/clean. What it lacks is added by
a feedgen extension of our own, registered the way feedgen means extensions to be.
"""

from __future__ import annotations

import functools
import html
import ipaddress
import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urljoin, urlsplit

from feedgen.ext.base import BaseEntryExtension, BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree

from reelcast.config import Settings, ShowSettings
from reelcast.errors import FeedError
from reelcast.language import pack, same_language
from reelcast.models import Episode
from reelcast.publish.sidefiles import ART, CHAPTERS, MP3, TRANSCRIPTS, kind_of

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# The podcast namespace derives a show's guid as UUIDv5 of its feed URL (scheme stripped) in this namespace.
PODCAST_GUID_NAMESPACE = uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6")
FEED_FILE = "feed.xml"
# Apple's limit for the channel's and each episode's description.
MAX_DESCRIPTION_BYTES = 4000
# RSS takes the language as an ISO 639 code, optionally with a region or script (en, en-us, pt-BR, zh-Hant).
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_LANGUAGE_CODE = re.compile(r"^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True, slots=True)
class SideFile:
    url: str
    mime_type: str


class _ShowExtension(BaseExtension):
    def __init__(self) -> None:
        self.category: tuple[str, str] | None = None
        self.explicit = False
        self.guid: str | None = None
        self.owner_email: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"itunes": ITUNES_NS, "podcast": PODCAST_NS}

    def extend_rss(self, feed):  # noqa: ANN001, ANN201 - feedgen's signature
        channel = feed[0]
        if self.category:
            top = etree.SubElement(channel, f"{{{ITUNES_NS}}}category", text=self.category[0])
            etree.SubElement(top, f"{{{ITUNES_NS}}}category", text=self.category[1])
        etree.SubElement(channel, f"{{{ITUNES_NS}}}explicit").text = "true" if self.explicit else "false"
        if self.guid:
            etree.SubElement(channel, f"{{{PODCAST_NS}}}guid").text = self.guid
        locked = etree.SubElement(channel, f"{{{PODCAST_NS}}}locked")
        locked.text = "no"
        if self.owner_email:
            locked.set("owner", self.owner_email)
        return feed


class _EpisodeExtension(BaseEntryExtension):
    def __init__(self) -> None:
        self.chapters: SideFile | None = None
        self.transcripts: list[SideFile] = []
        self.language: str | None = None

    def extend_ns(self) -> dict[str, str]:
        return {"podcast": PODCAST_NS}

    def extend_rss(self, item):  # noqa: ANN001, ANN201 - feedgen's signature
        if self.chapters:
            etree.SubElement(item, f"{{{PODCAST_NS}}}chapters", url=self.chapters.url, type=self.chapters.mime_type)
        for transcript in self.transcripts:
            node = etree.SubElement(item, f"{{{PODCAST_NS}}}transcript", url=transcript.url, type=transcript.mime_type)
            if self.language:
                node.set("language", self.language)
        return item


def feed_url(settings: Settings) -> str:
    return urljoin(settings.show.base_url, f"feed/{FEED_FILE}")


def file_url(settings: Settings, folder: str, name: str) -> str:
    return _folder_url(settings.show.base_url, folder) + quote(name)  # a name is one path segment


@functools.lru_cache(maxsize=16)
def _folder_url(base_url: str, folder: str) -> str:
    return urljoin(base_url, f"{folder}/")  # once, not for each of a big show's 15,000 files


def show_guid(url: str) -> str:
    bare = url.split("://", 1)[-1].rstrip("/")
    return str(uuid.uuid5(PODCAST_GUID_NAMESPACE, bare))


def is_private_address(url: str) -> bool:
    """Whether `url` names this machine or a private network: an address nobody else's feed can
    have, so it cannot tell two people's shows apart."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".lan", ".internal", ".home.arpa")):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified


def show_identity(url: str) -> tuple[str, frozenset[str]]:
    """The podcast:guid a new show whose feed is at `url` takes, and the guids a show must not keep.

    The namespace derives a guid from the feed URL (uuidv5), which gives every show at the same
    loopback or private address the same guid, colliding in every podcast index: such a show gets
    a random one (uuid4), kept in the catalog for good. Shows that were given the guid of the
    default address (or of their private one) by older versions get a new one; a show with the
    guid of a public address keeps it."""
    derived_from_private = {show_guid(ShowSettings().base_url + "feed/feed.xml")}
    if is_private_address(url):
        return str(uuid.uuid4()), frozenset({*derived_from_private, show_guid(url)})
    return show_guid(url), frozenset(derived_from_private)


def side_files(settings: Settings, episode: Episode) -> tuple[SideFile | None, list[SideFile]]:
    """The chapters file and the transcripts published beside an episode's audio."""
    chapters, transcripts = None, []
    for name in episode.side_files:
        kind = kind_of(name)
        if kind is CHAPTERS:
            chapters = SideFile(file_url(settings, "episodes", name), kind.media_type)
        elif kind in TRANSCRIPTS:
            transcripts.append(SideFile(file_url(settings, "episodes", name), kind.media_type))
    return chapters, transcripts


def validate_show(show: ShowSettings) -> None:
    """Raise FeedError for show settings that podcast directories reject; cheap, so call it before slow work."""
    size = len(show.description.encode("utf-8"))
    if size > MAX_DESCRIPTION_BYTES:
        raise FeedError(
            f"[show] description is {size} bytes; Apple Podcasts accepts at most {MAX_DESCRIPTION_BYTES}: "
            "shorten it in reelcast.toml"
        )
    if not _LANGUAGE_CODE.match(show.language):
        raise FeedError(
            f"[show] language = {show.language!r} is not a language code; use one like \"en\", \"en-us\" or \"fr\""
        )


def build_feed(settings: Settings, episodes: Sequence[Episode], cover_name: str, guid: str | None = None,
               updated: datetime | None = None) -> bytes:
    """The RSS document for `episodes` (newest first), as bytes. `guid` is the show's stored podcast:guid;
    `updated` its lastBuildDate: the same show renders to the same bytes, so an unchanged show
    leaves the feed untouched (apps that compare it see no change)."""
    show = settings.show
    validate_show(show)
    fg = FeedGenerator()
    fg.load_extension("podcast")
    fg.register_extension("reelcast", _ShowExtension, _EpisodeExtension, atom=False, rss=True)
    cover = file_url(settings, "feed", cover_name)
    self_url = feed_url(settings)

    fg.title(show.title)
    fg.description(show.description)
    fg.link(href=self_url, rel="self")
    fg.link(href=show.home, rel="alternate")  # the last link set becomes the RSS <link>
    fg.language(show.language)
    fg.author({"name": show.author, "email": show.owner_email})
    fg.image(url=cover, title=show.title, link=show.home)
    fg.generator("reelcast", uri="https://pypi.org/project/reelcast/")
    fg.lastBuildDate(updated or max((e.published for e in episodes), default=_EPOCH))
    fg.podcast.itunes_author(show.author)
    fg.podcast.itunes_owner(name=show.owner_name, email=show.owner_email)
    fg.podcast.itunes_image(cover)
    fg.podcast.itunes_summary(show.description)
    fg.podcast.itunes_type("episodic")
    fg.reelcast.category = (show.category, show.subcategory)
    fg.reelcast.explicit = show.explicit
    fg.reelcast.guid = guid or show_guid(self_url)
    fg.reelcast.owner_email = show.owner_email

    # feedgen prepends entries by default; append keeps our newest-first order.
    for episode in episodes:
        entry = fg.add_entry(order="append")
        entry.guid(episode.guid, permalink=False)
        entry.title(episode.title)
        entry.description(episode_description(episode, show.language))
        if episode.link:
            entry.link(href=episode.link)
        entry.enclosure(file_url(settings, "episodes", episode.audio_file), str(episode.size_bytes), MP3.media_type)
        entry.pubDate(episode.published)
        if episode.author:
            entry.author({"name": episode.author, "email": show.owner_email})
            entry.podcast.itunes_author(episode.author)
        entry.podcast.itunes_duration(round(episode.duration_ms / 1000))
        entry.podcast.itunes_episode_type("full")
        entry.podcast.itunes_summary(episode.summary)
        # The episode's own art, made from the review (its lead image would have to be downloaded,
        # and reelcast fetches nothing but the page); episodes published before it had none: the cover.
        art = next((n for n in episode.side_files if kind_of(n) is ART), None)
        entry.podcast.itunes_image(file_url(settings, "episodes", art) if art else cover)
        chapters, transcripts = side_files(settings, episode)
        entry.reelcast.chapters = chapters
        entry.reelcast.transcripts = transcripts
        entry.reelcast.language = episode.language or show.language
    try:
        return fg.rss_str(pretty=True)
    except ValueError as exc:  # feedgen validates late for required fields
        raise FeedError(f"the feed is incomplete: {exc}; check [show] in reelcast.toml") from exc


def episode_description(episode: Episode, show_language: str | None = None) -> str:
    """The summary and a link to the review, within Apple's limit (the summary gives way, never the link).

    An episode in another language than the show's says so first, in its own language ("En français.").
    """
    marker = ""
    if episode.language and show_language and not same_language(episode.language, show_language):
        found = pack(episode.language)
        marker = f"<p>{html.escape(found.marker if found else f'[{episode.language}]')}</p>\n"
    link = ""
    if episode.link:
        url = html.escape(episode.link)
        link = f'\n<p>Read the original review: <a href="{url}">{url}</a></p>'
    summary = episode.summary
    while True:
        text = f"{marker}<p>{html.escape(summary, quote=False)}</p>{link}"
        if len(text.encode("utf-8")) <= MAX_DESCRIPTION_BYTES or not summary:
            return text
        summary = summary[: len(summary) * 9 // 10].rsplit(" ", 1)[0] + "…" if " " in summary else ""
