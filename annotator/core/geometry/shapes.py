"""From submitted parts to a stored Shape (the save path), and masks of parts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import shapely
from shapely.geometry import Polygon

from annotator.core import masks
from annotator.core.geometry.parts import (
    CPU_BUDGET,
    DEFAULT_MIN_AREA,
    MAX_CROSSINGS,
    MAX_EDGE_OVERLAPS,
    MAX_PARTS,
    MAX_PERIMETER,
    MAX_VERTICES,
    Budget,
    GeometryError,
    Part,
    Shape,
    parse_parts,
)
from annotator.core.geometry.repair import LimitsLeft, normalise_ring, perimeter, too_long
from annotator.core.geometry.rings import flat_ring, pairs_of

# When repairs push an outline over MAX_VERTICES it is simplified to fit, moving no edge further than this.
SIMPLIFY_TOLERANCES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)  # px


def shape_from_parts(raw_parts: Any, width: int, height: int, min_area: float = DEFAULT_MIN_AREA,
                     cpu_budget: float = CPU_BUDGET) -> Shape:
    """`shape_from_checked` for parts nobody has checked yet (a traced mask, a test): parse_parts first."""
    return shape_from_checked(parse_parts(raw_parts), width, height, min_area, cpu_budget)


def shape_from_checked(parts_in: Sequence[tuple[Sequence[float], bool]], width: int, height: int,
                       min_area: float = DEFAULT_MIN_AREA, cpu_budget: float = CPU_BUDGET) -> Shape:
    """Repair and clip parts whose form a model has already checked (core/schemas: flat finite coordinates,
    an even count, at least 3 points, MAX_PARTS, MAX_VERTICES), then compute the mask: the save path.

    What is stored keeps the limits the input had to meet (MAX_VERTICES, MAX_PARTS), so its owner can save
    it again unchanged; GeometryError if that or the CPU budget cannot be kept.
    """
    budget = Budget(cpu_budget)
    repairs: list[str] = []
    outer: list[Part] = []
    holes: list[Part] = []
    left = LimitsLeft(MAX_CROSSINGS, MAX_PERIMETER, MAX_EDGE_OVERLAPS)
    for number, (points, hole) in enumerate(parts_in, start=1):
        parts = normalise_ring(points, hole, number, width, height, min_area, repairs, left, budget)
        for part in parts:
            (holes if part.hole else outer).append(part)  # a repaired outer ring can bring pockets (holes)
    if not outer:
        raise GeometryError("nothing of the outline is left inside the image" if not repairs
                            else f"nothing of the outline is left ({'; '.join(repairs)})")
    budget.check()
    holes = _holes_that_cut(outer, holes, repairs)
    parts = _within_limits(tuple(outer + holes), min_area, repairs, budget)
    budget.check()
    shape = _shape(parts, width, height, tuple(repairs))
    if not shape.area:
        # An empty mask would be stored with bbox [0, 0, 0, 0], nowhere near the outline.
        raise GeometryError("the outline covers no pixel: a pixel counts when the outline covers its centre")
    return shape


def _within_limits(parts: tuple[Part, ...], min_area: float, repairs: list[str], budget: Budget) -> tuple[Part, ...]:
    """The parts, simplified to fit MAX_VERTICES if repairs took them over it; GeometryError past MAX_PARTS
    or if no tolerance in SIMPLIFY_TOLERANCES is enough."""
    if len(parts) > MAX_PARTS:
        raise GeometryError(f"repaired, the outline falls into {len(parts)} parts, over the limit of {MAX_PARTS}; "
                            "redraw it crossing itself less")
    length = sum(perimeter(pairs_of(part.points)) for part in parts)
    if length > MAX_PERIMETER:
        raise GeometryError(too_long(None, length))
    vertices = sum(part.vertex_count for part in parts)
    if vertices <= MAX_VERTICES:
        return parts
    for tolerance in SIMPLIFY_TOLERANCES:
        budget.check()
        simplified = [(part, Polygon(pairs_of(part.points)).simplify(tolerance, preserve_topology=True))
                      for part in parts]
        kept = tuple(Part(flat_ring(polygon.exterior.coords[:-1]), part.hole) for part, polygon in simplified
                     if polygon.area >= min_area)
        fitted = sum(part.vertex_count for part in kept)
        if fitted <= MAX_VERTICES and any(not part.hole for part in kept):
            repairs.append(f"simplified from {vertices:,} to {fitted:,} vertices (no edge moved more than "
                           f"{tolerance:g} px) to keep within the limit of {MAX_VERTICES:,}")
            return kept
    raise GeometryError(f"repaired and clipped, the outline has {vertices:,} vertices, over the limit of "
                        f"{MAX_VERTICES:,} even simplified by {SIMPLIFY_TOLERANCES[-1]:g} px; "
                        "draw it with fewer points")


def _holes_that_cut(outer: list[Part], holes: list[Part], repairs: list[str]) -> list[Part]:
    """Holes must cut into the outline: one drawn beside it (a slip, or a hole of the wrong polygon) would
    cut nothing yet ride along in the export, so it is dropped and the repair says so."""
    if not holes:
        return holes
    cover = shapely.union_all([Polygon(pairs_of(part.points)) for part in outer])
    kept = []
    for index, hole in enumerate(holes, start=1):
        if Polygon(pairs_of(hole.points)).intersection(cover).area > 0:
            kept.append(hole)
        else:
            repairs.append(f"hole {index}: lies outside the outline and cuts nothing: dropped")
    return kept


def _shape(parts: tuple[Part, ...], width: int, height: int, repairs: tuple[str, ...]) -> Shape:
    rle = mask_of_parts(parts, width, height)
    return Shape(parts=parts, rle=rle, area=masks.area(rle), bbox=masks.bbox(rle), repairs=repairs)


def mask_of_parts(parts: Sequence[Part], width: int, height: int) -> masks.RLE:
    """Union of outer parts minus union of holes, as compressed RLE."""
    outer = masks.polygons_to_rle([list(p.points) for p in parts if not p.hole], height, width)
    hole_rings = [list(p.points) for p in parts if p.hole]
    return masks.subtract(outer, masks.polygons_to_rle(hole_rings, height, width)) if hole_rings else outer


def iou(first: masks.RLE, second: masks.RLE) -> float:
    """Intersection over union of two annotations' masks (same image)."""
    return masks.iou(first, second)
