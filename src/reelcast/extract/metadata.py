"""The page's metadata: meta tags, JSON-LD and microdata, then the document itself (title, byline, dates)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml.html import HtmlElement

from reelcast.extract import dom
from reelcast.extract.jsonld import image_url, json_ld_article, name_of, person_names
from reelcast.extract.review import (
    film_from_json_ld,
    film_from_microdata,
    rating_from_json_ld,
    rating_from_microdata,
    rating_widget_texts,
)
from reelcast.language import normalise
from reelcast.models import Film, Rating, RawPage


@dataclass(slots=True)
class Meta:
    """What the page says about its article outside the text.

    rating_texts: the words of rating widgets, read for a rating when none is marked up.
    """

    title: str | None = None
    byline: str | None = None
    published: datetime | None = None
    modified: datetime | None = None
    site_name: str | None = None
    language: str | None = None
    canonical_url: str | None = None
    description: str | None = None
    lead_image: str | None = None
    base_url: str | None = None
    film: Film | None = None
    rating: Rating | None = None
    rating_texts: list[str] = field(default_factory=list)


# Meta keys in order of trust (Readability's order: Dublin Core, then Open Graph, then the rest).
TITLE_KEYS = (
    "dc:title",
    "dcterm:title",
    "og:title",
    "weibo:article:title",
    "weibo:webpage:title",
    "title",
    "twitter:title",
    "parsely-title",
)
BYLINE_KEYS = ("dc:creator", "dcterm:creator", "author", "parsely-author", "article:author", "byl")
DESCRIPTION_KEYS = (
    "dc:description",
    "dcterm:description",
    "og:description",
    "weibo:article:description",
    "description",
    "twitter:description",
)
IMAGE_KEYS = ("og:image", "og:image:url", "twitter:image", "twitter:image:src")
PUBLISHED_KEYS = ("article:published_time", "parsely-pub-date", "datepublished", "dc:date", "date", "pubdate")


def page_metadata(doc: HtmlElement, page: RawPage) -> Meta:
    metas = _meta_values(doc)
    ld = json_ld_article(doc)
    base = _base_url(doc, page)

    def first(*keys: str) -> str | None:
        return next((metas[k] for k in keys if metas.get(k)), None)

    meta = Meta(base_url=base)
    meta.title = _json_ld_title(ld, doc) or first(*TITLE_KEYS) or _title_from_document(doc)
    meta.byline = person_names(ld.get("author")) or first(*BYLINE_KEYS) or _rel_author(doc)
    if meta.byline and meta.byline.startswith(("http://", "https://")):
        meta.byline = _rel_author(doc)  # article:author is often a profile URL, not a name
    meta.published = _date(ld.get("datePublished")) or _date(first(*PUBLISHED_KEYS)) or _time_element(doc)
    meta.modified = _date(ld.get("dateModified")) or _date(
        first("article:modified_time", "og:updated_time", "datemodified")
    )
    meta.site_name = dom.clean(name_of(ld.get("publisher"))) or first("og:site_name", "application-name")
    meta.language = _declared_language(
        doc.get("lang"), ld.get("inLanguage"), first("content-language", "og:locale", "dc:language"),
        page.content_language,
    )
    meta.description = dom.clean(ld.get("description")) or first(*DESCRIPTION_KEYS)
    images = [image_url(ld.get("image"))] + [metas.get(k) for k in IMAGE_KEYS]
    meta.lead_image = next(filter(None, (web_url(image, base) for image in images)), None)
    canonicals = [doc.xpath("string(//link[@rel='canonical'][1]/@href)"), metas.get("og:url")]
    meta.canonical_url = next(filter(None, (web_url(url, base) for url in canonicals)), None) or page.url
    reviewed = ld.get("itemReviewed")
    meta.film = film_from_json_ld(reviewed) if isinstance(reviewed, dict) else film_from_microdata(doc)
    meta.rating = rating_from_json_ld(ld.get("reviewRating")) or rating_from_microdata(doc)
    meta.rating_texts = rating_widget_texts(doc)
    return meta


def _declared_language(*candidates: Any) -> str | None:
    """The first candidate that is a language tag: `<html lang>`, JSON-LD inLanguage, meta tags, the
    Content-Language header (its first tag). JSON-LD may give a Language object instead of a tag."""
    for candidate in candidates:
        if isinstance(candidate, dict):
            candidate = candidate.get("alternateName") or candidate.get("name")
        if isinstance(candidate, str) and (tag := normalise(candidate.split(",")[0])):
            return tag
    return None


def _json_ld_title(ld: dict[str, Any], doc: HtmlElement) -> str | None:
    """Readability's rule: sites put their own name in "name" or a teaser in "headline"; trust the one like <title>."""
    name, headline = dom.clean(ld.get("name")), dom.clean(ld.get("headline"))
    if name and headline and name != headline:
        title = _title_from_document(doc) or ""
        if dom.similarity(headline, title) > 0.75 >= dom.similarity(name, title):
            return headline
        return name
    return name or headline


