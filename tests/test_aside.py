"""aside.Aside: work done in a forked child, its answer (or its error) handed back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from reelcast.aside import Aside, can_fork

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Aside forks only on Linux")


def _gone(pid: int, within: float = 10.0) -> bool:
    """Whether process `pid` has ended (or is only a zombie) within `within` seconds."""
    deadline = time.monotonic() + within
    while True:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            return True
        if state == "Z":
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)


def _wait_for(path: Path, within: float = 30.0) -> str:
    deadline = time.monotonic() + within
    while not (path.exists() and path.read_text()):
        assert time.monotonic() < deadline, f"nothing written to {path} within {within} s"
        time.sleep(0.01)
    return path.read_text()


def test_the_work_is_done_in_a_child_and_its_result_handed_back() -> None:
    assert can_fork(), "the test process has a thread of its own"
    aside = Aside(lambda: (os.getpid(), {"title": "Leaving Las Vegas", "words": [1, 2, 3]}))
    pid, value = aside.result()
    assert pid != os.getpid()
    assert value == {"title": "Leaving Las Vegas", "words": [1, 2, 3]}
    assert aside.result() == (pid, value)  # asked again: the same answer, not the work again


def test_an_error_in_the_child_is_raised_in_the_parent() -> None:
    def work() -> None:
        raise ValueError(f"no article in the page read in {os.getpid()}")

    aside = Aside(work)
    with pytest.raises(ValueError, match="no article in the page read in") as raised:
        aside.result()
    assert str(os.getpid()) not in str(raised.value)  # raised there, not here
    with pytest.raises(ValueError):
        aside.result()


def test_a_child_that_dies_without_answering_has_its_work_done_here() -> None:
    parent = os.getpid()

    def work() -> int:
        if os.getpid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return os.getpid()

    assert Aside(work).result() == parent


def test_a_result_that_cannot_be_handed_back_is_made_here() -> None:
    aside = Aside(lambda: (os.getpid(), threading.Lock()))  # a lock does not pickle
    pid, lock = aside.result()
    assert pid == os.getpid()
    assert lock.acquire(blocking=False)


def test_not_beside_the_work_waits_until_it_is_asked_for() -> None:
    done: list[int] = []
    aside = Aside(lambda: done.append(os.getpid()) or len(done), beside=False)
    assert done == []
    assert aside.result() == 1
    assert aside.result() == 1
    assert done == [os.getpid()]


def test_with_another_thread_running_it_does_not_fork() -> None:
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not can_fork()
        assert Aside(os.getpid).result() == os.getpid()
    finally:
        stop.set()
        other.join()


def test_close_ends_a_child_whose_answer_is_not_wanted(tmp_path: Path) -> None:
    started = tmp_path / "child"

    def work() -> None:
        started.write_text(str(os.getpid()))
        time.sleep(60)

    aside = Aside(work)
    child = int(_wait_for(started))
    began = time.monotonic()
    aside.close()
    assert _gone(child, within=0)
    assert time.monotonic() - began < 5


def test_a_child_ends_when_its_parent_is_killed(tmp_path: Path) -> None:
    started = tmp_path / "child"
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import os, time
        from pathlib import Path
        from reelcast.aside import Aside

        def work():
            Path({str(started)!r}).write_text(str(os.getpid()))
            time.sleep(60)

        Aside(work)
        time.sleep(60)
        """)])
    try:
        child = int(_wait_for(started))
        parent.kill()
        parent.wait()
        assert _gone(child), "the child outlived its killed parent"
    finally:
        parent.kill()
        parent.wait()
