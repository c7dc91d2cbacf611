"""A backlog: the review pages a site lists (in a file, its RSS or Atom feed, or its sitemap), which
of them to publish (not in the catalog yet, --match, --since, --limit), and what became of each.

Reading the listings goes through fetch.py like every page; parsing them is pure.
"""

from __future__ import annotations

import gzip
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from lxml import etree

from reelcast.errors import FetchError
from reelcast.models import Episode, RawPage

log = logging.getLogger(__name__)

SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
MAX_SITEMAPS = 50  # a sitemap index names sitemaps; a site with more than this is asked for one of them
_GZIP_MAGIC = b"\x1f\x8b"


class Status(StrEnum):
    PUBLISHED = "published"  # a new episode, or one whose audio or details changed
    UNCHANGED = "unchanged"  # already in the catalog, left as it is
    SKIPPED = "skipped"  # not taken: outside --match, before --since, beyond --limit
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Outcome:
    page: str
    status: Status
    episode: Episode | None = None
    reason: str = ""  # why it was skipped, unchanged or failed


@dataclass(frozen=True, slots=True)
class Candidate:
    address: str
    date: datetime | None = None  # as the listing dates it, if it does


# Where candidates come from ------------------------------------------------------------------------


def from_lines(text: str) -> list[Candidate]:
    """One URL or path a line; blank lines and lines starting with # are left out."""
    return [Candidate(line.strip()) for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def from_feed(listing: RawPage) -> list[Candidate]:
    """The entries of an RSS or Atom feed, by their link, dated as the feed dates them."""
    import feedparser  # here: 40 ms that a publish of one page does not need

    parsed = feedparser.parse(listing.content, response_headers={"content-location": listing.url or ""})
    if not parsed.entries:
        why = f" ({parsed.bozo_exception})" if parsed.get("bozo") else ""
        raise FetchError(f"{listing.source} is not a feed with entries{why}; give the address of the site's "
                         "RSS or Atom feed")
    candidates = []
    for entry in parsed.entries:
        link = entry.get("link")
        if not link:
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        date = datetime(*when[:6], tzinfo=UTC) if when else None
        candidates.append(Candidate(urljoin(listing.url or "", link), date))
    return candidates


def from_sitemap(listing: RawPage, read: Callable[[str], RawPage]) -> list[Candidate]:
    """The pages of a sitemap, or of every sitemap a sitemap index names (read with `read`)."""
    candidates: list[Candidate] = []
    pending, seen = [listing], set()
    while pending:
        current = pending.pop(0)
        root = _sitemap_root(current)
        if root.tag == f"{{{SITEMAP_NS}}}sitemapindex":
            for loc, _ in _locs(root, "sitemap"):
                if loc not in seen:
                    seen.add(loc)
                    if len(seen) > MAX_SITEMAPS:
                        raise FetchError(f"{listing.source} names over {MAX_SITEMAPS} sitemaps; "
                                         "give one of them with --from-sitemap")
                    pending.append(read(loc))
        else:
            candidates.extend(Candidate(loc, when) for loc, when in _locs(root, "url"))
    return candidates


def _sitemap_root(listing: RawPage) -> etree._Element:
    content = listing.content
    if content.startswith(_GZIP_MAGIC):
        try:
            content = gzip.decompress(content)
        except (OSError, EOFError) as exc:
            raise FetchError(f"{listing.source} is a broken gzip file ({exc})") from exc
    try:
        root = etree.fromstring(content, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False))
    except etree.XMLSyntaxError as exc:
        raise FetchError(f"{listing.source} is not a sitemap (not XML: {exc})") from exc
    if root.tag not in (f"{{{SITEMAP_NS}}}urlset", f"{{{SITEMAP_NS}}}sitemapindex"):
        raise FetchError(f"{listing.source} is not a sitemap (its root is <{etree.QName(root).localname}>); "
                         "give the address of the site's sitemap.xml")
    return root


def _locs(root: etree._Element, kind: str) -> Iterable[tuple[str, datetime | None]]:
    for node in root.iterfind(f"{{{SITEMAP_NS}}}{kind}"):
        loc = (node.findtext(f"{{{SITEMAP_NS}}}loc") or "").strip()
        if loc:
            yield loc, _w3c_date((node.findtext(f"{{{SITEMAP_NS}}}lastmod") or "").strip())


def _w3c_date(text: str) -> datetime | None:
    """A sitemap's lastmod (2024-05-01, or with a time and zone); None when it has none or it is bad."""
    if not text:
        return None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


# Which to publish ----------------------------------------------------------------------------------


def normalized(address: str) -> str:
    """An address as the catalog is compared with: no fragment, scheme and host in lower case, no
    trailing slash; a path stays as it is."""
    address = address.strip()
    if not address.lower().startswith(("http://", "https://")):
        return address
    parts = urlsplit(address)
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, parts.query, ""))


def known_addresses(episodes: Iterable[Episode]) -> set[str]:
    """Every address an episode is known by: where it was read from, and its canonical URL."""
    return {normalized(a) for e in episodes for a in (e.source, e.link) if a}


def choose(
    candidates: Sequence[Candidate],
    known: set[str],
    *,
    match: str | None = None,
    since: datetime | None = None,
    limit: int | None = None,
) -> tuple[list[str], list[Outcome]]:
    """The addresses to publish, in the listing's order, and what was left alone and why."""
    pattern = re.compile(match) if match else None
    todo: list[str] = []
    left: list[Outcome] = []
    seen: set[str] = set()
    for candidate in candidates:
        address, key = candidate.address, normalized(candidate.address)
        if key in seen:
            continue
        seen.add(key)
        if pattern and not pattern.search(address):
            left.append(Outcome(address, Status.SKIPPED, reason="does not match --match"))
        elif since and candidate.date and candidate.date < since:
            left.append(Outcome(address, Status.SKIPPED, reason=f"dated {candidate.date:%Y-%m-%d}, before --since"))
        elif key in known:
            left.append(Outcome(address, Status.UNCHANGED, reason="already published"))
        elif limit is not None and len(todo) >= limit:
            left.append(Outcome(address, Status.SKIPPED, reason=f"beyond --limit {limit}"))
        else:
            todo.append(address)
    return todo, left


def read_lines(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FetchError(f"{path} cannot be read ({exc}); give a text file with one URL or path a line") from exc
