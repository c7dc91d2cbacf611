"""Article -> Script: the narrated sections, each paragraph made ready for the ear.

Sections follow the article's headings; a headingless article is cut at paragraph boundaries into
sections of similar length (150-400 words by default). The intro and outro come from the show's
templates. Pure: no disk, network or subprocess.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from reelcast.config import ScriptSettings
from reelcast.errors import ScriptError
from reelcast.language import configured, pack, pack_or_english, primary, same_language
from reelcast.models import Article, Block, BlockKind, Paragraph, Script, Section, SectionKind, Sentence
from reelcast.speakable import Lexicon, speakable, split_sentences

_SPOILER = re.compile(r"\bspoilers?\b", re.I)
_TITLE_WORDS = 7


def build_script(
    article: Article,
    settings: ScriptSettings,
    show_title: str,
    lexicon: Lexicon | None = None,
    language: str = "en",
    show_language: str | None = None,
) -> Script:
    """The narration of `article` in `language` (its frame, titles and number words), for a show
    whose own language is `show_language` (the one `[script] intro` and `outro` are written in)."""
    body = [b for b in article.blocks if b.text.strip()]
    if not any(b.kind is not BlockKind.HEADING for b in body):
        raise ScriptError(f"{article.source}: the article has no paragraphs to narrate")
    words = pack_or_english(language).script
    intro, outro = frame_templates(settings, language, show_language or language)

    def ready(texts: Iterable[str]) -> tuple[Paragraph, ...]:
        return tuple(paragraph(t) for t in (speakable(text, lexicon, language) for text in texts) if t)

    fields = template_fields(article, show_title, words)
    intro_title, outro_title = words["intro_title"], words["outro_title"]
    sections = [Section(0, SectionKind.INTRO, intro_title, ready([_fill(intro, fields, "intro")]))]
    for title, blocks in split_sections(body, settings.min_words, settings.max_words, words["part"]):
        sections.append(Section(len(sections), SectionKind.BODY, title, ready(narration(blocks, words))))
    sections.append(Section(len(sections), SectionKind.OUTRO, outro_title, ready([_fill(outro, fields, "outro")])))
    return Script(title=article.title, sections=tuple(s for s in sections if s.paragraphs), language=language)


def paragraph(text: str) -> Paragraph:
    """A speech-ready text as the paragraph its sentences make: the one place sentences are split."""
    return Paragraph(tuple(Sentence(s) for s in split_sentences(text)))


def frame_templates(settings: ScriptSettings, language: str, show_language: str) -> tuple[str, str]:
    """The intro and outro for a review in `language`: [script.intros] for it, else [script] intro
    when it is the show's language, else the shipped template; a language with none is an error."""
    found = pack(language)
    chosen = []
    for name in ("intro", "outro"):
        template = configured(getattr(settings, f"{name}s"), language)
        if template is None and same_language(language, show_language):
            template = getattr(settings, name)
        if template is None and found is not None:
            template = found.script[name]
        if template is None:
            raise ScriptError(
                f"reelcast has no {name} in language '{language}'; add [script.{name}s] "
                f"{primary(language)} = \"...\" to reelcast.toml (see README, Languages), "
                f"or refuse the language with [show] languages"
            )
        chosen.append(template)
    return chosen[0], chosen[1]


def template_fields(article: Article, show_title: str, words: Mapping[str, str] | None = None) -> dict[str, str]:
    """The values intro and outro templates may use (TEMPLATE_FIELDS), in the words of a language pack."""
    words = words or pack_or_english("en").script
    film = ""
    if article.film:
        # The film's title as the review gives it: titles are never translated.
        parts = [article.film.title]
        if article.film.year:
            parts.append(str(article.film.year))
        if article.film.director:
            parts.append(words["directed_by"].format(director=article.film.director))
        film = ", ".join(parts)
        if article.film.cast:
            film += ", " + words["starring"].format(cast=_and_join(article.film.cast[:3], words["and"]))
        film = words["film"].format(film=film)
    rating = ""
    if article.rating:
        rating = words["rating"].format(value=_number(article.rating.value), best=_number(article.rating.best))
    site = article.site_name or _domain(article.canonical_url) or ""
    return {
        "show": show_title,
        "title": article.title,
        "author": article.byline or words["unnamed_author"],
        "site": words["site"].format(site=site) if site else "",
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


def split_sections(
    blocks: Sequence[Block], min_words: int, max_words: int, part: str = "part {n}"
) -> list[tuple[str, list[Block]]]:
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
        for n, cut in enumerate(parts):  # not `part`: that is the "part {n}" words of the language
            title = heading or _opening_words(cut)
            if heading and len(parts) > 1:
                title = f"{heading} ({part.format(n=n + 1)})"
            sections.append((title, cut))
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


def narration(blocks: Sequence[Block], words: Mapping[str, str] | None = None) -> list[str]:
    """The paragraphs a listener hears for these blocks: headings announced, lists as items, quotes framed."""
    words = words or pack_or_english("en").script
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
                out.append(f"{words['spoiler']} {_sentence(block.text)} {words['spoiler_skip']}")
            else:
                out.append(_sentence(block.text))
        elif block.kind is BlockKind.QUOTE:
            out.append(f"{words['quote']} {_sentence(block.text)} {words['end_quote']}")
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


def _and_join(names: Sequence[str], and_word: str = "and") -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} {and_word} {names[-1]}"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def _domain(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None
