"""Languages: tags, the shipped language packs (languages/<code>.toml), and detection from text.

A language pack holds every word reelcast itself says or shows in that language: the intro and
outro templates and their phrases, the speech-ready rules' words (number words come from
num2words), the marker of an episode in another language than the show, and the listening
page's few strings. Adding a language is adding one file; see README "Languages".
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import lzma
import os
import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from reelcast.config import user_cache_dir
from reelcast.errors import ScriptError, SpeechError

log = logging.getLogger(__name__)

# A BCP 47 tag as pages write it: fr, fr-FR, fr_FR, pt-BR, zh-Hant.
_TAG = re.compile(r"^([A-Za-z]{2,3})(?:[-_][A-Za-z0-9]{2,8})*$")
# Below this many letters a detector guesses; a declared language is then trusted as it is.
MIN_DETECT_LETTERS = 200
# How sure the detector must be to overrule what the page declares.
_OVERRULE_CONFIDENCE = 0.95


def normalise(tag: str | None) -> str | None:
    """ "fr_FR" -> "fr-FR", "EN" -> "en"; None for what is not a language tag ("English", "")."""
    if not tag:
        return None
    tag = tag.strip()
    if not _TAG.match(tag):
        return None
    parts = tag.replace("_", "-").split("-")
    return "-".join([parts[0].lower(), *(p.upper() if len(p) == 2 else p for p in parts[1:])])


def primary(tag: str) -> str:
    """ "pt-BR" -> "pt": the language without region or script."""
    return re.split(r"[-_]", tag.strip(), maxsplit=1)[0].lower()


def same_language(a: str | None, b: str | None) -> bool:
    return bool(a and b) and primary(a) == primary(b)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# Language packs
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pack:
    """One language's words. `speech` is empty for English, whose rules are code in speakable."""

    code: str
    name: str
    native: str
    script: dict[str, str]
    page: dict[str, Any]
    marker: str
    id3: str
    speech: dict[str, Any] = field(default_factory=dict)
    chapters: dict[str, Any] = field(default_factory=dict)  # how a headingless part is named ([chapters])


SCRIPT_WORDS = (
    "intro", "outro", "film", "directed_by", "starring", "and", "rating", "unnamed_author", "site",
    "intro_title", "outro_title", "part", "quote", "end_quote", "spoiler", "spoiler_skip",
)  # fmt: skip
PAGE_WORDS = ("subscribe", "copy", "copied", "original", "chapters", "transcript", "empty", "months")


def shipped() -> tuple[str, ...]:
    """The languages reelcast ships a pack for, by code."""
    folder = resources.files("reelcast") / "languages"
    return tuple(sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml")))


@functools.cache
def pack(code: str) -> Pack | None:
    """The shipped pack of a language ("fr-CA" finds fr), or None when reelcast has none for it."""
    code = primary(code)
    if not re.fullmatch(r"[a-z]{2,3}", code):
        return None
    source = resources.files("reelcast") / "languages" / f"{code}.toml"
    if not source.is_file():
        return None
    data = tomllib.loads(source.read_text(encoding="utf-8"))
    script, page = data.get("script", {}), data.get("page", {})
    missing = [k for k in SCRIPT_WORDS if k not in script] + [k for k in PAGE_WORDS if k not in page]
    if missing:  # a shipped file is checked by the tests; this names the slip if one gets through
        raise ScriptError(f"the language pack {code}.toml lacks {', '.join(missing)}; reinstall reelcast")
    return Pack(
        code=code,
        name=data["name"],
        native=data["native"],
        script=dict(script),
        page=dict(page),
        marker=data.get("feed", {}).get("marker", ""),
        id3=data["id3"],
        speech=dict(data.get("speech", {})),
        chapters=dict(data.get("chapters", {})),
    )


def pack_or_english(code: str | None) -> Pack:
    found = pack(code) if code else None
    english = pack("en")
    assert english is not None  # shipped with reelcast
    return found or english


# --------------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------------


_MODEL_ARRAYS = ("ptc", "pc", "nextmove", "nextmove_row", "out_feat")


@functools.cache
def _identifier() -> Any:
    """py3langid's identifier, loaded once, on first use. Its model ships in the wheel, so nothing
    is ever downloaded; but it is LZMA-packed (4.5 MB, 68 MB unpacked), and unpacking it took half
    a second of every publish. So the first run unpacks it into the user's cache folder, and later
    ones map those arrays from there (a few ms). Without a usable cache folder, it is unpacked as before."""
    from py3langid.langid import MODEL_DIR, MODEL_FILE, LanguageIdentifier
    from py3langid.modelio import _to_array

    packed = MODEL_DIR / MODEL_FILE
    folder = _unpacked_model(packed)
    if folder is None:
        return LanguageIdentifier.from_model_file(packed, norm_probs=True)
    ptc, pc, nextmove, row, output = (np.load(folder / f"{name}.npy", mmap_mode="r") for name in _MODEL_ARRAYS)
    classes = json.loads((folder / "classes.json").read_text(encoding="utf-8"))
    # The 39 MB state table stays mapped, not copied: its pages are the file's, shared with the
    # speech workers forked later, and looked up a few thousand times a review.
    return LanguageIdentifier(ptc, pc, classes, nextmove, output.tolist(), norm_probs=True, tk_row=_to_array(row))


def _unpacked_model(packed: Path) -> Path | None:
    """The folder that holds the detector's model unpacked, made if need be; None if it cannot be."""
    cache = user_cache_dir()
    folder = cache / f"py3langid-{packed.stat().st_size}-{packed.stat().st_mtime_ns}"
    if (folder / "classes.json").is_file():
        return folder
    tmp = None
    try:
        cache.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=cache, prefix=".unpacking-"))
        with lzma.open(packed) as source, np.load(io.BytesIO(source.read())) as model:
            for name in _MODEL_ARRAYS:
                np.save(tmp / f"{name}.npy", model[name])
            classes = model["classes"].tolist()
        (tmp / "classes.json").write_text(json.dumps(classes), encoding="utf-8")  # last: it marks it whole
        with contextlib.suppress(OSError):  # another run unpacked it first: theirs is as good
            os.replace(tmp, folder)
    except (OSError, RuntimeError, ValueError) as exc:
        log.debug("the language model stays packed (%s)", exc)
        return None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)  # gone already when it became the folder
    return folder if (folder / "classes.json").is_file() else None


