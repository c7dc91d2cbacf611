"""Blocks: the chosen container, flattened into headings, paragraphs, list items and quotes, without
the lines a listener must never hear (page furniture, teaser lists, pull quotes)."""

from __future__ import annotations

from lxml.html import HtmlElement

from reelcast.extract import dom
from reelcast.extract.hints import AD_WORDS, CHROME_LINE_MAX, CHROME_LINES, COPYRIGHT_LINE, TEASER_HEADINGS
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
        self.text(node.text)
        for child in node:
            self.write(child)
            self.text(child.tail)

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

    def flush(self) -> None:
        text = " ".join("".join(self.parts).split())
        self.parts = []
        if text:
            self.blocks.append(Block(self.kind, text, self.level))


def _blocks(content: HtmlElement) -> list[Block]:
    writer = _BlockWriter()
    writer.write(content)
    writer.flush()
    return writer.blocks


def article_blocks(content: HtmlElement) -> tuple[Block, ...]:
    """The container's blocks in reading order, without page furniture or pull quotes."""
    return _dedupe(_narratable(_blocks(content)))


def _narratable(blocks: list[Block]) -> list[Block]:
    """Drop lines that are page furniture whatever container they sit in."""
    kept: list[Block] = []
    in_teaser_list = False
    for block in blocks:
        if block.kind is BlockKind.HEADING:
            in_teaser_list = TEASER_HEADINGS.match(block.text.rstrip(":")) is not None
            if in_teaser_list:
                continue
        elif in_teaser_list and block.kind is BlockKind.LIST_ITEM:
            continue
        else:
            in_teaser_list = False
        if not _is_chrome_line(block.text):
            kept.append(block)
    while kept and kept[-1].kind is BlockKind.HEADING:
        kept.pop()  # a heading with nothing under it introduces something we removed
    return kept


def _is_chrome_line(text: str) -> bool:
    if len(text) > CHROME_LINE_MAX:
        return False
    return AD_WORDS.match(text) is not None or _is_copyright(text) or any(p.search(text) for p in CHROME_LINES)


def _is_copyright(text: str) -> bool:
    return len(text) < 200 and COPYRIGHT_LINE.match(text) is not None


def _dedupe(blocks: list[Block]) -> tuple[Block, ...]:
    """Never narrate a pull quote: a quote whose words all appear in one of the article's paragraphs."""
    paragraphs = [b.text.lower() for b in blocks if b.kind is BlockKind.PARAGRAPH]
    return tuple(b for b in blocks if b.kind is not BlockKind.QUOTE or not any(b.text.lower() in p for p in paragraphs))
