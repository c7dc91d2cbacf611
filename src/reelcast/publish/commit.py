"""The one way a show's files change, for publish, `reelcast feed` and `reelcast remove` alike.

Steps, in this order, so that a kill between any two leaves a feed that names only complete files
with their exact lengths:

1. place:  new media go in under new names (a content hash in each name), never over a file that
           the live feed names;
2. record: the catalog is committed: it is the journal, and from here the change is done;
3. feed:   feed/feed.xml is replaced atomically, then
4. page:   feed/index.html;
5. sweep:  files that neither the catalog nor the live feed names are deleted, with stale work folders.

A run that starts after a crash redoes 3-5 from the catalog: a change recorded is finished, one not
recorded is undone (its placed files are swept). All of it happens under one lock per show.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from reelcast.catalog import Catalog
from reelcast.config import Settings
from reelcast.errors import CatalogError, FeedError, ReelcastError
from reelcast.models import Episode
from reelcast.publish.disk import ROOM, write_atomically
from reelcast.publish.feed import FEED_FILE, PODCAST_NS
from reelcast.publish.page import PAGE_FILE
from reelcast.publish.show import RenderedShow, ordered, render_show
from reelcast.publish.sidefiles import EPISODE_FILES, kind_of

log = logging.getLogger(__name__)

LOCK_FILE = ".reelcast.lock"
WORK_PREFIX = ".work-"
_WORK_LOCK = ".lock"
_LOCK_WAIT_S = 60.0  # another reelcast holds the lock only while it commits (seconds), not while it speaks
_UNLOCKED_WORK_AGE_S = 600.0  # a work folder whose lock file is not there yet is new, not stale


@dataclass(frozen=True, slots=True)
class Change:
    """What one commit does: add or replace an episode (with its files, staged in a work folder,
    by the name each will have), or remove one by guid. Neither: the show is rewritten as it is."""

    put: Episode | None = None
    staged: Mapping[str, Path] = field(default_factory=dict)
    remove: str | None = None


@contextlib.contextmanager
def show_lock(settings: Settings) -> Iterator[None]:
    """One committer at a time per show folder. An flock: the kernel drops it when its process dies,
    however it dies, so a killed publish never leaves the show locked."""
    try:
        settings.root.mkdir(parents=True, exist_ok=True)
        handle = (settings.root / LOCK_FILE).open("a+b")
    except OSError as exc:
        raise CatalogError(f"cannot lock {settings.root}: {exc.strerror or exc}; make the folder writable") from exc
    with handle:
        deadline = time.monotonic() + _LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise CatalogError(f"{settings.root} is busy with another reelcast; "
                                       "try again when it ends") from None
                time.sleep(0.05)
        yield


@contextlib.contextmanager
def open_show(settings: Settings, *, recovering: bool = True) -> Iterator[Catalog]:
    """The show locked and its catalog open, with whatever a crashed run left finished or undone
    (not inside a batch, whose catalog is ahead of its feed until the batch ends)."""
    with show_lock(settings), Catalog.open(settings.catalog_path) as catalog:
        if recovering:
            recover(settings, catalog)
        yield catalog


@contextlib.contextmanager
def work_folder(settings: Settings) -> Iterator[Path]:
    """A private folder beside the episodes (so the final moves are renames on one filesystem),
    held by a lock that tells the next run whether its owner is still alive."""
    try:
        settings.episodes_dir.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(dir=settings.episodes_dir, prefix=WORK_PREFIX))
    except OSError as exc:
        raise FeedError(f"cannot make a work folder in {settings.episodes_dir}: {exc.strerror or exc}; "
                        f"{ROOM}") from exc
    try:
        with (work / _WORK_LOCK).open("wb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


# The commit ----------------------------------------------------------------------------------------


def commit(settings: Settings, catalog: Catalog, change: Change, *, write_feed: bool = True) -> bool:
    """Apply `change` to the show; True if the catalog changed. Call under `open_show`.

    With `write_feed` False (inside a batch) the feed and page are left for one `refresh` at the end.
    """
    before, updated_before = catalog.episodes(), catalog.updated()
    after = _after(before, change)
    changed = after != before
    updated = datetime.now(UTC).replace(microsecond=0) if changed else updated_before
    # Rendered before anything moves: a feed or page that cannot be built leaves nothing published.
    rendered = render_show(settings, after, catalog, updated, _locator(settings, change.staged))
    try:
        place(settings, change.staged)
        if changed:
            record(catalog, change, updated)
    except BaseException:
        sweep(settings, before)  # undo what was placed: nothing names it
        raise
    if write_feed:
        previous_feed = _read(settings.feed_dir / FEED_FILE)
        try:
            write_show(settings, rendered)
        except ReelcastError:
            # The disk filled up or a folder is read-only: put the catalog (and the feed, if it was
            # replaced before the page failed) back as they were, so the previous show stands whole.
            if changed:
                _undo(catalog, before, change, updated_before)
                if previous_feed is not None and _read(settings.feed_dir / FEED_FILE) != previous_feed:
                    _restore(settings.feed_dir / FEED_FILE, previous_feed)
                sweep(settings, before)
            raise
        _mark_current(catalog)
        sweep(settings, after)
    return changed


def refresh(settings: Settings, catalog: Catalog) -> bool:
    """Steps 3-5 from the catalog as it is: the feed and page rewritten if they differ, stray files
    swept. True if the feed changed. Call under `open_show` (or `show_lock`)."""
    episodes = catalog.episodes()
    if not episodes and not (settings.feed_dir / FEED_FILE).exists():
        sweep(settings, episodes)  # a failed first publish leaves no show
        return False
    rendered = render_show(settings, episodes, catalog, catalog.updated(), _locator(settings, {}))
    changed = write_show(settings, rendered)
    _mark_current(catalog)
    sweep(settings, episodes)
    return changed


def rewrite_show(settings: Settings) -> bool:
    """`refresh` under the show's lock, its errors raised (the end of a batch: the feed must be written)."""
    with show_lock(settings), Catalog.open(settings.catalog_path) as catalog:
        return refresh(settings, catalog)


