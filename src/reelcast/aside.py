"""Work done beside the main process: on Linux, a forked child does it while the main process goes
on with its own (a publish extracts the page there while it loads the audio libraries), and hands
the result back over a pipe. Where forking is not safe, the work is simply done when it is asked for.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


def can_fork() -> bool:
    """A fork copies only the thread that makes it: safe while this process has no other thread."""
    return sys.platform == "linux" and threading.active_count() == 1


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to end this process when the one that started it dies (by any signal, even KILL),
    so a killed `reelcast publish` leaves no child behind. Elsewhere, a no-op."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:  # it died before the request was made
        os._exit(1)


class Aside(Generic[T]):
    """`work()`, started now in a forked child; `result()` waits for it and returns what it
    returned, or raises what it raised. A child that cannot answer (killed, out of memory, or with
    a result or error that does not pickle) costs nothing but time: the work is done again here.
    `close()` ends the child if its result is not wanted. Not `beside`, or without a safe fork,
    `result()` does the work here."""

    def __init__(self, work: Callable[[], T], *, beside: bool = True) -> None:
        self._work = work
        self._child: int | None = None
        self._answer: int | None = None  # the pipe's end the child writes its answer to
        self._outcome: tuple[bool, object] | None = None
        if beside and can_fork():
            parent = os.getpid()
            answer, reply = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child, which never returns from here
                os.close(answer)
                _answer(work, reply, parent)
            os.close(reply)
            self._child, self._answer = pid, answer

    def result(self) -> T:
        if self._outcome is None:
            self._outcome = self._answered()
        done, value = self._outcome
        if done:
            return value
        raise value

    def _answered(self) -> tuple[bool, object]:
        if self._answer is None:
            return _outcome_of(self._work)
        with open(self._answer, "rb") as pipe:
            self._answer = None
            data = pipe.read()
        self._reap()
        try:
            return pickle.loads(data)
        except Exception:  # noqa: BLE001 - no answer, or one that cannot be read back
            return _outcome_of(self._work)

    def close(self) -> None:
        if self._child is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self._child, signal.SIGKILL)
            self._reap()
        if self._answer is not None:
            os.close(self._answer)
            self._answer = None

    def _reap(self) -> None:
        if self._child is not None:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(self._child, 0)
            self._child = None


def _answer(work: Callable[[], object], reply: int, parent: int) -> None:
    """In the child: do the work, write back (True, result) or (False, exception), or nothing if
    neither pickles, and end without running the parent's exit handlers or flushing its buffered
    output a second time."""
    code = 1
    try:
        die_with_parent(parent)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
        with open(reply, "wb") as pipe:
            pipe.write(pickle.dumps(_outcome_of(work), protocol=pickle.HIGHEST_PROTOCOL))
        code = 0
    finally:
        os._exit(code)


def _outcome_of(work: Callable[[], object]) -> tuple[bool, object]:
    """(True, what `work()` returned) or (False, what it raised), to be returned or raised later."""
    try:
        return True, work()
    except Exception as exc:  # noqa: BLE001 - raised again by Aside.result
        return False, exc
