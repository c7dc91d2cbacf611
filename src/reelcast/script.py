"""Article -> Script: the narrated sections, each paragraph made ready for the ear.

Sections follow the article's headings; a headingless article is cut at paragraph boundaries into
sections of similar length (150-400 words by default). The intro and outro come from the show's
templates. Pure: no disk, network or subprocess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from urllib.parse import urlsplit

from reelcast.config import ScriptSettings
from reelcast.errors import ScriptError
from reelcast.models import Article, Block, BlockKind, Script, Section, SectionKind
from reelcast.speakable import Lexicon, speakable

INTRO_TITLE = "Introduction"
OUTRO_TITLE = "Closing"
_SPOILER = re.compile(r"\bspoilers?\b", re.I)
_TITLE_WORDS = 7


def build_script(
    article: Article, settings: ScriptSettings, show_title: str, lexicon: Lexicon | None = None
) -> Script:
    body = [b for b in article.blocks if b.text.strip()]
    if not any(b.kind is not BlockKind.HEADING for b in body):
        raise ScriptError(f"{article.source}: the article has no paragraphs to narrate")

    def ready(texts: Iterable[str]) -> tuple[str, ...]:
        return tuple(t for t in (speakable(text, lexicon) for text in texts) if t)

    fields = template_fields(article, show_title)
    sections = [Section(0, SectionKind.INTRO, INTRO_TITLE, ready([_fill(settings.intro, fields, "intro")]))]
    for title, blocks in split_sections(body, settings.min_words, settings.max_words):
        sections.append(Section(len(sections), SectionKind.BODY, title, ready(narration(blocks))))
    outro = ready([_fill(settings.outro, fields, "outro")])
    sections.append(Section(len(sections), SectionKind.OUTRO, OUTRO_TITLE, outro))
    return Script(title=article.title, sections=tuple(s for s in sections if s.paragraphs))


def template_fields(article: Article, show_title: str) -> dict[str, str]:
    """The values intro and outro templates may use (TEMPLATE_FIELDS)."""
    film = ""
    if article.film:
        parts = [article.film.title]
        if article.film.year:
            parts.append(str(article.film.year))
        if article.film.director:
            parts.append(f"directed by {article.film.director}")
        film = ", ".join(parts)
        if article.film.cast:
            film += f", starring {_and_join(article.film.cast[:3])}"
        film = f"The film: {film}."
    rating = ""
    if article.rating:
        rating = f"The verdict: {_number(article.rating.value)} out of {_number(article.rating.best)}."
    site = article.site_name or _domain(article.canonical_url) or ""
    return {
        "show": show_title,
        "title": article.title,
        "author": article.byline or "an unnamed critic",
        "site": f", for {site}" if site else "",
        "film": film,
        "rating": rating,
        "link": _domain(article.canonical_url) or "",
    }


def _fill(template: str, fields: dict[str, str], name: str) -> str:
    try:
        return " ".join(template.format(**fields).split())
    except (KeyError, IndexError, ValueError) as exc:
        known = ", ".join("{" + k + "}" for k in fields)
        raise ScriptError(f"the {name} template {template!r} is invalid ({exc}); it may use {known}") from exc


def split_sections(blocks: Sequence[Block], min_words: int, max_words: int) -> list[tuple[str, list[Block]]]:
    """Group blocks into (title, blocks) sections: at headings, then long runs cut to length."""
    runs: list[tuple[str | None, list[Block]]] = [(None, [])]
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            runs.append((block.text, [block]))
        else:
            runs[-1][1].append(block)

    sections: list[tuple[str, list[Block]]] = []
    for heading, run in runs:
        if not any(b.kind is not BlockKind.HEADING for b in run):
            continue
        parts = _cut(run, min_words, max_words)
        for n, part in enumerate(parts):
            title = heading or _opening_words(part)
            if heading and len(parts) > 1:
                title = f"{heading} (part {n + 1})"
            sections.append((title, part))
    return sections


def _cut(blocks: list[Block], min_words: int, max_words: int) -> list[list[Block]]:
    """Cut at paragraph boundaries into sections of about equal length, none over max_words if it can be helped."""
    words = [len(b.text.split()) for b in blocks]
    total = sum(words)
    count = max(1, math.ceil(total / max_words))
    if count > 1 and total / count < min_words:
        count = max(1, total // min_words)
    parts: list[list[Block]] = [[]]
    done = 0
    for block, n in zip(blocks, words, strict=True):
        boundary = total * len(parts) / count
        # start a new part when this paragraph would carry the current one past its share
        if parts[-1] and len(parts) < count and done + n / 2 > boundary and block.kind is not BlockKind.HEADING:
            parts.append([])
        parts[-1].append(block)
        done += n
    return parts


def narration(blocks: Sequence[Block]) -> list[str]:
    """The paragraphs a listener hears for these blocks: headings announced, lists as items, quotes framed."""
    out: list[str] = []
    items: list[str] = []

    def flush_items() -> None:
        if items:
            out.append(" ".join(_sentence(i) for i in items))
            items.clear()

    for block in blocks:
        if block.kind is BlockKind.LIST_ITEM:
            items.append(block.text)
            continue
        flush_items()
        if block.kind is BlockKind.HEADING:
            if _SPOILER.search(block.text):
                out.append(f"Spoiler warning. {_sentence(block.text)} Skip to the next chapter to avoid spoilers.")
            else:
                out.append(_sentence(block.text))
        elif block.kind is BlockKind.QUOTE:
            out.append(f"Quote. {_sentence(block.text)} End quote.")
        else:
            out.append(block.text)
    flush_items()
    return out


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text[-1:] in ".!?" else f"{text}."


def _opening_words(blocks: Sequence[Block]) -> str:
    first = next(b.text for b in blocks if b.kind is not BlockKind.HEADING)
    words = first.split()
    title = " ".join(words[:_TITLE_WORDS]).rstrip(",;:.")
    return title + ("…" if len(words) > _TITLE_WORDS else "")


def _and_join(names: Sequence[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None
