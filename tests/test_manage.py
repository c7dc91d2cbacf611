"""Managing the show: `reelcast list`, `reelcast remove`, `check` on what nobody owns, and --json."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from lxml import etree

from reelcast import check, cli, pipeline
from reelcast.check import check_show
from reelcast.config import Settings, load_settings
from reelcast.ffmpeg import Loudness
from reelcast.models import Episode

from .conftest import ToneEngine
from .conftest import write_review as page


@pytest.fixture
def three(tmp_path: Path) -> tuple[Settings, list[Episode]]:
    settings = load_settings(tmp_path / "show")
    episodes = [pipeline.publish(str(page(tmp_path, name, f"Words on {name}")), settings, ToneEngine()).episode
                for name in ("first", "second", "third")]
    return settings, episodes


def reelcast(settings: Settings, *args: str):  # noqa: ANN201
    return CliRunner().invoke(cli.main, ["--root", str(settings.root), *args], catch_exceptions=False)


def feed_guids(settings: Settings) -> list[str]:
    return [i.findtext("guid") for i in etree.parse(str(settings.feed_dir / "feed.xml")).iter("item")]


def test_list_shows_every_episode(three: tuple[Settings, list[Episode]]) -> None:
    settings, episodes = three
    result = reelcast(settings, "list", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.stdout)
    assert {e["guid"] for e in listed} == {e.guid for e in episodes}
    first = next(e for e in listed if e["guid"] == episodes[0].guid)
    assert first["slug"] == episodes[0].slug and first["title"] == "First"  # its ": A Review" label left out
    assert first["size_bytes"] == (settings.episodes_dir / episodes[0].audio_file).stat().st_size
    assert first["duration_s"] == pytest.approx(episodes[0].duration_ms / 1000)
    assert first["source"] == episodes[0].source and first["published"] == episodes[0].published.isoformat()

    human = reelcast(settings, "list").stdout
    for episode in episodes:
        assert episode.guid in human and episode.slug in human and episode.title in human
    assert human.rstrip().endswith("3 episodes")


@pytest.mark.parametrize("by", ["slug", "guid"])
def test_remove_takes_the_episode_out_and_leaves_the_others_as_they_were(
        three: tuple[Settings, list[Episode]], by: str) -> None:
    settings, episodes = three
    gone, kept = episodes[1], [episodes[0], episodes[2]]
    before = {n: (settings.episodes_dir / n).read_bytes() for e in kept for n in (e.audio_file, *e.side_files)}
    result = reelcast(settings, "remove", getattr(gone, by))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(f"removed {gone.title} ({gone.guid})")

    assert sorted(feed_guids(settings)) == sorted(e.guid for e in kept)
    html = lxml.html.fromstring((settings.feed_dir / "index.html").read_bytes())
    assert [a.get("id") for a in html.xpath(".//article")] == [e.slug for e in sorted(kept, key=lambda e: e.published,
                                                                                         reverse=True)]
    assert not any((settings.episodes_dir / n).exists() for n in (gone.audio_file, *gone.side_files))
    assert {n: (settings.episodes_dir / n).read_bytes() for n in before} == before
    listed = {e["guid"]: e for e in json.loads(reelcast(settings, "list", "--json").stdout)}
    assert {g: (e["slug"], e["published"]) for g, e in listed.items()} == {
        e.guid: (e.slug, e.published.isoformat()) for e in kept}


def test_removing_what_is_not_there_is_one_line(three: tuple[Settings, list[Episode]]) -> None:
    settings, _ = three
    feed = (settings.feed_dir / "feed.xml").read_bytes()
    result = reelcast(settings, "remove", "no-such-episode")
    assert result.exit_code == 1
    assert result.stderr.strip() == ("reelcast: error: no episode has the GUID or slug 'no-such-episode'; "
                                     "`reelcast list` shows them")
    assert (settings.feed_dir / "feed.xml").read_bytes() == feed


def test_list_in_a_folder_that_published_nothing(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli.main, ["--root", str(tmp_path), "list"])
    assert result.exit_code == 1 and "nothing has been published" in result.stderr


def test_check_reports_files_no_episode_owns_and_feeds_that_lack_an_episode(
        three: tuple[Settings, list[Episode]], monkeypatch: pytest.MonkeyPatch) -> None:
    settings, episodes = three
    # as published; metering again is not the point here
    monkeypatch.setattr(check, "check_show", functools.partial(check_show, measure=lambda _mp3: Loudness(-16, -1.5, 4)))
    clean = reelcast(settings, "check", "--json")
    assert clean.exit_code == 0, clean.stdout
    report = json.loads(clean.stdout)
    assert {k: report[k] for k in ("ok", "episodes", "problems")} == {"ok": True, "episodes": 3, "problems": []}

    (settings.episodes_dir / "old.0badc0de.mp3").write_bytes(b"\xff\xfb" * 10)
    (settings.episodes_dir / "notes.txt").write_text("mine", encoding="utf-8")
    stale = settings.episodes_dir / ".work-abandoned"
    stale.mkdir()
    (stale / ".lock").write_bytes(b"")
    # a feed that lost an episode (as a kill between the catalog and the feed would leave it)
    tree = etree.parse(str(settings.feed_dir / "feed.xml"))
    channel = tree.getroot().find("channel")
    lost = channel.find("item")
    channel.remove(lost)
    tree.write(str(settings.feed_dir / "feed.xml"), xml_declaration=True, encoding="UTF-8")

    result = reelcast(settings, "check", "--json")
    assert result.exit_code == 1
    problems = {(p["where"], p["what"]) for p in json.loads(result.stdout)["problems"]}
    lost_title = next(e.title for e in episodes if e.guid == lost.findtext("guid"))
    assert problems >= {
        ("episodes/old.0badc0de.mp3", "no episode owns this file"),
        ("episodes/notes.txt", "no episode owns this file, and it is served to anyone"),
        ("episodes/.work-abandoned", "was left by a publish that was interrupted"),
    }
    assert any(what == f"'{lost_title}' is in the catalog but not in the feed" for _, what in problems)

    # `reelcast feed` puts the feed right and removes what is ours to remove
    assert reelcast(settings, "feed").exit_code == 0
    left = {p["where"] for p in json.loads(reelcast(settings, "check", "--json").stdout)["problems"]}
    assert left == {"episodes/notes.txt"}
