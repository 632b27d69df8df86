"""Rings as stored: flat lists and point pairs, rounded to the stored grid, and the polygons in a geometry."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

COORDINATE_DECIMALS = 3  # stored precision: well inside the 0.01 px round-trip promise
GRID = 10.0 ** -COORDINATE_DECIMALS
# GEOS computes differences and products of coordinates: 1e308 - -1e308 overflows to inf and make_valid or
# intersection return nothing. Rings reaching this far are clipped to the image first, in exact arithmetic.
FAR = 1e9  # px


def pairs_of(points: Sequence[float]) -> list[tuple[float, float]]:
    """The (x, y) pairs of a flat ring."""
    return list(zip(points[0::2], points[1::2], strict=True))


def distinct_pairs(points: Sequence[float]) -> list[tuple[float, float]]:
    """Pairs with consecutive repeats (and a closing repeat of the first point) removed."""
    pairs: list[tuple[float, float]] = []
    for x, y in zip(points[0::2], points[1::2], strict=True):
        if not pairs or (x, y) != pairs[-1]:
            pairs.append((x, y))
    while len(pairs) > 1 and pairs[0] == pairs[-1]:
        pairs.pop()
    return pairs


def polygons_of(geometry: BaseGeometry) -> list[Polygon]:
    """The polygonal pieces of any geometry (make_valid and intersection may add lines and points)."""
    if isinstance(geometry, Polygon):
        return [geometry] if not geometry.is_empty else []
    if isinstance(geometry, MultiPolygon):
        return [piece for piece in geometry.geoms if not piece.is_empty]
    if hasattr(geometry, "geoms"):
        return [piece for sub in geometry.geoms for piece in polygons_of(sub)]
    return []


def flat_ring(pairs: Sequence[Sequence[float]]) -> tuple[float, ...]:
    """The flat ring of these points, each coordinate rounded to the stored grid."""
    return tuple(_rounded(float(value)) for pair in pairs for value in pair[:2])


def rounded_all(values: Sequence[float] | np.ndarray) -> list[float]:
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
