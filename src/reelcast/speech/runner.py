"""Speak a whole script: each paragraph a pure task (text and voice settings in, audio out).

A paragraph already in the cache is not spoken again. The others run on an executor
(concurrent.futures.Executor): a local process pool, or a Dask cluster's (distributed's
Client.get_executor()), through the same interface; each result is checked, then written to
the cache as it arrives, so memory holds a few paragraphs, never the episode.

eSpeak speaks a 900-word review in about half a second, so how the local pool starts decides
whether it pays: a spawned worker re-imports reelcast (0.3-0.5 s each, longer than the synthesis),
a forked one is ready in milliseconds. Workers are forked while no engine has started in this
process (an engine started in a parent breaks forked children), and spawned otherwise.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from multiprocessing.context import BaseContext

import numpy as np

from reelcast.aside import die_with_parent
from reelcast.audio import levels
from reelcast.cache import SpeechCache
from reelcast.config import SpeechSettings
from reelcast.errors import SpeechError
from reelcast.models import Clip, Paragraph, Script, SectionAudio, Speech
from reelcast.speech.base import Engine, engine_started, make_engine

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]  # (paragraphs done, paragraphs in all)
# Opens the executor that speaks paragraphs, given how many workers are wanted.
ExecutorFactory = Callable[[int], contextlib.AbstractContextManager[Executor]]

# A clip is suspect when it holds a silence longer than this, or runs far off its word count.
MAX_SILENCE_MS = 2000
_SILENCE_DBFS = -50.0
_WINDOW_MS = 50
_DURATION_SLACK = (0.4, 2.5)  # allowed ratio of real to expected duration
# No paragraph takes this long to speak (eSpeak: ~0.05 s for 100 words; Piper: a few seconds),
# so a task that does has hung: it is named rather than waited on for ever.
TASK_TIMEOUT_S = 300
_CONNECT_TIMEOUT_S = 10


def worker_count(settings: SpeechSettings) -> int:
    return settings.workers if settings.workers > 0 else max(1, os.cpu_count() or 1)


def speak_script(
    script: Script,
    settings: SpeechSettings,
    cache: SpeechCache,
    engine: Engine | None = None,
    executor: ExecutorFactory | None = None,
    on_progress: Progress | None = None,
    force: bool = False,
    on_clip: Callable[[Clip], None] | None = None,
) -> tuple[SectionAudio, ...]:
    """Every paragraph of `script` as a clip in `cache`, in script order; only the missing ones are spoken.

    With an `engine` given (or one worker) they are spoken in this process; otherwise on the
    executor `executor(workers)` opens (the local process pool by default), in script order, so
    that `on_clip` gets each clip as soon as all before it are spoken (when there is anything to
    speak: with every clip cached it is not called). `force` speaks all again.
    """
    # Made here even when workers will speak: a missing engine or unknown voice should fail now,
    # not in every worker. Engines are cheap to make; they start their native part on first use.
    local = engine or make_engine(settings)
    sound = local.sound()
    paragraphs = [(section.index, n, p) for section in script.sections for n, p in enumerate(section.paragraphs)]
    total = len(paragraphs)
    clips: dict[tuple[int, int], Clip] = {}
    todo: dict[str, list[tuple[int, int]]] = {}  # a paragraph said twice is spoken once
    texts: dict[str, Paragraph] = {}
    for section, n, paragraph in paragraphs:
        key = cache.key(paragraph, sound)
        clip = None if force else cache.get(key, paragraph)
        if clip is not None:
            clips[(section, n)] = clip
        else:
            todo.setdefault(key, []).append((section, n))
            texts[key] = paragraph

    if not todo:
        on_clip = None  # nothing to wait for: the caller has every clip at once
    handed = 0  # how many paragraphs, from the first, went to on_clip

    def hand_on() -> None:
        nonlocal handed
        while on_clip and handed < total and (place := paragraphs[handed][:2]) in clips:
            on_clip(clips[place])
            handed += 1

    def finished(key: str, speech: Speech) -> None:
        clip = cache.put(key, texts[key], speech)
        for place in todo[key]:
            clips[place] = clip
        if on_progress:
            on_progress(len(clips), total)
        hand_on()

    if on_progress:
        on_progress(len(clips), total)
    workers = min(worker_count(settings), len(todo))
    if todo and executor is None and (engine is not None or workers <= 1):
        for key, paragraph in texts.items():
            finished(key, speak_checked(local, paragraph, settings.rate))
    elif todo:
        # Longest first, so no worker is left with a long paragraph while the others idle; in
        # script order when the clips are taken as they come, so the first are ready first.
        order = list(texts) if on_clip else sorted(texts, key=lambda k: len(texts[k].text), reverse=True)
        with (executor or local_pool)(workers) as pool:
            futures: dict[Future[Speech], str] = {
                pool.submit(speak_paragraph, settings, texts[key]): key for key in order
            }
            hand_on()  # cached ones at the start: now that the pool's workers are forked
            try:
                for future in as_completed(list(futures), timeout=TASK_TIMEOUT_S + 60 * len(futures) / workers):
                    # popped, so its audio is dropped once cached: memory holds the paragraphs in flight
                    finished(futures.pop(future), future.result())
            except TimeoutError:
                raise SpeechError(
                    f"the {local.name} engine hung: {len(futures)} paragraphs unspoken after "
                    f"{TASK_TIMEOUT_S} s and more; try --workers 1 to see which"
                ) from None
            except BrokenProcessPool as exc:
                raise SpeechError(
                    f"a {local.name} speech worker crashed (the engine's native library died); "
                    "run again with --workers 1 to see its message"
                ) from exc
            finally:
                for future in futures:
                    future.cancel()

    hand_on()
    return tuple(
        SectionAudio(section, tuple(clips[(section.index, n)] for n in range(len(section.paragraphs))))
        for section in script.sections
    )


def speak_paragraph(settings: SpeechSettings, paragraph: Paragraph) -> Speech:
    """The task a worker runs, here or on another machine: a paragraph and the voice settings in,
    its checked speech out. Pure but for the engine's native runtime, started once per process."""
    return speak_checked(make_engine(settings), paragraph, settings.rate)


