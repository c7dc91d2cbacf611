"""Small helpers over lxml elements and their text, free of any heuristic.

Imported as a module (`dom.text(node)`): bare names like `text` or `link_density` would shadow the
locals that callers give the same names.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from lxml.html import HtmlElement


def text(node: HtmlElement) -> str:
    return " ".join((node.text_content() or "").split())


def clean(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    return text or None


def blank(text: str | None) -> bool:
    return not text or not text.strip()


def match_string(node: HtmlElement) -> str:
    return f"{node.get('class', '')} {node.get('id', '')}"


def next_node(node: HtmlElement, skip_children: bool = False) -> HtmlElement | None:
    if not skip_children:
        for child in node:
            return child
    while node is not None:
        sibling = node.getnext()
        if sibling is not None:
            return sibling
        node = node.getparent()
    return None


def remove_and_next(node: HtmlElement) -> HtmlElement | None:
    nxt = next_node(node, skip_children=True)
    drop(node)
    return nxt


def drop(node: HtmlElement) -> None:
    if node.getparent() is not None:
        node.drop_tree()  # keeps the tail text, which belongs to the parent


def attached(node: HtmlElement, root: HtmlElement) -> bool:
    return any(a is root for a in node.iterancestors())


def ancestors(node: HtmlElement, max_depth: int) -> list[HtmlElement]:
    found = []
    for ancestor in node.iterancestors():
        found.append(ancestor)
        if max_depth and len(found) == max_depth:
            break
    return found


def has_ancestor(node: HtmlElement, tag: str) -> bool:
    return any(a.tag == tag for a in node.iterancestors())


def link_density(node: HtmlElement) -> float:
    length = len(text(node))
    if not length:
        return 0.0
    links = 0.0
    for link in node.iter("a"):
        share = 0.3 if (link.get("href") or "").startswith("#") and len(link.get("href")) > 1 else 1.0
        links += len(text(link)) * share
    return links / length


def text_density(node: HtmlElement, tags: Iterable[str]) -> float:
    length = len(text(node))
    if not length:
        return 0.0
    return sum(len(text(d)) for d in node.iterdescendants(*tags)) / length


def tag_counts(node: HtmlElement) -> dict[str, int]:
    counts = {"p": 0, "img": 0, "li": 0, "input": 0}
    for d in node.iterdescendants("p", "img", "li", "input"):
        counts[d.tag] += 1
    return counts


def has_media(node: HtmlElement) -> bool:
    return any(True for _ in node.iterdescendants("img", "embed", "object", "iframe"))


def remove_all(root: HtmlElement, tags: tuple[str, ...], keep: Callable[[HtmlElement], bool]) -> None:
    for node in list(root.iterdescendants(*tags)):
        if not keep(node):
            drop(node)


def remove_where(root: HtmlElement, condition: Callable[[HtmlElement], bool]) -> None:
    for node in list(root.iterdescendants()):
        if attached(node, root) and condition(node):
            drop(node)


def similarity(a: str, b: str) -> float:
    tokens_a = [t for t in re.split(r"\W+", a.lower()) if t]
    tokens_b = [t for t in re.split(r"\W+", b.lower()) if t]
    if not tokens_a or not tokens_b:
        return 0.0
    unique_b = [t for t in tokens_b if t not in tokens_a]
    return 1 - len(" ".join(unique_b)) / len(" ".join(tokens_b))
