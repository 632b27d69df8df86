"""Plane geometry in output pixels: the image frame and the shapely helpers every builder uses."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import shapely
from shapely import affinity
from shapely.geometry import LineString, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.validation import make_valid

WIDTH, HEIGHT = 1280, 720  # output pixels
_FRAME = box(0, 0, WIDTH, HEIGHT)


def polygons(geom: BaseGeometry) -> list[Polygon]:
    """The polygons in a geometry of any kind, flattened."""
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in polygons(g)]
    return []  # lines and points left over from set operations have no area


def valid_region(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygonal part of a geometry, made valid."""
    if not geom.is_valid:
        geom = make_valid(geom)
    parts = [p for p in polygons(geom) if p.area > 0]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def clip_to_frame(geom: BaseGeometry) -> BaseGeometry:
    """The valid polygonal part of a geometry inside the image frame."""
    return valid_region(valid_region(geom).intersection(_FRAME))


def union(geoms: Sequence[BaseGeometry]) -> BaseGeometry:
    """The valid polygonal union of some geometries, empty ones ignored."""
    return valid_region(shapely.union_all([g for g in geoms if not g.is_empty]))


def ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 28) -> Polygon:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return Polygon(np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1))


def to_image(geom: BaseGeometry, foot: np.ndarray, scale: float) -> BaseGeometry:
    """Figure geometry in metres (x right, y up from the feet) to pixels around the projected foot point."""
    return affinity.affine_transform(geom, [scale, 0.0, 0.0, -scale, float(foot[0]), float(foot[1])])


def capsule(points: Sequence[tuple[float, float]], r: float) -> BaseGeometry:
    """A polyline thickened by r with round ends: limbs, tubes, strokes."""
    return LineString(points).buffer(r, quad_segs=6)
