"""What a published file is: the one table of kinds (suffix, media type, label, how it is written and
read back), and the side files an episode has beside its MP3, rendered as text and parsed again:
Podcasting 2.0 JSON chapters, WebVTT and SRT transcripts.

The pipeline writes by this table, the feed and the listening page name files by it, `check` reads
them back by it, and `serve` and `deploy` send them with its media types.
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from reelcast.models import Chapter, Cue, EpisodeAudio


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


# The podcast namespace's transcript guidance (Podcastindex-org/podcast-namespace,
# transcripts/transcripts.md) gives SRT "Max number of lines: 2" and "Max characters per line: 32";
# for WebVTT it sets no figures, so its cues keep two lines and the 65 characters a line apps show
# without wrapping (the WebVTT of an episode is also what the listening page shows).
SRT_LINE, SRT_LINES = 32, 2
VTT_LINE, VTT_LINES = 65, 2


def captions(cues: Sequence[Cue], width: int, lines: int) -> list[Cue]:
    """`cues` (one per sentence) as captions of at most `lines` lines of `width` characters: a long
    sentence becomes several cues, cut between words, each starting when its first word is heard.
    Engines that report when sentences start but not words (Piper) leave no word times: their cues
    are then timed by their share of the sentence's characters."""
    out: list[Cue] = []
    for cue in cues:
        given = cue.text.split("\n")
        if len(given) <= lines and all(len(line) <= width for line in given):
            out.append(replace(cue, word_starts_ms=()))  # already a caption (as read back from a file)
            continue
        wrapped = textwrap.wrap(cue.text, width, break_long_words=True, break_on_hyphens=False) or [""]
        chunks = ["\n".join(wrapped[k : k + lines]) for k in range(0, len(wrapped), lines)]
        starts = _chunk_starts(cue, chunks)
        ends = [*starts[1:], cue.end_ms]
        out.extend(Cue(start, end, chunk) for start, end, chunk in zip(starts, ends, chunks, strict=True))
    return out


def _chunk_starts(cue: Cue, chunks: list[str]) -> list[int]:
    """When each of `cue`'s chunks starts: when its first word is heard, else by characters said."""
    words = cue.text.split()
    if len(cue.word_starts_ms) == len(words):
        starts, said = [], 0  # characters of the cue's words before the chunk, spaces left out
        bounds = list(itertools.accumulate(len(w) for w in words))
        for chunk in chunks:
            first = bisect.bisect_right(bounds, said)  # the word the chunk starts in (a cut long word: its part)
            heard = cue.word_starts_ms[min(first, len(words) - 1)]
            starts.append(min(cue.end_ms, max(heard, starts[-1] if starts else cue.start_ms)))
            said += len("".join(chunk.split()))
        starts[0] = cue.start_ms
        return starts
    total = sum(len(c) for c in chunks) or 1
    starts, said = [], 0
    for chunk in chunks:
        starts.append(cue.start_ms + round((cue.end_ms - cue.start_ms) * said / total))
        said += len(chunk)
    return starts


def webvtt(cues: Sequence[Cue]) -> str:
    shown = captions(cues, VTT_LINE, VTT_LINES)
    blocks = [f"{_stamp(c.start_ms, '.')} --> {_stamp(c.end_ms, '.')}\n{c.text}" for c in shown]
    return "WEBVTT\n\n" + "\n\n".join(blocks) + "\n"


def srt(cues: Sequence[Cue]) -> str:
    shown = captions(cues, SRT_LINE, SRT_LINES)
    blocks = [f"{n}\n{_stamp(c.start_ms, ',')} --> {_stamp(c.end_ms, ',')}\n{c.text}" for n, c in enumerate(shown, 1)]
    return "\n\n".join(blocks) + "\n"


def _stamp(ms: int, separator: str) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


# Readers for the same formats: the listening page shows the transcript from the published file,
# and `reelcast check` validates what apps will download. Both raise ValueError saying what is wrong.

_VTT_TIMING = re.compile(r"^(\d{2,}):(\d{2}):(\d{2})[.,](\d{3}) --> (\d{2,}):(\d{2}):(\d{2})[.,](\d{3})(?:\s.*)?$")


def parse_webvtt(text: str) -> list[Cue]:
    if not text.lstrip("\ufeff").startswith("WEBVTT"):
        raise ValueError("does not start with the WEBVTT signature")
    return _parse_cues(text.split("\n\n")[1:], numbered=False)


def parse_srt(text: str) -> list[Cue]:
    return _parse_cues(text.lstrip("\ufeff").split("\n\n"), numbered=True)


