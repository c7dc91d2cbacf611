"""The commit that no kill can tear: a failure or a SIGKILL between any two of its steps leaves a feed
that names only complete files with their exact lengths, and the next publish finishes or undoes it.

The runs here use the stand-in tone engine (the commit does not care what spoke); test_e2e keeps
one real publish end to end.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from lxml import etree

from reelcast import pipeline
from reelcast.catalog import Catalog
from reelcast.config import Settings, load_settings
from reelcast.errors import CatalogError, FeedError, ReelcastError
from reelcast.publish import commit as commit_module
from reelcast.publish.show import render_show

from .conftest import REPO, ToneEngine

NS = {"podcast": "https://podcastindex.org/namespace/1.0"}

# Where a run can stop: after placing each of an episode's four files, after the catalog is
# recorded, after the feed and after the page are replaced, after the sweep.
POINTS = ("place:1", "place:2", "place:3", "place:4", "record", "write:1", "write:2", "sweep")
# Between recording the catalog and replacing the feed, the catalog is ahead of the feed by the one
# change it records: that is the journal the next run finishes from.
CATALOG_AHEAD = {"record"}


def review(tmp_path: Path, name: str, words: str) -> Path:
    """A short review page; `words` changes what is said (and so the audio)."""
    sentence = "The film holds its nerve to the last frame. " * 2
    paragraphs = "".join(f"<p>{words} {n}. {sentence}</p>" for n in range(3))
    title = f"{name.title()}: A Review"
    page = tmp_path / f"{name}.html"
    page.write_text(f"<html><head><title>{title}</title></head><body><article><h1>{title}</h1>{paragraphs}"
                    "</article></body></html>", encoding="utf-8")
    return page


def arm(point: str, action) -> None:  # noqa: ANN001 - called with the step's name
    """Make `action` run right after the commit step `point` (for 'fail:' points, instead of it).
    Armed only inside `commit`, not in the recovery every run starts with."""
    calls: dict[str, int] = {}
    state = {"armed": False}
    original_commit = commit_module.commit

    def armed_commit(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        state["armed"] = True
        try:
            return original_commit(*args, **kwargs)
        finally:
            state["armed"] = False

    def wrap(name: str, function):  # noqa: ANN001, ANN202
        def step(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if not state["armed"]:
                return function(*args, **kwargs)
            calls[name] = calls.get(name, 0) + 1
            here = f"{name}:{calls[name]}"
            if point in (f"fail:{here}", f"fail:{name}"):
                action(here)
            result = function(*args, **kwargs)
            if point in (here, name):
                action(here)
            return result
        return step

    commit_module.commit = armed_commit
    pipeline.commit = armed_commit
    commit_module.place_file = wrap("place", commit_module.place_file)
    commit_module.record = wrap("record", commit_module.record)
    commit_module.write_atomically = wrap("write", commit_module.write_atomically)
    commit_module.sweep = wrap("sweep", commit_module.sweep)


def killed_run(root: str, page: str, point: str) -> None:
    """Run in a child process: publish `page`, and SIGKILL this process right after `point`."""
    arm(point, lambda _where: os.kill(os.getpid(), signal.SIGKILL))
    pipeline.publish(page, load_settings(Path(root)), ToneEngine())
    raise SystemExit(3)  # the kill never came


def state_of(settings: Settings) -> dict[str, object]:
    """What a podcast app and the catalog see, checked as they would check it."""
    feed = etree.parse(str(settings.feed_dir / "feed.xml")).getroot()  # parses, or the test fails
    items = {}
    for item in feed.iter("item"):
        enclosure = item.find("enclosure")
        name = unquote(urlsplit(enclosure.get("url")).path.rsplit("/", 1)[-1])
        path = settings.episodes_dir / name
        assert path.is_file(), f"the feed names {name}, which is not there"
        assert path.stat().st_size == int(enclosure.get("length")), f"{name} is not the length the feed says"
        for side in [*item.findall("podcast:chapters", NS), *item.findall("podcast:transcript", NS)]:
            side_name = unquote(urlsplit(side.get("url")).path.rsplit("/", 1)[-1])
            assert (settings.episodes_dir / side_name).is_file(), f"the feed names {side_name}, which is not there"
        items[item.findtext("guid")] = (name, int(enclosure.get("length")))
    with sqlite3.connect(settings.catalog_path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    with Catalog.open(settings.catalog_path) as catalog:
        episodes = catalog.episodes()
    return {
        "feed": items,
        "catalog": {e.guid: (e.audio_file, e.size_bytes) for e in episodes},
        "owned": {n for e in episodes for n in (e.audio_file, *e.side_files)},
        "files": {p.name for p in settings.episodes_dir.iterdir()},
    }


def assert_clean(settings: Settings) -> None:
    """The feed and catalog agree, and episodes/ holds what the episodes own and nothing else."""
    state = state_of(settings)
    assert state["feed"] == state["catalog"]
    assert state["files"] == state["owned"]


@pytest.fixture(scope="session")
def base_show(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """A show with two episodes, made once; `old` is then rewritten to say other words (so it will be
    republished with other audio), and `new` is a page not yet published."""
    pages = tmp_path_factory.mktemp("pages")
    root = tmp_path_factory.mktemp("base") / "show"
    settings = load_settings(root)
    old = review(pages, "old", "First words")
    pipeline.publish(str(old), settings, ToneEngine())
    pipeline.publish(str(review(pages, "other", "Other words")), settings, ToneEngine())
    assert_clean(settings)
    review(pages, "old", "Second words, said differently")
    return root, old, review(pages, "new", "New words")


@pytest.fixture
def base(base_show: tuple[Path, Path, Path], tmp_path: Path) -> tuple[Settings, Path, Path]:
    """A copy of the two-episode show to break (the pages are shared: their paths are the GUIDs)."""
    root, old, new = base_show
    shutil.copytree(root, tmp_path / "show")
    return load_settings(tmp_path / "show"), old, new


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("scenario", ["republish", "new"])
def test_a_kill_between_any_two_steps_leaves_a_whole_show(base, point: str, scenario: str) -> None:  # noqa: ANN001
    settings, old, new = base
    page = old if scenario == "republish" else new
    before = state_of(settings)
    done = subprocess.run(
        [sys.executable, "-c", f"from tests.test_commit import killed_run; killed_run({str(settings.root)!r}, "
                               f"{str(page)!r}, {point!r})"],
        cwd=REPO, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr

    after_kill = state_of(settings)  # the feed parses, names only whole files, the catalog is sound
    if point in CATALOG_AHEAD:
        assert after_kill["feed"] == before["feed"] and after_kill["catalog"] != before["catalog"]
    else:
        assert after_kill["feed"] == after_kill["catalog"]
    assert any(p.name.startswith(".work-") for p in settings.episodes_dir.iterdir())  # killed, not cleaned

    # the next publish finishes (or undoes) what the killed one left, and cleans up after it
    published = pipeline.publish(str(page), settings, ToneEngine()).episode
    assert_clean(settings)
    assert published.guid in state_of(settings)["catalog"]
    assert len(state_of(settings)["catalog"]) == (2 if scenario == "republish" else 3)


@pytest.mark.parametrize("point", ["fail:place:1", "fail:place:3", "fail:record", "fail:write:1", "fail:write:2"])
def test_a_failure_at_any_step_leaves_the_previous_show(base, point: str) -> None:  # noqa: ANN001
    settings, old, _new = base
    feed, page = (settings.feed_dir / "feed.xml").read_bytes(), (settings.feed_dir / "index.html").read_bytes()
    before = state_of(settings)

    def fail(where: str) -> None:
        error = CatalogError if where.startswith("record") else FeedError
        raise error(f"injected failure at {where}")

    arm(point, fail)
    with pytest.raises(ReelcastError, match="injected failure"):
        pipeline.publish(str(old), settings, ToneEngine())
    assert (settings.feed_dir / "feed.xml").read_bytes() == feed
    assert (settings.feed_dir / "index.html").read_bytes() == page
    assert state_of(settings) == before  # nothing half-published, nothing left behind


@pytest.fixture(autouse=True)
def unarmed(monkeypatch) -> None:  # noqa: ANN001
    """Undo `arm` after each test (it patches module attributes directly, to work in child processes too)."""
    for name in ("commit", "place_file", "record", "write_atomically", "sweep"):
        monkeypatch.setattr(commit_module, name, getattr(commit_module, name))
    monkeypatch.setattr(pipeline, "commit", pipeline.commit)


def test_a_byte_identical_republish_touches_nothing(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "show")
    page = review(tmp_path, "same", "Same words")
    first = pipeline.publish(str(page), settings, ToneEngine())
    files = {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in settings.episodes_dir.iterdir()}
    feed = (settings.feed_dir / "feed.xml").read_bytes()
    again = pipeline.publish(str(page), settings, ToneEngine())
    assert first.changed and not again.changed
    assert again.episode == first.episode  # GUID, pubDate and file names
    assert {p.name: (p.stat().st_mtime_ns, p.stat().st_ino) for p in settings.episodes_dir.iterdir()} == files
    assert (settings.feed_dir / "feed.xml").read_bytes() == feed


def test_a_changed_republish_never_overwrites_what_the_feed_names(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "show")
    page = review(tmp_path, "changing", "Some words")
    first = pipeline.publish(str(page), settings, ToneEngine()).episode
    review(tmp_path, "changing", "Other words entirely, and more of them")
    seen: list[tuple[str, bool]] = []
    original = commit_module.place_file

    def place(path: Path, target: Path) -> None:
        seen.append((target.name, target.exists()))
        original(path, target)

    commit_module.place_file = place
    second = pipeline.publish(str(page), settings, ToneEngine()).episode
    assert (first.guid, first.published) == (second.guid, second.published)
    assert first.audio_file != second.audio_file
    assert seen and not any(existed for _, existed in seen)
    assert not (settings.episodes_dir / first.audio_file).exists()  # swept once the feed moved on
    assert_clean(settings)


def test_stale_work_folders_and_stray_files_are_removed_by_the_next_publish(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "show")
    page = review(tmp_path, "one", "Words")
    pipeline.publish(str(page), settings, ToneEngine())
    stale = settings.episodes_dir / ".work-abandoned"
    stale.mkdir()
    (stale / ".lock").write_bytes(b"")  # its owner is dead: nobody holds the lock
    (stale / "s00p000.wav").write_bytes(b"\0" * 1000)
    (settings.episodes_dir / "one-a-review.0badc0de.mp3").write_bytes(b"\xff\xfb" * 10)
    (settings.feed_dir / ".feed.xml.part").write_bytes(b"<rss")
    pipeline.publish(str(review(tmp_path, "two", "More words")), settings, ToneEngine())
    assert not stale.exists() and not (settings.feed_dir / ".feed.xml.part").exists()
    assert_clean(settings)


def test_a_live_work_folder_is_left_alone(tmp_path: Path) -> None:
    settings = load_settings(tmp_path / "show")
    pipeline.publish(str(review(tmp_path, "one", "Words")), settings, ToneEngine())
    with commit_module.work_folder(settings) as work:  # as a publish that is still speaking holds it
        pipeline.publish(str(review(tmp_path, "two", "More words")), settings, ToneEngine())
        assert work.is_dir()


def _failing_replace(folder: Path, code: int):  # noqa: ANN202
    real = os.replace

    def replace(src, dst):  # noqa: ANN001, ANN202
        if Path(dst).parent == folder:
            raise OSError(code, os.strerror(code), str(dst))
        return real(src, dst)

    return replace


@pytest.mark.parametrize(("folder", "code"), [("feed", errno.ENOSPC), ("feed", errno.EROFS),
                                              ("episodes", errno.ENOSPC), ("episodes", errno.EROFS)])
def test_a_full_disk_or_read_only_folder_is_one_line_and_the_previous_feed_stands(
        base, monkeypatch, folder: str, code: int) -> None:  # noqa: ANN001
    from click.testing import CliRunner

    from reelcast import cli

    settings, old, _new = base
    feed = (settings.feed_dir / "feed.xml").read_bytes()
    before = state_of(settings)
    publish_many = pipeline.publish_many  # the CLI imports it from the pipeline when it publishes
    monkeypatch.setattr(pipeline, "publish_many", lambda pages, s, **kw: publish_many(pages, s, ToneEngine(), **kw))
    monkeypatch.setattr(os, "replace", _failing_replace(settings.root / folder, code))
    result = CliRunner().invoke(cli.main, ["--root", str(settings.root), "publish", str(old)])
    lines = [line for line in result.stderr.splitlines() if line.startswith("reelcast:")]
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert len(lines) == 1 and lines[0].startswith("reelcast: error: could not "), result.stderr
    assert os.strerror(code) in lines[0] and "the previous feed is intact" in lines[0]
    assert (settings.feed_dir / "feed.xml").read_bytes() == feed
    assert state_of(settings) == before


def test_a_recovery_with_nothing_to_finish_does_not_render_the_show_again(
        base, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    settings, _old, _new = base
    renders = []
    monkeypatch.setattr(commit_module, "render_show", lambda *a, **k: renders.append(a) or render_show(*a, **k))
    with commit_module.open_show(settings):
        pass
    assert renders == []  # the catalog says its last change is in the feed: only the sweep runs
    with Catalog.open(settings.catalog_path) as catalog, catalog.writing():
        catalog.set_feed_behind(True)  # as a run killed between recording a change and writing the feed leaves it
    with commit_module.open_show(settings) as catalog:
        assert len(renders) == 1 and not catalog.feed_behind()
    assert_clean(settings)
