"""`reelcast serve` over real HTTP on 127.0.0.1: ranges, validators, content types, and no way out."""

from __future__ import annotations

import asyncio
import http.client
import re
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from reelcast.catalog import Catalog
from reelcast.config import Settings
from reelcast.errors import ServeError
from reelcast.serve import (
    MAX_RANGES,
    PublishedFolder,
    address_warnings,
    bind,
    is_refused,
    is_valid_range,
    make_app,
    make_server,
    media_type,
    normalised_range,
    url_for,
)

from .conftest import ServedShow, run_reelcast, sample_episode


def request(served: ServedShow, method: str, path: str, headers: dict[str, str] | None = None
            ) -> tuple[http.client.HTTPResponse, bytes]:
    """Sends `path` exactly as written: http.client does not normalise '..' the way browsers do."""
    connection = http.client.HTTPConnection("127.0.0.1", served.show.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return response, response.read()
    finally:
        connection.close()


def mp3_path(served: ServedShow) -> str:
    return f"/episodes/{served.show.mp3.name}"


@pytest.mark.slow
def test_the_whole_file_with_its_validators(served_show: ServedShow) -> None:
    response, body = request(served_show, "GET", mp3_path(served_show))
    assert response.status == 200
    assert body == served_show.show.mp3.read_bytes()
    assert response.getheader("Content-Type") == "audio/mpeg"
    assert response.getheader("Accept-Ranges") == "bytes"
    assert response.getheader("Content-Length") == str(len(body))
    assert response.getheader("ETag") and response.getheader("Last-Modified")


@pytest.mark.slow
@pytest.mark.parametrize(("spec", "start", "end"), [("100-199", 100, 199), ("-500", None, None), ("4096-", 4096, None)])
def test_byte_ranges_get_206_with_exactly_those_bytes(served_show: ServedShow, spec: str, start, end) -> None:  # noqa: ANN001
    data = served_show.show.mp3.read_bytes()
    size = len(data)
    first = size - 500 if start is None else start
    last = size - 1 if end is None else end
    response, body = request(served_show, "GET", mp3_path(served_show), {"Range": f"bytes={spec}"})
    assert response.status == 206
    assert response.getheader("Content-Range") == f"bytes {first}-{last}/{size}"
    assert body == data[first : last + 1]


@pytest.mark.slow
def test_an_unsatisfiable_range_gets_416(served_show: ServedShow) -> None:
    size = served_show.show.mp3.stat().st_size
    response, _ = request(served_show, "GET", mp3_path(served_show), {"Range": f"bytes={size + 10}-"})
    assert response.status == 416
    assert response.getheader("Content-Range") == f"bytes */{size}"


@pytest.mark.slow
@pytest.mark.parametrize("spec", ["bytes=abc", "items=0-5", "bytes=5-2-1", "bytes=5-2", "bytes=0-9, 500-100"])
def test_a_malformed_range_is_ignored_as_rfc_9110_says(served_show: ServedShow, spec: str) -> None:
    response, body = request(served_show, "GET", mp3_path(served_show), {"Range": spec})
    assert response.status == 200 and len(body) == served_show.show.mp3.stat().st_size


@pytest.mark.slow
def test_head_sends_headers_only(served_show: ServedShow) -> None:
    response, body = request(served_show, "HEAD", mp3_path(served_show))
    assert response.status == 200 and body == b""
    assert response.getheader("Content-Length") == str(served_show.show.mp3.stat().st_size)


@pytest.mark.slow
def test_unchanged_files_get_304(served_show: ServedShow) -> None:
    first, _ = request(served_show, "GET", "/feed/feed.xml")
    by_etag, body = request(served_show, "GET", "/feed/feed.xml", {"If-None-Match": first.getheader("ETag")})
    assert by_etag.status == 304 and body == b""
    by_date, _ = request(served_show, "GET", "/feed/feed.xml", {"If-Modified-Since": first.getheader("Last-Modified")})
    assert by_date.status == 304
    changed, _ = request(served_show, "GET", "/feed/feed.xml", {"If-None-Match": '"something-else"'})
    assert changed.status == 200


@pytest.mark.slow
@pytest.mark.parametrize(
    ("suffix", "content_type"),
    [(".vtt", "text/vtt; charset=utf-8"), (".srt", "application/x-subrip; charset=utf-8"),
     (".chapters.json", "application/json+chapters")],
)
def test_side_files_have_their_content_types(served_show: ServedShow, suffix: str, content_type: str) -> None:
    slug = served_show.show.mp3.stem
    response, _ = request(served_show, "GET", f"/episodes/{slug}{suffix}")
    assert (response.status, response.getheader("Content-Type")) == (200, content_type)


@pytest.mark.slow
def test_root_is_the_listening_page_and_the_feed_is_rss(served_show: ServedShow) -> None:
    page, body = request(served_show, "GET", "/")
    assert (page.status, page.getheader("Content-Type")) == (200, "text/html; charset=utf-8")
    assert body == (served_show.show.root / "feed" / "index.html").read_bytes()
    feed, _ = request(served_show, "GET", "/feed/feed.xml")
    assert feed.getheader("Content-Type") == "application/rss+xml; charset=utf-8"
    cover, _ = request(served_show, "GET", "/feed/cover.png")
    assert cover.getheader("Content-Type") == "image/png"


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    ["/reelcast.db", "/review.html", "/reelcast.toml", "/feed/../reelcast.db", "/episodes/../reelcast.db",
     "/feed/%2e%2e/reelcast.db", "/feed/..%2freelcast.db", "/feed//etc/passwd", "/feed/%2fetc%2fpasswd",
     "/episodes/..\\reelcast.db", "/feed/.feed.xml.part", "/../../../../etc/passwd"],
)
def test_nothing_outside_feed_and_episodes_is_served(served_show: ServedShow, path: str) -> None:
    response, body = request(served_show, "GET", path)
    assert response.status in (400, 404), path
    assert b"SQLite" not in body and b"root:" not in body


