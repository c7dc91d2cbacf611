"""The one wrapper around the ffmpeg binary (pip's imageio-ffmpeg unless REELCAST_FFMPEG says otherwise)."""

from __future__ import annotations

import ctypes
import functools
import logging
import os
import queue
import re
import signal
import subprocess
import tempfile
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from reelcast.errors import AudioError

log = logging.getLogger(__name__)


@functools.cache
def ffmpeg_exe() -> str:
    if override := os.environ.get("REELCAST_FFMPEG"):
        return override
    try:
        import imageio_ffmpeg

        return imageio_ffmpeg.get_ffmpeg_exe()
    except (ImportError, RuntimeError) as exc:
        raise AudioError(
            "ffmpeg was not found; reinstall reelcast (pip install -e .) so that imageio-ffmpeg brings it, "
            "or set REELCAST_FFMPEG to an ffmpeg binary"
        ) from exc


def run_ffmpeg(
    args: list[str], feed: Iterable[bytes] | None = None, timeout: float = 120, what: str = "ffmpeg"
) -> str:
    """Run ffmpeg with `args`, writing the chunks of `feed` (if any) to its standard input as they
    come; return its stderr (where its filters report). Raise AudioError naming `what` when it
    fails, cannot be started, or hangs: it is killed when it runs `timeout` seconds (with a `feed`:
    when one write to it, or its end after the last, takes that long; the feed itself may take its
    time, since it can be audio still being spoken)."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin" if feed is None else "-nostats", "-y", *args]
    with tempfile.TemporaryFile() as stderr:  # a file, not a pipe: ffmpeg can never block on it
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE if feed is not None else subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=stderr, preexec_fn=_death_signal())
        except OSError as exc:
            raise AudioError(f"could not run ffmpeg ({exc}); set REELCAST_FFMPEG to a working ffmpeg") from exc
        # A hung ffmpeg is killed; a write to it then fails, and the wait below returns.
        watchdog = _Watchdog(timeout, proc.kill)
        try:
            if feed is not None:
                assert proc.stdin is not None
                _pipe_in(feed, proc.stdin, watchdog)
            watchdog.arm()
            code = proc.wait()
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        finally:
            watchdog.disarm()
        stderr.seek(0)
        report = stderr.read().decode("utf-8", "replace")
        hung = watchdog.fired
    if code != 0:
        if hung:
            raise AudioError(f"{what} hung: ffmpeg was still running after {timeout:.0f} s and was stopped")
        tail = " | ".join(report.strip().splitlines()[-3:]) or f"exit code {code}"
        # ffmpeg's last lines are a summary ("Conversion failed!"); a full disk is said further up
        for cause, hint in _DISK_ERRORS:
            if cause in report:
                raise AudioError(f"{what} failed: {cause} (ffmpeg said: {tail}); {hint}")
        raise AudioError(f"{what} failed: ffmpeg said: {tail}")
    return report


class _Watchdog:
    """Calls `stop` when armed for `seconds` without being disarmed."""

    def __init__(self, seconds: float, stop: Callable[[], None]) -> None:
        self.seconds, self.stop, self.fired = seconds, stop, False
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def arm(self) -> None:
        with self._lock:
            if self._timer is None:
                self._timer = threading.Timer(self.seconds, self._fire)
                self._timer.daemon = True
                self._timer.start()

    def disarm(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

    def _fire(self) -> None:
        self.fired = True
        self.stop()


def _pipe_in(feed: Iterable[bytes], stdin: IO[bytes], watchdog: _Watchdog) -> None:
    """Write the chunks of `feed` to ffmpeg's `stdin` from a second thread, so the next chunk is
    being made (numpy, mostly outside the GIL) while ffmpeg encodes the last one; one at a time,
    the two would take turns. At most two chunks wait. An error making a chunk is raised here."""
    ready: queue.Queue[bytes | None] = queue.Queue(maxsize=2)
    closed = threading.Event()  # ffmpeg stopped reading: its exit code and stderr say why

    def write() -> None:
        try:
            while (chunk := ready.get()) is not None:
                if not closed.is_set():
                    watchdog.arm()  # a write that never ends is a hung ffmpeg
                    stdin.write(chunk)
                    watchdog.disarm()
            stdin.close()
        except (OSError, ValueError) as exc:  # a broken pipe, mostly: ffmpeg exited
            log.debug("ffmpeg stopped reading: %s", exc)
            closed.set()
            watchdog.disarm()
            while ready.get() is not None:  # taken and dropped, so the maker never waits on a full queue
                pass

    writer = threading.Thread(target=write, name="ffmpeg-stdin", daemon=True)
    writer.start()
    try:
        for chunk in feed:
            if closed.is_set():
                break
            ready.put(chunk)
    finally:
        ready.put(None)
        writer.join()


_DISK_ERRORS = (
    ("No space left on device", "make room on the disk, then run the command again"),
    ("Disk quota exceeded", "make room on the disk, then run the command again"),
    ("Read-only file system", "make the folder writable, then run the command again"),
)


@functools.cache
def _death_signal() -> Callable[[], None] | None:
    """What the child runs before ffmpeg starts, so Linux ends ffmpeg when reelcast dies (by any
    signal, even KILL). Looked up here, in the parent: the forked child only makes the call."""
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None  # not Linux: ffmpeg still ends when its input pipe closes
    pr_set_pdeathsig = 1
    return lambda: prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Loudness:
    integrated_lufs: float
    true_peak_db: float
    range_lu: float
    decoded_s: float | None = None  # how long the audio lasts as decoded, whatever the file's header says


_SUMMARY = re.compile(
    r"I:\s+(?P<i>-?[\d.]+|-inf) LUFS.*?LRA:\s+(?P<lra>-?[\d.]+) LU"
    r"(?:.*?True peak:\s+Peak:\s+(?P<tp>-?[\d.]+|-inf) dBFS)?",
    re.S,
)


_DECODED = re.compile(r"\bt:\s*([\d.]+)")


def measure_loudness(path: Path, true_peak: bool = True, filters: str = "") -> Loudness:
    """EBU R128 integrated loudness, loudness range and true peak, as ffmpeg's ebur128 filter measures them.

    The true peak needs 4x oversampling, most of the filter's cost; without it, true_peak_db is NaN.
    With `filters`, what is measured is the file after that filter chain (nothing is written).
    """
    meter = "ebur128=peak=true" if true_peak else "ebur128"
    chain = f"{filters},{meter}" if filters else meter
    report = run_ffmpeg(["-nostats", "-i", str(path), "-af", chain, "-f", "null", "-"], timeout=600,
                        what="measuring the loudness")
    match = _SUMMARY.search(report[report.rfind("Summary:") :])
    if not match:
        raise AudioError(f"ffmpeg gave no loudness summary for {path}")
    as_float = lambda s: float("-inf") if s == "-inf" else float(s)  # noqa: E731
    peak = as_float(match["tp"]) if match["tp"] else float("nan")
    # The meter logs each 100 ms it decodes ("t: 335.8"): the last one is the decoded length.
    times = _DECODED.findall(report)
    return Loudness(as_float(match["i"]), peak, float(match["lra"]), float(times[-1]) if times else None)
