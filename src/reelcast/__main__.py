"""`python -m reelcast` and the `reelcast` command. The libraries take a moment to load: Ctrl-C
then is the same one line as Ctrl-C later, not a traceback from an import."""

import sys


def run() -> None:
    try:
        from reelcast.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("reelcast: interrupted\n")
        raise SystemExit(130) from None
    main()


if __name__ == "__main__":
    run()
