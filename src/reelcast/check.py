"""`reelcast check`: lint the published feed and the files it points at, as podcast apps will see them.

Reads only what is published (feed/feed.xml, feed/ and episodes/) plus the catalog for the source of
each episode, so a fix can name the exact command to run. Every finding is a Problem with a fix;
nothing here raises for a broken feed, since reporting that is the point.
"""

from __future__ import annotations

import dataclasses
import email.utils
import functools
import http.client
import re
import tempfile
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urljoin

from lxml import etree
from mutagen import MutagenError
from mutagen.id3 import ID3, ID3NoHeaderError
from mutagen.mp3 import MP3
from PIL import Image, UnidentifiedImageError

from reelcast.catalog import Catalog
from reelcast.config import Settings
from reelcast.errors import ReelcastError
from reelcast.fetch import USER_AGENT
from reelcast.ffmpeg import Loudness, measure_loudness
from reelcast.models import Episode
from reelcast.publish import sidefiles
from reelcast.publish.artwork import COVER_SIZE, MAX_COVER_SIZE
from reelcast.publish.commit import owned_files, stale_work_folders
from reelcast.publish.feed import (
    FEED_FILE,
    ITUNES_NS,
    MAX_DESCRIPTION_BYTES,
    PODCAST_NS,
    feed_url,
    is_private_address,
    validate_show,
)
from reelcast.publish.page import PAGE_FILE
from reelcast.publish.show import is_published
from reelcast.publish.sidefiles import CHAPTERS, EPISODE_FILES, TRANSCRIPTS, VTT, kind_of

ATOM_NS = "http://www.w3.org/2005/Atom"
NS = {"itunes": ITUNES_NS, "podcast": PODCAST_NS, "atom": ATOM_NS}
DURATION_TOLERANCE_S = 1.0  # itunes:duration is whole seconds
LOUDNESS_TOLERANCE_LU = 1.0
CUE_OVERRUN_MS = 500  # the bound on transcript timing
_EPISODE_TYPES = ("full", "trailer", "bonus")
_DURATION = re.compile(r"^(?:(\d+):)?(?:(\d+):)?(\d+)$")

_REBUILD = "run `reelcast feed` to rewrite the feed from the catalog"
# Not _REBUILD: after `reelcast feed --base-url X`, rebuilding from reelcast.toml would undo X.
_BASE_URL_FIX = ("set base_url in [show] of reelcast.toml (or pass --base-url to `reelcast feed`/`reelcast serve`, "
                 "and the same --base-url to `reelcast check`)")


@dataclass(frozen=True, slots=True)
class Problem:
    where: str
    what: str
    fix: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}\n  fix: {self.fix}"


@dataclass(frozen=True, slots=True)
class Report:
    problems: tuple[Problem, ...]
    episodes: int
    warnings: tuple[Problem, ...] = ()  # fine to listen to here, wrong for a show others subscribe to

    @property
    def ok(self) -> bool:
        return not self.problems


Measure = Callable[[Path], Loudness]


def check_show(settings: Settings, measure: Measure = measure_loudness, catalog_path: Path | None = None) -> Report:
    """Every problem found in the show at `settings.root`; `measure` meters an MP3's loudness.
    `catalog_path` is the show's catalog when `settings.root` holds a copy of its files (check_remote)."""
    path = settings.feed_dir / FEED_FILE
    if not path.is_file():
        fix = "run `reelcast feed` to write it from the catalog" if _published(settings) else \
            "publish a review with `reelcast publish PAGE`"
        return Report((Problem("feed/feed.xml", "does not exist", fix),), 0)
    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        channel = etree.parse(str(path), parser).getroot().find("channel")
    except etree.XMLSyntaxError as exc:
        return Report((Problem("feed/feed.xml", f"is not well-formed XML ({exc})", _REBUILD),), 0)
    if channel is None:
        return Report((Problem("feed/feed.xml", "has no <channel>; it is not an RSS feed", _REBUILD),), 0)

    known = _catalog_episodes(catalog_path or settings.catalog_path)
    catalog = known or {}
    items = channel.findall("item")
    settings, problems = _check_base_url(settings, channel)
    problems += [*_check_channel(settings, channel), *_check_guids(items, catalog)]
    for item in items:
        problems.extend(_check_item(settings, item, catalog, measure))
    if known is not None and catalog_path is None:  # a deployed copy has only what its feed names
        problems.extend(_check_strays(settings, known))
    return Report(tuple(problems), len(items), tuple(identity_warnings(settings)))


