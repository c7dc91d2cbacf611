"""Make the README's pictures of the listening page on a phone, so they show what reelcast makes now.

Publishes the example review (with the lexicon respellings the README names: the voice says them,
the transcript must not), serves it with `reelcast serve` on a free port of 127.0.0.1, and photographs
the page in headless Chromium at a phone's 412 x 915: the top (episode art, chapters) and the
transcript. Needs what `./bootstrap test` installs (chromium, chromium-driver, selenium).

Usage: .venv/bin/python docs/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.common.by import By

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "leaving-las-vegas.html"
PHONE = (412, 915)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reelcast(root: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "reelcast", *args], cwd=root, stdin=subprocess.DEVNULL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs")
    out = parser.parse_args().out
    with tempfile.TemporaryDirectory() as folder:
        root, port = Path(folder), free_port()
        shutil.copy(EXAMPLE, root / "review.html")
        (root / "reelcast.toml").write_text(f'[show]\nbase_url = "http://127.0.0.1:{port}/"\n', encoding="utf-8")
        (root / "lexicon.toml").write_text('[words]\n"Figgis" = "Figgiss"\n"Shue" = "Shoo"\n', encoding="utf-8")
        if reelcast(root, "publish", "review.html").wait() != 0:
            sys.exit("publishing the example failed")
        server = reelcast(root, "serve", "--port", str(port))
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).close()
                    break
                except OSError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        sys.exit("reelcast serve did not answer")
                    time.sleep(0.2)
            options = webdriver.ChromeOptions()
            options.binary_location = shutil.which("chromium") or "chromium"
            for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                         f"--user-data-dir={root / 'profile'}", f"--window-size={PHONE[0]},{PHONE[1]}"):
                options.add_argument(flag)
            browser = webdriver.Chrome(service=webdriver.ChromeService(shutil.which("chromedriver")), options=options)
            try:
                browser.get(f"http://127.0.0.1:{port}/")
                browser.save_screenshot(str(out / "listening-page-phone.png"))
                transcript = browser.find_element(By.CSS_SELECTOR, "details, .transcript")
                browser.execute_script("arguments[0].open = true; arguments[0].scrollIntoView();", transcript)
                time.sleep(0.3)
                browser.save_screenshot(str(out / "listening-page-phone-transcript.png"))
            finally:
                browser.quit()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"wrote {out / 'listening-page-phone.png'} and {out / 'listening-page-phone-transcript.png'}")


if __name__ == "__main__":
    main()
