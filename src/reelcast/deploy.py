"""`reelcast deploy DEST`: copy the published show to where listeners fetch it.

A destination is an fsspec filesystem and a folder in it: a local folder (a static site, GitHub
Pages), `sftp://user@host[:port]/path` (fsspec's SFTP over paramiko) or `s3://bucket/prefix`
(s3fs, any S3-compatible store). What goes is what the feed names (its enclosures, chapters,
transcripts and cover) plus the feed and the listening page; nothing else in feed/ or episodes/.

Planning is pure (`plan`): the show's files and the manifest kept at the destination in, the
uploads in order and the deletions out. The order is the point: media, then chapters and
transcripts, then the cover, and the listening page and the feed last, so a podcast app never
fetches a feed naming a file that is not there yet; files of removed episodes go only after the
new feed is up.
"""

from __future__ import annotations

import hashlib
import json
import logging
import posixpath
import re
import socket
import tempfile
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import paramiko
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.sftp import SFTPFileSystem
from lxml import etree

from reelcast.config import DeploySettings, Settings
from reelcast.errors import DeployError
from reelcast.publish.feed import FEED_FILE, ITUNES_NS, PODCAST_NS
from reelcast.publish.page import PAGE_FILE
from reelcast.publish.sidefiles import content_type

log = logging.getLogger(__name__)

MANIFEST = ".reelcast-manifest.json"
_MANIFEST_FORMAT = 1
ATOM_NS = "http://www.w3.org/2005/Atom"
# Destination.upload's temporary names: hidden, beside the final one.
_TEMPORARY = re.compile(r"(?:feed|episodes)/\.[^/]+\.[0-9a-f]{8}\.part")
_KINDS = "a folder, sftp://user@host[:port]/path or s3://bucket/prefix"


class Stage(IntEnum):
    """Upload order: a later stage only goes up once every earlier one is there."""

    MEDIA = 0
    SIDE_FILES = 1
    COVER = 2
    PAGE = 3
    FEED = 4


@dataclass(frozen=True, slots=True)
class ShowFile:
    path: str  # relative to the show folder and to the destination, with "/": "episodes/x.mp3"
    size: int
    sha256: str
    stage: Stage
    data: bytes | None = field(default=None, repr=False, compare=False)  # the bytes to send, when read already

    @property
    def entry(self) -> dict[str, Any]:
        return {"size": self.size, "sha256": self.sha256}


@dataclass(frozen=True, slots=True)
class Plan:
    uploads: tuple[ShowFile, ...]  # in the order they must go
    unchanged: tuple[ShowFile, ...]
    deletions: tuple[str, ...]  # once the feed is up
    manifest: Mapping[str, Mapping[str, Any]]  # what the destination holds when done
    leftovers: tuple[str, ...] = ()  # temporary files of an upload that was cut off


@dataclass(frozen=True, slots=True)
class Result:
    uploaded: tuple[str, ...]
    unchanged: tuple[str, ...]
    deleted: tuple[str, ...]
    bytes_uploaded: int


# Planning (pure) ----------------------------------------------------------------------------------


