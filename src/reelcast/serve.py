"""HTTP serving of feed/ and episodes/ for podcast apps and the listening page. No pipeline logic.

Players seek by asking for byte ranges, and apps revalidate feeds with ETags; the standard
library's http.server does neither, so this is Starlette's StaticFiles (ranges with 206/416,
ETag and Last-Modified with 304, paths resolved and kept inside their folder) on uvicorn.
URL paths match `feed.file_url`: /feed/<name> and /episodes/<name>; "/" is the listening page.
"""

from __future__ import annotations

import asyncio
import errno
import ipaddress
import os
import re
import socket
from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

import h11
import uvicorn
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import FileResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import NotModifiedResponse, StaticFiles
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from reelcast.config import Settings
from reelcast.errors import ServeError
from reelcast.publish.page import PAGE_FILE
from reelcast.publish.sidefiles import content_type

_LOOPBACK_NAMES = ("localhost",)
_BYTE_RANGE = re.compile(rb"(?:([0-9]+)-([0-9]*)|-([0-9]+))")
_LARGEST = str(2**63 - 1).encode()
# More ranges than a player asks for is an attack on the server (RFC 9110 14.2 lets it ignore them).
MAX_RANGES = 50
# A client has this long to send a request's headers (nginx allows 60 s, Apache's reqtimeout 20-40 s);
# podcast apps send theirs in one packet.
HEADER_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 200
_OTHER_MACHINE = "give --host an address of this machine, such as 127.0.0.1 (this machine only) or 0.0.0.0 (all)"


def media_type(path: str | os.PathLike[str]) -> str:
    # From the one table of published files, not guessed from the platform's mime.types: apps and
    # browsers act on these.
    return content_type(Path(path).name)


