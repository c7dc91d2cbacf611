"""The episode store: a small SQLite file that keeps what was published between runs."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from reelcast.errors import CatalogError
from reelcast.models import Chapter, Episode

_LOCK_WAIT_S = 30  # another publish holds the lock only while it moves its files into place

# Each entry moves the schema one version on; PRAGMA user_version records how far a file has come.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE episodes (
        guid        TEXT PRIMARY KEY,
        slug        TEXT NOT NULL UNIQUE,
        title       TEXT NOT NULL,
        summary     TEXT NOT NULL,
        source      TEXT NOT NULL,
        link        TEXT,
        author      TEXT,
        published   TEXT NOT NULL,
        audio_file  TEXT NOT NULL,
        size_bytes  INTEGER NOT NULL,
        duration_ms INTEGER NOT NULL,
        chapters    TEXT NOT NULL DEFAULT '[]',
        side_files  TEXT NOT NULL DEFAULT '[]'
    )
    """,
    # Facts about the show that must outlive a change of settings, such as its podcast:guid.
    "CREATE TABLE show (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    # The language the episode is spoken in; NULL (episodes published before) is the show's.
    "ALTER TABLE episodes ADD COLUMN language TEXT",
)


class Catalog:
    def __init__(self, connection: sqlite3.Connection, path: Path) -> None:
        self._db = connection
        self.path = path

    @classmethod
    @contextmanager
    def open(cls, path: Path) -> Iterator[Catalog]:
        try:
            # Autocommit, with transactions begun explicitly: `writing` needs BEGIN IMMEDIATE.
            db = sqlite3.connect(path, isolation_level=None, timeout=_LOCK_WAIT_S)
            db.row_factory = sqlite3.Row
            _migrate(db)
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"{path} is not a reelcast catalog ({exc}); move it away to start a new one") from exc
        try:
            yield cls(db, path)
        finally:
            db.close()

    def get(self, guid: str) -> Episode | None:
        row = self._db.execute("SELECT * FROM episodes WHERE guid = ?", (guid,)).fetchone()
        return _episode(row) if row else None

    def slug_owner(self, slug: str) -> str | None:
        row = self._db.execute("SELECT guid FROM episodes WHERE slug = ?", (slug,)).fetchone()
        return row["guid"] if row else None

    def episodes(self) -> list[Episode]:
        """Newest first, as feeds list them."""
        rows = self._db.execute("SELECT * FROM episodes ORDER BY published DESC, slug").fetchall()
        return [_episode(r) for r in rows]

    def show_title(self, candidate: str | None = None) -> str | None:
        """The title the show was given at its first publish when reelcast.toml names none:
        `candidate` the first time, then always the one stored (None: none chosen yet)."""
        try:
            if candidate:
                self._db.execute("INSERT OR IGNORE INTO show VALUES ('title', ?)", (candidate,))
            row = self._db.execute("SELECT value FROM show WHERE key = 'title'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"could not read the show's title in {self.path}: {exc}") from exc
        return row["value"] if row else None

    def show_guid(self, candidate: str, replacing: Collection[str] = ()) -> str:
        """The show's podcast:guid: `candidate` the first time, then always the one stored, unless
        it is one of `replacing` (a guid no show may keep: see publish.feed.show_identity).

        The namespace derives it from the feed URL, but apps use it to follow a show that moves, so
        changing base_url later must not change it.
        """
        try:
            if replacing:
                marks = ", ".join("?" * len(replacing))
                self._db.execute(f"UPDATE show SET value = ? WHERE key = 'guid' AND value IN ({marks})",
                                 (candidate, *replacing))
            self._db.execute("INSERT OR IGNORE INTO show VALUES ('guid', ?)", (candidate,))
            return self._db.execute("SELECT value FROM show WHERE key = 'guid'").fetchone()["value"]
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"could not record the show's guid in {self.path}: {exc}") from exc

    @contextmanager
    def writing(self) -> Iterator[None]:
        """One writer at a time: SQLite's write lock is taken before anything is read, so two
        publishes cannot pick the same slug or build the feed from each other's stale lists.
        Committed if the body succeeds, rolled back if it raises."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise CatalogError(f"{self.path} is locked by another reelcast ({exc}); try again when it ends") from exc
        try:
            yield
        except BaseException:
            self._db.rollback()
            raise
        try:
            self._db.commit()
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"could not record the episode in {self.path}: {exc}") from exc

    def find(self, key: str) -> Episode | None:
        """The episode with this guid or slug."""
        row = self._db.execute("SELECT * FROM episodes WHERE guid = ? OR slug = ?", (key, key)).fetchone()
        return _episode(row) if row else None

    def updated(self) -> datetime | None:
        """When the list of episodes last changed (the feed's lastBuildDate), or None if never."""
        row = self._db.execute("SELECT value FROM show WHERE key = 'updated'").fetchone()
        return datetime.fromisoformat(row["value"]) if row else None

    def set_updated(self, when: datetime) -> None:
        self._write("INSERT INTO show VALUES ('updated', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (when.isoformat(),))

    def feed_behind(self) -> bool:
        """Whether a change recorded here may not be in the feed yet: set with every change, cleared
        once the feed and page are written from the catalog. Unknown (a catalog from before) is behind."""
        row = self._db.execute("SELECT value FROM show WHERE key = 'feed'").fetchone()
        return row is None or row["value"] != "current"

    def set_feed_behind(self, behind: bool) -> None:
        self._write("INSERT INTO show VALUES ('feed', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    ("behind" if behind else "current",))

    def delete(self, guid: str) -> None:
        self._write("DELETE FROM episodes WHERE guid = ?", (guid,))

    def integrity(self) -> str:
        """SQLite's own verdict on the file: "ok", or what is damaged."""
        return "; ".join(row[0] for row in self._db.execute("PRAGMA integrity_check").fetchall())

    def _write(self, sql: str, values: tuple[object, ...]) -> None:
        try:
            self._db.execute(sql, values)
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"could not write {self.path}: {exc}") from exc

    def put(self, episode: Episode) -> None:
        """Add `episode`, or update the one with its guid. A slug taken by another episode is an error."""
        columns = _columns(episode)
        names = ", ".join(columns)
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c != "guid")
        try:
            self._db.execute(
                f"INSERT INTO episodes ({names}) VALUES ({', '.join('?' * len(columns))}) "
                f"ON CONFLICT(guid) DO UPDATE SET {updates}",
                tuple(columns.values()),
            )
        except sqlite3.IntegrityError as exc:
            raise CatalogError(f"the name {episode.slug!r} belongs to another episode in {self.path}") from exc
        except sqlite3.DatabaseError as exc:
            raise CatalogError(f"could not record the episode in {self.path}: {exc}") from exc


def _columns(episode: Episode) -> dict[str, object]:
    return {
        "guid": episode.guid,
        "slug": episode.slug,
        "title": episode.title,
        "summary": episode.summary,
        "source": episode.source,
        "link": episode.link,
        "author": episode.author,
        "published": episode.published.isoformat(),
        "audio_file": episode.audio_file,
        "size_bytes": episode.size_bytes,
        "duration_ms": episode.duration_ms,
        "chapters": json.dumps([[c.title, c.start_ms, c.end_ms] for c in episode.chapters]),
        "side_files": json.dumps(episode.side_files),
        "language": episode.language,
    }


def _migrate(db: sqlite3.Connection) -> None:
    """Bring the file up to the newest schema, one migration per transaction. The version is read
    under the write lock, so two processes opening a new catalog at once don't both create it."""
    while True:
        db.execute("BEGIN IMMEDIATE")
        try:
            version = db.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise sqlite3.DatabaseError(f"schema version {version} is newer than this reelcast knows")
            if version == len(MIGRATIONS):
                db.rollback()
                return
            db.execute(MIGRATIONS[version])
            db.execute(f"PRAGMA user_version = {version + 1}")
        except BaseException:
            db.rollback()
            raise
        db.commit()


def _episode(row: sqlite3.Row) -> Episode:
    return Episode(
        guid=row["guid"],
        slug=row["slug"],
        title=row["title"],
        summary=row["summary"],
        source=row["source"],
        link=row["link"],
        author=row["author"],
        published=datetime.fromisoformat(row["published"]),
        audio_file=row["audio_file"],
        size_bytes=row["size_bytes"],
        duration_ms=row["duration_ms"],
        chapters=tuple(Chapter(t, s, e) for t, s, e in json.loads(row["chapters"])),
        side_files=tuple(json.loads(row["side_files"])),
        language=row["language"],
    )
