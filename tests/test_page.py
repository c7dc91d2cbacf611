"""The listening page: players, seeking chapter links, transcripts, the feed URL; nothing from the network."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import urllib.request
from datetime import timedelta
from pathlib import Path

import lxml.html
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from reelcast.catalog import Catalog
from reelcast.config import Settings, load_settings
from reelcast.models import Cue
from reelcast.publish.page import INLINE_TRANSCRIPTS, PAGE_FILE, clock, render_page
from reelcast.publish.show import render_show
from reelcast.publish.sidefiles import parse_webvtt, webvtt

from .conftest import PublishedShow, copy_show, free_port, sample_episode
from .test_clients import browser, player_state, wait_for  # noqa: F401 - the headless Chromium fixture

CUES = [Cue(0, 2_000, "Welcome to the show."), Cue(2_000, 5_000, "Today: a film <review> & more.")]


def page(show: Settings, episodes=None, transcripts=None) -> lxml.html.HtmlElement:  # noqa: ANN001
    episodes = [sample_episode()] if episodes is None else episodes
    transcripts = {sample_episode().guid: CUES} if transcripts is None else transcripts
    return lxml.html.fromstring(render_page(show, episodes, "cover.png", transcripts))


def test_each_episode_has_a_player_of_the_published_mp3(show: Settings) -> None:
    (audio,) = page(show).xpath(".//article//audio")
    assert audio.get("src") == "../episodes/leaving-las-vegas.mp3"
    assert audio.get("controls") is not None and audio.get("preload") == "metadata"


def test_chapter_links_seek_and_fall_back_to_media_fragments(show: Settings) -> None:
    links = page(show).xpath(".//ol[@class='chapters']//a[@data-seek]")
    assert [(a.text_content(), a.get("data-seek")) for a in links] == [
        ("Introduction0:00", "0"), ("The first time0:15", "14.559")]
    assert links[1].get("href") == "../episodes/leaving-las-vegas.mp3#t=14.559"


def test_the_transcript_is_on_the_page_and_escaped(show: Settings) -> None:
    html = page(show)
    cues = html.xpath(".//details[@class='transcript']//a[@data-seek]")
    assert [c.get("data-seek") for c in cues] == ["0", "2"]
    assert cues[1].text_content().endswith("Today: a film <review> & more.")
    assert not html.xpath(".//review")


def test_the_feed_url_is_there_to_copy(show: Settings) -> None:
    html = page(show)
    assert html.xpath(".//*[@id='feed-url']")[0].get("value") == "http://127.0.0.1:8000/feed/feed.xml"
    assert html.xpath(".//link[@rel='alternate']")[0].get("type") == "application/rss+xml"
    # the button's word, not a dict method jinja found under the same name
    assert html.xpath(".//*[@id='copy-feed']")[0].text == "Copy"


def test_it_works_offline_and_on_a_phone(show: Settings) -> None:
    html = page(show)
    assert not html.xpath(".//script[@src] | .//link[@rel='stylesheet'] | .//iframe | .//object")
    assert all(not img.get("src").startswith(("http:", "https:", "//")) for img in html.xpath(".//img"))
    assert "@import" not in html.xpath(".//style")[0].text and "url(" not in html.xpath(".//style")[0].text
    assert "width=device-width" in html.xpath(".//meta[@name='viewport']")[0].get("content")


def test_downloads_name_every_published_file(show: Settings) -> None:
    hrefs = [a.get("href") for a in page(show).xpath(".//ul[@class='files']//a")]
    assert hrefs == ["../episodes/leaving-las-vegas.mp3", "../episodes/leaving-las-vegas.chapters.json",
                     "../episodes/leaving-las-vegas.vtt", "../episodes/leaving-las-vegas.srt"]


def test_titles_cannot_inject_markup(show: Settings) -> None:
    html = page(show, [sample_episode(title="<script>alert(1)</script>")])
    assert len(html.xpath(".//script")) == 1  # the page's own
    assert html.xpath(".//article//h2")[0].text == "<script>alert(1)</script>"


def test_an_empty_show_says_how_to_publish(show: Settings) -> None:
    assert "reelcast publish PAGE" in page(show, episodes=[], transcripts={}).text_content()


def rendered_page(show: Settings) -> bytes:
    with Catalog.open(show.catalog_path) as catalog:
        return render_show(show, [sample_episode()], catalog, None, lambda name: show.episodes_dir / name).page


def test_the_show_page_reads_the_published_transcript(show: Settings) -> None:
    show.episodes_dir.mkdir(parents=True)
    (show.episodes_dir / "leaving-las-vegas.vtt").write_text(webvtt(CUES), encoding="utf-8")
    assert "Welcome to the show." in rendered_page(show).decode("utf-8")


def test_a_missing_transcript_leaves_it_out(show: Settings) -> None:
    html = lxml.html.fromstring(rendered_page(show))
    assert html.xpath(".//article//audio")
    assert not html.xpath(".//details[@class='transcript']")


def test_clock() -> None:
    assert [clock(0), clock(14_559), clock(347_000), clock(3_723_000)] == ["0:00", "0:15", "5:47", "1:02:03"]


# -- a show too long to carry every transcript: older ones are read from their WebVTT when opened


def test_older_transcripts_load_from_their_webvtt_when_opened(
    published_show: PublishedShow, tmp_path: Path, browser: webdriver.Chrome  # noqa: F811
) -> None:
    show = copy_show(published_show, tmp_path)
    settings = load_settings(show.root)
    with Catalog.open(settings.catalog_path) as catalog:
        (real,) = catalog.episodes()
        with catalog.writing():  # newer episodes in front of it, sharing its files
            for n in range(INLINE_TRANSCRIPTS):
                catalog.put(dataclasses.replace(real, guid=f"{real.guid[:-2]}{n:02d}", slug=f"newer-{n}",
                                                published=real.published + timedelta(days=n + 1)))
    assert subprocess.run([sys.executable, "-m", "reelcast", "feed"], cwd=show.root).returncode == 0
    html = lxml.html.fromstring((settings.feed_dir / PAGE_FILE).read_bytes())
    last = html.xpath(f".//article[@id='{real.slug}']")[0]
    assert not last.xpath(".//details//a[@data-seek]"), "its transcript should not be in the page"
    assert last.xpath(".//audio")[0].get("preload") == "none"
    (vtt,) = [n for n in real.side_files if n.endswith(".vtt")]
    written = parse_webvtt((settings.episodes_dir / vtt).read_text(encoding="utf-8"))

    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "reelcast", "serve", "--port", str(port)], cwd=show.root,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        wait_for(lambda: _answers(f"http://127.0.0.1:{port}/"))
        browser.get(f"http://127.0.0.1:{port}/")
        article = browser.find_element(By.ID, real.slug)
        article.find_element(By.CSS_SELECTOR, "details.transcript summary").click()
        wait_for(lambda: len(article.find_elements(By.CSS_SELECTOR, "details.transcript a[data-seek]")) == len(written))
        links = article.find_elements(By.CSS_SELECTOR, "details.transcript a[data-seek]")
        assert [link.get_attribute("textContent") for link in links] == [  # a cue's two lines shown as one
            f"{clock(cue.start_ms)}{' '.join(cue.text.split())}" for cue in written]
        assert [float(link.get_attribute("data-seek")) for link in links] == pytest.approx(
            [cue.start_ms / 1000 for cue in written])
        links[3].click()  # seeks this episode's player, as the inline ones do
        audio = article.find_element(By.TAG_NAME, "audio")
        wait_for(lambda: player_state(browser, audio)["time"] >= written[3].start_ms / 1000 - 0.05)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):
            return True
    except OSError:
        return False