class PublishedFolder(StaticFiles):
    """One published folder. Beyond StaticFiles' own containment (symlinks resolved, absolute paths
    refused), hidden names are refused too: the pipeline's half-written `.name.part` files and
    `.work-*` folders live beside the published ones and must never be served."""

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, check_dir=False, follow_symlink=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(_without_invalid_range(scope), receive, send)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if is_refused(path):
            return "", None
        return super().lookup_path(path)

    def file_response(
        self, full_path: str | os.PathLike[str], stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        # no-cache: the feed, the page and the cover are replaced under the same names, so clients must
        # revalidate (cheaply, with the ETag) rather than keep a stale one. Episode files are named by
        # their content and could be cached for good, as `deploy` marks them; on a home network one
        # rule is simpler and costs a 304.
        response = FileResponse(
            full_path,
            status_code=status_code,
            stat_result=stat_result,
            media_type=media_type(full_path),
            headers={"Cache-Control": "no-cache"},
        )
        if self.is_not_modified(response.headers, Headers(scope=scope)):
            return NotModifiedResponse(response.headers)
        return response


def _without_invalid_range(scope: Scope) -> Scope:
    # RFC 9110 14.2: a Range header that is not a valid bytes range set may be ignored (a 200 with the
    # whole file); Starlette would answer 400. Valid ranges past the end still get their 416.
    headers = scope.get("headers", [])
    if not any(name == b"range" for name, _ in headers):
        return scope
    kept = []
    for name, value in headers:
        if name == b"range":
            value = normalised_range(value)
            if value is None:
                continue
        kept.append((name, value))
    return {**scope, "headers": kept}


def normalised_range(value: bytes) -> bytes | None:
    """A Range header as Starlette can take it, or None to ignore it (RFC 9110 14.1.2 and 14.2).

    None for anything but a syntactically valid bytes range set, or one of more than MAX_RANGES
    ranges. Positions are written without leading zeros and capped at 2**63 - 1: any file is
    shorter, and int() refuses strings of over 4,300 digits, which made `bytes=1-<5,000 digits>` a 500.
    """
    unit, equals, ranges = value.partition(b"=")
    if unit.strip().lower() != b"bytes" or not equals:
        return None
    specs = ranges.split(b",")
    if len(specs) > MAX_RANGES:
        return None
    out = []
    for spec in specs:
        match = _BYTE_RANGE.fullmatch(spec.strip())
        if not match:
            return None
        first, last, suffix = (digits.lstrip(b"0") or b"0" if digits else None for digits in match.groups())
        if first is None:
            out.append(b"-" + _capped(suffix))
            continue
        if last is not None and (len(last), last) < (len(first), first):  # numerically, without int()
            return None
        out.append(_capped(first) + b"-" + (_capped(last) if last is not None else b""))
    return b"bytes=" + b",".join(out)


def is_valid_range(value: bytes) -> bool:
    """True for a syntactically valid bytes range set (RFC 9110 14.1.2): no unit but bytes, no last before its first."""
    return normalised_range(value) is not None


def _capped(digits: bytes) -> bytes:
    return digits if (len(digits), digits) <= (len(_LARGEST), _LARGEST) else _LARGEST


def is_refused(path: str) -> bool:
    """True for paths that could leave the folder or name a hidden file, whatever the OS's separators."""
    pure = PurePosixPath(path.replace("\\", "/"))
    return pure.is_absolute() or any(part.startswith(".") for part in pure.parts) or "\x00" in path


def make_app(settings: Settings) -> Starlette:
    feed = PublishedFolder(settings.feed_dir)
    episodes = PublishedFolder(settings.episodes_dir)

    async def listening_page(request: Request) -> Response:
        return await feed.get_response(PAGE_FILE, request.scope)

    return Starlette(
        routes=[
            Route("/", listening_page, methods=["GET", "HEAD"]),
            Mount("/feed", app=feed),
            Mount("/episodes", app=episodes),
        ]
    )


def is_loopback(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def address_warnings(host: str, port: int, base_url: str) -> list[str]:
    """What to tell the user before serving: who can reach the server, and whether the feed points at it."""
    warnings = []
    base = urlsplit(base_url)
    base_port = base.port or (443 if base.scheme == "https" else 80)
    if not is_loopback(host):
        warning = f"serving on {host}: anyone on your network can fetch the feed and the episodes"
        if is_loopback(base.hostname or ""):
            warning += (
                f"; but the feed sends apps to {base_url}, which other devices cannot reach: "
                f"add --base-url http://<this machine's LAN address>:{port}/"
            )
        warnings.append(warning)
    elif base_port != port and is_loopback(base.hostname or ""):
        warnings.append(
            f"the feed sends apps to {base_url}, not to this server on port {port}: "
            f"add --base-url {_http_url(host, port)}"
        )
    return warnings


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound before anything is announced, so a bad host or a busy port is one clear error."""
    try:
        found = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        # 'localhost' may list ::1 first; feeds say 127.0.0.1 by default, so a name means IPv4 when it can
        family, kind, proto, _, address = min(found, key=lambda info: info[0] != socket.AF_INET)
    except (socket.gaierror, UnicodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise ServeError(f"cannot listen on {host}: no such address ({reason}); {_OTHER_MACHINE}") from exc
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        hint = _OTHER_MACHINE if exc.errno == errno.EADDRNOTAVAIL else "pick another with --port"
        raise ServeError(f"cannot listen on {host}:{port} ({exc.strerror or exc}); {hint}") from exc
    return sock


def url_for(sock: socket.socket) -> str:
    """The address a bound socket answers on, as a URL (the real port when 0 asked for any free one)."""
    host, port = sock.getsockname()[:2]
    return _http_url(host, port)


def _http_url(host: str, port: int) -> str:
    host = host.strip("[]")
    return f"http://[{host}]:{port}/" if ":" in host else f"http://{host}:{port}/"


class _HeadersInTime(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing connections whose request headers do not arrive in time.

    uvicorn times out idle keep-alive connections, but every byte received cancels that timer, so a
    client sending its headers a byte at a time (slowloris), or nothing at all, held a connection for
    ever. Here each request's headers get `header_timeout_s` from the connection opening or the last
    response ending; a slow download is not affected (its request is complete).
    """

    header_timeout_s = HEADER_TIMEOUT_S

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._headers_due: asyncio.TimerHandle | None = None
        self._wait_for_headers()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._wait_for_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._headers_due is not None:
            self._headers_due.cancel()
        super().connection_lost(exc)

    def _wait_for_headers(self) -> None:
        if self._headers_due is not None:
            self._headers_due.cancel()
        self._headers_due = self.loop.call_later(self.header_timeout_s, self._close_if_no_request)

    def _close_if_no_request(self) -> None:
        self._headers_due = None
        # h11 stays IDLE on the client's side until a request's headers are complete
        if self.conn.their_state is h11.IDLE and not self.transport.is_closing():
            self.logger.info("closing a connection whose request headers did not arrive in %g s",
                             self.header_timeout_s)
            self.transport.close()


def make_server(
    settings: Settings, verbose: bool = False, header_timeout_s: float = HEADER_TIMEOUT_S
) -> uvicorn.Server:
    """The uvicorn server `serve` runs: the app, quiet logs, and the limits that keep it answering."""
    protocol = type("HeadersInTime", (_HeadersInTime,), {"header_timeout_s": header_timeout_s})
    config = uvicorn.Config(
        make_app(settings),
        http=protocol,
        log_level="info" if verbose else "warning",
        access_log=verbose,
        server_header=False,
        # past this many open connections, new requests get a 503 rather than more memory
        limit_concurrency=MAX_CONNECTIONS,
    )
    return uvicorn.Server(config)


def serve(settings: Settings, sock: socket.socket, verbose: bool = False) -> None:
    """Serve on `sock` (from `bind`) until interrupted (Ctrl-C or SIGTERM); closes it when done."""
    try:
        make_server(settings, verbose).run(sockets=[sock])
    finally:
        sock.close()
