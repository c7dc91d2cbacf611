"""The one wrapper around the ffmpeg binary (pip's imageio-ffmpeg unless REELCAST_FFMPEG says otherwise)."""

from __future__ import annotations

import functools
import os
import re
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

from reelcast.errors import AudioError

# pydub looks for 'ffmpeg' on PATH when imported and warns when it is not there. reelcast hands
# pydub only WAV, which it reads and writes itself; every ffmpeg run goes through run_ffmpeg.
with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Couldn't find ff", category=RuntimeWarning)
    from pydub import AudioSegment  # noqa: F401 - re-exported, imported quietly


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


def run_ffmpeg(args: list[str]) -> str:
    """Run ffmpeg with `args`; return its stderr (where its filters report). Raise AudioError on failure."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", *args]
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, errors="replace", check=False)
    except OSError as exc:
        raise AudioError(f"could not run ffmpeg ({exc}); set REELCAST_FFMPEG to a working ffmpeg") from exc
    if done.returncode != 0:
        tail = " | ".join(done.stderr.strip().splitlines()[-3:])
        raise AudioError(f"ffmpeg failed: {tail}")
    return done.stderr


@dataclass(frozen=True, slots=True)
class Loudness:
    integrated_lufs: float
    true_peak_db: float
    range_lu: float


_SUMMARY = re.compile(
    r"I:\s+(?P<i>-?[\d.]+|-inf) LUFS.*?LRA:\s+(?P<lra>-?[\d.]+) LU"
    r"(?:.*?True peak:\s+Peak:\s+(?P<tp>-?[\d.]+|-inf) dBFS)?",
    re.S,
)


def measure_loudness(path: Path, true_peak: bool = True, filters: str = "") -> Loudness:
    """EBU R128 integrated loudness, loudness range and true peak, as ffmpeg's ebur128 filter measures them.

    The true peak needs 4x oversampling, most of the filter's cost; without it, true_peak_db is NaN.
    With `filters`, what is measured is the file after that filter chain (nothing is written).
    """
    meter = "ebur128=peak=true" if true_peak else "ebur128"
    chain = f"{filters},{meter}" if filters else meter
    report = run_ffmpeg(["-nostats", "-i", str(path), "-af", chain, "-f", "null", "-"])
    match = _SUMMARY.search(report[report.rfind("Summary:") :])
    if not match:
        raise AudioError(f"ffmpeg gave no loudness summary for {path}")
    as_float = lambda s: float("-inf") if s == "-inf" else float(s)  # noqa: E731
    peak = as_float(match["tp"]) if match["tp"] else float("nan")
    return Loudness(as_float(match["i"]), peak, float(match["lra"]))
