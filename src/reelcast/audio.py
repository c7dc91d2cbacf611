"""Section audio -> one loudness-normalised, tagged, chaptered MP3.

Stitching (pydub) and timing happen here, so chapter starts and transcript cues are taken from the
very audio we encode. Loudness is measured, not assumed: each encode is metered with ffmpeg's
EBU R128 filter and the gain corrected until the MP3 itself meets the target.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from mutagen.id3 import CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, WOAS, CTOCFlags
from mutagen.mp3 import MP3

from reelcast.config import AudioSettings
from reelcast.errors import AudioError
from reelcast.ffmpeg import AudioSegment, measure_loudness, run_ffmpeg
from reelcast.models import Chapter, Clip, Cue, EpisodeAudio, SectionAudio
from reelcast.speakable import split_sentences

log = logging.getLogger(__name__)

_LOUDNESS_TOLERANCE_LU = 0.3
_MAX_ENCODES = 3
_MAX_GAIN_STEPS = 6
# What LAME's low-pass took from limited eSpeak speech here (0.4-0.5 LU); each episode measures its own.
_EXPECTED_ENCODER_LOSS_LU = 0.4
_SILENCE_LUFS = -70.0  # the absolute gate of EBU R128: nothing quieter counts as sound
# The limiter works on sample peaks; encoding adds inter-sample peaks, so it aims a little lower.
_CEILING_HEADROOM_DB = 0.5


@dataclass(frozen=True, slots=True)
class Stitched:
    audio: AudioSegment
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]


@dataclass(frozen=True, slots=True)
class Tags:
    title: str
    artist: str | None
    album: str
    date: datetime | None
    comment: str | None  # the source URL
    language: str | None = None


def stitch(sections: Sequence[SectionAudio], settings: AudioSettings) -> Stitched:
    """Join the clips, with a short pause between paragraphs and a longer one between sections."""
    if not sections or not any(s.clips for s in sections):
        raise AudioError("there is no audio to stitch")
    first = AudioSegment.from_file(sections[0].clips[0].wav)
    rate = first.frame_rate
    paragraph_pause = AudioSegment.silent(settings.paragraph_pause_ms, frame_rate=rate)
    section_pause = AudioSegment.silent(settings.section_pause_ms, frame_rate=rate)

    pieces: list[AudioSegment] = []
    position = 0
    chapters: list[Chapter] = []
    cues: list[Cue] = []
    for n, section in enumerate(sections):
        if n:
            pieces.append(section_pause)
            position += len(section_pause)
        start = position
        for k, clip in enumerate(section.clips):
            if k:
                pieces.append(paragraph_pause)
                position += len(paragraph_pause)
            audio = AudioSegment.from_file(clip.wav).set_channels(1).set_frame_rate(rate)
            pieces.append(audio)
            cues.extend(clip_cues(clip, position, len(audio)))
            position += len(audio)
        chapters.append(Chapter(section.section.title, start, position))

    joined = sum(pieces[1:], pieces[0])
    # Chapters tile the episode: each runs until the next begins, the last to the very end.
    tiled = [Chapter(c.title, c.start_ms, nxt.start_ms) for c, nxt in zip(chapters, chapters[1:], strict=False)]
    tiled.append(Chapter(chapters[-1].title, chapters[-1].start_ms, len(joined)))
    return Stitched(joined, tuple(tiled), tuple(cues))


def clip_cues(clip: Clip, offset_ms: int, duration_ms: int) -> list[Cue]:
    """One cue per sentence, timed by the engine's word events (or the whole clip without them)."""
    if not clip.word_starts:
        return [Cue(offset_ms, offset_ms + duration_ms, clip.text)]
    starts: list[tuple[int, str]] = []
    position = 0
    for sentence in split_sentences(clip.text):
        found = clip.text.find(sentence, position)
        position = found if found >= 0 else position
        starts.append((position, sentence))
        position += len(sentence)

    def heard_at(char: int) -> int:
        # the first word that starts at or after the sentence's first character
        for position, ms in clip.word_starts:
            if position >= char:
                return ms
        return clip.word_starts[-1][1]

    times = [0 if i == 0 else heard_at(char) for i, (char, _) in enumerate(starts)]
    ends = times[1:] + [duration_ms]
    return [
        Cue(offset_ms + t, offset_ms + max(t, end), text)
        for t, end, (_, text) in zip(times, ends, starts, strict=True)
        if text
    ]


