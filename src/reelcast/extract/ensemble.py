"""Two extractors, one article: reelcast's blocks and trafilatura's, kept by agreement.

Every block either extractor chose is a candidate, and a small model (boosted decision trees)
decides whether it is part of the article: whether both extractors chose it, where it sits
(between agreed blocks, or before or after them), whether it came from the part of the page we
took for the article, how long it is, how much of it is link text, whether it ends like a
sentence, and how much the two extractors agree overall (when they barely agree, one of them found
the wrong part of the page). The model is data (ensemble.json), fitted by bench/train_extractor.py
on the development corpora; the features are general, none names a site.

The page's standfirst (lead.py), found by its description above the body where both readers
miss it, is a candidate of its own that is always kept.

Agreement is by words, not exact text: the two extractors split and join inline text differently,
so a block counts as agreed when nearly all its words are in the other extractor's text.
"""

from __future__ import annotations

import json
import math
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from reelcast.extract import dom
from reelcast.extract.hints import (
    AGREEMENT,
    MERGE_WINDOW,
    OURS_CONFIRMED,
    SENTENCE_END,
    THEIRS_FROM_ELSEWHERE,
    TITLE_SIMILARITY,
)
from reelcast.models import Block, BlockKind

_WORD = re.compile(r"[^\W_]+")


class Source(StrEnum):
    BOTH = "both"
    OURS = "reelcast"
    THEIRS = "trafilatura"
    LEAD = "standfirst"  # the page's standfirst (lead.py), kept whatever the model says


@dataclass(frozen=True, slots=True)
class Candidate:
    block: Block
    source: Source
    link_share: float  # share of the block's text that is link text
    in_our_part: bool = True  # their block is inside the part of the page we took for the article
    under_title: bool = False  # their block follows their heading that says the page's title (see under_title)


# A tree node: (feature index, threshold, left, right) for a split, (-1, value, 0, 0) for a leaf;
# a row goes left when its feature is <= the threshold.
Node = tuple[int, float, int, int]


@dataclass(frozen=True, slots=True)
class Model:
    """Boosted decision trees over `features()` (FEATURES order): the sum of their leaves, plus `base`,
    is the log-odds that a candidate belongs to the article. A candidate is kept above its source's
    threshold (a log-odds): an agreed block or one of ours needs strong evidence to go, because
    our own reading holds up well where it was developed; one of theirs needs an even chance."""

    trees: tuple[tuple[Node, ...], ...]
    base: float = 0.0
    thresholds: tuple[tuple[Source, float], ...] = ((Source.BOTH, -2.0), (Source.OURS, -1.0), (Source.THEIRS, 0.0))

    def score(self, row: Sequence[float]) -> float:
        total = self.base
        for tree in self.trees:
            node = tree[0]
            while node[0] >= 0:
                node = tree[node[2] if row[node[0]] <= node[1] else node[3]]
            total += node[1]
        return total

    def keeps(self, candidate: Candidate, row: Sequence[float]) -> bool:
        if candidate.source is Source.LEAD:
            return True
        if left_out(candidate, row):
            return False
        return self.score(row) > dict(self.thresholds)[candidate.source]


FEATURES = (
    "bias",
    "only ours",
    "only theirs",
    "between agreed blocks",
    "log length",
    "over 100 characters",
    "over 250 characters",
    "ends like a sentence",
    "list item",
    "heading",
    "distance from the agreed blocks",
    "agreed share of theirs",
    "agreed share of ours",
    "only theirs x agreed share of theirs",
    "only ours x agreed share of ours",
    "only theirs x between",
    "only ours x between",
    "link share",
    "only theirs x link share",
    "only ours x link share",
    "nothing agreed",
    "has a comma",
    "digit share",
    "only theirs x outside our part",
    "both",
    "both x log length",
    "both x link share",
    "both x ends like a sentence",
    "short and not a sentence",
    "mostly links",
    "relative position",
    "first or last block",
    "log length of our article",
    "only theirs x log length of our article",
    "only theirs x outside our part x between",
    "only theirs x agreed share of ours",
    "their extra text per our text",
)


_AGREED_THEIRS = FEATURES.index("agreed share of theirs")
_AGREED_OURS = FEATURES.index("agreed share of ours")
_BETWEEN = FEATURES.index("between agreed blocks")


