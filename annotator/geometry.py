"""Polygon geometry for annotations: validate, repair, clip, mask. Plain data in and out.

An annotation is one or more *parts*, each a flat ring `[x1, y1, x2, y2, ...]` in image pixels
(pixel i spans [i, i+1), as in COCO), optionally marked as a hole. Its mask is the union of the outer
parts minus the union of the holes; area and bbox come from that mask, as COCO computes them.

Nothing is stored silently broken: a part with fewer than three distinct points or a non-finite number
is refused with a message naming it; self-intersections are repaired (shapely's make_valid), points
outside the image clipped, and slivers dropped, each repair described in `Shape.repairs`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from . import masks

MAX_VERTICES = 10_000  # per annotation: far beyond any hand-drawn outline, small enough to refuse abuse
MAX_PARTS = 200
DEFAULT_MIN_AREA = 1.0  # px²: parts smaller than this after repair and clipping are slivers
COORDINATE_DECIMALS = 3  # stored precision: well inside the 0.01 px round-trip promise


class GeometryError(ValueError):
    """An outline that cannot be stored; the message names the part and the problem, for people."""


@dataclass(frozen=True)
class Part:
    points: tuple[float, ...]  # flat x, y pairs, not repeating the first point at the end
    hole: bool = False

    @property
    def vertex_count(self) -> int:
        return len(self.points) // 2

    def to_dict(self) -> dict[str, Any]:
        return {"points": list(self.points), "hole": self.hole}


@dataclass(frozen=True)
class Shape:
    """A validated annotation outline with its COCO mask."""

    parts: tuple[Part, ...]
    rle: masks.RLE
    area: int
    bbox: list[float]
    repairs: tuple[str, ...] = field(default=())

    @property
    def vertex_count(self) -> int:
        return sum(part.vertex_count for part in self.parts)

    @property
    def has_holes(self) -> bool:
        return any(part.hole for part in self.parts)

    def outer_polygons(self) -> list[list[float]]:
        return [list(part.points) for part in self.parts if not part.hole]


def parse_parts(raw: Any) -> list[tuple[list[float], bool]]:
    """Check the shape of submitted parts: `[{"points": [numbers...], "hole": bool}, ...]`.

    Raises GeometryError naming the first problem: wrong types, an odd number of coordinates,
    non-finite numbers, too many parts or vertices.
    """
    if not isinstance(raw, list) or not raw:
        raise GeometryError("an outline needs at least one part")
    if len(raw) > MAX_PARTS:
        raise GeometryError(f"too many parts ({len(raw)}); the limit is {MAX_PARTS}")
    parsed: list[tuple[list[float], bool]] = []
    total = 0
    for number, part in enumerate(raw, start=1):
        if not isinstance(part, dict) or "points" not in part:
            raise GeometryError(f"part {number}: expected an object with 'points'")
        points, hole = part["points"], part.get("hole", False)
        if not isinstance(hole, bool):
            raise GeometryError(f"part {number}: 'hole' must be true or false")
        if not isinstance(points, list):
            raise GeometryError(f"part {number}: 'points' must be a flat list of numbers [x1, y1, x2, y2, ...]")
        if len(points) % 2:
            raise GeometryError(f"part {number}: an odd number of coordinates ({len(points)})")
        total += len(points) // 2
        if total > MAX_VERTICES:
            raise GeometryError(f"too many vertices; the limit is {MAX_VERTICES} per annotation")
        for index, value in enumerate(points):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise GeometryError(f"part {number}: point {index // 2 + 1} has a coordinate that is not a number")
            if not math.isfinite(value):
                raise GeometryError(f"part {number}: point {index // 2 + 1} is not a finite number")
        parsed.append(([float(value) for value in points], hole))
    return parsed


def shape_from_parts(raw_parts: Any, width: int, height: int, min_area: float = DEFAULT_MIN_AREA) -> Shape:
    """Validate, repair and clip submitted parts, then compute the mask: the save path."""
    repairs: list[str] = []
    outer: list[Part] = []
    holes: list[Part] = []
    for number, (points, hole) in enumerate(parse_parts(raw_parts), start=1):
        cleaned = _normalise_ring(points, hole, number, width, height, min_area, repairs)
        (holes if hole else outer).extend(cleaned)
    if not outer:
        raise GeometryError("nothing of the outline is left inside the image" if not repairs
                            else f"nothing of the outline is left ({'; '.join(repairs)})")
    return _shape(tuple(outer + holes), width, height, tuple(repairs))


def _shape(parts: tuple[Part, ...], width: int, height: int, repairs: tuple[str, ...]) -> Shape:
    rle = mask_of_parts(parts, width, height)
    return Shape(parts=parts, rle=rle, area=masks.area(rle), bbox=masks.bbox(rle), repairs=repairs)


def mask_of_parts(parts: Sequence[Part], width: int, height: int) -> masks.RLE:
    """Union of outer parts minus union of holes, as compressed RLE."""
    outer = masks.polygons_to_rle([list(p.points) for p in parts if not p.hole], height, width)
    hole_rings = [list(p.points) for p in parts if p.hole]
    return masks.subtract(outer, masks.polygons_to_rle(hole_rings, height, width)) if hole_rings else outer


def _normalise_ring(points: list[float], hole: bool, number: int, width: int, height: int,
                    min_area: float, repairs: list[str]) -> list[Part]:
    pairs = _distinct_pairs(points)
    if len(pairs) < 3:
        raise GeometryError(f"part {number}: fewer than three distinct points")
    polygon = Polygon(pairs)
    frame = box(0, 0, width, height)
    if polygon.is_valid and frame.covers(polygon):
        if polygon.area < min_area:
            repairs.append(f"part {number}: dropped a sliver of {polygon.area:.2f} px²")
            return []
        return [Part(_flat(pairs), hole)]  # the common case: kept exactly as drawn

    geometry: BaseGeometry = polygon
    if not polygon.is_valid:
        geometry = shapely.make_valid(polygon)
        pieces = _polygons(geometry)
        repairs.append(f"part {number}: repaired a self-intersection into {len(pieces)} part(s)")
    if not frame.covers(geometry):
        outside = sum(1 for x, y in pairs if not (0 <= x <= width and 0 <= y <= height))
        geometry = geometry.intersection(frame)
        repairs.append(f"part {number}: clipped to the image ({outside} point(s) outside)")
    result: list[Part] = []
    for piece in _polygons(geometry):
        if piece.area < min_area:
            repairs.append(f"part {number}: dropped a sliver of {piece.area:.2f} px²")
            continue
        result.append(Part(_flat(piece.exterior.coords[:-1]), hole))
        # A repaired ring can enclose an empty pocket: for an outer part that is a hole, and for a hole
        # it is filled again, which the mask's union of outer parts does not need us to say.
        if not hole:
            result.extend(Part(_flat(ring.coords[:-1]), True) for ring in piece.interiors
                          if Polygon(ring).area >= min_area)
    return result


def _distinct_pairs(points: Sequence[float]) -> list[tuple[float, float]]:
    """Pairs with consecutive repeats (and a closing repeat of the first point) removed."""
    pairs: list[tuple[float, float]] = []
    for x, y in zip(points[0::2], points[1::2], strict=True):
        if not pairs or (x, y) != pairs[-1]:
            pairs.append((x, y))
    while len(pairs) > 1 and pairs[0] == pairs[-1]:
        pairs.pop()
    return pairs


def _polygons(geometry: BaseGeometry) -> list[Polygon]:
    """The polygonal pieces of any geometry (make_valid and intersection may add lines and points)."""
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.is_empty else []
    if isinstance(geometry, MultiPolygon):
        return [piece for piece in geometry.geoms if not piece.is_empty]
    if hasattr(geometry, "geoms"):
        return [piece for sub in geometry.geoms for piece in _polygons(sub)]
    return []


def _flat(pairs: Sequence[Sequence[float]]) -> tuple[float, ...]:
    return tuple(round(float(value), COORDINATE_DECIMALS) for pair in pairs for value in pair[:2])


def iou(first: masks.RLE, second: masks.RLE) -> float:
    """Intersection over union of two annotations' masks (same image)."""
    return masks.iou(first, second)


