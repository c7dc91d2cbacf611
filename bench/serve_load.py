"""A bounded load test of `reelcast serve` on 127.0.0.1, beside Python's http.server on the same files.

    python bench/serve_load.py [--requests 2000] [--clients 8] [--slow 20] [--max-seconds 60]

A show is published with the tests' tone engine (what is said does not matter to serving), then
`reelcast serve --port 0` runs as a user runs it. `--clients` threads share `--requests` requests,
each on its own keep-alive connection: the feed, the listening page, whole episodes, random byte
ranges, HEAD, ETag revalidation, and hostile ones (absurd or malformed ranges, paths out of the
folder). Meanwhile `--slow` connections trickle their headers a byte a second (slowloris). An error
is an exception or a status the request should not get (a 500 among them). The server's resident
memory is read from /proc before and after. The reference: `python -m http.server` on the same
show, given the plain GETs only (it answers no ranges); it is the floor of serving files from Python.
Everything is bounded: the count of requests, and `--max-seconds` for each server.
"""

from __future__ import annotations

import argparse
import http.client
import random
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TONE_CLI = REPO / "tests" / "tone_reelcast.py"
EXAMPLE = REPO / "examples" / "leaving-las-vegas.html"

# (method, path, headers, the statuses that are right)
Request = tuple[str, str, dict[str, str], tuple[int, ...]]


@dataclass
class Tally:
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def publish_show(root: Path) -> Path:
    root.mkdir(parents=True)
    page = root / "review.html"
    page.write_bytes(EXAMPLE.read_bytes())
    subprocess.run([sys.executable, str(TONE_CLI), "--root", str(root), "publish", "--engine", "tone", str(page)],
                   check=True, capture_output=True, timeout=600, stdin=subprocess.DEVNULL)
    (mp3,) = (root / "episodes").glob("*.mp3")
    return mp3


