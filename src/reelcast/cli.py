"""The command line: click wiring over the pipeline. The only place errors become messages."""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import gc
import json
import logging
import re
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

# Only what every command needs is imported here. The pipeline and what it brings (numpy, Pillow,
# feedgen, jinja2, mutagen, the extractors) load inside the commands that use them: a publish
# starts extracting its page in a child process first (reading.read_ahead), and loads them while
# that runs, on the other core.
from reelcast import __version__, backlog
from reelcast.cache import SpeechCache
from reelcast.config import CONFIG_NAME, Settings, load_settings
from reelcast.errors import ConfigError, ReelcastError, ServeError
from reelcast.fetch import read_listing
from reelcast.models import Episode, ProgressEvent
from reelcast.progress import PlainReport, RichReport, reporter
from reelcast.reading import PageReading, read_ahead, read_article
from reelcast.speech import engine_names, make_engine

log = logging.getLogger("reelcast")


class UserError(click.ClickException):
    """A ReelcastError as the user sees it: one line, in reelcast's words."""

    def show(self, file=None) -> None:  # noqa: ANN001 - click's signature
        click.echo(f"reelcast: error: {self.format_message()}", err=True)


def _reported(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn every ReelcastError into one line on stderr and exit status 1; never a traceback."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ReelcastError as exc:
            log.debug("details", exc_info=True)
            raise UserError(str(exc)) from None
        except OSError as exc:
            # The last net for a file error no stage translated with its context: still one line.
            log.debug("details", exc_info=True)
            raise UserError(os_error_line(exc)) from None
        except KeyboardInterrupt:
            click.echo("reelcast: interrupted", err=True)
            sys.exit(130)

    return run


_OS_ERROR_HINTS = {
    errno.ENOSPC: "make room on the disk, then run the command again",
    errno.EDQUOT: "make room on the disk, then run the command again",
    errno.EROFS: "make the folder writable, then run the command again",
    errno.EACCES: "check the permissions of the folder, then run the command again",
    errno.EPERM: "check the permissions of the folder, then run the command again",
}


def os_error_line(exc: OSError) -> str:
    """An OSError as one line: what failed, on which file, and what to do."""
    name = f" ({exc.filename})" if exc.filename else ""
    hint = _OS_ERROR_HINTS.get(exc.errno or 0, "run the command again with -vv for details")
    return f"{exc.strerror or exc}{name}; {hint}"


class _Commands(click.Group):
    """reelcast's commands; `--root DIR` may also come after the command (`reelcast publish --root X PAGE`)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, root_first(args))


def root_first(args: list[str]) -> list[str]:
    """`args` with every `--root DIR` or `--root=DIR` before `--` moved to the front, where the group reads it."""
    moved, rest, n = [], [], 0
    while n < len(args):
        arg = args[n]
        if arg == "--":
            rest += args[n:]
            break
        if arg == "--root" and n + 1 < len(args):
            moved += args[n : n + 2]
            n += 2
            continue
        (moved if arg.startswith("--root=") else rest).append(arg)
        n += 1
    return moved + rest


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="reelcast")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="The show folder: reelcast.toml, episodes/, feed/ and the catalog live here.")
@click.option("-v", "--verbose", count=True, help="Say more (-vv for debugging).")
@click.pass_context
def main(ctx: click.Context, root: Path, verbose: int) -> None:
    """Turn written film reviews into a narrated podcast episode and feed."""
    level = logging.WARNING - 10 * min(verbose, 2)
    # reelcast's own loggers say more; the libraries' stay at warnings (pyttsx3 logs every voice
    # change at debug level on the root logger: hundreds of lines for one episode)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    log.setLevel(level)
    # trafilatura warns about every page it finds nothing in ("discarding data: None"): reelcast
    # reports that itself, in one line, so its warnings show only with -vv.
    logging.getLogger("trafilatura").setLevel(logging.WARNING if verbose >= 2 else logging.ERROR)
    ctx.obj = root


def _settings(ctx: click.Context, **overrides: dict[str, Any]) -> Settings:
    return load_settings(ctx.obj, overrides)


@main.command("publish")
@click.argument("pages", nargs=-1)
@click.option("--from", "from_file", type=click.Path(dir_okay=False, path_type=Path),
              help="A text file of pages to publish: one URL or path a line.")
@click.option("--from-feed", metavar="URL", help="The site's RSS or Atom feed: publish the reviews it lists.")
@click.option("--from-sitemap", metavar="URL", help="The site's sitemap or sitemap index: publish the pages it lists.")
@click.option("--match", metavar="PATTERN", help="Only addresses this regular expression finds something in.")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), metavar="YYYY-MM-DD",
              help="Only pages the feed or sitemap dates on or after this day.")
@click.option("--limit", type=click.IntRange(min=1), help="Publish at most this many new pages.")
@click.option("--engine", type=click.Choice(engine_names()), help="Speech engine.")
@click.option("--voice", help="Voice id (see 'reelcast voices').")
@click.option("--rate", type=int, help="Speaking rate in words per minute.")
@click.option("--workers", type=int, help="Synthesis processes (0: one per core).")
@click.option("--bitrate", type=int, help="MP3 bitrate in kbps.")
@click.option("--base-url", help="Where listeners fetch the files from, e.g. http://192.168.1.20:8000/")
@click.option("--json", "as_json", is_flag=True, help="Print what became of each page as JSON.")
@click.option("--force", is_flag=True, help="Speak and encode everything again, cached or not.")
@click.option("--scheduler", metavar="ADDRESS", help="Speak on a Dask cluster: its scheduler, e.g. tcp://HOST:8786.")
@click.pass_context
@_reported
def publish_command(ctx: click.Context, pages: tuple[str, ...], from_file: Path | None, from_feed: str | None,
                    from_sitemap: str | None, match: str | None, since: datetime | None, limit: int | None,
                    engine: str | None, voice: str | None, rate: int | None, workers: int | None,
                    bitrate: int | None, base_url: str | None, as_json: bool, force: bool,
                    scheduler: str | None) -> None:
    """Publish review PAGES (files, http(s) URLs, or - for stdin) as episodes, and rewrite the feed.

    With --from, --from-feed or --from-sitemap, publish a backlog: the pages listed there (and any
    PAGES) that are not published yet; the rest are left alone.
    """
    settings = _settings(
        ctx,
        speech={"engine": engine, "voice": voice, "rate": rate, "workers": workers},
        audio={"bitrate_kbps": bitrate},
        show={"base_url": base_url},
    )
    backlog_mode = bool(from_file or from_feed or from_sitemap)
    if not pages and not backlog_mode:
        raise click.UsageError("give the PAGES to publish, or a backlog with --from, --from-feed or --from-sitemap")
    if (match or since or limit) and not backlog_mode:
        raise click.UsageError("--match, --since and --limit choose from a backlog: add --from, --from-feed or "
                               "--from-sitemap")
    if match:
        try:
            re.compile(match)
        except re.error as exc:
            raise click.BadParameter(f"{match!r} is not a regular expression ({exc})", param_hint="--match") from None
    left: list[backlog.Outcome] = []
    if backlog_mode:
        from reelcast.pipeline import list_episodes
        from reelcast.publish.show import is_published

        candidates = [backlog.Candidate(page) for page in pages] + _listed(from_file, from_feed, from_sitemap)
        known = backlog.known_addresses(list_episodes(settings)) if is_published(settings) else set()
        todo, left = backlog.choose(candidates, known, match=match, since=since and since.replace(tzinfo=UTC),
                                    limit=limit)
    else:
        todo = list(pages)
    with read_ahead(todo[0]) if todo else contextlib.nullcontext() as first:
        outcomes = _publish_all(settings, todo, first, backlog_mode=backlog_mode, force=force, scheduler=scheduler,
                                as_json=as_json)
    _report_outcomes(settings, [*outcomes, *left], backlog_mode=backlog_mode, as_json=as_json)


def _publish_all(settings: Settings, todo: list[str], first: PageReading | None, *, backlog_mode: bool, force: bool,
                 scheduler: str | None, as_json: bool) -> list[backlog.Outcome]:
    """Publish `todo` (its first page already being read), reporting each page as it ends."""
    from reelcast.pipeline import publish_many
    from reelcast.speech.runner import speakers

    gc.freeze()  # what those imports made lives as long as the process, as at its start (see __main__)
    current = {"page": ""}
    with speakers(settings.speech, scheduler) as executor, reporter(len(todo)) as report:
        def progress_for(index: int, page: str) -> Callable[[ProgressEvent], None]:
            current["page"] = page
            return report.for_page(index, page)

        def finished(outcome: backlog.Outcome) -> None:
            report.finished(outcome)
            if outcome.status is backlog.Status.FAILED:
                UserError(outcome.reason).show()
            elif not as_json:
                click.echo(_outcome_line(settings, outcome))

        try:
            return publish_many(todo, settings, only_new=backlog_mode, force=force, executor=executor,
                                ask_title=_title_prompt(report) if sys.stdin.isatty() else None,
                                progress_for=progress_for, on_outcome=finished, first=first)
        except KeyboardInterrupt:
            # pages before this one are published (and were reported); this one left nothing behind
            click.echo(f"reelcast: interrupted while publishing {current['page']}; it was not published", err=True)
            sys.exit(130)


def _report_outcomes(settings: Settings, outcomes: list[backlog.Outcome], *, backlog_mode: bool,
                     as_json: bool) -> None:
    from reelcast.publish.feed import FEED_FILE
    from reelcast.publish.show import is_published

    if as_json:
        click.echo(json.dumps(_summary_json(settings, outcomes), ensure_ascii=False, indent=2))
    elif backlog_mode or len(outcomes) > 1:
        click.echo(_summary_text(outcomes))
    if not as_json and any(o.status is not backlog.Status.FAILED for o in outcomes) and is_published(settings):
        click.echo(f"feed: {settings.feed_dir / FEED_FILE}")
    if any(o.status is backlog.Status.FAILED for o in outcomes):
        raise click.exceptions.Exit(1)


def _title_prompt(report: PlainReport | RichReport) -> Callable[[str], str]:
    """Ask once, on the terminal, what the show is called (the first publish of a show without a
    [show] title). Only where someone can answer: CI and pipes have no terminal and are never asked."""
    answers: list[str] = []

    def ask(suggested: str) -> str:
        if not answers:
            with report.paused():
                answers.append(click.prompt("reelcast: this show has no [show] title yet; what should podcast "
                                            "apps call it?", default=suggested, err=True))
                click.echo(f"reelcast: kept as [show] title in {CONFIG_NAME}; change it there any time", err=True)
        return answers[0]

    return ask


def _listed(from_file: Path | None, from_feed: str | None, from_sitemap: str | None) -> list[backlog.Candidate]:
    candidates = []
    if from_file:
        candidates += backlog.from_lines(backlog.read_lines(from_file))
    if from_feed:
        candidates += backlog.from_feed(read_listing(from_feed))
    if from_sitemap:
        candidates += backlog.from_sitemap(read_listing(from_sitemap), read_listing)
    return candidates


def _outcome_line(settings: Settings, outcome: backlog.Outcome) -> str:
    episode = outcome.episode
    if outcome.status is backlog.Status.PUBLISHED and episode:
        minutes, seconds = divmod(round(episode.duration_ms / 1000), 60)
        return (f"published {settings.episodes_dir / episode.audio_file} ({minutes}:{seconds:02d}, "
                f"{episode.size_bytes / 1e6:.1f} MB): {episode.title}")
    return f"{outcome.status} {outcome.page}: {outcome.reason}" + (f" ({episode.title})" if episode else "")


def _summary_text(outcomes: list[backlog.Outcome]) -> str:
    counts = ", ".join(f"{sum(o.status is s for o in outcomes)} {s}" for s in backlog.Status)
    lines = [f"summary: {counts}"]
    for status in backlog.Status:
        for outcome in (o for o in outcomes if o.status is status):
            what = outcome.episode.title if status is backlog.Status.PUBLISHED and outcome.episode else outcome.reason
            lines.append(f"  {status:<9} {outcome.page}: {what}")
    return "\n".join(lines)


def _summary_json(settings: Settings, outcomes: list[backlog.Outcome]) -> dict[str, Any]:
    from reelcast.publish.feed import FEED_FILE

    summary: dict[str, Any] = {str(s): [] for s in backlog.Status}
    for outcome in outcomes:
        entry: dict[str, Any] = {"page": outcome.page}
        if outcome.reason:
            entry["reason"] = outcome.reason
        if outcome.episode:
            entry["episode"] = _episode_json(settings, outcome.episode)
        summary[str(outcome.status)].append(entry)
    summary["feed"] = str(settings.feed_dir / FEED_FILE)
    return summary


def _episode_json(settings: Settings, episode: Episode) -> dict[str, Any]:
    return {
        "guid": episode.guid,
        "slug": episode.slug,
        "title": episode.title,
        "published": episode.published.isoformat(),
        "duration_s": round(episode.duration_ms / 1000, 3),
        "size_bytes": episode.size_bytes,
        "source": episode.source,
        "link": episode.link,
        "audio": str(settings.episodes_dir / episode.audio_file),
    }


@main.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the episodes as JSON.")
@click.pass_context
@_reported
def list_command(ctx: click.Context, as_json: bool) -> None:
    """List the published episodes, newest first: GUID, date, duration, size, slug, title and source."""
    from reelcast.pipeline import list_episodes

    settings = _settings(ctx)
    episodes = list_episodes(settings)
    if as_json:
        click.echo(json.dumps([_episode_json(settings, e) for e in episodes], ensure_ascii=False, indent=2))
        return
    for e in episodes:
        minutes, seconds = divmod(round(e.duration_ms / 1000), 60)
        click.echo(f"{e.guid}  {e.published:%Y-%m-%d}  {minutes:>3}:{seconds:02d}  {e.size_bytes / 1e6:5.1f} MB  "
                   f"{e.slug}\n    {e.title}\n    {e.source}")
    click.echo(f"{len(episodes)} episode{'s' if len(episodes) != 1 else ''}")


@main.command("remove")
@click.argument("episode")
@click.pass_context
@_reported
def remove_command(ctx: click.Context, episode: str) -> None:
    """Remove EPISODE (its GUID or slug, see 'reelcast list'): it leaves the feed and page, then its files go."""
    from reelcast.pipeline import remove_episode
    from reelcast.publish.feed import FEED_FILE

    settings = _settings(ctx)
    removed = remove_episode(settings, episode)
    click.echo(f"removed {removed.title} ({removed.guid}); feed: {settings.feed_dir / FEED_FILE}")


@main.command("extract")
@click.argument("page")
@click.option("--json", "as_json", is_flag=True, help="Print the article and its metadata as JSON.")
@_reported
def extract_command(page: str, as_json: bool) -> None:
    """Print the article of PAGE as extracted, before any speech clean-up."""
    from reelcast.extract import article_as_dict, article_as_text

    article = read_article(page)
    if as_json:
        click.echo(json.dumps(article_as_dict(article), ensure_ascii=False, indent=2))
    else:
        click.echo(article_as_text(article))


@main.command("preview")
@click.argument("page")
@click.option("--json", "as_json", is_flag=True, help="Print the sections, their language and voice as JSON.")
@click.pass_context
@_reported
def preview_command(ctx: click.Context, page: str, as_json: bool) -> None:
    """Print the sections of PAGE exactly as they will be narrated, without making audio."""
    from reelcast.pipeline import prepare_script, speech_for

    settings = _settings(ctx)
    script = prepare_script(read_article(page), settings)
    if as_json:
        speech = speech_for(script, settings)
        sections = [
            {"index": s.index, "kind": s.kind.value, "title": s.title, "language": script.language,
             "engine": speech.engine, "voice": speech.voice, "words": s.word_count,
             "paragraphs": [p.text for p in s.paragraphs]}
            for s in script.sections
        ]
        document = {"title": script.title, "language": script.language, "sections": sections}
        click.echo(json.dumps(document, ensure_ascii=False, indent=2))
        return
    for section in script.sections:
        click.echo(f"## {section.index}. {section.title} ({section.word_count} words)\n")
        for paragraph in section.paragraphs:
            click.echo(paragraph.text + "\n")


@main.command("feed")
@click.option("--base-url", help="Where listeners fetch the files from.")
@click.pass_context
@_reported
def feed_command(ctx: click.Context, base_url: str | None) -> None:
    """Rebuild feed/feed.xml from the published episodes."""
    from reelcast.pipeline import rebuild_feed

    click.echo(f"feed: {rebuild_feed(_settings(ctx, show={'base_url': base_url}))}")


@main.group("cache")
def cache_group() -> None:
    """The spoken paragraphs and encoded episodes kept under .cache/ so nothing unchanged is redone."""


@cache_group.command("clear")
@click.pass_context
@_reported
def cache_clear_command(ctx: click.Context) -> None:
    """Remove everything cached (the next publish speaks and encodes everything again)."""
    settings = _settings(ctx)
    freed = SpeechCache(settings.cache_dir, 0).clear()
    click.echo(f"cache: removed {freed / 1e6:.1f} MB from {settings.cache_dir}")


@main.command("voices")
@click.option("--engine", type=click.Choice(engine_names()), help="Speech engine.")
@click.option("--language", help="Only the voices for this language (fr, pt-BR ...); * marks the one chosen for it.")
@click.pass_context
@_reported
def voices_command(ctx: click.Context, engine: str | None, language: str | None) -> None:
    """List the voices the speech engine offers; * marks the one the show speaks with."""
    from reelcast.language import choose_voice, primary

    settings = _settings(ctx, speech={"engine": engine})
    speaker = make_engine(settings.speech)
    voices = speaker.voices()
    if language:
        code = primary(language)
        voices = [v for v in voices if any(primary(tag) == code for tag in v.languages)]
        speech = settings.speech
        current = choose_voice(speaker, speech.voice, speech.voices, language, settings.show.language)
        click.echo(f"engine: {speaker.name}, voice for {language}: {current}")
    else:
        current = speaker.voice_id()
        click.echo(f"engine: {speaker.name}, voice: {current}" + ("" if settings.speech.voice else " (the default)"))
    for voice in voices:
        languages = ",".join(voice.languages)
        mark = "*" if voice.id.lower() == current.lower() else " "  # eSpeak takes either case
        click.echo(f"{mark} {voice.id:<24} {voice.name:<28} {languages}")


@main.command("say")
@click.argument("text")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default="say.wav", show_default=True,
              help="Where to write the clip: a .wav or .mp3 file.")
@click.option("--engine", type=click.Choice(engine_names()), help="Speech engine.")
@click.option("--voice", help="Voice id (see 'reelcast voices').")
@click.option("--rate", type=int, help="Speaking rate in words per minute.")
@click.option("--language", help="The language TEXT is in (default: the show's), e.g. fr; picks the rules and voice.")
@click.pass_context
@_reported
def say_command(ctx: click.Context, text: str, out: Path, engine: str | None, voice: str | None,
                rate: int | None, language: str | None) -> None:
    """Speak TEXT as an episode would (speech-ready, with lexicon.toml) to check a pronunciation."""
    from reelcast.pipeline import load_lexicon
    from reelcast.speech.say import say

    settings = _settings(ctx, speech={"engine": engine, "voice": voice, "rate": rate})
    said = say(text, settings, out, load_lexicon(settings), language=language)
    click.echo(f"said: {said.text}")
    click.echo(f"wrote {said.path} ({said.duration_ms / 1000:.1f} s)")


@main.command("check")
@click.option("--base-url", help="The base URL the feed should have been built for.")
@click.option("--remote", is_flag=True, help="Check the show as served at base_url (after `reelcast deploy`).")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_context
@_reported
def check_command(ctx: click.Context, base_url: str | None, remote: bool, as_json: bool) -> None:
    """Lint the published feed and files: tags, lengths, durations, loudness, chapters, transcripts, artwork."""
    from reelcast.check import check_remote, check_show  # here: a publish should not pay for their imports

    settings = _settings(ctx, show={"base_url": base_url})
    report = check_remote(settings) if remote else check_show(settings)
    if as_json:
        click.echo(json.dumps({"ok": report.ok, "episodes": report.episodes,
                               "problems": [dataclasses.asdict(p) for p in report.problems],
                               "warnings": [dataclasses.asdict(p) for p in report.warnings]},
                              ensure_ascii=False, indent=2))
        if report.problems:
            raise click.exceptions.Exit(1)
        return
    for warning in report.warnings:
        click.echo(f"warning: {warning}")
    for problem in report.problems:
        click.echo(str(problem))
    if report.problems:
        count = len(report.problems)
        click.echo(f"{count} problem{'s' if count > 1 else ''} in {report.episodes} episode(s) and the feed")
        raise click.exceptions.Exit(1)
    click.echo(f"no problems: the feed and {report.episodes} episode(s) checked")


@main.command("deploy")
@click.argument("dest", required=False)
@click.option("--s3-endpoint", help="An S3-compatible store's address, e.g. https://s3.eu-central-003.backblazeb2.com")
@click.option("--sftp-key", help="The private key to log in with (default: ssh-agent and ~/.ssh).")
@click.pass_context
@_reported
def deploy_command(ctx: click.Context, dest: str | None, s3_endpoint: str | None, sftp_key: str | None) -> None:
    """Copy the show to DEST (a folder, sftp://user@host/path or s3://bucket/prefix); only what changed goes."""
    from reelcast.deploy import deploy, open_destination, show_files  # paramiko and s3fs load only when deploying
    from reelcast.publish.feed import feed_url

    settings = _settings(ctx, deploy={"s3_endpoint": s3_endpoint, "sftp_key": sftp_key})
    dest = dest or settings.deploy.dest
    if not dest:
        raise ConfigError("say where to deploy: `reelcast deploy DEST`, or dest in [deploy] of reelcast.toml")
    files = show_files(settings)  # before connecting: a show that cannot go, goes nowhere
    with open_destination(dest, settings) as destination:
        result = deploy(settings, destination, lambda action, path: click.echo(f"  {action} {path}", err=True),
                        files)
    click.echo(f"deployed to {destination.name}: {len(result.uploaded)} uploaded "
               f"({result.bytes_uploaded / 1e6:.1f} MB), {len(result.unchanged)} unchanged, "
               f"{len(result.deleted)} deleted\n  feed: {feed_url(settings)}")
    from reelcast.serve import is_loopback

    if is_loopback(urlsplit(settings.show.base_url).hostname or ""):
        click.echo(f"reelcast: warning: the feed sends apps to {settings.show.base_url}, which only this machine "
                   "can reach: set base_url in [show] of reelcast.toml to where DEST is served, then run "
                   "`reelcast feed` and deploy again", err=True)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 lets other devices (a phone) in, so it is opt-in.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--base-url", help="Rebuild the feed for this address first, e.g. http://192.168.1.20:8000/")
@click.pass_context
@_reported
def serve_command(ctx: click.Context, host: str, port: int, base_url: str | None) -> None:
    """Serve feed/ and episodes/ over HTTP, and the listening page at /, until Ctrl-C."""
    from reelcast.pipeline import rebuild_feed
    from reelcast.publish.feed import FEED_FILE, feed_url
    from reelcast.publish.show import is_published
    from reelcast.serve import address_warnings, bind, is_loopback, serve, url_for  # starlette: only here

    settings = _settings(ctx, show={"base_url": base_url})
    if not is_published(settings):
        raise ServeError(f"nothing is published in {settings.root.resolve()}; run `reelcast publish PAGE` first")
    sock = bind(host, port)  # before changing or saying anything: a bad host or a busy port is the only line
    if base_url:
        try:
            rebuild_feed(settings)
        except BaseException:
            sock.close()
            raise
    for warning in address_warnings(host, sock.getsockname()[1], settings.show.base_url):
        click.echo(f"reelcast: warning: {warning}", err=True)
    served = url_for(sock)
    if is_loopback(urlsplit(settings.show.base_url).hostname or "") and not base_url:
        # a feed for this machine only: say (and the page offers) where this server really answers
        page, feed, note = served, served + f"feed/{FEED_FILE}", ""
    else:
        page, feed = settings.show.base_url, feed_url(settings)
        note = "" if page == served else f"\n  (the show's address, from base_url; this server answers on {served})"
    click.echo(f"serving {settings.root.resolve()} on {served} (Ctrl-C to stop)\n"
               f"  listening page: {page}\n  feed: {feed}{note}", err=True)
    serve(settings, sock, verbose=log.getEffectiveLevel() <= logging.INFO)


if __name__ == "__main__":
    main()
