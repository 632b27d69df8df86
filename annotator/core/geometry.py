"""Polygon geometry for annotations: validate, repair, clip, mask. Plain data in and out.

An annotation is one or more *parts*, each a flat ring `[x1, y1, x2, y2, ...]` in image pixels
(pixel i spans [i, i+1), as in COCO), optionally marked as a hole. Its mask is the union of the outer
parts minus the union of the holes; area and bbox come from that mask, as COCO computes them.

Nothing is stored silently broken: a part with fewer than three distinct points or a non-finite number
is refused with a message naming it; self-intersections are repaired (shapely's make_valid, up to
MAX_CROSSINGS of them), points outside the image clipped, and slivers dropped, each repair described in
`Shape.repairs`; an outline whose mask would cover no pixel is refused.

No save may stall the server: points outside the image are clipped before anything costly, the work of
repairing and drawing the mask is bounded before it starts (MAX_EDGE_OVERLAPS, MAX_PERIMETER), and a CPU
budget is checked between steps. What is stored keeps MAX_VERTICES and MAX_PARTS, so it can be saved again.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
import shapely.ops
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from annotator.core import masks

MAX_VERTICES = 10_000  # per annotation: far beyond any hand-drawn outline, small enough to refuse abuse
MAX_PARTS = 200
# Per annotation. Repair time grows faster than the number of crossings (GEOS make_valid: ~0.06 s at 250,
# ~0.3 s at 1,000, ~5 s at 5,000; 300 random points cross ~20,000 times and take 13 s): a slip of the hand
# crosses a few times, so beyond this an outline is refused rather than tying up the server.
MAX_CROSSINGS = 500
# Per annotation: pairs of edges whose extents overlap along x and along y (an upper bound on the pairs of
# overlapping edge boxes, computed in milliseconds). GEOS make_valid costs ~0.9 us per overlapping pair even
# when the ring crosses itself once: 2,900,000 pairs (a 5,000-point star of 100 px spikes) took 2.5 s, and
# 12,000,000 took 10.5 s. A hand-drawn outline of 10,000 short edges has some 50,000.
MAX_EDGE_OVERLAPS = 1_000_000
# Per annotation, in px: the mask is drawn edge by edge (pycocotools walks every edge at 5x resolution), in
# one step no budget can stop, ~0.1 s per 1,000,000 px. A comb of 10,000 vertices across a 4000 x 4000 image
# measures 20,000,000 px and took 2.2 s of CPU; the outline of a whole 10,000 x 10,000 image is 40,000.
MAX_PERIMETER = 1_000_000
DEFAULT_MIN_AREA = 1.0  # px²: parts smaller than this after repair and clipping are slivers
COORDINATE_DECIMALS = 3  # stored precision: well inside the 0.01 px round-trip promise
GRID = 10.0 ** -COORDINATE_DECIMALS
# GEOS computes differences and products of coordinates: 1e308 - -1e308 overflows to inf and make_valid or
# intersection return nothing. Rings reaching this far are clipped to the image first, in exact arithmetic.
FAR = 1e9  # px
_LARGEST_FLOAT = int(sys.float_info.max)
# CPU seconds the geometry of one save may take (this thread's, so a busy server refuses no more than an idle
# one): past it the save is refused rather than hold a worker thread. Every outline drawn by hand, and the
# worst cases known, take a small fraction of it.
CPU_BUDGET = 2.0
# When repairs push an outline over MAX_VERTICES it is simplified to fit, moving no edge further than this.
SIMPLIFY_TOLERANCES = (0.005, 0.01, 0.02, 0.05, 0.1, 0.2)  # px


class GeometryError(ValueError):
    """An outline that cannot be stored; the message names the part and the problem, for people."""


class Budget:
    """A deadline in this thread's CPU time, checked between bounded steps: no thread is ever interrupted."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.thread_time() + seconds

    def check(self) -> None:
        if time.thread_time() > self.ends:
            raise GeometryError(f"the outline is too complex to check within {self.seconds:g} s of computing; "
                                "simplify it or draw it in fewer points")


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
        total += len(points) // 2
        if total > MAX_VERTICES:
            raise GeometryError(f"too many vertices; the limit is {MAX_VERTICES} per annotation")
        if _plain_finite_numbers(points):  # the common case, checked at numpy's speed
            if len(points) % 2:
                raise GeometryError(f"part {number}: an odd number of coordinates ({len(points)})")
            parsed.append(([float(value) for value in points], hole))
            continue
        # Types before parity: [[x, y], ...] is better told "not a flat list" than "an odd number".
        if any(isinstance(value, list) for value in points):
            raise GeometryError(f"part {number}: 'points' must be a flat list of numbers [x1, y1, x2, y2, ...]")
        for index, value in enumerate(points):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise GeometryError(f"part {number}: point {index // 2 + 1} has a coordinate that is not a number")
            if not _finite(value):
                raise GeometryError(f"part {number}: point {index // 2 + 1} is not a finite number")
        if len(points) % 2:
            raise GeometryError(f"part {number}: an odd number of coordinates ({len(points)})")
        parsed.append(([float(value) for value in points], hole))
    return parsed


