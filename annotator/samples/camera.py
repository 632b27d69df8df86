"""The pinhole camera and its projection, and convex solids with the faces it can see."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from shapely.geometry import MultiPoint, Polygon

from .shapes import WIDTH

_CAMERA_HEIGHT = 1.45


@dataclass(frozen=True)
class Camera:
    """Pinhole camera at the origin looking down +z; x right, y up (metres), ground at y = 0."""

    horizon: float
    curve: float
    focal: float = 880.0
    height: float = _CAMERA_HEIGHT
    cx: float = WIDTH / 2

    def road_x(self, z: np.ndarray | float) -> np.ndarray:
        return self.curve * np.square(z)

    def heading(self, z: float) -> float:
        """Direction of the road at depth z, radians clockwise from straight ahead."""
        return math.atan(2.0 * self.curve * z)

    def world(self, o: float | np.ndarray, y: float | np.ndarray, z: float | np.ndarray) -> np.ndarray:
        """Points given as (lateral offset from the road line, height, depth) to world coordinates."""
        zz = np.atleast_1d(np.asarray(z, dtype=float))
        oo = np.broadcast_to(np.asarray(o, dtype=float), zz.shape)
        yy = np.broadcast_to(np.asarray(y, dtype=float), zz.shape)
        return np.stack([self.road_x(zz) + oo, yy, zz], axis=-1)

    def project(self, pts: np.ndarray) -> np.ndarray:
        p = np.asarray(pts, dtype=float).reshape(-1, 3)
        z = np.maximum(p[:, 2], 0.05)
        return np.stack(
            [self.cx + self.focal * p[:, 0] / z, self.horizon + self.focal * (self.height - p[:, 1]) / z],
            axis=1,
        )

    def scale(self, z: float) -> float:
        """Pixels per metre at depth z."""
        return self.focal / max(z, 0.05)

    @property
    def position(self) -> np.ndarray:
        return np.array([0.0, self.height, 0.0])


def quad_point(corners: np.ndarray, a: float, b: float) -> np.ndarray:
    """Bilinear point on a face given as bottom-start, bottom-end, top-end, top-start corners."""
    bottom = corners[0] + (corners[1] - corners[0]) * a
    top = corners[3] + (corners[2] - corners[3]) * a
    return bottom + (top - bottom) * b


def sub_quad(corners: np.ndarray, a0: float, a1: float, b0: float, b1: float) -> np.ndarray:
    return np.array(
        [
            quad_point(corners, a0, b0),
            quad_point(corners, a1, b0),
            quad_point(corners, a1, b1),
            quad_point(corners, a0, b1),
        ]
    )


@dataclass(frozen=True)
class Face:
    corners: np.ndarray  # (n, 3) world points of the face loop
    normal: np.ndarray
    kind: str
    quad: np.ndarray | None  # 4 corners for placing details (windows, lights), walls only


@dataclass(frozen=True)
class Solid:
    """A convex polyhedron: its silhouette is the hull of its projected corners, faces shade by normal."""

    verts: np.ndarray
    faces: tuple[tuple[tuple[int, ...], str, tuple[int, ...] | None], ...]

    def hull(self, cam: Camera) -> Polygon:
        return MultiPoint(cam.project(self.verts)).convex_hull

    def visible(self, cam: Camera) -> list[Face]:
        centre = self.verts.mean(axis=0)
        out = []
        for loop, kind, quad in self.faces:
            pts = self.verts[list(loop)]
            normal = np.zeros(3)
            for i in range(len(pts)):  # Newell's method: robust for any planar loop
                a, b = pts[i], pts[(i + 1) % len(pts)]
                normal += np.array(
                    [
                        (a[1] - b[1]) * (a[2] + b[2]),
                        (a[2] - b[2]) * (a[0] + b[0]),
                        (a[0] - b[0]) * (a[1] + b[1]),
                    ]
                )
            normal /= max(np.linalg.norm(normal), 1e-12)
            face_centre = pts.mean(axis=0)
            if np.dot(normal, face_centre - centre) < 0:
                normal = -normal
            if np.dot(normal, cam.position - face_centre) > 1e-9:
                out.append(Face(pts, normal, kind, None if quad is None else self.verts[list(quad)]))
        return out


def frustum(bottom: np.ndarray, top: np.ndarray, kinds: Sequence[str] = ()) -> Solid:
    """Solid between two 4-point loops (a box when both are the same rectangle)."""
    verts = np.vstack([bottom, top])
    faces: list[tuple[tuple[int, ...], str, tuple[int, ...] | None]] = [
        ((0, 1, 2, 3), "bottom", None),
        ((4, 5, 6, 7), "top", None),
    ]
    for i in range(4):
        j = (i + 1) % 4
        loop = (i, j, j + 4, i + 4)
        faces.append((loop, kinds[i] if kinds else f"side{i}", loop))
    return Solid(verts, tuple(faces))


def local_to_world(local: np.ndarray, origin: np.ndarray, theta: float) -> np.ndarray:
    """Object-local points (x right, y up, z forward) to world for an object heading theta."""
    c, s = math.cos(theta), math.sin(theta)
    x, y, z = local[:, 0], local[:, 1], local[:, 2]
    return np.stack([origin[0] + x * c + z * s, origin[1] + y, origin[2] - x * s + z * c], axis=1)