def feed_references(feed_xml: bytes, base_url: str) -> dict[str, Stage]:
    """The files the feed names under `base_url`, by relative path, with the stage each goes up in."""
    try:
        channel = etree.fromstring(feed_xml, etree.XMLParser(resolve_entities=False, no_network=True)).find("channel")
    except etree.XMLSyntaxError as exc:
        raise DeployError(f"feed/{FEED_FILE} is not well-formed XML ({exc}); run `reelcast feed`") from exc
    if channel is None:
        raise DeployError(f"feed/{FEED_FILE} is not an RSS feed; run `reelcast feed` to rewrite it")
    self_link = channel.find(f"{{{ATOM_NS}}}link[@rel='self']")
    built_for = self_link.get("href", "") if self_link is not None else ""
    if built_for != base_url + f"feed/{FEED_FILE}":
        raise DeployError(f"feed/{FEED_FILE} was built for {built_for or 'no address'}, not for base_url "
                          f"{base_url}, where the show is deployed: set base_url in [show] of reelcast.toml "
                          "and run `reelcast feed`")
    urls: list[tuple[str, Stage]] = []
    covers = [e.get("href", "") for e in channel.findall(f"{{{ITUNES_NS}}}image")]
    for item in channel.iter("item"):
        urls += [(e.get("url", ""), Stage.MEDIA) for e in item.iter("enclosure")]
        urls += [(e.get("url", ""), Stage.SIDE_FILES) for e in item.iter(f"{{{PODCAST_NS}}}chapters")]
        urls += [(e.get("url", ""), Stage.SIDE_FILES) for e in item.iter(f"{{{PODCAST_NS}}}transcript")]
        # the episode's art goes with its other files (an older episode names the show cover, below)
        urls += [(e.get("href", ""), Stage.SIDE_FILES) for e in item.iter(f"{{{ITUNES_NS}}}image")
                 if e.get("href") not in covers]
    urls += [(href, Stage.COVER) for href in covers]
    urls += [(e.text or "", Stage.COVER) for e in channel.findall("image/url")]
    found: dict[str, Stage] = {}
    for url, stage in urls:
        path = _relative(url, base_url)
        if path is None:
            raise DeployError(f"feed/{FEED_FILE} names {url}, which is not under base_url {base_url}; "
                              "run `reelcast feed` to rewrite it for base_url")
        found[path] = min(stage, found.get(path, stage))
    return found


def _relative(url: str, base_url: str) -> str | None:
    """`feed/cover.png` for `<base_url>feed/cover.png`; None for anything outside feed/ and episodes/."""
    if not url.startswith(base_url):
        return None
    path = unquote(url[len(base_url):])
    folder, _, name = path.partition("/")
    if folder not in ("feed", "episodes") or not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    return path


def plan(files: Sequence[ShowFile], manifest: Mapping[str, Mapping[str, Any]], present: Mapping[str, int]) -> Plan:
    """What to upload and delete. `manifest` is what an earlier deploy left at the destination,
    `present` the sizes of the files there now: a file the manifest lists but that is missing or
    of another size (deleted or cut off by hand, say) goes up again."""
    uploads, unchanged = [], []
    for file in files:
        known = manifest.get(file.path)
        if known == file.entry and present.get(file.path) == file.size:
            unchanged.append(file)
        else:
            uploads.append(file)
    # Stable sort: within a stage, the feed's own order (newest episode first).
    uploads.sort(key=lambda f: f.stage)
    wanted = {f.path for f in files}
    deletions = tuple(sorted(p for p in manifest if p not in wanted))
    leftovers = tuple(sorted(p for p in present if _TEMPORARY.fullmatch(p)))
    return Plan(tuple(uploads), tuple(unchanged), deletions, {f.path: f.entry for f in files}, leftovers)


def manifest_json(entries: Mapping[str, Mapping[str, Any]]) -> bytes:
    return (json.dumps({"reelcast": _MANIFEST_FORMAT, "files": dict(sorted(entries.items()))}, indent=1)
            + "\n").encode("utf-8")


def read_manifest(data: bytes | None) -> dict[str, dict[str, Any]]:
    """The entries of a manifest; none (so everything goes up again) when it is missing or unreadable."""
    if not data:
        return {}
    try:
        document = json.loads(data)
        files = document["files"]
        if document.get("reelcast") != _MANIFEST_FORMAT or not isinstance(files, dict):
            raise ValueError("unknown format")
        return {str(path): dict(entry) for path, entry in files.items() if isinstance(entry, dict)}
    except (ValueError, KeyError, TypeError) as exc:
        log.warning("the manifest at the destination is unreadable (%s); uploading everything", exc)
        return {}


# The show's side ----------------------------------------------------------------------------------