def detect(text: str) -> tuple[str, float] | None:
    """The language of `text` and how sure the detector is (0-1); None for too little text."""
    if sum(c.isalpha() for c in text) < MIN_DETECT_LETTERS // 4:
        return None
    code, confidence = _identifier().classify(text)
    return str(code), float(confidence)


def article_language(declared: str | None, text: str) -> str | None:
    """The language a review is written in: what the page declares, unless its text clearly says otherwise.

    Pages copy templates: a French review under `<html lang="en">` is common, so a declaration the
    detector contradicts with confidence, over enough text, gives way. A declared regional tag
    (fr-CA) is kept when the detector agrees on the language.
    """
    declared = normalise(declared)
    letters = sum(c.isalpha() for c in text)
    guess = detect(text)
    if guess is None:
        return declared
    code, confidence = guess
    if declared is None:
        return code if letters >= MIN_DETECT_LETTERS // 4 else None
    if same_language(declared, code):
        return declared
    if letters >= MIN_DETECT_LETTERS and confidence >= _OVERRULE_CONFIDENCE:
        return code
    return declared


def id3_language(tag: str) -> str:
    """The language as ID3's TLAN wants it (ISO 639-2, "fra"); a language without a pack keeps its code."""
    found = pack(tag)
    return found.id3 if found else primary(tag)


def review_language(declared: str | None, show_language: str, accepted: tuple[str, ...]) -> str:
    """The language a review is narrated in: its own (the show's when it has none), if the show takes it.

    `accepted` is [show] languages: empty takes every language; otherwise a review in a language
    not listed (nor the show's own) is refused before any audio is made.
    """
    language = normalise(declared) or show_language
    if accepted and not any(same_language(language, tag) for tag in (show_language, *accepted)):
        listed = ", ".join(f'"{t}"' for t in accepted)
        raise ScriptError(
            f"the review is in '{language}', which this show does not publish ([show] languages = [{listed}]); "
            f'add "{primary(language)}" to [show] languages in reelcast.toml to publish it'
        )
    return language


# --------------------------------------------------------------------------------------------
# Voices
# --------------------------------------------------------------------------------------------


def configured(table: tuple[tuple[str, str], ...], tag: str) -> str | None:
    """A per-language setting ([speech.voices], [script.intros] ...) for `tag`: "fr-CA", else "fr"."""
    found = dict((normalise(k) or k, v) for k, v in table)
    return found.get(normalise(tag) or tag) or found.get(primary(tag))


def choose_voice(
    engine: Any, voice: str | None, voices: tuple[tuple[str, str], ...], language: str, show_language: str | None = None
) -> str:
    """The voice that reads a review in `language`, or a SpeechError before any audio is made.

    The show's choice for that language ([speech.voices]) first, then the configured voice if it
    speaks the language, then the engine's own voice for it. Reviews in the show's language are
    all read by the voice for the show's tag, so an en-US page on an "en" show sounds like the rest.
    """
    if chosen := configured(voices, language):
        return chosen
    if voice and engine.speaks(voice, language):
        return voice
    if show_language and same_language(language, show_language):
        language = show_language
    if found := engine.voice_for(language):
        return str(found)
    what = "eSpeak NG has" if engine.name == "pyttsx3" else f"the {engine.name} engine has"
    raise SpeechError(
        f"{what} no voice for language '{language}'; set [speech.voices] {primary(language)} = \"VOICE\" "
        f"in reelcast.toml (reelcast voices --language {primary(language)} lists them), or use another engine"
    )
