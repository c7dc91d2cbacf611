"""How fast does reelcast publish, against the floor of the same work done by the raw tools?

    python bench/speed.py [--repeat 5] [--long-repeat 3] [--no-long]

The floor: `espeak-ng -w` of the narrated text, then one ffmpeg encode of that WAV to a mono
44.1 kHz 96 kbps MP3: what speaking and encoding the episode costs at the least. Against it, in
the same run and taking turns with it: `reelcast publish` with one worker and with all cores (an
empty cache each time), an unchanged republish, and a republish after editing one paragraph. On
the example review and on a 20,000-word review made from its text (every paragraph made unique,
so none is spoken once for two).

Every measurement is a fresh process (`python -m reelcast publish`, as a user runs it), timed
wall-clock from the outside; the median of the runs is shown, and "x floor" is the median of the
run-by-run ratios to the floor run made just before (the cores are shared; their speed drifts).
Peak memory is measured in one more run of each kind, apart from the timed ones (sampling /proc
every 10 ms takes up to half a core, which a timed run on two cores would lose): the largest total
of the process and all its descendants (speech workers, the children eSpeak speaks in, ffmpeg,
espeak-ng), sampled every 10 ms from /proc: the sum of their
proportional set sizes (PSS: a page shared by n processes counts 1/n in each, so forked workers
are not counted twice), and of their resident sets (RSS, which counts shared pages in every
process that maps them, so it overstates).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "leaving-las-vegas.html"
LONG_WORDS = 20_000
TARGETS = "publish <= 1.2x the floor; unchanged republish < 1 s; 20,000 words < 300 MB"


@dataclass
class Run:
    seconds: float
    peak_mb: float  # PSS
    peak_rss_mb: float


def _tree_memory_kb(root: int) -> tuple[int, int]:
    """The summed PSS and RSS (KiB) of `root` and all its descendants, now (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry))
    pss = rss = 0
    todo = [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            rollup = Path(f"/proc/{pid}/smaps_rollup").read_text()
        except OSError:
            continue
        for name, value in re.findall(r"^(Pss|Rss):\s+(\d+) kB", rollup, re.M):
            if name == "Pss":
                pss += int(value)
            else:
                rss += int(value)
    return pss, rss


def measure(cmd: list[str], cwd: Path, memory: bool = False) -> Run:
    """Run `cmd` once; its wall time, and with `memory` the peak summed PSS and RSS of its process
    tree. The sampler reads /proc every 10 ms, up to half a core on this machine, and that half
    is taken from whatever the command runs on its second core: so timed runs are not sampled."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    peak = peak_rss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_rss
        while not done.is_set():
            pss, rss = _tree_memory_kb(proc.pid)
            peak, peak_rss = max(peak, pss), max(peak_rss, rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    if memory:
        sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    done.set()
    if memory:
        sampler.join()
    if proc.returncode != 0:
        raise SystemExit(f"bench: {' '.join(cmd)} failed:\n{err.decode(errors='replace')[-2000:]}")
    return Run(seconds, peak / 1024, peak_rss / 1024)


# --- the texts ---------------------------------------------------------------------------------


def narrated_text(page: Path) -> str:
    """The text reelcast narrates for `page` (intro, body, outro), for espeak-ng to read."""
    sys.path.insert(0, str(REPO / "src"))
    from reelcast.config import load_settings
    from reelcast.pipeline import prepare_script
    from reelcast.reading import read_article

    script = prepare_script(read_article(str(page)), load_settings(new_show(Path(tempfile.mkdtemp()) / "show", 0)))
    return "\n\n".join(p.text for s in script.sections for p in s.paragraphs)


def long_review(to: Path, words: int) -> Path:
    """A review of about `words` words: the example's paragraphs over and over, each copy under a
    heading of its own and every paragraph numbered, so no two paragraphs are the same."""
    sys.path.insert(0, str(REPO / "src"))
    from html import escape

    from reelcast.reading import read_article

    article = read_article(str(EXAMPLE))
    paragraphs = list(article.paragraphs)
    per_copy = sum(len(p.split()) for p in paragraphs)
    parts = [f"<html><head><title>{escape(article.title)} (long)</title></head><body><article>",
             f"<h1>{escape(article.title)}, at length</h1>"]
    for copy in range(-(-words // per_copy)):
        parts.append(f"<h2>Part {copy + 1}</h2>")
        parts.extend(f"<p>{escape(p)} (Part {copy + 1}, paragraph {n + 1}.)</p>" for n, p in enumerate(paragraphs))
    parts.append("</article></body></html>")
    to.write_text("\n".join(parts), encoding="utf-8")
    return to


def edited(html: str, n: int) -> str:
    """The page with one paragraph changed: a sentence added to its n-th <p>."""
    marks = [m.start() for m in re.finditer("</p>", html)]
    at = marks[n % len(marks)]
    return html[:at] + f" Edited {n}." + html[at:]


# --- what is measured -------------------------------------------------------------------------


def floor_cmd(text: Path, work: Path) -> list[str]:
    from imageio_ffmpeg import get_ffmpeg_exe

    wav, mp3 = work / "floor.wav", work / "floor.mp3"
    espeak = shutil.which("espeak-ng")
    return ["sh", "-c", f'"{espeak}" -s 170 -w "{wav}" -f "{text}" && "{get_ffmpeg_exe()}" -hide_banner -loglevel '
            f'error -y -i "{wav}" -ac 1 -ar 44100 -b:a 96k "{mp3}"']


def publish_cmd(page: Path) -> list[str]:
    return [sys.executable, "-m", "reelcast", "publish", str(page)]


def new_show(root: Path, workers: int) -> Path:
    shutil.rmtree(root, ignore_errors=True)
    root.mkdir(parents=True)
    # the long review is over the 10,000 words and 90 minutes a show takes by default (guards against non-reviews)
    (root / "reelcast.toml").write_text("[script]\nmax_article_words = 30000\nmax_audio_minutes = 240\n\n"
                                        f"[speech]\nworkers = {workers}\n", encoding="utf-8")
    return root


def bench_text(label: str, page: Path, repeat: int, work: Path) -> list[tuple[str, ...]]:
    text = work / f"{label}.txt"
    text.write_text(narrated_text(page), encoding="utf-8")
    words = len(text.read_text(encoding="utf-8").split())
    cores = os.cpu_count() or 1
    runs: dict[str, list[Run]] = {k: [] for k in ("floor", "one", "all", "unchanged", "edit")}
    ratios: dict[str, list[float]] = {k: [] for k in runs}
    warm = new_show(work / f"{label}-warm", 0)
    original = page.read_text(encoding="utf-8")
    review = warm / "review.html"  # republished in place: the same file is the same episode
    review.write_text(original, encoding="utf-8")
    measure(publish_cmd(review), warm)
    for n in range(repeat):
        floor = measure(floor_cmd(text, work), work)
        runs["floor"].append(floor)
        for key, workers in (("one", 1), ("all", 0)):
            runs[key].append(measure(publish_cmd(page), new_show(work / f"{label}-{key}", workers)))
        runs["unchanged"].append(measure(publish_cmd(review), warm))
        review.write_text(edited(original, n), encoding="utf-8")
        runs["edit"].append(measure(publish_cmd(review), warm))
        review.write_text(original, encoding="utf-8")
        measure(publish_cmd(review), warm)  # back to the original, untimed
        for key in runs:
            ratios[key].append(runs[key][-1].seconds / floor.seconds)
    # then the memory of each kind, from one more run of it with the sampler on
    peaks = {"floor": measure(floor_cmd(text, work), work, memory=True)}
    for key, workers in (("one", 1), ("all", 0)):
        peaks[key] = measure(publish_cmd(page), new_show(work / f"{label}-{key}", workers), memory=True)
    peaks["unchanged"] = measure(publish_cmd(review), warm, memory=True)
    review.write_text(edited(original, repeat), encoding="utf-8")
    peaks["edit"] = measure(publish_cmd(review), warm, memory=True)
    review.write_text(original, encoding="utf-8")
    audio = _episode_length(warm)
    names = {
        "floor": "floor: espeak-ng -w + one ffmpeg encode",
        "one": "reelcast publish, 1 worker",
        "all": f"reelcast publish, all cores ({cores} workers)",
        "unchanged": "republish, nothing changed",
        "edit": "republish, one paragraph edited",
    }
    rows = []
    for key, name in names.items():
        seconds = statistics.median(r.seconds for r in runs[key])
        ratio = "1.00x" if key == "floor" else f"{statistics.median(ratios[key]):.2f}x"
        rows.append((f"{label} ({words:,} words, {audio})" if key == "floor" else "", name, f"{seconds:.2f}",
                     ratio, f"{peaks[key].peak_mb:.0f}", f"{peaks[key].peak_rss_mb:.0f}"))
    return rows


def _episode_length(show: Path) -> str:
    from mutagen.mp3 import MP3

    (mp3,) = (show / "episodes").glob("*.mp3")
    seconds = round(MP3(mp3).info.length)
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}" if seconds >= 3600 else \
        f"{seconds // 60}:{seconds % 60:02d}"


def print_table(rows: list[tuple[str, ...]], flush: bool = False) -> None:
    header = ("text", "what", "median s", "x floor", "peak MB, all processes (PSS)", "(RSS)")
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, tuple("-" * w for w in widths), *rows):
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip(), flush=flush)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="fresh runs of each kind on the example")
    parser.add_argument("--long-repeat", type=int, default=3, help="fresh runs of each kind on the long review")
    parser.add_argument("--no-long", action="store_true", help="skip the 20,000-word review")
    args = parser.parse_args()
    if shutil.which("espeak-ng") is None:
        raise SystemExit("bench: the floor needs the espeak-ng command (Debian: apt-get install espeak-ng)")

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="reelcast-bench-") as tmp:
        work = Path(tmp)
        rows = bench_text("example", EXAMPLE, args.repeat, work)
        if not args.no_long:
            print_table(rows, flush=True)  # the example's figures while the long review runs
            print()
            rows += bench_text("20k-word review", long_review(work / "long.html", LONG_WORDS), args.long_repeat, work)
    print_table(rows)
    print(f"{os.cpu_count()} cores; load average {load_before:.2f} before, {os.getloadavg()[0]:.2f} after; "
          f"{args.repeat} (long: {args.long_repeat}) fresh processes each, in turns")
    print(f"targets: {TARGETS}")


if __name__ == "__main__":
    main()
