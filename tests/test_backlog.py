"""A backlog from a small review site served on 127.0.0.1 over real HTTP: its RSS feed, its sitemap
index, a page that 404s and a page that is not a review."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from reelcast import cli, pipeline
from reelcast.backlog import Candidate, Status, choose, from_feed, from_lines, from_sitemap, normalized
from reelcast.catalog import Catalog
from reelcast.config import load_settings
from reelcast.errors import FetchError
from reelcast.models import RawPage
from reelcast.publish import commit as commit_module

from .conftest import ToneEngine, run_reelcast

REVIEWS = {  # name: (title, date)
    "heat": ("Heat (1995): A Review", "2024-03-01"),
    "ran": ("Ran (1985): A Review", "2024-04-01"),
    "alien": ("Alien (1979): A Review", "2024-05-01"),
}


def review_html(base: str, name: str, title: str) -> str:
    sentence = f"{title.split(':')[0]} holds its nerve to the last frame. " * 3
    body = "".join(f"<p>Paragraph {n} on {name}. {sentence}</p>" for n in range(3))
    return (f"<html lang='en'><head><title>{title}</title><link rel='canonical' href='{base}reviews/{name}.html'>"
            f"</head><body><nav><a href='/'>Home</a></nav><article><h1>{title}</h1>{body}</article></body></html>")


@dataclass(frozen=True, slots=True)
class Site:
    base: str
    root: Path

    def url(self, path: str) -> str:
        return self.base + path


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    (root / "reviews").mkdir()
    for name, (title, _date) in REVIEWS.items():
        (root / "reviews" / f"{name}.html").write_text(review_html(base, name, title), encoding="utf-8")
    (root / "about.html").write_text("<html><head><title>About us</title></head><body><nav><a href='/a'>A</a> "
                                     "<a href='/b'>B</a></nav></body></html>", encoding="utf-8")
    items = "".join(f"<item><title>{title}</title><link>{base}reviews/{name}.html</link>"
                    f"<pubDate>{datetime.fromisoformat(date):%a, %d %b %Y} 12:00:00 +0000</pubDate></item>"
                    for name, (title, date) in REVIEWS.items())
    (root / "feed.xml").write_text(f'<?xml version="1.0"?><rss version="2.0"><channel><title>Reviews</title>'
                                   f"<link>{base}</link><description>d</description>{items}</channel></rss>",
                                   encoding="utf-8")
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    urls = "".join(f"<url><loc>{base}reviews/{name}.html</loc><lastmod>{date}</lastmod></url>"
                   for name, (_t, date) in REVIEWS.items())
    urls += f"<url><loc>{base}reviews/gone.html</loc></url>"  # listed, but 404s
    (root / "sitemap-reviews.xml").write_text(f"<urlset {ns}>{urls}</urlset>", encoding="utf-8")
    (root / "sitemap-pages.xml").write_text(f"<urlset {ns}><url><loc>{base}about.html</loc></url></urlset>",
                                            encoding="utf-8")
    (root / "sitemap.xml").write_text(f"<sitemapindex {ns}><sitemap><loc>{base}sitemap-reviews.xml</loc></sitemap>"
                                      f"<sitemap><loc>{base}sitemap-pages.xml</loc></sitemap></sitemapindex>",
                                      encoding="utf-8")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Site(base, root)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def engine(monkeypatch: pytest.MonkeyPatch) -> ToneEngine:
    """The CLI in this process, speaking with the tone engine (what is said is not the point here)."""
    tone = ToneEngine()
    publish_many = pipeline.publish_many  # the CLI imports it from the pipeline when it publishes
    monkeypatch.setattr(pipeline, "publish_many",
                        lambda pages, settings, **kw: publish_many(pages, settings, tone, **kw))
    return tone


@pytest.fixture
def feed_writes(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Each time the show's feed and page are written, whether they changed."""
    writes: list[bool] = []
    original = commit_module.write_show

    def counted(settings, rendered):  # noqa: ANN001, ANN202
        changed = original(settings, rendered)
        writes.append(changed)
        return changed

    monkeypatch.setattr(commit_module, "write_show", counted)
    return writes


def reelcast(root: Path, *args: str):  # noqa: ANN201
    return CliRunner().invoke(cli.main, ["--root", str(root), *args], catch_exceptions=False)


def feed_links(root: Path) -> list[str]:
    return [item.findtext("link") for item in etree.parse(str(root / "feed" / "feed.xml")).iter("item")]


def test_a_sitemap_index_backlog_publishes_the_reviews_and_reports_the_rest(
        site: Site, tmp_path: Path, engine: ToneEngine, feed_writes: list[bool]) -> None:
    result = reelcast(tmp_path, "publish", "--from-sitemap", site.url("sitemap.xml"), "--match", r"/reviews/")
    assert result.exit_code == 1  # the page that 404s failed
    errors = [line for line in result.stderr.splitlines() if line.startswith("reelcast: error:")]
    assert len(errors) == 1 and "gone.html answered HTTP 404" in errors[0]
    assert "summary: 3 published, 0 unchanged, 1 skipped, 1 failed" in result.stdout
    assert f"  skipped   {site.url('about.html')}: does not match --match" in result.stdout
    assert f"  failed    {site.url('reviews/gone.html')}: " in result.stdout
    assert sorted(feed_links(tmp_path)) == sorted(site.url(f"reviews/{n}.html") for n in REVIEWS)
    assert feed_writes.count(True) == 1  # the feed was rewritten once, at the end of the batch

    # again, from the site's feed: everything it lists is published already, so nothing is fetched or said
    engine.texts.clear()
    again = reelcast(tmp_path, "publish", "--from-feed", site.url("feed.xml"), "--json")
    assert again.exit_code == 0, again.output
    summary = json.loads(again.stdout)
    assert [e["page"] for e in summary["unchanged"]] == [site.url(f"reviews/{n}.html") for n in REVIEWS]
    assert summary["published"] == summary["failed"] == [] and engine.texts == []


