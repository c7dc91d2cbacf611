"""Section audio -> one loudness-normalised, tagged, chaptered MP3, in one pass over the audio.

Loudness is measured in-process (ITU-R BS.1770: K-weighting, 400 ms blocks every 100 ms, the
absolute and relative gates), true peaks are limited in-process (4x oversampled detection, a
look-ahead gain envelope), and the episode is encoded exactly once, streamed into ffmpeg
paragraph by paragraph: memory holds one paragraph, never the episode.

Every clip is padded with silence to a whole number of 100 ms, and the pauses are whole tenths
of a second, so each clip's 100 ms steps fall on the episode's. A clip's `levels` (its peak and
K-weighted energy in each ~2 ms block) are computed once, where it was spoken, and cached with it.
The gain is found on those: how loud the episode is after limiting at a given gain is worked out
from the levels, without reading the audio. (Every clip follows a pause in which the filter
settles, so measuring it alone gives what measuring it in place would.) Then one pass reads the
clips, gains and limits them sample by sample, and encodes. What the listener hears is worked out
from the levels too: on the example and seven corpus pages, gained and limited up to 3 dB past the
ceiling, that matched a K-weighted measure of the very samples handed to the encoder within
0.001 LU, so the samples are not measured again.
"""

from __future__ import annotations

import difflib
import functools
import hashlib
import itertools
import logging
import math
import os
import queue
import re
import threading
import wave
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TCON, TDRC, TIT2, TLAN, TPE1, WOAS, CTOCFlags, PictureType
from mutagen.id3._tags import save_frame
from mutagen.mp3 import MP3, HeaderNotFoundError

from reelcast import mp3
from reelcast.config import AudioSettings
from reelcast.errors import AudioError
from reelcast.ffmpeg import run_ffmpeg
from reelcast.models import Chapter, Clip, Cue, EpisodeAudio, SectionAudio, Sentence

log = logging.getLogger(__name__)

HOP_S = 0.1  # BS.1770: gating blocks of 400 ms start every 100 ms
_LEVEL_BLOCKS = 49  # level blocks per 100 ms: 45 samples at 22.05 kHz (2.04 ms)
_BLOCK_HOPS = 4
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = -10.0
_LOUDNESS_TOLERANCE_LU = 0.2  # how close the limited audio must come, or the gain is corrected once
# Resampling to 44.1 kHz and LAME at 96 kbps took 0.5 LU from limited eSpeak speech, as ffmpeg's
# ebur128 meter reads the MP3 against what we measured before encoding (both meters agree on a
# WAV): the audio is made that much louder before it is encoded.
_ENCODER_LOSS_LU = 0.5
# The limiter keeps true peaks this far under the setting, for what the encoder adds (0.1 dB here).
_CEILING_HEADROOM_DB = 0.4
_OVERSAMPLE = 4
_ATTACK_S = 0.005  # the gain envelope is smoothed over this...
_HOLD_S = 0.02  # ...and held down this long either side of a peak
# Part of the key of an encoded episode: change it when mastering changes what it makes.
# 3: encoded in parts, side by side; 4: the limiter's gain drawn per block; 5: the last parts cut
# with the end in sight
_MASTERING_VERSION = 5
# ...and this when the cues kept with it are timed differently (2: by word events)
_CUE_VERSION = 2
# LAME's frames: a decoded MP3 is longer than its input by the encoder delay and padding.
_MP3_SLACK_MS = 100


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch of the episode: a clip's samples (then silence to a whole hop), or a pause."""

    wav: Path | None
    frames: int  # as heard in the episode, padding included


@dataclass(frozen=True, slots=True)
class Stitched:
    """The episode as a plan: what plays when. No audio is read until it is encoded."""

    pieces: tuple[Piece, ...]
    rate: int
    levels: np.ndarray  # (2, blocks): peak and K-weighted energy of each level block of the episode
    chapters: tuple[Chapter, ...]
    cues: tuple[Cue, ...]
    piece_levels: tuple[np.ndarray, ...] = ()  # the same blocks, piece by piece

    def laid(self) -> Iterator[tuple[Piece, np.ndarray]]:
        return zip(self.pieces, self.piece_levels, strict=True)

    @property
    def frames(self) -> int:
        return sum(p.frames for p in self.pieces)

    @property
    def duration_ms(self) -> int:
        return round(self.frames * 1000 / self.rate)


@dataclass(frozen=True, slots=True)
class Tags:
    title: str
    artist: str | None
    album: str
    date: datetime | None
    comment: str | None  # the source URL
    language: str | None = None
    image: bytes | None = None  # the episode's art (PNG or JPEG bytes), embedded as its front cover
    cover: bytes | None = None  # the show's cover, embedded after it as the publisher's logo


# --- loudness (ITU-R BS.1770-4) ---------------------------------------------------------------


def k_weighting(rate: int) -> np.ndarray:
    """The two biquads of BS.1770's K-weighting (a high shelf, then a high pass) at `rate`, as SOS:
    Brecht De Man's bilinear derivation, which gives the recommendation's 48 kHz coefficients
    exactly and the same curve at any other rate (as pyloudnorm and libebur128 use)."""

    def poles(fc: float, q: float) -> tuple[float, float, float]:
        k = math.tan(math.pi * fc / rate)
        return k, q, 1 + k / q + k * k

    k, q, norm = poles(1681.9744509555319, 0.7071752369554193)
    vh = 10 ** (3.99984385397 / 20)
    vb = vh**0.4996667741545416
    shelf = [(vh + vb * k / q + k * k) / norm, 2 * (k * k - vh) / norm, (vh - vb * k / q + k * k) / norm,
             1.0, 2 * (k * k - 1) / norm, (1 - k / q + k * k) / norm]
    k, q, norm = poles(38.13547087613982, 0.5003270373253953)
    high_pass = [1.0, -2.0, 1.0, 1.0, 2 * (k * k - 1) / norm, (1 - k / q + k * k) / norm]
    return np.array([shelf, high_pass])


