"""The crop the flags page shows for an outline: the image around it, at most 240 px a side, outline drawn.

Plain data in (the stored image file's path, the outline's parts, bbox and class colour), PNG bytes out; the
box maths are plain functions the tests check by number.
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from PIL import ImageDraw

from annotator.core import images
from annotator.core.schemas.flags import HEX_COLOUR

CROP_MAX_SIDE = 240
VISIBLE_OUTLINE = "#ffd400"  # bright yellow, for classes too dark to see on a street scene


def _axis(start: float, length: float, limit: int, pad: float, min_side: float) -> tuple[int, int]:
    low, high = start - pad, start + length + pad
    if high - low < min_side:  # a tiny object still gets some surroundings to be recognised by
        centre = (low + high) / 2
        low, high = centre - min_side / 2, centre + min_side / 2
    side = min(high - low, limit)
    low = min(max(low, 0.0), limit - side)  # slide back inside the image before clipping
    first = max(0, math.floor(low))
    return first, max(first + 1, min(limit, math.ceil(low + side)))


def crop_box(bbox: Sequence[float], width: int, height: int, *, margin: float = 0.2, min_margin: float = 8,
             min_side: float = 64) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) in whole pixels: the bbox `[x, y, w, h]` with a margin of `margin` times its
    longer side (at least `min_margin` px), at least `min_side` px a side, inside the image."""
    x, y, w, h = (float(v) for v in bbox)
    pad = max(min_margin, margin * max(w, h))
    left, right = _axis(x, w, width, pad, min_side)
    top, bottom = _axis(y, h, height, pad, min_side)
    return left, top, right, bottom


def crop_scale(box: tuple[int, int, int, int], max_side: int = CROP_MAX_SIDE, max_zoom: float = 4.0) -> float:
    """Scale so the longer side is `max_side` px; small crops are enlarged at most `max_zoom` times."""
    longest = max(box[2] - box[0], box[3] - box[1], 1)
    return min(max_side / longest, max_zoom)


def crop_size(box: tuple[int, int, int, int], scale: float) -> tuple[int, int]:
    return (max(1, min(CROP_MAX_SIDE, round((box[2] - box[0]) * scale))),
            max(1, min(CROP_MAX_SIDE, round((box[3] - box[1]) * scale))))


def crop_rings(parts: Iterable[dict[str, Any]], box: tuple[int, int, int, int],
               scale: float) -> list[list[tuple[float, float]]]:
    """Every part's ring (holes too) in the crop's pixels."""
    left, top = box[0], box[1]
    rings = []
    for part in parts:
        points = part.get("points") or []
        rings.append([((points[i] - left) * scale, (points[i + 1] - top) * scale)
                      for i in range(0, len(points) - 1, 2)])
    return [ring for ring in rings if len(ring) >= 3]


def outline_colour(colour: str) -> str:
    """The class colour, unless too dark to see on a street scene (void is black): then bright yellow."""
    if not HEX_COLOUR.fullmatch(colour or ""):  # matched whole: "#aabbcc\n" is no colour PIL can draw
        return VISIBLE_OUTLINE
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return colour if 0.299 * r + 0.587 * g + 0.114 * b >= 80 else VISIBLE_OUTLINE


def render_crop(source: Path, parts: list[dict[str, Any]], bbox: Sequence[float], colour: str) -> bytes:
    """A PNG of the image around the annotation, at most 240 px a side, with its outline drawn."""
    with images.open_stored(source) as original:
        box = crop_box(bbox, original.width, original.height)
        scale = crop_scale(box)
        size = crop_size(box, scale)
        picture = original.convert("RGB").crop(box).resize(size, PILImage.Resampling.LANCZOS)
    draw = ImageDraw.Draw(picture)
    stroke = outline_colour(colour)
    for ring in crop_rings(parts, box, scale):
        closed = [*ring, ring[0]]
        draw.line(closed, fill="#000000", width=4, joint="curve")  # a dark edge keeps it visible on any scene
        draw.line(closed, fill=stroke, width=2, joint="curve")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()
