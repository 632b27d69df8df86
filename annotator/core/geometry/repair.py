"""Repairing one submitted ring: round, clip, bound the work, mend self-intersections, drop slivers, and
turn the pockets a repair leaves into hole parts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from annotator.core.geometry.clipping import clip_to_frame
from annotator.core.geometry.parts import (
    MAX_CROSSINGS,
    MAX_EDGE_OVERLAPS,
    MAX_PERIMETER,
    MAX_VERTICES,
    Budget,
    GeometryError,
    Part,
)
from annotator.core.geometry.rings import GRID, distinct_pairs, flat_ring, polygons_of, rounded_all


@dataclass
class LimitsLeft:
    """What is left of the per-annotation limits on the work of repairing it, as its parts are checked."""

    crossings: int
    length: float
    overlaps: int


def normalise_ring(points: list[float], hole: bool, number: int, width: int, height: int, min_area: float,
                   repairs: list[str], left: LimitsLeft, budget: Budget) -> list[Part]:
    """The part's stored pieces, taking from `left` the crossings repaired, its length and its edge overlaps."""
    # Round first: the ring checked for validity is then the ring stored (rounding a valid ring to the
    # stored precision afterwards can make it touch itself).
    pairs = distinct_pairs(rounded_all(points))
    if len(set(pairs)) < 3:
        raise GeometryError(f"part {number}: fewer than three distinct points")
    outside = sum(1 for x, y in pairs if not (0 <= x <= width and 0 <= y <= height))
    clipped = bool(outside)
    if clipped:
        # Clip before anything costly: what lies outside the image cannot change the mask, and a ring reaching
        # 1e308 px out would overflow GEOS. A 10,000-point star reaching out to 1e308 took 13-23 s when its
        # clipped ring (no crossings, but long spikes whose boxes overlap in 17 million pairs) was searched
        # for crossings pair by pair; now GEOS's validity check comes first, and over the limit nothing does.
        repairs.append(f"part {number}: clipped to the image ({outside} point(s) outside)")
        pairs = distinct_pairs(rounded_all(clip_to_frame(pairs, width, height, budget)))
        if len(set(pairs)) < 3:
            return []
        if len(pairs) > MAX_VERTICES:
            raise GeometryError(f"part {number}: clipped to the image it has {len(pairs):,} vertices, over the "
                                f"limit of {MAX_VERTICES:,} per annotation; leave out the points outside the image")
    length = perimeter(pairs)
    if length > left.length:
        raise GeometryError(too_long(number, MAX_PERIMETER - left.length + length))
    left.length -= length
    budget.check()
    polygon = Polygon(pairs)
    if polygon.is_valid:
        if polygon.area < min_area:
            repairs.append(f"part {number}: dropped a sliver of {polygon.area:.2f} px²")
            return []
        return [Part(flat_ring(pairs), hole)]  # the common case: kept exactly as drawn (or as clipped)

    overlaps = _edge_overlaps(pairs)
    if overlaps > left.overlaps:
        # A scribble is better told it crosses itself too often, which its first edges show at once.
        _crossings(pairs[:4 * CROSSING_BLOCK], number, left.crossings, budget)
        raise GeometryError(f"part {number}: the outline meets itself, and its long edges run across each other "
                            f"too much to repair it in good time ({MAX_EDGE_OVERLAPS - left.overlaps + overlaps:,} "
                            f"pairs of edges side by side, over the limit of {MAX_EDGE_OVERLAPS:,}); redraw it")
    left.overlaps -= overlaps

    # Clipping a ring that leaves and re-enters the image runs it along the frame and back: invalid, but a
    # part of the clipping rather than a crossing of the drawing, which only crossings off the frame are.
    crossings, drawn_crossings = _crossings(pairs, number, left.crossings, budget, (width, height) if clipped else None)
    left.crossings -= crossings
    budget.check()
    geometry = shapely.make_valid(polygon)
    if drawn_crossings or not clipped:
        pieces = polygons_of(geometry)
        repairs.append(f"part {number}: repaired a self-intersection into {len(pieces)} part(s)" if pieces
                       else f"part {number}: encloses no area")
    budget.check()
    # Repaired outlines get new vertices: snap them to the stored grid in a way that keeps them valid, where
    # rounding each coordinate might not.
    geometry = shapely.set_precision(geometry, GRID)
    return _parts_of(polygons_of(geometry), hole, number, min_area, repairs)