def _parse_cues(blocks: list[str], numbered: bool) -> list[Cue]:
    cues: list[Cue] = []
    for block in (b.strip("\n") for b in blocks):
        if not block.strip():
            continue
        lines = block.split("\n")
        if numbered:
            if not lines[0].strip().isdigit():
                raise ValueError(f"cue {len(cues) + 1} has no number")
            lines = lines[1:]
        elif "-->" not in lines[0] and len(lines) > 1:
            lines = lines[1:]  # a WebVTT cue may have an identifier line
        match = _VTT_TIMING.match(lines[0].strip()) if lines else None
        if not match:
            raise ValueError(f"cue {len(cues) + 1} has no valid timing line")
        g = [int(x) for x in match.groups()]
        start = ((g[0] * 60 + g[1]) * 60 + g[2]) * 1000 + g[3]
        end = ((g[4] * 60 + g[5]) * 60 + g[6]) * 1000 + g[7]
        if end < start:
            raise ValueError(f"cue {len(cues) + 1} ends before it starts")
        cues.append(Cue(start, end, "\n".join(lines[1:]).strip()))
    if not cues:
        raise ValueError("has no cues")
    return cues


def parse_chapters_json(text: str) -> list[Chapter]:
    """Chapters from a JSON chapters file; a chapter without endTime ends where the next begins (-1: unknown)."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"is not JSON ({exc.msg} at line {exc.lineno})") from exc
    if not isinstance(document, dict) or not isinstance(document.get("version"), str):
        raise ValueError('has no "version"')
    items = document.get("chapters")
    if not isinstance(items, list) or not items:
        raise ValueError('has no "chapters"')
    starts: list[tuple[float, float | None, str]] = []
    for n, item in enumerate(items, 1):
        start = item.get("startTime") if isinstance(item, dict) else None
        if not isinstance(start, int | float) or start < 0:
            raise ValueError(f"chapter {n} has no valid startTime")
        end = item.get("endTime")
        starts.append((float(start), float(end) if isinstance(end, int | float) else None, str(item.get("title", ""))))
    if any(b[0] < a[0] for a, b in zip(starts, starts[1:], strict=False)):
        raise ValueError("chapters are not in order of startTime")
    chapters = []
    for k, (start, end, title) in enumerate(starts):
        following = starts[k + 1][0] if k + 1 < len(starts) else None
        end = end if end is not None else following
        chapters.append(Chapter(title, round(start * 1000), round(end * 1000) if end is not None else -1))
    return chapters


# The table ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileKind:
    suffix: str
    media_type: str  # the feed's type attribute, and the Content-Type it is served with
    label: str  # how the listening page names a download
    charset: bool  # served with "; charset=utf-8" (not JSON: it is UTF-8 by definition, with no parameter)
    # How the pipeline writes it from the episode's audio and title; None: the encoder writes it (the MP3).
    render: Callable[[EpisodeAudio, str], str] | None = None
    # How `check` and the listening page read it back; raises ValueError saying what is wrong.
    parse: Callable[[str], list] | None = None

    @property
    def content_type(self) -> str:
        return f"{self.media_type}; charset=utf-8" if self.charset else self.media_type


MP3 = FileKind(".mp3", "audio/mpeg", "MP3", charset=False)
CHAPTERS = FileKind(".chapters.json", "application/json+chapters", "chapters (JSON)", charset=False,
                    render=lambda audio, title: chapters_json(audio.chapters, title), parse=parse_chapters_json)
VTT = FileKind(".vtt", "text/vtt", "transcript (WebVTT)", charset=True,
               render=lambda audio, _title: webvtt(audio.cues), parse=parse_webvtt)
SRT = FileKind(".srt", "application/x-subrip", "transcript (SRT)", charset=True,
               render=lambda audio, _title: srt(audio.cues), parse=parse_srt)
# The episode's own art, made in the publish stage (publish/artwork.py) and embedded in the MP3 too.
ART = FileKind(".art.png", "image/png", "episode art", charset=False)
SIDE_FILES = (CHAPTERS, VTT, SRT, ART)
TRANSCRIPTS = (VTT, SRT)
EPISODE_FILES = (MP3, *SIDE_FILES)

# The show's own files in feed/.
FEED = FileKind(".xml", "application/rss+xml", "feed", charset=True)
PAGE = FileKind(".html", "text/html", "listening page", charset=True)
PNG = FileKind(".png", "image/png", "cover", charset=False)
JPEG = FileKind(".jpg", "image/jpeg", "cover", charset=False)
SHOW_FILES = (FEED, PAGE, PNG, JPEG)
# Other JSON beside the show, such as the manifest `reelcast deploy` keeps at the destination.
JSON = FileKind(".json", "application/json", "JSON", charset=False)

_BY_SUFFIX = sorted((*EPISODE_FILES, *SHOW_FILES, JSON), key=lambda kind: -len(kind.suffix))


def kind_of(name: str) -> FileKind | None:
    """The kind of a published file by its name (the longest suffix wins: .chapters.json, not .json)."""
    lowered = name.lower()
    return next((kind for kind in _BY_SUFFIX if lowered.endswith(kind.suffix)), None)


def content_type(name: str) -> str:
    kind = kind_of(name)
    return kind.content_type if kind else "application/octet-stream"


def episode_file_name(slug: str, version: str, kind: FileKind) -> str:
    """`<slug>.<version><suffix>`: a new version of the audio gets new names, so publishing never
    overwrites a file that the live feed names."""
    return f"{slug}.{version}{kind.suffix}"
