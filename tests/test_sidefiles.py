"""Chapters and transcripts: written, then read back by the same readers `reelcast check` uses."""

from __future__ import annotations

import json

import pytest

from reelcast.models import Chapter, Cue
from reelcast.sidefiles import chapters_json, parse_chapters_json, parse_srt, parse_webvtt, srt, webvtt

CUES = (Cue(0, 1_250, "Welcome to the show."), Cue(1_250, 3_723_004, "A long one,\nover two lines."))
CHAPTERS = (Chapter("Introduction", 0, 14_559), Chapter("The first time", 14_559, 300_500))


def test_webvtt_round_trips() -> None:
    text = webvtt(CUES)
    assert text.startswith("WEBVTT\n\n00:00:00.000 --> 00:00:01.250\nWelcome")
    assert "01:02:03.004" in text
    assert parse_webvtt(text) == list(CUES)


def test_srt_round_trips() -> None:
    text = srt(CUES)
    assert text.startswith("1\n00:00:00,000 --> 00:00:01,250\n")
    assert parse_srt(text) == list(CUES)


def test_chapters_round_trip_in_the_podcast_namespace_format() -> None:
    text = chapters_json(CHAPTERS, "A review")
    document = json.loads(text)
    assert document["version"] == "1.2.0"
    assert document["chapters"][1] == {"startTime": 14.559, "endTime": 300.5, "title": "The first time"}
    assert parse_chapters_json(text) == list(CHAPTERS)


def test_chapters_without_end_times_end_where_the_next_begins() -> None:
    text = json.dumps({"version": "1.2.0", "chapters": [{"startTime": 0}, {"startTime": 5.5, "title": "B"}]})
    assert parse_chapters_json(text) == [Chapter("", 0, 5500), Chapter("B", 5500, -1)]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("00:00:00.000 --> 00:00:01.000\nhi\n", "WEBVTT signature"),
        ("WEBVTT\n\n00:00:00 --> 00:00:01\nhi\n", "no valid timing"),
        ("WEBVTT\n\n00:00:02.000 --> 00:00:01.000\nhi\n", "ends before it starts"),
        ("WEBVTT\n", "no cues"),
    ],
)
def test_broken_webvtt_is_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_webvtt(text)


def test_srt_cues_need_numbers() -> None:
    with pytest.raises(ValueError, match="no number"):
        parse_srt("00:00:00,000 --> 00:00:01,000\nhi\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "not JSON"),
        ('{"chapters": [{"startTime": 0}]}', "version"),
        ('{"version": "1.2.0", "chapters": []}', "chapters"),
        ('{"version": "1.2.0", "chapters": [{"startTime": 9}, {"startTime": 2}]}', "not in order"),
        ('{"version": "1.2.0", "chapters": [{"title": "x"}]}', "startTime"),
    ],
)
def test_broken_chapters_are_refused_with_the_reason(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_chapters_json(text)