def _edge_overlaps(pairs: Sequence[tuple[float, float]]) -> int:
    """How many pairs of the ring's edges overlap in x, or in y if fewer do: at least as many as the pairs of
    overlapping edge boxes, which the repair's cost follows, yet found by sorting rather than by pairing."""
    corners = np.asarray(pairs, dtype=float)
    following = np.roll(corners, -1, axis=0)
    count = len(corners)
    fewest = count * count
    for axis in (0, 1):
        low = np.minimum(corners[:, axis], following[:, axis])
        high = np.maximum(corners[:, axis], following[:, axis])
        # Edge j overlaps edge i unless it starts after i ends or ends before i starts (i itself included).
        starting_after = count - np.searchsorted(np.sort(low), high, side="right")
        ending_before = np.searchsorted(np.sort(high), low, side="left")
        overlapping = (count * count - int(starting_after.sum()) - int(ending_before.sum()) - count) // 2
        fewest = min(fewest, overlapping)
    return fewest


def perimeter(pairs: Sequence[tuple[float, float]]) -> float:
    corners = np.asarray(pairs, dtype=float)
    return float(np.hypot(*(np.roll(corners, -1, axis=0) - corners).T).sum())


def too_long(number: int | None, length: float) -> str:
    where = f"part {number}: " if number is not None else ""
    return (f"{where}the outline's edges are {length:,.0f} px long in all, over the limit of {MAX_PERIMETER:,} px "
            "per annotation (its mask is drawn edge by edge); draw it with fewer, shorter strokes across the image")


CROSSING_BLOCK = 32  # edges looked up at a time: small enough to stop soon after the limit or the budget


def _crossings(pairs: Sequence[tuple[float, float]], number: int, allowed: int, budget: Budget,
               frame: tuple[int, int] | None = None) -> tuple[int, int]:
    """How often the ring meets itself away from its corners, and how many of those meetings are between edges
    off the image frame (`frame`, after clipping: edges along it are the clipping's, not the drawing's).

    GeometryError as soon as the count is over `allowed`, or the budget is spent: checked a block of edges at a
    time, so a scribble of thousands of crossings is refused after the first block rather than after counting
    them all, and a ring whose edges' boxes all overlap (millions of candidate pairs) cannot run on.
    """
    corners = np.asarray(pairs, dtype=float)
    count = len(corners)
    following = np.roll(corners, -1, axis=0)
    edges = shapely.linestrings(np.stack([corners, following], axis=1))
    if frame is None:
        on_frame = np.zeros(count, dtype=bool)
    else:
        width, height = frame
        same_x = corners[:, 0] == following[:, 0]
        same_y = corners[:, 1] == following[:, 1]
        on_frame = ((same_x & ((corners[:, 0] == 0) | (corners[:, 0] == width)))
                    | (same_y & ((corners[:, 1] == 0) | (corners[:, 1] == height))))
    tree = shapely.STRtree(edges)
    found = drawn = 0
    for start in range(0, count, CROSSING_BLOCK):
        budget.check()
        mine, other = tree.query(edges[start:start + CROSSING_BLOCK], predicate="intersects")
        mine = mine + start
        apart = np.abs(mine - other)
        meeting = (mine < other) & (apart != 1) & (apart != count - 1)  # neighbours touch at their corner
        found += int(np.count_nonzero(meeting))
        drawn += int(np.count_nonzero(meeting & ~on_frame[mine] & ~on_frame[other]))
        if found > allowed:
            raise GeometryError(f"part {number}: the outline crosses itself more than {MAX_CROSSINGS} times, "
                                "too often to repair; redraw it")
    return found, drawn


