"""What a listener reads and sees beside the audio of the session's published example: the
transcripts (written form, caption limits), chapters, ID3 frames, episode art and the page."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
from lxml import etree
from mutagen.id3 import ID3
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By

from reelcast.publish.artwork import episode_art
from reelcast.publish.sidefiles import SRT_LINE, SRT_LINES, VTT_LINE, VTT_LINES, parse_srt, parse_webvtt

from .conftest import PublishedShow, copy_show, free_port, run_reelcast, write_review
from .test_clients import browser  # noqa: F401, F811 - the headless Chromium fixture

pytestmark = pytest.mark.slow
ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"


def side_file(root: Path, suffix: str) -> str:
    (path,) = (root / "episodes").glob(f"*{suffix}")
    return path.read_text(encoding="utf-8")


def test_transcripts_show_what_the_critic_wrote(published_show: PublishedShow) -> None:
    root = published_show.root
    page = (root / "feed" / "index.html").read_text(encoding="utf-8")
    for text in (side_file(root, ".vtt"), side_file(root, ".srt"), page):
        flat = " ".join(text.split())
        # lexicon.toml respells these for the voice only; the numbers are the page's digits
        assert "Mike Figgis" in flat and "Elisabeth Shue" in flat
        assert "Figgiss" not in flat and "Shoo" not in flat
        assert "1995" in flat and "nineteen ninety-five" not in flat
        assert "Nicolas Cage" in flat


def test_caption_cues_follow_the_podcast_namespace_limits(published_show: PublishedShow) -> None:
    vtt = parse_webvtt(side_file(published_show.root, ".vtt"))
    srt = parse_srt(side_file(published_show.root, ".srt"))
    for cues, width, lines in ((vtt, VTT_LINE, VTT_LINES), (srt, SRT_LINE, SRT_LINES)):
        assert len(cues) > 40
        for cue in cues:
            assert cue.text.strip(), cue
            assert len(cue.text.split("\n")) <= lines, cue
            assert all(len(line) <= width for line in cue.text.split("\n")), cue
            assert cue.start_ms <= cue.end_ms
        assert all(a.end_ms <= b.start_ms + 1 for a, b in zip(cues, cues[1:], strict=False)), "cues overlap"
    # the figures themselves are the guidance's (SRT) and what apps show unwrapped (WebVTT)
    assert (SRT_LINE, SRT_LINES) == (32, 2) and VTT_LINE <= 65
    # both say the same words, cut differently
    assert " ".join(c.text for c in vtt).split() == " ".join(c.text for c in srt).split()
    assert len(srt) > len(vtt)


def test_the_intro_and_outro_say_things_once(published_show: PublishedShow) -> None:
    cues = parse_webvtt(side_file(published_show.root, ".vtt"))
    chapters = json.loads(side_file(published_show.root, ".chapters.json"))["chapters"]
    intro_end, outro_start = chapters[1]["startTime"] * 1000, chapters[-1]["startTime"] * 1000
    intro = " ".join(c.text for c in cues if c.start_ms < intro_end)
    outro = " ".join(c.text for c in cues if c.start_ms >= outro_start)
    for said in (intro, outro):
        assert said.count("Leaving Las Vegas") == 1, said
        assert "Movie Review" not in said and said.count("ReelRundown") == 1, said
    assert "Directed by Mike Figgis" in intro
    # the episode's own title: the film and its year, without the page's "- Movie Review" label
    item = etree.parse(str(published_show.root / "feed" / "feed.xml")).getroot().find("channel/item")
    assert item.findtext("title") == "'Leaving Las Vegas' (1995)"
    assert str(ID3(published_show.mp3)["TIT2"]) == "'Leaving Las Vegas' (1995)"


def test_chapters_of_the_headingless_example_say_what_each_part_is_about(published_show: PublishedShow) -> None:
    chapters = json.loads(side_file(published_show.root, ".chapters.json"))["chapters"]
    body = [c["title"] for c in chapters[1:-1]]
    assert len(body) >= 3 and len(set(body)) == len(body), body
    assert body[-1] == "The verdict"
    first_words = "The first time we see"
    for title in body:
        assert "…" not in title and len(title) <= 50 and not title.startswith(first_words), title
    assert any("Ben" in t or "Sera" in t for t in body), body  # the characters it discusses


def test_id3_chapter_frames_are_stored_in_time_order(published_show: PublishedShow) -> None:
    data = published_show.mp3.read_bytes()
    tags = ID3(published_show.mp3)
    starts = {frame.element_id: frame.start_time for frame in tags.getall("CHAP")}
    stored = []
    at = data.find(b"CHAP")
    while at >= 0 and at < len(data) - 12:
        element = data[at + 10 : data.index(b"\0", at + 10)].decode("latin-1")
        if element in starts:
            stored.append(starts[element])
        at = data.find(b"CHAP", at + 4)
    assert len(stored) == len(starts) >= 5
    assert stored == sorted(stored)  # readers (ffmpeg among them) list chapters in this order


def test_each_episode_has_its_own_art_in_the_feed_the_mp3_and_the_page(published_show: PublishedShow) -> None:
    root = published_show.root
    (art,) = (root / "episodes").glob("*.art.png")
    with Image.open(art) as image:
        assert image.format == "PNG" and image.size == (1400, 1400)
        colours = image.convert("RGB").getcolors(1_000_000)
    assert colours and len(colours) > 50  # text and stars drawn on it, not a blank square
    item = etree.parse(str(root / "feed" / "feed.xml")).getroot().find("channel/item")
    href = item.find(f"{ITUNES}image").get("href")
    assert href == published_show.base_url + "episodes/" + art.name
    cover = etree.parse(str(root / "feed" / "feed.xml")).getroot().find(f"channel/{ITUNES}image").get("href")
    assert cover != href
    # both pictures embedded, the episode's first: its front cover (ID3 type 3), the show's cover
    # as the publisher's logotype (type 20), byte for byte the published files
    front, logo = ID3(published_show.mp3).getall("APIC")
    assert (front.type, front.desc, front.mime, front.data) == (3, "Episode art", "image/png", art.read_bytes())
    (cover_file,) = (root / "feed").glob("cover.*")
    assert (logo.type, logo.desc, logo.data) == (20, "Show cover", cover_file.read_bytes())
    assert logo.mime == ("image/png" if cover_file.suffix == ".png" else "image/jpeg")
    page = (root / "feed" / "index.html").read_text(encoding="utf-8")
    assert f'src="../episodes/{art.name}"' in page


def test_a_configured_jpeg_cover_is_embedded_beside_the_episode_art(tmp_path: Path) -> None:
    write_review(tmp_path, "heat", "Heat")
    Image.new("RGB", (1400, 1400), (200, 40, 40)).save(tmp_path / "cover.jpg", format="JPEG")
    (tmp_path / "reelcast.toml").write_text('[show]\ntitle = "Red Reels"\nimage = "cover.jpg"\n', encoding="utf-8")
    done = run_reelcast(tmp_path, "publish", "heat.html")
    assert done.returncode == 0, done.stderr
    (mp3,) = (tmp_path / "episodes").glob("*.mp3")
    front, logo = ID3(mp3).getall("APIC")
    assert (front.type, front.mime) == (3, "image/png")
    assert front.data == next((tmp_path / "episodes").glob("*.art.png")).read_bytes()
    assert (logo.type, logo.desc, logo.mime) == (20, "Show cover", "image/jpeg")
    assert logo.data == (tmp_path / "feed" / "cover.jpg").read_bytes()
    with Image.open(io.BytesIO(logo.data)) as embedded:
        assert embedded.getpixel((700, 700)) == pytest.approx((200, 40, 40), abs=3)


def test_episode_art_shows_title_year_and_rating() -> None:
    with_rating = Image.open(io.BytesIO(episode_art("Leaving Las Vegas", 1995, (4, 5), "Film Night")))
    without = Image.open(io.BytesIO(episode_art("Leaving Las Vegas", 1995, None, "Film Night")))
    other = Image.open(io.BytesIO(episode_art("Nomadland", 2020, (4, 5), "Film Night")))
    accent = (233, 180, 76)
    stars = with_rating.crop((0, 900, 1400, 1250))
    assert accent in dict((c, n) for n, c in stars.getcolors(1_000_000)), "no stars drawn"
    assert with_rating.tobytes() != without.tobytes() != other.tobytes()
    assert episode_art("Nomadland", 2020, (4, 5), "Film Night") == episode_art("Nomadland", 2020, (4, 5), "Film Night")


def test_serve_says_and_offers_the_address_it_really_serves(
    published_show: PublishedShow, tmp_path: Path, browser: webdriver.Chrome  # noqa: F811
) -> None:
    show = copy_show(published_show, tmp_path).root  # its feed names the port the session's show was given
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen([sys.executable, "-m", "reelcast", "serve", "--port", str(port)], cwd=show,
                                  stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        served = f"http://127.0.0.1:{port}/"
        deadline = time.monotonic() + 30
        while "listening page:" not in log.read_text(errors="replace"):
            assert server.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        said = log.read_text(errors="replace")
        assert f"listening page: {served}\n" in said and f"feed: {served}feed/feed.xml" in said, said
        assert published_show.base_url not in said.split("(Ctrl-C to stop)")[1], said
        browser.get(served)
        field = browser.find_element(By.ID, "feed-url")
        assert field.get_attribute("value") == f"{served}feed/feed.xml"
    finally:
        server.terminate()
        server.wait(timeout=10)