@pytest.mark.slow
def test_a_symlink_out_of_the_folder_is_not_followed(served_show: ServedShow) -> None:
    link = served_show.show.root / "episodes" / "escape.mp3"
    link.symlink_to(served_show.show.root / "reelcast.db")
    try:
        response, _ = request(served_show, "GET", "/episodes/escape.mp3")
    finally:
        link.unlink()
    assert response.status == 404


@pytest.mark.slow
def test_only_get_and_head(served_show: ServedShow) -> None:
    response, _ = request(served_show, "POST", "/feed/feed.xml")
    assert response.status == 405


def test_symlinks_escaping_are_refused_in_process(tmp_path: Path) -> None:
    (tmp_path / "secret").write_text("no", encoding="utf-8")
    folder = tmp_path / "episodes"
    folder.mkdir()
    (folder / "inside.mp3").write_bytes(b"ok")
    (folder / "link.mp3").symlink_to(tmp_path / "secret")
    published = PublishedFolder(folder)
    assert published.lookup_path("inside.mp3")[1] is not None
    assert published.lookup_path("link.mp3") == ("", None)


@pytest.mark.parametrize("path", ["../x", "/etc/passwd", ".hidden", "a/../../b", "..\\x", "a\x00b", "\\etc"])
def test_is_refused(path: str) -> None:
    assert is_refused(path)


def test_plain_names_are_not_refused() -> None:
    assert not is_refused("leaving-las-vegas.mp3") and not is_refused("a b.vtt")


def test_media_types() -> None:
    assert media_type("x.MP3") == "audio/mpeg" and media_type("x.bin") == "application/octet-stream"


def test_loopback_is_quiet_when_the_feed_points_here() -> None:
    assert address_warnings("127.0.0.1", 8000, "http://127.0.0.1:8000/") == []
    assert address_warnings("localhost", 80, "http://localhost/") == []


