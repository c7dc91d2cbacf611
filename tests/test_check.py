"""`reelcast check`: silent on the example episode, and a problem with a fix for each kind of breakage."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from mutagen.id3 import ID3
from mutagen.mp3 import MP3
from PIL import Image

from reelcast.catalog import Catalog
from reelcast.check import Report, check_show, identity_warnings, local_file
from reelcast.config import Settings, load_settings
from reelcast.ffmpeg import Loudness, measure_loudness

from .conftest import PublishedShow, copy_show, run_reelcast

pytestmark = pytest.mark.slow


def on_target(_mp3: Path) -> Loudness:
    """Loudness as published, without metering again: the breakages below are not about loudness."""
    return Loudness(-16.0, -1.6, 4.0)


@pytest.fixture
def broken(published_show: PublishedShow, tmp_path: Path) -> PublishedShow:
    """A copy of the published show, to break."""
    return copy_show(published_show, tmp_path)


def check(show: PublishedShow, measure=on_target, **show_settings: str) -> Report:  # noqa: ANN001
    return check_show(load_settings(show.root, {"show": show_settings}), measure)


def published_review(show: PublishedShow) -> str:
    """The page the catalog names as the episode's source: local pages are kept by absolute path, and
    `broken` is a copy, so this is the original show's page."""
    with Catalog.open(load_settings(show.root).catalog_path) as catalog:
        (episode,) = catalog.episodes()
    return episode.source


def whats(report: Report) -> str:
    return "\n".join(str(p) for p in report.problems)


def edit_feed(show: PublishedShow, change) -> None:  # noqa: ANN001
    path = show.root / "feed" / "feed.xml"
    tree = etree.parse(str(path))
    change(tree.getroot().find("channel"))
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


def test_the_example_episode_has_no_problems(published_show: PublishedShow) -> None:
    done = run_reelcast(published_show.root, "check")
    assert done.returncode == 0, done.stdout
    lines = done.stdout.strip().splitlines()
    assert lines[-1] == "no problems: the feed and 1 episode(s) checked"
    # the defaults are fine to listen here, and said to be unfinished for a show others subscribe to
    warnings = [line for line in lines if line.startswith("warning: ")]
    assert len(warnings) == 2, done.stdout
    assert "[show] owner_email is a placeholder (podcast@example.com)" in warnings[0]
    assert f"[show] base_url {published_show.base_url} is this machine" in warnings[1]


def test_a_show_with_a_real_owner_and_a_public_address_gets_no_warning(published_show: PublishedShow) -> None:
    done = run_reelcast(published_show.root, "check", "--json")
    assert len(json.loads(done.stdout)["warnings"]) == 2
    settings = load_settings(published_show.root, {"show": {"base_url": "https://films.example.org/",
                                                            "owner_email": "sam@reelrundown.com"}})
    assert list(identity_warnings(settings)) == []


def test_an_enclosure_length_that_is_not_the_file_is_found(broken: PublishedShow) -> None:
    with broken.mp3.open("ab") as mp3:
        mp3.write(b"\0" * 1000)
    report = check(broken)
    assert "enclosure length is" in whats(report)
    assert f"fix: republish it: `reelcast publish {published_review(broken)}`" in whats(report)