def show_files(settings: Settings) -> list[ShowFile]:
    """The published files the feed needs, the listening page and the feed itself, hashed.

    The feed and the page are read once, here, and those very bytes go up: a publish that rewrites
    them during a long upload must not send a feed naming files this deploy did not plan."""
    try:
        feed = (settings.feed_dir / FEED_FILE).read_bytes()
    except FileNotFoundError:
        raise DeployError(f"nothing is published in {settings.root.resolve()}: there is no feed/{FEED_FILE}; "
                          "run `reelcast publish PAGE` first") from None
    files = []
    for path, stage in feed_references(feed, settings.show.base_url).items():
        local = settings.root / path
        try:
            with local.open("rb") as f:
                digest = hashlib.file_digest(f, "sha256").hexdigest()
                size = f.tell()
        except FileNotFoundError:
            raise DeployError(f"{path}, named by the feed, is missing; run `reelcast check` to see why, "
                              "and publish that review again") from None
        files.append(ShowFile(path, size, digest, stage))
    try:
        page = (settings.feed_dir / PAGE_FILE).read_bytes()
    except FileNotFoundError:
        page = None
    for path, stage, data in ((f"feed/{PAGE_FILE}", Stage.PAGE, page), (f"feed/{FEED_FILE}", Stage.FEED, feed)):
        if data is not None:
            files.append(ShowFile(path, len(data), hashlib.sha256(data).hexdigest(), stage, data))
    return files


# Destinations -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A parsed DEST: which backend, and the folder in it."""

    kind: str  # "folder", "sftp" or "s3"
    root: str
    host: str | None = None
    port: int | None = None
    user: str | None = None

    def __str__(self) -> str:
        if self.kind == "sftp":
            return f"sftp://{self.user + '@' if self.user else ''}{self.host}:{self.port}{self.root}"
        return f"s3://{self.root}" if self.kind == "s3" else self.root


def parse_target(dest: str, show_root: Path) -> Target:
    text = dest.strip()
    parts = urlsplit(text)
    scheme = parts.scheme.lower() if "://" in text else ""
    if scheme in ("", "file"):
        folder = Path(unquote(parts.path) if scheme else text).expanduser().resolve()
        root = show_root.resolve()
        if folder == root or folder.is_relative_to(root / "feed") or folder.is_relative_to(root / "episodes"):
            raise DeployError(f"{dest} is the show folder itself; deploy to another folder (a static site's, say)")
        return Target("folder", folder.as_posix())
    if scheme == "sftp":
        try:
            port = parts.port or 22
        except ValueError:
            raise DeployError(f"{dest}: the port is not a number; write sftp://user@host:2222/path") from None
        if not parts.hostname or not parts.path.strip("/"):
            raise DeployError(f"{dest}: name a host and a folder, like sftp://jo@example.org/var/www/podcast")
        return Target("sftp", unquote(parts.path).rstrip("/"), parts.hostname, port, unquote(parts.username or "")
                      or None)
    if scheme == "s3":
        if not parts.netloc:
            raise DeployError(f"{dest}: name a bucket, like s3://my-podcast or s3://my-bucket/podcast")
        return Target("s3", f"{parts.netloc}{parts.path}".rstrip("/"))
    raise DeployError(f"cannot deploy to {dest}: reelcast deploys to {_KINDS}")


def cache_control(path: str) -> str:
    """Episode files are named by a hash of their content, so a name never changes meaning and caches
    (a CDN in front of the bucket, the apps) may keep them; the feed, page and cover keep their names."""
    return "public, max-age=31536000, immutable" if path.startswith("episodes/") else "no-cache"


