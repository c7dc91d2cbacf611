"""One line, spoken as an episode would speak it: to check how a name or a number comes out."""

from __future__ import annotations

import dataclasses
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from reelcast.config import Settings
from reelcast.errors import SpeechError
from reelcast.ffmpeg import run_ffmpeg
from reelcast.language import choose_voice
from reelcast.script import paragraph
from reelcast.speakable import Lexicon, speakable
from reelcast.speech.base import Engine, make_engine, write_wav
from reelcast.speech.runner import speak_checked

FORMATS = (".wav", ".mp3")


@dataclass(frozen=True, slots=True)
class Said:
    text: str  # as the voice read it: speech-ready, respelled by the lexicon
    path: Path
    duration_ms: int


def say(
    text: str,
    settings: Settings,
    out: Path,
    lexicon: Lexicon | None = None,
    engine: Engine | None = None,
    language: str | None = None,
) -> Said:
    """Speak `text` into `out` (.wav, or .mp3 at the show's bitrate) with the show's voice and lexicon,
    read as a review in `language` (the show's by default) would be: its rules, its voice."""
    if out.suffix.lower() not in FORMATS:
        raise SpeechError(f"{out}: say writes .wav or .mp3 files; name the file clip.wav or clip.mp3")
    language = language or settings.show.language
    spoken = speakable(" ".join(text.split()), lexicon, language)
    if not spoken:
        raise SpeechError("nothing to say: the text has no words that are spoken")
    if engine is None:
        options = settings.speech
        voice = choose_voice(make_engine(options), options.voice, options.voices, language, settings.show.language)
        engine = make_engine(dataclasses.replace(options, voice=voice))
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".say-") as tmp:
        speech = speak_checked(engine, paragraph(spoken), settings.speech.rate)
        staged = Path(tmp) / "clip.wav"
        write_wav(staged, speech.pcm, speech.sample_rate)
        if out.suffix.lower() == ".mp3":
            wav, staged = staged, Path(tmp) / "clip.mp3"
            run_ffmpeg(["-i", str(wav), "-ac", "1", "-b:a", f"{settings.audio.bitrate_kbps}k", str(staged)],
                       what="encoding the clip")
        os.replace(staged, out)
    return Said(text=spoken, path=out, duration_ms=speech.duration_ms)
