from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from mutagen.id3 import ID3
from mutagen.mp3 import MP3

from reelcast import audio
from reelcast.audio import Tags, clip_cues, encode, stitch, written_word_starts
from reelcast.config import AudioSettings
from reelcast.errors import AudioError
from reelcast.ffmpeg import measure_loudness, run_ffmpeg
from reelcast.models import Clip, Paragraph, Section, SectionAudio, SectionKind, Sentence
from reelcast.script import paragraph
from reelcast.speech.base import read_wav

from .conftest import write_tone

SETTINGS = AudioSettings(paragraph_pause_ms=500, section_pause_ms=1000)
RATE = 22050


def make_clip(path: Path, seconds: float, amplitude: float = 0.5, text: str = "A paragraph.") -> Clip:
    write_tone(path, seconds, rate=RATE, amplitude=amplitude)
    pcm, rate = read_wav(path)
    return Clip(paragraph(text), path, round(seconds * 1000), (0,), audio.levels(pcm, rate))


def section_audio(tmp_path: Path, index: int, seconds: list[float], amplitude: float = 0.5) -> SectionAudio:
    clips = tuple(make_clip(tmp_path / f"s{index}p{n}.wav", s, amplitude, f"Paragraph {n}.")
                  for n, s in enumerate(seconds))
    section = Section(index, SectionKind.BODY, f"Section {index}", tuple(c.paragraph for c in clips))
    return SectionAudio(section, clips)


def test_stitch_pauses_and_chapter_starts(tmp_path: Path) -> None:
    stitched = stitch([section_audio(tmp_path, 0, [2.0, 1.0]), section_audio(tmp_path, 1, [3.0])], SETTINGS)
    # 2 s + 0.5 s pause + 1 s, then a 1 s section pause, then 3 s
    assert stitched.duration_ms == 7500
    assert [(c.title, c.start_ms, c.end_ms) for c in stitched.chapters] == [
        ("Section 0", 0, 4500),
        ("Section 1", 4500, 7500),
    ]
    assert [c.start_ms for c in stitched.cues] == [0, 2500, 4500]
    assert stitched.levels.shape == (2, 75 * 49)  # every 100 ms of the episode, in level blocks


def test_a_clip_is_padded_to_whole_tenths_so_its_levels_stay_on_the_grid(tmp_path: Path) -> None:
    stitched = stitch([section_audio(tmp_path, 0, [1.03, 1.0])], SETTINGS)
    assert stitched.duration_ms == 1100 + 500 + 1000
    assert stitched.cues[1].start_ms == 1600


def test_sentence_cues_follow_the_engine_s_sentence_starts() -> None:
    clip = Clip(paragraph("First sentence here. Second one starts. Third."), Path("unused.wav"), 6000,
                (0, 2000, 4500))
    cues = clip_cues(clip, offset_ms=10_000, duration_ms=6000)
    assert [(c.start_ms, c.end_ms, c.text) for c in cues] == [
        (10_000, 12_000, "First sentence here."),
        (12_000, 14_500, "Second one starts."),
        (14_500, 16_000, "Third."),
    ]


def test_written_words_are_timed_by_the_spoken_words_they_became() -> None:
    sentence = Sentence("Chloé Jow won in twenty twenty-one with one hundred ninety million dollars.",
                        "Chloé Zhao won in 2021 with $190 million.")
    spoken = [0, 300, 600, 800, 900, 1200, 1700, 1900, 2100, 2400, 2700, 3000]
    # Chloé Zhao won in 2021      with $190 (one hundred ninety) million
    assert written_word_starts(sentence, spoken) == [0, 300, 600, 800, 900, 1700, 1900, 2700]
    clip = Clip(Paragraph((Sentence("One two."), sentence)), Path("x.wav"), 4000, (0, 500),
                word_starts_ms=(0, 200, *(ms + 500 for ms in spoken)))
    first, second = clip_cues(clip, 10_000, 4000)
    assert first.word_starts_ms == (10_000, 10_200) and second.word_starts_ms[-1] == 13_200


