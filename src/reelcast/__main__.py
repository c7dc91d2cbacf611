"""`python -m reelcast` and the `reelcast` command. The libraries take a moment to load: Ctrl-C
then is the same one line as Ctrl-C later, not a traceback from an import."""

import atexit
import gc
import os
import sys

# A publish makes millions of short-lived objects (the page's tree, the script, the audio's
# wrappers); the collector's default, a look every 700, cost a tenth of a second of a publish.
_COLLECT_EVERY = 20_000


def run() -> None:
    # numpy's OpenBLAS starts a thread per core as it is imported, and they spin for a tenth of a
    # second of CPU, on the cores the page's extraction and the speech workers need. What reelcast
    # asks of numpy is element by element, where more threads do not help. (A user's setting stands.)
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    try:
        from reelcast.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("reelcast: interrupted\n")
        raise SystemExit(130) from None
    # What the imports made lives as long as the process: frozen, the collector stops walking it,
    # and the speech workers forked later do not copy its pages when they collect.
    gc.freeze()
    gc.set_threshold(_COLLECT_EVERY, *gc.get_threshold()[1:])
    try:
        main()
    except SystemExit as done:
        _exit(done.code)
    _exit(0)


def _exit(code: object) -> None:
    """End the process as `sys.exit(code)` would, but without tearing the interpreter down: the
    exit handlers run and the output is flushed, then the process ends. Freeing every module and
    object one by one took 0.15 s after a publish's work was done."""
    if sys.getprofile() or sys.gettrace():  # a profiler or coverage writes its report at the teardown
        raise SystemExit(code)
    if code is not None and not isinstance(code, int):
        sys.stderr.write(f"{code}\n")
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):  # a closed pipe: nothing more can be said on it
            pass
    os._exit(code or 0)


if __name__ == "__main__":
    run()
