"""How long do the feed and the listening page take for a big show?

    python bench/feed.py [--episodes 5000] [--repeat 3] [--cues 60]

Makes a show folder with N catalogued episodes (each with its chapters, a WebVTT transcript of
--cues cues and a stand-in MP3 file), then times `reelcast feed` (rebuild feed.xml and index.html
from the catalog) in fresh processes, and, in this process, the parts: reading the catalog,
building the RSS, reading the transcripts the page carries, rendering the page.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from reelcast.catalog import Catalog  # noqa: E402
from reelcast.config import load_settings  # noqa: E402
from reelcast.models import Chapter, Cue, Episode  # noqa: E402
from reelcast.publish import sidefiles  # noqa: E402

TARGET_S = 3.0


def make_show(root: Path, count: int, cues: int) -> None:
    settings = load_settings(root)
    settings.episodes_dir.mkdir(parents=True)
    settings.feed_dir.mkdir(parents=True)
    start = datetime(2020, 1, 1, tzinfo=UTC)
    with Catalog.open(settings.catalog_path) as catalog, catalog.writing():
        for n in range(count):
            slug = f"review-{n:05d}"
            duration = 300_000 + n
            chapters = tuple(Chapter(f"Chapter {k}", k * duration // 5, (k + 1) * duration // 5) for k in range(5))
            transcript = [Cue(k * 5000, k * 5000 + 4800, f"Sentence {k} of review {n}, about a film & its cast.")
                          for k in range(cues)]
            (settings.episodes_dir / f"{slug}.mp3").write_bytes(b"")
            (settings.episodes_dir / f"{slug}.vtt").write_text(sidefiles.webvtt(transcript), encoding="utf-8")
            (settings.episodes_dir / f"{slug}.chapters.json").write_text(
                sidefiles.chapters_json(chapters, slug), encoding="utf-8")
            catalog.put(Episode(
                guid=f"00000000-0000-5000-8000-{n:012d}", slug=slug, title=f"Review {n}: a film <and> its maker",
                summary=f"What a critic thought of film {n}. " * 5, source=f"https://example.com/reviews/{n}",
                link=f"https://example.com/reviews/{n}", author="A. Critic",
                published=start + timedelta(hours=n), audio_file=f"{slug}.mp3", size_bytes=4_000_000 + n,
                duration_ms=duration, chapters=chapters,
                side_files=(f"{slug}.chapters.json", f"{slug}.vtt"),
            ))


def parts(root: Path) -> dict[str, float]:
    from reelcast.publish.feed import build_feed
    from reelcast.publish.page import inline_transcripts, render_page

    settings = load_settings(root)
    times: dict[str, float] = {}
    t = time.perf_counter()
    with Catalog.open(settings.catalog_path) as catalog:
        episodes = catalog.episodes()
    times["read the catalog"] = time.perf_counter() - t
    t = time.perf_counter()
    build_feed(settings, episodes, "cover.png")
    times["build the RSS (feedgen)"] = time.perf_counter() - t
    t = time.perf_counter()
    transcripts = inline_transcripts(lambda name: settings.episodes_dir / name, episodes)
    times["read the page's transcripts"] = time.perf_counter() - t
    t = time.perf_counter()
    render_page(settings, episodes, "cover.png", transcripts)
    times["render the page (jinja2)"] = time.perf_counter() - t
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--episodes", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cues", type=int, default=60, help="transcript cues per episode")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reelcast-feed-bench-") as tmp:
        root = Path(tmp)
        t = time.perf_counter()
        make_show(root, args.episodes, args.cues)
        made = time.perf_counter() - t
        runs = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "reelcast", "feed"], cwd=root, capture_output=True, text=True)
            runs.append(time.perf_counter() - t)
            if done.returncode != 0:
                raise SystemExit(f"bench: reelcast feed failed: {done.stderr[-2000:]}")
        split = parts(root)
        feed_kb = (root / "feed" / "feed.xml").stat().st_size / 1024
        page_kb = (root / "feed" / "index.html").stat().st_size / 1024
    print(f"{args.episodes:,} episodes, {args.cues} transcript cues each (show made in {made:.1f} s)")
    print(f"{'what':<36} seconds")
    print(f"{'-' * 36} -------")
    print(f"{'reelcast feed (fresh process), median':<36} {statistics.median(runs):7.2f}   (runs: "
          + ", ".join(f"{r:.2f}" for r in runs) + ")")
    for name, seconds in split.items():
        print(f"  {name:<34} {seconds:7.2f}")
    print(f"feed.xml {feed_kb:,.0f} KB, index.html {page_kb:,.0f} KB")
    verdict = "met" if statistics.median(runs) < TARGET_S else "NOT met"
    print(f"target: under {TARGET_S:g} s: {verdict}")


if __name__ == "__main__":
    main()