def test_a_clip_without_sentence_times_is_one_cue() -> None:
    (cue,) = clip_cues(Clip(paragraph("No events. None at all."), Path("x.wav"), 1200), 500, 1200)
    assert (cue.start_ms, cue.end_ms, cue.text) == (500, 1700, "No events. None at all.")


def test_the_loudness_meter_reads_what_ffmpeg_s_ebur128_reads(tmp_path: Path) -> None:
    # a tone that swells and falls, with a quiet stretch the relative gate must drop
    t = np.arange(RATE * 12) / RATE
    envelope = np.where(t < 8, 0.2 + 0.6 * np.abs(np.sin(t / 2)), 0.01)
    x = (envelope * np.sin(2 * np.pi * 997 * t)).astype(np.float32)
    raw = tmp_path / "x.f32"
    raw.write_bytes(x.tobytes())
    wav = tmp_path / "x.wav"
    run_ffmpeg(["-f", "f32le", "-ar", str(RATE), "-ac", "1", "-i", str(raw), "-c:a", "pcm_f32le", str(wav)])
    # as a publish measures it: from the levels kept with a clip, its 16-bit samples
    pcm = np.round(x * 32768).astype("<i2").tobytes()
    hops = audio.read_levels(audio.levels(pcm, RATE))[1].reshape(-1, audio._LEVEL_BLOCKS).sum(axis=1)
    ours = audio.integrated_loudness(hops, RATE)
    assert ours == pytest.approx(measure_loudness(wav).integrated_lufs, abs=0.2)


