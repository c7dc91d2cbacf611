"""Joining MP3 parts encoded side by side: the Info header rewritten for the whole, and parts
that meet sample-exactly (real ffmpeg and LAME)."""

from __future__ import annotations

import logging
import random
import time
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp3 import MP3

from reelcast import audio, mp3
from reelcast.audio import Tags, encode, stitch
from reelcast.config import AudioSettings
from reelcast.errors import AudioError
from reelcast.ffmpeg import run_ffmpeg
from reelcast.models import Clip, Section, SectionAudio, SectionKind
from reelcast.script import paragraph
from reelcast.speech.base import read_wav, write_wav

SETTINGS = AudioSettings(paragraph_pause_ms=500, section_pause_ms=1000)
RATE = 22050
TAGS = Tags("t", None, "s", None, None)


def test_the_crc_is_the_lame_tag_s_and_two_crcs_combine_into_the_crc_of_both() -> None:
    assert mp3.crc16(b"123456789") == 0xBB3D  # CRC-16/ARC's check value
    rng = random.Random(7)
    for length_a, length_b in ((0, 5), (5, 0), (1, 1), (313, 281_496), (4096, 3)):
        a, b = rng.randbytes(length_a), rng.randbytes(length_b)
        assert mp3.crc16_combine(mp3.crc16(a), mp3.crc16(b), len(b)) == mp3.crc16(a + b)


def test_a_part_is_cut_576_short_of_whole_frames() -> None:
    for samples in (0, 1, 575, 576, 577, 1152, 88_200, 1_234_567):
        cut = mp3.part_frames(samples)
        assert (cut + mp3.ENCODER_DELAY) % mp3.FRAME_SAMPLES == 0 and 0 <= cut - samples < mp3.FRAME_SAMPLES


def noise(path: Path, seconds: float, seed: int) -> Path:
    """Speech-like audio for the encoder: noise under 2 kHz (which LAME keeps closely) in a slow
    swell, nothing periodic to misalign on."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    swell = 0.5 + 0.4 * np.sin(np.linspace(0, 7 * np.pi, n))
    low = np.convolve(rng.standard_normal(n), np.hanning(24) / 4, mode="same")
    write_wav(path, (np.clip(low * 0.15 * swell, -1, 1) * 32767).astype("<i2").tobytes(), RATE)
    return path


def episode(tmp_path: Path, sections: list[list[float]]) -> audio.Stitched:
    return stitch(spoken(tmp_path, sections), SETTINGS)


def spoken(tmp_path: Path, sections: list[list[float]]) -> list[SectionAudio]:
    """Sections of clips of noise `sections` long (seconds), as speech would give them."""
    made, seed = [], 0
    for index, lengths in enumerate(sections):
        clips = []
        for n, seconds in enumerate(lengths):
            seed += 1
            path = noise(tmp_path / f"s{index}p{n}.wav", seconds, seed)
            pcm, rate = read_wav(path)
            clips.append(Clip(paragraph(f"Paragraph {n}."), path, round(seconds * 1000), (0,), audio.levels(pcm, rate)))
        section = Section(index, SectionKind.BODY, f"Section {index}", tuple(c.paragraph for c in clips))
        made.append(SectionAudio(section, tuple(clips)))
    return made


def decoded(path: Path, tmp_path: Path) -> np.ndarray:
    raw = tmp_path / f"{path.stem}.f32"
    report = run_ffmpeg(["-v", "warning", "-i", str(path), "-f", "f32le", "-ac", "1", str(raw)])
    assert report.strip() == ""  # the decoder found nothing amiss in the stream
    return np.fromfile(raw, dtype="<f4")


def test_one_part_joined_is_ffmpeg_s_own_file_byte_for_byte(tmp_path: Path) -> None:
    # 20 s: 766 frames, more than the seek table's 400 bags, which then double their spacing
    pcm, _ = read_wav(noise(tmp_path / "n.wav", 20.0, 1))
    samples = (np.frombuffer(pcm, "<i2") / 32768).astype("<f4")
    audio._encode_part([samples.tobytes()], tmp_path / "one.mp3", RATE, SETTINGS)
    mp3.join([tmp_path / "one.mp3"], tmp_path / "joined.mp3")
    assert (tmp_path / "joined.mp3").read_bytes() == (tmp_path / "one.mp3").read_bytes()


@pytest.fixture
def short_parts(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Parts of 2 s, so a test episode has several; the number of parts each join had."""
    monkeypatch.setattr(audio, "PART_S", 2)
    monkeypatch.setattr(audio.os, "cpu_count", lambda: 2)
    joins: list[int] = []
    real = mp3.join
    monkeypatch.setattr(mp3, "join", lambda parts, out: (joins.append(len(parts)), real(parts, out))[1])
    return joins


