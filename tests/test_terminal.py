"""What reelcast asks a person at a terminal (a real pseudo-terminal here), and never asks elsewhere:
the show's title on its first publish, when reelcast.toml gives none."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import pytest
from lxml import etree
from mutagen.id3 import ID3

from .conftest import run_reelcast

QUESTION = b"what should podcast apps call it?"
TOML = '# the show, as its listeners know it\n[show]\ndescription = "Films at night."\n'


def write_page(folder: Path, name: str) -> Path:
    sentence = "The film holds its nerve to the last frame, and the cast holds it with it. " * 3
    page = folder / f"{name}.html"
    page.write_text(
        f'<html><head><title>{name.title()}</title><meta property="og:site_name" content="Night Screen">'
        f'<link rel="canonical" href="https://nightscreen.example/{name}"></head><body><article>'
        f"<h1>{name.title()}</h1>" + "".join(f"<p>{name.title()} {n}. {sentence}</p>" for n in range(3))
        + "</article></body></html>", encoding="utf-8")
    return page


def publish_on_terminal(root: Path, page: str, answer: str | None, timeout: float = 120) -> tuple[int, str]:
    """`reelcast publish page` with a pseudo-terminal as stdin, stdout and stderr; `answer` typed
    when the question shows (None: never answer). Its exit status and all it wrote."""
    master, slave = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "reelcast", "publish", page], cwd=root,
                               stdin=slave, stdout=slave, stderr=slave, close_fds=True)
    os.close(slave)
    seen, answered = b"", False
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            if not select.select([master], [], [], 0.2)[0]:
                if process.poll() is not None:
                    break
                continue
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if answer is not None and not answered and QUESTION in seen:
                os.write(master, answer.encode() + b"\n")
                answered = True
        else:
            process.kill()
            pytest.fail(f"publish on a terminal did not finish in {timeout} s: {seen.decode(errors='replace')}")
        return process.wait(timeout=30), seen.decode("utf-8", errors="replace")
    finally:
        os.close(master)


def channel_title(root: Path) -> str:
    return etree.parse(str(root / "feed" / "feed.xml")).getroot().findtext("channel/title")


def album(root: Path, name: str) -> str:
    (mp3,) = (root / "episodes").glob(f"{name}*.mp3")
    return str(ID3(mp3)["TALB"])


@pytest.mark.parametrize(("typed", "title"), [("Films After Dark", "Films After Dark"),
                                              ("", "Night Screen Reviews")])  # Enter: the suggestion
def test_the_first_publish_on_a_terminal_asks_for_the_show_s_title_and_keeps_it(
    tmp_path: Path, typed: str, title: str
) -> None:
    write_page(tmp_path, "heat")
    write_page(tmp_path, "ronin")
    (tmp_path / "reelcast.toml").write_text(TOML, encoding="utf-8")
    status, said = publish_on_terminal(tmp_path, "heat.html", typed)
    assert status == 0, said
    assert said.count("call it?") == 1 and "[Night Screen Reviews]" in said, said  # the site's name suggested
    written = (tmp_path / "reelcast.toml").read_text(encoding="utf-8")
    assert tomllib.loads(written)["show"] == {"description": "Films at night.", "title": title}
    assert written.startswith("# the show, as its listeners know it\n")  # the person's file kept as it was
    assert channel_title(tmp_path) == title and album(tmp_path, "heat") == title

    # asked once: the next publish, on the same terminal, goes by the title it was given
    status, said = publish_on_terminal(tmp_path, "ronin.html", answer=None)
    assert status == 0 and "call it?" not in said, said
    assert channel_title(tmp_path) == title and album(tmp_path, "ronin") == title


def test_without_a_terminal_nothing_is_asked_and_the_title_comes_from_the_site(tmp_path: Path) -> None:
    write_page(tmp_path, "heat")
    (tmp_path / "reelcast.toml").write_text(TOML, encoding="utf-8")
    done = run_reelcast(tmp_path, "publish", "heat.html")  # stdin from /dev/null, as in CI
    assert done.returncode == 0, done.stderr
    assert "call it?" not in done.stdout + done.stderr
    assert (tmp_path / "reelcast.toml").read_text(encoding="utf-8") == TOML  # nobody chose: nothing written
    assert channel_title(tmp_path) == "Night Screen Reviews" == album(tmp_path, "heat")


def test_a_configured_title_is_never_asked_for(tmp_path: Path) -> None:
    write_page(tmp_path, "heat")
    (tmp_path / "reelcast.toml").write_text('[show]\ntitle = "Cinema Owls"\n', encoding="utf-8")
    status, said = publish_on_terminal(tmp_path, "heat.html", answer=None)
    assert status == 0 and "call it?" not in said, said
    assert channel_title(tmp_path) == "Cinema Owls"
