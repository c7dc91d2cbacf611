"""Property-based: generated and mutated pages through fetch, extract and script (no speech).

Whatever the bytes, reading a page ends in an Article and a Script whose texts a feed can hold, or
in one ReelcastError of one line; never another exception, and within a time and memory bound.
"""

from __future__ import annotations

import time
import tracemalloc
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reelcast.config import Settings
from reelcast.errors import ReelcastError
from reelcast.extract import extract
from reelcast.fetch import read_page
from reelcast.pipeline import prepare_script

from .conftest import EXAMPLE, REPO

SEEDS = sorted((REPO / "tests" / "fixtures").glob("*.html")) + [EXAMPLE]
SEED_BYTES = {path.name: path.read_bytes() for path in SEEDS}
# Per page, far above what the largest seed costs (about 0.5 s and 30 MB on a loaded machine).
MAX_SECONDS = 20.0
MAX_PEAK_MB = 150.0
# What no text from a page may keep: XML 1.0's forbidden characters, C1 controls, bidi overrides.
FORBIDDEN = {chr(c) for c in [*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), *range(0x7F, 0xA0),
                              *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0xFFFE, 0xFFFF]}

_HOSTILE_TEXT = st.sampled_from([
    "\x00", "\x1b[31m", "\u202e", "\u2066", "\ufeff", "\ud800", "&#0;", "&#x1;", "&#8238;", "&#xD800;", "&#1114112;",
    "<![CDATA[", "]]>", "<!--", "-->", "<script>", "</p>", "<p>", "<div>" * 50, "</div>" * 50, "&amp;" * 30,
    "<meta charset='utf-16'>", "<meta charset='x-nonsense'>", "<?xml version='1.0' encoding='latin-1'?>",
    '<script type="application/ld+json">{"@type":"Review","name":"\\u0000\\u202e","author":{"name":' + '"x' * 40,
    "\u00e9", "\u4e2d\u6587", "\U0001f3ac", "  \n\t ", "<h2>Heading</h2>", "<li>item</li>",
    "<blockquote>q</blockquote>",
])


@st.composite
def mutated_page(draw: st.DrawFn) -> bytes:
    """A seed page with a few edits: bytes flipped, chunks cut, duplicated or moved, hostile text put in."""
    data = bytearray(SEED_BYTES[draw(st.sampled_from(sorted(SEED_BYTES)))])
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        edit = draw(st.sampled_from(["flip", "cut", "repeat", "insert", "truncate"]))
        if edit == "flip":
            data[at] = draw(st.integers(0, 255))
        elif edit == "cut":
            del data[at : at + draw(st.integers(1, 2000))]
        elif edit == "repeat":
            chunk = data[at : at + draw(st.integers(1, 500))]
            data[at:at] = chunk * draw(st.integers(1, 20))
        elif edit == "insert":
            data[at:at] = draw(_HOSTILE_TEXT).encode("utf-8", "surrogatepass")
        else:
            del data[at:]
    return bytes(data)


_TAGS = st.sampled_from(["p", "div", "article", "section", "h1", "h2", "li", "ul", "blockquote", "span", "a", "b",
                         "script", "style", "nav", "footer", "figure", "figcaption", "table", "td", "br", "img"])
_WORDS = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=60) | _HOSTILE_TEXT


def _tree(depth: int) -> st.SearchStrategy[str]:
    leaf = _WORDS
    if depth == 0:
        return leaf
    return st.one_of(leaf, st.builds(
        lambda tag, attrs, children: f"<{tag}{attrs}>{''.join(children)}</{tag}>",
        _TAGS, st.sampled_from(["", ' class="content"', ' class="comments"', ' id="article-body"', ' hidden']),
        st.lists(_tree(depth - 1), max_size=5)))


generated_page = st.builds(
    lambda title, body, meta: f"<html><head><title>{title}</title>{meta}</head><body>{body}</body></html>".encode(
        "utf-8", "surrogatepass"),
    _WORDS, _tree(4), st.sampled_from(["", '<meta charset="windows-1252">', '<html lang="fr">',
                                       '<meta name="author" content="\u202eA\x01">']))


def read_bounded(tmp_path: Path, content: bytes) -> None:
    """fetch (from a file), extract and script `content`, checking the bounds and what comes out."""
    page = tmp_path / "page.html"
    page.write_bytes(content)
    tracemalloc.start()
    start = time.monotonic()
    try:
        article = extract(read_page(str(page)))
        script = prepare_script(article, Settings(root=tmp_path))
    except ReelcastError as exc:
        assert "\n" not in str(exc) and str(exc).strip(), repr(exc)
        return
    finally:
        seconds = time.monotonic() - start
        peak = tracemalloc.get_traced_memory()[1] / 1e6
        tracemalloc.stop()
        assert seconds < MAX_SECONDS and peak < MAX_PEAK_MB, (seconds, peak)
    texts = [article.title, article.byline or "", article.description or "", *(b.text for b in article.blocks),
             *(p.text for section in script.sections for p in section.paragraphs), script.title]
    assert script.sections
    for text in texts:
        assert not FORBIDDEN & set(text), repr(text[:200])


_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                         HealthCheck.too_slow])


@_FUZZ
@given(content=mutated_page())
def test_mutated_pages_end_in_a_script_or_one_line(tmp_path: Path, content: bytes) -> None:
    read_bounded(tmp_path, content)


@_FUZZ
@given(content=generated_page)
def test_generated_pages_end_in_a_script_or_one_line(tmp_path: Path, content: bytes) -> None:
    read_bounded(tmp_path, content)


@pytest.mark.parametrize("seed", sorted(SEED_BYTES))
def test_every_seed_reads_within_the_bounds(tmp_path: Path, seed: str) -> None:
    read_bounded(tmp_path, SEED_BYTES[seed])
