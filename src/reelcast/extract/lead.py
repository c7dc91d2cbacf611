"""The standfirst: the paragraph under the headline that sums the article up, often outside its body.

News and magazine pages set it in the page's header, beside the headline and the byline, so both
readers (ours and trafilatura) miss it when they find the body. The page says which text it is:
its description (og:description, description, JSON-LD) is that paragraph, or its beginning when
cut short. Found before the article's first block, not inside a link, a menu or a footer, and not
already said by the article, it is read as the article's first paragraph.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from reelcast.extract import dom
from reelcast.extract.hints import LEAD_MAX_CHARS, LEAD_MIN_CHARS, LEAD_NEVER_INSIDE, LEAD_PREFIX_CHARS

_CUT_MARKS = ("…", "...", "[…]", "[...]", "(…)", "(...)")


def standfirst(body: HtmlElement, description: str | None, article_start: str) -> str | None:
    """The text of the element that `description` comes from, when it sits before `article_start`
    (the beginning of the article's first block) in `body`; None when there is no such element."""
    summary = _without_cut_mark(" ".join((description or "").split()))
    if len(summary) < LEAD_MIN_CHARS or not article_start:
        return None
    prefix = summary[:LEAD_PREFIX_CHARS]
    if "\u00a0" in prefix:
        return None  # XPath's normalize-space keeps no-break spaces, so the page's text would never match
    found = body.xpath(".//*[starts-with(normalize-space(.), $prefix)]", prefix=prefix)
    if not found:
        return None
    # The innermost element of the first run of matches: the paragraph, not the header holding it.
    node = found[0]
    for other in found[1:]:
        if any(ancestor is node for ancestor in other.iterancestors()):
            node = other
    if any(ancestor.tag in LEAD_NEVER_INSIDE for ancestor in (node, *node.iterancestors())):
        return None
    text = dom.text(node)
    if not LEAD_MIN_CHARS <= len(text) <= LEAD_MAX_CHARS or not (text.startswith(summary) or summary.startswith(text)):
        return None
    page = dom.text(body)
    where, article = page.find(text), page.find(article_start)
    if where < 0 or article < 0 or where >= article:
        return None
    return text


def _without_cut_mark(text: str) -> str:
    for mark in _CUT_MARKS:
        if text.endswith(mark):
            return text[: -len(mark)].rstrip()
    return text
