"""fetch: files, standard input and http(s), against a server on 127.0.0.1 that the tests start."""

from __future__ import annotations

import http.client
import io
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from reelcast.errors import FetchError
from reelcast.fetch import USER_AGENT, FetchLimits, read_page

PAGE = b"<!DOCTYPE html><html><head><title>A review</title></head><body><p>Words.</p></body></html>"


# -- files and standard input


def test_reads_a_local_file(tmp_path: Path) -> None:
    path = tmp_path / "review.html"
    path.write_bytes(PAGE)
    page = read_page(str(path))
    assert page.content == PAGE
    assert page.source == str(path)
    assert page.url is None


def test_reads_standard_input() -> None:
    page = read_page("-", stdin=io.BytesIO(PAGE))
    assert page.source == "-"
    assert page.content == PAGE


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d / "missing.html", "no such file"),
        (lambda d: d, "is a directory"),
    ],
)
def test_missing_file_and_directory_say_what_to_do(tmp_path: Path, make, message: str) -> None:
    with pytest.raises(FetchError, match=message) as err:
        read_page(str(make(tmp_path)))
    assert str(tmp_path) in str(err.value)
    assert "\n" not in str(err.value)


def test_unreadable_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "locked.html"
    path.write_bytes(PAGE)
    path.chmod(0)
    if os.access(path, os.R_OK):
        # root reads any file whatever its mode: make the open fail as it would for anyone else
        real_open = Path.open

        def denied(self: Path, *args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(FetchError, match="not readable"):
        read_page(str(path))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"   \n\t ", "is empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", "PDF document"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG image"),
        (b"<html>\x00\x01\x02\x00binary</html>", "NUL bytes"),
    ],
)
def test_rejects_what_is_not_html(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(content)
    with pytest.raises(FetchError, match=message):
        read_page(str(path))


def test_utf16_page_with_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "wide.html"
    path.write_bytes("\ufeff<html><body><p>Hi</p></body></html>".encode("utf-16-le"))
    assert read_page(str(path)).content.startswith(b"\xff\xfe")


def test_too_big_file(tmp_path: Path) -> None:
    path = tmp_path / "huge.html"
    path.write_bytes(PAGE + b" " * 2000)
    with pytest.raises(FetchError, match="over the"):
        read_page(str(path), limits=FetchLimits(max_bytes=1000))


def test_too_big_stdin() -> None:
    with pytest.raises(FetchError, match="standard input is over"):
        read_page("-", stdin=io.BytesIO(PAGE * 100), limits=FetchLimits(max_bytes=1000))


def test_empty_stdin() -> None:
    with pytest.raises(FetchError, match="standard input is empty"):
        read_page("-", stdin=io.BytesIO(b""))


# -- http(s), served from 127.0.0.1


class _Handler(BaseHTTPRequestHandler):
    seen_agents: list[str] = []
    seen_paths: list[str] = []
    seen_hosts: list[str] = []

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        _Handler.seen_agents.append(self.headers.get("User-Agent", ""))
        _Handler.seen_paths.append(self.path)
        _Handler.seen_hosts.append(self.headers.get("Host", ""))
        routes = {
            "/review": (200, "text/html; charset=utf-8", PAGE),
            "/xhtml": (200, "application/xhtml+xml", PAGE),
            "/untyped": (200, None, PAGE),
            "/pdf": (200, "application/pdf", b"%PDF-1.4 ..."),
            "/json": (200, "application/json", b'{"a": 1}'),
            "/png-as-html": (200, "text/html", b"\x89PNG\r\n\x1a\n\x00\x00"),
            "/big": (200, "text/html", PAGE + b" " * 5000),
            "/missing": (404, "text/html", b"<p>Not found</p>"),
        }
        if self.path.startswith("/hop/"):
            left = int(self.path.rsplit("/", 1)[1])
            self.send_response(302)
            self.send_header("Location", "/review" if left == 0 else f"/hop/{left - 1}")
            self.end_headers()
            return
        if self.path == "/to-file":
            self.send_response(302)
            self.send_header("Location", "file:///etc/passwd")
            self.end_headers()
            return
        if self.path == "/slow":
            threading.Event().wait(2)
        status, content_type, body = routes.get(self.path, (200, "text/html", PAGE))
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_fetches_a_page_with_a_real_user_agent(server: str) -> None:
    page = read_page(f"{server}/review")
    assert page.content == PAGE
    assert page.source == f"{server}/review"
    assert page.url == f"{server}/review"
    assert page.content_type == "text/html; charset=utf-8"
    assert _Handler.seen_agents[-1] == USER_AGENT


def test_accepts_xhtml_and_untyped_html(server: str) -> None:
    assert read_page(f"{server}/xhtml").content == PAGE
    assert read_page(f"{server}/untyped").content == PAGE


def test_follows_a_few_redirects_and_records_the_final_url(server: str) -> None:
    page = read_page(f"{server}/hop/3")
    assert page.url == f"{server}/review"
    assert page.source == f"{server}/hop/3"


def test_stops_after_five_redirects(server: str) -> None:
    with pytest.raises(FetchError, match="redirect"):
        read_page(f"{server}/hop/9")


def test_never_follows_a_redirect_off_the_web(server: str) -> None:
    with pytest.raises(FetchError, match="not a web address"):
        read_page(f"{server}/to-file")


@pytest.mark.parametrize(
    ("path", "message"),
    [("/pdf", "application/pdf, not an HTML page"), ("/json", "application/json"), ("/png-as-html", "PNG image")],
)
def test_rejects_content_that_is_not_html(server: str, path: str, message: str) -> None:
    with pytest.raises(FetchError, match=message):
        read_page(f"{server}{path}")


def test_http_error_names_the_status(server: str) -> None:
    with pytest.raises(FetchError, match="HTTP 404"):
        read_page(f"{server}/missing")


def test_size_cap_applies_to_downloads(server: str) -> None:
    with pytest.raises(FetchError, match="over the"):
        read_page(f"{server}/big", limits=FetchLimits(max_bytes=1000))


def test_timeout(server: str) -> None:
    with pytest.raises(FetchError, match=r"did not send the page within 0.3 s"):
        read_page(f"{server}/slow", limits=FetchLimits(timeout_s=0.3))


def test_unreachable_host() -> None:
    # Port 9 on the loopback interface (discard) is closed on any sane test machine.
    with pytest.raises(FetchError, match="could not be reached"):
        read_page("http://127.0.0.1:9/review", limits=FetchLimits(timeout_s=2))


def test_non_ascii_and_spaces_in_the_address_are_percent_encoded(server: str) -> None:
    page = read_page(f"{server}/caf\u00e9 cr\u00e8me.html?q=a b&already=%C3%A9")
    assert page.content == PAGE
    assert _Handler.seen_paths[-1] == "/caf%C3%A9%20cr%C3%A8me.html?q=a%20b&already=%C3%A9"
    assert page.source == f"{server}/caf\u00e9 cr\u00e8me.html?q=a b&already=%C3%A9"


def test_a_non_ascii_host_is_sent_as_idna(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # Name resolution would leave 127.0.0.1: connect to the test server whatever the host, and record it.
    port = int(server.rsplit(":", 1)[1])
    asked: list[str] = []
    real_connect = socket.create_connection

    def to_test_server(address, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        asked.append(address[0])
        return real_connect(("127.0.0.1", port), *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", to_test_server)
    page = read_page(f"http://b\u00fccher.example:{port}/review")
    assert page.content == PAGE
    assert asked == ["xn--bcher-kva.example"]
    assert _Handler.seen_hosts[-1] == f"xn--bcher-kva.example:{port}"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://[::1/x", "not a valid web address"),
        ("http://127.0.0.1:port/x", "not a valid web address"),
        ("http:///review.html", "names no host"),
    ],
)
def test_malformed_addresses_are_one_clear_line(url: str, message: str) -> None:
    with pytest.raises(FetchError, match=message) as err:
        read_page(url)
    assert url in str(err.value) and "\n" not in str(err.value)


# -- servers that misbehave, from a raw socket on 127.0.0.1


@pytest.fixture
def raw_server() -> Iterator[Callable[[bytes], str]]:
    """Start a server that answers every connection with the given bytes, then closes it."""
    listeners: list[socket.socket] = []

    def start(reply: bytes) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def serve() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:  # the listener was closed: the test is over
                    return
                with conn:
                    conn.recv(65536)
                    conn.sendall(reply)

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    for listener in listeners:
        listener.close()


HEAD_200 = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
LONG_PAGE = b"<html><body><p>" + b"A sentence of the review. " * 40 + b"</p>"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (HEAD_200 + b"Content-Length: 100000\r\n\r\n" + LONG_PAGE[:500], "sent 500 of the 100000 bytes"),
        (HEAD_200 + b"Transfer-Encoding: chunked\r\n\r\n1f4\r\n" + LONG_PAGE[:500] + b"\r\n", "broke off"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "did not answer like a web server"),
        (b"", "did not answer like a web server|could not be read"),
    ],
    ids=["short-body", "short-chunked-body", "not-http", "no-answer"],
)
def test_a_broken_reply_is_one_clear_line(raw_server: Callable[[bytes], str], reply: bytes, message: str) -> None:
    url = f"{raw_server(reply)}/review"
    with pytest.raises(FetchError, match=message) as err:
        read_page(url, limits=FetchLimits(timeout_s=5))
    assert str(err.value).startswith(url) and "\n" not in str(err.value)