# Addresses reserved for examples (RFC 2606) and for this machine: a show's owner is not there.
_PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net", "example", "invalid", "localhost", "test")


def identity_warnings(settings: Settings) -> Iterator[Problem]:
    """What makes a show look unfinished to a directory or a listener, though apps play it."""
    email = settings.show.owner_email
    domain = email.rpartition("@")[2].lower()
    if domain in _PLACEHOLDER_DOMAINS or domain.endswith(tuple("." + d for d in _PLACEHOLDER_DOMAINS)):
        yield Problem("reelcast.toml", f"[show] owner_email is a placeholder ({email}); directories "
                      "send their confirmation there", "set [show] owner_email to your address, then run "
                      "`reelcast feed`")
    if is_private_address(settings.show.base_url):
        yield Problem("reelcast.toml", f"[show] base_url {settings.show.base_url} is this machine or a "
                      "private network: no one else's podcast app can fetch the episodes",
                      "set [show] base_url to the public address the show is served from (see README, Put "
                      "your show on the internet), then run `reelcast feed`")


def _published(settings: Settings) -> bool:
    try:
        return is_published(settings)
    except ReelcastError:
        return False


def _catalog_episodes(path: Path) -> dict[str, Episode] | None:
    """The catalog's episodes by guid; None when there is no catalog to read (then nothing can be
    said about which files are owned)."""
    if not path.exists():
        return None
    try:
        with Catalog.open(path) as catalog:
            return {e.guid: e for e in catalog.episodes()}
    except ReelcastError:
        return None


def _text(element: etree._Element, path: str) -> str:
    found = element.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


# The channel ---------------------------------------------------------------------------------------


def _check_base_url(settings: Settings, channel: etree._Element) -> tuple[Settings, list[Problem]]:
    """`settings` with the base URL the feed was built for, and a problem when that is not base_url.

    One problem for a feed built for another address, not one more for every URL in it: the files
    are then checked as that address serves them.
    """
    self_link = channel.find("atom:link[@rel='self']", NS)
    href = self_link.get("href", "") if self_link is not None else ""
    expected = feed_url(settings)
    if href == expected:
        return settings, []
    suffix = f"feed/{FEED_FILE}"
    if not href.endswith(f"/{suffix}"):
        return settings, [Problem("feed/feed.xml", f"the feed says it lives at {href or 'nothing'}, "
                                  f"but base_url makes it {expected}", _REBUILD)]
    built_for = dataclasses.replace(settings.show, base_url=href[: -len(suffix)])
    problem = Problem("feed/feed.xml", f"the feed was built for base URL {built_for.base_url}, but base_url is "
                      f"{settings.show.base_url}", _BASE_URL_FIX)
    return dataclasses.replace(settings, show=built_for), [problem]


def _check_channel(settings: Settings, channel: etree._Element) -> Iterator[Problem]:
    where = "feed/feed.xml"
    toml_fix = "set it under [show] in reelcast.toml, then run `reelcast feed`"
    for path, name in (("title", "title"), ("description", "description"), ("link", "link"),
                       ("itunes:author", "itunes:author")):
        if not _text(channel, path):
            yield Problem(where, f"the show has no {name}", toml_fix)
    description = _text(channel, "description")
    if len(description.encode("utf-8")) > MAX_DESCRIPTION_BYTES:
        yield Problem(where, f"the show description is over {MAX_DESCRIPTION_BYTES} bytes, Apple's limit",
                      "shorten [show] description in reelcast.toml, then run `reelcast feed`")
    try:
        validate_show(settings.show)
    except ReelcastError as exc:
        yield Problem("reelcast.toml", str(exc), "fix [show] in reelcast.toml, then run `reelcast feed`")
    else:
        # Settings that pass validate_show build a valid language, so a feed without it is out of date.
        language = _text(channel, "language")
        if language.lower() != settings.show.language.lower():
            yield Problem(where, f"the feed's language is {language!r}, but [show] language is "
                          f"{settings.show.language!r}", _REBUILD)
    if not _text(channel, "itunes:owner/itunes:email") or not _text(channel, "itunes:owner/itunes:name"):
        yield Problem(where, "itunes:owner needs a name and an email", "set [show] owner_name and owner_email, then "
                      "run `reelcast feed`")
    if _text(channel, "itunes:explicit") not in ("true", "false"):
        yield Problem(where, "itunes:explicit must be true or false", _REBUILD)
    category = channel.find("itunes:category", NS)
    if category is None or not category.get("text"):
        yield Problem(where, "the show has no itunes:category", _REBUILD)
    if not _is_uuid(_text(channel, "podcast:guid")):
        yield Problem(where, "podcast:guid is missing or not a UUID", _REBUILD)
    if channel.find("podcast:locked", NS) is None:
        yield Problem(where, "podcast:locked is missing", _REBUILD)

    image = channel.find("itunes:image", NS)
    if image is None or not image.get("href"):
        yield Problem(where, "the show has no itunes:image", _REBUILD)
    else:
        yield from _check_artwork(settings, image.get("href", ""))


