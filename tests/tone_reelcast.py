"""`python tests/tone_reelcast.py ARGS`: the reelcast command line with a fast stand-in engine, `tone`.

For tests that run publish many times as a real process (kill tests, disk faults): everything is the
real pipeline, encoder and commit except the voice, a tone as long as the words take to say.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from reelcast.speech.base import register  # noqa: E402
from tests.conftest import ToneEngine  # noqa: E402


class CliToneEngine(ToneEngine):
    def voice_for(self, language: str) -> str:
        return "tone"

    def speaks(self, voice: str, language: str) -> bool:
        return True


register("tone", lambda settings: CliToneEngine(settings.rate))

from reelcast.cli import main  # noqa: E402 - after the engine is registered: --engine lists the names

if __name__ == "__main__":
    main()