def test_a_complete_reply_from_the_raw_server_is_read(raw_server: Callable[[bytes], str]) -> None:
    reply = HEAD_200 + f"Content-Length: {len(LONG_PAGE)}\r\n\r\n".encode() + LONG_PAGE
    assert read_page(f"{raw_server(reply)}/review").content == LONG_PAGE


@pytest.mark.parametrize("url", ["http://exa mple.com/review", "http://127.0.0.1:1/review\r\n"])
def test_a_mangled_address_is_one_line_naming_it(url: str) -> None:
    with pytest.raises(FetchError) as err:
        read_page(url)
    assert "\n" not in str(err.value) and "\r" not in str(err.value)
    assert "web server" not in str(err.value)  # nothing was sent, so no server is blamed


# -- servers that trickle: a socket timeout bounds each read, the fetch's limit bounds them all


@pytest.fixture
def trickle_server() -> Iterator[Callable[[bytes, bytes, float], str]]:
    """Start a server that sends `head` at once, then `tail` a byte every `delay` seconds."""
    listeners: list[socket.socket] = []
    stop = threading.Event()

    def start(head: bytes, tail: bytes, delay: float) -> str:
        listener = socket.create_server(("127.0.0.1", 0))
        listeners.append(listener)

        def serve() -> None:
            while not stop.is_set():
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    try:
                        conn.recv(65536)
                        conn.sendall(head)
                        for byte in tail:
                            if stop.wait(delay):
                                return
                            conn.sendall(bytes([byte]))
                    except OSError:  # the client gave up: what the test wants
                        pass

        threading.Thread(target=serve, daemon=True).start()
        return f"http://127.0.0.1:{listener.getsockname()[1]}"

    yield start
    stop.set()
    for listener in listeners:
        listener.close()


