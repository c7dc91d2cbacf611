"""RawPage -> Article: the review's own words in order, without the page's chrome, plus its metadata.

Finding the article follows Mozilla Readability's scoring (the reference our benchmark is measured
against): paragraphs score their ancestors by length and commas, class/id hints push containers up
or down, link-dense and widget-like parts are cleaned out, and siblings of the winner that look like
more of the same are joined. On top of that come the parts a listener must never hear (captions,
author bios, "read more" boxes, copyright lines) and the review metadata (film, rating).

Pure: no IO. Parsing uses lxml directly because the corpus has 1 MB pages and the bench allows at
most twice trafilatura's time; bs4's encoding detector decides the charset.

The stages, one module each: decode (bytes -> text -> lxml document), metadata (meta tags, JSON-LD,
title, byline, dates; jsonld reads the schema.org objects), readability (the article's container,
driven by the tables in hints), blocks (container -> Blocks, without furniture lines or pull quotes),
lead (the standfirst the page's header holds) and review (the film and the rating). dom holds the
small tree helpers they share.
"""

from __future__ import annotations

import copy
import re
from dataclasses import asdict, dataclass
from typing import Any

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from reelcast.errors import ExtractError
from reelcast.extract import dom
from reelcast.extract.blocks import container_blocks, narratable
from reelcast.extract.clean import clean_article
from reelcast.extract.decode import decode_html, looks_binary, parse_html, without_soft_hyphens
from reelcast.extract.ensemble import (
    Candidate,
    Model,
    choose,
    default_model,
    merge,
    their_blocks,
    under_title,
    with_standfirst,
)
from reelcast.extract.entries import entry_of_page
from reelcast.extract.hints import (
    LEAD_PREFIX_CHARS,
    MAX_LINK_DENSITY,
    MAX_PAGE_CHARS,
    MAX_PAGE_ELEMENTS,
    MIN_ARTICLE_TOKENS,
)
from reelcast.extract.lead import standfirst
from reelcast.extract.metadata import Meta, first_image, page_metadata
from reelcast.extract.readability import grab_article
from reelcast.extract.review import film, visible_rating
from reelcast.language import article_language
from reelcast.models import Article, Block, BlockKind, RawPage

__all__ = ["Reading", "article_as_dict", "article_as_text", "decode_html", "extract", "read_page"]


def extract(page: RawPage) -> Article:
    """Find the article in `page`: its blocks in reading order and its metadata."""
    refuse_non_page(page)
    return read_page(page).article(default_model())


_FEED_START = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:rss|feed|rdf:RDF)[\s>]", re.S
)
_ANY_TAG = re.compile(rb"<(?:!doctype|html|head|body|article|main|div|p|h[1-6]|section|span|title|meta)[\s>/]", re.I)


def refuse_non_page(page: RawPage) -> None:
    """A feed or a plain text file is not a review page: say so before reading it as one (an RSS
    file read as HTML becomes an episode of its item titles). Text and Markdown are refused on
    purpose: they carry no title, author, date or film for the intro, the feed and the art."""
    head = page.content[:4096]
    kind = (page.content_type or "").split(";")[0].strip().lower()
    if _FEED_START.match(head) or kind in ("application/rss+xml", "application/atom+xml"):
        raise ExtractError(f"{page.source} is a feed (RSS or Atom), not a review page; to publish the "
                           f"reviews it lists, run: reelcast publish --from-feed {page.source}")
    named_text = page.source.lower().endswith((".txt", ".text", ".md", ".markdown"))
    if (named_text or kind in ("text/plain", "text/markdown")) and not _ANY_TAG.search(page.content[:65536]):
        raise ExtractError(f"{page.source} is plain text (or Markdown), not a web page; reelcast reads "
                           "review pages in HTML: give the review's address, or save the page as HTML")


@dataclass(frozen=True, slots=True)
class Reading:
    """A page read by both extractors, before the model chooses between their blocks.

    Split from `extract` so that bench/ can fit the model on some pages and judge it on others
    without reading every page again.
    """

    page: RawPage
    meta: Meta
    content: HtmlElement
    candidates: tuple[Candidate, ...]

    def article(self, model: Model) -> Article:
        return _article(self.page, self.meta, self.content, tuple(choose(self.candidates, model)))


def read_page(page: RawPage) -> Reading:
    text = _decode(page)
    doc = _parse(page, text)
    meta = page_metadata(doc, page)
    body = doc.find("body")
    if body is None:
        raise _no_article(page, "the page has no body")
    entry = entry_of_page(body, meta.title, meta.canonical_url)
    if entry is not None:  # a listing page: the entry it is about is the article, not all of them in a row
        body = _alone(entry)
        text = lxml.html.tostring(body, encoding="unicode")  # and trafilatura reads that entry alone too
    grabbed = grab_article(body, title=meta.title)
    content = grabbed.content
    meta.byline = meta.byline or grabbed.byline or None
    if dom.link_density(content) > MAX_LINK_DENSITY:
        raise _no_article(page, "it is mostly links, like a home page or an index")
    blocks, link_share = container_blocks(content)
    ours = [(b, link_share.get(b.text, 0.0)) for b in blocks]
    candidates = under_title(merge(ours, their_blocks(text), grabbed.uncleaned_text), meta.title)
    lead = standfirst(body, meta.description, blocks[0].text[:LEAD_PREFIX_CHARS] if blocks else "")
    if lead:
        candidates = with_standfirst(candidates, lead)
    return Reading(page, meta, content, tuple(candidates))