def _meta_values(doc: HtmlElement) -> dict[str, str]:
    values: dict[str, str] = {}
    for node in doc.iter("meta"):
        content = dom.clean(node.get("content"))
        if not content:
            continue
        for key in (node.get("property") or "").split() + [
            node.get("name") or "",
            node.get("itemprop") or "",
            node.get("http-equiv") or "",
        ]:
            if key:
                # "DC.Title" and "dc:title" are the same key to every reader of meta tags.
                values.setdefault(re.sub(r"\s+", "", key).lower().replace(".", ":"), content)
    return values


def _base_url(doc: HtmlElement, page: RawPage) -> str | None:
    return web_url(doc.xpath("string(//base[@href][1]/@href)"), page.url) or page.url


_TITLE_SEPARATORS = re.compile(r" [|\-–—\\/>»] ")
_HIERARCHY_SEPARATORS = re.compile(r" [\\/>»] ")


def _title_from_document(doc: HtmlElement) -> str | None:
    """Readability's rules for "Headline - Site" titles: drop the site part unless too little is left."""
    original = dom.clean(doc.findtext(".//title")) or ""
    title = original
    hierarchical = False
    separators = list(_TITLE_SEPARATORS.finditer(original))
    if separators:
        hierarchical = _HIERARCHY_SEPARATORS.search(original) is not None
        title = original[: separators[-1].start()]
        if len(title.split()) < 3:
            title = re.sub(r"^[^|\-–—\\/>»]*[|\-–—\\/>»]", "", original)
    elif ": " in title:
        if not any(dom.text(h) == title for h in doc.iter("h1", "h2")):
            title = original[original.rfind(":") + 1 :]
            if len(title.split()) < 3:
                title = original[original.find(":") + 1 :]
            elif len(original[: original.find(":")].split()) > 5:
                title = original
    elif len(title) > 150 or len(title) < 15:
        h1s = list(doc.iter("h1"))
        if len(h1s) == 1:
            title = dom.text(h1s[0])
    title = " ".join(title.split())
    words = len(title.split())
    if words <= 4 and (not hierarchical or words != len(_TITLE_SEPARATORS.sub(" ", original).split()) - 1):
        title = original
    return title or None


def _rel_author(doc: HtmlElement) -> str | None:
    for node in doc.xpath("//*[@rel='author' or contains(@itemprop, 'author')]"):
        name = dom.clean(re.sub(r"^\s*by\s+", "", dom.text(node), flags=re.IGNORECASE))
        if name and len(name) < 100:
            return name
    return None


def _time_element(doc: HtmlElement) -> datetime | None:
    for node in doc.iter("time"):
        stamp = _date(node.get("datetime"))
        if stamp:
            return stamp
    return None


def _date(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(" ", "T", 1) if re.match(r"^\d{4}-\d\d-\d\d \d", value.strip()) else value.strip()
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        match = re.match(r"^(\d{4}-\d\d-\d\d)", text)
        return datetime.fromisoformat(match.group(1)) if match else None


def first_image(content: HtmlElement, base: str | None) -> str | None:
    """The article's first image on the web (not data:): the lead image when the markup names none."""
    for img in content.iter("img"):
        src = web_url(img.get("src"), base) or web_url(img.get("data-src"), base)
        if src:
            return src
    return None


def web_url(value: str | None, base: str | None) -> str | None:
    """`value` resolved against `base` if it is then an absolute http(s) URL; else None.

    Whatever we keep ends up as a link in the feed and on the listening page, so a page's
    javascript:, data: or file: address (or a relative one with nothing to resolve it against)
    must never get through.
    """
    if not value or not value.strip():
        return None
    try:
        parts = urlsplit(urljoin(base or "", value.strip()))
    except ValueError:  # a malformed address, such as an unclosed IPv6 bracket
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    return urlunsplit(parts)