def _plain_finite_numbers(points: list[Any]) -> bool:
    """Whether every value is an int or float (not a bool) and finite: then no value needs naming."""
    if not all(type(value) is float or type(value) is int for value in points):
        return False
    try:
        return bool(np.isfinite(np.asarray(points, dtype=float)).all())
    except OverflowError:  # an int too large for a float: the slow path names it
        return False


def _finite(value: int | float) -> bool:
    # JSON integers are unbounded: 1 followed by 400 zeros is an int that float() cannot hold.
    return math.isfinite(value) if isinstance(value, float) else abs(value) <= _LARGEST_FLOAT


def shape_from_parts(raw_parts: Any, width: int, height: int, min_area: float = DEFAULT_MIN_AREA,
                     cpu_budget: float = CPU_BUDGET) -> Shape:
    """Validate, repair and clip submitted parts, then compute the mask: the save path.

    What is stored keeps the limits the input had to meet (MAX_VERTICES, MAX_PARTS), so its owner can save
    it again unchanged; GeometryError if that or the CPU budget cannot be kept.
    """
    budget = Budget(cpu_budget)
    repairs: list[str] = []
    outer: list[Part] = []
    holes: list[Part] = []
    left = _Left(MAX_CROSSINGS, MAX_PERIMETER, MAX_EDGE_OVERLAPS)
    for number, (points, hole) in enumerate(parse_parts(raw_parts), start=1):
        parts = _normalise_ring(points, hole, number, width, height, min_area, repairs, left, budget)
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
    length = sum(_perimeter(_pairs_of(part.points)) for part in parts)
    if length > MAX_PERIMETER:
        raise GeometryError(_too_long(None, length))
    vertices = sum(part.vertex_count for part in parts)
    if vertices <= MAX_VERTICES:
        return parts
    for tolerance in SIMPLIFY_TOLERANCES:
        budget.check()
        simplified = [(part, Polygon(_pairs_of(part.points)).simplify(tolerance, preserve_topology=True))
                      for part in parts]
        kept = tuple(Part(_flat(polygon.exterior.coords[:-1]), part.hole) for part, polygon in simplified
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
    cover = shapely.union_all([Polygon(_pairs_of(part.points)) for part in outer])
    kept = []
    for index, hole in enumerate(holes, start=1):
        if Polygon(_pairs_of(hole.points)).intersection(cover).area > 0:
            kept.append(hole)
        else:
            repairs.append(f"hole {index}: lies outside the outline and cuts nothing: dropped")
    return kept


def _pairs_of(points: Sequence[float]) -> list[tuple[float, float]]:
    return list(zip(points[0::2], points[1::2], strict=True))


def _shape(parts: tuple[Part, ...], width: int, height: int, repairs: tuple[str, ...]) -> Shape:
    rle = mask_of_parts(parts, width, height)
    return Shape(parts=parts, rle=rle, area=masks.area(rle), bbox=masks.bbox(rle), repairs=repairs)


def mask_of_parts(parts: Sequence[Part], width: int, height: int) -> masks.RLE:
    """Union of outer parts minus union of holes, as compressed RLE."""
    outer = masks.polygons_to_rle([list(p.points) for p in parts if not p.hole], height, width)
    hole_rings = [list(p.points) for p in parts if p.hole]
    return masks.subtract(outer, masks.polygons_to_rle(hole_rings, height, width)) if hole_rings else outer


@dataclass
class _Left:
    """What is left of the per-annotation limits on the work of repairing it, as its parts are checked."""

    crossings: int
    length: float
    overlaps: int


def _normalise_ring(points: list[float], hole: bool, number: int, width: int, height: int, min_area: float,
                    repairs: list[str], left: _Left, budget: Budget) -> list[Part]:
    """The part's stored pieces, taking from `left` the crossings repaired, its length and its edge overlaps."""
    # Round first: the ring checked for validity is then the ring stored (rounding a valid ring to the
    # stored precision afterwards can make it touch itself).
    pairs = _distinct_pairs(_rounded_all(points))
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
        pairs = _distinct_pairs(_rounded_all(_clip_to_frame(pairs, width, height, budget)))
        if len(set(pairs)) < 3:
            return []
        if len(pairs) > MAX_VERTICES:
            raise GeometryError(f"part {number}: clipped to the image it has {len(pairs):,} vertices, over the "
                                f"limit of {MAX_VERTICES:,} per annotation; leave out the points outside the image")
    length = _perimeter(pairs)
    if length > left.length:
        raise GeometryError(_too_long(number, MAX_PERIMETER - left.length + length))
    left.length -= length
    budget.check()
    polygon = Polygon(pairs)
    if polygon.is_valid:
        if polygon.area < min_area:
            repairs.append(f"part {number}: dropped a sliver of {polygon.area:.2f} px²")
            return []
        return [Part(_flat(pairs), hole)]  # the common case: kept exactly as drawn (or as clipped)

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
        pieces = _polygons(geometry)
        repairs.append(f"part {number}: repaired a self-intersection into {len(pieces)} part(s)" if pieces
                       else f"part {number}: encloses no area")
    budget.check()
    # Repaired outlines get new vertices: snap them to the stored grid in a way that keeps them valid, where
    # rounding each coordinate might not.
    geometry = shapely.set_precision(geometry, GRID)
    return _parts_of(_polygons(geometry), hole, number, min_area, repairs)


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


def _perimeter(pairs: Sequence[tuple[float, float]]) -> float:
    corners = np.asarray(pairs, dtype=float)
    return float(np.hypot(*(np.roll(corners, -1, axis=0) - corners).T).sum())


def _too_long(number: int | None, length: float) -> str:
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
    result = [Part(_flat(piece.exterior.coords[:-1]), hole) for piece in kept]
    # A repaired ring can enclose an empty pocket: for an outer part that is a hole, and for a hole it is
    # filled again, which the mask's union of outer parts does not need us to say.
    if not hole:
        result.extend(_hole_parts(kept, min_area))
    return result


def _hole_parts(pieces: Sequence[Polygon], min_area: float, exact: BaseGeometry | None = None) -> list[Part]:
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
            parts.append(Part(_flat(pocket.exterior.coords[:-1]), True))
            continue
        if exact is not None:
            empty = _exact_pocket(pocket, exact).difference(exact)
        else:
            islands = [Polygon(piece.exterior) for piece in pieces if pocket.contains(piece.representative_point())]
            empty = pocket.difference(shapely.union_all(islands))
        for piece in _polygons(shapely.set_precision(empty, GRID)):
            for cut in _without_holes(piece):
                cut = shapely.set_precision(cut.simplify(0), GRID)  # simplify(0): no collinear vertices
                parts.extend(Part(_flat(q.exterior.coords[:-1]), True) for q in _polygons(cut) if q.area >= min_area)
    return parts


def _exact_pocket(pocket: Polygon, exact: BaseGeometry) -> Polygon:
    """The pocket of the unsimplified region that a simplified pocket came from: the one it overlaps most."""
    candidates = [Polygon(ring) for piece in _polygons(exact) for ring in piece.interiors]
    return max(candidates, key=lambda candidate: candidate.intersection(pocket).area)


def _without_holes(polygon: Polygon, depth: int = 0) -> list[Polygon]:
    """Cut a polygon into pieces without holes, by vertical lines through its holes."""
    if not polygon.interiors or depth > 100:
        return [polygon]
    x = _cut_x(polygon.interiors[0])
    _, bottom, _, top = polygon.bounds
    pieces = _polygons(shapely.ops.split(polygon, LineString([(x, bottom - 1), (x, top + 1)])))
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


def _clip_to_frame(pairs: Sequence[tuple[float, float]], width: int, height: int,
                   budget: Budget | None = None) -> list[tuple[float, float]]:
    """Sutherland-Hodgman against the image frame, without overflow however far out the points are.

    Clipping a ring to a half-plane keeps the winding number of every point inside it, so a
    self-intersecting ring keeps its meaning inside the image. Each side is one pass over all edges at once.
    """
    ring = np.asarray(pairs, dtype=float).reshape(-1, 2)
    for axis, limit, below in ((0, 0, False), (0, width, True), (1, 0, False), (1, height, True)):
        if budget is not None:
            budget.check()
        inside = ring[:, axis] <= limit if below else ring[:, axis] >= limit
        if inside.all() or not inside.any():
            ring = ring if inside.all() else ring[:0]
            continue
        # Vertex i is preceded by where the edge from vertex i - 1 crosses the side (if it does), and is kept
        # if inside: the clipped ring in order, placed by a running count.
        crosses = inside != np.roll(inside, 1)
        crossing = np.nonzero(crosses)[0]
        at = np.empty((len(crossing), 2))
        at[:, axis] = limit
        at[:, 1 - axis] = _crossings_with(ring[crossing - 1], ring[crossing], axis, float(limit))
        counts = crosses.astype(int) + inside
        starts = np.cumsum(counts) - counts
        clipped = np.empty((int(counts.sum()), 2))
        clipped[starts[crossing]] = at
        kept = np.nonzero(inside)[0]
        clipped[starts[kept] + crosses[kept]] = ring[kept]
        ring = clipped
    return [(x, y) for x, y in ring.tolist()]


def _crossings_with(starts: np.ndarray, ends: np.ndarray, axis: int, limit: float) -> np.ndarray:
    """The other coordinate where each segment meets the line `coordinate[axis] == limit` (each crosses it).

    Floats are exact enough unless both ends are far out: then the answer is a small difference of huge
    numbers (1e308 - 1e308), which only exact arithmetic gets right.
    """
    other = 1 - axis
    start_far = (np.abs(starts) > FAR).any(axis=1)
    end_far = (np.abs(ends) > FAR).any(axis=1)
    # From the near end: its differences to the other end cannot overflow, the fraction of the way is at most
    # 1, and its relative error of a few units in the last place stays far below the stored precision.
    near = np.where(start_far[:, None], ends, starts)
    far = np.where(start_far[:, None], starts, ends)
    both_far = start_far & end_far
    with np.errstate(all="ignore"):  # the rows of both_far are computed below, exactly
        fraction = (limit - near[:, axis]) / (far[:, axis] - near[:, axis])
        result = near[:, other] + fraction * (far[:, other] - near[:, other])
    for index in np.nonzero(both_far)[0]:
        result[index] = _exact_crossing(tuple(starts[index]), tuple(ends[index]), axis, limit)
    return result


def _crossing(start: tuple[float, float], end: tuple[float, float], axis: int, limit: float) -> float:
    """`_crossings_with` for one segment."""
    return float(_crossings_with(np.array([start], dtype=float), np.array([end], dtype=float), axis, limit)[0])


def _exact_crossing(start: tuple[float, float], end: tuple[float, float], axis: int, limit: float) -> float:
    """As `_crossing`, in exact integer arithmetic: every float is a whole multiple of 2**-1074."""
    other = 1 - axis
    x0, y0, x1, y1, at = (_units(value) for value in (start[axis], start[other], end[axis], end[other], limit))
    run = x1 - x0
    # y0 + (at - x0) * (y1 - y0) / run, as one fraction; int / int rounds correctly to the nearest float.
    numerator = y0 * run + (at - x0) * (y1 - y0)
    if run < 0:
        numerator, run = -numerator, -run
    return numerator / (run << 1074)


def _units(value: float) -> int:
    numerator, denominator = float(value).as_integer_ratio()
    return numerator << (1074 - denominator.bit_length() + 1)


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
    return tuple(_rounded(float(value)) for pair in pairs for value in pair[:2])


def _rounded_all(values: Sequence[float] | np.ndarray) -> list[float]:
    """`_rounded` of each value (a flat list, or an array of points), at numpy's speed where that is identical:
    rint(x * 1000) / 1000 is the double nearest the decimal Python's round() gives, unless x * 1000 lies
    within its own rounding error of a tie, where round() decides."""
    flat = np.asarray(values, dtype=float).ravel()
    with np.errstate(all="ignore"):
        scaled = flat * 10.0 ** COORDINATE_DECIMALS
        result = np.rint(scaled) / 10.0 ** COORDINATE_DECIMALS
        doubtful = (np.abs(flat) >= FAR) | (np.abs(np.abs(scaled - np.trunc(scaled)) - 0.5) < 1e-3)
    rounded = result.tolist()
    for index in np.nonzero(doubtful)[0].tolist():
        rounded[index] = _rounded(float(flat[index]))
    return rounded


def _rounded(value: float) -> float:
    # Floats from 2**52 on are whole numbers already, and round() of 1e308 costs ~10 us (it goes by decimal
    # digits): 5,000 of them were half the time of a far-reaching star.
    return value if abs(value) >= 2.0 ** 52 else round(value, COORDINATE_DECIMALS)


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
    exact = shapely.union_all(shapely.box(run_starts, run_rows, run_ends, run_rows + 1))
    region = exact.simplify(simplify, preserve_topology=True) if simplify > 0 else exact
    pieces = _polygons(shapely.make_valid(region))
    return [Part(_flat(piece.exterior.coords[:-1])) for piece in pieces] + _hole_parts(pieces, 0.0, exact)


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