def test_all_interfaces_warns_and_suggests_a_base_url() -> None:
    (warning,) = address_warnings("0.0.0.0", 8000, "http://127.0.0.1:8000/")
    assert "anyone on your network" in warning and "--base-url http://<this machine's LAN address>:8000/" in warning
    (warning,) = address_warnings("0.0.0.0", 8000, "http://192.0.2.7:8000/")
    assert "--base-url" not in warning


def test_a_feed_for_another_port_is_pointed_out() -> None:
    (warning,) = address_warnings("127.0.0.1", 8765, "http://127.0.0.1:8000/")
    assert "--base-url http://127.0.0.1:8765/" in warning
    (warning,) = address_warnings("::1", 8765, "http://127.0.0.1:8000/")
    assert "--base-url http://[::1]:8765/" in warning


@pytest.mark.parametrize("value", [b"bytes=0-0", b"bytes=5-", b"bytes=-5", b"BYTES= 0-9, 20-29 ", b"bytes=7-7"])
def test_valid_ranges(value: bytes) -> None:
    assert is_valid_range(value)


@pytest.mark.parametrize("value", [b"bytes=5-2", b"bytes=0-9,5-2", b"bytes=", b"bytes=-", b"bytes=a-b", b"items=0-5",
                                   b"bytes 0-5", b"bytes=0-5,"])
def test_invalid_ranges(value: bytes) -> None:
    assert not is_valid_range(value)


def test_a_busy_port_is_one_clear_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        with pytest.raises(ServeError, match="pick another with --port"):
            bind("127.0.0.1", taken.getsockname()[1])


def test_a_host_that_is_not_this_machine_is_one_clear_error() -> None:
    with pytest.raises(ServeError, match="no such address.*give --host an address of this machine"):
        bind("nosuch.invalid", 0)
    with pytest.raises(ServeError, match="give --host an address of this machine"):
        bind("192.0.2.7", 0)  # TEST-NET-1: a valid address, but never one of ours


def test_port_0_binds_a_free_port_and_says_which() -> None:
    with bind("127.0.0.1", 0) as sock:
        port = sock.getsockname()[1]
        assert port != 0 and url_for(sock) == f"http://127.0.0.1:{port}/"