def test_an_episode_in_parts_plays_as_the_one_stream_would_sample_for_sample(tmp_path: Path, short_parts,
                                                                           monkeypatch) -> None:  # noqa: ANN001
    stitched = episode(tmp_path, [[1.7, 2.3, 1.1], [2.6, 0.9], [3.2]])
    parted = encode(stitched, tmp_path / "parted.mp3", TAGS, SETTINGS)
    assert short_parts == [3]  # a part ends in the first pause 2 s or more after it began: 4.5 s, then 5.1 s on
    monkeypatch.setattr(audio, "PART_S", 10**6)
    whole = encode(stitched, tmp_path / "whole.mp3", TAGS, SETTINGS)
    assert short_parts == [3]  # one part: nothing to join

    assert parted.duration_ms == whole.duration_ms
    assert MP3(parted.path).info.length == MP3(whole.path).info.length
    a, b = decoded(parted.path, tmp_path), decoded(whole.path, tmp_path)
    assert len(a) == len(b) == round(stitched.duration_ms / 1000 * SETTINGS.sample_rate)
    # every clip is heard where the plan puts it: the two encodes line up best unshifted
    for cue in stitched.cues:
        at = cue.start_ms * SETTINGS.sample_rate // 1000 + 2000
        window = b[at : at + 8000]
        errors = {lag: float(np.sum((a[at + lag : at + lag + 8000] - window) ** 2)) for lag in range(-40, 41)}
        assert min(errors, key=errors.get) == 0
        assert errors[0] < np.sum(window**2) / 100  # 20 dB down: only the encoders' own noise differs


def test_parts_that_cannot_be_joined_are_encoded_again_as_one_stream(tmp_path: Path, short_parts, monkeypatch,
                                                                    caplog) -> None:  # noqa: ANN001
    stitched = episode(tmp_path, [[2.5, 2.5], [2.5]])

    def unjoinable(parts, out):  # noqa: ANN001, ANN202 - as an ffmpeg whose LAME pads otherwise
        raise mp3.Unjoinable("a part was encoded with 576 samples of delay and 1300 of padding")

    monkeypatch.setattr(mp3, "join", unjoinable)
    with caplog.at_level(logging.WARNING, logger="reelcast.audio"):
        got = encode(stitched, tmp_path / "got.mp3", TAGS, SETTINGS)
    assert "encoding the episode as one stream" in caplog.text
    monkeypatch.setattr(audio, "PART_S", 10**6)
    assert got.path.read_bytes() == encode(stitched, tmp_path / "one.mp3", TAGS, SETTINGS).path.read_bytes()
    assert sorted(p.name for p in tmp_path.glob("*.mp3*")) == ["got.mp3", "one.mp3"]


def test_a_part_s_failing_ffmpeg_is_one_error_and_leaves_no_part_behind(tmp_path: Path, short_parts,
                                                                       monkeypatch) -> None:  # noqa: ANN001
    stitched = episode(tmp_path, [[2.5, 2.5, 2.5]])
    calls = []
    real = audio._encode_part

    def second_fails(chunks, out, rate, settings):  # noqa: ANN001, ANN202
        calls.append(out)
        if len(calls) == 2:
            raise AudioError("the MP3 encode failed: ffmpeg said: No space left on device")
        real(chunks, out, rate, settings)

    monkeypatch.setattr(audio, "_encode_part", second_fails)
    with pytest.raises(AudioError, match="No space left on device"):
        encode(stitched, tmp_path / "x.mp3", TAGS, SETTINGS)
    assert len(calls) >= 2
    assert not [p.name for p in tmp_path.iterdir() if ".mp3" in p.name]


def test_the_last_parts_share_the_end_among_the_cores_however_fast_the_clips_come(tmp_path: Path, short_parts,
                                                                                  monkeypatch) -> None:  # noqa: ANN001
    # the gain is decided early, as in a long episode, so the encode begins long before the end is known
    monkeypatch.setattr(audio, "GAIN_FROM_S", 1)
    lengths: list[list[float]] = []
    real = mp3.join
    monkeypatch.setattr(mp3, "join", lambda parts, out: (lengths.append([MP3(p).info.length for p in parts]),
                                                         real(parts, out))[1])
    sections = spoken(tmp_path, [[0.6] * 12, [0.6] * 6])
    at_once = encode(stitch(sections, SETTINGS), tmp_path / "at-once.mp3", TAGS, SETTINGS)
    streamed = audio.EncodingAsSpoken([(s.section.title, len(s.clips)) for s in sections], tmp_path / "streamed.mp3",
                                      SETTINGS)
    for section in sections:
        for clip in section.clips:
            streamed.add(clip)
            time.sleep(0.02)
    time.sleep(0.5)  # the end is known with the last clip: the tags may come well after it
    assert streamed.finish(sections, TAGS).path.read_bytes() == at_once.path.read_bytes()
    first = lengths[0]  # (a gain from the first second misses the target: each is encoded again)
    assert all(part >= 2 for part in first[:-3])  # PART_S long, while the end is out of sight
    last = first[-3:]  # then the last 3 s shared out: no core is left encoding the end alone
    assert max(last) < 2 and max(last) - min(last) < 0.2
