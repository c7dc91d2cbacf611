"""The SQLite episode store: round trips, the show's stored guid, and migrating older files."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest

from reelcast.catalog import MIGRATIONS, Catalog
from reelcast.errors import CatalogError

from .conftest import sample_episode


def test_an_episode_round_trips(tmp_path: Path) -> None:
    episode = sample_episode()
    with Catalog.open(tmp_path / "reelcast.db") as catalog, catalog.writing():
        catalog.put(episode)
    with Catalog.open(tmp_path / "reelcast.db") as catalog:
        assert catalog.get(episode.guid) == episode
        assert catalog.episodes() == [episode]


def test_a_failed_write_is_rolled_back(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError), Catalog.open(tmp_path / "reelcast.db") as catalog, catalog.writing():
        catalog.put(sample_episode())
        raise RuntimeError("the feed could not be written")
    with Catalog.open(tmp_path / "reelcast.db") as catalog:
        assert catalog.episodes() == []


def test_another_episode_never_replaces_one_by_taking_its_slug(tmp_path: Path) -> None:
    first = sample_episode()
    other = replace(first, guid="another-guid", title="Another review")
    with Catalog.open(tmp_path / "reelcast.db") as catalog:
        with catalog.writing():
            catalog.put(first)
        with pytest.raises(CatalogError, match="belongs to another episode"), catalog.writing():
            catalog.put(other)
        assert catalog.episodes() == [first]


def test_republishing_updates_the_episode_in_place(tmp_path: Path) -> None:
    first = sample_episode()
    again = replace(first, size_bytes=first.size_bytes + 1)
    with Catalog.open(tmp_path / "reelcast.db") as catalog:
        for episode in (first, again):
            with catalog.writing():
                catalog.put(episode)
        assert catalog.episodes() == [again]


def test_one_writer_at_a_time(tmp_path: Path) -> None:
    path = tmp_path / "reelcast.db"
    with Catalog.open(path) as first, first.writing():
        blocker = sqlite3.connect(path, timeout=0.1, isolation_level=None)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            blocker.execute("BEGIN IMMEDIATE")
        blocker.close()


def test_the_show_guid_is_kept_once_assigned(tmp_path: Path) -> None:
    with Catalog.open(tmp_path / "reelcast.db") as catalog:
        assert catalog.show_guid("first") == "first"
        assert catalog.show_guid("second") == "first"
    with Catalog.open(tmp_path / "reelcast.db") as catalog:
        assert catalog.show_guid("third") == "first"


def test_a_first_version_catalog_is_migrated_and_keeps_its_episodes(tmp_path: Path) -> None:
    path = tmp_path / "reelcast.db"
    db = sqlite3.connect(path)
    db.execute(MIGRATIONS[0])
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO episodes (guid, slug, title, summary, source, published, audio_file, size_bytes, "
               "duration_ms) VALUES ('g', 's', 't', 'sum', 'src', '2019-10-08T12:00:00+00:00', 's.mp3', 1, 2)")
    db.commit()
    db.close()
    with Catalog.open(path) as catalog:
        assert [e.guid for e in catalog.episodes()] == ["g"]
        assert catalog.show_guid("new") == "new"
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)


def test_a_file_that_is_not_a_catalog_says_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "reelcast.db"
    path.write_bytes(b"not sqlite at all" * 100)
    with pytest.raises(CatalogError, match="move it away"), Catalog.open(path):
        pass


def _open_new(path: str) -> None:
    with Catalog.open(Path(path)):
        pass


def test_processes_opening_a_new_catalog_at_once_create_it_once(tmp_path: Path) -> None:
    import multiprocessing

    path = str(tmp_path / "reelcast.db")
    with multiprocessing.get_context("fork").Pool(4) as pool:
        pool.map(_open_new, [path] * 8)  # raises here if one of them found the tables half made
    assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)
