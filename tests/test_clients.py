"""Real clients against `reelcast serve` on 127.0.0.1: gPodder's gpo, the parsers apps use, headless Chromium.

gpo and Chromium are Debian packages (gpodder; chromium and chromium-driver): `./bootstrap test`
installs them when it runs as root with apt-get. In CI a missing one fails; elsewhere those tests skip and say so.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import feedparser
import podcastparser
import pytest
from mutagen.mp3 import MP3
from selenium import webdriver
from selenium.webdriver.common.by import By

from reelcast.publish.sidefiles import parse_chapters_json, parse_srt, parse_webvtt

from .conftest import ServedShow, require

pytestmark = pytest.mark.slow

def fetch(url: str) -> tuple[bytes, str]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.read(), response.headers.get("Content-Type", "")


def test_gpodder_subscribes_and_downloads_the_exact_file(served_show: ServedShow, tmp_path: Path) -> None:
    gpo = shutil.which("gpo")
    require(gpo, "gPodder's gpo", "apt-get install gpodder")
    env = {**os.environ, "GPODDER_HOME": str(tmp_path / "home"), "GPODDER_DOWNLOAD_DIR": str(tmp_path / "downloads")}
    feed = served_show.show.base_url + "feed/feed.xml"

    def run(*args: str) -> str:
        done = subprocess.run([gpo, *args], env=env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stdout + done.stderr
        return done.stdout

    assert "Successfully added" in run("subscribe", feed)
    assert "1 new episode" in run("update")
    assert "1 episodes downloaded" in run("download")
    (downloaded,) = (tmp_path / "downloads").rglob("*.mp3")
    assert downloaded.read_bytes() == served_show.show.mp3.read_bytes()


def test_parsers_read_the_served_feed_and_every_url_resolves(served_show: ServedShow) -> None:
    feed_url = served_show.show.base_url + "feed/feed.xml"
    document, content_type = fetch(feed_url)
    assert content_type.startswith("application/rss+xml")
    mp3 = served_show.show.mp3

    parsed = podcastparser.parse(feed_url, urllib.request.urlopen(feed_url, timeout=30))
    (episode,) = parsed["episodes"]
    (enclosure,) = episode["enclosures"]
    audio, _ = fetch(enclosure["url"])
    assert audio == mp3.read_bytes() and enclosure["file_size"] == len(audio)
    assert abs(episode["total_time"] - MP3(mp3).info.length) <= 1

    entry = feedparser.parse(document).entries[0]
    assert not feedparser.parse(document).bozo
    chapters_url = entry["podcast_chapters"]["url"]
    chapters = parse_chapters_json(fetch(chapters_url)[0].decode("utf-8"))
    assert chapters[0].start_ms == 0 and len(chapters) >= 4
    transcripts = re.findall(r'<podcast:transcript url="([^"]+)" type="([^"]+)"', document.decode("utf-8"))
    assert {kind for _, kind in transcripts} == {"text/vtt", "application/x-subrip"}
    for url, kind in transcripts:
        text = fetch(url)[0].decode("utf-8")
        cues = parse_webvtt(text) if kind == "text/vtt" else parse_srt(text)
        assert cues[-1].end_ms <= MP3(mp3).info.length * 1000 + 500
    assert json.loads(fetch(chapters_url)[0])["version"] == "1.2.0"


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    require(chromium and driver, "Chromium or its driver", "apt-get install chromium chromium-driver")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--autoplay-policy=no-user-gesture-required", f"--user-data-dir={tmp_path / 'profile'}",
                 "--window-size=412,915"):  # a phone's screen
        options.add_argument(flag)
    session = webdriver.Chrome(service=webdriver.ChromeService(driver), options=options)
    try:
        yield session
    finally:
        session.quit()


def player_state(browser: webdriver.Chrome, audio: object) -> dict:
    return browser.execute_script(
        "const a = arguments[0]; return {duration: a.duration, time: a.currentTime, paused: a.paused, "
        "ready: a.readyState, error: a.error && a.error.code};", audio)


def wait_for(condition, timeout: float = 20.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)


def test_chromium_plays_the_listening_page_and_seeks_to_chapter_two(
    served_show: ServedShow, browser: webdriver.Chrome, tmp_path: Path
) -> None:
    browser.get(served_show.show.base_url)
    assert browser.title == "ReelRundown Reviews"
    audio = browser.find_element(By.CSS_SELECTOR, "article audio")
    browser.execute_script("return arguments[0].play();", audio)
    wait_for(lambda: player_state(browser, audio)["time"] > 0.2)
    state = player_state(browser, audio)
    assert state["error"] is None and not state["paused"]
    assert abs(state["duration"] - MP3(served_show.show.mp3).info.length) < 0.5

    second = browser.find_elements(By.CSS_SELECTOR, "ol.chapters a[data-seek]")[1]
    start = float(second.get_attribute("data-seek"))
    assert start > 5
    second.click()
    wait_for(lambda: player_state(browser, audio)["time"] >= start + 0.2)
    state = player_state(browser, audio)
    assert start <= state["time"] < start + 10 and not state["paused"]
    assert "current" in second.get_attribute("class")
    # the player fetched the audio in byte ranges, and can seek anywhere in it
    mp3_requests = [line for line in served_show.access_log().splitlines() if served_show.show.mp3.name in line]
    assert any("206 Partial Content" in line for line in mp3_requests), mp3_requests
    seekable = browser.execute_script("const s = arguments[0].seekable; return [s.length, s.end(s.length - 1)];", audio)
    assert seekable[0] == 1 and abs(seekable[1] - state["duration"]) < 0.5
    assert browser.find_element(By.ID, "feed-url").get_attribute("value") == served_show.show.base_url + "feed/feed.xml"
    screenshot = tmp_path / "listening-page.png"
    assert browser.save_screenshot(str(screenshot)) and screenshot.stat().st_size > 10_000
