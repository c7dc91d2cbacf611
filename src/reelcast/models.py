"""The frozen data that flows between stages.

RawPage -> Article -> Script -> SectionAudio[] -> EpisodeAudio -> Episode -> feed
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path


@dataclass(frozen=True, slots=True)
class RawPage:
    """A page as read, before any parsing. `source` names it in messages (a path, a URL or '-')."""

    source: str
    content: bytes
    url: str | None = None
    content_type: str | None = None
    content_language: str | None = None  # the HTTP Content-Language header, when fetched


class BlockKind(StrEnum):
    HEADING = "heading"
    PARAGRAPH = "paragraph"
    LIST_ITEM = "list_item"
    QUOTE = "quote"


@dataclass(frozen=True, slots=True)
class Block:
    kind: BlockKind
    text: str
    level: int = 0  # heading level (2-4) for headings, 0 otherwise


@dataclass(frozen=True, slots=True)
class Film:
    title: str
    year: int | None = None
    director: str | None = None
    cast: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Rating:
    value: float
    best: float = 5.0


@dataclass(frozen=True, slots=True)
class Article:
    source: str
    title: str
    blocks: tuple[Block, ...]
    byline: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    site_name: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    lead_image: str | None = None
    film: Film | None = None
    rating: Rating | None = None

    @property
    def paragraphs(self) -> tuple[str, ...]:
        return tuple(b.text for b in self.blocks if b.kind is not BlockKind.HEADING)

    @property
    def word_count(self) -> int:
        return sum(len(b.text.split()) for b in self.blocks)


class SectionKind(StrEnum):
    INTRO = "intro"
    BODY = "body"
    OUTRO = "outro"


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence as the voice reads it (speech-ready text), and as the critic wrote it (what a
    transcript shows, timed by the spoken form). Split once, in the script stage."""

    text: str
    written: str = ""  # empty: the same as `text` (a line said with `reelcast say`)

    @property
    def shown(self) -> str:
        return self.written or self.text


@dataclass(frozen=True, slots=True)
class Paragraph:
    """What is spoken in one breath: its sentences, read with the engine's own pause between them."""

    sentences: tuple[Sentence, ...]

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)

    @property
    def written(self) -> str:
        return " ".join(s.shown for s in self.sentences)

    @property
    def word_count(self) -> int:
        return sum(len(s.text.split()) for s in self.sentences)


@dataclass(frozen=True, slots=True)
class Section:
    """One narrated chapter, read with a pause between its paragraphs."""

    index: int
    kind: SectionKind
    title: str
    paragraphs: tuple[Paragraph, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(p.text for p in self.paragraphs)

    @property
    def word_count(self) -> int:
        return sum(p.word_count for p in self.paragraphs)


@dataclass(frozen=True, slots=True)
class Script:
    title: str
    sections: tuple[Section, ...]
    language: str = "en"  # every section is read in it, by the voice chosen for it


@dataclass(frozen=True, slots=True)
class Cue:
    """A stretch of narration and when it is heard, relative to the start of its audio."""

    start_ms: int
    end_ms: int
    text: str
    # when each word of `text` (split at whitespace) is heard, relative to the same start; empty
    # when the engine reports sentences only (a long cue is then cut by its share of characters)
    word_starts_ms: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Speech:
    """A paragraph as an engine spoke it: mono 16-bit PCM, and when each of its sentences starts.

    What a speech task returns, so it can run in another process or on another machine.
    """

    pcm: bytes
    sample_rate: int
    sentence_starts_ms: tuple[int, ...]
    levels: bytes = b""  # its peaks and loudness, measured where it was spoken (audio.levels)
    # when each word of the paragraph's text (split at whitespace) starts; empty when the engine
    # reports no word events (Piper)
    word_starts_ms: tuple[int, ...] = ()

    @property
    def duration_ms(self) -> int:
        return round(len(self.pcm) / 2 / self.sample_rate * 1000)


@dataclass(frozen=True, slots=True)
class Clip:
    """A spoken paragraph on disk (a mono 16-bit WAV), and when each of its sentences starts (ms)."""

    paragraph: Paragraph
    wav: Path
    duration_ms: int
    sentence_starts_ms: tuple[int, ...] = ()
    levels: bytes = b""  # peaks and K-weighted energy per ~2 ms block (audio.levels)
    word_starts_ms: tuple[int, ...] = ()  # as Speech has them


@dataclass(frozen=True, slots=True)
class SectionAudio:
    section: Section
    clips: tuple[Clip, ...]


@dataclass(frozen=True, slots=True)
class Chapter:
    title: str
    start_ms: int
    end_ms: int


@dataclass(frozen=True, slots=True)
class EpisodeAudio:
    path: Path
    duration_ms: int
    size_bytes: int
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...] = ()


@dataclass(frozen=True, slots=True)
class Episode:
    """A published episode as the catalog keeps it and the feed shows it."""

    guid: str
    slug: str
    title: str
    summary: str
    source: str
    link: str | None
    author: str | None
    published: datetime
    audio_file: str  # file name inside the episodes folder
    size_bytes: int
    duration_ms: int
    chapters: tuple[Chapter, ...] = field(default=())
    side_files: tuple[str, ...] = field(default=())  # chapters and transcripts beside the audio
    language: str | None = None  # the language it is spoken in; None: the show's (older catalogs)


class Stage(StrEnum):
    """Where a publish is, as its progress reports it."""

    READ = "read"
    EXTRACT = "extract"
    SCRIPT = "script"
    SPEECH = "speech"
    AUDIO = "audio"
    PUBLISH = "publish"


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    stage: Stage
    done: int = 0
    total: int = 0
