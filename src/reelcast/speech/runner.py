"""Speak a whole script: every paragraph of every section, in parallel, each clip checked.

Paragraphs are independent, so they are spoken in a process pool, one engine per worker process.
eSpeak speaks a 900-word review in about half a second, so how the pool starts decides whether it
pays: a spawned worker re-imports reelcast (0.3-0.5 s each, longer than the synthesis), a forked
one is ready in milliseconds. Workers are forked while no engine has started in this process (an
eSpeak engine started in a parent breaks forked children), and spawned otherwise.
"""

from __future__ import annotations

import functools
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing.context import BaseContext
from pathlib import Path

import numpy as np

from reelcast.config import SpeechSettings
from reelcast.errors import SpeechError
from reelcast.ffmpeg import AudioSegment
from reelcast.models import Clip, Script, SectionAudio
from reelcast.speech.base import Engine, engine_started, make_engine

Progress = Callable[[int, int], None]  # (paragraphs done, paragraphs in all)

# A clip is suspect when it holds a silence longer than this, or runs far off its word count.
MAX_SILENCE_MS = 2000
_SILENCE_DBFS = -50.0
_WINDOW_MS = 50
_DURATION_SLACK = (0.4, 2.5)  # allowed ratio of real to expected duration


def worker_count(settings: SpeechSettings) -> int:
    return settings.workers if settings.workers > 0 else max(1, os.cpu_count() or 1)


def speak_script(
    script: Script,
    settings: SpeechSettings,
    workdir: Path,
    engine: Engine | None = None,
    on_progress: Progress | None = None,
) -> tuple[SectionAudio, ...]:
    """Speak every paragraph of `script` into WAV files under `workdir`, in script order.

    With an `engine` given (or one worker), everything runs in this process.
    """
    jobs = [
        (section.index, n, text, workdir / f"s{section.index:02d}p{n:03d}.wav")
        for section in script.sections
        for n, text in enumerate(section.paragraphs)
    ]
    total, done = len(jobs), 0
    clips: dict[tuple[int, int], Clip] = {}

    def finished(key: tuple[int, int], clip: Clip) -> None:
        nonlocal done
        clips[key] = clip
        done += 1
        if on_progress:
            on_progress(done, total)

    workers = min(worker_count(settings), total)
    # Made here even when workers will speak: a missing engine or unknown voice should fail now,
    # not in every worker. Engines are cheap to make; they start their native part on first use.
    local = engine or make_engine(settings)
    if engine is not None or workers <= 1:
        for section, n, text, wav in jobs:
            finished((section, n), speak_checked(local, text, wav, settings.rate))
    else:
        # Longest first, so no worker is left with a long paragraph while the other one idles.
        jobs.sort(key=lambda job: len(job[2]), reverse=True)
        with ProcessPoolExecutor(max_workers=workers, mp_context=pool_context()) as pool:
            futures = {
                pool.submit(_speak_in_worker, settings, text, wav): (section, n) for section, n, text, wav in jobs
            }
            try:
                for future in as_completed(futures):
                    finished(futures[future], future.result())
            except BaseException:
                for future in futures:
                    future.cancel()
                raise

    return tuple(
        SectionAudio(section, tuple(clips[(section.index, n)] for n in range(len(section.paragraphs))))
        for section in script.sections
    )


def pool_context() -> BaseContext:
    """Fork while it is safe (no engine started here, no other Python thread): it skips the
    re-import a spawned worker pays. (numpy's OpenBLAS keeps an idle thread; it is fork-aware.)"""
    safe = not engine_started() and threading.active_count() == 1
    if safe and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


@functools.cache
def _worker_engine(settings: SpeechSettings) -> Engine:
    return make_engine(settings)


def _speak_in_worker(settings: SpeechSettings, text: str, wav: Path) -> Clip:
    return speak_checked(_worker_engine(settings), text, wav, settings.rate)


def speak_checked(engine: Engine, text: str, wav: Path, rate_wpm: int) -> Clip:
    """Speak `text`; if that fails or the clip is silent, holed or truncated, try once more, then give up."""
    problem = ""
    for _attempt in range(2):
        try:
            clip = engine.synthesize(text, wav)
        except SpeechError as exc:
            problem = str(exc)
            continue
        problem = clip_problem(clip, rate_wpm)
        if not problem:
            return clip
    raise SpeechError(f"the {engine.name} engine failed twice ({problem}) for: {text[:60]!r}")


def clip_problem(clip: Clip, rate_wpm: int) -> str:
    """Why a clip is not fit for the episode, or '' when it is."""
    if not clip.wav.exists() or clip.wav.stat().st_size == 0:
        return "no audio file"
    audio = AudioSegment.from_file(clip.wav)
    words = len(clip.text.split())
    expected_ms = words / rate_wpm * 60_000
    low, high = _DURATION_SLACK
    if len(audio) < expected_ms * low:
        return f"{len(audio) / 1000:.1f} s of audio for {words} words: truncated"
    if words >= 3 and len(audio) > expected_ms * high + 2000:
        return f"{len(audio) / 1000:.1f} s of audio for {words} words: far too long"
    longest = longest_silence_ms(audio)
    if longest > MAX_SILENCE_MS:
        return f"a silence of {longest / 1000:.1f} s inside the speech"
    return ""


def longest_silence_ms(audio: AudioSegment) -> int:
    """The longest run of quiet 50 ms windows, in ms (silence at the very start and end included)."""
    samples = np.array(audio.get_array_of_samples(), dtype=np.float64)
    window = max(1, audio.frame_rate * _WINDOW_MS // 1000)
    count = len(samples) // window
    if count == 0:
        return len(audio)
    frames = samples[: count * window].reshape(count, window)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    full_scale = float(1 << (8 * audio.sample_width - 1))
    quiet = rms < full_scale * 10 ** (_SILENCE_DBFS / 20)
    longest = run = 0
    for is_quiet in quiet:
        run = run + 1 if is_quiet else 0
        longest = max(longest, run)
    return longest * _WINDOW_MS
