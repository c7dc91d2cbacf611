"""schema.org JSON-LD: the page's article (or review) object and the values read from it."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from lxml.html import HtmlElement

from reelcast.extract import dom

_ARTICLE_TYPES = frozenset(
    {
        "Article",
        "NewsArticle",
        "BlogPosting",
        "Review",
        "CriticReview",
        "ReportageNewsArticle",
        "AnalysisNewsArticle",
        "OpinionNewsArticle",
        "ReviewNewsArticle",
        "TechArticle",
        "ScholarlyArticle",
        "SocialMediaPosting",
        "LiveBlogPosting",
        "Report",
        "WebPage",
        "MediaReviewItem",
        "UserReview",
    }
)


def json_ld_article(doc: HtmlElement) -> dict[str, Any]:
    """The first JSON-LD object of an article or review type; a Review wins over a plain Article."""
    found: list[dict[str, Any]] = []
    for script in doc.xpath("//script[@type='application/ld+json']"):
        try:
            data = json.loads(_CDATA.sub("", script.text or ""))
        except ValueError:
            continue
        found.extend(obj for obj in _json_ld_objects(data) if types(obj) & _ARTICLE_TYPES)
    reviews = [obj for obj in found if types(obj) & {"Review", "CriticReview", "UserReview"}]
    if reviews and found and reviews[0] is not found[0]:
        # A page with both an Article and a Review describes one piece: merge, article fields first.
        return {**reviews[0], **{k: v for k, v in found[0].items() if v}}
    return found[0] if found else {}


_CDATA = re.compile(r"^\s*(//|/\*)?\s*<!\[CDATA\[(\s*\*/)?|(//|/\*)?\s*\]\]>(\s*\*/)?\s*$")


def _json_ld_objects(data: Any) -> Iterator[dict[str, Any]]:
    if isinstance(data, list):
        for item in data:
            yield from _json_ld_objects(item)
    elif isinstance(data, dict):
        yield data
        yield from _json_ld_objects(data.get("@graph", []))


def types(obj: dict[str, Any]) -> set[str]:
    kind = obj.get("@type", ())
    return {kind} if isinstance(kind, str) else {k for k in kind if isinstance(k, str)}


def name_of(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        return value.get("name") if isinstance(value.get("name"), str) else None
    return value if isinstance(value, str) else None


def person_names(value: Any) -> str | None:
    items = value if isinstance(value, list) else [value]
    names = [dom.clean(name_of(item)) for item in items]
    names = [n for n in names if n and not n.startswith(("http://", "https://"))]
    return ", ".join(dict.fromkeys(names)) or None


def image_url(value: Any) -> str | None:
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("url") or value.get("contentUrl")
    return value.strip() if isinstance(value, str) and value.strip() else None
