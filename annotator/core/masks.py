"""The one place pycocotools is called: polygons to COCO RLE masks, area, bbox, IoU, decode.

Wraps its quirks at this boundary (style study, section 5): `frPyObjects` takes a 4-number list for a
bbox, counts come back as bytes, `encode` wants Fortran-order uint8, and `decode` warns under numpy 2.
Plain data in and out: RLE dicts are `{"size": [height, width], "counts": str}`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from pycocotools import mask as coco_mask

RLE = dict[str, Any]


def _as_json(rle: dict[str, Any]) -> RLE:
    counts = rle["counts"]
    return {"size": [int(rle["size"][0]), int(rle["size"][1])],
            "counts": counts.decode("ascii") if isinstance(counts, bytes) else counts}


def _as_c(rle: RLE) -> dict[str, Any]:
    counts = rle["counts"]
    return {"size": list(rle["size"]), "counts": counts.encode("ascii") if isinstance(counts, str) else counts}


def polygons_to_rle(polygons: list[list[float]], height: int, width: int) -> RLE:
    """The union of flat `[x1, y1, x2, y2, ...]` polygons (each of at least 3 points) as one RLE."""
    if not polygons:
        return empty_rle(height, width)
    for polygon in polygons:
        if len(polygon) < 6 or len(polygon) % 2:
            raise ValueError("a polygon needs at least three (x, y) points")
    return _as_json(coco_mask.merge(coco_mask.frPyObjects([list(map(float, p)) for p in polygons], height, width)))


def empty_rle(height: int, width: int) -> RLE:
    return encode(np.zeros((height, width), dtype=np.uint8))


def encode(mask: np.ndarray) -> RLE:
    """A binary mask (height x width) as compressed RLE."""
    return _as_json(coco_mask.encode(np.asfortranarray(mask.astype(np.uint8, copy=False))))


def decode(rle: RLE) -> np.ndarray:
    """RLE (compressed or not) as a height x width uint8 array of 0 and 1."""
    with warnings.catch_warnings():
        # pycocotools' decode predates numpy 2's `copy` keyword and warns; the result is unaffected.
        warnings.filterwarnings("ignore", message=".*copy keyword", category=DeprecationWarning)
        return np.array(coco_mask.decode(_as_c(to_compressed(rle))), dtype=np.uint8)


def to_compressed(rle: dict[str, Any]) -> RLE:
    """Accept uncompressed RLE (counts as a list of ints) as COCO files from elsewhere carry it."""
    if isinstance(rle["counts"], list):
        height, width = rle["size"]
        return _as_json(coco_mask.frPyObjects(rle, int(height), int(width)))
    return _as_json(rle)


def subtract(outer: RLE, holes: RLE) -> RLE:
    """Pixels of `outer` that are not in `holes`."""
    # outer AND NOT holes, in run-length space: decoding and re-encoding whole images costs milliseconds
    # (2048 x 1024: ~3 ms each way), the runs of a few outlines microseconds.
    return _as_json(coco_mask.merge([_as_c(outer), _as_c(_complement(holes))], intersect=True))


def _complement(rle: RLE) -> RLE:
    # Runs alternate off, on, off... starting with off: flipping every pixel adds or removes a leading empty run.
    counts = _runs(rle)
    flipped = counts[1:] if counts and counts[0] == 0 else [0, *counts]
    height, width = rle["size"]
    return to_compressed({"size": [int(height), int(width)], "counts": flipped})


def _runs(rle: RLE) -> list[int]:
    """The run lengths of an RLE: COCO's compressed string undone (pycocotools' rleFrString, which it hides)."""
    counts = to_compressed(rle)["counts"]
    runs: list[int] = []
    position = 0
    while position < len(counts):
        value, shift, more = 0, 0, True
        while more:  # 5 bits per character, 0x20 meaning "more follow", 0x10 in the last one the sign
            code = ord(counts[position]) - 48
            value |= (code & 0x1F) << shift
            more = bool(code & 0x20)
            position += 1
            shift += 5
            if not more and code & 0x10:
                value |= -1 << shift
        if len(runs) > 2:  # from the fourth run on, each is stored as the difference from two runs before
            value += runs[-2]
        runs.append(value)
    return runs


def area(rle: RLE) -> int:
    """Pixel count, as COCO computes `area`."""
    return int(coco_mask.area(_as_c(rle)))


def bbox(rle: RLE) -> list[float]:
    """`[x, y, width, height]` of the mask's pixels, as COCO computes `bbox`."""
    return [float(value) for value in coco_mask.toBbox(_as_c(rle))]


def iou(first: RLE, second: RLE) -> float:
    """Intersection over union of two masks of the same image size (0.0 when both are empty)."""
    return float(coco_mask.iou([_as_c(first)], [_as_c(second)], [0])[0][0])


def iou_matrix(firsts: list[RLE], seconds: list[RLE]) -> np.ndarray:
    """IoU of every mask in `firsts` with every one in `seconds` (len(firsts) x len(seconds)), in one call:
    per pair, `iou` costs ~30 us of Python around ~2 us of pycocotools."""
    if not firsts or not seconds:
        return np.zeros((len(firsts), len(seconds)), dtype=np.float64)
    result = coco_mask.iou([_as_c(r) for r in firsts], [_as_c(r) for r in seconds], [0] * len(seconds))
    return np.asarray(result, dtype=np.float64).reshape(len(firsts), len(seconds))