def hop_frames(rate: int) -> int:
    frames = rate * HOP_S
    if not float(frames).is_integer():
        raise AudioError(f"audio at {rate} Hz cannot be cut into 100 ms steps; speech engines give 22050 or 16000 Hz")
    return int(frames)


@functools.cache
def _k_response(rate: int) -> np.ndarray:
    """The K-weighting filter's impulse response, long enough that what is cut off is below
    -120 dB (the high pass's slowest pole, at 38 Hz, has died away within about 0.4 s): the
    biquads' frequency response sampled finely and transformed back (the part that folds over
    from beyond eight times that length is nil)."""
    length = 1 << math.ceil(math.log2(rate * 0.4))
    size = 8 * length
    z = np.exp(-1j * np.pi * np.arange(size // 2 + 1) / (size // 2))  # z^-1 around the unit circle
    response = np.ones_like(z)
    for b0, b1, b2, _a0, a1, a2 in k_weighting(rate):
        response *= (b0 + b1 * z + b2 * z * z) / (1 + a1 * z + a2 * z * z)
    return np.fft.irfft(response, size)[:length]


@functools.cache
def _k_spectrum(rate: int, size: int) -> np.ndarray:
    """The response's spectrum for overlap-add blocks of `size`."""
    return np.fft.rfft(_k_response(rate), size).astype(np.complex64)


def k_filtered(samples: np.ndarray, rate: int) -> np.ndarray:
    """`samples` through the K-weighting filter, as float32: a long FIR of its impulse response,
    applied by FFT in overlap-add blocks (numpy alone: scipy.signal's import costs more than a
    whole clip's filtering). Single precision is ample: loudness is read to 0.01 LU, and float32
    FFTs of blocks are about three times faster than one float64 FFT of the whole clip. Blocks
    four times the response's length are the fastest on a paragraph (a third faster than twice,
    measured); a short clip takes blocks of twice."""
    h = _k_response(rate)
    size = (4 if len(samples) > 4 * len(h) else 2) * len(h)
    spectrum = _k_spectrum(rate, size)
    step = size - len(h) + 1
    out = np.zeros(len(samples) + size, dtype=np.float32)
    for start in range(0, len(samples), step):
        block = np.fft.rfft(samples[start : start + step].astype(np.float32), size)
        out[start : start + size] += np.fft.irfft(block * spectrum, size)
    return out[: len(samples)]


def levels(pcm: bytes, rate: int) -> bytes:
    """A spoken clip's levels, as cached with it: for each level block (1/49 of 100 ms) of the clip
    padded to a whole 100 ms, its true peak (4x oversampled) and its K-weighted energy, as float32
    rows. Computed where the clip is spoken, in parallel, so mastering needs no oversampling."""
    hop = hop_frames(rate)
    if hop % _LEVEL_BLOCKS:
        raise AudioError(f"audio at {rate} Hz does not divide into level blocks; speech engines give 22050 Hz")
    x = np.zeros(-(-len(pcm) // 2 // hop) * hop, dtype=np.float32)
    x[: len(pcm) // 2] = np.frombuffer(pcm, dtype="<i2") / np.float32(32768)
    block = hop // _LEVEL_BLOCKS
    peaks = true_peaks(x).reshape(-1, block).max(axis=1)
    energies = np.square(k_filtered(x, rate)).reshape(-1, block).sum(axis=1)
    return np.stack([peaks, energies]).astype("<f4").tobytes()


def read_levels(data: bytes) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").reshape(2, -1)


def integrated_loudness(energies: Sequence[float] | np.ndarray, rate: int) -> float:
    """BS.1770 gated integrated loudness (LUFS) of audio with these K-weighted 100 ms energies."""
    hops = np.asarray(energies, dtype=np.float64)
    if len(hops) < _BLOCK_HOPS:
        return -math.inf
    window = np.lib.stride_tricks.sliding_window_view(hops, _BLOCK_HOPS)
    blocks = window.sum(axis=1) / (_BLOCK_HOPS * hop_frames(rate))
    with np.errstate(divide="ignore"):
        loudness = -0.691 + 10 * np.log10(blocks)
    gated = blocks[loudness > _ABSOLUTE_GATE_LUFS]
    if not len(gated):
        return -math.inf
    relative = -0.691 + 10 * math.log10(gated.mean()) + _RELATIVE_GATE_LU
    kept = gated[-0.691 + 10 * np.log10(gated) > relative]
    return -0.691 + 10 * math.log10(kept.mean())


# --- true-peak limiting -----------------------------------------------------------------------


@functools.cache
def _interpolator() -> np.ndarray:
    """The 4x upsampling FIR for true-peak detection: a Hamming-windowed sinc of 49 taps (12 per
    phase, as BS.1770's own), cut off at the original Nyquist frequency."""
    taps = np.arange(12 * _OVERSAMPLE + 1) - 6 * _OVERSAMPLE
    return (np.sinc(taps / _OVERSAMPLE) * np.hamming(len(taps))).astype(np.float32)


def true_peaks(x: np.ndarray) -> np.ndarray:
    """The largest magnitude at or just after each sample (at 4x the rate): BS.1770's true peak.

    Each of the three in-between phases is a 13-tap FIR over the samples (polyphase), so nothing
    is ever held at four times the rate; each is summed as 13 shifted copies of the samples
    (np.convolve makes one call per output sample, three times slower). The samples are taken
    in chunks that stay in the core's cache, through two buffers made once: over a whole clip,
    each of the 39 multiply-adds went out to memory and back, and allocated its temporary (twice
    the time, and a page fault for every page of every temporary)."""
    h = _interpolator()
    taps_per_phase = len(h[1::_OVERSAMPLE])
    padded = np.concatenate([np.zeros(taps_per_phase - 7, x.dtype), x, np.zeros(6, x.dtype)])
    phases = [h[phase::_OVERSAMPLE] for phase in range(1, _OVERSAMPLE)]  # the value at n + phase/4
    peaks = np.abs(x)
    between, product = np.empty(_PEAK_CHUNK, x.dtype), np.empty(_PEAK_CHUNK, x.dtype)
    for start in range(0, len(x), _PEAK_CHUNK):
        count = min(_PEAK_CHUNK, len(x) - start)
        total, term, chunk_peaks = between[:count], product[:count], peaks[start : start + count]
        for taps in phases:
            total[:] = 0  # total[i] = sum of taps[k] * x[start + i + 6 - k]: the samples 5 before to 6 after
            for k, tap in enumerate(taps):
                at = start + taps_per_phase - 1 - k
                np.multiply(padded[at : at + count], tap, out=term)
                total += term
            np.maximum(chunk_peaks, np.abs(total, out=total), out=chunk_peaks)
    return peaks


# Samples per chunk of true_peaks: its three arrays of float32 stay within a core's L2 cache (fastest
# measured of 2,048 to 131,072; 2.2x the whole-clip sums on a 20 s clip).
_PEAK_CHUNK = 32_768


def gain_envelope(block_peaks: np.ndarray, scale: float, ceiling: float) -> np.ndarray:
    """The limiter's gain for each level block, to hold true peaks under `ceiling` after `scale`.

    The gain a block needs is taken as the minimum over a window around it, then smoothed: the
    envelope falls before a peak arrives (look-ahead) and rises after, never above what any block
    in reach needs, so peaks are met without clipping.
    """
    need = np.minimum(1.0, ceiling / np.maximum(block_peaks.astype(np.float64) * scale, 1e-12))
    return np.minimum(_moving_mean(_moving_min(need, _HOLD_REACH), _SMOOTH_BLOCKS), need)


_SMOOTH_BLOCKS = max(1, math.ceil(_ATTACK_S / (HOP_S / _LEVEL_BLOCKS)))
_HOLD_REACH = _SMOOTH_BLOCKS // 2 + math.ceil(_HOLD_S / (HOP_S / _LEVEL_BLOCKS))
# How far a block's peak reaches into the envelope: the hold, then the smoothing (and one to spare).
_REACH_BLOCKS = _HOLD_REACH + _SMOOTH_BLOCKS + 1


def _moving_min(x: np.ndarray, reach: int) -> np.ndarray:
    """The minimum of x over [n - reach, n + reach] (edges padded with the edge value)."""
    padded = np.pad(x, reach, mode="edge")
    return np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1).min(axis=1)


def _moving_mean(x: np.ndarray, size: int) -> np.ndarray:
    """The mean of x over a centred window of `size` (edges reflected)."""
    if size <= 1:
        return x
    left = size // 2
    padded = np.pad(x, (left, size - 1 - left), mode="reflect")
    sums = np.cumsum(np.concatenate([[0.0], padded]))
    return (sums[size:] - sums[:-size]) / size


def limit(x: np.ndarray, envelope: np.ndarray) -> np.ndarray:
    """`x` times the block `envelope`, drawn as straight lines between block centres (a block
    and its neighbours are all within the envelope's reach, so no sample gets more than it may).

    Only the blocks that a gain under 1 reaches are touched; each is drawn as two half-block ramps
    from a table of the steps in one block (np.interp over every sample took five times longer)."""
    if envelope.min() >= 1.0:
        return x
    count = len(envelope)
    block = len(x) // count
    if block * count != len(x) or block % 2 == 0:
        raise AudioError(f"{len(x)} samples do not make {count} level blocks of an odd length")
    # the gain at the centres, with the first and last held flat out to the ends
    at = np.concatenate([envelope[:1], envelope, envelope[-1:]]).astype(np.float64)
    touched = np.flatnonzero(np.minimum(np.minimum(at[:-2], at[1:-1]), at[2:]) < 1.0)
    half = block // 2  # the samples before the centre, drawn from the previous centre's gain
    steps = (np.arange(block) - half) / block  # -0.49 .. +0.49: how far each sample is from the centre
    before, centre, after = at[touched], at[touched + 1], at[touched + 2]
    towards = np.where(steps < 0, before[:, None], after[:, None])
    gains = centre[:, None] + (centre[:, None] - towards) * np.where(steps < 0, steps, -steps)[None, :]
    out = x.copy()
    rows = out.reshape(count, block)
    rows[touched] *= gains.astype(x.dtype)
    return out


def limited_loudness(levels: np.ndarray, rate: int, gain_db: float, ceiling: float) -> float:
    """The loudness after `gain_db` and the limiter, worked out from the level blocks alone."""
    scale = 10 ** (gain_db / 20)
    energies = levels[1] * (scale * gain_envelope(levels[0], scale, ceiling)) ** 2
    return integrated_loudness(energies.reshape(-1, _LEVEL_BLOCKS).sum(axis=1), rate)


def find_gain(levels: np.ndarray, rate: int, target: float, ceiling: float) -> float:
    """The gain (dB) that brings the limited episode to `target` LUFS: secant steps, since past
    the ceiling the limiter makes loudness rise slower than gain."""
    hops = levels[1].reshape(-1, _LEVEL_BLOCKS).sum(axis=1)
    loudness = integrated_loudness(hops, rate)
    if loudness == -math.inf:
        raise AudioError("the stitched audio is silent: the speech engine produced no sound")
    tried = [(0.0, loudness)]
    gain = target - loudness
    for _step in range(12):
        heard = limited_loudness(levels, rate, gain, ceiling)
        tried.append((gain, heard))
        if abs(heard - target) <= 0.02:
            break
        (g0, m0), (g1, m1) = tried[-2], tried[-1]
        slope = (m1 - m0) / (g1 - g0) if g1 != g0 else 1.0
        gain += (target - heard) / min(1.0, max(0.05, slope))
    else:
        raise AudioError(f"the limiter cannot bring this audio to {target} LUFS under the true-peak "
                         "ceiling; try a lower target_lufs")
    return gain


# --- the episode ------------------------------------------------------------------------------


class Stitching:
    """The episode's plan, laid out clip by clip in script order, as the clips are spoken: a short
    pause between paragraphs and a longer one between sections; chapters and cues are timed from
    the very plan that is encoded. `shape` is each section's title and paragraph count."""

    def __init__(self, shape: Sequence[tuple[str, int]], settings: AudioSettings) -> None:
        self.shape = [(title, count) for title, count in shape if count]
        self.settings = settings
        self.pieces: list[Piece] = []
        self.blocks: list[np.ndarray] = []
        self.chapters: list[Chapter] = []
        self.cues: list[Cue] = []
        self.rate = 0
        self.position = 0  # frames
        self._section = self._paragraph = 0

    def add(self, clip: Clip) -> list[tuple[Piece, np.ndarray]]:
        """Lay `clip`, the next paragraph of the script, after what is laid; the pieces it adds
        (the pause before it, then its audio), each with its level blocks."""
        if self.complete:
            raise AudioError("more clips than the script has paragraphs")
        if not self.rate:
            self.rate = _wav_rate(clip.wav)
        rate, hop = self.rate, hop_frames(self.rate)
        added = []
        if self._paragraph:
            added.append(self._lay(Piece(None, _pause_frames(self.settings.paragraph_pause_ms, rate))))
        else:
            if self._section:
                added.append(self._lay(Piece(None, _pause_frames(self.settings.section_pause_ms, rate))))
            self.chapters.append(Chapter(self.shape[self._section][0], self._ms(self.position), 0))
        frames = _wav_frames(clip.wav, rate)
        padded = -(-frames // hop) * hop
        clip_levels = read_levels(clip.levels)
        if clip_levels.shape[1] != padded // hop * _LEVEL_BLOCKS:
            raise AudioError(f"the cached speech {clip.wav.name} does not match its levels; run with --force")
        self.cues.extend(clip_cues(clip, self._ms(self.position), self._ms(frames)))
        added.append(self._lay(Piece(clip.wav, padded), clip_levels))
        self._paragraph += 1
        if self._paragraph == self.shape[self._section][1]:
            self._section, self._paragraph = self._section + 1, 0
        return added

    @property
    def complete(self) -> bool:
        """Whether every paragraph of the script is laid."""
        return self._section >= len(self.shape)

    def done(self) -> Stitched:
        """The whole plan, once every paragraph is laid. Chapters tile the episode: each runs until
        the next begins, the last to the very end."""
        if not self.pieces:
            raise AudioError("there is no audio to stitch")
        if not self.complete:
            raise AudioError("the episode is missing paragraphs of its script")
        starts = [c.start_ms for c in self.chapters[1:]] + [self._ms(self.position)]
        chapters = tuple(Chapter(c.title, c.start_ms, end) for c, end in zip(self.chapters, starts, strict=True))
        return Stitched(tuple(self.pieces), self.rate, np.concatenate(self.blocks, axis=1), chapters, tuple(self.cues),
                        tuple(self.blocks))

    def _lay(self, piece: Piece, piece_levels: np.ndarray | None = None) -> tuple[Piece, np.ndarray]:
        if piece_levels is None:  # a pause: silence
            piece_levels = np.zeros((2, piece.frames // hop_frames(self.rate) * _LEVEL_BLOCKS), dtype="<f4")
        self.pieces.append(piece)
        self.blocks.append(piece_levels)
        self.position += piece.frames
        return piece, piece_levels

    def _ms(self, frames: int) -> int:
        return round(frames * 1000 / self.rate)


def stitch(sections: Sequence[SectionAudio], settings: AudioSettings) -> Stitched:
    """Lay all the clips of `sections` end to end (see Stitching)."""
    stitching = Stitching([(s.section.title, len(s.clips)) for s in sections], settings)
    for section in sections:
        for clip in section.clips:
            stitching.add(clip)
    return stitching.done()


def master_key(sections: Sequence[SectionAudio], tags: Tags, settings: AudioSettings) -> str:
    """A hash of everything that decides the MP3's bytes: the clips (their cache names are hashes of
    their sound), the chapter titles, the tags, the audio settings and the encoder. The same key
    means the same file: encoding is bit-exact and the tags hold nothing of the time of the run."""
    import importlib.metadata

    from reelcast.cache import digest

    try:
        encoder = importlib.metadata.version("imageio-ffmpeg")
    except importlib.metadata.PackageNotFoundError:
        encoder = None
    return digest({
        "mastering": _MASTERING_VERSION, "cues": _CUE_VERSION, "encoder": [encoder, os.environ.get("REELCAST_FFMPEG")],
        "sections": [[s.section.title, [c.wav.name for c in s.clips]] for s in sections],
        # the cues kept with the encode show the written sentences, which the sound does not decide
        "written": [c.paragraph.written for s in sections for c in s.clips],
        "tags": [tags.title, tags.artist, tags.album, tags.date and tags.date.strftime("%Y-%m-%d"), tags.comment,
                 tags.language, tags.image and hashlib.sha256(tags.image).hexdigest(),
                 tags.cover and hashlib.sha256(tags.cover).hexdigest()],
        "settings": [settings.bitrate_kbps, settings.sample_rate, settings.target_lufs, settings.true_peak_db,
                     settings.paragraph_pause_ms, settings.section_pause_ms],
    })


def clip_cues(clip: Clip, offset_ms: int, duration_ms: int) -> list[Cue]:
    """One cue per sentence as written, timed by when the engine said it (its spoken form) starts."""
    sentences = clip.paragraph.sentences
    starts = list(clip.sentence_starts_ms)
    if len(starts) != len(sentences):  # an engine that reports no times: the paragraph is one cue
        return [Cue(offset_ms, offset_ms + duration_ms, clip.paragraph.written)]
    ends = starts[1:] + [duration_ms]
    spoken = list(clip.word_starts_ms)
    if len(spoken) != len(clip.paragraph.text.split()):
        spoken = []  # an engine without word events: captions cut a long cue by its share of characters
    cues, first = [], 0
    for start, end, sentence in zip(starts, ends, sentences, strict=True):
        count = len(sentence.text.split())
        heard = spoken[first : first + count]
        first += count
        words = tuple(offset_ms + ms for ms in written_word_starts(sentence, heard)) if heard else ()
        cues.append(Cue(offset_ms + start, offset_ms + max(start, end), sentence.shown, words))
    return cues


def written_word_starts(sentence: Sentence, spoken_ms: Sequence[int]) -> list[int]:
    """When each written word of `sentence` is heard, from the times of its spoken words. The two
    forms differ where numbers became words or the lexicon respelt a name ("2021" is "twenty
    twenty-one"): words the same in both keep their own time, the others share their stretch's."""
    said = sentence.text.split()
    shown = sentence.shown.split()
    if said == shown:
        return list(spoken_ms)

    def plain(words: list[str]) -> list[str]:
        return [re.sub(r"\W+", "", w.casefold()) for w in words]

    times: list[int] = []
    matcher = difflib.SequenceMatcher(None, plain(shown), plain(said), autojunk=False)
    for _tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for i in range(i1, i2):
            j = j1 + (i - i1) * (j2 - j1) // (i2 - i1)  # a written word with no spoken one: when the next is said
            times.append(spoken_ms[min(j, len(spoken_ms) - 1)])
    return times


def encode(stitched: Stitched, out: Path, tags: Tags, settings: AudioSettings) -> EpisodeAudio:
    """Master `stitched` to `out`: gain to the target loudness, true peaks limited, one MP3
    encode, tags and chapters; its length checked against the plan before it is kept."""
    return encode_as_laid(stitched.laid(), lambda: stitched, out, lambda: tags, settings)


def encode_as_laid(
    arriving: Iterator[tuple[Piece, np.ndarray]],
    plan: Callable[[], Stitched],
    out: Path,
    tags: Callable[[], Tags],
    settings: AudioSettings,
) -> EpisodeAudio:
    """Master and encode the pieces of an episode as they are laid (`arriving` may wait for the
    speech of the next one), then tag it with `tags()` and the chapters of the finished `plan()`.

    The first gain comes from the first GAIN_FROM_S seconds of the episode, so the encode can start
    while the rest is still being spoken; what the whole episode sounds like at that gain is then
    worked out from its levels, and when it misses the target by more than the tolerance, the
    episode is encoded again at the gain its own levels call for. Either way the same clips give
    the same bytes, however fast they were spoken.
    """
    ceiling = 10 ** ((settings.true_peak_db - _CEILING_HEADROOM_DB) / 20)
    aim = settings.target_lufs + _ENCODER_LOSS_LU
    tmp = out.with_name(f".{out.name}.part")
    laid: list[tuple[Piece, np.ndarray]] = []
    parts = True
    try:
        try:
            gain, heard = _encode_pieces(_kept(arriving, laid), None, aim, ceiling, tmp, settings, parts)
        except mp3.Unjoinable as exc:  # an ffmpeg whose LAME frames parts otherwise: one stream, then
            log.warning("%s; encoding the episode as one stream", exc)
            parts = False
            gain, heard = _encode_pieces(iter(laid), None, aim, ceiling, tmp, settings, parts)
        stitched = plan()
        log.debug("gain %.2f dB -> %.2f LUFS after limiting (aim %.2f)", gain, heard, aim)
        if abs(heard - aim) > _LOUDNESS_TOLERANCE_LU:
            # the first minutes were not the episode: its own levels decide, and it is encoded again
            gain = find_gain(stitched.levels, stitched.rate, aim, ceiling)
            _encode_pieces(iter(laid), gain, aim, ceiling, tmp, settings, parts)
        write_tags(tmp, tags(), stitched.chapters)
        duration_ms = _checked_length(tmp, stitched)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return EpisodeAudio(path=out, duration_ms=duration_ms, size_bytes=out.stat().st_size,
                        chapters=stitched.chapters, cues=stitched.cues)


class EncodingAsSpoken:
    """The MP3 encode of an episode, started while its paragraphs are still being spoken: `add`
    takes each clip in script order (speak_script's on_clip), and the encode runs on a thread of
    its own, so the wall time is nearer the longer of speech and encode than their sum.

    The thread starts with the first clip, not before: the speech pool forks its workers first,
    which is only safe while this process has one thread. The end of the episode is known with its
    last clip, while its tags (its art is drawn meanwhile) are still to come: the encode can cut
    its last parts for the end before the tags are given, and waits for them only to write them."""

    _END = object()

    def __init__(self, shape: Sequence[tuple[str, int]], out: Path, settings: AudioSettings) -> None:
        self.stitching = Stitching(shape, settings)
        self.out, self.settings = out, settings
        self._tags: Tags | None = None  # given at the end: the episode's art is drawn while it is spoken
        self._tags_given = threading.Event()
        self._pieces: queue.Queue[object] = queue.Queue()
        self._ended = self._stopped = False
        self._thread: threading.Thread | None = None
        self._result: EpisodeAudio | None = None
        self._error: BaseException | None = None

    def add(self, clip: Clip) -> None:
        self._lay(clip)
        if self._thread is None:
            self._thread = threading.Thread(target=self._encode, name="encoder", daemon=True)
            self._thread.start()

    def finish(self, sections: Sequence[SectionAudio], tags: Tags) -> EpisodeAudio:
        """The encoded episode of `sections`, tagged with `tags`, whose clips were added as they
        were spoken, or (none added: they were all cached) are encoded now, in this thread."""
        self._tags = tags
        self._tags_given.set()
        if self._thread is None:
            for section in sections:
                for clip in section.clips:
                    self._lay(clip)
        self._end()  # if the clips were not all laid, the plan says so (Stitching.done)
        if self._thread is None:
            self._encode()
        else:
            self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result

    def abort(self) -> None:
        """Stop the encode (speech failed, or the published MP3 is kept): ffmpeg is killed."""
        self._stopped = True
        self._pieces.put(AudioError("the encode was stopped"))
        self._tags_given.set()
        if self._thread is not None:
            self._thread.join()
        self.out.with_name(f".{self.out.name}.part").unlink(missing_ok=True)

    def _lay(self, clip: Clip) -> None:
        for piece in self.stitching.add(clip):
            self._pieces.put(piece)
        if self.stitching.complete:
            self._end()

    def _end(self) -> None:
        if not self._ended:
            self._ended = True
            self._pieces.put(self._END)

    def _given_tags(self) -> Tags:
        self._tags_given.wait()  # finish() gives them, or abort() stops the wait
        if self._tags is None:
            raise AudioError("the encode was stopped")
        return self._tags

    def _arriving(self) -> Iterator[tuple[Piece, np.ndarray]]:
        while (piece := self._pieces.get()) is not self._END:
            if isinstance(piece, BaseException):
                raise piece
            if self._stopped:  # the end was queued before the order to stop
                raise AudioError("the encode was stopped")
            yield piece  # type: ignore[misc]

    def _encode(self) -> None:
        try:
            self._result = encode_as_laid(self._arriving(), self.stitching.done, self.out, self._given_tags,
                                          self.settings)
        except BaseException as exc:  # handed to the thread that waits for it
            self._error = exc


# How much of the episode decides the first gain: enough speech for its loudness to be the
# episode's (measured on eSpeak reviews: within 0.1 LU after two minutes), little enough that the
# encode starts early. A shorter episode waits for all of it.
GAIN_FROM_S = 120


def _kept(arriving: Iterator[tuple[Piece, np.ndarray]], laid: list) -> Iterator[tuple[Piece, np.ndarray]]:
    for piece in arriving:
        laid.append(piece)
        yield piece


def _encode_pieces(
    arriving: Iterator[tuple[Piece, np.ndarray]],
    gain_db: float | None,
    aim: float,
    ceiling: float,
    out: Path,
    settings: AudioSettings,
    parts: bool = True,
) -> tuple[float, float]:
    """Encode the pieces to `out` at `gain_db` (None: found from the first GAIN_FROM_S seconds),
    in parts side by side unless not `parts`; the gain it was encoded at, and the integrated
    loudness of what was handed to the encoder."""
    first = next(arriving, None)
    if first is None or first[0].wav is None:  # an episode starts with its first clip, never a pause
        raise AudioError("there is no audio to stitch")
    rate = _wav_rate(first[0].wav)
    mastering = _Mastering(gain_db)
    _encode_stream(_mastered(itertools.chain([first], arriving), rate, aim, ceiling, mastering),
                   out, rate, settings, parts)
    assert mastering.gain_db is not None
    return mastering.gain_db, integrated_loudness(np.concatenate(mastering.energies), rate)


@dataclass(frozen=True, slots=True)
class _Pause:
    """A pause in the mastered episode: where the encode may start a new part."""

    frames: int
    after: int | None = None  # the frames of the episode after it, once its end is known


@dataclass(slots=True)
class _Mastering:
    gain_db: float | None  # None until the first GAIN_FROM_S seconds have decided it
    # the K-weighted energy of each 100 ms handed on, as its level blocks and the limiter's gain on
    # them tell it (see the module's docstring): a few numbers a second, however long the episode
    energies: list[np.ndarray] = field(default_factory=list)


def _mastered(
    arriving: Iterator[tuple[Piece, np.ndarray]],
    rate: int,
    aim: float,
    ceiling: float,
    mastering: _Mastering,
) -> Iterator[bytes | _Pause]:
    """The episode as float32 samples at its own rate, piece by piece, gained and limited, and its
    pauses; the gain, once known, and what is handed on are kept in `mastering`.

    A piece is handed on once the gain is known and enough of what follows it has arrived for the
    limiter's look-ahead: its envelope is worked out on its own level blocks and _REACH_BLOCKS of
    its neighbours' either side, which is all that decides it. A pause is handed on once the end
    of the episode is known or too far off to matter to a cut there (see _end_sight), so the
    encode is cut the same way however fast the pieces arrive."""
    known: list[tuple[Piece, np.ndarray]] = []
    done, ended = 0, False
    arrived = handed = 0  # frames
    sight = _end_sight(rate)

    def take() -> None:
        nonlocal ended, arrived
        if (piece := next(arriving, None)) is None:
            ended = True
        else:
            known.append(piece)
            arrived += piece[0].frames

    while not ended or done < len(known):
        take()
        if mastering.gain_db is None and (ended or arrived >= GAIN_FROM_S * rate):
            mastering.gain_db = find_gain(np.concatenate([levels for _, levels in known], axis=1), rate, aim,
                                          ceiling)
        while mastering.gain_db is not None and done < len(known):
            before, after = _neighbours(known, done)
            if not ended and len(after) < _REACH_BLOCKS:
                break  # the look-ahead waits for the next clip
            scale = 10 ** (mastering.gain_db / 20)
            current, levels = known[done]
            envelope = gain_envelope(np.concatenate([before, levels[0], after]), scale, ceiling)
            envelope = envelope[len(before) : len(before) + levels.shape[1]]
            mastering.energies.append((levels[1] * (scale * envelope) ** 2).reshape(-1, _LEVEL_BLOCKS).sum(axis=1))
            done += 1
            handed += current.frames
            if current.wav is None:
                while not ended and arrived - handed < sight:
                    take()
                yield _Pause(current.frames, arrived - handed if ended else None)
                continue
            samples = np.zeros(current.frames, dtype=np.float32)
            pcm = _read_frames(current.wav)[: current.frames]
            samples[: len(pcm)] = pcm * np.float32(scale / 32768.0)
            yield limit(samples, envelope).astype("<f4").tobytes()


def _within_reach(known: list[tuple[Piece, np.ndarray]], order: range) -> list[np.ndarray]:
    """The peaks of the pieces `order` walks through, until _REACH_BLOCKS level blocks are had."""
    taken, count = [], 0
    for index in order:
        peaks = known[index][1][0]
        taken.append(peaks)
        count += len(peaks)
        if count >= _REACH_BLOCKS:
            break
    return taken


def _neighbours(known: list[tuple[Piece, np.ndarray]], index: int) -> tuple[np.ndarray, np.ndarray]:
    """The peaks of the _REACH_BLOCKS level blocks before piece `index` and after it (fewer at the
    ends, or where what follows has not arrived yet)."""
    before = _within_reach(known, range(index - 1, -1, -1))[::-1]
    after = _within_reach(known, range(index + 1, len(known)))
    nothing = np.zeros(0, dtype="<f4")
    return (np.concatenate(before)[-_REACH_BLOCKS:] if before else nothing,
            np.concatenate(after)[:_REACH_BLOCKS] if after else nothing)


def _encode_stream(chunks: Iterator[bytes | _Pause], out: Path, rate: int, settings: AudioSettings,
                   parts: bool = True) -> None:
    """Encode the chunks (float32 samples, or a pause) to `out`: in parts, on as many cores as
    there are, each part from a pause to a pause at least PART_S later (less near the end, see
    _Parts.pause), then joined (see mp3.py); as one stream when not `parts`, on one core, or when
    the rates do not let parts meet sample-exactly."""
    ratio, gap = divmod(settings.sample_rate, rate)
    if not parts or gap or mp3.ENCODER_DELAY % ratio or (os.cpu_count() or 1) < 2:
        _encode_part(chunks, out, rate, settings)
        return
    with _Parts(out, rate, settings) as parts:
        for chunk in chunks:
            if isinstance(chunk, _Pause):
                parts.pause(chunk, ratio)
            else:
                parts.write(chunk)
    try:
        if len(parts.paths) == 1:
            os.replace(parts.paths[0], out)
        else:
            mp3.join(parts.paths, out)
    finally:
        for path in parts.paths:
            path.unlink(missing_ok=True)


# A part of the encode runs at least this long (an ffmpeg start is ~15 ms of CPU), and ends in a
# pause long enough to hold the cut: up to a frame to make the part's end fall right, the gap
# between parts, and room either side for the resampler's filter, which must see only silence.
PART_S = 60
# Once the end of the episode is known, a part need only be as long as what is left after it,
# shared among the cores (down to this fraction of PART_S): the last parts shrink, and the cores
# finish together instead of one encoding the last minute alone while the other waits.
_LAST_PARTS_FRACTION = 1 / 6
_PART_PAUSE_S = 0.25
_RESAMPLER_ROOM_S = 0.02


def _end_sight(rate: int) -> int:
    """How far past a pause the encode must see (frames) to know whether to cut there for the end:
    with more than a full part for each core still to come, the end does not shorten a cut."""
    return (os.cpu_count() or 1) * PART_S * rate


class _Parts:
    """The parts of one encode, each an ffmpeg of its own on a thread of its own. At most one per
    core is encoding at a time (a new part waits for a slot), and each has at most _QUEUED chunks
    waiting for it, so memory holds a few paragraphs a core, however long the episode."""

    _END = object()
    _QUEUED = 8

    def __init__(self, out: Path, rate: int, settings: AudioSettings) -> None:
        self.out, self.rate, self.settings = out, rate, settings
        self.paths: list[Path] = []
        self._cores = os.cpu_count() or 1
        self._slots = threading.BoundedSemaphore(self._cores)
        self._running: list[tuple[queue.Queue[object], threading.Thread]] = []
        self._errors: list[BaseException] = []
        self._frames = 0  # in the part being fed

    def __enter__(self) -> _Parts:
        self._start()
        return self

    def write(self, chunk: bytes) -> None:
        if self._errors:
            raise self._errors[0]
        self._running[-1][0].put(chunk)
        self._frames += len(chunk) // 4

    def pause(self, pause: _Pause, ratio: int) -> None:
        """A new part starts in `pause` when this one is long enough."""
        frames, room = pause.frames, round(self.rate * _RESAMPLER_ROOM_S)
        long_enough = PART_S * self.rate
        if pause.after is not None:
            long_enough = min(long_enough, max(long_enough * _LAST_PARTS_FRACTION, pause.after / self._cores))
        # the silence this part ends with (room, and up to a frame more so that its end falls right),
        # then the gap, then what the next part starts with
        head = mp3.part_frames(ratio * (self._frames + room)) // ratio - self._frames
        tail = frames - head - mp3.PART_GAP // ratio
        if self._frames < long_enough or frames < _PART_PAUSE_S * self.rate or tail < room:
            self.write(bytes(4 * frames))
            return
        self.write(bytes(4 * head))
        self._end_part()
        self._start()
        self.write(bytes(4 * tail))

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, _tb: object) -> None:
        if kind is not None:  # stop every part's ffmpeg: its feed raises, and run_ffmpeg kills it
            for chunks, _thread in self._running:
                chunks.put(AudioError("the encode was stopped"))
        else:
            self._end_part()
        for _chunks, thread in self._running:
            thread.join()
        if kind is None and self._errors:
            raise self._errors[0]
        if kind is not None or self._errors:
            for path in self.paths:
                path.unlink(missing_ok=True)

    def _start(self) -> None:
        self._slots.acquire()
        path = self.out.with_name(f"{self.out.name}.{len(self.paths)}")
        self.paths.append(path)
        chunks: queue.Queue[object] = queue.Queue(self._QUEUED)
        thread = threading.Thread(target=self._encode, args=(chunks, path), name=f"encoder-{len(self.paths)}",
                                  daemon=True)
        self._running.append((chunks, thread))
        self._frames = 0
        thread.start()

    def _end_part(self) -> None:
        self._running[-1][0].put(self._END)

    def _encode(self, chunks: queue.Queue[object], path: Path) -> None:
        last_taken = False  # the part's end, or the order to stop

        def fed() -> Iterator[bytes]:
            nonlocal last_taken
            while isinstance(chunk := chunks.get(), bytes):
                yield chunk
            last_taken = True
            if isinstance(chunk, BaseException):
                raise chunk

        try:
            _encode_part(fed(), path, self.rate, self.settings)
        except BaseException as exc:  # the feeding thread raises it at its next write, or at the end
            self._errors.append(exc)
            while not last_taken and isinstance(chunks.get(), bytes):
                pass  # drained to its end, so the feeding thread never waits on this part
        finally:
            self._slots.release()


def _encode_part(chunks: Iterable[bytes | _Pause], out: Path, rate: int, settings: AudioSettings) -> None:
    # Bit-exact, and no tags from ffmpeg (they name its version): the same audio gives the same bytes.
    run_ffmpeg([
        "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0",
        "-af", f"aresample={settings.sample_rate}:resampler=soxr",
        "-ar", str(settings.sample_rate), "-ac", "1",
        "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k", "-write_xing", "1",
        "-fflags", "+bitexact", "-flags:a", "+bitexact", "-map_metadata", "-1", "-id3v2_version", "0",
        "-f", "mp3", str(out),
    ], feed=(bytes(4 * c.frames) if isinstance(c, _Pause) else c for c in chunks), timeout=60,
       what="the MP3 encode")  # fmt: skip


def _checked_length(mp3: Path, stitched: Stitched) -> int:
    """The MP3's length (ms) from its frames; an error if it is not the stitched audio's."""
    try:
        length_ms = round(MP3(mp3).info.length * 1000)
    except (HeaderNotFoundError, OSError) as exc:
        raise AudioError(f"the encoder wrote no readable MP3 ({exc})") from exc
    expected = stitched.duration_ms
    if not expected <= length_ms <= expected + _MP3_SLACK_MS:
        raise AudioError(
            f"the MP3 is {length_ms / 1000:.2f} s long, the stitched audio {expected / 1000:.2f} s: "
            "the encoder lost audio; nothing was published"
        )
    return length_ms


def _pause_frames(ms: int, rate: int) -> int:
    hop = hop_frames(rate)
    return round(ms / 1000 / HOP_S) * hop  # whole 100 ms steps, so the clips stay on the grid


def _wav_rate(path: Path) -> int:
    try:
        with wave.open(str(path), "rb") as wav:
            return wav.getframerate()
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioError(f"could not read the speech {path} ({exc}); run again with --force") from exc


def _wav_frames(path: Path, rate: int) -> int:
    try:
        with wave.open(str(path), "rb") as wav:
            if wav.getframerate() != rate or wav.getnchannels() != 1 or wav.getsampwidth() != 2:
                raise AudioError(f"{path.name} is not mono 16-bit audio at {rate} Hz like the other clips")
            return wav.getnframes()
    except (OSError, EOFError, wave.Error) as exc:
        raise AudioError(f"could not read the speech {path} ({exc}); run again with --force") from exc


def _read_frames(path: Path) -> np.ndarray:
    with wave.open(str(path), "rb") as wav:
        return np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")


def write_tags(path: Path, tags: Tags, chapters: Sequence[Chapter]) -> None:
    """ID3v2.4 tags, and chapters as CHAP frames under one top-level CTOC (ID3v2 Chapter Frame Addendum).

    Nothing from the time of the run goes in, so the same episode is tagged to the same bytes."""
    id3 = _ChapteredID3()
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
    # ID3v2.4's picture types: the episode's own art is its front cover (type 3, what apps show),
    # the show's cover the publisher's logotype (type 20). The front cover goes first: mutagen keeps
    # pictures in the order they are added, and some players take the first.
    pictures = ((tags.image, PictureType.COVER_FRONT, "Episode art"),
                (tags.cover, PictureType.PUBLISHER_LOGOTYPE, "Show cover"))
    for data, kind, description in pictures:
        if data:
            mime = "image/png" if data.startswith(b"\x89PNG") else "image/jpeg"
            id3.add(APIC(encoding=3, mime=mime, type=kind, desc=description, data=data))
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


class _ChapteredID3(ID3):
    """ID3 tags whose CHAP frames are stored in time order, after the others. mutagen orders
    frames by size (the shortest chapter title first), and readers such as ffmpeg list chapters
    in the order the frames are stored, not by their times."""

    def _write(self, config):  # noqa: ANN001, ANN202 - mutagen's own hook, wrapped
        chapters = sorted(self.getall("CHAP"), key=lambda frame: frame.start_time)
        self.delall("CHAP")
        try:
            framed = super()._write(config)
        finally:
            for frame in chapters:
                self.add(frame)
        return framed + b"".join(save_frame(frame, config=config) for frame in chapters)
