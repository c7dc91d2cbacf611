"""The show cover: generated when the show has none, checked and copied when it names one."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from reelcast.errors import FeedError
from reelcast.publish.artwork import ensure_cover


def test_a_plain_cover_is_generated_at_1400_px(tmp_path: Path) -> None:
    cover = ensure_cover("Late Night Film Reviews", None, tmp_path / "feed" / "cover.png")
    with Image.open(cover) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (1400, 1400), "RGB")
    assert not list((tmp_path / "feed").glob(".*"))  # no temporary file left behind


def test_a_configured_jpeg_is_copied_as_jpeg(tmp_path: Path) -> None:
    source = tmp_path / "mine.jpg"
    Image.new("RGB", (1500, 1500), (200, 30, 30)).save(source, format="JPEG")
    cover = ensure_cover("Show", source, tmp_path / "feed" / "cover.png")
    assert cover.name == "cover.jpg"
    with Image.open(cover) as image:
        assert (image.format, image.size) == ("JPEG", (1500, 1500))
    assert not list((tmp_path / "feed").glob(".*"))


@pytest.mark.parametrize(
    ("size", "fmt", "message"),
    [((1400, 1000), "PNG", "1400x1000"), ((600, 600), "PNG", "square of 1400 to 3000"), ((1400, 1400), "GIF", "GIF"),
     ((3001, 3001), "PNG", "3001x3001")],
)
def test_unusable_covers_are_refused(tmp_path: Path, size: tuple[int, int], fmt: str, message: str) -> None:
    source = tmp_path / f"mine.{fmt.lower()}"
    Image.new("RGB", size).save(source, format=fmt)
    with pytest.raises(FeedError, match=message):
        ensure_cover("Show", source, tmp_path / "feed" / "cover.png")
