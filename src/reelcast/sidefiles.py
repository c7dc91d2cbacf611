"""An episode's side files, rendered as text: Podcasting 2.0 JSON chapters, WebVTT and SRT transcripts."""

from __future__ import annotations

import json
from collections.abc import Sequence

from reelcast.models import Chapter, Cue

CHAPTERS_TYPE = "application/json+chapters"
VTT_TYPE = "text/vtt"
SRT_TYPE = "application/x-subrip"


def chapters_json(chapters: Sequence[Chapter], title: str) -> str:
    """The JSON chapters format of the podcast namespace (version 1.2.0)."""
    document = {
        "version": "1.2.0",
        "title": title,
        "chapters": [
            {"startTime": round(c.start_ms / 1000, 3), "endTime": round(c.end_ms / 1000, 3), "title": c.title}
            for c in chapters
        ],
    }
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def webvtt(cues: Sequence[Cue]) -> str:
    blocks = [f"{_stamp(c.start_ms, '.')} --> {_stamp(c.end_ms, '.')}\n{c.text}" for c in cues]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def srt(cues: Sequence[Cue]) -> str:
    blocks = [f"{n}\n{_stamp(c.start_ms, ',')} --> {_stamp(c.end_ms, ',')}\n{c.text}" for n, c in enumerate(cues, 1)]
    return "\n\n".join(blocks) + "\n"


def _stamp(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"
