"""Source -> RawPage: a local file, standard input ('-') or an http(s) URL.

The only module that talks HTTP to the outside, and only to the URL the user gave.
"""

from __future__ import annotations

import http.client
import logging
import re
import socket
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote, urljoin, urlsplit, urlunsplit

from reelcast.errors import FetchError
from reelcast.models import RawPage

log = logging.getLogger(__name__)

USER_AGENT = "reelcast/0.1 (+podcast generator)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
# A site's feed or sitemap, for a backlog; servers label XML many ways, and sitemaps may be gzipped.
LISTING_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml", "application/rdf+xml",
                 "application/gzip", "application/x-gzip")
_HTML_ACCEPT = "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"
_LISTING_ACCEPT = "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,*/*;q=0.1"

# Leading bytes of formats people save by mistake; none of them is a web page.
_BINARY_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "a PDF document"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"RIFF", "a RIFF file (WAV/WebP/AVI)"),
    (b"ID3", "an MP3 file"),
    (b"PK\x03\x04", "a ZIP archive (or an office document)"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"\x7fELF", "a program"),
    (b"OggS", "an Ogg file"),
    (b"fLaC", "a FLAC file"),
)
# UTF-16/32 pages are legal HTML and contain NUL bytes, so they are let through by their BOM.
_WIDE_BOMS = (b"\xff\xfe", b"\xfe\xff")


@dataclass(frozen=True, slots=True)
class FetchLimits:
    timeout_s: float = 20.0  # for the whole fetch: connecting, every redirect, headers and body
    max_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 5


def read_page(source: str, *, stdin: BinaryIO | None = None, limits: FetchLimits = FetchLimits()) -> RawPage:
    """Read `source` (a path, '-' for standard input, or an http(s) URL) as bytes, checked to look like HTML."""
    if source == "-":
        page = _read_stdin(stdin if stdin is not None else sys.stdin.buffer, limits)
    elif source.lower().startswith(("http://", "https://")):
        # a pasted address can carry a line break; it must not carry it into a one-line message
        page = _read_url(source.strip(), limits)
    else:
        page = _read_file(source, limits)
    _check_looks_like_html(page)
    return page


def read_listing(source: str, *, limits: FetchLimits = FetchLimits()) -> RawPage:
    """Read a site's feed or sitemap (a path or an http(s) URL) as bytes, for a backlog."""
    if source.lower().startswith(("http://", "https://")):
        return _read_url(source.strip(), limits, LISTING_TYPES, _LISTING_ACCEPT)
    return _read_file(source, limits)


def _read_file(source: str, limits: FetchLimits) -> RawPage:
    path = Path(source).expanduser()
    if not path.exists():
        raise FetchError(f"{source}: no such file; check the path, or give an http(s):// URL")
    if path.is_dir():
        raise FetchError(f"{source} is a directory; give the saved .html page inside it")
    try:
        size = path.stat().st_size
        if size > limits.max_bytes:
            raise FetchError(
                f"{source} is {_mb(size)}, over the {_mb(limits.max_bytes)} limit; is it really a review page?"
            )
        with path.open("rb") as handle:
            content = handle.read(limits.max_bytes + 1)
    except PermissionError as exc:
        raise FetchError(f"{source} is not readable (permission denied); check its permissions") from exc
    except OSError as exc:
        raise FetchError(f"{source} could not be read ({exc.strerror or exc}); check the file") from exc
    if len(content) > limits.max_bytes:  # the file grew while we read it, or it is a device
        raise FetchError(f"{source} is over the {_mb(limits.max_bytes)} limit; is it really a review page?")
    return RawPage(source=source, content=content, url=None, content_type=None)


def _read_stdin(stream: BinaryIO, limits: FetchLimits) -> RawPage:
    try:
        content = stream.read(limits.max_bytes + 1)
    except OSError as exc:
        raise FetchError(f"standard input could not be read ({exc}); pipe an HTML page into reelcast") from exc
    if len(content) > limits.max_bytes:
        raise FetchError(f"standard input is over the {_mb(limits.max_bytes)} limit; is it really a review page?")
    return RawPage(source="-", content=content)


