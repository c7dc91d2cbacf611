"""Paragraphs as tasks beyond this process: on a real Dask cluster, and no process left behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from .conftest import EXAMPLE, run_reelcast

pytestmark = pytest.mark.slow


def new_show(root: Path, workers: int = 2) -> Path:
    root.mkdir(parents=True)
    shutil.copy(EXAMPLE, root / "review.html")
    (root / "reelcast.toml").write_text(f"[speech]\nworkers = {workers}\n", encoding="utf-8")
    return root


def the_mp3(root: Path) -> bytes:
    (mp3,) = (root / "episodes").glob("*.mp3")
    return mp3.read_bytes()


def test_a_dask_cluster_speaks_the_episode_the_local_pool_speaks(tmp_path: Path) -> None:
    from distributed import LocalCluster

    local = new_show(tmp_path / "local")
    done = run_reelcast(local, "publish", "review.html")
    assert done.returncode == 0, done.stderr

    remote = new_show(tmp_path / "remote")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", scheduler_port=0,
                      dashboard_address=None, worker_dashboard_address=None) as cluster:
        done = run_reelcast(remote, "publish", "--scheduler", cluster.scheduler_address, "review.html")
        assert done.returncode == 0, done.stderr
        from distributed import Client

        with Client(cluster.scheduler_address) as client:  # the cluster, not the CLI's process, did the speaking
            ran = client.run_on_scheduler(lambda dask_scheduler: sorted(dask_scheduler.task_prefixes))
    assert "speak_paragraph" in ran
    assert the_mp3(remote) == the_mp3(local)
    for suffix in (".vtt", ".chapters.json"):
        (a,) = (local / "episodes").glob(f"*{suffix}")
        (b,) = (remote / "episodes").glob(f"*{suffix}")
        assert a.read_bytes() == b.read_bytes()


def test_an_unreachable_scheduler_is_one_error_line(tmp_path: Path) -> None:
    from .conftest import free_port

    show = new_show(tmp_path / "show")
    done = run_reelcast(show, "publish", "--scheduler", f"tcp://127.0.0.1:{free_port()}", "review.html")
    assert done.returncode == 1
    assert done.stderr.strip().splitlines()[-1].startswith("reelcast: error: could not reach the Dask scheduler")
    assert "Traceback" not in done.stderr
    assert not (show / "episodes").exists() or not list((show / "episodes").glob("*.mp3"))


def _descendants(pid: int) -> dict[int, str]:
    """Every live process below `pid`, with its command line."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if fields[0] != "Z":
                parents.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = {}, [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            try:
                found[child] = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("stage", ["speech workers", "the encoder"])
def test_killing_publish_leaves_no_process_behind(tmp_path: Path, stage: str) -> None:
    show = new_show(tmp_path / "show")
    proc = subprocess.Popen([sys.executable, "-m", "reelcast", "publish", "review.html"], cwd=show,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    wanted = (lambda cmd: "ffmpeg" in cmd and "pipe:0" in cmd) if stage == "the encoder" else \
        (lambda cmd: "multiprocessing" in cmd or "reelcast" in cmd)
    seen: dict[int, str] = {}
    deadline = time.monotonic() + 120
    while not any(wanted(cmd) for cmd in seen.values()):
        assert proc.poll() is None, f"publish ended before {stage} were seen"
        assert time.monotonic() < deadline, f"no {stage} within 120 s"
        seen.update(_descendants(proc.pid))
        time.sleep(0.005)
    seen.update(_descendants(proc.pid))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while (left := [cmd for pid, cmd in seen.items() if _alive(pid)]) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not left, f"still running after reelcast was killed: {left}"
