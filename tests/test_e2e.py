"""The whole pipeline with the real parts: pyttsx3 + eSpeak NG, pydub + ffmpeg, feedgen, SQLite,
read back by the podcast parsers real apps use (podcastparser is gPodder's)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from reelcast.ffmpeg import measure_loudness

from .conftest import PublishedShow, copy_show

pytestmark = pytest.mark.slow

FIRST = "The first time we see Ben Sanderson (Nicolas Cage), he is playfully dancing in a supermarket"
LAST = "That damn twisted decadent love story is the reason why Leaving Las Vegas deserves to be seen."
CHROME = ("Skip to main content", "Read More From", "Related Articles", "Hi, I'm Sam", "I love movies",
          "© 2019", "2019 Sam Shepards", "By Sam Shepards", "Accept All Cookies", "Advertisement",
          "Source: United Artists", "Great review!", "newsletter")


def reelcast(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "reelcast", *args], cwd=root,
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)


@pytest.fixture
def published(published_show: PublishedShow) -> Path:
    """The session's shared episode (see conftest): read it, never change it."""
    return published_show.root


def mp3_of(root: Path) -> Path:
    (mp3,) = (root / "episodes").glob("*.mp3")
    return mp3


def test_feed_parses_in_real_podcast_parsers(published: Path, published_show: PublishedShow) -> None:
    feed_path = published / "feed" / "feed.xml"
    mp3 = mp3_of(published)

    with feed_path.open("rb") as stream:
        parsed = podcastparser.parse("http://127.0.0.1:8000/feed/feed.xml", stream)
    (episode,) = parsed["episodes"]
    (enclosure,) = episode["enclosures"]
    assert enclosure["file_size"] == mp3.stat().st_size
    assert enclosure["mime_type"] == "audio/mpeg"
    assert enclosure["url"] == f"{published_show.base_url}episodes/{mp3.name}"
    assert abs(episode["total_time"] - MP3(mp3).info.length) <= 1
    assert parsed["title"] == "ReelRundown Reviews"  # no [show] title: named after the first review's site
    assert "reelrundown.com" in episode["link"]

    feed = feedparser.parse(feed_path.read_bytes())
    assert not feed.bozo, feed.bozo_exception
    (entry,) = feed.entries
    assert entry.enclosures[0]["length"] == str(mp3.stat().st_size)
    assert entry.itunes_duration == str(round(MP3(mp3).info.length))
    assert feed.feed.itunes_explicit is not True  # feedparser maps only yes/true to True
    assert [t["term"] for t in feed.feed.tags] == ["TV & Film", "Film Reviews"]


def test_audio_meets_loudness_and_format(published: Path) -> None:
    mp3 = mp3_of(published)
    info = MP3(mp3).info
    assert (info.sample_rate, info.channels, info.bitrate) == (44100, 1, 96000)
    assert info.length > 240  # about a thousand words at 170 words per minute
    loudness = measure_loudness(mp3)
    assert abs(loudness.integrated_lufs - (-16.0)) <= 0.5  # ffmpeg's ebur128 meter, on the published file
    assert loudness.true_peak_db <= -1.0


def test_mp3_is_tagged_and_chaptered(published: Path) -> None:
    tags = ID3(mp3_of(published))
    assert str(tags["TIT2"]) == "'Leaving Las Vegas' (1995)"  # the page's "- Movie Review" label left out
    assert str(tags["TPE1"]) == "Sam Shepards"
    assert str(tags["TALB"]) == "ReelRundown Reviews"
    assert str(tags["TDRC"]) == "2019-10-08"
    assert "reelrundown.com/movies/Leaving-Las-Vegas" in str(tags.getall("COMM")[0])
    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.start_time)
    assert len(chapters) >= 4
    assert chapters[0].start_time == 0
    assert all(a.end_time == b.start_time for a, b in zip(chapters, chapters[1:], strict=False))
    assert abs(chapters[-1].end_time / 1000 - MP3(mp3_of(published)).info.length) < 1.0


def test_narration_keeps_the_review_and_drops_the_chrome(published: Path) -> None:
    transcript = next((published / "episodes").glob("*.vtt")).read_text(encoding="utf-8")
    spoken = " ".join(transcript.split())
    assert "The first time we see Ben Sanderson" in spoken
    assert "he is playfully dancing in a supermarket" in spoken
    assert "That damn twisted decadent love story is the reason why Leaving Las Vegas deserves to be seen." in spoken
    for chrome in CHROME:
        assert chrome not in spoken, chrome


def test_preview_matches_extracted_text(published: Path) -> None:
    done = reelcast(published, "extract", "review.html")
    assert done.returncode == 0
    assert done.stdout.splitlines()[0] == "'Leaving Las Vegas' (1995) - Movie Review"
    assert FIRST in done.stdout and LAST in done.stdout
    for chrome in CHROME:
        assert chrome not in done.stdout, chrome


def test_republishing_keeps_the_guid_and_a_second_review_adds_an_item(
    published_show: PublishedShow, tmp_path: Path
) -> None:
    published = copy_show(published_show, tmp_path).root  # the shared show stays as first published

    def items() -> dict[str, str]:
        with (published / "feed" / "feed.xml").open("rb") as stream:
            parsed = podcastparser.parse("http://127.0.0.1:8000/feed/feed.xml", stream)
        return {e["guid"]: e["title"] for e in parsed["episodes"]}

    before = items()
    second = (published / "review.html").read_text(encoding="utf-8")
    second = second.replace("Leaving-Las-Vegas-1995-Movie-Review", "Leaving-Las-Vegas-Second-Look")
    second = second.replace("'Leaving Las Vegas' (1995) - Movie Review", "Leaving Las Vegas, a second look")
    (published / "second.html").write_text(second, encoding="utf-8")

    done = reelcast(published, "publish", "review.html", "second.html")
    assert done.returncode == 0, done.stderr
    after = items()
    assert set(before) < set(after)
    assert len(after) == 2
    assert "Leaving Las Vegas, a second look" in after.values()
    assert len(list((published / "episodes").glob("*.mp3"))) == 2
    assert not list((published / "episodes").glob(".work-*"))


def test_an_unchanged_republish_leaves_every_published_byte_as_it_was(
    published_show: PublishedShow, tmp_path: Path
) -> None:
    show = copy_show(published_show, tmp_path).root
    # published once where it now is (its source is this folder's review.html), then again unchanged
    assert reelcast(show, "publish", "review.html").returncode == 0
    files = [*(show / "episodes").iterdir(), show / "feed" / "feed.xml", show / "feed" / "index.html"]
    before = {path: path.read_bytes() for path in files}
    done = reelcast(show, "publish", "review.html")
    assert done.returncode == 0, done.stderr
    assert {path: path.read_bytes() for path in files} == before  # MP3, GUID, pubDate and feed as they were
