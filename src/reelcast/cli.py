"""The command line: click wiring over the pipeline. The only place errors become messages."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import wraps
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import click

from reelcast import __version__
from reelcast.check import check_remote, check_show
from reelcast.config import Settings, load_settings
from reelcast.errors import ConfigError, ReelcastError, ServeError
from reelcast.extract import article_as_dict, article_as_text
from reelcast.language import choose_voice, primary
from reelcast.pipeline import (
    ProgressEvent,
    Stage,
    load_lexicon,
    prepare_script,
    publish,
    read_article,
    rebuild_feed,
    speech_for,
)
from reelcast.publish.feed import feed_url
from reelcast.publish.show import is_published
from reelcast.serve import address_warnings, bind, is_loopback, serve, url_for
from reelcast.speech import engine_names, make_engine
from reelcast.speech.say import say

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
        except KeyboardInterrupt:
            click.echo("reelcast: interrupted", err=True)
            sys.exit(130)

    return run


@click.group()
@click.version_option(__version__, prog_name="reelcast")
@click.option("--root", type=click.Path(file_okay=False, path_type=Path), default=".", show_default=True,
              help="The show folder: reelcast.toml, episodes/, feed/ and the catalog live here.")
@click.option("-v", "--verbose", count=True, help="Say more (-vv for debugging).")
@click.pass_context
def main(ctx: click.Context, root: Path, verbose: int) -> None:
    """Turn written film reviews into a narrated podcast episode and feed."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.obj = root


def _settings(ctx: click.Context, **overrides: dict[str, Any]) -> Settings:
    return load_settings(ctx.obj, overrides)


@main.command("publish")
@click.argument("pages", nargs=-1, required=True)
@click.option("--engine", type=click.Choice(engine_names()), help="Speech engine.")
@click.option("--voice", help="Voice id (see 'reelcast voices').")
@click.option("--rate", type=int, help="Speaking rate in words per minute.")
@click.option("--workers", type=int, help="Synthesis processes (0: one per core).")
@click.option("--bitrate", type=int, help="MP3 bitrate in kbps.")
@click.option("--base-url", help="Where listeners fetch the files from, e.g. http://192.168.1.20:8000/")
@click.pass_context
@_reported
def publish_command(ctx: click.Context, pages: tuple[str, ...], engine: str | None, voice: str | None,
                    rate: int | None, workers: int | None, bitrate: int | None, base_url: str | None) -> None:
    """Publish review PAGES (files, http(s) URLs, or - for stdin) as episodes, and rewrite the feed."""
    settings = _settings(
        ctx,
        speech={"engine": engine, "voice": voice, "rate": rate, "workers": workers},
        audio={"bitrate_kbps": bitrate},
        show={"base_url": base_url},
    )
    failures = 0
    for page in pages:
        try:
            with _progress(page) as report:
                episode = publish(page, settings, on_progress=report).episode
        except ReelcastError as exc:
            failures += 1
            UserError(str(exc)).show()
            continue
        except KeyboardInterrupt:
            # pages before this one are published (and were reported); this one left nothing behind
            click.echo(f"reelcast: interrupted while publishing {page}; it was not published", err=True)
            sys.exit(130)
        minutes, seconds = divmod(round(episode.duration_ms / 1000), 60)
        click.echo(f"published {settings.episodes_dir / episode.audio_file} ({minutes}:{seconds:02d}, "
                   f"{episode.size_bytes / 1e6:.1f} MB): {episode.title}")
    if failures:
        raise click.exceptions.Exit(1)
    click.echo(f"feed: {settings.feed_dir / 'feed.xml'}")


@contextmanager
def _progress(page: str) -> Iterator[Callable[[ProgressEvent], None]]:
    """Show the pipeline's progress on stderr: a line per stage, a bar while speaking."""
    bar = None

    def report(event: ProgressEvent) -> None:
        nonlocal bar
        if event.stage is Stage.SPEECH and event.total:
            if bar is None:
                bar = click.progressbar(length=event.total, label="  speaking", file=sys.stderr)
                bar.__enter__()
            bar.update(event.done - bar.pos)
            return
        if bar is not None:
            bar.__exit__(None, None, None)
            bar = None
        label = {Stage.READ: f"reading {page}", Stage.AUDIO: "  mastering and encoding", Stage.PUBLISH: "  publishing"}
        if event.stage in label:
            click.echo(label[event.stage], err=True)

    try:
        yield report
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)


@main.command("extract")
@click.argument("page")
@click.option("--json", "as_json", is_flag=True, help="Print the article and its metadata as JSON.")
@_reported
def extract_command(page: str, as_json: bool) -> None:
    """Print the article of PAGE as extracted, before any speech clean-up."""
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
    click.echo(f"feed: {rebuild_feed(_settings(ctx, show={'base_url': base_url}))}")


@main.command("voices")
@click.option("--engine", type=click.Choice(engine_names()), help="Speech engine.")
@click.option("--language", help="Only the voices for this language (fr, pt-BR ...); * marks the one chosen for it.")
@click.pass_context
@_reported
def voices_command(ctx: click.Context, engine: str | None, language: str | None) -> None:
    """List the voices the speech engine offers; * marks the one the show speaks with."""
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
    settings = _settings(ctx, speech={"engine": engine, "voice": voice, "rate": rate})
    said = say(text, settings, out, load_lexicon(settings), language=language)
    click.echo(f"said: {said.text}")
    click.echo(f"wrote {said.path} ({said.duration_ms / 1000:.1f} s)")


@main.command("check")
@click.option("--base-url", help="The base URL the feed should have been built for.")
@click.option("--remote", is_flag=True, help="Check the show as served at base_url (after `reelcast deploy`).")
@click.pass_context
@_reported
def check_command(ctx: click.Context, base_url: str | None, remote: bool) -> None:
    """Lint the published feed and files: tags, lengths, durations, loudness, chapters, transcripts, artwork."""
    settings = _settings(ctx, show={"base_url": base_url})
    report = check_remote(settings) if remote else check_show(settings)
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
    click.echo(f"serving {settings.root.resolve()} on {url_for(sock)} (Ctrl-C to stop)\n"
               f"  listening page: {settings.show.base_url}\n  feed: {feed_url(settings)}", err=True)
    serve(settings, sock, verbose=log.getEffectiveLevel() <= logging.INFO)


if __name__ == "__main__":
    main()
