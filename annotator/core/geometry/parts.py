"""What an outline is made of, and the limits it must keep: parts and shapes, checking submitted parts,
and the CPU budget of one save."""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

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
_LARGEST_FLOAT = int(sys.float_info.max)
# CPU seconds the geometry of one save may take (this thread's, so a busy server refuses no more than an idle
# one): past it the save is refused rather than hold a worker thread. Every outline drawn by hand, and the
# worst cases known, take a small fraction of it.
CPU_BUDGET = 2.0


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