class _LimitedRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, max_redirects: int) -> None:
        self.max_redirections = max_redirects
        self.max_repeats = max_redirects

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        # Never follow a redirect off the web (file:, ftp:): the user asked for a web page.
        if not newurl.lower().startswith(("http://", "https://")):
            raise FetchError(f"{req.full_url} redirects to {newurl}, which is not a web address")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _Deadline:
    """Shuts every socket of one fetch when its time is up.

    A socket timeout bounds each read, not the fetch: a server that sends a header line or a byte
    of the body every few seconds would keep a read succeeding for ever. Shutting the sockets down
    from a timer makes the blocked read return at once, in whatever state http.client is.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> _Deadline:
        self._started = time.monotonic()
        self._timer.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._timer.cancel()

    def remaining(self) -> float:
        return max(0.001, self.seconds - (time.monotonic() - self._started))

    def watch(self, sock: socket.socket) -> None:
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:  # already closed, or never connected
        pass


def _watched_handlers(deadline: _Deadline) -> list[urllib.request.BaseHandler]:
    """HTTP and HTTPS handlers whose connections hand their sockets to `deadline` and time out within it."""

    def watched(base: type[http.client.HTTPConnection]) -> type[http.client.HTTPConnection]:
        class Connection(base):  # type: ignore[valid-type, misc]
            def connect(self) -> None:
                self.timeout = min(self.timeout, deadline.remaining())  # a redirect's connect within what is left
                super().connect()
                deadline.watch(self.sock)  # after TLS wraps it: the socket that reads the reply

        return Connection

    class HTTPHandler(urllib.request.HTTPHandler):
        def http_open(self, req):  # type: ignore[no-untyped-def]
            return self.do_open(watched(http.client.HTTPConnection), req)

    class HTTPSHandler(urllib.request.HTTPSHandler):
        def https_open(self, req):  # type: ignore[no-untyped-def]
            return self.do_open(watched(http.client.HTTPSConnection), req, context=self._context)

    return [HTTPHandler(), HTTPSHandler()]


def _read_url(url: str, limits: FetchLimits, kinds: tuple[str, ...] = HTML_TYPES,
              accept: str = _HTML_ACCEPT) -> RawPage:
    request = urllib.request.Request(
        _ascii_url(url),
        headers={"User-Agent": USER_AGENT, "Accept": accept},
    )
    deadline = _Deadline(limits.timeout_s)
    opener = urllib.request.build_opener(_LimitedRedirects(limits.max_redirects), *_watched_handlers(deadline))
    with deadline:
        try:
            page = _download(url, opener, request, limits, kinds)
        except FetchError as exc:
            if deadline.expired:  # whatever the shut socket made http.client say, the cause is the time
                raise _too_slow(url, limits) from exc
            raise
    if deadline.expired:  # a body without a length just ends when its socket is shut: a cut page
        raise _too_slow(url, limits)
    return page


def _too_slow(url: str, limits: FetchLimits) -> FetchError:
    return FetchError(
        f"{url} did not send the page within {limits.timeout_s:g} s; "
        "try again later, or save the page and pass the file"
    )


def _download(url: str, opener: urllib.request.OpenerDirector, request: urllib.request.Request,
              limits: FetchLimits, kinds: tuple[str, ...]) -> RawPage:
    try:
        with opener.open(request, timeout=limits.timeout_s) as response:
            final_url = response.geturl()
            headers: Message = response.headers
            content_type = headers.get("Content-Type")
            content_language = headers.get("Content-Language")
            _check_content_type(url, content_type, kinds)
            declared = _declared_length(headers)
            if declared is not None and declared > limits.max_bytes:
                raise FetchError(
                    f"{url} is {_mb(declared)}, over the {_mb(limits.max_bytes)} limit; save the page and pass the file"
                )
            content = response.read(limits.max_bytes + 1)
    except urllib.error.HTTPError as exc:
        if exc.code in (301, 302, 303, 307, 308):
            target = urljoin(exc.geturl() or url, exc.headers.get("Location", "") if exc.headers else "")
            if not target.lower().startswith(("http://", "https://")):
                raise FetchError(f"{url} redirects to {target}, which is not a web address") from exc
            raise FetchError(
                f"{url} redirected more than {limits.max_redirects} times; "
                "open it in a browser and pass the final address"
            ) from exc
        raise FetchError(
            f"{url} answered HTTP {exc.code} {exc.reason}; check the address, or save the page and pass the file"
        ) from exc
    except urllib.error.URLError as exc:
        raise FetchError(f"{url} could not be reached ({exc.reason}); check the address and your connection") from exc
    except TimeoutError as exc:
        raise _too_slow(url, limits) from exc
    except http.client.IncompleteRead as exc:
        raise FetchError(
            f"{url} broke off in the middle of the page ({exc}); try again, or save the page and pass the file"
        ) from exc
    except http.client.HTTPException as exc:  # includes RemoteDisconnected, an OSError too
        raise FetchError(
            f"{url} did not answer like a web server ({type(exc).__name__}: {_one_line(exc)}); "
            "check the address and port"
        ) from exc
    except OSError as exc:  # ConnectionError and ssl.SSLError mid-download among them
        raise FetchError(
            f"{url} could not be read ({_one_line(exc)}); try again, or save the page and pass the file"
        ) from exc
    except ValueError as exc:  # http.client's last word on an address or header it cannot send
        raise FetchError(f"{url} could not be requested ({_one_line(exc)}); check the address") from exc
    if declared is not None and len(content) < declared:
        raise FetchError(
            f"{url} sent {len(content)} of the {declared} bytes it announced (the connection was cut); "
            "try again, or save the page and pass the file"
        )
    if len(content) > limits.max_bytes:
        raise FetchError(f"{url} is over the {_mb(limits.max_bytes)} limit; save the page and pass the file")
    log.debug("fetched %s (%d bytes, %s)", final_url, len(content), content_type)
    return RawPage(
        source=url, content=content, url=final_url, content_type=content_type, content_language=content_language
    )


# RFC 3986's characters that may stand unescaped in a path or query; "%" stays so existing %XX escapes survive.
_PATH_SAFE = "/:@!$&'()*+,;=%"
_QUERY_SAFE = _PATH_SAFE + "?"
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _ascii_url(url: str) -> str:
    """`url` as it can go on the wire: IDNA host, percent-encoded path and query (what a browser sends).

    People paste addresses with spaces, accents and non-ASCII domain names; http.client takes only ASCII.
    """
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError as exc:  # an unclosed IPv6 bracket, a port that is not a number
        raise FetchError(f"{url} is not a valid web address ({exc}); check it") from exc
    if not host:
        raise FetchError(f"{url} names no host; give a full address such as https://example.com/review")
    if any(c.isspace() or not c.isprintable() for c in host):
        raise FetchError(f"{url!r} has spaces or control characters in its host name; check the address")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError as exc:
            raise FetchError(f"{url} has a host name that cannot be looked up ({exc}); check it") from exc
    if ":" in host:  # IPv6
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (f"{quote(userinfo, safe=':%')}@" if userinfo else "") + host + (f":{port}" if port is not None else "")
    return urlunsplit(
        (
            parts.scheme,
            netloc,
            quote(_STRAY_PERCENT.sub("%25", parts.path), safe=_PATH_SAFE),
            quote(_STRAY_PERCENT.sub("%25", parts.query), safe=_QUERY_SAFE),
            quote(_STRAY_PERCENT.sub("%25", parts.fragment), safe=_QUERY_SAFE),
        )
    )


def _declared_length(headers: Message) -> int | None:
    """Content-Length, if the response has a usable one (chunked responses ignore it, as http.client does)."""
    declared = (headers.get("Content-Length") or "").strip()
    if not (declared.isascii() and declared.isdigit()) or "chunked" in (headers.get("Transfer-Encoding") or "").lower():
        return None
    return int(declared)


def _check_content_type(url: str, content_type: str | None, kinds: tuple[str, ...] = HTML_TYPES) -> None:
    if content_type is None:
        return  # many small servers omit it; sniffing the bytes decides
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime not in kinds:
        wanted = "an HTML page; give the address of the review page itself" if kinds == HTML_TYPES else \
            "a feed or sitemap; give the address of the site's RSS or Atom feed, or its sitemap.xml"
        raise FetchError(f"{url} is {mime or 'of no stated type'}, not {wanted}")


def _check_looks_like_html(page: RawPage) -> None:
    content = page.content
    name = "standard input" if page.source == "-" else page.source
    if not content.strip():
        raise FetchError(f"{name} is empty; give a saved HTML review page")
    head = content[:1024]
    for magic, what in _BINARY_MAGIC:
        if head.startswith(magic):
            raise FetchError(f"{name} is {what}, not an HTML page; give a saved HTML review page")
    if b"\x00" in head and not head.startswith(_WIDE_BOMS):
        raise FetchError(
            f"{name} is binary data (it contains NUL bytes), not an HTML page; give a saved HTML review page"
        )


def _one_line(exc: BaseException, limit: int = 120) -> str:
    """An exception's words fit for a one-line message: a server's reply can hold anything, newlines included."""
    words = " ".join(str(exc).split())
    return words if len(words) <= limit else words[: limit - 1] + "\u2026"


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