def _check_artwork(settings: Settings, url: str) -> Iterator[Problem]:
    path = local_file(settings, url, "feed")
    fix = (f"give [show] image a square JPEG or PNG of {COVER_SIZE} to {MAX_COVER_SIZE} px "
           "(or remove it for a generated cover), then run `reelcast feed`")
    if path is None:
        yield Problem("feed/feed.xml", f"the cover {url} is not under {settings.show.base_url}feed/", _REBUILD)
        return
    where = f"feed/{path.name}"
    try:
        with Image.open(path) as image:
            fmt, (width, height), mode = image.format, image.size, image.mode
    except FileNotFoundError:
        yield Problem(where, "the cover the feed names does not exist", _REBUILD)
        return
    except (OSError, UnidentifiedImageError) as exc:
        yield Problem(where, f"the cover cannot be read ({exc})", fix)
        return
    if fmt not in ("JPEG", "PNG"):
        yield Problem(where, f"the cover is {fmt}; Apple takes JPEG or PNG", fix)
    if width != height or not COVER_SIZE <= width <= MAX_COVER_SIZE:
        yield Problem(where, f"the cover is {width}x{height}; Apple wants a square of {COVER_SIZE} to "
                      f"{MAX_COVER_SIZE} px", fix)
    if mode not in ("RGB", "L", "P"):
        yield Problem(where, f"the cover is in {mode} colour; Apple wants RGB", fix)


def _check_guids(items: list[etree._Element], catalog: dict[str, Episode]) -> Iterator[Problem]:
    seen: set[str] = set()
    for item in items:
        guid = _text(item, "guid")
        if guid in seen:
            yield Problem("feed/feed.xml", f"two episodes share the guid {guid}; apps will show only one", _REBUILD)
        seen.add(guid)
    for guid, episode in catalog.items():
        if guid not in seen:
            yield Problem("feed/feed.xml", f"'{episode.title}' is in the catalog but not in the feed", _REBUILD)


def _check_strays(settings: Settings, catalog: dict[str, Episode]) -> Iterator[Problem]:
    """Files in episodes/ that no episode owns (served to anyone, and never cleaned up by hand), and
    work folders of a publish that was killed."""
    owned = owned_files(list(catalog.values()))
    for path in stale_work_folders(settings):
        yield Problem(f"episodes/{path.name}", "was left by a publish that was interrupted",
                      "run `reelcast feed` (or publish again), which removes it")
    try:
        names = sorted(p.name for p in settings.episodes_dir.iterdir() if p.is_file())
    except OSError:
        return
    for name in names:
        if name in owned or name.startswith("."):
            continue
        if kind_of(name) in EPISODE_FILES:
            yield Problem(f"episodes/{name}", "no episode owns this file", "run `reelcast feed`, which removes it")
        else:
            yield Problem(f"episodes/{name}", "no episode owns this file, and it is served to anyone",
                          "move it out of episodes/")


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


# Each episode --------------------------------------------------------------------------------------


