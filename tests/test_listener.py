"""What a listener reads and sees beside the audio of the session's published example: the
transcripts (written form, caption limits), chapters, ID3 frames, episode art and the page."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reelcast.publish.sidefiles import SRT_LINE, SRT_LINES, VTT_LINE, VTT_LINES, parse_srt, parse_webvtt

from .conftest import PublishedShow

pytestmark = pytest.mark.slow


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


def test_chapters_of_the_headingless_example_say_what_each_part_is_about(published_show: PublishedShow) -> None:
    chapters = json.loads(side_file(published_show.root, ".chapters.json"))["chapters"]
    body = [c["title"] for c in chapters[1:-1]]
    assert len(body) >= 3 and len(set(body)) == len(body), body
    assert body[-1] == "The verdict"
    first_words = "The first time we see"
    for title in body:
        assert "…" not in title and len(title) <= 50 and not title.startswith(first_words), title
    assert any("Ben" in t or "Sera" in t for t in body), body  # the characters it discusses