def left_out(candidate: Candidate, row: Sequence[float]) -> bool:
    """A block of theirs the model is never asked about, because where it sits says it is not the article.

    Both rules are about a block of theirs from outside the part of the page we took for the article.
    When we agree on most of their text, they found our article plus that block: a teaser or a list
    beside it. When they confirm nearly all of ours and the block sits between blocks we agree on,
    our reading was whole and the block is one interrupting it from elsewhere in the page (a
    "related" teaser or a news feed set between paragraphs of the body).
    """
    if candidate.source is not Source.THEIRS or candidate.in_our_part or candidate.under_title:
        return False
    if row[_AGREED_THEIRS] >= THEIRS_FROM_ELSEWHERE:
        return True
    return bool(row[_BETWEEN]) and row[_AGREED_OURS] >= OURS_CONFIRMED


@cache
def default_model() -> Model:
    data = json.loads(resources.files("reelcast.extract").joinpath("ensemble.json").read_text(encoding="utf-8"))
    if tuple(data["features"]) != FEATURES:
        raise RuntimeError("ensemble.json was fitted for other features: run bench/train_extractor.py")
    trees = tuple(tuple(tuple(node) for node in tree) for tree in data["trees"])
    thresholds = tuple((Source(name), value) for name, value in data["thresholds"].items())
    return Model(trees, data["base"], thresholds)


def their_blocks(html: str) -> list[tuple[Block, float]]:
    """trafilatura's article as blocks, each with its link share; [] when it finds none."""
    import trafilatura  # imported here: it takes a quarter of a second, and only extraction needs it

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            document = trafilatura.bare_extraction(
                html, include_comments=False, include_tables=True, include_links=True, with_metadata=False
            )
        except Exception:  # a failure of the second opinion leaves our own reading standing
            return []
    body = getattr(document, "body", None)
    if body is None:
        return []
    found: list[tuple[Block, float]] = []
    for node in body.iter("p", "head", "item", "quote", "row", "code"):
        if node.getparent() is not None and node.getparent().tag in ("item", "quote", "cell"):
            continue  # written with its container
        # cells are joined by a space, like ours; inline text as it stands
        pieces = (" ".join(c.itertext()) for c in node) if node.tag == "row" else node.itertext()
        text = " ".join("".join(pieces).split()) if node.tag != "row" else " ".join(" ".join(pieces).split())
        if not text:
            continue
        kind = {"head": BlockKind.HEADING, "item": BlockKind.LIST_ITEM, "quote": BlockKind.QUOTE}.get(
            node.tag, BlockKind.LIST_ITEM if node.tag == "row" else BlockKind.PARAGRAPH
        )
        links = sum(len(" ".join("".join(r.itertext()).split())) for r in node.iter("ref"))
        found.append((Block(kind, text, 2 if kind is BlockKind.HEADING else 0), min(1.0, links / len(text))))
    return found


