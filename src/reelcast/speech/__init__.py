"""Speech engines. Each turns one narrated section into a WAV file; the pipeline picks one by name."""

from reelcast.speech.base import Engine, VoiceInfo, engine_names, make_engine

__all__ = ["Engine", "VoiceInfo", "engine_names", "make_engine"]