def test_a_name_with_both_families_listens_on_ipv4(monkeypatch: pytest.MonkeyPatch) -> None:
    real = socket.getaddrinfo

    def ipv6_first(host, port, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if host != "localhost":
            return real(host, port, *args, **kwargs)
        v4 = real("127.0.0.1", port, *args, **kwargs)
        return [(socket.AF_INET6, socket.SOCK_STREAM, 6, "", ("::1", port, 0, 0)), *v4]

    monkeypatch.setattr(socket, "getaddrinfo", ipv6_first)
    with bind("localhost", 0) as sock:  # feeds say 127.0.0.1 by default: that is where apps will come
        assert sock.family == socket.AF_INET and sock.getsockname()[0] == "127.0.0.1"


def published_stub(root: Path) -> None:
    """Enough for `reelcast serve` to get as far as listening: a catalog with an episode, and a feed."""
    with Catalog.open(root / "reelcast.db") as catalog, catalog.writing():
        catalog.put(sample_episode())
    (root / "feed").mkdir()
    (root / "feed" / "feed.xml").write_text("<rss/>", encoding="utf-8")


def test_the_cli_says_only_the_error_when_the_port_is_taken(show: Settings) -> None:
    published_stub(show.root)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        done = run_reelcast(show.root, "serve", "--port", str(taken.getsockname()[1]), timeout=60)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("reelcast: error: cannot listen on 127.0.0.1:") and "pick another with --port" in line


def test_a_busy_port_leaves_the_feed_as_it_was(show: Settings) -> None:
    published_stub(show.root)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = run_reelcast(show.root, "serve", "--port", port, "--base-url", "http://192.0.2.7:8000/", timeout=60)
    assert done.returncode == 1
    assert (show.root / "feed" / "feed.xml").read_text(encoding="utf-8") == "<rss/>"


def test_the_cli_says_only_the_error_for_a_host_that_does_not_resolve(show: Settings) -> None:
    published_stub(show.root)
    done = run_reelcast(show.root, "serve", "--host", "nosuch.invalid", "--port", "0", timeout=60)
    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("reelcast: error: cannot listen on nosuch.invalid: no such address")


def test_serving_an_empty_folder_says_to_publish_first(show: Settings) -> None:
    done = run_reelcast(show.root, "serve", "--port", "1", timeout=60)
    assert done.returncode == 1
    assert "nothing is published" in done.stderr and "reelcast publish PAGE" in done.stderr


# -- absurd ranges and slow clients, against the server `serve` runs, in this process on 127.0.0.1


@pytest.mark.slow
def test_absurd_positions_are_clamped_not_a_500(served_show: ServedShow) -> None:
    data = served_show.show.mp3.read_bytes()
    huge = "9" * 5000
    response, body = request(served_show, "GET", mp3_path(served_show), {"Range": f"bytes=1-{huge}"})
    assert response.status == 206 and body == data[1:]
    response, _ = request(served_show, "GET", mp3_path(served_show), {"Range": f"bytes={huge}-"})
    assert response.status == 416
    response, body = request(served_show, "GET", mp3_path(served_show), {"Range": f"bytes=-{huge}"})
    assert response.status == 206 and body == data
    response, body = request(served_show, "GET", mp3_path(served_show), {"Range": f"bytes={'0' * 5000}7-9"})
    assert response.status == 206 and body == data[7:10]


def test_normalised_range_strips_zeros_and_caps_positions() -> None:
    assert normalised_range(b"bytes=1-" + b"9" * 5000) == b"bytes=1-9223372036854775807"
    assert normalised_range(b"bytes=" + b"0" * 5000 + b"12-013") == b"bytes=12-13"
    assert normalised_range(b"bytes=" + b"9" * 30 + b"-" + b"9" * 20) is None  # last before first, both capped
    assert normalised_range(b"bytes=" + ",".join(["0-0"] * (MAX_RANGES + 1)).encode()) is None
    assert normalised_range(b"bytes=\xd9\xa1-\xd9\xa2") is None  # Arabic-Indic digits are not HTTP digits


@dataclass
class LocalServer:
    port: int
    data: bytes  # the one episode file, /episodes/e.mp3

    def connect(self) -> socket.socket:
        return socket.create_connection(("127.0.0.1", self.port), timeout=10)


@pytest.fixture
def local_server(show: Settings) -> Iterator[LocalServer]:
    """`serve`'s uvicorn server in a thread, with a half-second header timeout."""
    published_stub(show.root)
    (show.root / "episodes").mkdir()
    data = bytes(range(256)) * 64
    (show.root / "episodes" / "e.mp3").write_bytes(data)
    sock = bind("127.0.0.1", 0)
    server = make_server(show, header_timeout_s=0.5)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the server did not start"
        time.sleep(0.02)
    try:
        yield LocalServer(sock.getsockname()[1], data)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def closed_after(conn: socket.socket, limit: float) -> float:
    """Seconds until the server closes `conn` (it sends nothing first), failing after `limit`."""
    start = time.monotonic()
    conn.settimeout(limit)
    assert conn.recv(1024) == b""
    return time.monotonic() - start


def test_a_silent_connection_is_closed_after_the_header_timeout(local_server: LocalServer) -> None:
    with local_server.connect() as conn:
        assert 0.3 < closed_after(conn, 5) < 3


def test_headers_trickling_a_byte_at_a_time_are_cut_off(local_server: LocalServer) -> None:
    request_bytes = b"GET /episodes/e.mp3 HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 100 + b"\r\n\r\n"
    with local_server.connect() as conn:
        start = time.monotonic()
        try:
            for byte in request_bytes:
                conn.sendall(bytes([byte]))
                time.sleep(0.05)
        except OSError:  # the server closed the connection (a reset while we were still sending)
            pass
        else:
            pytest.fail("the server waited for all 150 bytes over 7.5 s")
        elapsed = time.monotonic() - start
    assert elapsed < 3


def test_a_keep_alive_connection_gets_a_new_header_timeout_per_request(local_server: LocalServer) -> None:
    with local_server.connect() as conn:
        for _ in range(3):
            time.sleep(0.3)  # each request within its own half second, 0.9 s in all
            conn.sendall(b"GET /episodes/e.mp3 HTTP/1.1\r\nHost: x\r\nRange: bytes=0-9\r\n\r\n")
            reply = b""
            while not reply.endswith(local_server.data[:10]):
                chunk = conn.recv(65536)
                assert chunk, f"closed early after {reply!r}"
                reply += chunk
            assert reply.startswith(b"HTTP/1.1 206")
        assert closed_after(conn, 5) < 3  # and the idle one after the last is closed


def test_the_server_still_answers_while_slow_clients_wait(local_server: LocalServer) -> None:
    idle = [local_server.connect() for _ in range(20)]
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{local_server.port}/episodes/e.mp3", timeout=5) as response:
            assert response.read() == local_server.data
    finally:
        for conn in idle:
            conn.close()


# Property: whatever the Range header, the app answers 200, 206 or 416 with the bytes it says it sends.
_RANGE_PARTS = st.one_of(
    st.integers(min_value=0, max_value=20_000).map(str),
    st.text("0123456789", min_size=1, max_size=30),
    st.tuples(st.sampled_from("0159"), st.integers(min_value=19, max_value=6000)).map(lambda d: d[0] * d[1]),
    st.text("0123456789-, =", max_size=40),
    st.sampled_from(["", "-", "bytes", "BYTES", " ", "\t", "1e3", "+5", "0x10", "\u0661"]),
)
_RANGES = st.one_of(
    st.lists(_RANGE_PARTS, max_size=6).map("".join).map(lambda r: "bytes=" + r),
    st.lists(st.tuples(_RANGE_PARTS, _RANGE_PARTS), min_size=1, max_size=60).map(
        lambda pairs: "bytes=" + ",".join(f"{a}-{b}" for a, b in pairs)),
    st.binary(max_size=80).map(lambda b: b.decode("latin-1")),
)


def _call(app: Starlette, path: str, headers: list[tuple[bytes, bytes]]) -> tuple[int, dict[bytes, bytes], bytes]:
    # spec 2.4: the response does not listen for a disconnect, which this receive() never sends
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "headers": headers, "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 5000),
    }
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    start = sent[0]
    return start["status"], dict(start["headers"]), b"".join(m.get("body", b"") for m in sent[1:])