def test_a_wrong_duration_is_found(broken: PublishedShow) -> None:
    ns = {"itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
    edit_feed(broken, lambda channel: setattr(channel.find("item/itunes:duration", ns), "text", "10"))
    assert "itunes:duration says 10 s but the MP3 lasts" in whats(check(broken))


def test_loudness_and_true_peak_are_checked(broken: PublishedShow) -> None:
    text = whats(check(broken, measure=lambda _mp3: Loudness(-23.0, 0.2, 4.0)))
    assert "is at -23.0 LUFS, not -16" in text and "peaks at 0.2 dBTP, above -1" in text
    assert "to master it again" in text


def test_a_cut_off_mp3_is_found_by_decoding_it(broken: PublishedShow) -> None:
    # The encoder's header (Xing) still says the whole length; only decoding shows the audio is half there.
    data = broken.mp3.read_bytes()
    header_s = MP3(broken.mp3).info.length
    broken.mp3.write_bytes(data[: len(data) // 2])
    assert abs(MP3(broken.mp3).info.length - header_s) < 1  # what a header-only check would trust
    text = whats(check(broken, measure=measure_loudness))
    assert "s: the file is cut off" in text, text
    decoded = measure_loudness(broken.mp3).decoded_s
    assert decoded is not None and abs(decoded - header_s / 2) < 5, (decoded, header_s)


def test_the_whole_file_decodes_to_its_header_length(published_show: PublishedShow) -> None:
    decoded = measure_loudness(published_show.mp3).decoded_s
    assert decoded is not None and abs(decoded - MP3(published_show.mp3).info.length) < 0.5


def test_missing_and_broken_side_files_are_found(broken: PublishedShow) -> None:
    slug = broken.mp3.stem
    (broken.root / "episodes" / f"{slug}.vtt").unlink()
    (broken.root / "episodes" / f"{slug}.chapters.json").write_text("{", encoding="utf-8")
    (broken.root / "episodes" / f"{slug}.srt").write_text("1\nnonsense\n", encoding="utf-8")
    text = whats(check(broken))
    assert f"episodes/{slug}.vtt does not exist" in text
    assert "the chapters file is not JSON" in text
    assert "the application/x-subrip transcript cue 1 has no valid timing line" in text


def test_id3_chapters_must_match_the_chapters_file(broken: PublishedShow) -> None:
    tags = ID3(broken.mp3)
    tags.delall("CHAP")
    tags.save(broken.mp3)
    edit_size = broken.mp3.stat().st_size
    edit_feed(broken, lambda channel: channel.find("item/enclosure").set("length", str(edit_size)))
    assert "ID3 chapters but the chapters file has" in whats(check(broken))


def test_a_small_cover_is_found(broken: PublishedShow) -> None:
    Image.new("RGB", (600, 600)).save(broken.root / "feed" / "cover.png")
    text = whats(check(broken))
    assert "the cover is 600x600" in text and "fix: give [show] image a square JPEG or PNG" in text


def test_duplicate_guids_are_found(broken: PublishedShow) -> None:
    def duplicate(channel: etree._Element) -> None:
        item = channel.find("item")
        copy = etree.fromstring(etree.tostring(item))
        copy.find("title").text = "A copy"
        channel.append(copy)

    edit_feed(broken, duplicate)
    report = check(broken)
    assert "two episodes share the guid" in whats(report)
    assert report.episodes == 2


def test_missing_required_tags_are_found(broken: PublishedShow) -> None:
    def strip(channel: etree._Element) -> None:
        for path in ("{http://www.itunes.com/dtds/podcast-1.0.dtd}author", "item/pubDate", "item/enclosure"):
            node = channel.find(path)
            node.getparent().remove(node)

    edit_feed(broken, strip)
    text = whats(check(broken))
    assert "the show has no itunes:author" in text
    assert "is not an RFC 2822 date" in text
    assert "has no enclosure" in text


def test_a_feed_built_for_another_base_url_is_one_problem(broken: PublishedShow) -> None:
    report = check(broken, base_url="http://192.0.2.7:8000/")
    (problem,) = report.problems  # not one more for the cover, the enclosure and each side file
    assert problem.what == f"the feed was built for base URL {broken.base_url}, but base_url is http://192.0.2.7:8000/"
    assert problem.fix.startswith("set base_url in [show] of reelcast.toml (or pass --base-url to `reelcast feed`")


def test_after_feed_with_a_base_url_the_fix_does_not_undo_it(broken: PublishedShow) -> None:
    done = run_reelcast(broken.root, "feed", "--base-url", "http://192.0.2.7:8000/")
    assert done.returncode == 0, done.stderr
    done = run_reelcast(broken.root, "check")
    assert done.returncode == 1
    assert "fix: set base_url in [show] of reelcast.toml" in done.stdout
    assert "run `reelcast feed` to rewrite" not in done.stdout  # that would rebuild for the old address
    assert done.stdout.rstrip().endswith("1 problem in 1 episode(s) and the feed")
    assert run_reelcast(broken.root, "check", "--base-url", "http://192.0.2.7:8000/").returncode == 0


def test_a_bad_language_is_reported_once(broken: PublishedShow) -> None:
    report = check(broken, language="english")
    assert [p.where for p in report.problems] == ["reelcast.toml"]
    assert "language = 'english' is not a language code" in report.problems[0].what


def test_a_feed_in_another_language_than_the_settings_is_out_of_date(broken: PublishedShow) -> None:
    (problem,) = check(broken, language="fr").problems
    assert problem.what == "the feed's language is 'en', but [show] language is 'fr'"
    assert problem.fix.startswith("run `reelcast feed`")


def test_no_feed_at_all(tmp_path: Path) -> None:
    report = check_show(load_settings(tmp_path), on_target)
    assert [p.what for p in report.problems] == ["does not exist"]
    assert "reelcast publish PAGE" in report.problems[0].fix


def test_the_cli_exits_non_zero_and_prints_each_fix(broken: PublishedShow) -> None:
    (broken.root / "episodes" / f"{broken.mp3.stem}.srt").unlink()
    done = run_reelcast(broken.root, "check")
    assert done.returncode == 1
    assert f"does not exist\n  fix: republish it: `reelcast publish {published_review(broken)}`" in done.stdout
    assert done.stdout.rstrip().endswith("1 problem in 1 episode(s) and the feed")


def test_local_file_maps_only_our_urls(show: Settings) -> None:
    ours = "http://127.0.0.1:8000/episodes/a%20b.mp3"
    assert local_file(show, ours, "episodes") == show.root / "episodes" / "a b.mp3"
    for url in ("http://example.com/episodes/a.mp3", "http://127.0.0.1:8000/episodes/../reelcast.db",
                "http://127.0.0.1:8000/episodes/%2e%2e%2freelcast.db", "http://127.0.0.1:8000/feed/a.mp3"):
        assert local_file(show, url, "episodes") is None
