"""The process eSpeak NG speaks in: `python espeak_host.py`, started by EspeakDriver (in
espeak_pyttsx3.py). It starts eSpeak NG once, then speaks each text it is sent in a child forked
for that text alone.

eSpeak NG keeps state from one text to the next (its pitch flutter runs on in a function-level
static), so a paragraph came out slightly different depending on what was spoken before it. Each
text is therefore spoken in a child forked from a process where eSpeak was started and given its
voice, but has not yet spoken (safe: in synchronous mode eSpeak has no threads). A paragraph then
sounds the same byte for byte whoever speaks it and whenever, which is what lets it be cached and
spoken on another machine; and an eSpeak that crashes or hangs takes only that child with it.

Forking a speech worker, which holds all of reelcast and its libraries, cost 9 ms of CPU a text,
as much again as eSpeak took to speak it. This process imports nothing but the standard library
and pyttsx3's binding of eSpeak, so a fork of it costs a tenth of that, and it starts in ~30 ms.

It is given the process id of the process that started it, and ends when that one does.
What it is told, on its standard input: a pickle a request, ("speak", voice, rate, volume, text)
or ("voices",). What it answers, on its standard output: a pickle each, framed by its length (8
bytes, little-endian): ("spoken", audio, words), ("voices", [(id, name, language, gender), ...]),
or ("error", message).
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import struct
import sys
from typing import Any, BinaryIO

FRAME = struct.Struct("<Q")


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the process that started this one
    _die_with_parent(int(sys.argv[1]) if len(sys.argv) > 1 else os.getppid())
    # eSpeak and its binding may print; what goes on the answers' stream must be only answers
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    try:
        es = load_espeak()
    except Exception as exc:  # noqa: BLE001 - whatever stopped it is the one line the driver reports
        answer(answers, ("error", str(exc)))
        return
    voice_set: tuple[str, int, float] | None = None
    requests = sys.stdin.buffer
    while True:
        try:
            request = pickle.load(requests)
        except EOFError:  # the driver is done with this host
            return
        if request[0] == "voices":
            answer(answers, ("voices", voices(es)))
            continue
        _, voice, rate, volume, text = request
        # Only when it changes: setting a voice again moves eSpeak's state on (a paragraph came out
        # a millisecond shorter after a few hundred), and the state speaking starts from must not move.
        if voice_set != (voice, rate, volume):
            if es.SetVoiceByName(voice.encode("utf-8")) != es.EE_OK:
                voice_set = None
                answer(answers, ("error", f"eSpeak NG does not know voice '{voice}'; run 'reelcast voices' "
                                          "to list them"))
                continue
            es.SetParameter(es.RATE, rate, 0)
            es.SetParameter(es.VOLUME, round(volume * 100), 0)
            voice_set = (voice, rate, volume)
        answers.write(spoken_in_child(es, text))
        answers.flush()


def load_espeak() -> Any:
    """pyttsx3's binding of eSpeak NG, bound to pip's copy (espeakng-loader) with its voice data,
    and started in synchronous mode: `espeak_Synth` speaks the whole text in the calling thread,
    handing audio and word events to a callback, and returns when it is done.

    The binding asks the dynamic loader for 'libespeak-ng.so.1'; a library already loaded globally
    under that soname answers, so no system package is needed."""
    try:
        import espeakng_loader

        os.environ.setdefault("ESPEAK_DATA_PATH", espeakng_loader.get_data_path())
        ctypes.CDLL(espeakng_loader.get_library_path(), mode=ctypes.RTLD_GLOBAL)
    except ImportError:
        pass  # fall back to a system libespeak-ng, if any
    try:
        from pyttsx3.drivers import _espeak as es
    except (ImportError, OSError, RuntimeError) as exc:
        raise RuntimeError(
            "eSpeak NG could not be loaded; reinstall reelcast (pip install -e .) so that "
            "espeakng-loader brings it, or install the Debian package libespeak-ng1"
        ) from exc
    if es.Initialize(es.AUDIO_OUTPUT_SYNCHRONOUS, 1000) == -1:
        raise RuntimeError("eSpeak NG failed to start (espeak_Initialize returned an error)")
    return es


def spoken_in_child(es: Any, text: str) -> bytes:
    """The framed answer for `text`, spoken in a child forked for it."""
    read, write = os.pipe()
    host = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: speak, hand the result back, and leave without any clean-up
        code = 1
        try:
            os.close(read)
            _die_with_parent(host)
            with os.fdopen(write, "wb") as out:
                out.write(pickle.dumps(synthesize(es, text)))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read, "rb") as result:
        data = result.read()
    _, status = os.waitpid(pid, 0)
    if status != 0 or not data:
        how = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit code {os.WEXITSTATUS(status)}"
        data = pickle.dumps(("error", f"eSpeak NG crashed ({how}) speaking {text[:60]!r}"))
    return FRAME.pack(len(data)) + data


def synthesize(es: Any, text: str) -> tuple[str, bytes, list[tuple[int, int]]] | tuple[str, str]:
    """("spoken", the audio as 16-bit samples, its word events as (character offset, ms)), or an error."""
    audio = bytearray()
    words: list[tuple[int, int]] = []

    def collect(wav, numsamples, events) -> int:  # noqa: ANN001 - ctypes pointers
        if numsamples > 0:
            audio.extend(ctypes.string_at(wav, numsamples * ctypes.sizeof(ctypes.c_short)))
        i = 0
        while events[i].type != es.EVENT_LIST_TERMINATED:
            if events[i].type == es.EVENT_WORD:
                words.append((events[i].text_position - 1, events[i].audio_position))
            i += 1
        return 0

    callback = es.t_espeak_callback(collect)  # held here: eSpeak keeps only a C pointer to it
    es.cSetSynthCallback(callback)
    data = text.encode("utf-8") + b"\0"
    status = es.cSynth(data, len(data), 0, es.POS_CHARACTER, 0, es.ENDPAUSE | es.CHARS_UTF8, None, None)
    if status != es.EE_OK:
        return ("error", f"eSpeak NG refused the text (status {status}): {text[:60]!r}")
    return ("spoken", bytes(audio), words)


def voices(es: Any) -> list[tuple[str, str, str, str | None]]:
    genders = (None, "male", "female")
    found = []
    for v in es.ListVoices(None):
        language = v.languages[1:].decode("utf-8", "ignore") if v.languages else ""
        found.append((v.identifier.decode("utf-8").lower(), v.name.decode("utf-8"), language,
                      genders[v.gender] if 0 <= v.gender < 3 else None))
    return found


def answer(out: BinaryIO, message: tuple) -> None:
    data = pickle.dumps(message)
    out.write(FRAME.pack(len(data)) + data)
    out.flush()


def _die_with_parent(parent: int) -> None:
    """Ask Linux to end this process when `parent`, which started it, dies (by any signal, even KILL)."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it died before the request was made
        os._exit(1)


if __name__ == "__main__":
    main()