class Destination:
    """A folder in an fsspec filesystem, written so that nothing half-written is ever served."""

    def __init__(self, fs: Any, root: str, *, atomic_rename: bool, name: str = "") -> None:
        self.fs = fs
        self.root = root.rstrip("/")
        # S3 has no rename (a move is copy + delete), but a PUT only appears once complete.
        self.atomic_rename = atomic_rename
        self.name = name or root

    def _full(self, path: str) -> str:
        return f"{self.root}/{path}"

    def read(self, path: str) -> bytes | None:
        try:
            return self.fs.cat_file(self._full(path))
        except FileNotFoundError:
            return None

    def sizes(self) -> dict[str, int]:
        """Every file in the folder's feed/ and episodes/ with its size, by relative path. Only those
        two: the folder may be a whole site's (with its .git, say) that is none of our business."""
        prefix = self.root.lstrip("/") + "/"
        sizes = {}
        for folder in ("feed", "episodes"):
            try:
                found = self.fs.find(self._full(folder), detail=True)
            except FileNotFoundError:
                continue
            sizes.update({name.lstrip("/").removeprefix(prefix): info["size"] for name, info in found.items()
                          if info.get("type") != "directory"})
        return sizes

    def upload(self, local: Path, path: str) -> None:
        full = self._full(path)
        if not self.atomic_rename:
            self.fs.put_file(str(local), full, ContentType=content_type(path), CacheControl=cache_control(path))
            return
        folder, name = posixpath.split(full)
        self.fs.makedirs(folder, exist_ok=True)
        # hidden, beside the final name (same filesystem, so the rename is atomic), and unique
        tmp = f"{folder}/.{name}.{uuid.uuid4().hex[:8]}.part"
        try:
            self.fs.put_file(str(local), tmp)
            self.fs.mv(tmp, full)
        except BaseException:
            try:
                self.fs.rm_file(tmp)
            except Exception:  # noqa: BLE001 - the first error is the one to report
                pass
            raise

    def write(self, path: str, data: bytes) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            local = Path(tmp) / posixpath.basename(path)
            local.write_bytes(data)
            self.upload(local, path)

    def remove(self, path: str) -> None:
        try:
            self.fs.rm_file(self._full(path))
        except FileNotFoundError:
            pass


Progress = Callable[[str, str], None]  # (action, relative path)


def _quiet(_action: str, _path: str) -> None:
    pass


@dataclass
class _Counter:
    files: list[str] = field(default_factory=list)
    size: int = 0


def deploy(settings: Settings, destination: Destination, on_file: Progress = _quiet,
           files: Sequence[ShowFile] | None = None) -> Result:
    """Bring `destination` up to date with the published show (`files`, from `show_files`); only what
    changed is uploaded."""
    files = show_files(settings) if files is None else files
    with _translated(destination.name):
        old = read_manifest(destination.read(MANIFEST))
        steps = plan(files, old, destination.sizes())
    sent = _Counter()
    try:
        with _translated(destination.name):
            for file in steps.uploads:
                on_file("upload", file.path)
                if file.data is None:
                    destination.upload(settings.root / file.path, file.path)
                else:
                    destination.write(file.path, file.data)
                sent.files.append(file.path)
                sent.size += file.size
    except DeployError as exc:
        if "feed/" + FEED_FILE in sent.files:
            raise
        raise DeployError(f"{exc}; the feed there is still the previous one: deploy again once that is fixed") from exc
    with _translated(destination.name):
        if steps.deletions:
            # The new feed is up; record the old files too, so a deploy cut off now still removes them next time.
            destination.write(MANIFEST, manifest_json({**{p: old[p] for p in steps.deletions}, **steps.manifest}))
            for path in steps.deletions:
                on_file("delete", path)
                destination.remove(path)
        for path in steps.leftovers:
            destination.remove(path)
        if steps.uploads or steps.deletions or old != steps.manifest:
            destination.write(MANIFEST, manifest_json(steps.manifest))
    return Result(tuple(sent.files), tuple(f.path for f in steps.unchanged), steps.deletions, sent.size)


@contextmanager
def open_destination(dest: str, settings: Settings) -> Iterator[Destination]:
    """Connect to `dest`; a destination that cannot be reached or refuses us is one DeployError."""
    target = parse_target(dest, settings.root)
    with _translated(str(target), target):
        if target.kind == "folder":
            if not Path(target.root).parent.is_dir():
                raise DeployError(f"{Path(target.root).parent} does not exist; create it, or check the path")
            yield Destination(LocalFileSystem(), target.root, atomic_rename=True, name=target.root)
        elif target.kind == "sftp":
            fs = _sftp(target, settings.deploy)
            try:
                yield Destination(fs, target.root, atomic_rename=True, name=str(target))
            finally:
                fs.client.close()
        else:
            fs = _s3(settings.deploy)
            bucket = target.root.split("/", 1)[0]
            try:
                fs.info(bucket)  # not exists(): that says False for bad credentials too
            except FileNotFoundError:
                raise DeployError(f"the bucket {bucket} does not exist (or these credentials cannot see it); "
                                  "create it first, or check the name") from None
            yield Destination(fs, target.root, atomic_rename=False, name=str(target))


