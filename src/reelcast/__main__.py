"""`python -m reelcast` and the `reelcast` command. The libraries take a moment to load: Ctrl-C
then is the same one line as Ctrl-C later, not a traceback from an import."""

import gc
import sys

# A publish makes millions of short-lived objects (the page's tree, the script, the audio's
# wrappers); the collector's default, a look every 700, cost a tenth of a second of a publish.
_COLLECT_EVERY = 20_000


def run() -> None:
    try:
        from reelcast.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("reelcast: interrupted\n")
        raise SystemExit(130) from None
    # What the imports made lives as long as the process: frozen, the collector stops walking it,
    # and the speech workers forked later do not copy its pages when they collect.
    gc.freeze()
    gc.set_threshold(_COLLECT_EVERY, *gc.get_threshold()[1:])
    main()


if __name__ == "__main__":
    run()