LONG_HEADERS = b"".join(b"X-Filler-%d: %s\r\n" % (n, b"a" * 50) for n in range(60)) + b"\r\n"


@pytest.mark.parametrize(
    ("head", "tail"),
    [
        (b"", HEAD_200 + LONG_HEADERS + LONG_PAGE),  # the status line and headers a byte at a time
        (HEAD_200 + f"Content-Length: {len(LONG_PAGE)}\r\n\r\n".encode(), LONG_PAGE),  # the body
        (HEAD_200 + b"\r\n", LONG_PAGE),  # a body without a length, which ends when the socket does
    ],
    ids=["headers", "body", "unsized-body"],
)
def test_a_trickling_server_times_out_as_a_whole(trickle_server, head: bytes, tail: bytes) -> None:  # noqa: ANN001
    url = f"{trickle_server(head, tail, 0.05)}/review"  # each byte well within the 1 s per-read timeout
    start = time.monotonic()
    with pytest.raises(FetchError) as err:
        read_page(url, limits=FetchLimits(timeout_s=1))
    elapsed = time.monotonic() - start
    assert str(err.value).startswith(f"{url} did not send the page within 1 s")
    assert "\n" not in str(err.value)
    assert 0.9 < elapsed < 3


def test_redirects_share_one_time_limit(server: str, monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = http.client.HTTPConnection.connect

    def slow_connect(self: http.client.HTTPConnection) -> None:
        time.sleep(0.3)  # each of the four connections well within the limit, not all of them
        real_connect(self)

    monkeypatch.setattr(http.client.HTTPConnection, "connect", slow_connect)
    start = time.monotonic()
    with pytest.raises(FetchError, match="did not send the page within 1 s"):
        read_page(f"{server}/hop/3", limits=FetchLimits(timeout_s=1))
    assert time.monotonic() - start < 2.5


def test_a_page_in_time_is_read_whole(trickle_server) -> None:  # noqa: ANN001
    body = b"<html><body><p>Short.</p></body></html>"
    head = HEAD_200 + f"Content-Length: {len(body)}\r\n\r\n".encode()
    assert read_page(f"{trickle_server(head, body, 0.001)}/review", limits=FetchLimits(timeout_s=5)).content == body
