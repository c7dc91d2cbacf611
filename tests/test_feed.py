"""The feed as apps read it: checked by XPath on the produced XML, not by comparing strings."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from lxml import etree

from reelcast import pipeline
from reelcast.catalog import Catalog
from reelcast.config import Settings, ShowSettings, load_settings
from reelcast.errors import FeedError
from reelcast.publish.feed import (
    MAX_DESCRIPTION_BYTES,
    build_feed,
    episode_description,
    feed_url,
    show_guid,
    validate_show,
)

from .conftest import sample_episode

NS = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
}


def parsed(settings: Settings, guid: str | None = None) -> etree._Element:
    return etree.fromstring(build_feed(settings, [sample_episode()], "cover.png", guid)).find("channel")


def test_channel_has_what_apple_and_podcasting_2_ask_for(show: Settings) -> None:
    channel = parsed(show, guid="0c1e2d3f-0000-5000-8000-000000000000")
    assert channel.findtext("title") == "reelcast Film Reviews"
    assert channel.findtext("language") == "en"
    assert channel.find("itunes:image", NS).get("href") == "http://127.0.0.1:8000/feed/cover.png"
    top = channel.find("itunes:category", NS)
    assert (top.get("text"), top.find("itunes:category", NS).get("text")) == ("TV & Film", "Film Reviews")
    assert channel.findtext("itunes:explicit", namespaces=NS) == "false"
    assert channel.findtext("itunes:author", namespaces=NS) == "reelcast"
    assert channel.findtext("itunes:owner/itunes:email", namespaces=NS) == "podcast@example.com"
    assert channel.findtext("podcast:guid", namespaces=NS) == "0c1e2d3f-0000-5000-8000-000000000000"
    assert channel.find("podcast:locked", NS).get("owner") == "podcast@example.com"
    assert channel.find("atom:link[@rel='self']", NS).get("href") == "http://127.0.0.1:8000/feed/feed.xml"


def test_item_has_enclosure_duration_art_chapters_and_transcripts(show: Settings) -> None:
    item = parsed(show).find("item")
    enclosure = item.find("enclosure")
    assert enclosure.attrib == {"url": "http://127.0.0.1:8000/episodes/leaving-las-vegas.mp3",
                                "length": "123456", "type": "audio/mpeg"}
    assert item.findtext("guid") == sample_episode().guid
    assert item.find("guid").get("isPermaLink") == "false"
    assert item.findtext("pubDate") == "Tue, 08 Oct 2019 12:00:00 +0000"
    assert item.findtext("itunes:duration", namespaces=NS) == "300"
    assert item.findtext("itunes:episodeType", namespaces=NS) == "full"
    # an episode published before episode art (no .art.png among its files) shows the show cover
    assert item.find("itunes:image", NS).get("href") == "http://127.0.0.1:8000/feed/cover.png"
    assert sample_episode().link in item.findtext("description")
    chapters = item.find("podcast:chapters", NS)
    assert chapters.attrib == {"url": "http://127.0.0.1:8000/episodes/leaving-las-vegas.chapters.json",
                               "type": "application/json+chapters"}
    transcripts = {t.get("type"): t.get("url") for t in item.findall("podcast:transcript", NS)}
    assert transcripts == {"text/vtt": "http://127.0.0.1:8000/episodes/leaving-las-vegas.vtt",
                           "application/x-subrip": "http://127.0.0.1:8000/episodes/leaving-las-vegas.srt"}


def test_show_guid_is_uuid5_of_the_feed_url_without_scheme() -> None:
    # the podcast namespace's own example
    assert show_guid("https://mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    assert uuid.UUID(show_guid("http://127.0.0.1:8000/feed/feed.xml")).version == 5


@pytest.mark.parametrize("language", ["en", "en-us", "pt-BR", "zh-Hant", "fil"])
def test_language_codes_are_accepted(language: str) -> None:
    validate_show(ShowSettings(language=language))


@pytest.mark.parametrize("language", ["English", "e", "en_US", "", "en-", "english-us"])
def test_a_language_that_is_not_a_code_is_refused(language: str) -> None:
    with pytest.raises(FeedError, match="not a language code"):
        validate_show(ShowSettings(language=language))


def test_description_may_be_4000_bytes_and_no_more() -> None:
    validate_show(ShowSettings(description="x" * MAX_DESCRIPTION_BYTES))
    with pytest.raises(FeedError, match=r"4002 bytes.*at most 4000: shorten it"):
        validate_show(ShowSettings(description="é" * 2001))  # 2001 characters, 4002 bytes


def test_publishing_with_a_bad_show_fails_before_any_speech(tmp_path: Path, tone_engine) -> None:  # noqa: ANN001
    (tmp_path / "reelcast.toml").write_text('[show]\nlanguage = "English"\n', encoding="utf-8")
    with pytest.raises(FeedError, match="language"):
        pipeline.publish("no-such-page.html", load_settings(tmp_path), tone_engine)
    assert tone_engine.texts == []


def test_a_long_summary_is_trimmed_but_the_link_stays() -> None:
    episode = sample_episode(summary="word " * 2000)
    description = episode_description(episode)
    assert len(description.encode("utf-8")) <= MAX_DESCRIPTION_BYTES
    assert episode.link in description and "…" in description


def test_podcast_guid_stays_when_base_url_changes(tmp_path: Path) -> None:
    first = load_settings(tmp_path)
    _published(first)
    pipeline.rebuild_feed(first)
    moved = load_settings(tmp_path, {"show": {"base_url": "http://192.0.2.7:8000/"}})
    pipeline.rebuild_feed(moved)

    channel = etree.parse(str(moved.feed_dir / "feed.xml")).getroot().find("channel")
    assert channel.find("atom:link[@rel='self']", NS).get("href") == "http://192.0.2.7:8000/feed/feed.xml"
    kept = channel.findtext("podcast:guid", namespaces=NS)
    # first published at the default loopback address: a random guid, not the one every such show would derive
    assert uuid.UUID(kept).version == 4
    assert kept not in (show_guid(feed_url(first)), show_guid(feed_url(moved)))
    with Catalog.open(moved.catalog_path) as catalog:
        assert catalog.show_guid("ignored") == kept
    public = load_settings(tmp_path, {"show": {"base_url": "https://films.example.org/"}})
    pipeline.rebuild_feed(public)
    channel = etree.parse(str(public.feed_dir / "feed.xml")).getroot().find("channel")
    assert channel.findtext("podcast:guid", namespaces=NS) == kept  # moving to a public address keeps it


def test_two_shows_on_the_default_address_never_share_a_guid(tmp_path: Path) -> None:
    guids = []
    for name in ("one", "two"):
        (tmp_path / name).mkdir()
        settings = load_settings(tmp_path / name)
        _published(settings)
        pipeline.rebuild_feed(settings)
        channel = etree.parse(str(settings.feed_dir / "feed.xml")).getroot().find("channel")
        guids.append(channel.findtext("podcast:guid", namespaces=NS))
    assert guids[0] != guids[1]
    assert show_guid(feed_url(load_settings(tmp_path / "one"))) not in guids


def test_a_guid_an_older_version_derived_from_the_default_address_is_replaced(tmp_path: Path) -> None:
    settings = load_settings(tmp_path, {"show": {"base_url": "https://films.example.org/"}})
    _published(settings)
    collided = show_guid("http://127.0.0.1:8000/feed/feed.xml")
    with Catalog.open(settings.catalog_path) as catalog:
        assert catalog.show_guid(collided) == collided  # what every show first published by default got
    pipeline.rebuild_feed(settings)
    channel = etree.parse(str(settings.feed_dir / "feed.xml")).getroot().find("channel")
    assert channel.findtext("podcast:guid", namespaces=NS) == show_guid(feed_url(settings))


def _published(settings: Settings) -> None:
    """A show with one episode in its catalog, and its (dummy) audio in place."""
    episode = sample_episode()
    with Catalog.open(settings.catalog_path) as catalog, catalog.writing():
        catalog.put(episode)
    settings.episodes_dir.mkdir(parents=True, exist_ok=True)
    (settings.episodes_dir / episode.audio_file).write_bytes(b"\xff\xfb" * 100)


def test_rebuilding_the_feed_writes_the_listening_page(show: Settings) -> None:
    _published(show)
    pipeline.rebuild_feed(show)
    assert (show.feed_dir / "index.html").read_text(encoding="utf-8").startswith("<!doctype html>")
