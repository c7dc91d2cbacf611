from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from reelcast.audio import Tags, clip_cues, encode, stitch
from reelcast.config import AudioSettings
from reelcast.errors import AudioError
from reelcast.ffmpeg import measure_loudness
from reelcast.models import Clip, Section, SectionAudio, SectionKind

from .conftest import write_tone

SETTINGS = AudioSettings(paragraph_pause_ms=500, section_pause_ms=1000)


def section_audio(tmp_path: Path, index: int, seconds: list[float], amplitude: float = 0.5) -> SectionAudio:
    clips = tuple(
        Clip(f"Paragraph {n}.", write_tone(tmp_path / f"s{index}p{n}.wav", s, amplitude=amplitude), round(s * 1000))
        for n, s in enumerate(seconds)
    )
    section = Section(index, SectionKind.BODY, f"Section {index}", tuple(c.text for c in clips))
    return SectionAudio(section, clips)


def test_stitch_pauses_and_chapter_starts(tmp_path: Path) -> None:
    stitched = stitch([section_audio(tmp_path, 0, [2.0, 1.0]), section_audio(tmp_path, 1, [3.0])], SETTINGS)
    # 2 s + 0.5 s pause + 1 s, then a 1 s section pause, then 3 s
    assert len(stitched.audio) == 7500
    assert [(c.title, c.start_ms, c.end_ms) for c in stitched.chapters] == [
        ("Section 0", 0, 4500),
        ("Section 1", 4500, 7500),
    ]
    assert [c.start_ms for c in stitched.cues] == [0, 2500, 4500]


def test_sentence_cues_follow_word_events() -> None:
    text = "First sentence here. Second one starts. Third."
    clip = Clip(text, Path("unused.wav"), 6000, ((0, 0), (6, 400), (15, 900), (21, 2000), (28, 2500), (33, 3100),
                                                 (40, 4500)))
    cues = clip_cues(clip, offset_ms=10_000, duration_ms=6000)
    assert [(c.start_ms, c.end_ms, c.text) for c in cues] == [
        (10_000, 12_000, "First sentence here."),
        (12_000, 14_500, "Second one starts."),
        (14_500, 16_000, "Third."),
    ]


def test_a_clip_without_word_events_is_one_cue() -> None:
    (cue,) = clip_cues(Clip("No events.", Path("x.wav"), 1200), 500, 1200)
    assert (cue.start_ms, cue.end_ms) == (500, 1700)


def test_encode_reaches_loudness_target_and_tags_chapters(tmp_path: Path) -> None:
    # a quiet tone with loud bursts: gain alone would push the peaks over the ceiling
    sections = [section_audio(tmp_path, 0, [4.0], amplitude=0.05), section_audio(tmp_path, 1, [0.3, 4.0], 0.9)]
    stitched = stitch(sections, SETTINGS)
    out = tmp_path / "episode.mp3"
    tags = Tags("Title", "Critic", "Show", datetime(2019, 10, 8, tzinfo=UTC), "https://example.com/review", "en")
    episode = encode(stitched, out, tags, SETTINGS, tmp_path)

    loudness = measure_loudness(out)
    assert abs(loudness.integrated_lufs - SETTINGS.target_lufs) <= 1.0
    assert loudness.true_peak_db <= SETTINGS.true_peak_db
    assert episode.size_bytes == out.stat().st_size
    info = MP3(out).info
    assert (info.sample_rate, info.channels) == (44100, 1)
    assert abs(info.length * 1000 - episode.duration_ms) < 50
    assert abs(info.length * 1000 - len(stitched.audio)) < 100

    id3 = ID3(out)
    assert str(id3["TPE1"]) == "Critic" and str(id3["TDRC"]) == "2019-10-08"
    chapters = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
    assert [(str(c.sub_frames["TIT2"]), c.start_time) for c in chapters] == [("Section 0", 0), ("Section 1", 5000)]
    (toc,) = id3.getall("CTOC")
    assert toc.child_element_ids == [c.element_id for c in chapters]
    assert not list(tmp_path.glob(".*.part"))


def test_silence_is_refused_not_published(tmp_path: Path) -> None:
    stitched = stitch([section_audio(tmp_path, 0, [2.0], amplitude=0.0)], SETTINGS)
    with pytest.raises(AudioError, match="silent"):
        encode(stitched, tmp_path / "x.mp3", Tags("t", None, "s", None, None), SETTINGS, tmp_path)
    assert not (tmp_path / "x.mp3").exists()