def _alone(entry: HtmlElement) -> HtmlElement:
    """A body holding nothing but `entry`."""
    body = entry.makeelement("body", {})
    body.append(copy.deepcopy(entry))
    body[0].tail = None
    return body


def _article(page: RawPage, meta: Meta, content: HtmlElement, chosen: tuple[Block, ...]) -> Article:
    # The film and the rating are read from every chosen block; the details box and the star row
    # that say them are then left out of what is narrated (the intro says them once).
    blocks = narratable(list(chosen))
    if _token_count(" ".join(b.text for b in blocks)) < MIN_ARTICLE_TOKENS:
        raise _no_article(page, "nothing on it reads as an article")
    article = Article(
        source=page.source,
        title=meta.title or short_title(blocks[0].text),
        blocks=blocks,
        byline=meta.byline,
        published=meta.published,
        modified=meta.modified,
        site_name=meta.site_name,
        # The declaration, unless the text clearly says otherwise (a site template's lang="en").
        language=article_language(meta.language, " ".join(b.text for b in blocks)),
        canonical_url=meta.canonical_url,
        description=meta.description,
        lead_image=meta.lead_image or first_image(content, meta.base_url),
        film=film(meta.film, meta.title, chosen),
        rating=meta.rating or visible_rating(chosen, meta.rating_texts),
    )
    return clean_article(article)


def article_as_text(article: Article) -> str:
    """The headline, then every block in order, a blank line between them."""
    lines = [article.title] + [_block_line(block) for block in article.blocks]
    return "\n\n".join(lines) + "\n"


def article_as_dict(article: Article) -> dict[str, Any]:
    """A JSON-friendly view: enums as their values, datetimes as ISO 8601."""
    data = asdict(article)
    data["blocks"] = [
        {"kind": b.kind.value, "text": b.text, **({"level": b.level} if b.kind is BlockKind.HEADING else {})}
        for b in article.blocks
    ]
    for key in ("published", "modified"):
        value = getattr(article, key)
        data[key] = value.isoformat() if value else None
    if article.film is not None:
        data["film"]["cast"] = list(article.film.cast)
    return data


def _block_line(block: Block) -> str:
    return f"- {block.text}" if block.kind is BlockKind.LIST_ITEM else block.text


def _no_article(page: RawPage, why: str) -> ExtractError:
    name = "standard input" if page.source == "-" else page.source
    return ExtractError(
        f"no article text found in {name} ({why}); give the address of the review itself, "
        "not a home page, search page or login wall"
    )


def _decode(page: RawPage) -> str:
    text = without_soft_hyphens(decode_html(page.content, page.content_type))
    if not text.strip():
        raise _no_article(page, "the page is empty")
    if looks_binary(text):
        raise _no_article(page, "it is binary data, not a web page")
    if len(text) > MAX_PAGE_CHARS:
        raise _too_big(page, f"{len(text):,} characters", f"{MAX_PAGE_CHARS:,}")
    return text


def _parse(page: RawPage, text: str) -> HtmlElement:
    try:
        doc = parse_html(text)
    except (etree.ParserError, ValueError) as exc:
        raise _no_article(page, f"it could not be parsed as HTML: {exc}") from exc
    elements = sum(1 for _ in doc.iter())
    if elements > MAX_PAGE_ELEMENTS:
        raise _too_big(page, f"{elements:,} HTML elements", f"{MAX_PAGE_ELEMENTS:,}")
    return doc


def _too_big(page: RawPage, size: str, limit: str) -> ExtractError:
    name = "standard input" if page.source == "-" else page.source
    return ExtractError(
        f"{name} has {size}, over the {limit} a review page can have; save just the review's text as HTML and pass that"
    )


_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uac00-\ud7af"
_TOKEN = re.compile(f"[{_CJK}]|[^\\W_{_CJK}]+")


def _token_count(text: str) -> int:
    return sum(1 for _ in _TOKEN.finditer(text))


_TITLE_CHARS = 80  # a title an app shows on one or two lines


def short_title(text: str) -> str:
    """A title for a page that names none: its first sentence, cut at a word when long - never
    a whole paragraph read out in the intro and the outro."""
    first = re.split(r"(?<=[.!?])\s+(?=[\"'“‘(]?[A-Z0-9])", " ".join(text.split()), maxsplit=1)[0]
    if len(first) <= _TITLE_CHARS:
        return first.rstrip(".")
    return first[:_TITLE_CHARS].rsplit(" ", 1)[0].rstrip(",;:.—–-") + "…"