def cluster(address: str) -> ExecutorFactory:
    """An executor factory for speak_script that runs the paragraphs on the Dask cluster whose
    scheduler is at `address` (tcp://host:8786), through distributed's concurrent.futures Executor."""

    @contextlib.contextmanager
    def open_executor(_workers: int) -> Iterator[Executor]:
        try:
            from distributed import Client
        except ImportError as exc:
            raise SpeechError("--scheduler needs dask.distributed; reinstall reelcast (pip install -e .)") from exc
        try:
            client = Client(address, timeout=_CONNECT_TIMEOUT_S, set_as_default=False)
        except (OSError, TimeoutError, ValueError) as exc:
            raise SpeechError(
                f"could not reach the Dask scheduler at {address} ({exc}); start one with 'dask scheduler' "
                "and workers with 'dask worker ADDRESS' (see the README)"
            ) from exc
        with client:
            yield client.get_executor()

    return open_executor


@contextlib.contextmanager
def speakers(settings: SpeechSettings, scheduler: str | None = None) -> Iterator[ExecutorFactory | None]:
    """Where a command's paragraphs are spoken, opened before the command's other work: the Dask
    cluster at `scheduler`, or this machine's process pool with its workers forked now and their
    engines starting while the first page is read and extracted (not after, where the first
    paragraph waited on them), and before the progress display's thread, which would make forking
    unsafe (see _StartedPool). None when one worker speaks, in the publishing process itself."""
    if scheduler:
        yield cluster(scheduler)
        return
    workers = worker_count(settings)
    if workers <= 1:
        yield None
        return
    pool = _StartedPool(workers, settings)
    try:
        yield pool.open
    finally:
        pool.close()


