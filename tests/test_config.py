from __future__ import annotations

from pathlib import Path

import pytest

from reelcast.config import load_settings
from reelcast.errors import ConfigError
from reelcast.publish.feed import feed_url


def test_defaults_need_no_file(tmp_path: Path) -> None:
    settings = load_settings(tmp_path)
    assert settings.audio.target_lufs == -16.0
    assert settings.audio.bitrate_kbps == 96
    assert settings.show.category == "TV & Film" and settings.show.subcategory == "Film Reviews"
    assert settings.episodes_dir == tmp_path / "episodes"


def test_a_flag_is_named_as_a_flag(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^--rate = 1000 is out of range"):
        load_settings(tmp_path, {"speech": {"rate": 1000}})
    with pytest.raises(ConfigError, match=r"^--bitrate = 97 is not an MP3 bitrate"):
        load_settings(tmp_path, {"audio": {"bitrate_kbps": 97}})


def test_base_url_keeps_its_path_without_a_trailing_slash(tmp_path: Path) -> None:
    (tmp_path / "reelcast.toml").write_text("[show]\nbase_url = 'http://example.com/podcast'\n", encoding="utf-8")
    show = load_settings(tmp_path).show
    assert show.base_url == "http://example.com/podcast/"
    assert show.home == "http://example.com/podcast/"  # the show's link defaults to where it is served
    assert feed_url(load_settings(tmp_path)) == "http://example.com/podcast/feed/feed.xml"


def test_whole_numbers_are_fine_where_decimals_are_expected(tmp_path: Path) -> None:
    (tmp_path / "reelcast.toml").write_text("[audio]\ntarget_lufs = -14\n", encoding="utf-8")
    assert load_settings(tmp_path).audio.target_lufs == -14.0


def test_file_then_flags_override_defaults(tmp_path: Path) -> None:
    (tmp_path / "reelcast.toml").write_text('[show]\ntitle = "Mine"\n[speech]\nrate = 150\n', encoding="utf-8")
    settings = load_settings(tmp_path, {"speech": {"rate": 190, "voice": None}})
    assert settings.show.title == "Mine"
    assert settings.speech.rate == 190  # the flag wins
    assert settings.speech.voice is None  # an unset flag does not override


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[show\ntitle = 1", "not valid TOML"),
        ("[shows]\ntitle = 'x'", "unknown section"),
        ("[show]\ntitel = 'x'", r"\[show\] titel: unknown setting"),
        ("show = 3", "should be a \\[show\\] section"),
        ("[script]\nmax_words = 0", "max_words = 0 is out of range"),
        ("[script]\nmin_words = 300\nmax_words = 200", "min_words = 300 is more than max_words"),
        ("[audio]\nparagraph_pause_ms = -500", "paragraph_pause_ms = -500 is out of range"),
        ("[audio]\ntrue_peak_db = 3.0", "true_peak_db = 3.0 is out of range"),
        ("[audio]\nsample_rate = 7", "sample_rate = 7"),
        ("[speech]\nworkers = -3", "workers = -3 is out of range"),
        ("[show]\ntitle = ''", "title is empty"),
        ("[show]\nlink = 'javascript:alert(1)'", "link = 'javascript:alert\\(1\\)' must be an absolute http"),
        ("[show]\nbase_url = 'http://'", "base_url = 'http://' must be an absolute http"),
        ("[audio]\nbitrate_kbps = 97", "not an MP3 bitrate"),
        ("[speech]\nrate = 5", "out of range"),
        ("[show]\nbase_url = 'example.com'", "absolute http"),
        ("[script]\nintro = 'Hello {listener}'", "unknown field {listener}"),
        ("[script]\noutro = 'Bye {'", "literal braces"),
        ("[speech]\nrate = 'fast'", "rate = 'fast' should be int"),
        ("[show]\nexplicit = 'no'", "explicit = 'no' should be bool"),
        ("[audio]\ntarget_lufs = true", "should be float"),
    ],
)
def test_bad_settings_say_what_and_where(tmp_path: Path, toml: str, message: str) -> None:
    (tmp_path / "reelcast.toml").write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError, match=message) as caught:
        load_settings(tmp_path)
    assert "reelcast.toml" in str(caught.value)
