"""Nothing redone that did not change: cached paragraphs, the kept MP3, --force, the size cap."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from reelcast import audio, pipeline
from reelcast.cache import SpeechCache
from reelcast.config import Settings
from reelcast.models import Speech
from reelcast.script import paragraph

from .conftest import EXAMPLE, ToneEngine


def published_bytes(show: Settings) -> dict[str, bytes]:
    files = [*show.episodes_dir.iterdir(), show.feed_dir / "feed.xml", show.feed_dir / "index.html"]
    return {p.name: p.read_bytes() for p in files if p.is_file()}


def review(tmp_path: Path, change: str = "") -> Path:
    page = tmp_path / "review.html"
    html = EXAMPLE.read_text(encoding="utf-8")
    if change:
        html = html.replace("The first time we see Ben", change, 1)
    page.write_text(html, encoding="utf-8")
    return page


def test_an_unchanged_republish_redoes_nothing_and_changes_no_byte(show: Settings, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    page = review(tmp_path)
    first = pipeline.publish(str(page), show, ToneEngine()).episode
    before = published_bytes(show)

    engine = ToneEngine()
    monkeypatch.setattr(audio, "encode_as_laid", lambda *a, **k: pytest.fail("encoded again"))
    again = pipeline.publish(str(page), show, engine).episode
    assert engine.texts == []  # nothing spoken
    assert (again.guid, again.published) == (first.guid, first.published)
    assert published_bytes(show) == before  # MP3, side files, feed and page, byte for byte


def test_a_change_outside_the_audio_keeps_the_published_mp3(show: Settings, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    page = review(tmp_path)
    pipeline.publish(str(page), show, ToneEngine())
    before = published_bytes(show)
    described = dataclasses.replace(show, show=dataclasses.replace(show.show, description="Reviews, read aloud."))
    monkeypatch.setattr(audio, "encode_as_laid", lambda *a, **k: pytest.fail("encoded again"))
    engine = ToneEngine()
    pipeline.publish(str(page), described, engine)
    after = published_bytes(show)
    assert engine.texts == []
    mp3 = next(n for n in before if n.endswith(".mp3"))
    assert after[mp3] == before[mp3] and after["feed.xml"] != before["feed.xml"]


def test_an_edit_speaks_only_the_paragraph_that_changed(show: Settings, tmp_path: Path) -> None:
    pipeline.publish(str(review(tmp_path)), show, ToneEngine())
    mp3 = next(show.episodes_dir.glob("*.mp3")).read_bytes()
    engine = ToneEngine()
    pipeline.publish(str(review(tmp_path, "The very first time we see Ben")), show, engine)
    (spoken,) = engine.texts
    assert "The very first time we see Ben" in spoken
    assert next(show.episodes_dir.glob("*.mp3")).read_bytes() != mp3  # and the episode was made again


def test_force_speaks_and_encodes_everything_again(show: Settings, tmp_path: Path) -> None:
    page = review(tmp_path)
    first = ToneEngine()
    pipeline.publish(str(page), show, first)
    forced = ToneEngine()
    pipeline.publish(str(page), show, forced, force=True)
    assert sorted(forced.texts) == sorted(first.texts)


def test_what_decides_the_sound_is_in_the_key(show: Settings, tmp_path: Path) -> None:
    page = review(tmp_path)
    pipeline.publish(str(page), show, ToneEngine(wpm=170))
    slower = ToneEngine(wpm=150)  # its sound() differs, as a changed rate, voice or engine version does
    pipeline.publish(str(page), show, slower)
    assert len(slower.texts) > 10


def test_a_changed_audio_setting_encodes_again_but_speaks_nothing(show: Settings, tmp_path: Path) -> None:
    page = review(tmp_path)
    pipeline.publish(str(page), show, ToneEngine())
    mp3 = next(show.episodes_dir.glob("*.mp3")).read_bytes()
    engine = ToneEngine()
    louder = dataclasses.replace(show, audio=dataclasses.replace(show.audio, bitrate_kbps=128))
    pipeline.publish(str(page), louder, engine)
    assert engine.texts == []
    assert next(show.episodes_dir.glob("*.mp3")).read_bytes() != mp3


def test_the_cache_keeps_under_its_cap_and_never_what_is_in_use(tmp_path: Path) -> None:
    cache = SpeechCache(tmp_path, max_bytes=0)
    pcm = bytes(2 * 22050)
    speech = Speech(pcm, 22050, (0,), audio.levels(pcm, 22050))
    old = cache.put("old", paragraph("Old."), speech)
    new = cache.put("new", paragraph("New."), speech)
    assert cache.size_bytes() > 0
    cache.trim(keep=[new.wav])
    assert not old.wav.exists() and new.wav.exists()
    assert cache.get("old", paragraph("Old.")) is None and cache.get("new", paragraph("New.")) is not None
    assert cache.clear() > 0 and cache.size_bytes() == 0


def test_a_damaged_cache_entry_is_spoken_again(show: Settings, tmp_path: Path) -> None:
    page = review(tmp_path)
    pipeline.publish(str(page), show, ToneEngine())
    victim = next((show.cache_dir / "speech").glob("*.wav"))
    victim.write_bytes(victim.read_bytes()[:100])  # cut short, as a full disk would leave it
    engine = ToneEngine()
    pipeline.publish(str(page), dataclasses.replace(show, audio=dataclasses.replace(show.audio, bitrate_kbps=64)),
                     engine)
    assert len(engine.texts) == 1


def test_cache_clear_empties_the_cache(show: Settings, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reelcast.cli import main

    pipeline.publish(str(review(tmp_path)), show, ToneEngine())
    assert list((show.cache_dir / "speech").glob("*.wav"))
    result = CliRunner().invoke(main, ["--root", str(show.root), "cache", "clear"], catch_exceptions=False)
    assert result.exit_code == 0 and result.output.startswith("cache: removed ")
    assert not (show.cache_dir / "speech").exists() and not (show.cache_dir / "episodes").exists()
    engine = ToneEngine()
    pipeline.publish(str(review(tmp_path)), show, engine)
    assert len(engine.texts) > 10  # spoken again