class _StartedPool:
    """A command's first process pool, its workers forked at once (a pool forks them at its first
    task). The first page's speech takes it, later pages' a pool of their own, and each ends its
    pool when it is spoken: the workers' memory is not held through the encode."""

    def __init__(self, workers: int, settings: SpeechSettings) -> None:
        self.settings = settings
        self.pool: ProcessPoolExecutor | None = _process_pool(workers, settings)
        for _ in range(workers):
            self.pool.submit(int)

    @contextlib.contextmanager
    def open(self, workers: int) -> Iterator[Executor]:
        pool, self.pool = self.pool, None
        with pool or _process_pool(workers, self.settings) as taken:
            yield taken

    def close(self) -> None:
        if self.pool is not None:  # no page had anything to speak
            self.pool.shutdown(cancel_futures=True)


@contextlib.contextmanager
def local_pool(workers: int) -> Iterator[Executor]:
    with _process_pool(workers) as pool:
        yield pool


def _process_pool(workers: int, settings: SpeechSettings | None = None) -> ProcessPoolExecutor:
    """A process pool of `workers`, forked while safe; with `settings`, each starts its engine."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=pool_context(), initializer=_worker_started,
                               initargs=(os.getpid(), settings))


def _worker_started(parent: int, settings: SpeechSettings | None) -> None:
    die_with_parent(parent)
    if settings is not None:
        # Never raises: a worker whose initializer fails breaks the whole pool, and an engine that
        # cannot start says why at its first paragraph, where the error is reported.
        try:
            make_engine(settings).start()
        except Exception:  # noqa: BLE001
            log.debug("the %s engine did not start ahead of its first paragraph", settings.engine, exc_info=True)


def pool_context() -> BaseContext:
    """Fork while it is safe (no engine started here, no other Python thread): it skips the
    re-import a spawned worker pays. (numpy's OpenBLAS keeps an idle thread; it is fork-aware.)"""
    safe = not engine_started() and threading.active_count() == 1
    if safe and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


def speak_checked(engine: Engine, paragraph: Paragraph, rate_wpm: int) -> Speech:
    """Speak `paragraph`; if that fails or the audio is silent, holed or truncated, try once more, then give up."""
    problem = ""
    for _attempt in range(2):
        try:
            speech = engine.speak(paragraph)
        except SpeechError as exc:
            problem = str(exc)
            continue
        problem = speech_problem(speech, paragraph, rate_wpm)
        if not problem:
            # its loudness measured here, in the worker, so the episode's is a sum, not a pass
            return replace(speech, levels=levels(speech.pcm, speech.sample_rate))
    raise SpeechError(f"the {engine.name} engine failed twice ({problem}) for: {paragraph.text[:60]!r}")


def speech_problem(speech: Speech, paragraph: Paragraph, rate_wpm: int) -> str:
    """Why spoken audio is not fit for the episode, or '' when it is."""
    if not speech.pcm:
        return "no audio"
    words = paragraph.word_count
    expected_ms = words / rate_wpm * 60_000
    low, high = _DURATION_SLACK
    seconds = speech.duration_ms / 1000
    if speech.duration_ms < expected_ms * low:
        return f"{seconds:.1f} s of audio for {words} words: truncated"
    if words >= 3 and speech.duration_ms > expected_ms * high + 2000:
        return f"{seconds:.1f} s of audio for {words} words: far too long"
    longest = longest_silence_ms(np.frombuffer(speech.pcm, dtype=np.int16), speech.sample_rate)
    if longest > MAX_SILENCE_MS:
        return f"a silence of {longest / 1000:.1f} s inside the speech"
    return ""


def longest_silence_ms(samples: np.ndarray, rate: int) -> int:
    """The longest run of quiet 50 ms windows, in ms (silence at the very start and end included)."""
    window = max(1, rate * _WINDOW_MS // 1000)
    count = len(samples) // window
    if count == 0:
        return round(len(samples) / rate * 1000)
    frames = samples[: count * window].astype(np.float64).reshape(count, window)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    quiet = rms < 32768 * 10 ** (_SILENCE_DBFS / 20)
    # the runs of quiet windows lie between the loud ones: the longest gap between loud indexes
    loud = np.flatnonzero(~quiet)
    edges = np.concatenate([[-1], loud, [count]])
    return int(np.max(np.diff(edges)) - 1) * _WINDOW_MS
