"""Finding the article: Mozilla Readability's _grabArticle and _prepArticle, on lxml.

Paragraphs score their ancestors by length and commas, class/id hints push containers up or down,
the best candidate and its like-scoring siblings are joined, then link-dense and widget-like parts
are cleaned out of the result. Each pass works on a copy of the body; if one finds too little text,
the next relaxes a rule (keep the unlikely, ignore class weights, clean less).
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from reelcast.extract import dom
from reelcast.extract.hints import (
    AD_WORDS,
    ARTICLE_JUNK,
    BYLINE,
    BYLINE_PREFIX,
    CHAR_THRESHOLD,
    COMMAS,
    DIV_TO_P,
    HIDDEN_CLASSES,
    INITIAL_SCORES,
    LOADING_WORDS,
    MAYBE_CANDIDATE,
    NEGATIVE,
    NEVER_NARRATED,
    NEVER_NARRATED_SHARE,
    NOT_CONTENT,
    PHRASING,
    POSITIVE,
    READER,
    SHARE,
    TAGS_TO_SCORE,
    TOP_CANDIDATES,
    UNLIKELY,
    UNLIKELY_ROLES,
    VIDEO_HOSTS,
)


@dataclass(frozen=True, slots=True)
class _Flags:
    strip_unlikely: bool = True
    weight_classes: bool = True
    clean_conditionally: bool = True


_ATTEMPTS = (_Flags(), _Flags(strip_unlikely=False), _Flags(False, False), _Flags(False, False, False))


@dataclass(frozen=True, slots=True)
class Grabbed:
    """The article's element, the byline seen on the way, and the text of the element before it was
    cleaned (what the article's part of the page says, furniture and all)."""

    content: HtmlElement
    byline: str | None
    uncleaned_text: str


def grab_article(body: HtmlElement, *, title: str | None) -> Grabbed:
    """The article's element: the first attempt with enough text, else the longest."""
    _prep_document(body)
    attempts: list[tuple[int, Grabbed]] = []
    for flags in _ATTEMPTS:
        grabber = _Grabber(flags, title)
        content, uncleaned = grabber.grab(copy.deepcopy(body))
        grabbed = Grabbed(content, grabber.byline, uncleaned)
        length = len(dom.text(content))
        if length >= CHAR_THRESHOLD:
            return grabbed
        attempts.append((length, grabbed))
    return max(attempts, key=lambda attempt: attempt[0])[1]


def _prep_document(body: HtmlElement) -> None:
    for node in list(body.iter(*NOT_CONTENT)):
        dom.drop(node)
    for node in list(body.iter("font")):
        node.tag = "span"
    _replace_brs(body)


def _replace_brs(root: HtmlElement) -> None:
    """Two or more <br> in a row end a paragraph: wrap the text that follows them in a <p>."""
    for br in list(root.iter("br")):
        parent = br.getparent()
        if parent is None:
            continue
        replaced = False
        while dom.blank(br.tail) and (nxt := br.getnext()) is not None and nxt.tag == "br":
            br.tail = nxt.tail
            parent.remove(nxt)
            replaced = True
        if not replaced:
            continue
        p = br.makeelement("p", {})
        p.text = br.tail
        br.tail = None
        parent.replace(br, p)
        nxt = p.getnext()
        while nxt is not None and not _starts_br_chain(nxt) and _is_phrasing(nxt):
            p.append(nxt)
            nxt = p.getnext()
        _strip_trailing_brs(p)
        if parent.tag == "p":
            parent.tag = "div"


def _starts_br_chain(node: HtmlElement) -> bool:
    nxt = node.getnext()
    return node.tag == "br" and dom.blank(node.tail) and nxt is not None and nxt.tag == "br"


def _byline_text(node: HtmlElement) -> str:
    """ "By Kelli Miller" -> "Kelli Miller"; a second line (a desk, a date) is not part of the name."""
    first_line = next((line for line in (node.text_content() or "").splitlines() if line.strip()), "")
    return " ".join(BYLINE_PREFIX.sub("", first_line).split())


class _Grabber:
    """One pass of Readability's _grabArticle over a copy of the body."""

    def __init__(self, flags: _Flags, title: str | None) -> None:
        self.flags = flags
        self.title = title
        self.scores: dict[HtmlElement, float] = {}
        self.byline: str | None = None
        self.title_header_removed = False

    def grab(self, body: HtmlElement) -> tuple[HtmlElement, str]:
        to_score = self._walk(body)
        candidates = self._score(to_score)
        top = self._top_candidate(body, candidates)
        content = self._join_siblings(top)
        uncleaned = dom.text(content)
        _Cleaner(self.flags).prepare(content)
        return content, uncleaned

    # -- walking: remove the unlikely, turn text-only divs into paragraphs

    def _walk(self, body: HtmlElement) -> list[HtmlElement]:
        to_score: list[HtmlElement] = []
        node: HtmlElement | None = body
        while node is not None:
            if node is not body and self._should_remove(node):
                node = dom.remove_and_next(node)
                continue
            tag = node.tag
            if tag in TAGS_TO_SCORE:
                to_score.append(node)
            if tag == "div":
                node = self._div_to_paragraphs(node, to_score)
            node = dom.next_node(node)
        return to_score

    def _should_remove(self, node: HtmlElement) -> bool:
        if not _is_visible(node):
            return True
        if node.get("aria-modal") == "true" and node.get("role") == "dialog":
            return True
        match = f"{node.get('class', '')} {node.get('id', '')}"
        if self.byline is None and self._is_byline(node, match):
            self.byline = _byline_text(node)
            return True
        if not self.title_header_removed and self._duplicates_title(node):
            self.title_header_removed = True
            return True
        if self.flags.strip_unlikely:
            if (
                UNLIKELY.search(match)
                and not MAYBE_CANDIDATE.search(match)
                and node.tag not in ("body", "a")
                and not dom.has_ancestor(node, "table")
                and not dom.has_ancestor(node, "code")
            ):
                return True
            if node.get("role") in UNLIKELY_ROLES:
                return True
        if node.tag in READER.empty_removable_tags and _without_content(node):
            return True
        return False

    @staticmethod
    def _is_byline(node: HtmlElement, match: str) -> bool:
        itemprop = node.get("itemprop") or ""
        if node.get("rel") == "author" or "author" in itemprop or BYLINE.search(match):
            text = (node.text_content() or "").strip()
            return 0 < len(text) < READER.byline_max_chars
        return False

    def _duplicates_title(self, node: HtmlElement) -> bool:
        if node.tag not in ("h1", "h2") or not self.title:
            return False
        return dom.similarity(self.title, dom.text(node)) > READER.title_similarity

    def _div_to_paragraphs(self, div: HtmlElement, to_score: list[HtmlElement]) -> HtmlElement:
        _wrap_phrasing_runs(div)
        children = list(div)
        if (
            len(children) == 1
            and children[0].tag == "p"
            and dom.blank(div.text)
            and dom.blank(children[0].tail)
            and dom.link_density(div) < READER.lone_paragraph_max_link_density
        ):
            only = children[0]
            only.tail = div.tail
            # The div's class often says what the paragraph is ("author-bio"): keep it for the cleaner.
            hints = " ".join(filter(None, (div.get("class"), div.get("id"), only.get("class"))))
            if hints:
                only.set("class", hints)
            div.getparent().replace(div, only)
            to_score.append(only)
            return only
        if not any(d.tag in DIV_TO_P for d in div.iterdescendants()):
            div.tag = "p"
            to_score.append(div)
        return div

    # -- scoring

    def _score(self, to_score: list[HtmlElement]) -> list[HtmlElement]:
        candidates: list[HtmlElement] = []
        for node in to_score:
            parent = node.getparent()
            if parent is None:
                continue
            text = dom.text(node)
            if len(text) < READER.min_scored_chars:
                continue
            ancestors = dom.ancestors(node, READER.scored_ancestor_levels)
            if not ancestors:
                continue
            score = 1 + len(COMMAS.split(text)) + min(len(text) // READER.length_bonus_chars, READER.length_bonus_max)
            for level, ancestor in enumerate(ancestors):
                if ancestor.getparent() is None:  # <html> itself is never a candidate
                    continue
                if ancestor not in self.scores:
                    self.scores[ancestor] = self._initial_score(ancestor)
                    candidates.append(ancestor)
                divider = 1 if level == 0 else 2 if level == 1 else level * READER.ancestor_divider
                self.scores[ancestor] += score / divider
        return candidates

    def _initial_score(self, node: HtmlElement) -> float:
        return INITIAL_SCORES.get(node.tag, 0) + _class_weight(node, self.flags)

    def _top_candidate(self, body: HtmlElement, candidates: list[HtmlElement]) -> HtmlElement:
        for node in candidates:
            self.scores[node] *= 1 - dom.link_density(node)
        ranked = sorted(candidates, key=lambda n: self.scores[n], reverse=True)[:TOP_CANDIDATES]
        if not ranked or ranked[0].tag == "body":
            return self._body_as_candidate(body)
        top = self._common_ancestor_of_close_runners_up(ranked)
        top = self._climb_while_score_rises(top)
        parent = top.getparent()
        while parent is not None and parent.tag != "body" and len(parent) == 1:
            top, parent = parent, parent.getparent()
        self.scores.setdefault(top, self._initial_score(top))
        return top

    def _body_as_candidate(self, body: HtmlElement) -> HtmlElement:
        wrapper = body.makeelement("div", {})
        wrapper.text, body.text = body.text, None
        for child in list(body):
            wrapper.append(child)
        body.append(wrapper)
        self.scores[wrapper] = self._initial_score(wrapper)
        return wrapper

    def _common_ancestor_of_close_runners_up(self, ranked: list[HtmlElement]) -> HtmlElement:
        """Three runners-up close to the winner that share an ancestor with it: that ancestor holds the article."""
        top = ranked[0]
        close = [
            set(dom.ancestors(n, 0))
            for n in ranked[1:]
            if self.scores[n] / max(self.scores[top], 1e-9) >= READER.runner_up_share
        ]
        if len(close) < READER.runners_up_needed:
            return top
        parent = top.getparent()
        while parent is not None and parent.tag != "body":
            if sum(parent in ancestors for ancestors in close) >= READER.runners_up_needed:
                return parent
            parent = parent.getparent()
        return top

    def _climb_while_score_rises(self, top: HtmlElement) -> HtmlElement:
        last = self.scores.get(top, 0)
        threshold = last / READER.climb_floor_divisor
        parent = top.getparent()
        while parent is not None and parent.tag != "body":
            if parent not in self.scores:
                parent = parent.getparent()
                continue
            score = self.scores[parent]
            if score < threshold:
                break
            if score > last:
                return parent
            last = score
            parent = parent.getparent()
        return top

    def _join_siblings(self, top: HtmlElement) -> HtmlElement:
        """Siblings that score like the winner (preambles, text split by ads) belong to the article too."""
        content = top.makeelement("div", {})
        parent = top.getparent()
        top_score = self.scores.get(top, 0)
        threshold = max(READER.sibling_min_score, top_score * READER.sibling_score_share)
        top_class = top.get("class", "")
        for sibling in list(parent) if parent is not None else [top]:
            if sibling is top or self._sibling_belongs(sibling, top_class, top_score, threshold):
                tail = sibling.tail
                if sibling.tag not in READER.sibling_tags:
                    sibling.tag = "div"
                content.append(sibling)
                sibling.tail = tail
        return content

    def _sibling_belongs(self, sibling: HtmlElement, top_class: str, top_score: float, threshold: float) -> bool:
        bonus = top_score * READER.sibling_class_bonus if top_class and sibling.get("class", "") == top_class else 0
        if sibling in self.scores and self.scores[sibling] + bonus >= threshold:
            return True
        if sibling.tag != "p":
            return False
        density = dom.link_density(sibling)
        text = dom.text(sibling)
        if len(text) > READER.sibling_long_paragraph_chars:
            return density < READER.sibling_max_link_density
        return 0 < len(text) and density == 0 and re.search(r"\.( |$)", text) is not None


class _Cleaner:
    """Readability's _prepArticle: strip what is inside the chosen container but is not prose."""

    def __init__(self, flags: _Flags) -> None:
        self.flags = flags
        self.data_tables: set[HtmlElement] = set()

    def prepare(self, content: HtmlElement) -> None:
        self._mark_data_tables(content)
        self._clean_conditionally(content, "form")
        self._clean_conditionally(content, "fieldset")
        dom.remove_all(content, ARTICLE_JUNK, keep=_is_video_embed)
        for child in list(content):
            dom.remove_where(
                child, lambda n: bool(SHARE.search(dom.match_string(n))) and len(dom.text(n)) < CHAR_THRESHOLD
            )
        # Guarded by size: a "read-more" wrapper sometimes holds the second half of the article itself.
        budget = len(dom.text(content)) * NEVER_NARRATED_SHARE
        dom.remove_where(
            content, lambda n: bool(NEVER_NARRATED.search(dom.match_string(n))) and len(dom.text(n)) <= budget
        )
        dom.remove_where(content, lambda n: n.tag in ("h1", "h2") and _class_weight(n, self.flags) < 0)
        for tag in ("table", "ul", "div"):
            self._clean_conditionally(content, tag)
        for heading in content.iter("h1"):
            heading.tag = "h2"
        dom.remove_where(content, lambda n: n.tag == "p" and not dom.text(n) and not dom.has_media(n))
        self._unwrap_single_cell_tables(content)

    def _mark_data_tables(self, content: HtmlElement) -> None:
        for table in content.iter("table"):
            if _is_data_table(table):
                self.data_tables.add(table)

    def _unwrap_single_cell_tables(self, content: HtmlElement) -> None:
        for table in list(content.iter("table")):
            rows = table.xpath("./tr|./tbody/tr|./thead/tr|./tfoot/tr")
            cells = rows[0].xpath("./td|./th") if len(rows) == 1 else []
            if len(cells) == 1:
                cell = cells[0]
                cell.tag = "p" if all(_is_phrasing(c) for c in cell) else "div"
                cell.tail = table.tail
                table.getparent().replace(table, cell)

    def _clean_conditionally(self, content: HtmlElement, tag: str) -> None:
        if not self.flags.clean_conditionally:
            return
        # Deepest first, as Readability's reverse walk does: inner junk goes before its container is judged.
        for node in reversed(list(content.iter(tag))):
            if node is content or not dom.attached(node, content):
                continue
            if self._is_junk(node, tag):
                dom.drop(node)

    def _is_junk(self, node: HtmlElement, tag: str) -> bool:
        is_list = tag in ("ul", "ol")
        if not is_list:
            list_length = sum(len(dom.text(lst)) for lst in node.iter("ul", "ol") if lst is not node)
            text_length = len(dom.text(node))
            is_list = text_length > 0 and list_length / text_length > READER.list_share
        if node in self.data_tables or any(t in self.data_tables for t in node.iter("table")):
            return False
        if any(a.tag == "table" and a in self.data_tables or a.tag == "code" for a in node.iterancestors()):
            return False
        weight = _class_weight(node, self.flags)
        if weight < 0:
            return True
        text = dom.text(node)
        if text.count(",") >= READER.commas_keep:
            return False
        counts = dom.tag_counts(node)
        p, img, li, inputs = counts["p"], counts["img"], counts["li"] - READER.list_item_allowance, counts["input"]
        embeds = [e for e in node.iter("object", "embed", "iframe") if e is not node]
        if any(_is_video_embed(e) for e in embeds):
            return False
        if AD_WORDS.match(text) or LOADING_WORDS.match(text):
            return True
        in_figure = any(a.tag == "figure" for a in node.iterancestors())
        link_density = dom.link_density(node)
        heading_density = dom.text_density(node, ("h1", "h2", "h3", "h4", "h5", "h6"))
        text_density = dom.text_density(node, ("span", "li", "td", *DIV_TO_P))
        remove = (
            (not in_figure and img > 1 and p / img < READER.images_per_paragraph)
            or (not is_list and li > p)
            or (inputs > p // READER.inputs_per_paragraphs)
            or (
                not is_list
                and not in_figure
                and heading_density < READER.max_heading_density
                and len(text) < READER.short_text_chars
                and (img == 0 or img > READER.max_images_in_short_text)
                and link_density > 0
            )
            or (not is_list and weight < READER.class_weight and link_density > READER.max_link_density_weak)
            or (weight >= READER.class_weight and link_density > READER.max_link_density_strong)
            or (len(embeds) == 1 and len(text) < READER.lone_embed_min_chars)
            or len(embeds) > 1
            or (img == 0 and text_density == 0)
        )
        if is_list and remove:
            # A simple list of images stays: every item holds one picture.
            if all(len(child) <= 1 for child in node) and img == counts["li"]:
                return False
        return remove


def _is_data_table(table: HtmlElement) -> bool:
    if table.get("role") == "presentation" or table.get("datatable") == "0":
        return False
    if table.get("summary"):
        return True
    caption = table.find("caption")
    if caption is not None and len(caption) > 0:
        return True
    if table.xpath(".//col|.//colgroup|.//tfoot|.//thead|.//th"):
        return True
    if table.xpath(".//table"):
        return False
    rows = table.xpath("./tr|./tbody/tr|./thead/tr|./tfoot/tr")
    columns = max(
        (
            sum(int(c.get("colspan", "1")) if c.get("colspan", "1").isdigit() else 1 for c in row.xpath("./td|./th"))
            for row in rows
        ),
        default=0,
    )
    return (
        len(rows) >= READER.data_table_rows
        or columns > READER.data_table_columns
        or len(rows) * columns > READER.data_table_cells
    )


def _is_visible(node: HtmlElement) -> bool:
    style = (node.get("style") or "").replace(" ", "").lower()
    if "display:none" in style or "visibility:hidden" in style or node.get("hidden") is not None:
        return False
    classes = (node.get("class") or "").lower().split()
    if HIDDEN_CLASSES.intersection(classes):
        return False
    return node.get("aria-hidden") != "true" or "fallback-image" in classes


def _without_content(node: HtmlElement) -> bool:
    if (node.text_content() or "").strip():
        return False
    return all(child.tag in ("br", "hr") for child in node)


def _is_phrasing(node: HtmlElement) -> bool:
    tag = node.tag
    if tag in PHRASING:
        return True
    return tag in ("a", "del", "ins") and all(_is_phrasing(child) for child in node)


def _wrap_phrasing_runs(div: HtmlElement) -> None:
    """Loose text and inline elements between a div's blocks become paragraphs, so they score."""
    p: HtmlElement | None = None
    if not dom.blank(div.text):
        p = div.makeelement("p", {})
        p.text, div.text = div.text, None
        div.insert(0, p)
    for child in list(div):
        if child is p:
            continue
        if _is_phrasing(child):
            if p is not None:
                p.append(child)
            elif child.tag != "br":
                p = div.makeelement("p", {})
                child.addprevious(p)
                p.append(child)
            continue
        if p is not None:
            _strip_trailing_brs(p)
            p = None
        if not dom.blank(child.tail):
            p = div.makeelement("p", {})
            p.text, child.tail = child.tail, None
            child.addnext(p)
    if p is not None:
        _strip_trailing_brs(p)


def _strip_trailing_brs(p: HtmlElement) -> None:
    while len(p) and p[-1].tag == "br" and dom.blank(p[-1].tail):
        p.remove(p[-1])


def _class_weight(node: HtmlElement, flags: _Flags) -> int:
    if not flags.weight_classes:
        return 0
    weight = 0
    for value in (node.get("class"), node.get("id")):
        if value:
            weight -= READER.class_weight if NEGATIVE.search(value) else 0
            weight += READER.class_weight if POSITIVE.search(value) else 0
    return weight


def _is_video_embed(node: HtmlElement) -> bool:
    if node.tag not in ("object", "embed", "iframe"):
        return False
    return any(VIDEO_HOSTS.search(value) for value in node.attrib.values())
