"""`reelcast deploy`: the plan (pure), then real destinations on 127.0.0.1: a folder, OpenSSH's sshd
started by the test, and an S3-compatible server (moto's server mode); gPodder's gpo subscribes to
the deployed feed, and `reelcast check --remote` reads it back over HTTP."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fsspec.implementations.local import LocalFileSystem

from reelcast import pipeline
from reelcast.catalog import Catalog
from reelcast.check import check_remote
from reelcast.config import load_settings
from reelcast.deploy import (
    MANIFEST,
    Destination,
    ShowFile,
    Stage,
    deploy,
    feed_references,
    parse_target,
    plan,
    show_files,
)
from reelcast.errors import ConfigError, DeployError
from reelcast.models import Episode
from reelcast.publish.feed import build_feed

from .conftest import PublishedShow, ToneEngine, copy_show, free_port, require, run_reelcast, sample_episode

# The plan ----------------------------------------------------------------------------------------


def file(path: str, stage: Stage, content: str = "x") -> ShowFile:
    return ShowFile(path, len(content), hashlib.sha256(content.encode()).hexdigest(), stage)


def test_the_plan_uploads_what_changed_media_first_and_the_feed_last() -> None:
    files = [file("feed/feed.xml", Stage.FEED), file("feed/index.html", Stage.PAGE),
             file("feed/cover.png", Stage.COVER), file("episodes/a.vtt", Stage.SIDE_FILES),
             file("episodes/a.mp3", Stage.MEDIA, "new audio"), file("episodes/b.mp3", Stage.MEDIA)]
    old = {f.path: f.entry for f in files if f.path != "episodes/a.mp3"}
    old["episodes/gone.mp3"] = {"size": 3, "sha256": "0" * 64}
    present = {f.path: f.size for f in files} | {"episodes/gone.mp3": 3}
    present["episodes/b.mp3"] = 0  # cut off at the destination: goes again though the manifest lists it

    steps = plan(files, old, present)
    assert [f.path for f in steps.uploads] == ["episodes/a.mp3", "episodes/b.mp3"]
    assert {f.path for f in steps.unchanged} == {"feed/feed.xml", "feed/index.html", "feed/cover.png",
                                                  "episodes/a.vtt"}
    assert steps.deletions == ("episodes/gone.mp3",) and steps.leftovers == ()
    assert plan(files, old, {**present, "episodes/.a.mp3.0123abcd.part": 5}).leftovers == (
        "episodes/.a.mp3.0123abcd.part",)
    assert set(steps.manifest) == {f.path for f in files}

    everything = plan(files, {}, {})
    assert [f.stage for f in everything.uploads] == sorted(f.stage for f in files)
    assert everything.uploads[-1].path == "feed/feed.xml"


def test_the_feed_names_what_goes(show) -> None:  # noqa: ANN001
    episode = sample_episode()
    document = build_feed(show, [episode], "cover.png")
    assert feed_references(document, show.show.base_url) == {
        "episodes/leaving-las-vegas.mp3": Stage.MEDIA,
        "episodes/leaving-las-vegas.chapters.json": Stage.SIDE_FILES,
        "episodes/leaving-las-vegas.vtt": Stage.SIDE_FILES,
        "episodes/leaving-las-vegas.srt": Stage.SIDE_FILES,
        "feed/cover.png": Stage.COVER,
    }
    with pytest.raises(DeployError, match="built for http://127.0.0.1:8000/feed/feed.xml, not for base_url"):
        feed_references(document, "https://podcast.example.org/")


@pytest.mark.parametrize(("dest", "kind", "root", "host", "port", "user"), [
    ("sftp://jo@example.org:2222/var/www/show/", "sftp", "/var/www/show", "example.org", 2222, "jo"),
    ("sftp://example.org/srv", "sftp", "/srv", "example.org", 22, None),
    ("s3://my-bucket/podcast/", "s3", "my-bucket/podcast", None, None, None),
    ("s3://my-bucket", "s3", "my-bucket", None, None, None),
])
def test_destinations_are_parsed(tmp_path: Path, dest: str, kind: str, root: str, host: str | None,
                                 port: int | None, user: str | None) -> None:
    target = parse_target(dest, tmp_path)
    assert (target.kind, target.root, target.host, target.port, target.user) == (kind, root, host, port, user)


def test_a_folder_destination_is_absolute_and_never_the_show_itself(tmp_path: Path) -> None:
    assert parse_target("site", tmp_path).root == (Path.cwd() / "site").as_posix()
    for dest in (str(tmp_path), str(tmp_path / "feed"), str(tmp_path / "episodes" / "x")):
        with pytest.raises(DeployError, match="is the show folder itself"):
            parse_target(dest, tmp_path)


@pytest.mark.parametrize(("dest", "message"), [
    ("ftp://example.org/x", "reelcast deploys to a folder, sftp://"),
    ("sftp://example.org", "name a host and a folder"),
    ("sftp://example.org:ssh/x", "the port is not a number"),
    ("s3:///x", "name a bucket"),
])
def test_bad_destinations_say_what_to_write(tmp_path: Path, dest: str, message: str) -> None:
    with pytest.raises(DeployError, match=message):
        parse_target(dest, tmp_path)


def test_deploy_settings_come_from_the_file_and_flags_win(tmp_path: Path) -> None:
    (tmp_path / "reelcast.toml").write_text('[deploy]\ndest = "s3://show"\ns3_endpoint = "http://127.0.0.1:9000"\n'
                                            "timeout_s = 5\n", encoding="utf-8")
    settings = load_settings(tmp_path, {"deploy": {"s3_endpoint": "https://s3.example.org", "sftp_key": None}})
    assert (settings.deploy.dest, settings.deploy.s3_endpoint, settings.deploy.timeout_s) == (
        "s3://show", "https://s3.example.org", 5.0)
    with pytest.raises(ConfigError, match=r"--s3-endpoint = 'minio:9000' must be an absolute http\(s\) URL"):
        load_settings(tmp_path, {"deploy": {"s3_endpoint": "minio:9000"}})
    (tmp_path / "reelcast.toml").write_text("[deploy]\ntimeout_s = 0\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[deploy\] timeout_s = 0.0 is out of range 1 to 600"):
        load_settings(tmp_path)


# A show with two episodes (the stand-in engine, the real encoder) ---------------------------------


def _page(title: str, body: str) -> str:
    sentence = "The film holds its nerve to the last frame. " * 6
    paragraphs = "".join(f"<p>{body} {n}. {sentence}</p>" for n in range(3))
    body_html = f"<article><h1>{title}</h1>{paragraphs}</article>"
    return f"<html><head><title>{title}</title></head><body>{body_html}</body></html>"


@dataclass(frozen=True, slots=True)
class Show:
    root: Path

    def settings(self):  # noqa: ANN201
        return load_settings(self.root)

    def episode(self, index: int) -> Episode:
        """The first (a.html) or second (b.html) review's episode."""
        with Catalog.open(self.root / "reelcast.db") as catalog:
            episodes = sorted(catalog.episodes(), key=lambda e: e.source)
        assert len(episodes) == 2
        return episodes[index]

    def files(self, index: int) -> set[str]:
        episode = self.episode(index)
        return {f"episodes/{name}" for name in (episode.audio_file, *episode.side_files)}

    def republish(self, index: int, wpm: int) -> None:
        """The same review again (its recorded source), spoken at another speed: other audio, new names."""
        pipeline.publish(self.episode(index).source, self.settings(), ToneEngine(wpm=wpm))


