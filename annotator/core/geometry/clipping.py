"""Clipping a ring to the image frame, without overflow however far out its points are."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from annotator.core.geometry.parts import Budget
from annotator.core.geometry.rings import FAR


def clip_to_frame(pairs: Sequence[tuple[float, float]], width: int, height: int,
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
