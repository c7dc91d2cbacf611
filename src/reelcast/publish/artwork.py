"""The show's cover: the one the show names, or a plain generated one that podcast apps accept."""

from __future__ import annotations

import functools
import io
import textwrap
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from reelcast.errors import FeedError
from reelcast.publish.disk import write_atomically

# Apple asks for a square cover of 1400 to 3000 px.
COVER_SIZE = 1400
MAX_COVER_SIZE = 3000
_BACKGROUND = (24, 26, 38)
_ACCENT = (233, 180, 76)
_TEXT = (245, 245, 240)


def ensure_cover(show_title: str, configured: Path | None, out: Path) -> Path:
    """Write the show cover to `out` (PNG or JPEG copy of `configured`, or a generated PNG) and return it."""
    if configured is not None:
        return _copy_checked(configured, out)
    if out.exists():
        return out
    write_atomically(out, generated_cover(show_title))
    return out


def cover_image(show_title: str, configured: Path | None, published: Path) -> bytes:
    """The show cover's bytes as ensure_cover publishes them to `published` (or has already)."""
    if configured is not None:
        fmt, converted = _read_checked(configured)
        return _encoded(converted, fmt)
    return published.read_bytes() if published.is_file() else generated_cover(show_title)


@functools.lru_cache(maxsize=4)
def generated_cover(show_title: str) -> bytes:
    """A plain cover for a show that names none: its title on reelcast's colours (PNG). Drawn
    once a process: a first publish embeds it in the MP3, then publishes it with the feed."""
    image = Image.new("RGB", (COVER_SIZE, COVER_SIZE), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, COVER_SIZE - 120, COVER_SIZE, COVER_SIZE), fill=_ACCENT)
    title_font = ImageFont.load_default(size=130)
    lines = textwrap.wrap(show_title, width=16)[:5]
    y = (COVER_SIZE - 160 * len(lines)) // 2 - 60
    for line in lines:
        width = draw.textlength(line, font=title_font)
        draw.text(((COVER_SIZE - width) / 2, y), line, font=title_font, fill=_TEXT)
        y += 160
    draw.text((80, COVER_SIZE - 100), "reelcast", font=ImageFont.load_default(size=70), fill=_BACKGROUND)
    return _encoded(image, "PNG")


def episode_art(title: str, year: int | None, rating: tuple[float, float] | None, show_title: str) -> bytes:
    """The episode's own image (PNG, COVER_SIZE square) in the style of the generated show cover:
    the film's title, its year and its rating as stars, the show's name on the band. Made from
    what the review says: nothing is downloaded. The same review gives the same bytes."""
    image = Image.new("RGB", (COVER_SIZE, COVER_SIZE), _BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, COVER_SIZE - 120, COVER_SIZE, COVER_SIZE), fill=_ACCENT)
    lines = textwrap.wrap(title, width=14)
    size = 150 if len(lines) <= 3 else 110
    lines = textwrap.wrap(title, width=14 if size == 150 else 20)[:5]
    font = ImageFont.load_default(size=size)
    y = 260 if rating or year else (COVER_SIZE - 120 - round(size * 1.2) * len(lines)) // 2
    for line in lines:
        width = draw.textlength(line, font=font)
        draw.text(((COVER_SIZE - width) / 2, y), line, font=font, fill=_TEXT)
        y += round(size * 1.2)
    if year:
        small = ImageFont.load_default(size=110)
        text = str(year)
        draw.text(((COVER_SIZE - draw.textlength(text, font=small)) / 2, y + 40), text, font=small, fill=_ACCENT)
        y += 200
    if rating:
        _stars(image, rating[0] / rating[1] * 5, y + 60)
    band = ImageFont.load_default(size=64)
    draw.text((80, COVER_SIZE - 96), show_title[:36], font=band, fill=_BACKGROUND)
    return _encoded(image, "PNG")


def _stars(image: Image.Image, value: float, top: int) -> None:
    """Five stars, `value` of them filled (to the half), drawn as shapes: no font has to have ★."""
    import math

    draw = ImageDraw.Draw(image)
    radius, gap = 90, 30
    left = (COVER_SIZE - (5 * 2 * radius + 4 * gap)) / 2
    filled = round(value * 2) / 2
    for n in range(5):
        cx, cy = left + radius + n * (2 * radius + gap), top + radius
        points = [
            (cx + (radius if k % 2 == 0 else radius * 0.42) * math.sin(math.pi * k / 5),
             cy - (radius if k % 2 == 0 else radius * 0.42) * math.cos(math.pi * k / 5))
            for k in range(10)
        ]
        if n + 1 <= filled:
            draw.polygon(points, fill=_ACCENT)
        elif n < filled:  # a half star: the star's shape, filled left of its centre
            mask = Image.new("L", image.size, 0)
            ImageDraw.Draw(mask).polygon(points, fill=255)
            mask.paste(0, (round(cx), 0, COVER_SIZE, COVER_SIZE))
            image.paste(_ACCENT, mask=mask)
        draw.polygon(points, outline=_ACCENT, width=6)


def check_cover(source: Path) -> None:
    """Raise FeedError if `source` is not a cover podcast apps accept: cheap, so checked before speech."""
    _read_checked(source)


def _copy_checked(source: Path, out: Path) -> Path:
    fmt, converted = _read_checked(source)
    target = out.with_suffix(".jpg" if fmt == "JPEG" else ".png")
    write_atomically(target, _encoded(converted, fmt))
    return target


def _read_checked(source: Path) -> tuple[str, Image.Image]:
    try:
        with Image.open(source) as image:
            image.load()
            fmt = image.format
            size = image.size
            converted = image.convert("RGB")
    except (OSError, UnidentifiedImageError) as exc:
        raise FeedError(f"the show image {source} cannot be read ({exc}); give a square JPEG or PNG") from exc
    if fmt not in ("JPEG", "PNG"):
        raise FeedError(f"the show image {source} is {fmt}; podcast apps need JPEG or PNG")
    width, height = size
    if width != height or not COVER_SIZE <= width <= MAX_COVER_SIZE:
        raise FeedError(f"the show image {source} is {width}x{height}; "
                        f"podcast apps need a square of {COVER_SIZE} to {MAX_COVER_SIZE} pixels")
    return fmt, converted


def _encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()
