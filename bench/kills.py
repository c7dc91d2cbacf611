"""SIGKILL `reelcast publish` at random moments, many times, and check what is left each time.

Each run republishes one review with other words (so the audio changes) or publishes a new one, in a
child process that is killed after a random delay within the time an unkilled publish takes. After
each kill: the feed parses, every enclosure and side file it names exists with the stated length,
the catalog passes PRAGMA integrity_check, and the feed agrees with the catalog (or lags it by the
one change the catalog recorded, which the next run finishes); then a publish in this process must
complete and leave exactly the files the episodes own (no .work-* folder, nothing stray).

Speech is the tests' tone engine (what is said does not matter to the commit), so a run takes
seconds. Usage: python bench/kills.py [--runs 50] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))
sys.path.insert(0, str(REPO))

from lxml import etree  # noqa: E402
from tests.conftest import ToneEngine, write_review  # noqa: E402

from reelcast import pipeline  # noqa: E402
from reelcast.catalog import Catalog  # noqa: E402
from reelcast.config import load_settings  # noqa: E402

NS = {"podcast": "https://podcastindex.org/namespace/1.0"}
CHILD = ("import sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; from reelcast import pipeline; "
         "from reelcast.config import load_settings; from tests.conftest import ToneEngine; "
         "pipeline.publish(sys.argv[3], load_settings(Path(sys.argv[2])), ToneEngine())")


def review(folder: Path, name: str, words: str) -> Path:
    return write_review(folder, name, words, repeat=4)


def name_of(url: str) -> str:
    return unquote(urlsplit(url).path.rsplit("/", 1)[-1])


def inspect(root: Path) -> tuple[list[str], dict[str, tuple[str, int]], dict[str, tuple[str, int]], set[str]]:
    """Problems a podcast app would meet, the feed's and the catalog's episodes, and the files owned."""
    settings = load_settings(root)
    problems = []
    try:
        feed = etree.parse(str(settings.feed_dir / "feed.xml")).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        return [f"the feed does not parse: {exc}"], {}, {}, set()
    items = {}
    for item in feed.iter("item"):
        enclosure = item.find("enclosure")
        name = name_of(enclosure.get("url"))
        path = settings.episodes_dir / name
        if not path.is_file():
            problems.append(f"{name} is named by the feed but missing")
        elif path.stat().st_size != int(enclosure.get("length")):
            problems.append(f"{name} is not the length the feed says")
        for side in [*item.findall("podcast:chapters", NS), *item.findall("podcast:transcript", NS)]:
            if not (settings.episodes_dir / name_of(side.get("url"))).is_file():
                problems.append(f"{name_of(side.get('url'))} is named by the feed but missing")
        items[item.findtext("guid")] = (name, int(enclosure.get("length")))
    with sqlite3.connect(settings.catalog_path) as db:
        if db.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            problems.append("the catalog fails its integrity check")
    with Catalog.open(settings.catalog_path) as catalog:
        episodes = catalog.episodes()
    catalog_items = {e.guid: (e.audio_file, e.size_bytes) for e in episodes}
    owned = {n for e in episodes for n in (e.audio_file, *e.side_files)}
    return problems, items, catalog_items, owned


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    with tempfile.TemporaryDirectory(prefix="reelcast-kills-") as tmp:
        folder = Path(tmp)
        root = folder / "show"
        settings = load_settings(root)
        pipeline.publish(str(review(folder, "first", "Words 0")), settings, ToneEngine())
        started = time.perf_counter()  # an unkilled child, start to end: the span the kills fall in
        subprocess.run([sys.executable, "-c", CHILD, str(REPO), str(root), str(review(folder, "second", "Two"))],
                       cwd=REPO, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        full_s = time.perf_counter() - started

        tally: Counter[str] = Counter()
        failures: list[str] = []
        for run in range(1, args.runs + 1):
            # half republish the first review with other words, half publish a new one
            page = review(folder, "first", f"Words {run}") if run % 2 else review(folder, f"new{run}", f"New {run}")
            before = inspect(root)
            child = subprocess.Popen([sys.executable, "-c", CHILD, str(REPO), str(root), str(page)],
                                     cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
            time.sleep(rng.uniform(0, full_s))
            try:
                os.killpg(child.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            child.wait()
            killed = child.returncode == -signal.SIGKILL
            problems, feed, catalog, _owned = inspect(root)
            if feed == catalog:
                state = "feed and catalog agree" + (" (changed)" if catalog != before[2] else " (unchanged)")
            elif feed == before[1] and catalog != before[2]:
                state = "catalog one change ahead of the feed"
            else:
                state = "feed and catalog disagree"
                problems.append(state)
            tally[("killed: " if killed else "finished: ") + state] += 1
            pipeline.publish(str(page), settings, ToneEngine())  # the next publish finishes or undoes it
            after, feed, catalog, owned = inspect(root)
            files = {p.name for p in settings.episodes_dir.iterdir()}
            if feed != catalog:
                after.append("after the next publish, feed and catalog disagree")
            if files != owned:
                after.append(f"after the next publish, episodes/ holds {sorted(files - owned)} that nothing owns")
            for problem in problems + after:
                failures.append(f"run {run}: {problem}")

    print(f"{args.runs} runs, each killed at a random moment of the {full_s:.1f} s an unkilled publish takes")
    print(f"{'what the kill left':<52} {'runs':>5}")
    for what, count in sorted(tally.items()):
        print(f"{what:<52} {count:>5}")
    print(f"{'problems (feed, files, catalog, cleanup)':<52} {len(failures):>5}")
    for failure in failures:
        print("  " + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