def _check_item(settings: Settings, item: etree._Element, catalog: dict[str, Episode],
                measure: Measure) -> Iterator[Problem]:
    title = _text(item, "title")
    guid = _text(item, "guid")
    where = f'episode "{title or guid or "?"}"'
    known = catalog.get(guid)
    republish = f"republish it: `reelcast publish {known.source}`" if known else "republish the review"
    if not title:
        yield Problem(where, "has no title", republish)
    if not guid:
        yield Problem(where, "has no guid; apps cannot tell it from others", republish)
    yield from _check_pub_date(where, _text(item, "pubDate"))
    if _text(item, "itunes:episodeType") not in _EPISODE_TYPES:
        yield Problem(where, "itunes:episodeType is missing or not full/trailer/bonus", _REBUILD)
    link = _text(item, "link")
    if link and link not in _text(item, "description"):
        yield Problem(where, "the description does not link to the original review", _REBUILD)

    mp3, problems = _check_enclosure(settings, item, where, republish)
    yield from problems
    if mp3 is None:
        return
    try:
        length_s = MP3(mp3).info.length
    except MutagenError as exc:
        yield Problem(where, f"{mp3.name} is not a readable MP3 ({exc})", republish)
        return
    yield from _check_duration(where, _text(item, "itunes:duration"), length_s, republish)
    yield from _check_loudness(settings, where, mp3, length_s, measure, republish)
    yield from _check_chapters(settings, item, where, mp3, length_s, republish)
    yield from _check_transcripts(settings, item, where, length_s, republish)


def _check_pub_date(where: str, text: str) -> Iterator[Problem]:
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        yield Problem(where, f"pubDate {text!r} is not an RFC 2822 date", _REBUILD)
        return
    if when.tzinfo is None:
        yield Problem(where, f"pubDate {text!r} has no time zone", _REBUILD)


def _check_enclosure(settings: Settings, item: etree._Element, where: str,
                     republish: str) -> tuple[Path | None, list[Problem]]:
    enclosure = item.find("enclosure")
    if enclosure is None:
        return None, [Problem(where, "has no enclosure: apps have nothing to play", republish)]
    problems = []
    if enclosure.get("type") != sidefiles.MP3.media_type:
        problems.append(Problem(where, f"enclosure type is {enclosure.get('type')!r}, not {sidefiles.MP3.media_type}",
                                _REBUILD))
    url = enclosure.get("url", "")
    path = local_file(settings, url, "episodes")
    if path is None:
        problems.append(Problem(where, f"enclosure {url} is not under {settings.show.base_url}episodes/", _REBUILD))
        return None, problems
    if not path.is_file():
        problems.append(Problem(where, f"episodes/{path.name} does not exist", republish))
        return None, problems
    size = path.stat().st_size
    if enclosure.get("length") != str(size):
        problems.append(Problem(
            where, f"enclosure length is {enclosure.get('length')} bytes but episodes/{path.name} has {size}",
            f"{republish} (the file changed after publishing)"))
    return path, problems


def _check_duration(where: str, text: str, length_s: float, republish: str) -> Iterator[Problem]:
    match = _DURATION.match(text)
    if not match:
        yield Problem(where, f"itunes:duration {text!r} is not a duration in seconds", _REBUILD)
        return
    parts = [int(p) for p in match.groups() if p is not None]
    seconds = 0
    for part in parts:
        seconds = seconds * 60 + part
    if abs(seconds - length_s) > DURATION_TOLERANCE_S:
        yield Problem(where, f"itunes:duration says {seconds} s but the MP3 lasts {length_s:.1f} s", republish)


def _check_loudness(settings: Settings, where: str, mp3: Path, header_s: float, measure: Measure,
                    republish: str) -> Iterator[Problem]:
    try:
        loudness = measure(mp3)
    except ReelcastError as exc:
        yield Problem(where, f"the loudness of {mp3.name} could not be measured ({exc})", republish)
        return
    target, ceiling = settings.audio.target_lufs, settings.audio.true_peak_db
    if abs(loudness.integrated_lufs - target) > LOUDNESS_TOLERANCE_LU:
        yield Problem(where, f"{mp3.name} is at {loudness.integrated_lufs:.1f} LUFS, not {target:g}",
                      f"{republish} to master it again")
    if loudness.true_peak_db > ceiling:
        yield Problem(where, f"{mp3.name} peaks at {loudness.true_peak_db:.1f} dBTP, above {ceiling:g}",
                      f"{republish} to master it again")
    # The header's length (what apps show) can describe audio that is not there: a cut-off encode.
    if loudness.decoded_s is not None and header_s - loudness.decoded_s > DURATION_TOLERANCE_S:
        yield Problem(where, f"{mp3.name} decodes to {loudness.decoded_s:.1f} s of audio but its header "
                      f"says {header_s:.1f} s: the file is cut off", republish)


