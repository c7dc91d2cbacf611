"""Blocks: the chosen container, flattened into headings, paragraphs, list items and quotes, without
the lines a listener must never hear (page furniture, teaser lists, pull quotes)."""

from __future__ import annotations

from lxml.html import HtmlElement

from reelcast.extract import dom
from reelcast.extract.hints import (
    AD_WORDS,
    BREADCRUMB,
    CAPTION_CREDIT,
    CHROME_LINE_MAX,
    CHROME_LINES,
    COPYRIGHT_LINE,
    CREDIT_CAPTION_MAX,
    FILM_DETAIL_LINE,
    FILM_DETAIL_MIN_LINES,
    PITCH_SENTENCE,
    SENTENCE,
    SENTENCE_END,
    SHARE_WORDS,
    STAR_ROW,
    TEASER_HEADINGS,
    TEASER_ITEM_MAX,
)
from reelcast.models import Block, BlockKind

_BLOCK_TAGS = frozenset(
    {
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "hgroup",
        "hr",
        "li",
        "main",
        "menu",
        "nav",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
        "caption",
        "body",
        "html",
    }
)
_SKIPPED = frozenset(
    {
        "figcaption",
        "script",
        "style",
        "noscript",
        "template",
        "svg",
        "button",
        "select",
        "textarea",
        "input",
        "math",
        "img",
    }
)
_HEADING_LEVELS = {"h1": 2, "h2": 2, "h3": 3, "h4": 4, "h5": 4, "h6": 4}


class _BlockWriter:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.kind = BlockKind.PARAGRAPH
        self.level = 0
        self.links = 0  # how deep inside <a> the writer is
        self.link_chars = 0
        # block text -> the share of it that is link text (a teaser is mostly links, prose rarely)
        self.link_share: dict[str, float] = {}

    def write(self, node: HtmlElement) -> None:
        tag = node.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            return
        if tag == "br":
            self.flush()
        elif tag == "tr":
            self._row(node)
        elif tag == "dl":
            self._definitions(node)
        elif tag in _BLOCK_TAGS:
            self._block(node)
        else:
            self._inline(node)

    def _inline(self, node: HtmlElement) -> None:
        is_link = node.tag == "a"
        self.links += is_link
        self.text(node.text)
        for child in node:
            self.write(child)
            self.text(child.tail)
        self.links -= is_link

    def _block(self, node: HtmlElement) -> None:
        self.flush()
        saved = (self.kind, self.level)
        self.kind, self.level = self._kind_for(node.tag)
        self._inline(node)
        self.flush()
        self.kind, self.level = saved

    def _kind_for(self, tag: str) -> tuple[BlockKind, int]:
        if tag in _HEADING_LEVELS:
            return BlockKind.HEADING, _HEADING_LEVELS[tag]
        if tag in ("li", "dt", "dd"):
            return BlockKind.LIST_ITEM, 0
        if tag == "blockquote":
            return BlockKind.QUOTE, 0
        if self.kind in (BlockKind.QUOTE, BlockKind.LIST_ITEM):
            return self.kind, 0  # paragraphs inside a quote or an item are still the quote or item
        return BlockKind.PARAGRAPH, 0

    def _row(self, row: HtmlElement) -> None:
        """A table row as one readable line: 'Director(s): Mike Figgis'."""
        cells = [dom.text(c) for c in row if c.tag in ("td", "th")]
        cells = [c for c in cells if c]
        nested = any(True for _ in row.iterdescendants("table", "p", "div", "ul", "ol"))
        if nested or not cells:
            self._block(row)
            return
        self.flush()
        first_is_key = len(cells) == 2 and (row[0].tag == "th" or cells[0].endswith(":"))
        if first_is_key and not cells[0].endswith(":"):
            cells[0] += ":"
        self.blocks.append(Block(BlockKind.LIST_ITEM, " ".join(cells)))

    def _definitions(self, dl: HtmlElement) -> None:
        """<dt>Director</dt><dd>Mike Figgis</dd> as one line: 'Director: Mike Figgis'."""
        self.flush()
        term: str | None = None
        for child in dl:
            if child.tag == "dt":
                if term:
                    self.blocks.append(Block(BlockKind.LIST_ITEM, term))
                term = dom.text(child) or None
            elif child.tag == "dd" and term and not any(True for _ in child.iterdescendants(*_BLOCK_TAGS)):
                key = term if term.endswith(":") else f"{term}:"
                self.blocks.append(Block(BlockKind.LIST_ITEM, f"{key} {dom.text(child)}".strip()))
                term = None
            else:
                if term:
                    self.blocks.append(Block(BlockKind.LIST_ITEM, term))
                    term = None
                self.write(child)
        if term:
            self.blocks.append(Block(BlockKind.LIST_ITEM, term))

    def text(self, value: str | None) -> None:
        if value:
            self.parts.append(value)
            if self.links:
                self.link_chars += len(value.strip())

    def flush(self) -> None:
        text = " ".join("".join(self.parts).split())
        self.parts = []
        if text:
            self.blocks.append(Block(self.kind, text, self.level))
            self.link_share[text] = min(1.0, self.link_chars / len(text))
        self.link_chars = 0