# --- from masks back to editable polygons (imports of RLE segmentations) ------------------------------


TRACE_SIMPLIFY = 0.3  # px: drops staircase corners yet keeps every pixel centre on its side


def mask_to_parts(mask: np.ndarray, simplify: float = TRACE_SIMPLIFY) -> list[Part]:
    """Outline a binary mask as polygon parts along pixel edges, keeping holes.

    The region is the union of each row's runs of pixels, so its edges lie exactly on pixel borders
    and it rasterises back to the same mask. Simplifying by less than half a pixel then removes most
    staircase vertices without moving any pixel centre across an edge.
    """
    binary = np.asarray(mask) > 0
    if not binary.any():
        return []
    padded = np.zeros((binary.shape[0], binary.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = binary
    steps = np.diff(padded, axis=1)
    run_rows, run_starts = np.nonzero(steps == 1)
    _, run_ends = np.nonzero(steps == -1)  # row-major order pairs each end with its start
    region = shapely.union_all(shapely.box(run_starts, run_rows, run_ends, run_rows + 1))
    if simplify > 0:
        region = region.simplify(simplify, preserve_topology=True)
    parts: list[Part] = []
    for piece in _polygons(shapely.make_valid(region)):
        parts.append(Part(_flat(piece.exterior.coords[:-1])))
        parts.extend(Part(_flat(ring.coords[:-1]), True) for ring in piece.interiors)
    return parts


def segmentation_to_parts(segmentation: Any, height: int, width: int) -> list[Part]:
    """Parts from a COCO `segmentation`: polygons as they are, RLE (compressed or not) traced.

    Raises GeometryError when the value is neither a list of flat polygons nor an RLE of this size.
    """
    if isinstance(segmentation, list):
        raw = [{"points": polygon} for polygon in segmentation]
        return [Part(tuple(points), hole) for points, hole in parse_parts(raw)]
    if isinstance(segmentation, dict) and "counts" in segmentation and "size" in segmentation:
        size = segmentation["size"]
        if not (isinstance(size, list) and len(size) == 2 and list(size) == [height, width]):
            raise GeometryError(f"RLE size {size!r} does not match the image ({height} x {width})")
        counts = segmentation["counts"]
        if not isinstance(counts, str | list) or (isinstance(counts, list) and not all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts)):
            raise GeometryError("RLE counts must be a string or a list of non-negative whole numbers")
        if isinstance(counts, list) and sum(counts) != height * width:
            raise GeometryError(f"RLE counts cover {sum(counts)} pixels, not the image's {height * width}")
        try:
            mask = masks.decode(segmentation)
        except (ValueError, TypeError, OSError) as exc:  # pragma: no cover - pycocotools' own complaint
            raise GeometryError(f"RLE cannot be decoded: {exc}") from exc
        return mask_to_parts(mask)
    raise GeometryError("segmentation must be a list of polygons or an RLE object with 'size' and 'counts'")