def recover(settings: Settings, catalog: Catalog) -> None:
    """Finish a change the catalog recorded, undo one it did not (a crashed or killed run).

    When the catalog says its last change reached the feed, only the sweep is left to do: the feed
    and page are not rendered again for nothing (for a show of 5,000 episodes that took seconds)."""
    if not catalog.feed_behind() and (settings.feed_dir / FEED_FILE).is_file():
        sweep(settings, catalog.episodes())
        return
    try:
        refresh(settings, catalog)
    except ReelcastError as exc:
        # The run that follows reports what is wrong; recovery must not stand in its way.
        log.warning("could not bring the feed up to date with the catalog first: %s", exc)


def place(settings: Settings, staged: Mapping[str, Path]) -> None:
    """Step 1: move each staged file to its final name. A name already there holds the same bytes
    (the name is their hash), so it is left as it is, mtime and all."""
    for name, path in staged.items():
        place_file(path, settings.episodes_dir / name)


def place_file(path: Path, target: Path) -> None:
    if target.exists():
        return
    try:
        with path.open("rb") as staged:
            os.fsync(staged.fileno())  # the bytes are on disk before any catalog names them
        os.replace(path, target)
    except OSError as exc:
        raise FeedError(f"could not put {target.name} in {target.parent}: {exc.strerror or exc}; {ROOM}") from exc


def record(catalog: Catalog, change: Change, updated: datetime | None) -> None:
    """Step 2: the catalog's one transaction; from here the change is done."""
    with catalog.writing():
        if change.put:
            catalog.put(change.put)
        if change.remove:
            catalog.delete(change.remove)
        if updated:
            catalog.set_updated(updated)
        catalog.set_feed_behind(True)  # the journal: until the feed is written, the next run finishes it


def write_show(settings: Settings, rendered: RenderedShow) -> bool:
    """Steps 3 and 4: feed first, since apps read it; each replaced whole, and only if it differs."""
    changed = False
    for name, data in ((FEED_FILE, rendered.feed), (PAGE_FILE, rendered.page)):
        path = settings.feed_dir / name
        if _read(path) != data:
            write_atomically(path, data)
            changed = True
    return changed