def container_blocks(content: HtmlElement) -> tuple[list[Block], dict[str, float]]:
    """Every block of the container in reading order, and the share of each block's text that is links."""
    writer = _BlockWriter()
    writer.write(content)
    writer.flush()
    return writer.blocks, writer.link_share


def article_blocks(content: HtmlElement) -> tuple[Block, ...]:
    """The container's blocks in reading order, without page furniture or pull quotes."""
    return narratable(container_blocks(content)[0])


def narratable(blocks: list[Block]) -> tuple[Block, ...]:
    """Blocks without page furniture, teaser lists or pull quotes, whoever chose them."""
    return _dedupe(_narratable(blocks))


def _narratable(blocks: list[Block]) -> list[Block]:
    """Drop lines that are page furniture whatever container they sit in, and headings left with nothing under them."""
    details = sum(1 for b in blocks if len(b.text) < CHROME_LINE_MAX and FILM_DETAIL_LINE.match(b.text))
    in_details_box = details >= FILM_DETAIL_MIN_LINES
    kept: list[Block] = []
    in_teaser_list = False
    emptied = False  # the last heading kept has lost everything under it so far
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            if emptied and kept and kept[-1].kind is BlockKind.HEADING:
                kept.pop()
            heading = block.text.rstrip(": ")
            in_teaser_list = TEASER_HEADINGS.match(heading) is not None or _is_chrome_line(heading)
            emptied = False
            if not in_teaser_list:
                kept.append(block)
            continue
        if in_teaser_list and _is_teaser_item(block):
            continue
        in_teaser_list = False
        if len(block.text) < CHROME_LINE_MAX and TEASER_HEADINGS.match(block.text.rstrip(": ")):
            in_teaser_list = True  # a teaser label written as a paragraph ("Siehe auch", "Schon gelesen?")
            emptied = emptied or (bool(kept) and kept[-1].kind is BlockKind.HEADING)
            continue
        text = _without_pitches(block.text) if block.kind is BlockKind.PARAGRAPH else block.text
        if text and not _is_chrome_line(text):
            text = _without_credit(text)  # after: a credit line on its own ("Crédit photo : AFP") is chrome whole
        if not text or _is_chrome_line(text) or (in_details_box and FILM_DETAIL_LINE.match(text)):
            emptied = emptied or (bool(kept) and kept[-1].kind is BlockKind.HEADING)
            continue
        emptied = False
        kept.append(block if text == block.text else Block(block.kind, text, block.level))
    while kept and kept[-1].kind is BlockKind.HEADING:
        kept.pop()  # a heading with nothing under it introduces something we removed
    return kept


def _is_teaser_item(block: Block) -> bool:
    if block.kind is BlockKind.LIST_ITEM:
        return True
    return len(block.text) <= TEASER_ITEM_MAX and SENTENCE_END.search(block.text) is None


def _without_pitches(text: str) -> str:
    """A paragraph without the newsletter pitch written as one of its sentences."""
    if not PITCH_SENTENCE.search(text):
        return text
    sentences = SENTENCE.findall(text)
    if not sentences:
        return text
    return "".join(s for s in sentences if not PITCH_SENTENCE.search(s)).strip()


def _without_credit(text: str) -> str:
    """A caption without the photo credit it ends with (the credit alone is a chrome line)."""
    if len(text) > CREDIT_CAPTION_MAX:
        return text
    return CAPTION_CREDIT.sub("", text).rstrip(" |–-") if CAPTION_CREDIT.search(text) else text


def _is_chrome_line(text: str) -> bool:
    if len(text) > CHROME_LINE_MAX:
        return False
    return (
        AD_WORDS.match(text) is not None
        or _is_copyright(text)
        or STAR_ROW.match(text) is not None
        or SHARE_WORDS.match(text) is not None
        or BREADCRUMB.match(text) is not None
        or any(p.search(text) for p in CHROME_LINES)
    )


def _is_copyright(text: str) -> bool:
    return len(text) < 200 and COPYRIGHT_LINE.match(text) is not None


def _dedupe(blocks: list[Block]) -> tuple[Block, ...]:
    """Never narrate a pull quote: a quote whose words all appear in one of the article's paragraphs."""
    paragraphs = [b.text.lower() for b in blocks if b.kind is BlockKind.PARAGRAPH]
    return tuple(b for b in blocks if b.kind is not BlockKind.QUOTE or not any(b.text.lower() in p for p in paragraphs))
