"""Listing and index pages: of several entries in a row, the one the page is about.

A blog's archive or a tag page saved as "the review" holds several posts, each a heading and its
text. Narrating all of them in a row is wrong: the page names the one it is about by its title or
its canonical address, so that entry alone is the article. A page with one entry is left as it is.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from lxml.html import HtmlElement

from reelcast.extract import dom
from reelcast.extract.hints import (
    ENTRY,
    ENTRY_MIN_CHARS,
    ENTRY_MIN_PARAGRAPHS,
    ENTRY_SHARE_OF_PAGE,
    ENTRY_TITLE_SIMILARITY,
)


def entry_of_page(content: HtmlElement, title: str | None, canonical_url: str | None) -> HtmlElement | None:
    """The entry the page is about, when `content` holds two or more; else None."""
    entries = _outermost(n for n in content.iterdescendants() if _is_entry(n))
    if len(entries) < 2 or sum(len(dom.text(e)) for e in entries) < ENTRY_SHARE_OF_PAGE * _visible_length(content):
        return None
    if canonical_url:
        path = urlsplit(canonical_url).path.rstrip("/")
        for entry in entries:
            for link in _heading_links(entry):
                href = urlsplit(link.get("href") or "").path.rstrip("/")
                if path and href == path:
                    return entry
    if title:
        scored = [(dom.similarity(title, _heading(entry)), entry) for entry in entries]
        best, entry = max(scored, key=lambda pair: pair[0])
        if best > ENTRY_TITLE_SIMILARITY and sum(s > ENTRY_TITLE_SIMILARITY for s, _ in scored) == 1:
            return entry
    return None


def _visible_length(root: HtmlElement) -> int:
    return len(" ".join(" ".join(root.xpath(".//text()[not(ancestor::script or ancestor::style)]")).split()))


def _is_entry(node: HtmlElement) -> bool:
    """A post in a listing: an <article> or h-entry whose heading links to its own page, with text under it."""
    if not isinstance(node.tag, str):
        return False
    if node.tag != "article" and not ENTRY.search(node.get("class") or ""):
        return False
    heading = _heading(node)
    if not heading or not _heading_links(node) or len(dom.text(node)) - len(heading) < ENTRY_MIN_CHARS:
        return False
    return sum(len(dom.text(p)) >= 40 for p in node.iter("p")) >= ENTRY_MIN_PARAGRAPHS


def _outermost(nodes) -> list[HtmlElement]:
    found: list[HtmlElement] = []
    for node in nodes:
        if not any(a in found for a in node.iterancestors()):
            found.append(node)
    return found


def _heading(entry: HtmlElement) -> str:
    heading = next(entry.iter("h1", "h2", "h3"), None)
    return dom.text(heading) if heading is not None else ""


def _heading_links(entry: HtmlElement) -> list[HtmlElement]:
    heading = next(entry.iter("h1", "h2", "h3"), None)
    return list(heading.iter("a")) if heading is not None else []