def test_a_page_that_is_not_a_review_fails_alone(site: Site, tmp_path: Path, engine: ToneEngine) -> None:
    listing = tmp_path / "pages.txt"
    listing.write_text(f"# to publish\n{site.url('about.html')}\n\n{site.url('reviews/heat.html')}\n", encoding="utf-8")
    result = reelcast(tmp_path / "show", "publish", "--from", str(listing), "--json")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    (failed,) = summary["failed"]
    assert failed["page"] == site.url("about.html") and "no article" in failed["reason"]
    (published,) = summary["published"]
    assert published["episode"]["link"] == site.url("reviews/heat.html")
    assert feed_links(tmp_path / "show") == [site.url("reviews/heat.html")]


def test_since_and_limit_choose_from_the_feed(site: Site, tmp_path: Path, engine: ToneEngine) -> None:
    result = reelcast(tmp_path, "publish", "--from-feed", site.url("feed.xml"), "--since", "2024-03-15",
                      "--limit", "1", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [e["page"] for e in summary["published"]] == [site.url("reviews/ran.html")]
    assert {e["page"]: e["reason"] for e in summary["skipped"]} == {
        site.url("reviews/heat.html"): "dated 2024-03-01, before --since",
        site.url("reviews/alien.html"): "beyond --limit 1",
    }


def test_a_review_known_by_its_canonical_url_is_not_spoken_again(site: Site, tmp_path: Path,
                                                                 engine: ToneEngine) -> None:
    assert reelcast(tmp_path, "publish", "--from-feed", site.url("feed.xml"), "--limit", "1").exit_code == 0
    engine.texts.clear()
    # the same review under another address (a tracking parameter): its page names the canonical URL
    other = site.url("reviews/heat.html?utm_source=newsletter")
    result = reelcast(tmp_path, "publish", "--from", str(_lines(tmp_path, other)), "--json")
    assert result.exit_code == 0, result.output
    (unchanged,) = json.loads(result.stdout)["unchanged"]
    assert unchanged["page"] == other and unchanged["reason"] == "already published"
    assert engine.texts == []


def _lines(folder: Path, *lines: str) -> Path:
    path = folder / "list.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_backlog_with_the_real_engine_end_to_end(site: Site, tmp_path: Path) -> None:
    (tmp_path / "reelcast.toml").write_text("[speech]\nworkers = 2\n", encoding="utf-8")
    done = run_reelcast(tmp_path, "publish", "--from-feed", site.url("feed.xml"), "--limit", "1")
    assert done.returncode == 0, done.stderr
    assert "summary: 1 published, 0 unchanged, 2 skipped, 0 failed" in done.stdout
    assert "[1/1] reading" not in done.stderr and f"reading {site.url('reviews/heat.html')}" in done.stderr
    check = run_reelcast(tmp_path, "check")
    assert check.returncode == 0, check.stdout


# The listings, parsed -------------------------------------------------------------------------------


def test_lines_skip_blanks_and_comments() -> None:
    assert from_lines("a.html\n\n  # not this\n https://x.test/r \n") == [Candidate("a.html"), Candidate("https://x.test/r")]


def test_an_atom_feed_gives_its_entries_links_and_dates() -> None:
    atom = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><entry><title>A</title>'
            b'<link href="/reviews/a"/><updated>2024-02-03T04:05:06Z</updated></entry></feed>')
    (candidate,) = from_feed(RawPage("feed", atom, url="https://critic.test/feed.atom"))
    assert candidate == Candidate("https://critic.test/reviews/a", datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC))


def test_a_page_that_is_no_feed_or_sitemap_is_one_error() -> None:
    with pytest.raises(FetchError, match="not a feed with entries"):
        from_feed(RawPage("x.html", b"<html><body>hello</body></html>"))
    with pytest.raises(FetchError, match="is not a sitemap"):
        from_sitemap(RawPage("x.xml", b"<rss/>"), lambda url: pytest.fail(url))


def test_choose_matches_the_catalog_by_normalized_address() -> None:
    known = {normalized("https://Critic.test/reviews/a/")}
    todo, left = choose([Candidate("https://critic.test/reviews/a#top"), Candidate("https://critic.test/reviews/b"),
                         Candidate("https://critic.test/reviews/b")], known)
    assert todo == ["https://critic.test/reviews/b"]  # once, though listed twice
    assert [(o.page, o.status) for o in left] == [("https://critic.test/reviews/a#top", Status.UNCHANGED)]


def test_the_catalog_knows_what_a_backlog_published(site: Site, tmp_path: Path, engine: ToneEngine) -> None:
    assert reelcast(tmp_path, "publish", "--from-feed", site.url("feed.xml"), "--limit", "2").exit_code == 0
    with Catalog.open(load_settings(tmp_path).catalog_path) as catalog:
        assert {e.link for e in catalog.episodes()} == {site.url("reviews/heat.html"), site.url("reviews/ran.html")}