def _check_chapters(settings: Settings, item: etree._Element, where: str, mp3: Path, length_s: float,
                    republish: str) -> Iterator[Problem]:
    element = item.find("podcast:chapters", NS)
    if element is None:
        yield Problem(where, "has no podcast:chapters", republish)
        return
    text, problem = _side_file(settings, element.get("url", ""), where, republish)
    if problem:
        yield problem
        return
    try:
        chapters = CHAPTERS.parse(text)
    except ValueError as exc:
        yield Problem(where, f"the chapters file {exc}", republish)
        return
    if chapters[0].start_ms != 0:
        yield Problem(where, "the first chapter does not start at 0:00", republish)
    if chapters[-1].start_ms >= length_s * 1000:
        yield Problem(where, "a chapter starts after the end of the audio", republish)
    try:
        id3_chapters = len(ID3(mp3).getall("CHAP"))
    except (ID3NoHeaderError, MutagenError):
        id3_chapters = 0
    if id3_chapters != len(chapters):
        yield Problem(where, f"the MP3 has {id3_chapters} ID3 chapters but the chapters file has {len(chapters)}",
                      republish)


def _check_transcripts(settings: Settings, item: etree._Element, where: str, length_s: float,
                       republish: str) -> Iterator[Problem]:
    elements = item.findall("podcast:transcript", NS)
    kinds = {e.get("type") for e in elements}
    if VTT.media_type not in kinds:
        yield Problem(where, "has no WebVTT podcast:transcript", republish)
    for element in elements:
        kind = element.get("type")
        parse = next((k.parse for k in TRANSCRIPTS if k.media_type == kind), None)
        if parse is None:
            continue
        text, problem = _side_file(settings, element.get("url", ""), where, republish)
        if problem:
            yield problem
            continue
        try:
            cues = parse(text)
        except ValueError as exc:
            yield Problem(where, f"the {kind} transcript {exc}", republish)
            continue
        if cues[-1].end_ms > length_s * 1000 + CUE_OVERRUN_MS:
            yield Problem(where, f"the {kind} transcript runs past the end of the audio", republish)


def _side_file(settings: Settings, url: str, where: str, republish: str) -> tuple[str, Problem | None]:
    path = local_file(settings, url, "episodes")
    if path is None:
        return "", Problem(where, f"{url} is not under {settings.show.base_url}episodes/", _REBUILD)
    try:
        return path.read_text(encoding="utf-8"), None
    except FileNotFoundError:
        return "", Problem(where, f"episodes/{path.name} does not exist", republish)
    except (OSError, UnicodeDecodeError) as exc:
        return "", Problem(where, f"episodes/{path.name} cannot be read ({exc})", republish)


def local_file(settings: Settings, url: str, folder: str) -> Path | None:
    """The published file behind `url`, or None when the URL is not one of ours in `folder`."""
    prefix = urljoin(settings.show.base_url, f"{folder}/")
    if not url.startswith(prefix):
        return None
    name = unquote(url[len(prefix):])
    if not name or "/" in name or "\\" in name or name.startswith("."):
        return None
    return settings.root / folder / name


# The deployed show: `reelcast check --remote` -------------------------------------------------------

_DEPLOY = "deploy the show again: `reelcast deploy DEST`"
_RANGE = (100, 199)  # a few bytes inside any MP3, as a player asks when it seeks
Get = Callable[[str, str | None], tuple[int, Mapping[str, str], bytes]]


def check_remote(settings: Settings, measure: Measure = measure_loudness, get: Get | None = None) -> Report:
    """Check the show as it is served at base_url: fetch the feed and every file it names, check them as
    `check_show` checks local ones, and add what only a server can get wrong (files that cannot be
    fetched, bytes served against the enclosure length, byte ranges, the audio's content type)."""
    get = get or functools.partial(http_get, timeout_s=settings.deploy.timeout_s)
    with tempfile.TemporaryDirectory(prefix="reelcast-remote-") as tmp:
        mirror = dataclasses.replace(settings, root=Path(tmp))
        problems, failed = _fetch_show(settings, mirror, get)
        if not (mirror.feed_dir / FEED_FILE).is_file():
            return Report(tuple(problems), 0)
        local = check_show(mirror, measure, catalog_path=settings.catalog_path)
    # A file that could not be had is one problem (how it failed), not one more that it "does not exist".
    rest = [p for p in local.problems if not any(f"{name} does not exist" in p.what for name in failed)]
    return Report((*problems, *rest), local.episodes)


def http_get(url: str, byte_range: str | None = None, timeout_s: float = 30.0) -> tuple[int, Mapping[str, str], bytes]:
    """Status, headers and body of a GET; OSError (or http.client's) when the server cannot be had."""
    headers = {"User-Agent": USER_AGENT, **({"Range": byte_range} if byte_range else {})}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=timeout_s) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, b""