class _KnownHostsSFTP(SFTPFileSystem):
    """fsspec's SFTP, but refusing a host whose key is not known: it would accept any key it is shown,
    and a deploy must know whom it hands the show (and its login) to."""

    def __init__(self, host: str, known_hosts: str | None = None, **ssh_kwargs: Any) -> None:
        self.known_hosts = known_hosts
        super().__init__(host, **ssh_kwargs)

    def _connect(self) -> None:
        self.client = paramiko.SSHClient()
        self.client.load_system_host_keys()
        if self.known_hosts:
            self.client.load_host_keys(self.known_hosts)
        self.client.set_missing_host_key_policy(paramiko.RejectPolicy())
        self.client.connect(self.host, **self.ssh_kwargs)
        self.ftp = self.client.open_sftp()


def _sftp(target: Target, settings: DeploySettings) -> _KnownHostsSFTP:
    options: dict[str, Any] = {"port": target.port, "timeout": settings.timeout_s,
                               "banner_timeout": settings.timeout_s, "auth_timeout": settings.timeout_s}
    if target.user:
        options["username"] = target.user
    for key, name in (("key_filename", "sftp_key"), ("known_hosts", "sftp_known_hosts")):
        if value := getattr(settings, name):
            path = Path(value).expanduser()
            if not path.is_file():
                raise DeployError(f"[deploy] {name} = {value!r} does not exist; give the path of a file "
                                  "(or leave it out to use ssh-agent, ~/.ssh and ~/.ssh/known_hosts)")
            options[key] = str(path)
    return _KnownHostsSFTP(target.host, skip_instance_cache=True, **options)


def _s3(settings: DeploySettings) -> Any:
    try:
        import s3fs
    except ImportError:
        raise DeployError("deploying to S3 needs s3fs: pip install 'reelcast[s3]' (or ./bootstrap test)") from None
    timeouts = {"connect_timeout": settings.timeout_s, "read_timeout": settings.timeout_s,
                "retries": {"max_attempts": 2}}
    return s3fs.S3FileSystem(endpoint_url=settings.s3_endpoint, skip_instance_cache=True,
                             config_kwargs=timeouts)


@contextmanager
def _translated(name: str, target: Target | None = None) -> Iterator[None]:
    """Backend exceptions as one DeployError saying what to do."""
    try:
        yield
    except DeployError:
        raise
    except paramiko.BadHostKeyException as exc:
        raise DeployError(f"{name}: the server's host key has CHANGED since it was recorded in known_hosts; "
                          "if that is expected, remove the old key with ssh-keygen -R") from exc
    except paramiko.AuthenticationException as exc:
        raise DeployError(f"{name}: the server refused the login ({exc}); add your public key to "
                          "~/.ssh/authorized_keys there, load it into ssh-agent, or set [deploy] sftp_key") from exc
    except paramiko.SSHException as exc:
        if "known_hosts" in str(exc) or "not found in known" in str(exc):
            port = f" -p {target.port}" if target and target.port and target.port != 22 else ""
            host = target.host if target else name
            raise DeployError(f"{name}: the host key of {host} is not known; connect once with "
                              f"`ssh{port} {host}` to check and accept it, or set [deploy] sftp_known_hosts") from exc
        raise DeployError(f"{name}: SSH failed ({exc}); check the address and that it runs an SSH server") from exc
    except (socket.gaierror, ConnectionError, TimeoutError, paramiko.ssh_exception.NoValidConnectionsError) as exc:
        raise DeployError(f"cannot reach {name} ({exc.strerror or exc}); "
                          "check the address and your network") from exc
    except PermissionError as exc:
        raise DeployError(f"{name}: permission denied ({exc}); check the credentials and that they may "
                          "write there") from exc
    except OSError as exc:
        raise DeployError(f"{name}: {exc.strerror or exc}; check the destination") from exc
    except Exception as exc:
        # botocore's errors (no credentials, an endpoint it cannot reach) share no base with OSError.
        if type(exc).__module__.startswith(("botocore", "aiobotocore")):
            what = type(exc).__name__
            hint = ("set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials)"
                    if "Credential" in what else "check [deploy] s3_endpoint and the credentials")
            raise DeployError(f"{name}: {exc}; {hint}") from exc
        raise