def _parts_of(pieces: list[Polygon], hole: bool, number: int, min_area: float, repairs: list[str]) -> list[Part]:
    kept = [piece for piece in pieces if piece.area >= min_area]
    slivers = [piece.area for piece in pieces if piece.area < min_area]
    # One line per part however many: a star drawn as one ring can shed hundreds of slivers.
    if len(slivers) == 1:
        repairs.append(f"part {number}: dropped a sliver of {slivers[0]:.2f} px²")
    elif slivers:
        repairs.append(f"part {number}: dropped {len(slivers)} slivers of up to {max(slivers):.2f} px²")
    result = [Part(flat_ring(piece.exterior.coords[:-1]), hole) for piece in kept]
    # A repaired ring can enclose an empty pocket: for an outer part that is a hole, and for a hole it is
    # filled again, which the mask's union of outer parts does not need us to say.
    if not hole:
        result.extend(hole_parts(kept, min_area))
    return result


def hole_parts(pieces: Sequence[Polygon], min_area: float, exact: BaseGeometry | None = None) -> list[Part]:
    """Hole parts for the pockets of `pieces` so that (union of exteriors) minus (union of holes) is `pieces`.

    A pocket holding another piece (an island) cannot be subtracted whole or the island goes with it: what
    is empty in that pocket is cut into hole parts around the islands. `exact`, for traced masks, is the
    unsimplified pixel region, whose pockets are cut instead so that every cut lies on pixel edges.
    """
    pockets = [Polygon(ring) for piece in pieces for ring in piece.interiors]
    pockets = [pocket for pocket in pockets if pocket.area >= min_area]
    if not pockets:
        return []
    inside = shapely.STRtree([piece.representative_point() for piece in pieces])
    parts: list[Part] = []
    for pocket in pockets:
        if not len(inside.query(pocket, predicate="contains")):
            parts.append(Part(flat_ring(pocket.exterior.coords[:-1]), True))
            continue
        if exact is not None:
            empty = _exact_pocket(pocket, exact).difference(exact)
        else:
            islands = [Polygon(piece.exterior) for piece in pieces if pocket.contains(piece.representative_point())]
            empty = pocket.difference(shapely.union_all(islands))
        for piece in polygons_of(shapely.set_precision(empty, GRID)):
            for cut in _without_holes(piece):
                cut = shapely.set_precision(cut.simplify(0), GRID)  # simplify(0): no collinear vertices
                parts.extend(Part(flat_ring(q.exterior.coords[:-1]), True) for q in polygons_of(cut)
                             if q.area >= min_area)
    return parts


def _exact_pocket(pocket: Polygon, exact: BaseGeometry) -> Polygon:
    """The pocket of the unsimplified region that a simplified pocket came from: the one it overlaps most."""
    candidates = [Polygon(ring) for piece in polygons_of(exact) for ring in piece.interiors]
    return max(candidates, key=lambda candidate: candidate.intersection(pocket).area)


def _without_holes(polygon: Polygon, depth: int = 0) -> list[Polygon]:
    """Cut a polygon into pieces without holes, by vertical lines through its holes."""
    if not polygon.interiors or depth > 100:
        return [polygon]
    x = _cut_x(polygon.interiors[0])
    _, bottom, _, top = polygon.bounds
    pieces = polygons_of(shapely.ops.split(polygon, LineString([(x, bottom - 1), (x, top + 1)])))
    if len(pieces) < 2:  # pragma: no cover - a cut through a hole always divides; never loop on a surprise
        return [polygon]
    return [cut for piece in pieces for cut in _without_holes(piece, depth + 1)]


def _cut_x(ring: Any) -> float:
    """Where a vertical cut meets the hole's inside, preferring a vertex's x (whole pixels for traced masks).

    Any x strictly between the hole's extremes crosses its inside; failing one at a vertex, a vertical edge
    at its extreme also separates it from the rest (every ring traced along pixel edges has one).
    """
    xs = [x for x, _ in ring.coords[:-1]]
    low, high = min(xs), max(xs)
    between = sorted({x for x in xs if low < x < high})
    if between:
        return between[len(between) // 2]
    return low if xs.count(low) > 1 else high if xs.count(high) > 1 else (low + high) / 2