def encode(stitched: Stitched, out: Path, tags: Tags, settings: AudioSettings, workdir: Path) -> EpisodeAudio:
    """Master `stitched` to `out` (an MP3 at the settings' loudness), tag it, and add its chapters."""
    source = workdir / "stitched.wav"
    stitched.audio.export(source, format="wav")
    loudness = measure_loudness(source, true_peak=False)
    if loudness.integrated_lufs <= _SILENCE_LUFS:
        raise AudioError("the stitched audio is silent: the speech engine produced no sound")

    tmp = out.with_name(f".{out.name}.part")
    target = settings.target_lufs
    ceiling = settings.true_peak_db - _CEILING_HEADROOM_DB
    gain = target - loudness.integrated_lufs
    # Encoding costs seven times what the filters do, so the gain is found on the filtered audio,
    # then the MP3 is encoded and measured itself. The encoder takes a little loudness away (its
    # low-pass drops what the limiter adds up high); that loss, once measured, is made up.
    encoder_loss = _EXPECTED_ENCODER_LOSS_LU
    for _encode in range(_MAX_ENCODES):
        gain, filtered = _find_gain(source, gain, ceiling, settings, target + encoder_loss)
        _encode_once(source, tmp, gain, ceiling, settings)
        result = measure_loudness(tmp)
        log.debug("gain %+.2f dB, ceiling %.2f dBFS -> %s", gain, ceiling, result)
        loud_ok = abs(result.integrated_lufs - target) <= _LOUDNESS_TOLERANCE_LU
        if loud_ok and result.true_peak_db <= settings.true_peak_db:
            break
        encoder_loss = filtered - result.integrated_lufs
        if loud_ok:  # an encoder overshoot between the samples: lower the ceiling by as much
            ceiling -= result.true_peak_db - settings.true_peak_db + 0.1
    else:
        tmp.unlink(missing_ok=True)
        raise AudioError(
            f"could not reach {target} LUFS with true peak at most {settings.true_peak_db} dBTP "
            f"(last: {result.integrated_lufs:.1f} LUFS, {result.true_peak_db:.1f} dBTP); try a lower target_lufs"
        )

    write_tags(tmp, tags, stitched.chapters)
    duration_ms = round(MP3(tmp).info.length * 1000)
    os.replace(tmp, out)
    return EpisodeAudio(
        path=out,
        duration_ms=duration_ms,
        size_bytes=out.stat().st_size,
        chapters=stitched.chapters,
        cues=stitched.cues,
    )


def _find_gain(source: Path, gain: float, ceiling: float, settings: AudioSettings, aim: float) -> tuple[float, float]:
    """The gain that brings the limited audio to `aim` LUFS (within 0.1 LU), and the loudness it gives.

    Secant steps: past the ceiling the limiter makes loudness rise slower than gain.
    """
    tried: list[tuple[float, float]] = []
    for _step in range(_MAX_GAIN_STEPS):
        measured = measure_loudness(source, true_peak=False, filters=_chain(gain, ceiling, settings)).integrated_lufs
        tried.append((gain, measured))
        if abs(measured - aim) <= 0.1:
            break
        slope = 1.0
        if len(tried) > 1:
            (g0, m0), (g1, m1) = tried[-2], tried[-1]
            if g1 != g0 and m1 != m0:
                slope = min(1.0, max(0.2, (m1 - m0) / (g1 - g0)))
        gain += (aim - measured) / slope
    return tried[-1]


def _chain(gain_db: float, ceiling_db: float, settings: AudioSettings) -> str:
    """Resample, gain, and a look-ahead limiter on the peaks."""
    return (
        f"aresample={settings.sample_rate}:resampler=soxr,"
        f"volume={gain_db:.2f}dB,"
        f"alimiter=limit={10 ** (ceiling_db / 20):.4f}:attack=5:release=50:level=disabled"
    )


def _encode_once(source: Path, out: Path, gain_db: float, ceiling_db: float, settings: AudioSettings) -> None:
    run_ffmpeg([
        "-i", str(source), "-af", _chain(gain_db, ceiling_db, settings),
        "-ar", str(settings.sample_rate), "-ac", "1",
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k", "-write_xing", "1", "-f", "mp3", str(out),
    ])  # fmt: skip


def write_tags(path: Path, tags: Tags, chapters: Sequence[Chapter]) -> None:
    """ID3v2.4 tags, and chapters as CHAP frames under one top-level CTOC (ID3v2 Chapter Frame Addendum)."""
    id3 = ID3()
    id3.add(TIT2(encoding=3, text=tags.title))
    id3.add(TALB(encoding=3, text=tags.album))
    id3.add(TCON(encoding=3, text="Podcast"))
    if tags.artist:
        id3.add(TPE1(encoding=3, text=tags.artist))
    if tags.date:
        id3.add(TDRC(encoding=3, text=tags.date.strftime("%Y-%m-%d")))
    if tags.comment:
        id3.add(COMM(encoding=3, lang="eng", desc="", text=tags.comment))
        id3.add(WOAS(url=tags.comment))
    if tags.language:
        id3.add(TLAN(encoding=3, text=tags.language))
    ids = [f"chp{n}" for n in range(len(chapters))]
    id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids,
                 sub_frames=[TIT2(encoding=3, text="Chapters")]))
    for element_id, chapter in zip(ids, chapters, strict=True):
        id3.add(CHAP(element_id=element_id, start_time=chapter.start_ms, end_time=chapter.end_ms,
                     sub_frames=[TIT2(encoding=3, text=chapter.title)]))
    try:
        id3.save(path, v2_version=4)
    except Exception as exc:  # mutagen raises several unrelated types for an unwritable file
        raise AudioError(f"could not tag {path.name}: {exc}") from exc