def _fetch_show(settings: Settings, mirror: Settings, get: Get) -> tuple[list[Problem], set[str]]:
    """Download the deployed feed and its files into `mirror`'s folder; the problems met and the names
    of the files that could not be had whole."""
    url = feed_url(settings)
    body, problem = _fetch(get, url, f"deploy the show (`reelcast deploy DEST`) and check that base_url "
                           f"{settings.show.base_url} is where it is served")
    if problem:
        return [problem], set()
    feed_path = mirror.feed_dir / FEED_FILE
    feed_path.parent.mkdir(parents=True)
    feed_path.write_bytes(body)
    mirror.episodes_dir.mkdir()
    try:
        channel = etree.fromstring(body, etree.XMLParser(resolve_entities=False, no_network=True)).find("channel")
    except etree.XMLSyntaxError:
        return [], set()  # check_show says what is wrong with it
    # Files are fetched where the feed says and kept where check_show looks for them: under the base URL
    # the feed was built for (it reports a feed built for another than base_url once, on its own).
    self_link = channel.find("atom:link[@rel='self']", NS) if channel is not None else None
    built_for = self_link.get("href", "") if self_link is not None else ""
    if built_for.endswith(f"/feed/{FEED_FILE}"):
        mirror = dataclasses.replace(mirror, show=dataclasses.replace(
            mirror.show, base_url=built_for[: -len(f"feed/{FEED_FILE}")]))
    problems: list[Problem] = []
    failed: set[str] = set()
    for file_url, length in _named_files(channel):
        path = local_file(mirror, file_url, "episodes") or local_file(mirror, file_url, "feed")
        if path is None:
            continue  # check_show reports a URL outside base_url
        data, problem = _fetch(get, file_url, _DEPLOY)
        if problem is None and length is not None and len(data) != length:
            problem = Problem(file_url, f"serves {len(data)} bytes but the feed's enclosure length is {length}",
                              _DEPLOY)
        if problem is None and length is not None:
            problem = _check_serving(get, file_url, data)
        if problem:
            problems.append(problem)
            failed.add(path.name)
            continue
        path.write_bytes(data)
    page = urljoin(settings.show.base_url, f"feed/{PAGE_FILE}")
    _, problem = _fetch(get, page, _DEPLOY)
    return problems + ([problem] if problem else []), failed


def _named_files(channel: etree._Element | None) -> Iterator[tuple[str, int | None]]:
    """Every file URL the feed names; enclosures with the length the feed gives them."""
    if channel is None:
        return
    for item in channel.findall("item"):
        for enclosure in item.findall("enclosure"):
            length = enclosure.get("length", "")
            yield enclosure.get("url", ""), int(length) if length.isdigit() else None
        for element in (*item.findall("podcast:chapters", NS), *item.findall("podcast:transcript", NS)):
            yield element.get("url", ""), None
    image = channel.find("itunes:image", NS)
    if image is not None:
        yield image.get("href", ""), None


def _fetch(get: Get, url: str, fix: str) -> tuple[bytes, Problem | None]:
    try:
        status, _, body = get(url, None)
    except (OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        return b"", Problem(url, f"cannot be fetched ({reason})", fix)
    if status != 200:
        return b"", Problem(url, f"answers HTTP {status}, not 200", fix)
    return body, None


def _check_serving(get: Get, url: str, data: bytes) -> Problem | None:
    """The audio as players need it served: seekable by byte ranges, with an audio content type."""
    first, last = _RANGE
    try:
        status, headers, body = get(url, f"bytes={first}-{last}")
    except (OSError, http.client.HTTPException) as exc:
        return Problem(url, f"a byte range cannot be fetched ({exc})", _DEPLOY)
    host_fix = "serve the show from a host that answers byte ranges (static hosts and S3 do)"
    if status != 206 or body != data[first:last + 1]:
        return Problem(url, f"answers a byte range with HTTP {status}, not 206 and those bytes: players "
                       "cannot seek", host_fix)
    kind = headers.get("Content-Type", "")
    if not kind.startswith("audio/"):
        return Problem(url, f"is served as {kind or 'no content type'}, not audio/mpeg",
                       "have the host serve .mp3 as audio/mpeg (reelcast deploy sets it on S3)")
    return None
