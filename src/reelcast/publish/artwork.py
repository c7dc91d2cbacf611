"""The show's cover: the one the show names, or a plain generated one that podcast apps accept."""

from __future__ import annotations

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
    write_atomically(out, _encoded(image, "PNG"))
    return out


def _copy_checked(source: Path, out: Path) -> Path:
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
    target = out.with_suffix(".jpg" if fmt == "JPEG" else ".png")
    write_atomically(target, _encoded(converted, fmt))
    return target


def _encoded(image: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()