def sweep(settings: Settings, episodes: list[Episode]) -> list[str]:
    """Step 5: delete episode files that no episode owns and the live feed does not name, half-written
    files, and work folders whose owner is gone. Returns the names deleted."""
    keep = owned_files(episodes) | feed_names(settings)
    deleted = []
    episodes_dir = settings.episodes_dir
    for path in _entries(episodes_dir) + _entries(settings.feed_dir):
        name = path.name
        if name.startswith(WORK_PREFIX) and path.is_dir():
            if _abandoned(path):
                shutil.rmtree(path, ignore_errors=True)
                deleted.append(name)
        elif name.startswith(".") and name.endswith(".part"):
            path.unlink(missing_ok=True)  # under the show lock, no writer is mid-way
            deleted.append(name)
        elif path.parent == episodes_dir and kind_of(name) in EPISODE_FILES and name not in keep:
            try:
                path.unlink(missing_ok=True)
            except OSError as exc:
                log.warning("could not delete %s, which nothing names any more: %s", path, exc)
                continue
            deleted.append(name)
    if deleted:
        log.info("removed %s", ", ".join(sorted(deleted)))
    return deleted


def owned_files(episodes: list[Episode]) -> set[str]:
    return {name for e in episodes for name in (e.audio_file, *e.side_files)}


def feed_names(settings: Settings) -> set[str]:
    """The file names the live feed points at (enclosures, chapters, transcripts), whatever its base URL."""
    path = settings.feed_dir / FEED_FILE
    if not path.is_file():
        return set()
    try:
        root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
    except etree.XMLSyntaxError:
        return set()
    tags = ("enclosure", f"{{{PODCAST_NS}}}chapters", f"{{{PODCAST_NS}}}transcript")
    urls = [e.get("url", "") for e in root.iter(*tags)]
    return {unquote(urlsplit(url).path.rsplit("/", 1)[-1]) for url in urls if url}


def stale_work_folders(settings: Settings) -> list[Path]:
    return [p for p in _entries(settings.episodes_dir) if p.name.startswith(WORK_PREFIX) and _abandoned(p)]


def _abandoned(work: Path) -> bool:
    lock = work / _WORK_LOCK
    try:
        handle = lock.open("rb")
    except FileNotFoundError:
        try:
            return time.time() - work.stat().st_mtime > _UNLOCKED_WORK_AGE_S
        except OSError:
            return False
    except OSError:
        return False
    with handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return False  # its publish is still speaking
        return True


def _mark_current(catalog: Catalog) -> None:
    """The feed and page now show the catalog as it is. Not fatal if it cannot be said: the next
    run then renders them again, which is only slower."""
    try:
        with catalog.writing():
            catalog.set_feed_behind(False)
    except ReelcastError as exc:
        log.warning("could not note in the catalog that the feed is up to date: %s", exc)


def _after(before: list[Episode], change: Change) -> list[Episode]:
    guids = {change.remove, change.put.guid if change.put else None}
    kept = [e for e in before if e.guid not in guids]
    return ordered([*kept, change.put] if change.put else kept)


def _undo(catalog: Catalog, before: list[Episode], change: Change, updated: datetime | None) -> None:
    """Put the catalog back as it was when the feed could not be written, so it agrees with the
    previous feed; if even that fails, the next run finishes the change instead."""
    previous = {e.guid: e for e in before}
    try:
        with catalog.writing():
            if updated:
                catalog.set_updated(updated)
            for guid in {change.remove, change.put.guid if change.put else None} - {None}:
                if guid in previous:
                    catalog.put(previous[guid])
                else:
                    catalog.delete(guid)
    except ReelcastError as exc:
        log.warning("the catalog could not be put back (%s); the next run will finish the change", exc)


def _restore(path: Path, data: bytes) -> None:
    try:
        write_atomically(path, data)
    except ReelcastError as exc:
        log.warning("the previous feed could not be put back (%s); the next run rewrites it", exc)


def _locator(settings: Settings, staged: Mapping[str, Path]) -> Callable[[str], Path]:
    return lambda name: staged.get(name) or settings.episodes_dir / name


def _entries(folder: Path) -> list[Path]:
    try:
        return [folder / name for name in sorted(os.listdir(folder))]  # names sort ten times faster than Paths
    except OSError:
        return []


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