def start_reelcast(root: Path) -> tuple[subprocess.Popen[str], int]:
    server = subprocess.Popen([sys.executable, "-m", "reelcast", "--root", str(root), "serve", "--port", "0"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert server.stderr is not None
    for line in server.stderr:
        if found := re.search(r"on http://127\.0\.0\.1:(\d+)/", line):
            threading.Thread(target=server.stderr.read, daemon=True).start()  # keep the pipe drained
            return server, int(found.group(1))
    raise SystemExit(f"reelcast serve did not start (exit {server.wait()})")


def start_http_server(root: Path) -> tuple[subprocess.Popen[str], int]:
    with socket.socket() as probe:  # http.server prints its port only when unbuffered; pick one
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(root),
                               str(port)], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, text=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    raise SystemExit("http.server did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def plain_requests(mp3: str) -> list[Request]:
    return [
        ("GET", "/feed/feed.xml", {}, (200,)),
        ("GET", "/feed/index.html", {}, (200,)),
        ("GET", f"/episodes/{mp3}", {}, (200,)),
        ("HEAD", f"/episodes/{mp3}", {}, (200,)),
    ]


def reelcast_requests(mp3: str, size: int, rng: random.Random) -> Callable[[], Request]:
    plain = plain_requests(mp3)

    def pick() -> Request:
        roll = rng.random()
        if roll < 0.4:
            return rng.choice(plain)
        if roll < 0.75:
            first = rng.randrange(size)
            return ("GET", f"/episodes/{mp3}", {"Range": f"bytes={first}-{min(size - 1, first + 65535)}"}, (206,))
        if roll < 0.85:
            return ("GET", "/feed/feed.xml", {"If-None-Match": "*"}, (200, 304))
        hostile = [
            ({"Range": "bytes=1-" + "9" * 5000}, f"/episodes/{mp3}", (206,)),
            ({"Range": "bytes=" + "9" * 30 + "-"}, f"/episodes/{mp3}", (416,)),
            ({"Range": "bytes=" + ",".join(["0-0"] * 60)}, f"/episodes/{mp3}", (200,)),
            ({"Range": "bytes=5-2"}, f"/episodes/{mp3}", (200,)),
            ({}, "/feed/../reelcast.db", (400, 404)),
            ({}, "/episodes/%2e%2e/reelcast.toml", (400, 404)),
        ]
        headers, path, ok = rng.choice(hostile)
        return ("GET", path, headers, ok)

    return pick


def client(port: int, count: int, pick: Callable[[], Request], tally: Tally, stop_at: float) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    for _ in range(count):
        if time.monotonic() > stop_at:
            break
        method, path, headers, ok = pick()
        start = time.monotonic()
        try:
            connection.request(method, path, headers=headers)
            response = connection.getresponse()
            body = response.read()
            status = response.status
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
        except (OSError, http.client.HTTPException) as exc:
            connection.close()
            with tally.lock:
                tally.errors.append(f"{method} {path[:60]}: {type(exc).__name__}: {exc}")
            continue
        with tally.lock:
            tally.seconds.append(time.monotonic() - start)
            tally.statuses[status] += 1
            tally.bytes += len(body)
            if status not in ok:
                tally.errors.append(f"{method} {path[:60]} {str(headers)[:60]}: {status}, expected {ok}")
    connection.close()


def slowloris(port: int, count: int, stop: threading.Event) -> list[float]:
    """Hold `count` connections that send a header byte a second; return how long each stayed open."""
    request = b"GET /feed/feed.xml HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 1000
    opened = time.monotonic()
    sockets = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(count)]
    lasted: list[float | None] = [None] * count
    sent = 0
    while not stop.is_set() and any(t is None for t in lasted) and sent < len(request):
        for n, sock in enumerate(sockets):
            if lasted[n] is None:
                try:
                    sock.sendall(request[sent : sent + 1])
                except OSError:
                    lasted[n] = time.monotonic() - opened
        sent += 1
        stop.wait(1)
    for sock in sockets:
        sock.close()
    return [t if t is not None else time.monotonic() - opened for t in lasted]


def load(name: str, server: subprocess.Popen[str], port: int, pick: Callable[[], Request], args: argparse.Namespace,
         slow: int) -> dict[str, object]:
    time.sleep(0.5)
    before = rss_mb(server.pid)
    tally = Tally()
    stop = threading.Event()
    slow_result: list[list[float]] = []
    slow_thread = threading.Thread(target=lambda: slow_result.append(slowloris(port, slow, stop)), daemon=True)
    if slow:
        slow_thread.start()
    start = time.monotonic()
    stop_at = start + args.max_seconds
    per_client = [args.requests // args.clients + (n < args.requests % args.clients) for n in range(args.clients)]
    threads = [threading.Thread(target=client, args=(port, n, pick, tally, stop_at)) for n in per_client]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - start
    if slow:
        slow_thread.join(15)  # the server should have closed them all by now
    stop.set()
    after = rss_mb(server.pid)
    done = sum(tally.statuses.values())
    latencies = sorted(tally.seconds) or [float("nan")]
    return {
        "server": name, "requests": done, "errors": len(tally.errors), "first errors": tally.errors[:3],
        "req/s": done / elapsed, "MB/s": tally.bytes / elapsed / 1e6,
        "p50 ms": statistics.median(latencies) * 1000, "p99 ms": latencies[int(len(latencies) * 0.99)] * 1000,
        "RSS before MB": before, "RSS after MB": after, "alive": server.poll() is None,
        "statuses": dict(sorted(tally.statuses.items())),
        "slow conns closed after s": max(slow_result[0]) if slow_result else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--slow", type=int, default=20, help="slowloris connections held during the load")
    parser.add_argument("--max-seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="reelcast-serve-load-") as tmp:
        root = Path(tmp) / "show"
        mp3 = publish_show(root)
        size = mp3.stat().st_size
        rows = []
        server, port = start_reelcast(root)
        try:
            rng = random.Random(args.seed)
            rows.append(load("reelcast serve", server, port, reelcast_requests(mp3.name, size, rng),
                             args, args.slow))
        finally:
            server.terminate()
            server.wait(10)
        reference, port = start_http_server(root)
        try:
            rng = random.Random(args.seed)
            plain = plain_requests(mp3.name)
            rows.append(load("python -m http.server", reference, port, lambda: rng.choice(plain), args, 0))
        finally:
            reference.terminate()
            reference.wait(10)
    print(f"{args.requests} requests from {args.clients} keep-alive clients on 127.0.0.1, episode "
          f"{size / 1e6:.1f} MB; {args.slow} slowloris connections beside reelcast's load\n")
    keys = ["server", "requests", "errors", "req/s", "MB/s", "p50 ms", "p99 ms", "RSS before MB", "RSS after MB",
            "alive", "slow conns closed after s"]
    print(" | ".join(keys))
    print(" | ".join("---" for _ in keys))
    for row in rows:
        print(" | ".join(f"{row[k]:.1f}" if isinstance(row[k], float) else str(row[k]) for k in keys))
    for row in rows:
        print(f"\n{row['server']}: statuses {row['statuses']}" + (f"; errors: {row['first errors']}"
                                                                   if row["errors"] else ""))


if __name__ == "__main__":
    main()