def merge(
    ours: Sequence[tuple[Block, float]], theirs: Sequence[tuple[Block, float]], our_part: str = ""
) -> list[Candidate]:
    """Both readings in one sequence, in our order, each of their blocks placed after the last agreed one before it.

    `our_part` is the text of the part of the page we took for the article, before it was cleaned:
    a block of theirs from inside it is one we threw out, a block from elsewhere is one we never saw.
    A block of theirs whose words we already have (split or joined another way) is left out.
    """
    their_words = set(_words(" ".join(b.text for b, _ in theirs)))
    our_words = set(_words(" ".join(b.text for b, _ in ours)))
    our_keys = [_key(b.text) for b, _ in ours]
    part = _key(our_part)
    after: dict[int, list[Candidate]] = {}
    last = -1
    exact: dict[str, int] = {}
    for i, k in enumerate(our_keys):
        exact.setdefault(k, i)
    for block, share in theirs:
        key = _key(block.text)
        hit = exact.get(key)
        if hit is None:
            # Both read in page order: a block split or joined differently is near the last match.
            # Looking only there keeps a page of 100,000 paragraphs linear.
            start = max(last - MERGE_WINDOW // 4, 0)
            hit = next(
                (i for i in range(start, min(start + MERGE_WINDOW, len(our_keys))) if _contains(our_keys[i], key)), None
            )
        if hit is not None:
            last = max(last, hit)
        elif not _mostly_in(_words(key), our_words):
            after.setdefault(last, []).append(Candidate(block, Source.THEIRS, share, key in part))
    merged = list(after.get(-1, []))
    for i, (block, share) in enumerate(ours):
        agreed = _mostly_in(_words(our_keys[i]), their_words)
        merged.append(Candidate(block, Source.BOTH if agreed else Source.OURS, share))
        merged.extend(after.get(i, []))
    return merged


def with_standfirst(candidates: list[Candidate], lead: str) -> list[Candidate]:
    """`candidates` with the standfirst `lead` before our first block: one of theirs that says it becomes
    it; nothing changes when our blocks already say it (a description made of the first paragraph)."""
    ours = [c for c in candidates if c.source in (Source.BOTH, Source.OURS)]
    if not ours or _mostly_in(_words(lead), set(_words(" ".join(c.block.text for c in ours)))):
        return candidates
    key = _key(lead)
    theirs = [i for i, c in enumerate(candidates) if c.source is Source.THEIRS and _contains(key, _key(c.block.text))]
    if theirs:
        changed = list(candidates)
        for i in theirs:
            changed[i] = replace(candidates[i], source=Source.LEAD, in_our_part=False)
        return changed
    first = candidates.index(ours[0])
    standfirst = Candidate(Block(BlockKind.PARAGRAPH, lead), Source.LEAD, 0.0, False)
    return [*candidates[:first], standfirst, *candidates[first:]]


def under_title(candidates: list[Candidate], title: str | None) -> list[Candidate]:
    """`candidates`, their blocks from outside our part marked when they follow a heading of theirs that
    says the page's title, up to their next heading or our first block: the beginning of the article,
    which our reader missed (it took a later part of the page, or the list that ends it). The rules
    of `left_out` do not apply to them; the model decides."""
    if not title:
        return candidates
    marked = list(candidates)
    inside = False
    for i, c in enumerate(candidates):
        if c.source is not Source.THEIRS or c.in_our_part:
            if c.source in (Source.BOTH, Source.OURS):
                inside = False
            continue
        if c.block.kind is BlockKind.HEADING:
            inside = dom.similarity(title, c.block.text) >= TITLE_SIMILARITY
        elif inside:
            marked[i] = replace(c, under_title=True)
    return marked


def _contains(ours: str, theirs: str) -> bool:
    return theirs in ours or (bool(ours) and ours in theirs)


def _mostly_in(words: list[str], other: set[str]) -> bool:
    return bool(words) and sum(w in other for w in words) / len(words) >= AGREEMENT


def features(candidates: Sequence[Candidate]) -> list[tuple[float, ...]]:
    agreed = [i for i, c in enumerate(candidates) if c.source is Source.BOTH]
    first, last = (agreed[0], agreed[-1]) if agreed else (len(candidates), -1)

    def length(*sources: Source) -> int:
        return sum(len(c.block.text) for c in candidates if c.source in sources)

    both = length(Source.BOTH)
    share_theirs = both / max(length(Source.BOTH, Source.THEIRS), 1)
    share_ours = both / max(length(Source.BOTH, Source.OURS), 1)
    our_length = length(Source.BOTH, Source.OURS)
    our_log = math.log1p(our_length) / 10
    extra = min(length(Source.THEIRS) / max(our_length, 1), 4.0) / 4
    rows = []
    for i, c in enumerate(candidates):
        text = c.block.text
        size = len(text)
        theirs, ours = float(c.source is Source.THEIRS), float(c.source is Source.OURS)
        both_ = float(c.source is Source.BOTH)
        sentence = float(SENTENCE_END.search(text) is not None)
        between = float(first < i < last)
        distance = 0 if between else (first - i if i < first else i - last)
        log_length = math.log1p(size) / 6
        rows.append(
            (
                1.0,
                ours,
                theirs,
                between,
                log_length,
                float(size > 100),
                float(size > 250),
                sentence,
                float(c.block.kind is BlockKind.LIST_ITEM),
                float(c.block.kind is BlockKind.HEADING),
                min(distance, 20) / 20,
                share_theirs,
                share_ours,
                theirs * share_theirs,
                ours * share_ours,
                theirs * between,
                ours * between,
                c.link_share,
                theirs * c.link_share,
                ours * c.link_share,
                float(not agreed),
                float("," in text),
                sum(ch.isdigit() for ch in text) / max(size, 1),
                theirs * (not c.in_our_part),
                both_,
                both_ * log_length,
                both_ * c.link_share,
                both_ * sentence,
                float(size < 60 and not sentence),
                float(c.link_share > 0.5),
                i / max(len(candidates) - 1, 1),
                float(i in (0, len(candidates) - 1)),
                our_log,
                theirs * our_log,
                theirs * (not c.in_our_part) * between,
                theirs * share_ours,
                extra,
            )
        )
    return rows


def choose(candidates: Sequence[Candidate], model: Model) -> list[Block]:
    """The candidates the model keeps, in order."""
    rows = features(candidates)
    return [c.block for c, row in zip(candidates, rows, strict=True) if model.keeps(c, row)]


def model_as_json(model: Model, about: dict[str, Any]) -> str:
    return json.dumps(
        {
            **about,
            "features": list(FEATURES),
            "base": round(model.base, 6),
            "thresholds": {source.value: value for source, value in model.thresholds},
            "trees": [[[f, round(t, 6), left, right] for f, t, left, right in tree] for tree in model.trees],
        },
        separators=(",", ":"),
        ensure_ascii=False,
    )


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())
