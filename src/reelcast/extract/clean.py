"""Text decoded once and right: what every string taken from a page goes through before it leaves extract.

The parser decodes the page's entities once; a CMS that escaped twice leaves "&mdash;" or "&#233;"
in the text, which the listener would hear as "and mdash". And a page can carry characters that no
feed may hold (XML 1.0 refuses most control characters, however they were escaped: a raw byte, a
JSON-LD "\\u0001", an "&#1;"), or bidi overrides that reorder the text on the listening page.
"""

from __future__ import annotations

import html
from dataclasses import replace

from reelcast.extract.hints import LEFTOVER_ENTITY, UNSPEAKABLE_CHARS
from reelcast.models import Article, Film


def without_controls(text: str) -> str:
    return UNSPEAKABLE_CHARS.sub("", text)


def plain(text: str) -> str:
    """Leftover entities decoded (once more), then the unspeakable characters removed, spaces collapsed."""
    decoded = LEFTOVER_ENTITY.sub(lambda m: html.unescape(m.group(0)), text)
    return " ".join(without_controls(decoded).split())


def _optional(text: str | None) -> str | None:
    return (plain(text) or None) if text is not None else None


def clean_article(article: Article) -> Article:
    """Every text of the article through `plain`; addresses only lose their control characters
    (an "&copy=" in a query string is not an entity)."""
    film = article.film
    if film is not None and plain(film.title):
        film = Film(
            title=plain(film.title),
            year=film.year,
            director=_optional(film.director),
            cast=tuple(filter(None, (plain(name) for name in film.cast))),
        )
    else:
        film = None
    blocks = tuple(b for b in (replace(b, text=plain(b.text)) for b in article.blocks) if b.text)
    return replace(
        article,
        source=without_controls(article.source),
        title=plain(article.title) or (blocks[0].text if blocks else ""),
        blocks=blocks,
        byline=_optional(article.byline),
        site_name=_optional(article.site_name),
        language=_optional(article.language),
        description=_optional(article.description),
        canonical_url=_url(article.canonical_url),
        lead_image=_url(article.lead_image),
        film=film,
    )


def _url(value: str | None) -> str | None:
    return (without_controls(value).strip() or None) if value is not None else None
