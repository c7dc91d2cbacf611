"""What does `reelcast deploy` cost, against a plain copy of the same files?

    python bench/deploy.py [--episodes 50] [--mb 4]

A show of N episodes (an MP3 of --mb random megabytes, its chapters and two transcripts each, a
cover, the page, the feed) is deployed to a folder and to an S3-compatible server on 127.0.0.1
(moto's server mode, from the test extra). Beside each, in the same run, the reference: the same
files copied without any planning (shutil.copytree for the folder; one boto3 upload_file per file
for S3). Then a deploy with nothing changed (it hashes every file and reads the manifest and the
listing) and one after one episode's files changed. Wall-clock seconds, one run each, in this
process; the cores are shared, so compare within a run, not across machines.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "src"))

from reelcast.config import load_settings  # noqa: E402
from reelcast.deploy import deploy, open_destination  # noqa: E402
from reelcast.models import Chapter, Episode  # noqa: E402
from reelcast.publish.disk import write_atomically  # noqa: E402
from reelcast.publish.feed import FEED_FILE, build_feed  # noqa: E402


def make_show(root: Path, episodes: int, mb: float) -> list[Episode]:
    settings = load_settings(root)
    settings.episodes_dir.mkdir(parents=True)
    settings.feed_dir.mkdir(parents=True)
    made = []
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(episodes):
        slug = f"review-{n:04d}"
        mp3 = settings.episodes_dir / f"{slug}.mp3"
        mp3.write_bytes(os.urandom(int(mb * 1_000_000)))
        side = (f"{slug}.chapters.json", f"{slug}.vtt", f"{slug}.srt")
        for name in side:
            (settings.episodes_dir / name).write_bytes(os.urandom(8_000))
        made.append(Episode(guid=f"00000000-0000-5000-8000-{n:012d}", slug=slug, title=f"Review {n}",
                            summary="A review.", source=f"/reviews/{n}.html", link=None, author=None,
                            published=start + timedelta(days=n), audio_file=mp3.name, size_bytes=mp3.stat().st_size,
                            duration_ms=300_000, chapters=(Chapter("Introduction", 0, 300_000),), side_files=side))
    (settings.feed_dir / "cover.png").write_bytes(os.urandom(40_000))
    (settings.feed_dir / "index.html").write_bytes(os.urandom(20_000 * episodes))
    write_atomically(settings.feed_dir / FEED_FILE, build_feed(settings, made[::-1], "cover.png"))
    return made


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--episodes", type=int, default=50)
    parser.add_argument("--mb", type=float, default=4.0, help="megabytes of each MP3")
    args = parser.parse_args()

    import boto3
    from moto.server import ThreadedMotoServer

    for name, value in (("AWS_ACCESS_KEY_ID", "bench"), ("AWS_SECRET_ACCESS_KEY", "bench"),
                        ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_EC2_METADATA_DISABLED", "true")):
        os.environ[name] = value
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request otherwise
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
    client = boto3.client("s3", endpoint_url=endpoint)
    client.create_bucket(Bucket="bench")

    with tempfile.TemporaryDirectory(prefix="reelcast-bench-") as tmp:
        root = Path(tmp) / "show"
        root.mkdir()
        (root / "reelcast.toml").write_text(f'[deploy]\ns3_endpoint = "{endpoint}"\n', encoding="utf-8")
        episodes = make_show(root, args.episodes, args.mb)
        settings = load_settings(root)
        files = [p for p in (*settings.feed_dir.iterdir(), *settings.episodes_dir.iterdir())]
        total_mb = sum(p.stat().st_size for p in files) / 1e6

        def reference_folder() -> None:
            shutil.copytree(root / "feed", Path(tmp) / "copy" / "feed")
            shutil.copytree(root / "episodes", Path(tmp) / "copy" / "episodes")

        def reference_s3() -> None:
            for path in files:
                client.upload_file(str(path), "bench", f"copy/{path.parent.name}/{path.name}")

        def run(dest: str) -> Callable[[], object]:
            def go() -> object:
                with open_destination(dest, settings) as destination:
                    return deploy(settings, destination)
            return go

        def change_one() -> None:
            mp3 = settings.episodes_dir / episodes[0].audio_file
            mp3.write_bytes(os.urandom(mp3.stat().st_size))

        rows = []
        for label, dest, reference in (("folder", str(Path(tmp) / "site"), reference_folder),
                                       ("S3 (moto on 127.0.0.1)", "s3://bench/show", reference_s3)):
            copy_s = timed(reference)
            first_s = timed(run(dest))
            unchanged_s = timed(run(dest))
            rows.append((label, copy_s, first_s, unchanged_s))
        change_one()
        changed = [timed(run(dest)) for dest in (str(Path(tmp) / "site"), "s3://bench/show")]
    server.stop()

    print(f"{args.episodes} episodes, {len(files)} files, {total_mb:.0f} MB")
    print(f"{'destination':<24}{'plain copy s':>14}{'deploy s':>10}{'unchanged s':>13}{'one changed s':>15}")
    for (label, copy_s, first_s, unchanged_s), changed_s in zip(rows, changed, strict=True):
        print(f"{label:<24}{copy_s:>14.2f}{first_s:>10.2f}{unchanged_s:>13.2f}{changed_s:>15.2f}")


if __name__ == "__main__":
    main()