def test_the_limiter_holds_true_peaks_under_the_ceiling() -> None:
    # a tone at a quarter of the rate, sampled 45 degrees off its crests: its samples are at 0.71
    # of its true peak, so a limiter of sample peaks would let it through 3 dB over
    t = np.arange(RATE) / RATE
    x = (0.95 * np.sin(2 * np.pi * (RATE / 4) * t + np.pi / 4)).astype(np.float32)
    fade = RATE // 50  # 20 ms: a step from quiet to loud would ring past any meter's interpolator
    x[: RATE // 2] *= 0.1  # quiet first half: left alone
    x[RATE // 2 : RATE // 2 + fade] *= np.linspace(0.1, 1, fade)
    ceiling = 10 ** (-1.5 / 20)
    pcm = (x * 32767).astype("<i2").tobytes()
    block_peaks = audio.read_levels(audio.levels(pcm, RATE))[0]
    limited = audio.limit(x, audio.gain_envelope(block_peaks, 1.0, ceiling))
    # an independent measure: the band-limited signal at 16x, by zero-padding its spectrum
    spectrum = np.fft.rfft(limited.astype(np.float64))
    true_peak = np.abs(np.fft.irfft(spectrum, len(limited) * 16) * 16).max()
    assert true_peak <= ceiling * 1.01
    assert np.array_equal(limited[: RATE // 2 - RATE // 20], x[: RATE // 2 - RATE // 20])


def test_true_peaks_are_the_4x_interpolation_however_long_the_clip() -> None:
    # longer than two of true_peaks' chunks and not a whole number of them, so the chunk edges
    # and the clip's ends are both crossed; against the plain form of the same FIR: the samples
    # zero-stuffed to 4x and convolved with the interpolator, in double precision
    rng = np.random.default_rng(7)
    x = (rng.standard_normal(2 * audio._PEAK_CHUNK + 1234) * 0.2).astype(np.float32)
    h = audio._interpolator().astype(np.float64)
    stuffed = np.zeros(4 * len(x))
    stuffed[::4] = x
    at_4x = np.convolve(stuffed, h)[len(h) // 2 : len(h) // 2 + len(stuffed)]
    expected = np.abs(at_4x).reshape(-1, 4).max(axis=1)
    assert np.allclose(audio.true_peaks(x), expected, rtol=1e-5, atol=1e-6)


def test_encode_reaches_loudness_target_and_tags_chapters(tmp_path: Path) -> None:
    # a quiet tone with loud bursts: gain alone would push the peaks over the ceiling
    sections = [section_audio(tmp_path, 0, [4.0], amplitude=0.05), section_audio(tmp_path, 1, [0.3, 4.0], 0.9)]
    stitched = stitch(sections, SETTINGS)
    out = tmp_path / "episode.mp3"
    tags = Tags("Title", "Critic", "Show", datetime(2019, 10, 8, tzinfo=UTC), "https://example.com/review", "en")
    episode = encode(stitched, out, tags, SETTINGS)

    loudness = measure_loudness(out)  # ffmpeg's own meter, on the MP3 itself
    assert abs(loudness.integrated_lufs - SETTINGS.target_lufs) <= 0.5
    assert loudness.true_peak_db <= SETTINGS.true_peak_db
    assert episode.size_bytes == out.stat().st_size
    info = MP3(out).info
    assert (info.sample_rate, info.channels) == (44100, 1)
    assert abs(info.length * 1000 - episode.duration_ms) < 50
    assert abs(info.length * 1000 - stitched.duration_ms) < 100

    id3 = ID3(out)
    assert str(id3["TPE1"]) == "Critic" and str(id3["TDRC"]) == "2019-10-08"
    chapters = sorted(id3.getall("CHAP"), key=lambda c: c.start_time)
    assert [(str(c.sub_frames["TIT2"]), c.start_time) for c in chapters] == [("Section 0", 0), ("Section 1", 5000)]
    (toc,) = id3.getall("CTOC")
    assert toc.child_element_ids == [c.element_id for c in chapters]
    assert not list(tmp_path.glob(".*.part"))

    again = encode(stitched, tmp_path / "again.mp3", tags, SETTINGS)
    assert again.path.read_bytes() == out.read_bytes()  # the same episode, the same bytes


def test_silence_is_refused_not_published(tmp_path: Path) -> None:
    stitched = stitch([section_audio(tmp_path, 0, [2.0], amplitude=0.0)], SETTINGS)
    with pytest.raises(AudioError, match="silent"):
        encode(stitched, tmp_path / "x.mp3", Tags("t", None, "s", None, None), SETTINGS)
    assert not (tmp_path / "x.mp3").exists()


def test_an_mp3_shorter_than_the_stitched_audio_is_an_error_and_not_kept(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    stitched = stitch([section_audio(tmp_path, 0, [2.0])], SETTINGS)
    real = audio._mastered

    def lossy(arriving, *args):  # noqa: ANN001, ANN202 - the encoder is handed only the first second
        piece, levels = next(arriving)
        return real(iter([(replace(piece, frames=RATE), levels[:, : RATE // 45])]), *args)

    monkeypatch.setattr(audio, "_mastered", lossy)
    with pytest.raises(AudioError, match=r"the MP3 is 1\.\d+ s long, the stitched audio 2\.00 s"):
        encode(stitched, tmp_path / "x.mp3", Tags("t", None, "s", None, None), SETTINGS)
    assert not (tmp_path / "x.mp3").exists() and not list(tmp_path.glob(".*.part"))


def fake_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str) -> None:
    from reelcast import ffmpeg

    exe = tmp_path / "ffmpeg"
    exe.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
    exe.chmod(0o755)
    monkeypatch.setenv("REELCAST_FFMPEG", str(exe))
    ffmpeg.ffmpeg_exe.cache_clear()
    monkeypatch.setattr(ffmpeg, "ffmpeg_exe", lambda: str(exe))


def test_a_crashing_ffmpeg_is_one_error_naming_it_and_what_it_printed(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    fake_ffmpeg(tmp_path, monkeypatch, "echo 'Unknown encoder libmp3lame' >&2; exit 1")
    stitched = stitch([section_audio(tmp_path, 0, [1.0])], SETTINGS)
    with pytest.raises(AudioError, match=r"^the MP3 encode failed: ffmpeg said: Unknown encoder libmp3lame$"):
        encode(stitched, tmp_path / "x.mp3", Tags("t", None, "s", None, None), SETTINGS)
    assert not (tmp_path / "x.mp3").exists()


def test_a_hung_ffmpeg_is_stopped_and_named(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    fake_ffmpeg(tmp_path, monkeypatch, "exec sleep 30")
    start = time.monotonic()
    with pytest.raises(AudioError, match=r"^measuring it hung: ffmpeg was still running after 1 s"):
        run_ffmpeg(["-i", "x.wav", "-f", "null", "-"], timeout=1, what="measuring it")
    assert time.monotonic() - start < 10


def test_a_missing_ffmpeg_says_how_to_get_one(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from reelcast import ffmpeg

    monkeypatch.setattr(ffmpeg, "ffmpeg_exe", lambda: str(tmp_path / "no-such-ffmpeg"))
    with pytest.raises(AudioError, match="could not run ffmpeg .*set REELCAST_FFMPEG to a working ffmpeg"):
        run_ffmpeg(["-version"])


# -- encoding while the episode is still being spoken


def test_the_limiter_s_look_ahead_piece_by_piece_is_the_whole_episode_s_envelope() -> None:
    # pieces of quiet audio with a rare loud peak, some shorter than the look-ahead itself
    rng = np.random.default_rng(7)
    widths = [5, 60, 3, 2, 90, 1, 40, 7, 30, 4, 55]

    def peaks(width: int) -> np.ndarray:
        return np.where(rng.random((2, width)) < 0.05, 1.2, 0.05).astype("<f4")

    known = [(audio.Piece(None, width * 45), peaks(width)) for width in widths]
    scale, ceiling = 10 ** (6 / 20), 0.8
    whole = audio.gain_envelope(np.concatenate([levels[0] for _, levels in known]), scale, ceiling)
    assert whole.min() < 0.7  # the limiter works hard here
    pieces = []
    for n, (_, levels) in enumerate(known):
        before, after = audio._neighbours(known, n)
        envelope = audio.gain_envelope(np.concatenate([before, levels[0], after]), scale, ceiling)
        pieces.append(envelope[len(before) : len(before) + levels.shape[1]])
    np.testing.assert_allclose(np.concatenate(pieces), whole, rtol=1e-12)


def test_an_episode_encoded_as_it_is_spoken_is_the_one_encoded_at_once(tmp_path: Path) -> None:
    sections = [section_audio(tmp_path, 0, [3.0, 2.5]), section_audio(tmp_path, 1, [4.0, 1.0, 2.0], 0.3)]
    tags = Tags("Title", None, "Show", None, None)
    at_once = encode(stitch(sections, SETTINGS), tmp_path / "once.mp3", tags, SETTINGS)
    streamed = audio.EncodingAsSpoken([(s.section.title, len(s.clips)) for s in sections], tmp_path / "streamed.mp3",
                                      SETTINGS)
    for section in sections:
        for clip in section.clips:
            streamed.add(clip)  # the encode starts on its own thread with the first clip
            time.sleep(0.05)
    result = streamed.finish(sections, tags)
    assert result.path.read_bytes() == at_once.path.read_bytes()
    assert (result.chapters, result.cues, result.duration_ms) == (at_once.chapters, at_once.cues, at_once.duration_ms)


def test_a_stopped_encode_leaves_nothing_behind(tmp_path: Path) -> None:
    sections = [section_audio(tmp_path, 0, [3.0, 2.5])]
    streamed = audio.EncodingAsSpoken([("Section 0", 2)], tmp_path / "x.mp3", SETTINGS)
    streamed.add(sections[0].clips[0])
    streamed.abort()  # as when the speech of the next paragraph fails
    assert not streamed._thread.is_alive()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".wav")) == []


def test_an_encode_stopped_after_its_last_clip_ends_and_leaves_nothing_behind(tmp_path: Path) -> None:
    sections = [section_audio(tmp_path, 0, [3.0, 2.5])]
    streamed = audio.EncodingAsSpoken([("Section 0", 2)], tmp_path / "x.mp3", SETTINGS)
    for clip in sections[0].clips:
        streamed.add(clip)  # the last: the encode knows the end, and waits for the tags
    streamed.abort()  # as when the MP3 already published turns out to be these very bytes
    assert not streamed._thread.is_alive()
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".wav")) == []
