"""The SQLite episode store: round trips, the show's stored guid, and migrating older files."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from reelcast.catalog import MIGRATIONS, Catalog
from reelcast.errors import CatalogError

from .conftest import sample_episode


def test_an_episode_round_trips(tmp_path: Path) -> None:
    episode = sample_episode()
    with Catalog.open(tmp_path / "reelcast.db") as catalog, catalog.saving(episode):
        pass
    with Catalog.open(tmp_path / "reelcast.db") as catalog:
        assert catalog.get(episode.guid) == episode
        assert catalog.episodes() == [episode]


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