@pytest.fixture(scope="module")
def two_episodes(tmp_path_factory: pytest.TempPathFactory) -> Show:
    root = tmp_path_factory.mktemp("two")
    settings = load_settings(root)
    for name, title, critic in (("a.html", "A Good Film", "First critic"), ("b.html", "A Bad Film", "Second critic")):
        (root / name).write_text(_page(title, critic), encoding="utf-8")
        pipeline.publish(str(root / name), settings, ToneEngine())
    return Show(root)


def copy(show: Show, to: Path) -> Show:
    shutil.copytree(show.root, to / "show")
    return Show(to / "show")


class RecordingFS(LocalFileSystem):
    """A local filesystem that records what is done to it, and can fail on the nth upload."""

    cachable = False

    def __init__(self, fail_on: str | None = None) -> None:
        super().__init__()
        self.ops: list[tuple[str, str]] = []
        self.fail_on = fail_on

    def put_file(self, lpath, rpath, callback=None, **kwargs):  # noqa: ANN001, ANN201
        if self.fail_on and rpath.split("/")[-1].startswith(f".{self.fail_on}."):
            data = Path(lpath).read_bytes()
            Path(rpath).write_bytes(data[: len(data) // 2])  # half of it got there
            raise ConnectionResetError(104, "Connection reset by peer")
        self.ops.append(("put", rpath))
        return super().put_file(lpath, rpath, callback, **kwargs)

    def mv(self, path1, path2, **kwargs):  # noqa: ANN001, ANN201
        self.ops.append(("mv", path2))
        return super().mv(path1, path2, **kwargs)

    def rm_file(self, path):  # noqa: ANN001, ANN201
        self.ops.append(("rm", path))
        return super().rm_file(path)

    def published(self, root: Path) -> list[str]:
        """The files that became visible at their final names, in order."""
        return [p.removeprefix(root.as_posix() + "/") for op, p in self.ops if op == "mv"]


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_a_folder_gets_the_show_in_order_then_only_what_changed(two_episodes: Show, tmp_path: Path) -> None:
    show = copy(two_episodes, tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    fs = RecordingFS()
    first = deploy(show.settings(), Destination(fs, site.as_posix(), atomic_rename=True))

    # exactly what apps fetch: the feed, the page, the cover and both episodes' files, byte for byte
    local = tree(show.root)
    deployed = tree(site)
    expected = {"feed/feed.xml", "feed/index.html", "feed/cover.png", *show.files(0), *show.files(1)}
    assert set(deployed) == expected | {MANIFEST}
    assert all(deployed[name] == local[name] for name in expected)
    order = fs.published(site)
    assert order[-4:] == ["feed/cover.png", "feed/index.html", "feed/feed.xml", MANIFEST]
    mp3s = [n for n in order if n.endswith(".mp3")]
    assert order[:2] == mp3s and len(mp3s) == 2
    assert all(p.split("/")[-1].startswith(".") for op, p in fs.ops if op == "put")  # never at the real name
    assert set(first.uploaded) == expected and first.unchanged == ()

    fs.ops.clear()
    again = deploy(show.settings(), Destination(fs, site.as_posix(), atomic_rename=True))
    assert again.uploaded == () and fs.ops == [] and set(again.unchanged) == expected

    # republish the first review in another voice speed: only its files, the page and the feed go
    before = show.files(0)
    show.republish(0, wpm=140)
    assert show.files(0).isdisjoint(before)  # a new version goes in under new names
    result = deploy(show.settings(), Destination(fs, site.as_posix(), atomic_rename=True))
    assert set(result.deleted) == before
    assert "feed/feed.xml" in result.uploaded and any(n.endswith(".mp3") for n in result.uploaded)
    assert set(result.uploaded) <= show.files(0) | {"feed/feed.xml", "feed/index.html"}
    assert tree(site)[sorted(show.files(0))[-1]] == tree(show.root)[sorted(show.files(0))[-1]]


@pytest.mark.slow
def test_a_removed_episode_leaves_the_destination_only_after_the_new_feed(two_episodes: Show, tmp_path: Path) -> None:
    show = copy(two_episodes, tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    deploy(show.settings(), Destination(LocalFileSystem(), site.as_posix(), atomic_rename=True))
    gone, kept = show.files(1), show.files(0)

    # the show without its second episode
    settings = show.settings()
    pipeline.remove_episode(settings, show.episode(1).guid)
    fs = RecordingFS()
    result = deploy(settings, Destination(fs, site.as_posix(), atomic_rename=True))

    assert set(result.deleted) == gone
    removed = [p.removeprefix(site.as_posix() + "/") for op, p in fs.ops if op == "rm"]
    assert set(removed) == gone
    feed_up = fs.ops.index(("mv", (site / "feed" / "feed.xml").as_posix()))
    first_removal = min(i for i, (op, _) in enumerate(fs.ops) if op == "rm")
    assert feed_up < first_removal
    assert not any((site / name).exists() for name in gone) and all((site / name).exists() for name in kept)
    manifest = json.loads((site / MANIFEST).read_text(encoding="utf-8"))["files"]
    assert set(manifest) == kept | {"feed/feed.xml", "feed/index.html", "feed/cover.png"}


@pytest.mark.slow
def test_a_deploy_cut_off_halfway_leaves_the_old_feed_served(two_episodes: Show, tmp_path: Path) -> None:
    show = copy(two_episodes, tmp_path)
    site = tmp_path / "site"
    site.mkdir()
    deploy(show.settings(), Destination(LocalFileSystem(), site.as_posix(), atomic_rename=True))
    old_feed = (site / "feed" / "feed.xml").read_bytes()

    show.republish(1, wpm=150)
    vtt = next(name for name in show.files(1) if name.endswith(".vtt")).split("/")[-1]
    with pytest.raises(DeployError, match="Connection reset by peer.*; the feed there is still the previous one"):
        deploy(show.settings(), Destination(RecordingFS(fail_on=vtt), site.as_posix(), atomic_rename=True))
    assert (site / "feed" / "feed.xml").read_bytes() == old_feed
    assert not list(site.rglob("*.part"))  # the half-sent temporary file was removed

    crashed = site / "episodes" / ".b.mp3.0123abcd.part"  # as a deploy that was killed leaves it
    crashed.write_bytes(b"half")
    result = deploy(show.settings(), Destination(LocalFileSystem(), site.as_posix(), atomic_rename=True))
    assert not crashed.exists()
    assert "feed/feed.xml" in result.uploaded
    assert tree(site)["feed/feed.xml"] == (show.root / "feed" / "feed.xml").read_bytes()


@pytest.mark.slow
def test_the_cli_deploys_to_a_folder_and_says_what_went(two_episodes: Show, tmp_path: Path) -> None:
    show = copy(two_episodes, tmp_path)
    (show.root / "reelcast.toml").write_text(f'[deploy]\ndest = "{tmp_path / "site"}"\n', encoding="utf-8")
    done = run_reelcast(show.root, "deploy")
    assert done.returncode == 0, done.stderr
    assert "13 uploaded" in done.stdout and "0 unchanged" in done.stdout
    assert done.stderr.splitlines()[-2] == "  upload feed/feed.xml"
    assert done.stderr.splitlines()[-1].startswith("reelcast: warning: the feed sends apps to http://127.0.0.1:8000/")
    again = run_reelcast(show.root, "deploy", str(tmp_path / "site"))
    assert "0 uploaded (0.0 MB), 13 unchanged, 0 deleted" in again.stdout
    typo = run_reelcast(show.root, "deploy", str(tmp_path / "sitee" / "podcast"))
    assert typo.returncode == 1
    assert typo.stderr == f"reelcast: error: {tmp_path / 'sitee'} does not exist; create it, or check the path\n"


@pytest.mark.slow
def test_the_feed_that_goes_is_the_one_planned(two_episodes: Show, tmp_path: Path) -> None:
    show = copy(two_episodes, tmp_path)
    settings = show.settings()
    files = show_files(settings)
    planned = (show.root / "feed" / "feed.xml").read_bytes()
    # a publish finishing while the media upload: its feed names files this deploy never planned
    (show.root / "feed" / "feed.xml").write_bytes(planned.replace(b"</channel>", b"<item/></channel>"))
    deploy(settings, Destination(LocalFileSystem(), (tmp_path / "site").as_posix(), atomic_rename=True), files=files)
    assert (tmp_path / "site" / "feed" / "feed.xml").read_bytes() == planned


def test_nothing_to_deploy_or_nowhere_to_go_is_one_line(tmp_path: Path) -> None:
    done = run_reelcast(tmp_path, "deploy", str(tmp_path / "site"))
    assert done.returncode == 1 and done.stderr.startswith("reelcast: error: nothing is published in ")
    assert len(done.stderr.splitlines()) == 1 and not (tmp_path / "site").exists()
    done = run_reelcast(tmp_path, "deploy")
    assert done.returncode == 1
    assert done.stderr == "reelcast: error: say where to deploy: `reelcast deploy DEST`, or dest in [deploy] of " \
                          "reelcast.toml\n"


@pytest.fixture
def static_server(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """Python's http.server over a folder on 127.0.0.1: a static host that answers no byte ranges."""
    site = tmp_path / "site"
    site.mkdir()
    handler = functools.partial(QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site, f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args) -> None:  # noqa: A002, ANN001 - the base class's signature
        pass


@pytest.mark.slow
def test_check_remote_reads_the_show_as_served(two_episodes: Show, static_server: tuple[Path, str],
                                               tmp_path: Path) -> None:
    site, base_url = static_server
    show = copy(two_episodes, tmp_path)
    (show.root / "reelcast.toml").write_text(f'[show]\nbase_url = "{base_url}"\n', encoding="utf-8")
    settings = show.settings()

    nothing = check_remote(settings)
    assert [(p.where, p.what) for p in nothing.problems] == [(f"{base_url}feed/feed.xml",
                                                             "answers HTTP 404, not 200")]
    pipeline.rebuild_feed(settings)
    deploy(settings, Destination(LocalFileSystem(), site.as_posix(), atomic_rename=True))
    vtt = sorted(n for n in show.files(0) if n.endswith(".vtt"))[0]
    (site / vtt).unlink()

    report = check_remote(settings)
    problems = [(p.where, p.what) for p in report.problems]
    mp3s = sorted(f"{base_url}{n}" for n in show.files(0) | show.files(1) if n.endswith(".mp3"))
    # http.server sends whole files only, so players could not seek; and the transcript is gone
    assert sorted(problems) == sorted([
        *((url, "answers a byte range with HTTP 200, not 206 and those bytes: players cannot seek") for url in mp3s),
        (f"{base_url}{vtt}", "answers HTTP 404, not 200"),
    ])
    assert report.episodes == 2


# OpenSSH --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sshd:
    port: int
    user: str
    key: Path
    known_hosts: Path
    log: Path


def _keygen(path: Path) -> Path:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True,
                   stdin=subprocess.DEVNULL)
    return path


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """Debian's OpenSSH server on 127.0.0.1, with its own host key and one authorized key, both made here."""
    binary = "/usr/sbin/sshd"
    require(os.path.exists(binary), "OpenSSH's sshd", "it apt-get installs openssh-server")
    tmp = tmp_path_factory.mktemp("sshd")
    host_key, client_key = _keygen(tmp / "host_key"), _keygen(tmp / "id_ed25519")
    shutil.copy(client_key.with_suffix(".pub"), tmp / "authorized_keys")
    port = free_port()
    user = "root" if os.geteuid() == 0 else os.environ.get("USER") or subprocess.check_output(["id", "-un"],
                                                                                               text=True).strip()
    if os.geteuid() == 0:
        Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)  # its privilege separation folder, as the package makes
    config = tmp / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {host_key}\nPidFile {tmp / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {tmp / 'authorized_keys'}\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nPermitRootLogin prohibit-password\nStrictModes no\nUsePAM no\n"
        "Subsystem sftp internal-sftp\nLogLevel VERBOSE\n", encoding="utf-8")
    known_hosts = tmp / "known_hosts"
    kind, key = host_key.with_suffix(".pub").read_text(encoding="utf-8").split()[:2]
    known_hosts.write_text(f"[127.0.0.1]:{port} {kind} {key}\n", encoding="utf-8")
    log = tmp / "sshd.log"
    with log.open("wb") as out:
        server = subprocess.Popen([binary, "-D", "-e", "-f", str(config), "-p", str(port)],
                                  stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                    if sock.recv(4).startswith(b"SSH-"):
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"sshd did not start: {log.read_text(errors='replace')}")
            time.sleep(0.1)
        yield Sshd(port, user, client_key, known_hosts, log)
    finally:
        server.terminate()
        server.wait(timeout=10)


def _sftp_settings(root: Path, sshd: Sshd, key: Path | None = None, known_hosts: Path | None = None) -> None:
    (root / "reelcast.toml").write_text(
        f'[deploy]\nsftp_key = "{key or sshd.key}"\nsftp_known_hosts = "{known_hosts or sshd.known_hosts}"\n'
        "timeout_s = 10\n", encoding="utf-8")


@pytest.mark.slow
def test_deploy_over_sftp_to_a_real_openssh_server(two_episodes: Show, sshd: Sshd, tmp_path: Path) -> None:
    show = copy(two_episodes, tmp_path)
    _sftp_settings(show.root, sshd)
    site = tmp_path / "remote" / "www" / "podcast"
    dest = f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{site}"
    done = run_reelcast(show.root, "deploy", dest)
    assert done.returncode == 0, done.stderr + sshd.log.read_text(errors="replace")
    assert f"deployed to {dest}: 13 uploaded" in done.stdout
    local = tree(show.root)
    deployed = tree(site)
    assert set(deployed) - {MANIFEST} == {"feed/feed.xml", "feed/index.html", "feed/cover.png", *show.files(0),
                                          *show.files(1)}
    assert all(deployed[name] == local[name] for name in deployed if name != MANIFEST)
    assert "Accepted publickey" in sshd.log.read_text(errors="replace")

    again = run_reelcast(show.root, "deploy", dest)
    assert again.returncode == 0 and "0 uploaded (0.0 MB), 13 unchanged" in again.stdout


@pytest.mark.slow
def test_sftp_logs_in_with_the_key_in_ssh_agent(two_episodes: Show, sshd: Sshd, tmp_path: Path) -> None:
    show = copy(two_episodes, tmp_path)
    (show.root / "reelcast.toml").write_text(f'[deploy]\nsftp_known_hosts = "{sshd.known_hosts}"\n', encoding="utf-8")
    socket_path = tmp_path / "agent.sock"
    agent = subprocess.Popen(["ssh-agent", "-D", "-a", str(socket_path)], stdout=subprocess.DEVNULL,
                             stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not socket_path.exists():
            assert time.monotonic() < deadline and agent.poll() is None, "ssh-agent did not start"
            time.sleep(0.05)
        env = {**os.environ, "SSH_AUTH_SOCK": str(socket_path), "HOME": str(tmp_path)}  # no ~/.ssh keys to find
        subprocess.run(["ssh-add", "-q", str(sshd.key)], env=env, check=True, stdin=subprocess.DEVNULL,
                       capture_output=True)
        dest = f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{tmp_path / 'www'}"
        done = subprocess.run([sys.executable, "-m", "reelcast", "deploy", dest], cwd=show.root, env=env,
                              capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    finally:
        agent.terminate()
        agent.wait(timeout=10)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "www" / "feed" / "feed.xml").read_bytes() == (show.root / "feed" / "feed.xml").read_bytes()


@pytest.mark.slow
def test_sftp_failures_are_one_line_and_deploy_nothing(two_episodes: Show, sshd: Sshd, tmp_path: Path) -> None:
    show = copy(two_episodes, tmp_path)
    site = tmp_path / "remote"
    dest = f"sftp://{sshd.user}@127.0.0.1:{sshd.port}{site}"

    _sftp_settings(show.root, sshd, key=_keygen(tmp_path / "stranger"))
    refused = run_reelcast(show.root, "deploy", dest)
    _sftp_settings(show.root, sshd, known_hosts=tmp_path / "empty")
    (tmp_path / "empty").write_text("", encoding="utf-8")
    unknown = run_reelcast(show.root, "deploy", dest)
    _sftp_settings(show.root, sshd)
    unreachable = run_reelcast(show.root, "deploy", f"sftp://{sshd.user}@127.0.0.1:{free_port()}{site}")

    assert refused.stderr.startswith(f"reelcast: error: {dest}: the server refused the login")
    assert "add your public key to ~/.ssh/authorized_keys there" in refused.stderr
    assert unknown.stderr.startswith(f"reelcast: error: {dest}: the host key of 127.0.0.1 is not known; "
                                     f"connect once with `ssh -p {sshd.port} 127.0.0.1`")
    assert unreachable.stderr.startswith("reelcast: error: cannot reach sftp://")
    for done in (refused, unknown, unreachable):
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    assert not site.exists()


# An S3-compatible server (moto's server mode), then gPodder and `check --remote` over its HTTP --------


@dataclass(frozen=True, slots=True)
class S3:
    endpoint: str
    client: object  # a boto3 S3 client


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3]:
    import boto3
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    tmp = tmp_path_factory.mktemp("aws")
    with pytest.MonkeyPatch.context() as env:
        # credentials the usual way, from the environment; never a real ~/.aws
        for name, value in (("AWS_ACCESS_KEY_ID", "testing"), ("AWS_SECRET_ACCESS_KEY", "testing"),
                            ("AWS_DEFAULT_REGION", "us-east-1"), ("AWS_CONFIG_FILE", str(tmp / "config")),
                            ("AWS_SHARED_CREDENTIALS_FILE", str(tmp / "credentials")),
                            ("AWS_EC2_METADATA_DISABLED", "true")):  # botocore must not look beyond 127.0.0.1
            env.setenv(name, value)
        endpoint = f"http://127.0.0.1:{server.get_host_and_port()[1]}"
        client = boto3.client("s3", endpoint_url=endpoint)
        client.create_bucket(Bucket="show")
        # anyone may read, as a podcast bucket must (the README gives this policy): apps send no credentials
        client.put_bucket_policy(Bucket="show", Policy=json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::show/*"}]}))
        try:
            yield S3(endpoint, client)
        finally:
            server.stop()


@pytest.mark.slow
def test_deploy_to_s3_then_gpodder_subscribes_and_check_remote_reads_it(
    published_show: PublishedShow, s3: S3, tmp_path: Path
) -> None:
    show = copy_show(published_show, tmp_path)
    base_url = f"{s3.endpoint}/show/podcast/"
    (show.root / "reelcast.toml").write_text(
        f'[show]\nbase_url = "{base_url}"\n\n[deploy]\ndest = "s3://show/podcast"\ns3_endpoint = "{s3.endpoint}"\n',
        encoding="utf-8")
    assert run_reelcast(show.root, "feed").returncode == 0
    done = run_reelcast(show.root, "deploy")
    assert done.returncode == 0, done.stderr
    assert "deployed to s3://show/podcast: 8 uploaded" in done.stdout

    # the content type apps and browsers act on, for every file
    expected = {".mp3": "audio/mpeg", ".chapters.json": "application/json+chapters", ".vtt": "text/vtt",
                ".srt": "application/x-subrip", ".png": "image/png", "feed.xml": "application/rss+xml",
                "index.html": "text/html", MANIFEST: "application/json"}
    keys = [o["Key"] for o in s3.client.list_objects_v2(Bucket="show", Prefix="podcast/")["Contents"]]
    assert len(keys) == 9  # the five episode files (its art among them), feed, page, cover, manifest
    for key in keys:
        kind = s3.client.head_object(Bucket="show", Key=key)["ContentType"]
        wanted = next(t for suffix, t in expected.items() if key.endswith(suffix))
        assert kind.split(";")[0] == wanted, key
        caching = s3.client.head_object(Bucket="show", Key=key)["CacheControl"]
        assert caching == ("public, max-age=31536000, immutable" if "/episodes/" in key else "no-cache"), key
    mp3_key = f"podcast/episodes/{show.mp3.name}"
    assert s3.client.get_object(Bucket="show", Key=mp3_key)["Body"].read() == show.mp3.read_bytes()

    gpo = shutil.which("gpo")
    require(gpo, "gPodder's gpo", "it apt-get installs gpodder")
    env = {**os.environ, "GPODDER_HOME": str(tmp_path / "home"), "GPODDER_DOWNLOAD_DIR": str(tmp_path / "downloads")}

    def run(*args: str) -> str:
        gone = subprocess.run([gpo, *args], env=env, capture_output=True, text=True, timeout=120,
                              stdin=subprocess.DEVNULL)
        assert gone.returncode == 0, gone.stdout + gone.stderr
        return gone.stdout

    assert "Successfully added" in run("subscribe", base_url + "feed/feed.xml")
    assert "1 new episode" in run("update")
    assert "1 episodes downloaded" in run("download")
    (downloaded,) = (tmp_path / "downloads").rglob("*.mp3")
    assert downloaded.read_bytes() == show.mp3.read_bytes()

    checked = run_reelcast(show.root, "check", "--remote")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert checked.stdout.splitlines()[-1] == "no problems: the feed and 1 episode(s) checked"

    # a file cut off at the destination (a failed copy by other means, say) is caught
    s3.client.put_object(Bucket="show", Key=mp3_key, Body=show.mp3.read_bytes()[:100_000], ContentType="audio/mpeg")
    caught = run_reelcast(show.root, "check", "--remote")
    assert caught.returncode == 1
    assert caught.stdout.splitlines()[0] == (f"{base_url}episodes/{show.mp3.name}: serves 100000 bytes but the "
                                             f"feed's enclosure length is {show.mp3.stat().st_size}")
    assert "1 problem in 1 episode(s)" in caught.stdout

    # and the next deploy puts it right, though the manifest says it went up before
    again = run_reelcast(show.root, "deploy")
    assert "1 uploaded" in again.stdout and run_reelcast(show.root, "check", "--remote").returncode == 0


@pytest.mark.slow
def test_s3_failures_are_one_line(published_show: PublishedShow, s3: S3, tmp_path: Path) -> None:
    show = copy_show(published_show, tmp_path)
    missing = run_reelcast(show.root, "deploy", "s3://no-such-bucket/x", "--s3-endpoint", s3.endpoint)
    unreachable = run_reelcast(show.root, "deploy", "s3://show/x", "--s3-endpoint", f"http://127.0.0.1:{free_port()}")
    assert missing.stderr == ("reelcast: error: the bucket no-such-bucket does not exist (or these credentials "
                              "cannot see it); create it first, or check the name\n")
    assert unreachable.stderr.startswith("reelcast: error: s3://show/x: Could not connect to the endpoint URL")
    anonymous = {k: v for k, v in os.environ.items() if k not in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    nobody = subprocess.run([sys.executable, "-m", "reelcast", "deploy", "s3://show/x", "--s3-endpoint", s3.endpoint],
                            cwd=show.root, env=anonymous, capture_output=True, text=True, timeout=120,
                            stdin=subprocess.DEVNULL)
    assert nobody.stderr == ("reelcast: error: s3://show/x: Unable to locate credentials; set AWS_ACCESS_KEY_ID and "
                             "AWS_SECRET_ACCESS_KEY (or a profile in ~/.aws/credentials)\n")
    for done in (missing, unreachable, nobody):
        assert done.returncode == 1 and len(done.stderr.splitlines()) == 1, done.stderr
    assert s3.client.list_objects_v2(Bucket="show", Prefix="x/")["KeyCount"] == 0
