"""The pipeline with a stand-in engine: what is published, and that a failure publishes nothing."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from reelcast import audio, pipeline
from reelcast.catalog import Catalog
from reelcast.config import Settings, load_settings
from reelcast.errors import CatalogError, FeedError
from reelcast.publish import show as show_module

from .conftest import EXAMPLE, ToneEngine


def test_publish_writes_episode_side_files_and_feed(show: Settings, tone_engine: ToneEngine) -> None:
    stages = []
    episode = pipeline.publish(str(EXAMPLE), show, tone_engine, on_progress=lambda e: stages.append(e.stage)).episode
    assert episode.slug == "leaving-las-vegas-1995-movie-review"
    names = sorted(p.name for p in show.episodes_dir.iterdir())
    # each file is named by the slug and a hash of the episode's content, so a new version never
    # overwrites a file a live feed names
    version = re.fullmatch(r"leaving-las-vegas-1995-movie-review\.([0-9a-f]{8})\.mp3", episode.audio_file)[1]
    suffixes = (".mp3", ".chapters.json", ".vtt", ".srt", ".art.png")
    assert names == sorted(f"{episode.slug}.{version}{s}" for s in suffixes)
    assert sorted([episode.audio_file, *episode.side_files]) == names
    assert (show.feed_dir / "feed.xml").exists() and (show.feed_dir / "cover.png").exists()
    assert [s for s in dict.fromkeys(stages)] == ["read", "extract", "script", "speech", "audio", "publish"]
    # the engine was handed speech-ready text, never the page's chrome
    spoken = " ".join(tone_engine.texts)
    assert "five hundred dollars" in spoken and "Read More From" not in spoken


def test_the_guid_comes_from_the_canonical_url_not_the_run(show: Settings, tone_engine: ToneEngine) -> None:
    first = pipeline.publish(str(EXAMPLE), show, tone_engine).episode
    again = pipeline.publish(str(EXAMPLE), show, tone_engine).episode
    assert first.guid == again.guid and first.published == again.published
    with Catalog.open(show.catalog_path) as catalog:
        assert len(catalog.episodes()) == 1


def test_a_failing_feed_publishes_nothing(show: Settings, tone_engine: ToneEngine, monkeypatch) -> None:  # noqa: ANN001
    def broken(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise FeedError("the feed is incomplete")

    monkeypatch.setattr(show_module, "build_feed", broken)
    with pytest.raises(FeedError):
        pipeline.publish(str(EXAMPLE), show, tone_engine)
    assert [p.name for p in show.episodes_dir.iterdir()] == []
    assert not (show.feed_dir / "feed.xml").exists()
    with Catalog.open(show.catalog_path) as catalog:
        assert catalog.episodes() == []
    # and no show is left behind: `reelcast feed` still finds nothing published
    with pytest.raises(CatalogError, match="nothing has been published"):
        pipeline.rebuild_feed(show)


def test_slugs_never_collide_between_reviews(show: Settings, tone_engine: ToneEngine, tmp_path) -> None:  # noqa: ANN001
    other = tmp_path / "other.html"
    other.write_text(EXAMPLE.read_text(encoding="utf-8").replace("1995-Movie-Review", "Another"), encoding="utf-8")
    first = pipeline.publish(str(EXAMPLE), show, tone_engine).episode
    second = pipeline.publish(str(other), show, tone_engine).episode
    assert first.guid != second.guid
    assert second.slug == f"{first.slug}-2"


def _page(body: str) -> str:
    sentence = "The film holds its nerve to the last frame. " * 6
    paragraphs = "".join(f"<p>{body} {n}. {sentence}</p>" for n in range(3))
    title = "Good, Bad: A Review"
    body_html = f"<article><h1>{title}</h1>{paragraphs}</article>"
    return f"<html><head><title>{title}</title></head><body>{body_html}</body></html>"


def test_two_local_reviews_with_one_title_are_two_episodes(show: Settings, tone_engine: ToneEngine, tmp_path) -> None:
    (tmp_path / "a.html").write_text(_page("First critic"), encoding="utf-8")
    (tmp_path / "b.html").write_text(_page("Second critic"), encoding="utf-8")
    first = pipeline.publish(str(tmp_path / "a.html"), show, tone_engine).episode
    second = pipeline.publish(str(tmp_path / "b.html"), show, tone_engine).episode
    assert first.guid != second.guid and first.slug != second.slug
    assert first.source == str(tmp_path / "a.html")  # absolute: `reelcast check` can name it from anywhere
    with Catalog.open(show.catalog_path) as catalog:
        assert {e.guid for e in catalog.episodes()} == {first.guid, second.guid}
    assert len(list(show.episodes_dir.glob("*.mp3"))) == 2


def test_a_show_with_no_title_is_named_after_the_site_of_its_first_review(
    show: Settings, tone_engine: ToneEngine
) -> None:
    pipeline.publish(str(EXAMPLE), show, tone_engine)
    assert tone_engine.texts[0].startswith("Welcome to ReelRundown Reviews.")
    feed = (show.feed_dir / "feed.xml").read_text(encoding="utf-8")
    assert "<title>ReelRundown Reviews</title>" in feed and "reelcast Film Reviews" not in feed
    pipeline.rebuild_feed(show)  # kept by the catalog, not chosen again
    assert "<title>ReelRundown Reviews</title>" in (show.feed_dir / "feed.xml").read_text(encoding="utf-8")
    named = load_settings(show.root, {"show": {"title": "Film Night"}})
    pipeline.rebuild_feed(named)  # a [show] title always wins
    assert "<title>Film Night</title>" in (show.feed_dir / "feed.xml").read_text(encoding="utf-8")


class _WatchingEngine(ToneEngine):
    """Notes, as it speaks each paragraph, how much audio the encoders (one ffmpeg a part of the
    episode, some finished by then) have read of the episode so far."""

    def __init__(self) -> None:
        super().__init__()
        self.encoder_had_read: list[int] = []
        self._read: dict[int, int] = {}  # by ffmpeg process, what it was last seen to have read

    def speak(self, paragraph):  # noqa: ANN001, ANN201
        for pid in _encoders(os.getpid()):
            self._read[pid] = max(self._read.get(pid, 0), _bytes_read(pid))
        self.encoder_had_read.append(sum(self._read.values()))
        return super().speak(paragraph)


def _encoders(parent: int) -> list[int]:
    """The ffmpeg processes reading their input from a pipe that `parent` started."""
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) != parent:
                continue
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError):
            continue
        if b"ffmpeg" in command and b"pipe:0" in command:
            found.append(int(entry.name))
    return found


def _bytes_read(pid: int) -> int:
    try:
        return int(re.search(r"^rchar: (\d+)", Path(f"/proc/{pid}/io").read_text(), re.M)[1])
    except (OSError, TypeError):
        return 0


def test_the_encode_starts_while_the_rest_is_still_being_spoken(
        show: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(audio, "GAIN_FROM_S", 20)  # the example's first paragraphs, not two minutes of it
    engine = _WatchingEngine()
    published = pipeline.publish(str(EXAMPLE), show, engine).episode
    had_read = engine.encoder_had_read
    assert had_read[0] == 0  # nothing to encode before the first clip
    # by the last paragraph, ffmpeg had taken the first 20 s at least (float32 at 22.05 kHz: 1.7 MB)
    assert had_read[-1] > 20 * 22050 * 4, had_read
    assert (show.episodes_dir / published.audio_file).stat().st_size == published.size_bytes
