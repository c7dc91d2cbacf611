"""Reading a review: its page, then its article. Light to import: the extractors load on first use.

A publish reads its first page ahead (`read_ahead`): the page is read at once, and its article
extracted in a child process while the command loads the audio, speech and feed libraries it will
need next, so the two costs overlap on two cores instead of adding up.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from functools import partial
from typing import BinaryIO

from reelcast.aside import Aside
from reelcast.errors import ReelcastError
from reelcast.fetch import read_page
from reelcast.models import Article, RawPage


def extract(page: RawPage) -> Article:
    # Imported on first use: the extractors (bs4, trafilatura) are a fifth of a second that the
    # commands working on what is published (feed, list, remove, check) do not need.
    from reelcast.extract import extract as extract_article

    return extract_article(page)


def read_article(source: str, stdin: BinaryIO | None = None) -> Article:
    return extract(read_page(source, stdin=stdin))


class PageReading:
    """The page at `source`, read now, and its article: extracted beside this process from now on
    if `ahead`, otherwise when it is asked for. (Not extract.Reading, which is a page as both
    extractors read it, inside the extraction.) What goes wrong is raised where a publish would
    have met it: an unreadable page by `page()`, a page with no article by `article()`."""

    def __init__(self, source: str, stdin: BinaryIO | None = None, *, ahead: bool = False) -> None:
        self.source = source
        self._page: RawPage | ReelcastError
        self._article: Aside[Article] | None = None
        try:
            self._page = read_page(source, stdin=stdin)
        except ReelcastError as exc:
            self._page = exc
        else:
            self._article = Aside(partial(extract, self._page), beside=ahead)

    def page(self) -> RawPage:
        if isinstance(self._page, ReelcastError):
            raise self._page
        return self._page

    def article(self) -> Article:
        page = self.page()
        assert self._article is not None, f"{page.source} was read, so its extraction was started"
        return self._article.result()

    def close(self) -> None:
        """End the extraction if its article was never asked for (the page was published already)."""
        if self._article is not None:
            self._article.close()


@contextlib.contextmanager
def read_ahead(source: str, stdin: BinaryIO | None = None) -> Iterator[PageReading]:
    reading = PageReading(source, stdin, ahead=True)
    try:
        yield reading
    finally:
        reading.close()
