"""The film a review is about and the rating it gives: from JSON-LD or microdata where the markup says,
else from the visible text (a details table, a "(1995) review" headline, "4 out of 5 stars", ★★★★☆).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from lxml.html import HtmlElement

from reelcast.extract import dom
from reelcast.extract.jsonld import name_of, person_names, types
from reelcast.models import Block, Film, Rating

_FILM_TYPES = frozenset({"Movie", "Film", "TVSeries", "TVSeason", "TVEpisode", "CreativeWork"})
_RATING_HINT = re.compile(r"rating|stars|score|verdict", re.IGNORECASE)


def film_from_json_ld(item: dict[str, Any]) -> Film | None:
    title = dom.clean(name_of(item))
    if not title or not (types(item) & _FILM_TYPES or not types(item)):
        return None
    year = _year(str(item.get("dateCreated") or item.get("datePublished") or item.get("releaseDate") or ""))
    director = person_names(item.get("director"))
    actors = item.get("actor") or item.get("actors") or []
    cast = tuple(n for n in (dom.clean(name_of(a)) for a in (actors if isinstance(actors, list) else [actors])) if n)
    return Film(title=title, year=year, director=director, cast=cast)


def film_from_microdata(doc: HtmlElement) -> Film | None:
    for scope in doc.xpath("//*[@itemscope][contains(@itemtype, 'schema.org/Movie')]"):

        def prop(name: str, node: HtmlElement = scope) -> list[str]:
            return [
                dom.clean(p.get("content") or p.xpath("string(.//*[@itemprop='name'])") or dom.text(p)) or ""
                for p in node.xpath(f".//*[@itemprop='{name}']")
            ]

        title = next(iter(prop("name")), None)
        if title:
            year = _year(" ".join(prop("dateCreated") + prop("datePublished")))
            return Film(title=title, year=year, director=next(iter(prop("director")), None), cast=tuple(prop("actor")))
    return None


def rating_from_json_ld(value: Any) -> Rating | None:
    if not isinstance(value, dict):
        return None
    return _rating(value.get("ratingValue"), value.get("bestRating"))


def rating_from_microdata(doc: HtmlElement) -> Rating | None:
    for scope in doc.xpath("//*[@itemprop='reviewRating']"):

        def prop(name: str, node: HtmlElement = scope) -> str | None:
            found = node.xpath(f".//*[@itemprop='{name}']")
            return (found[0].get("content") or dom.text(found[0])) if found else None

        rating = _rating(prop("ratingValue"), prop("bestRating"))
        if rating:
            return rating
    return None


def _rating(value: Any, best: Any) -> Rating | None:
    try:
        number = float(str(value).replace(",", "."))
        top = float(str(best).replace(",", ".")) if best not in (None, "") else 5.0
    except ValueError:
        return None
    return Rating(value=number, best=top) if 0 <= number <= top else None


def rating_widget_texts(doc: HtmlElement) -> list[str]:
    """Short texts of elements whose class or id says rating/stars: widgets often sit outside the article."""
    texts = []
    for node in doc.xpath("//body//*[@class or @id or @aria-label]"):
        hint = f"{node.get('class', '')} {node.get('id', '')}"
        if _RATING_HINT.search(hint):
            label = node.get("aria-label") or node.get("title") or ""
            text = dom.text(node)
            texts.extend(t for t in (label, text) if t and len(t) < 80)
    return texts[:20]


_DETAIL_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("title", "film", "movie", "film title", "movie title", "original title"),
    "year": ("release year", "year", "released", "release date", "release", "year of release"),
    "director": ("director", "director(s)", "directors", "directed by", "regie"),
    "cast": ("actors", "actor(s)", "cast", "starring", "stars", "main cast", "with"),
}
_DETAIL_LINE = re.compile(r"^\s*([A-Za-z][A-Za-z ()]{1,24}?)\s*:\s*(.+?)\s*$")
_CAST_TRAILERS = re.compile(r"\s*(,?\s*(a\.\s?o\.|and others|et al\.?|etc\.?|…|\.\.\.))\s*$", re.IGNORECASE)
_REVIEW_HEADLINE = re.compile(r"^[\"'‘“]?(?P<title>[^\"'’”(]+?)[\"'’”]?\s*\((?P<year>(?:19|20)\d\d)\)", re.IGNORECASE)


def film(marked: Film | None, title: str | None, blocks: tuple[Block, ...]) -> Film | None:
    """The markup's film, gaps filled from a visible details table (or that table alone); else a headline's."""
    visible = _film_from_details(blocks)
    if visible is None and marked is None:
        return _film_from_headline(title)
    if visible is None or marked is None:
        return visible or marked
    # Markup wins where it says something; the visible table fills its gaps.
    return Film(
        title=marked.title,
        year=marked.year or visible.year,
        director=marked.director or visible.director,
        cast=marked.cast or visible.cast,
    )


def _film_from_details(blocks: Iterable[Block]) -> Film | None:
    found: dict[str, str] = {}
    for block in blocks:
        match = _DETAIL_LINE.match(block.text) if len(block.text) < 200 else None
        if not match:
            continue
        key = match.group(1).strip().lower()
        for field_name, keys in _DETAIL_KEYS.items():
            if key in keys and field_name not in found:
                found[field_name] = match.group(2)
    if "title" not in found or len(found) < 2:
        return None  # a lone "Title:" line is not a film's details
    cast = tuple(
        name.strip()
        for name in re.split(r",|\s+and\s+|;", _CAST_TRAILERS.sub("", found.get("cast", "")))
        if name.strip()
    )
    return Film(title=found["title"], year=_year(found.get("year", "")), director=found.get("director"), cast=cast)


def _film_from_headline(title: str | None) -> Film | None:
    """ "'Leaving Las Vegas' (1995) - Movie Review": only a headline that says review names a film."""
    if not title or "review" not in title.lower():
        return None
    match = _REVIEW_HEADLINE.match(title)
    if not match:
        return None
    return Film(title=match.group("title").strip(), year=int(match.group("year")))


def _year(text: str) -> int | None:
    match = re.search(r"\b(18[89]\d|19\d\d|20\d\d)\b", text)
    return int(match.group(1)) if match else None


_RATING_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"(?P<value>\d+(?:[.,]\d+)?)\s*(?:out of|/|of)\s*(?P<best>\d+)\s*stars?\b", re.IGNORECASE),
    re.compile(
        r"\b(?:rating|score|verdict|grade)\s*:?\s*(?P<value>\d+(?:[.,]\d+)?)\s*(?:/|out of)\s*(?P<best>\d+)",
        re.IGNORECASE,
    ),
    re.compile(r"^(?P<value>\d+(?:[.,]\d+)?)\s*(?:/|out of)\s*(?P<best>5|10|100)(?:\s*stars?)?$", re.IGNORECASE),
)
_STAR_GLYPHS = re.compile(r"^(?:rating\s*:?\s*)?(?P<full>★+)(?P<half>½|⯪)?(?P<empty>☆*)$", re.IGNORECASE)


def visible_rating(blocks: Iterable[Block], widget_texts: list[str]) -> Rating | None:
    texts = [b.text for b in blocks if len(b.text) < 120] + widget_texts
    for text in texts:
        rating = _rating_in_text(text)
        if rating:
            return rating
    return None


def _rating_in_text(text: str) -> Rating | None:
    compact = text.replace(" ", "")
    stars = _STAR_GLYPHS.match(compact)
    if stars:
        value = len(stars["full"]) + (0.5 if stars["half"] else 0)
        total = len(stars["full"]) + len(stars["empty"]) + (1 if stars["half"] else 0)
        return Rating(value=value, best=float(total if stars["empty"] or stars["half"] else max(total, 5)))
    for pattern in _RATING_PATTERNS:
        match = pattern.search(text)
        if match:
            rating = _rating(match["value"], match["best"])
            if rating:
                return rating
    return None