@pytest.fixture(scope="module")
def range_app(tmp_path_factory: pytest.TempPathFactory) -> tuple[Starlette, bytes]:
    root = tmp_path_factory.mktemp("ranges")
    published_stub(root)
    (root / "episodes").mkdir()
    data = bytes(range(256)) * 40  # 10,240 bytes: every offset's byte is offset % 256
    (root / "episodes" / "e.mp3").write_bytes(data)
    return make_app(Settings(root=root)), data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=_RANGES)
def test_any_range_header_gets_200_206_or_416_with_the_bytes_it_names(range_app, value: str) -> None:  # noqa: ANN001
    app, data = range_app
    status, headers, body = _call(app, "/episodes/e.mp3", [(b"range", value.encode("utf-8"))])
    assert status in (200, 206, 416), (value[:100], status)
    if status == 200:
        assert body == data
    elif status == 416:
        assert headers[b"content-range"] == f"bytes */{len(data)}".encode()
    elif b"content-range" in headers:  # one range
        first, last = map(int, headers[b"content-range"].split(b" ")[1].split(b"/")[0].split(b"-"))
        assert body == data[first : last + 1]
    else:  # several: each part's bytes are the ones its header names
        assert headers[b"content-type"].startswith(b"multipart/byteranges")
        parts = re.findall(rb"Content-Range: bytes (\d+)-(\d+)/\d+\r\n\r\n", body)
        assert parts
        for first, last in parts:
            assert data[int(first) : int(last) + 1] in body
