"""Synthetic driving scenes with exact COCO ground truth, rendered deterministically.

The annotator ships these sample images so a workshop can start without data of its own, and so a
participant's outlines can be scored against a known answer. Each scene is a list of shapes in
painter's order: the same shapely geometry is rasterised into the picture and, minus everything
drawn later on top of it, written to the ground truth, so pixels and truth always agree.

Regenerate with ``python -m annotator.samples [OUT_DIR]`` (or ``annotator samples render``): all
randomness comes from fixed seeds, so the same library versions give byte-identical files.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import pathlib
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import shapely
from PIL import Image, ImageDraw, ImageFilter
from pycocotools import mask as mask_utils
from shapely import affinity
from shapely.geometry import LineString, MultiPoint, MultiPolygon, Point, Polygon, box
from shapely.geometry.base import BaseGeometry
from shapely.validation import make_valid

from annotator.labels import DEFAULT_LABELS

__all__ = ["SCENE_COUNT", "Scene", "SceneObject", "build_ground_truth", "render_scene", "write_samples"]

SCENE_COUNT = 8
WIDTH, HEIGHT = 1280, 720
_SS = 2  # supersampling: draw at 2x and box-downsample, so edges are antialiased like a real lens
_MIN_AREA = 16.0  # visible regions smaller than this (px) are not worth asking anyone to outline
_FRAME = box(0, 0, WIDTH, HEIGHT)
_CAMERA_HEIGHT = 1.45

RGB = tuple[float, float, float]
Paint = Callable[["_Layer"], None]


# --------------------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class SceneObject:
    """One annotated instance or stuff region: a category name and its visible region in pixels."""

    category: str
    geometry: BaseGeometry


@dataclass(frozen=True)
class Scene:
    """A rendered sample: its file name, the RGB image and its objects in painter's order."""

    file_name: str
    image: Image.Image
    objects: tuple[SceneObject, ...]


# ------------------------------------------------------------------------------------ light & layout


@dataclass(frozen=True)
class _Light:
    """Everything that differs between day, dusk, rain...: sky, shading, haze, weather."""

    sky: tuple[RGB, ...]  # gradient stops from the top of the frame down to the horizon
    ambient: float
    tint: RGB
    sun: tuple[float, float, float] | None  # direction the sunlight travels (unit vector)
    sun_strength: float
    haze: RGB
    haze_distance: float  # metres at which 63 % of an object's colour has turned to haze
    clouds: str  # cumulus | overcast | streaks | night | none
    lamps: bool = False  # street lamps, car lights and lit shop windows on
    lit_windows: float = 0.0
    rain: float = 0.0
    sensor_noise: float = 2.0
    shadow: RGB = (0.6, 0.63, 0.72)
    wet: float = 0.0  # how much the road mirrors the sky

    def shade(self, rgb: RGB, normal: Sequence[float] = (0.0, 0.0, -1.0), depth: float = 0.0) -> RGB:
        """Lambert-ish shading of a surface colour plus distance haze (atmospheric perspective)."""
        nx, ny, nz = normal
        k = self.ambient * (0.78 + 0.22 * ny)
        if self.sun is not None:
            sx, sy, sz = self.sun
            k += self.sun_strength * max(0.0, -(nx * sx + ny * sy + nz * sz))
        lit = (rgb[0] * k * self.tint[0], rgb[1] * k * self.tint[1], rgb[2] * k * self.tint[2])
        return self.fog(lit, depth)

    def fog(self, rgb: RGB, depth: float) -> RGB:
        t = 1.0 - math.exp(-max(depth, 0.0) / self.haze_distance)
        return (
            rgb[0] + (self.haze[0] - rgb[0]) * t,
            rgb[1] + (self.haze[1] - rgb[1]) * t,
            rgb[2] + (self.haze[2] - rgb[2]) * t,
        )


def _unit(x: float, y: float, z: float) -> tuple[float, float, float]:
    n = math.sqrt(x * x + y * y + z * z)
    return (x / n, y / n, z / n)


_LIGHTS: dict[str, _Light] = {
    "day": _Light(
        sky=((58, 112, 190), (118, 165, 220), (196, 216, 234)),
        ambient=0.8,
        tint=(1.0, 0.99, 0.95),
        sun=_unit(-0.55, -0.6, 0.58),
        sun_strength=0.42,
        haze=(188, 205, 226),
        haze_distance=420,
        clouds="cumulus",
        sensor_noise=1.8,
    ),
    "overcast": _Light(
        sky=((122, 128, 138), (160, 165, 172), (200, 202, 205)),
        ambient=0.95,
        tint=(0.97, 0.99, 1.0),
        sun=None,
        sun_strength=0.0,
        haze=(178, 182, 188),
        haze_distance=240,
        clouds="overcast",
        sensor_noise=2.2,
        shadow=(0.78, 0.78, 0.8),
    ),
    "dusk": _Light(
        sky=((36, 46, 96), (142, 92, 122), (250, 156, 86)),
        ambient=0.6,
        tint=(1.12, 0.9, 0.75),
        sun=_unit(0.7, -0.22, -0.68),
        sun_strength=0.28,
        haze=(214, 146, 108),
        haze_distance=300,
        clouds="streaks",
        lamps=True,
        lit_windows=0.22,
        sensor_noise=3.0,
        shadow=(0.66, 0.64, 0.76),
    ),
    "rain": _Light(
        sky=((74, 80, 90), (100, 106, 114), (134, 139, 145)),
        ambient=0.62,
        tint=(0.92, 0.97, 1.04),
        sun=None,
        sun_strength=0.0,
        haze=(118, 124, 132),
        haze_distance=110,
        clouds="overcast",
        lamps=True,
        lit_windows=0.18,
        rain=1.0,
        sensor_noise=3.0,
        shadow=(0.8, 0.8, 0.82),
        wet=0.45,
    ),
    "night": _Light(
        sky=((6, 10, 28), (20, 28, 60), (84, 70, 86)),
        ambient=0.3,
        tint=(0.82, 0.9, 1.15),
        sun=None,
        sun_strength=0.0,
        haze=(36, 36, 54),
        haze_distance=260,
        clouds="night",
        lamps=True,
        lit_windows=0.5,
        sensor_noise=4.0,
        shadow=(0.8, 0.8, 0.85),
        wet=0.12,
    ),
    "fog": _Light(
        sky=((186, 190, 195), (200, 203, 206), (210, 212, 214)),
        ambient=0.9,
        tint=(1.0, 1.0, 1.01),
        sun=None,
        sun_strength=0.0,
        haze=(204, 206, 208),
        haze_distance=62,
        clouds="none",
        sensor_noise=2.0,
        shadow=(0.8, 0.8, 0.82),
    ),
    "afternoon": _Light(
        sky=((66, 124, 204), (128, 170, 222), (216, 222, 226)),
        ambient=0.78,
        tint=(1.05, 1.0, 0.9),
        sun=_unit(0.6, -0.55, 0.58),
        sun_strength=0.45,
        haze=(206, 210, 218),
        haze_distance=380,
        clouds="cumulus",
        sensor_noise=1.8,
        shadow=(0.55, 0.58, 0.7),
    ),
    "drizzle": _Light(
        sky=((96, 102, 112), (128, 133, 140), (168, 171, 175)),
        ambient=0.74,
        tint=(0.95, 0.98, 1.02),
        sun=None,
        sun_strength=0.0,
        haze=(150, 155, 162),
        haze_distance=150,
        clouds="overcast",
        lamps=True,
        lit_windows=0.08,
        rain=0.45,
        sensor_noise=2.6,
        shadow=(0.8, 0.8, 0.82),
        wet=0.3,
    ),
}


@dataclass(frozen=True)
class _Spec:
    """Layout of one scene; every field is a deliberate choice so the set covers varied streets."""

    seed: int
    light: str
    curve: float = 0.0  # road bends by curve * z^2 metres sideways at depth z (positive: to the right)
    horizon: float = 330.0
    lanes: int = 1  # lanes in each direction
    median: float = 0.0  # width of a grass median, 0 for an undivided road
    town: str = "city"  # city (blocks of flats, shops) or suburb (houses, gardens, hedges)
    crossing: float = 0.0  # depth of a zebra crossing, 0 for none
    cars: int = 5
    walkers: int = 3
    cyclist: tuple[float, float, float] = (1.0, 11.0, 70.0)  # lateral offset, depth, heading (degrees)
    overhead_light: bool = False
    street_trees: bool = True


_SPECS: tuple[_Spec, ...] = (
    _Spec(seed=1101, light="day", crossing=19.0, cars=5, walkers=4, cyclist=(2.6, 10.5, 62.0)),
    _Spec(
        seed=1202,
        light="overcast",
        horizon=322.0,
        lanes=2,
        median=3.0,
        cars=7,
        walkers=3,
        cyclist=(4.0, 10.0, 58.0),
        overhead_light=True,
        street_trees=False,
    ),
    _Spec(
        seed=1303,
        light="dusk",
        curve=0.0011,
        horizon=338.0,
        town="suburb",
        cars=4,
        walkers=3,
        cyclist=(0.2, 11.5, -82.0),
    ),
    _Spec(
        seed=1404,
        light="rain",
        horizon=334.0,
        lanes=2,
        crossing=17.0,
        cars=6,
        walkers=4,
        cyclist=(4.2, 10.5, 55.0),
    ),
    _Spec(
        seed=1505,
        light="night",
        curve=-0.0009,
        cars=5,
        walkers=3,
        cyclist=(-1.0, 12.0, 100.0),
        overhead_light=True,
    ),
    _Spec(
        seed=1606,
        light="afternoon",
        curve=-0.0015,
        horizon=344.0,
        town="suburb",
        crossing=16.0,
        cars=4,
        walkers=3,
        cyclist=(1.8, 9.5, -60.0),
    ),
    _Spec(
        seed=1707,
        light="fog",
        horizon=326.0,
        lanes=2,
        median=2.6,
        cars=6,
        walkers=3,
        cyclist=(4.0, 9.5, 78.0),
    ),
    _Spec(
        seed=1808,
        light="drizzle",
        curve=0.0013,
        crossing=18.0,
        cars=5,
        walkers=4,
        cyclist=(2.2, 11.0, -70.0),
        overhead_light=True,
    ),
)


@dataclass(frozen=True)
class _Camera:
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


@dataclass(frozen=True)
class _Road:
    """Lateral layout in metres from the centre of the camera's lane (positive: right)."""

    lane: float
    lanes: int
    median: float
    walk: float

    @property
    def right_edge(self) -> float:
        return -self.lane / 2 + self.lanes * self.lane

    @property
    def median_left(self) -> float:
        return -self.lane / 2 - self.median

    @property
    def left_edge(self) -> float:
        return self.median_left - self.lanes * self.lane

    def lane_centre(self, index: int) -> float:
        """0, 1.. are lanes going our way (0 is ours); -1, -2.. are oncoming lanes from the middle out."""
        if index >= 0:
            return index * self.lane
        return self.median_left - (-index - 0.5) * self.lane


# ----------------------------------------------------------------------------------- geometry helpers


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if geom.is_empty:
        return []
    if isinstance(geom, Polygon):
        return [geom]
    if hasattr(geom, "geoms"):
        return [p for g in geom.geoms for p in _polygons(g)]
    return []  # lines and points left over from set operations have no area


def _region(geom: BaseGeometry) -> BaseGeometry:
    """Only the polygonal part of a geometry, made valid."""
    if not geom.is_valid:
        geom = make_valid(geom)
    parts = [p for p in _polygons(geom) if p.area > 0]
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def _clip(geom: BaseGeometry) -> BaseGeometry:
    return _region(_region(geom).intersection(_FRAME))


def _union(geoms: Sequence[BaseGeometry]) -> BaseGeometry:
    return _region(shapely.union_all([g for g in geoms if not g.is_empty]))


def _ellipse(cx: float, cy: float, rx: float, ry: float, n: int = 28) -> Polygon:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return Polygon(np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], axis=1))


def _to_image(geom: BaseGeometry, foot: np.ndarray, scale: float) -> BaseGeometry:
    """Figure geometry in metres (x right, y up from the feet) to pixels around the projected foot point."""
    return affinity.affine_transform(geom, [scale, 0.0, 0.0, -scale, float(foot[0]), float(foot[1])])


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def _scaled(rgb: RGB, k: float) -> RGB:
    return (rgb[0] * k, rgb[1] * k, rgb[2] * k)


def _quad_point(corners: np.ndarray, a: float, b: float) -> np.ndarray:
    """Bilinear point on a face given as bottom-start, bottom-end, top-end, top-start corners."""
    bottom = corners[0] + (corners[1] - corners[0]) * a
    top = corners[3] + (corners[2] - corners[3]) * a
    return bottom + (top - bottom) * b


def _sub_quad(corners: np.ndarray, a0: float, a1: float, b0: float, b1: float) -> np.ndarray:
    return np.array(
        [
            _quad_point(corners, a0, b0),
            _quad_point(corners, a1, b0),
            _quad_point(corners, a1, b1),
            _quad_point(corners, a0, b1),
        ]
    )


@dataclass(frozen=True)
class _Face:
    corners: np.ndarray  # (n, 3) world points of the face loop
    normal: np.ndarray
    kind: str
    quad: np.ndarray | None  # 4 corners for placing details (windows, lights), walls only


@dataclass(frozen=True)
class _Solid:
    """A convex polyhedron: its silhouette is the hull of its projected corners, faces shade by normal."""

    verts: np.ndarray
    faces: tuple[tuple[tuple[int, ...], str, tuple[int, ...] | None], ...]

    def hull(self, cam: _Camera) -> Polygon:
        return MultiPoint(cam.project(self.verts)).convex_hull

    def visible(self, cam: _Camera) -> list[_Face]:
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
                out.append(_Face(pts, normal, kind, None if quad is None else self.verts[list(quad)]))
        return out


def _frustum(bottom: np.ndarray, top: np.ndarray, kinds: Sequence[str] = ()) -> _Solid:
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
    return _Solid(verts, tuple(faces))


def _local_to_world(local: np.ndarray, origin: np.ndarray, theta: float) -> np.ndarray:
    """Object-local points (x right, y up, z forward) to world for an object heading theta."""
    c, s = math.cos(theta), math.sin(theta)
    x, y, z = local[:, 0], local[:, 1], local[:, 2]
    return np.stack([origin[0] + x * c + z * s, origin[1] + y, origin[2] - x * s + z * c], axis=1)


# ------------------------------------------------------------------------------------ drawing helpers


class _Layer:
    """A 2x-resolution patch of the canvas for one item; all coordinates given in output pixels."""

    def __init__(self, x0: int, y0: int, w: int, h: int, fill: RGB) -> None:
        self.x0, self.y0 = x0, y0
        self.image = Image.new("RGB", (w, h), _rgb(fill))
        self.draw = ImageDraw.Draw(self.image)

    def pt(self, x: float, y: float) -> tuple[float, float]:
        # Pixel i covers [i, i+1) in output coordinates (as pycocotools assumes); PIL puts pixel
        # centres on integers, hence the half-pixel shift at 2x.
        return (x * _SS - 0.5 - self.x0, y * _SS - 0.5 - self.y0)

    def polygon(
        self,
        pts: Sequence[Sequence[float]] | np.ndarray,
        fill: RGB,
        draw: ImageDraw.ImageDraw | None = None,
        value: int | None = None,
    ) -> None:
        if len(pts) < 3:
            return
        (draw or self.draw).polygon(
            [self.pt(p[0], p[1]) for p in pts], fill=_rgb(fill) if value is None else value
        )

    def shape(self, geom: BaseGeometry, fill: RGB) -> None:
        for part in _polygons(geom):
            self.polygon(np.asarray(part.exterior.coords), fill)

    def darken(self, geom: BaseGeometry, k: float, blur: float = 0.0) -> None:
        """Multiply what is already painted inside `geom` by k (soft-edged with blur, in 2x pixels)."""
        mask = Image.new("L", self.image.size, 0)
        draw = ImageDraw.Draw(mask)
        for part in _polygons(geom):
            self.polygon(np.asarray(part.exterior.coords), (0, 0, 0), draw=draw, value=255)
        if blur:
            mask = mask.filter(ImageFilter.GaussianBlur(blur))
        self.image.paste(self.image.point(lambda v: round(v * k)), (0, 0), mask)

    def line(self, pts: Sequence[Sequence[float]] | np.ndarray, fill: RGB, width: float) -> None:
        self.draw.line([self.pt(p[0], p[1]) for p in pts], fill=_rgb(fill), width=max(1, round(width * _SS)))

    def ellipse(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        fill: RGB | None = None,
        draw: ImageDraw.ImageDraw | None = None,
        value: int | None = None,
    ) -> None:
        rx, ry = max(rx, 0.3), max(ry, 0.3)
        x0, y0 = self.pt(cx - rx, cy - ry)
        x1, y1 = self.pt(cx + rx, cy + ry)
        colour = value if value is not None else _rgb(fill or (0, 0, 0))
        (draw or self.draw).ellipse([x0, y0, x1, y1], fill=colour)


def _rgb(c: RGB) -> tuple[int, int, int]:
    return (min(255, max(0, round(c[0]))), min(255, max(0, round(c[1]))), min(255, max(0, round(c[2]))))


@dataclass
class _Item:
    """One drawn thing: its category, its silhouette in pixels, and how to paint inside it."""

    category: str
    shape: BaseGeometry
    paint: Paint
    base: RGB
    grain: float = 3.0  # per-pixel texture noise at 2x (sigma, grey levels)
    mottle: tuple[tuple[float, float], ...] = ()  # low-frequency noise octaves: (amplitude, cell size at 2x)
    patches: bool = False  # takes cast shadows and light pools (ground surfaces)


@dataclass(frozen=True)
class _Patch:
    shape: BaseGeometry
    factor: RGB  # multiplied into the surface: < 1 shadow, > 1 light pool
    blur: float  # softness at 2x


@dataclass(frozen=True)
class _Glow:
    x: float
    y: float
    sigma: float
    colour: RGB
    strength: float


@dataclass
class _Ctx:
    """Everything one scene's builders share while laying it out."""

    spec: _Spec
    light: _Light
    cam: _Camera
    road: _Road
    rng: np.random.Generator  # layout
    tex: np.random.Generator  # texture detail, consumed while painting
    ground: list[_Item] = field(default_factory=list)
    background: list[tuple[int, float, int, _Item]] = field(default_factory=list)
    street: list[tuple[float, int, _Item]] = field(default_factory=list)
    patches: list[_Patch] = field(default_factory=list)
    glows: list[_Glow] = field(default_factory=list)
    median_posts: list[float] = field(default_factory=list)

    def add(self, depth: float, item: _Item) -> None:
        """Street objects are painted far to near; ties keep insertion order (pole before its sign)."""
        if not item.shape.is_empty:
            self.street.append((depth, len(self.street), item))

    def add_background(self, layer: int, depth: float, item: _Item) -> None:
        """Scenery behind the street: backdrop 0, buildings 1, gardens 2, hedges 3; each far to near."""
        if not item.shape.is_empty:
            self.background.append((layer, depth, len(self.background), item))

    def items(self) -> list[_Item]:
        back = sorted(self.background, key=lambda entry: (entry[0], -entry[1], entry[2]))
        ordered = sorted(self.street, key=lambda entry: (-entry[0], entry[1]))
        return [*self.ground, *(entry[3] for entry in back), *(item for _, _, item in ordered)]

    @property
    def max_depth(self) -> float:
        # Objects lost in the haze would be "visible" in the truth but not in the picture.
        return min(400.0, self.light.haze_distance * 1.6)

    def glow(self, x: float, y: float, sigma: float, colour: RGB, strength: float) -> None:
        if -4 * sigma < x < WIDTH + 4 * sigma and -4 * sigma < y < HEIGHT + 4 * sigma:
            self.glows.append(_Glow(x, y, max(sigma, 0.8), colour, strength))


# ------------------------------------------------------------------------------------- ground & sky


def _ground_points(cam: _Camera, o0: float, o1: float, y: float, zs: np.ndarray) -> np.ndarray:
    return cam.project(np.vstack([cam.world(o0, y, zs), cam.world(o1, y, zs[::-1])]))


def _wall_points(cam: _Camera, o: float, y0: float, y1: float, zs: np.ndarray) -> np.ndarray:
    return cam.project(np.vstack([cam.world(o, y0, zs), cam.world(o, y1, zs[::-1])]))


def _ground_region(
    cam: _Camera, o0: float, o1: float, y: float, z0: float = 0.6, z1: float = 2500.0
) -> BaseGeometry:
    return _clip(Polygon(_ground_points(cam, o0, o1, y, np.geomspace(z0, z1, 90))))


_BAND_EDGES = np.geomspace(0.6, 2500.0, 64)


def _paint_strip(
    lay: _Layer,
    ctx: _Ctx,
    o0: float,
    o1: float,
    y: float,
    colour: RGB,
    z0: float = 0.6,
    z1: float = 2500.0,
    wet: float = 0.0,
) -> None:
    """A ground strip in depth bands, each shaded with its own haze (and sky reflection when wet)."""
    edges = _BAND_EDGES[(z0 <= _BAND_EDGES) & (z1 >= _BAND_EDGES)]
    edges = np.unique(np.concatenate([[z0], edges, [z1]]))
    for za, zb in itertools.pairwise(edges):
        zm = math.sqrt(za * zb)
        c = ctx.light.shade(colour, (0.0, 1.0, 0.0), zm)
        if wet:  # a wet road mirrors the sky more at grazing angles, i.e. further away
            c = _mix(c, ctx.light.sky[-1], wet * min(0.85, 0.25 + zm / 80.0))
        lay.polygon(_ground_points(ctx.cam, o0, o1, y, np.array([za, zm, zb])), c)


def _ground_quad(
    cam: _Camera, o0: float, o1: float, z0: float, z1: float, y: float = 0.0, n: int = 3
) -> np.ndarray:
    return _ground_points(cam, o0, o1, y, np.linspace(z0, z1, n))


def _add_sky(ctx: _Ctx) -> None:
    light, horizon = ctx.light, ctx.cam.horizon

    def paint(lay: _Layer) -> None:
        stops = np.array(light.sky, dtype=float)
        for row in range(lay.image.height):
            y = (row + lay.y0 + 0.5) / _SS
            t = min(1.0, max(0.0, y / horizon)) ** 1.3 * (len(stops) - 1)
            i = min(int(t), len(stops) - 2)
            c = stops[i] + (stops[i + 1] - stops[i]) * (t - i)
            lay.draw.line([(0, row), (lay.image.width, row)], fill=_rgb(tuple(c)))
        _paint_clouds(lay, ctx)

    mottle = ((9.0, 220.0), (4.0, 60.0)) if light.clouds == "overcast" else ((1.5, 200.0),)
    ctx.ground.append(
        _Item("sky", _clip(box(0, 0, WIDTH, horizon + 1)), paint, light.sky[-1], grain=1.0, mottle=mottle)
    )


def _paint_clouds(lay: _Layer, ctx: _Ctx) -> None:
    light, rng, horizon = ctx.light, ctx.tex, ctx.cam.horizon
    if light.clouds in ("none", "overcast"):
        return  # overcast skies get their structure from the item's low-frequency mottle
    shade_mask = Image.new("L", lay.image.size, 0)
    lit_mask = Image.new("L", lay.image.size, 0)
    shade_draw, lit_draw = ImageDraw.Draw(shade_mask), ImageDraw.Draw(lit_mask)
    if light.clouds == "cumulus":
        for _ in range(int(rng.integers(4, 8))):
            cy = rng.uniform(0.1, 0.8) * horizon
            size = rng.uniform(60, 200) * (0.35 + cy / horizon * 0.4 if cy > 0.5 * horizon else 1.0)
            cx = rng.uniform(-50, WIDTH + 50)
            for _ in range(int(rng.integers(7, 15))):
                px = cx + rng.uniform(-0.7, 0.7) * size
                py = cy - rng.uniform(0.0, 0.35) * size * (1 - abs(px - cx) / size * 0.6)
                r = rng.uniform(0.18, 0.34) * size
                lay.ellipse(px, py + 0.12 * r, r, r * 0.75, draw=shade_draw, value=255)
                lay.ellipse(px - 0.08 * r, py - 0.12 * r, r * 0.88, r * 0.66, draw=lit_draw, value=235)
        lit_colour = _mix((255, 255, 255), light.sky[-1], 0.1)
        shade_colour = _mix(light.sky[1], (150, 156, 168), 0.6)
        blur = 5.0
    else:  # streaks at dusk, faint bands at night
        count = 9 if light.clouds == "streaks" else 6
        for _ in range(count):
            cy = rng.uniform(0.15, 0.85) * horizon
            cx = rng.uniform(0, WIDTH)
            length = rng.uniform(150, 460)
            for _ in range(5):
                px, py = cx + rng.uniform(-0.4, 0.4) * length, cy + rng.uniform(-6, 6)
                rx, ry = length * rng.uniform(0.2, 0.5), rng.uniform(4, 12)
                lay.ellipse(px, py, rx, ry, draw=shade_draw, value=200)
                lay.ellipse(px, py + ry * 0.4, rx * 0.8, ry * 0.45, draw=lit_draw, value=190)
        if light.clouds == "streaks":
            shade_colour, lit_colour = (96, 72, 104), (255, 150, 120)
        else:
            shade_colour, lit_colour = (30, 34, 56), (58, 56, 74)
        blur = 7.0
    sky = lay.image
    sky.paste(
        Image.new("RGB", sky.size, _rgb(shade_colour)),
        (0, 0),
        shade_mask.filter(ImageFilter.GaussianBlur(blur)),
    )
    sky.paste(
        Image.new("RGB", sky.size, _rgb(lit_colour)), (0, 0), lit_mask.filter(ImageFilter.GaussianBlur(blur))
    )


def _add_ground(ctx: _Ctx) -> None:
    """Terrain under everything, then sidewalks with kerbs, the road with markings, the median."""
    cam, road, light, spec = ctx.cam, ctx.road, ctx.light, ctx.spec
    grass = (92, 124, 58) if spec.town == "suburb" else (98, 116, 70)

    def paint_terrain(lay: _Layer) -> None:
        lay.polygon(
            [(0, cam.horizon), (WIDTH, cam.horizon), (WIDTH, HEIGHT), (0, HEIGHT)],
            light.fog(light.shade(grass, (0, 1, 0)), 300),
        )
        for side in (-1, 1):
            edge = road.right_edge if side > 0 else road.left_edge
            o_in = edge + side * road.walk
            _paint_strip(lay, ctx, o_in, o_in + side * 60, 0.12, grass)
        _paint_speckles(lay, ctx, (70, 96, 44), (112, 140, 74), 1800, 0.04)

    ctx.ground.append(
        _Item(
            "terrain",
            _clip(box(0, cam.horizon, WIDTH, HEIGHT)),
            paint_terrain,
            grass,
            grain=8.0,
            mottle=((12.0, 70.0), (6.0, 14.0)),
            patches=True,
        )
    )
    for side in (-1, 1):
        _add_sidewalk(ctx, side)
    _add_road(ctx)
    if road.median > 0:
        _add_median(ctx)


def _paint_speckles(lay: _Layer, ctx: _Ctx, dark: RGB, bright: RGB, count: int, size: float = 0.06) -> None:
    """Scattered blotches (weeds, stains) on a ground layer, smaller with distance."""
    w, h = lay.image.size
    for _ in range(count):
        x = (lay.x0 + ctx.tex.uniform(0, w)) / _SS
        y = (lay.y0 + ctx.tex.uniform(0, h)) / _SS
        depth = ctx.cam.focal * ctx.cam.height / max(y - ctx.cam.horizon, 1.0)
        r = max(0.4, size * ctx.cam.scale(depth) * ctx.tex.uniform(0.3, 1.0))
        c = ctx.light.shade(dark if ctx.tex.random() < 0.6 else bright, (0, 1, 0), depth)
        # ground-plane blobs are foreshortened: flatter the closer they are to the horizon
        flat = min(1.0, max(0.15, (y - ctx.cam.horizon) / 260))
        lay.ellipse(x, y, r, r * flat, c)


def _add_sidewalk(ctx: _Ctx, side: int) -> None:
    cam, road, light, spec = ctx.cam, ctx.road, ctx.light, ctx.spec
    o_in = road.right_edge if side > 0 else road.left_edge
    width = road.walk + (6.0 if spec.town == "city" else 0.0)  # city pavements run on under the buildings
    o_out = o_in + side * width
    top = Polygon(_ground_points(cam, o_in, o_out, 0.12, np.geomspace(0.6, 2500.0, 90)))
    kerb = Polygon(_wall_points(cam, o_in, 0.0, 0.12, np.geomspace(0.6, 2500.0, 90)))
    shape = _clip(_union([top.buffer(0), kerb.buffer(0)]))
    paving = (156, 150, 142) if spec.town == "city" else (170, 166, 158)
    kerb_colour = (188, 186, 180)

    def paint(lay: _Layer) -> None:
        _paint_strip(lay, ctx, o_in, o_out, 0.12, paving, wet=light.wet * 0.5)
        # kerb stones: a light top edge and the vertical face towards the road
        _paint_strip(lay, ctx, o_in, o_in + side * 0.22, 0.12, kerb_colour)
        for za, zb in itertools.pairwise(_BAND_EDGES):
            zm = math.sqrt(za * zb)
            c = light.shade(kerb_colour, (-side, 0.0, 0.0), zm)
            lay.polygon(_wall_points(cam, o_in, 0.0, 0.12, np.array([za, zm, zb])), c)
        joint = light.shade(_scaled(paving, 0.72), (0, 1, 0), 10)
        z = 1.0
        while z < 70:  # slab joints across the pavement, thinning with distance
            c = light.fog(joint, z)
            lay.polygon(_ground_quad(cam, o_in + side * 0.22, o_out, z, z + 0.035, 0.12, 2), c)
            z += 1.5
        for off in (0.22, 1.7):
            o = o_in + side * off
            lay.polygon(_ground_points(cam, o, o + side * 0.035, 0.12, np.geomspace(1.0, 80.0, 24)), joint)
        _paint_speckles(lay, ctx, _scaled(paving, 0.86), _scaled(paving, 1.07), 500, 0.03)

    ctx.ground.append(
        _Item("sidewalk", shape, paint, paving, grain=6.0, mottle=((6.0, 50.0), (3.0, 10.0)), patches=True)
    )


def _add_road(ctx: _Ctx) -> None:
    cam, road, light, spec = ctx.cam, ctx.road, ctx.light, ctx.spec
    asphalt = (92, 92, 96)
    shape = _ground_region(cam, road.left_edge, road.right_edge, 0.0)
    paint_white = (226, 226, 218)
    layout_rng = ctx.rng
    repairs = [
        (
            layout_rng.uniform(road.left_edge, road.right_edge - 2),
            layout_rng.uniform(6, 60),
            layout_rng.uniform(0.8, 2.5),
            layout_rng.uniform(1.5, 6),
            layout_rng.uniform(0.8, 1.12),
        )
        for _ in range(5)
    ]
    manholes = [
        (layout_rng.uniform(road.left_edge + 1, road.right_edge - 1), layout_rng.uniform(7, 40))
        for _ in range(2)
    ]

    def surface(k: float, z: float) -> RGB:
        c = light.shade(_scaled(asphalt, k), (0, 1, 0), z)
        return _mix(c, light.sky[-1], light.wet * min(0.85, 0.25 + z / 80.0)) if light.wet else c

    def marking(lay: _Layer, o0: float, o1: float, z0: float, z1: float) -> None:
        zm = (z0 + z1) / 2
        c = _mix(light.shade(paint_white, (0, 1, 0), zm), surface(1.0, zm), 0.12 + 0.4 * light.wet)
        lay.polygon(_ground_quad(cam, o0, o1, z0, z1, 0.0, 4), c)

    def line(lay: _Layer, o: float, dash: float, gap: float, width: float = 0.14) -> None:
        z = 1.0 + ((o * 7.3) % (dash + gap) if dash else 0.0)  # stagger dashes between lines
        while z < 400:
            if spec.crossing and spec.crossing - 2.0 < z < spec.crossing + 3.5:
                z += dash + gap
                continue
            end = z + (dash if dash else 12.0)
            marking(lay, o - width / 2, o + width / 2, z, end)
            z = end + gap

    def paint(lay: _Layer) -> None:
        _paint_strip(lay, ctx, road.left_edge, road.right_edge, 0.0, asphalt, wet=light.wet)
        _paint_speckles(lay, ctx, (80, 80, 84), (104, 104, 106), 900, 0.025)
        for i in range(-road.lanes, road.lanes):  # worn wheel tracks, darker in the middle of lanes
            centre = road.lane_centre(i)
            for off in (-0.85, 0.85):
                o = centre + off
                for za, zb in itertools.pairwise(_BAND_EDGES):
                    if zb > 200:
                        break
                    c = surface(0.95, math.sqrt(za * zb))
                    lay.polygon(_ground_quad(cam, o - 0.3, o + 0.3, za, zb, 0.0, 3), c)
        for o, z, w, length, k in repairs:
            lay.polygon(_ground_quad(cam, o, o + w, z, z + length, 0.0, 3), surface(k, z))
        for o, z in manholes:
            lay.polygon(
                _ground_points(cam, o - 0.35, o + 0.35, 0.0, np.array([z, z + 0.3, z + 0.6])),
                light.shade((62, 62, 64), (0, 1, 0), z),
            )
        # lane markings: edge lines solid, lane dividers dashed, the centre dashed or doubled
        line(lay, road.right_edge - 0.3, 0.0, 0.0)
        line(lay, road.left_edge + 0.3, 0.0, 0.0)
        for i in range(1, road.lanes):
            line(lay, road.lane_centre(i) - road.lane / 2, 3.0, 6.0)
            line(lay, road.lane_centre(-i - 1) + road.lane / 2, 3.0, 6.0)
        if road.median > 0:
            line(lay, road.median_left - 0.3, 0.0, 0.0)
            line(lay, -road.lane / 2 + 0.3, 0.0, 0.0)
        elif road.lanes > 1:
            line(lay, -road.lane / 2 - 0.12, 0.0, 0.0, 0.12)
            line(lay, -road.lane / 2 + 0.12, 0.0, 0.0, 0.12)
        else:
            line(lay, -road.lane / 2, 3.0, 5.0)
        if spec.crossing:
            zc = spec.crossing
            o = road.left_edge + 0.5
            while o < road.right_edge - 0.5:  # zebra stripes
                marking(lay, o, o + 0.5, zc, zc + 3.0)
                o += 1.0
            marking(lay, -road.lane / 2, road.right_edge, zc - 1.8, zc - 1.45)  # stop line

    ctx.ground.append(
        _Item("road", shape, paint, asphalt, grain=7.0, mottle=((7.0, 90.0), (4.0, 16.0)), patches=True)
    )


def _add_median(ctx: _Ctx) -> None:
    cam, road = ctx.cam, ctx.road
    o0, o1 = road.median_left + 0.1, -road.lane / 2 - 0.1
    grass = (86, 122, 52)
    shape = _ground_region(cam, o0, o1, 0.12)

    def paint(lay: _Layer) -> None:
        _paint_strip(lay, ctx, o0, o1, 0.12, grass)
        _paint_speckles(lay, ctx, (62, 92, 40), (104, 136, 64), 1400, 0.04)

    ctx.ground.append(
        _Item("terrain", shape, paint, grass, grain=9.0, mottle=((12.0, 40.0), (7.0, 10.0)), patches=True)
    )


# -------------------------------------------------------------------------------------------- shadows


def _sun_shadow(ctx: _Ctx, points: np.ndarray, widen: float = 0.0) -> None:
    """Cast shadow of a convex point set: drop the points along the sun onto the ground, hull them."""
    sun = ctx.light.sun
    if sun is None:
        return
    sx, sy, sz = sun
    p = np.asarray(points, dtype=float)
    t = p[:, 1] / -sy
    ground = np.stack([p[:, 0] + t * sx, p[:, 2] + t * sz], axis=1)
    footprint = np.stack([p[:, 0], p[:, 2]], axis=1)
    hull = MultiPoint(np.vstack([ground, footprint])).convex_hull
    if widen:
        hull = hull.buffer(widen)
    hull = _region(hull.intersection(box(-1e4, 0.8, 1e4, 3000)))
    _ground_patch(ctx, hull, ctx.light.shadow, 3.0)


def _ground_patch(ctx: _Ctx, world_region: BaseGeometry, factor: RGB, blur: float) -> None:
    """A region on the ground given in world (x, z) coordinates, as a patch in image coordinates."""
    for part in _polygons(world_region):
        ring = np.asarray(part.exterior.coords)
        pts = ctx.cam.project(np.stack([ring[:, 0], np.zeros(len(ring)), ring[:, 1]], axis=1))
        shape = _clip(Polygon(pts))
        if not shape.is_empty:
            ctx.patches.append(_Patch(shape, factor, blur))


def _contact_shadow(ctx: _Ctx, footprint: np.ndarray, grow: float, strength: float) -> None:
    """Ambient occlusion under an object: darker ground whatever the light."""
    region = MultiPoint(footprint).convex_hull.buffer(grow)
    k = 1.0 - strength
    _ground_patch(ctx, region, (k, k, k * 1.04), 4.0)


# ------------------------------------------------------------------------------------------ buildings


_FACADES: tuple[RGB, ...] = (
    (196, 180, 152),
    (166, 96, 72),
    (150, 150, 146),
    (214, 206, 188),
    (124, 112, 102),
    (180, 162, 128),
    (188, 122, 92),
    (138, 148, 158),
    (222, 216, 204),
    (160, 138, 116),
)


def _add_buildings(ctx: _Ctx, side: int) -> None:
    road, rng = ctx.road, ctx.rng
    edge = road.right_edge if side > 0 else road.left_edge
    face_o = edge + side * road.walk
    z = rng.uniform(1.0, 3.0)
    while z < min(ctx.max_depth, 230.0):
        if ctx.spec.town == "city":
            length = rng.uniform(9.0, 22.0)
            setback = float(rng.choice([0.0, 0.0, 0.0, 0.6, 1.8]))
            _city_block(ctx, side, z, z + length, face_o + side * setback, rng.uniform(9.0, 30.0))
            z += length + (rng.uniform(3.0, 7.0) if rng.random() < 0.18 else 0.0)
        else:
            length = rng.uniform(9.0, 13.0)
            setback = rng.uniform(5.0, 9.0)
            _house(ctx, side, z, z + length, face_o + side * setback)
            z += length + rng.uniform(6.0, 12.0)


def _footprint(ctx: _Ctx, side: int, z0: float, z1: float, o: float, depth: float) -> np.ndarray:
    """Rectangle whose road-facing edge is the chord of the curved building line from z0 to z1."""
    cam = ctx.cam
    a = np.array([float(cam.road_x(z0)) + o, z0])
    b = np.array([float(cam.road_x(z1)) + o, z1])
    d = (b - a) / np.linalg.norm(b - a)
    n = side * np.array([d[1], -d[0]])
    return np.array([a, b, b + depth * n, a + depth * n])


def _xz_to_world(xz: np.ndarray, y: float) -> np.ndarray:
    return np.stack([xz[:, 0], np.full(len(xz), y), xz[:, 1]], axis=1)


def _city_block(ctx: _Ctx, side: int, z0: float, z1: float, o: float, height: float) -> None:
    rng = ctx.rng
    fp = _footprint(ctx, side, z0, z1, o, 14.0)
    solid = _frustum(_xz_to_world(fp, 0.12), _xz_to_world(fp, height), ("front", "far", "back", "near"))
    colour = _FACADES[int(rng.integers(len(_FACADES)))]
    colour = _scaled(colour, rng.uniform(0.9, 1.08))
    storey = rng.uniform(3.0, 3.4)
    column = rng.uniform(2.3, 3.2)
    shop = rng.random() < 0.7
    trim = _scaled(colour, 0.78) if rng.random() < 0.5 else _mix(colour, (235, 232, 225), 0.6)
    seed = int(rng.integers(1 << 30))

    def paint(lay: _Layer) -> None:
        wr = np.random.default_rng(seed)  # windows stay put even if other detail changes
        for face in solid.visible(ctx.cam):
            if face.quad is None:
                continue
            _paint_wall(lay, ctx, face, colour)
            _paint_windows(lay, ctx, face, wr, storey, column, shop, trim)

    shape = _clip(solid.hull(ctx.cam))
    ctx.add_background(
        1, z0, _Item("building", shape, paint, colour, grain=4.0, mottle=((6.0, 60.0), (3.0, 12.0)))
    )
    _sun_shadow(ctx, solid.verts)


def _paint_wall(lay: _Layer, ctx: _Ctx, face: _Face, colour: RGB) -> None:
    """A vertical face in slices along its length so haze grows with distance along it."""
    assert face.quad is not None
    q = face.quad
    span = abs(q[1][2] - q[0][2])
    n = max(1, min(12, int(span / 4)))
    for i in range(n):
        sub = _sub_quad(q, i / n, (i + 1) / n, 0, 1)
        c = ctx.light.shade(colour, face.normal, float(sub[:, 2].mean()))
        lay.polygon(ctx.cam.project(sub), c)
    # a darker cornice band at the top and a plinth at the bottom read as architecture
    height = q[3][1] - q[0][1]
    for b0, b1, k in ((1 - 0.5 / height, 1.0, 0.7), (0.0, 0.35 / height, 0.6)):
        sub = _sub_quad(q, 0, 1, b0, b1)
        lay.polygon(
            ctx.cam.project(sub), ctx.light.shade(_scaled(colour, k), face.normal, float(sub[:, 2].mean()))
        )


def _glass(ctx: _Ctx, rng: np.random.Generator, depth: float, lit: bool) -> RGB:
    light = ctx.light
    if lit:
        warm = (255, 206, 130) if rng.random() < 0.75 else (220, 230, 255)
        return light.fog(_scaled(warm, rng.uniform(0.7, 1.0)), depth)
    base = _mix(light.sky[1], (24, 28, 36), rng.uniform(0.45, 0.75))
    return light.fog(_scaled(base, light.ambient * rng.uniform(0.85, 1.15)), depth)


def _paint_windows(
    lay: _Layer,
    ctx: _Ctx,
    face: _Face,
    rng: np.random.Generator,
    storey: float,
    column: float,
    shop: bool,
    trim: RGB,
) -> None:
    assert face.quad is not None
    cam, light = ctx.cam, ctx.light
    q = face.quad
    length = float(np.linalg.norm(q[1] - q[0]))
    height = float(q[3][1] - q[0][1])
    if length < 2.0 or height < 3.0:
        return
    # skip detail that would be under a pixel anyway
    near_z = float(max(q[:, 2].min(), 1.0))
    if cam.scale(float(q[:, 2].max())) * 0.9 < 1.0 and cam.scale(near_z) < 3:
        return
    cols = max(1, int(length / column))
    pitch = length / cols
    ground = 4.0
    frame_colour = trim
    if shop:  # shop fronts: wide dark windows on the ground floor
        bays = max(1, int(length / 5.0))
        for i in range(bays):
            s0, s1 = (i + 0.12) * length / bays, (i + 0.88) * length / bays
            quad = _sub_quad(q, s0 / length, s1 / length, 0.5 / height, 3.3 / height)
            z = float(quad[:, 2].mean())
            lay.polygon(
                cam.project(
                    _sub_quad(q, s0 / length - 0.01, s1 / length + 0.01, 3.35 / height, 3.9 / height)
                ),
                light.shade(_accent(rng), face.normal, z),
            )
            lit = light.lamps and rng.random() < 0.7
            glass = _glass(ctx, rng, z, lit)
            if lit:  # a lit shop is not a flat panel: dimmer towards the top, a display along the bottom
                glass = _scaled(glass, 0.8)
            lay.polygon(cam.project(quad), glass)
            lay.polygon(cam.project(_sub_quad(quad, 0, 1, 0.55, 1)), _scaled(glass, 0.86))
            lay.polygon(cam.project(_sub_quad(quad, 0.05, 0.95, 0.0, 0.25)), _scaled(glass, 0.55))
            for k in range(int(rng.integers(0, 4))):
                a = rng.uniform(0.1, 0.8)
                lay.polygon(
                    cam.project(_sub_quad(quad, a, a + rng.uniform(0.04, 0.12), 0.25, rng.uniform(0.4, 0.7))),
                    _scaled(glass, 0.45 + 0.1 * k),
                )
            for a in (0.33, 0.66):
                lay.polygon(
                    cam.project(_sub_quad(quad, a - 0.006, a + 0.006, 0, 1)),
                    light.shade(trim, face.normal, z),
                )
    rows = [ground + 0.9 + k * storey for k in range(40) if ground + 0.9 + k * storey + 1.7 < height - 0.6]
    door = int(rng.integers(cols))
    if not shop:  # a residential ground floor: an entrance and a row of windows
        rows.insert(0, 1.1)
        s0, s1 = (door + 0.5) * pitch - 0.7, (door + 0.5) * pitch + 0.7
        frame = _sub_quad(q, (s0 - 0.15) / length, (s1 + 0.15) / length, 0.0, 2.75 / height)
        z = float(frame[:, 2].mean())
        lay.polygon(cam.project(frame), light.shade(frame_colour, face.normal, z))
        lay.polygon(
            cam.project(_sub_quad(q, s0 / length, s1 / length, 0.0, 2.55 / height)),
            light.shade(((70, 50, 40), (40, 46, 52), (90, 30, 30))[int(rng.integers(3))], face.normal, z),
        )
    for y in rows:
        for i in range(cols):
            if y < 2.0 and i == door:
                continue
            s0 = (i + 0.5) * pitch - 0.65
            a0, a1 = s0 / length, (s0 + 1.3) / length
            b0, b1 = y / height, (y + 1.7) / height
            frame = _sub_quad(
                q, a0 - 0.08 / length, a1 + 0.08 / length, b0 - 0.1 / height, b1 + 0.06 / height
            )
            z = float(frame[:, 2].mean())
            if cam.scale(z) * 1.3 < 1.2:
                continue
            lay.polygon(cam.project(frame), light.shade(frame_colour, face.normal, z))
            lit = rng.random() < light.lit_windows
            glass = _glass(ctx, rng, z, lit)
            lay.polygon(cam.project(_sub_quad(q, a0, a1, b0, b1)), glass)
            if not lit and rng.random() < 0.35:  # a drawn curtain in the upper part
                lay.polygon(
                    cam.project(_sub_quad(q, a0, a1, b0 + 0.9 / height, b1)),
                    light.shade(_mix(glass, (220, 215, 200), 0.5), face.normal, z),
                )
            sill = _sub_quad(q, a0 - 0.1 / length, a1 + 0.1 / length, b0 - 0.16 / height, b0 - 0.08 / height)
            lay.polygon(cam.project(sill), light.shade((200, 198, 190), face.normal, z))


def _accent(rng: np.random.Generator) -> RGB:
    """A paint colour for awnings and front doors."""
    palette = ((150, 40, 36), (40, 80, 60), (60, 60, 70), (180, 150, 60), (36, 64, 110))
    return palette[int(rng.integers(len(palette)))]


def _house(ctx: _Ctx, side: int, z0: float, z1: float, o: float) -> None:
    """A suburban house: walls plus a gable roof, a convex solid, with door and windows."""
    light, rng, cam = ctx.light, ctx.rng, ctx.cam
    depth = rng.uniform(8.0, 10.0)
    wall = rng.uniform(5.4, 6.6)
    roof = rng.uniform(2.4, 3.6)
    fp = _footprint(ctx, side, z0, z1, o, depth)
    base, top = _xz_to_world(fp, 0.12), _xz_to_world(fp, wall)
    ridge_a = _xz_to_world(((fp[0] + fp[3]) / 2)[None], wall + roof)[0]
    ridge_b = _xz_to_world(((fp[1] + fp[2]) / 2)[None], wall + roof)[0]
    # roof overhang: eaves 0.4 m beyond the walls
    verts = np.vstack([base, top, ridge_a, ridge_b])
    faces: tuple[tuple[tuple[int, ...], str, tuple[int, ...] | None], ...] = (
        ((0, 1, 2, 3), "bottom", None),
        ((0, 1, 5, 4), "front", (0, 1, 5, 4)),
        ((2, 3, 7, 6), "back", (2, 3, 7, 6)),
        ((1, 2, 6, 9, 5), "gable", (1, 2, 6, 5)),
        ((3, 0, 4, 8, 7), "gable", (3, 0, 4, 7)),
        ((4, 5, 9, 8), "roof", None),
        ((7, 6, 9, 8), "roof", None),
    )
    solid = _Solid(verts, faces)
    colour = ((226, 218, 200), (196, 168, 130), (170, 86, 66), (232, 230, 222), (150, 160, 150))[
        int(rng.integers(5))
    ]
    roof_colour = ((110, 54, 44), (72, 72, 78), (128, 76, 52))[int(rng.integers(3))]
    seed = int(rng.integers(1 << 30))

    def paint(lay: _Layer) -> None:
        wr = np.random.default_rng(seed)
        for face in solid.visible(cam):
            z = float(face.corners[:, 2].mean())
            if face.kind == "roof":
                lay.polygon(cam.project(face.corners), light.shade(roof_colour, face.normal, z))
                _paint_roof_rows(lay, ctx, face, roof_colour)
            elif face.kind != "bottom":
                lay.polygon(cam.project(face.corners), light.shade(colour, face.normal, z))
                _paint_house_openings(lay, ctx, face, wr)

    shape = _clip(solid.hull(cam))
    ctx.add_background(1, z0, _Item("building", shape, paint, colour, grain=4.0, mottle=((5.0, 50.0),)))
    _sun_shadow(ctx, verts)


def _paint_roof_rows(lay: _Layer, ctx: _Ctx, face: _Face, colour: RGB) -> None:
    c = face.corners  # eave edge first (two wall-top corners), then the ridge
    eave0, eave1, ridge1, ridge0 = c[0], c[1], c[2], c[3]
    for t in np.linspace(0.1, 0.95, 9):
        a, b = eave0 + (ridge0 - eave0) * t, eave1 + (ridge1 - eave1) * t
        pts = ctx.cam.project(np.array([a, b]))
        lay.line(pts, ctx.light.shade(_scaled(colour, 0.7), face.normal, float((a[2] + b[2]) / 2)), 0.6)


def _paint_house_openings(lay: _Layer, ctx: _Ctx, face: _Face, rng: np.random.Generator) -> None:
    assert face.quad is not None
    cam, light = ctx.cam, ctx.light
    q = face.quad
    length = float(np.linalg.norm(q[1] - q[0]))
    height = float(q[3][1] - q[0][1])
    n = max(1, int(length / 3.2))
    door = int(rng.integers(n)) if face.kind == "front" else -1
    white = (236, 234, 228)
    for floor, (y0, y1) in enumerate(((0.9, 2.3), (3.4, 4.7))):
        if y1 > height - 0.3:
            continue
        for i in range(n):
            mid = (i + 0.5) * length / n
            if floor == 0 and i == door:
                quad = _sub_quad(q, (mid - 0.5) / length, (mid + 0.5) / length, 0.0, 2.2 / height)
                z = float(quad[:, 2].mean())
                lay.polygon(cam.project(quad), light.shade(_accent(rng), face.normal, z))
                continue
            frame = _sub_quad(
                q, (mid - 0.72) / length, (mid + 0.72) / length, (y0 - 0.08) / height, (y1 + 0.08) / height
            )
            z = float(frame[:, 2].mean())
            lay.polygon(cam.project(frame), light.shade(white, face.normal, z))
            glass = _glass(ctx, rng, z, rng.random() < light.lit_windows)
            for a0, a1 in ((mid - 0.64, mid - 0.04), (mid + 0.04, mid + 0.64)):
                lay.polygon(
                    cam.project(_sub_quad(q, a0 / length, a1 / length, y0 / height, y1 / height)), glass
                )


def _add_backdrop(ctx: _Ctx) -> None:
    """The far end of the street: a tree line and a few distant blocks closing the view."""
    cam, light, rng = ctx.cam, ctx.light, ctx.rng
    z_trees = min(320.0, ctx.max_depth)
    xs = np.linspace(-20, WIDTH + 20, 90)
    heights = 9 + 3 * np.sin(xs / 37 + rng.uniform(0, 6)) + 2 * np.sin(xs / 13 + rng.uniform(0, 6))
    heights += rng.uniform(-1.2, 1.2, len(xs))
    s = cam.scale(z_trees)
    top = cam.horizon + (cam.height - heights) * s
    bottom = cam.horizon + (cam.height - 0.0) * s + 1.0
    pts = [(float(x), float(y)) for x, y in zip(xs, top, strict=True)] + [(WIDTH + 20, bottom), (-20, bottom)]
    treeline = _clip(Polygon(pts))
    green = (66, 92, 52)

    def paint_trees(lay: _Layer) -> None:
        lay.shape(treeline, light.shade(green, (0, 0, -1), z_trees))
        _paint_foliage(lay, ctx, treeline, green, z_trees, 2.5)

    if ctx.max_depth >= 250:
        ctx.add_background(0, z_trees, _Item("vegetation", treeline, paint_trees, green, grain=6.0))
    for _ in range(int(rng.integers(3, 6))):
        z = rng.uniform(0.75, 0.95) * ctx.max_depth
        x = float(cam.road_x(z)) + rng.uniform(-70, 70)
        w, h = rng.uniform(14, 40), rng.uniform(18, 60)
        fp = np.array([[x - w / 2, z], [x + w / 2, z], [x + w / 2, z + 20], [x - w / 2, z + 20]])
        solid = _frustum(_xz_to_world(fp, 0.0), _xz_to_world(fp, h))
        colour = _FACADES[int(rng.integers(len(_FACADES)))]

        def paint_block(
            lay: _Layer, solid: _Solid = solid, colour: RGB = colour, z: float = z, h: float = h
        ) -> None:
            for face in solid.visible(cam):
                lay.polygon(cam.project(face.corners), light.shade(colour, face.normal, z))
            rows = np.arange(3.0, solid.verts[:, 1].max() - 2, 3.2)
            for face in solid.visible(cam):
                if face.quad is None:
                    continue
                for y in rows:  # window bands suggested, too far for single windows
                    band = _sub_quad(face.quad, 0.05, 0.95, y / h, (y + 1.2) / h)
                    lay.polygon(
                        cam.project(band), _glass(ctx, ctx.tex, z, ctx.tex.random() < light.lit_windows)
                    )

        ctx.add_background(0, z, _Item("building", _clip(solid.hull(cam)), paint_block, colour, grain=3.0))


# ----------------------------------------------------------------------------------------- vegetation


def _paint_foliage(
    lay: _Layer, ctx: _Ctx, shape: BaseGeometry, colour: RGB, depth: float, clump: float
) -> None:
    """Leaf clumps: many small blotches, lighter where the light comes from, darker underneath."""
    rng, light = ctx.tex, ctx.light
    minx, miny, maxx, maxy = shape.bounds
    count = int(min(900, max(12, shape.area / max(clump * clump, 1.0) * 1.4)))
    sun_x = 0.0 if light.sun is None else -light.sun[0]
    for _ in range(count):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        up = 1.0 - (y - miny) / max(maxy - miny, 1.0)
        side = (x - (minx + maxx) / 2) / max(maxx - minx, 1.0) * sun_x
        k = 0.62 + 0.45 * up + 0.4 * side + rng.uniform(-0.18, 0.18)
        r = clump * rng.uniform(0.5, 1.3)
        lay.ellipse(x, y, r, r * rng.uniform(0.6, 0.95), light.shade(_scaled(colour, k), (0, 0.3, -1), depth))


def _blob(rng: np.random.Generator, cx: float, cy: float, r: float, lobes: int) -> BaseGeometry:
    """An irregular crown: a few overlapping discs with wobbly outlines."""
    parts = []
    for i in range(lobes):
        ang = rng.uniform(0, 2 * math.pi)
        dist = 0.0 if i == 0 else rng.uniform(0.3, 0.6) * r
        rr = r * (0.75 if i == 0 else rng.uniform(0.4, 0.62))
        t = np.linspace(0, 2 * math.pi, 40, endpoint=False)
        wobble = 1 + sum(rng.uniform(0, 0.07) * np.cos(k * t + rng.uniform(0, 6)) for k in (3, 5, 8, 13))
        px = cx + dist * math.cos(ang) + rr * wobble * np.cos(t)
        py = cy + dist * math.sin(ang) * 0.8 + rr * wobble * np.sin(t)
        parts.append(Polygon(np.stack([px, py], axis=1)).buffer(0))
    return _union(parts)


def _tree(
    ctx: _Ctx, o: float, z: float, base_y: float, height: float, crown: float, conifer: bool = False
) -> _Item | None:
    cam, light, rng = ctx.cam, ctx.light, ctx.rng
    if z > ctx.max_depth:
        return None
    foot_world = cam.world(o, base_y, z)[0]
    foot = cam.project(foot_world)[0]
    s = cam.scale(z)
    trunk_top = height - crown * (1.6 if not conifer else 1.9)
    trunk = Polygon([(-0.17, 0), (0.17, 0), (0.1, trunk_top + crown * 0.5), (-0.1, trunk_top + crown * 0.5)])
    branches = [
        LineString([(0, trunk_top), (d * crown * 0.5, trunk_top + crown * 0.6)]).buffer(0.06) for d in (-1, 1)
    ]
    if conifer:
        ys = np.linspace(trunk_top, height, 9)
        half = crown * (1 - (ys - trunk_top) / (height - trunk_top)) + rng.uniform(0, 0.25, len(ys))
        crown_geom = Polygon([*zip(-half, ys, strict=True), *zip(half[::-1], ys[::-1], strict=True)]).buffer(
            0.15
        )
    else:
        crown_geom = _blob(rng, 0.0, height - crown, crown, int(rng.integers(4, 8)))
    local = _union([trunk, *branches, crown_geom])
    shape = _clip(_to_image(local, foot, s))
    crown_px = _to_image(crown_geom, foot, s)
    trunk_px = _to_image(_union([trunk, *branches]), foot, s)
    leaf = ((58, 96, 40), (70, 104, 46), (52, 86, 48), (84, 110, 50))[int(rng.integers(4))]
    if conifer:
        leaf = (40, 72, 44)
    bark = (84, 70, 58)

    def paint(lay: _Layer) -> None:
        lay.shape(trunk_px, light.shade(bark, (0, 0, -1), z))
        lay.shape(crown_px, light.shade(leaf, (0, 0.3, -1), z))
        _paint_foliage(lay, ctx, crown_px, leaf, z, max(1.2, 0.28 * s))

    canopy = np.array(
        [
            [foot_world[0] + dx, y, z + dz]
            for dx, dz in ((-crown, 0), (crown, 0), (0, -crown), (0, crown))
            for y in (height - crown * 0.3, height - 1.7 * crown)
        ]
    )
    _sun_shadow(ctx, canopy)
    _sun_shadow(ctx, np.array([foot_world, foot_world + np.array([0.0, trunk_top, 0.0])]), widen=0.15)
    return _Item("vegetation", shape, paint, leaf, grain=9.0, mottle=((8.0, 14.0),))


def _hedge(ctx: _Ctx, side: int, o_in: float, z0: float, z1: float) -> None:
    cam, light, rng = ctx.cam, ctx.light, ctx.rng
    zs = np.linspace(z0, z1, max(8, int((z1 - z0) * 2)))
    height = (
        0.95
        + 0.25 * rng.random()
        + 0.06 * np.sin(zs * 2.1 + rng.uniform(0, 6))
        + rng.uniform(-0.04, 0.04, len(zs))
    )
    o_out = o_in + side * 0.9
    front = np.vstack([cam.world(o_in, 0.12, zs), cam.world(o_in, height, zs)[::-1]])
    top = np.vstack([cam.world(o_in, height, zs), cam.world(o_out, height, zs)[::-1]])
    end = np.array(
        [
            [*cam.world(o_in, 0.12, z0)[0]],
            [*cam.world(o_out, 0.12, z0)[0]],
            [*cam.world(o_out, height[0], z0)[0]],
            [*cam.world(o_in, height[0], z0)[0]],
        ]
    )
    parts = [Polygon(cam.project(p)).buffer(0) for p in (front, top, end)]
    shape = _clip(_union(parts))
    if shape.is_empty:
        return
    green = (48, 84, 40)
    depth = (z0 + z1) / 2

    def paint(lay: _Layer) -> None:
        for part, normal in zip(parts, ((-side, 0, 0), (0, 1, 0), (0, 0, -1)), strict=True):
            lay.shape(part, light.shade(green, normal, depth * 0.5))
        _paint_foliage(lay, ctx, shape, green, depth * 0.5, max(1.0, 0.14 * cam.scale(max(z0, 4.0))))

    ctx.add_background(3, z0, _Item("vegetation", shape, paint, green, grain=10.0, mottle=((8.0, 10.0),)))


# ------------------------------------------------------------------------------------------- vehicles


_CAR_COLOURS: tuple[RGB, ...] = (
    (226, 226, 222),
    (172, 174, 178),
    (26, 26, 30),
    (158, 26, 28),
    (32, 48, 96),
    (92, 96, 100),
    (42, 72, 54),
    (192, 176, 140),
    (112, 142, 174),
    (206, 108, 34),
    (226, 226, 222),
    (172, 174, 178),
    (26, 26, 30),
)

# length, width, belt line, roof, cabin bottom (rear, front inset), cabin top (rear, front inset)
_CAR_KINDS: dict[str, tuple[float, float, float, float, float, float, float, float]] = {
    "hatchback": (4.0, 1.76, 0.92, 1.46, 0.25, 1.15, 0.5, 1.85),
    "sedan": (4.65, 1.8, 0.9, 1.42, 0.95, 1.25, 1.4, 1.95),
    "suv": (4.6, 1.9, 1.04, 1.72, 0.22, 1.1, 0.4, 1.6),
    "van": (4.95, 1.96, 1.1, 1.96, 0.1, 0.65, 0.18, 1.2),
}


def _car(
    ctx: _Ctx, o: float, z: float, forward: bool, kind: str, colour: RGB, braking: bool = False
) -> tuple[float, _Item] | None:
    """A car on the road: lower body, cabin and wheels as convex solids, lights and glass as detail."""
    cam, light = ctx.cam, ctx.light
    if z > ctx.max_depth:
        return None
    length, width, belt, roof, cb0, cb1, ct0, ct1 = _CAR_KINDS[kind]
    hl, hw = length / 2, width / 2
    theta = cam.heading(z) + (0.0 if forward else math.pi)
    origin = cam.world(o, 0.0, z)[0]

    def world(local: Sequence[Sequence[float]]) -> np.ndarray:
        return _local_to_world(np.asarray(local, dtype=float), origin, theta)

    foot = [(-hw, -hl), (hw, -hl), (hw, hl), (-hw, hl)]  # rear-left, rear-right, front-right, front-left
    body = _frustum(
        world([(x, 0.3, zz) for x, zz in foot]),
        world([(x, belt, zz) for x, zz in foot]),
        ("rear", "right", "front", "left"),
    )
    cab_bottom = [
        (-hw * 0.92, belt, -hl + cb0),
        (hw * 0.92, belt, -hl + cb0),
        (hw * 0.92, belt, hl - cb1),
        (-hw * 0.92, belt, hl - cb1),
    ]
    cab_top = [
        (-hw * 0.78, roof, -hl + ct0),
        (hw * 0.78, roof, -hl + ct0),
        (hw * 0.78, roof, hl - ct1),
        (-hw * 0.78, roof, hl - ct1),
    ]
    cabin = _frustum(world(cab_bottom), world(cab_top), ("rear", "right", "front", "left"))
    radius = 0.33
    t = np.linspace(0, 2 * math.pi, 14, endpoint=False)
    wheels: list[tuple[float, float, np.ndarray]] = []
    for sx in (-1.0, 1.0):
        for wz in (-hl + 0.8, hl - 0.85):
            rim = [
                (sx * x, radius + radius * math.sin(a), wz + radius * math.cos(a))
                for x in (hw - 0.02, hw - 0.25)
                for a in t
            ]
            wheels.append((sx, wz, world(rim)))
    parts = [body.hull(cam), cabin.hull(cam), *(MultiPoint(cam.project(w)).convex_hull for _, _, w in wheels)]
    shape = _clip(_union(parts))
    if shape.is_empty:
        return None
    depth = z - hl
    lights_on = light.lamps or braking
    glass_base = _mix(light.sky[1], (22, 26, 34), 0.62)

    def circle_on_side(sx: float, wz: float, r: float) -> np.ndarray:
        ring = [
            (sx * (hw + 0.005), radius + r * math.sin(a), wz + r * math.cos(a))
            for a in np.linspace(0, 6.28, 18)
        ]
        return cam.project(world(ring))

    def paint(lay: _Layer) -> None:
        for _, _, w in wheels:
            lay.polygon(
                np.asarray(MultiPoint(cam.project(w)).convex_hull.exterior.coords),
                light.shade((24, 24, 26), (0, 0, -1), z),
            )
        for face in body.visible(cam):
            c = light.shade(colour, face.normal, z)
            lay.polygon(cam.project(face.corners), c)
            if face.quad is None:
                continue
            q = face.quad
            dark = light.shade(_scaled(colour, 0.45), face.normal, z)
            if face.kind in ("rear", "front"):
                lay.polygon(
                    cam.project(_sub_quad(q, 0, 1, 0, 0.28)), light.shade((34, 34, 36), face.normal, z)
                )
                lamp = (210, 24, 20) if face.kind == "rear" else (236, 236, 226)
                if lights_on:
                    lamp = (255, 60, 50) if face.kind == "rear" else (255, 252, 236)
                for a0, a1 in ((0.03, 0.22), (0.78, 0.97)):
                    quad = _sub_quad(q, a0, a1, 0.56, 0.84)
                    lay.polygon(
                        cam.project(quad),
                        light.fog(lamp, z) if lights_on else light.shade(lamp, (0, 0, -1), z),
                    )
                    if lights_on:
                        p = cam.project(quad.mean(axis=0))[0]
                        sigma = 0.22 * cam.scale(z) + 1.5
                        glow = (255, 40, 30) if face.kind == "rear" else (255, 236, 200)
                        ctx.glow(float(p[0]), float(p[1]), sigma, glow, 0.9 if face.kind == "front" else 0.7)
                if face.kind == "front":
                    lay.polygon(
                        cam.project(_sub_quad(q, 0.3, 0.7, 0.34, 0.6)),
                        light.shade((30, 30, 32), face.normal, z),
                    )
                lay.polygon(
                    cam.project(_sub_quad(q, 0.4, 0.6, 0.3, 0.5)),
                    light.shade((232, 232, 220), face.normal, z),
                )
            else:
                lay.polygon(cam.project(_sub_quad(q, 0, 1, 0, 0.2)), dark)  # sill
                lay.line(
                    cam.project(np.array([_quad_point(q, 0.5, 0.15), _quad_point(q, 0.5, 1.0)])), dark, 0.5
                )
                lay.polygon(
                    cam.project(_sub_quad(q, 0.05, 0.95, 0.86, 0.94)),
                    light.shade(_mix(colour, (255, 255, 255), 0.35), face.normal, z),
                )
                sx = 1.0 if face.kind == "right" else -1.0
                for wsx, wz, _ in wheels:
                    if wsx != sx:
                        continue
                    lay.polygon(
                        circle_on_side(sx, wz, radius * 1.16), light.shade((20, 20, 22), face.normal, z)
                    )
                    lay.polygon(circle_on_side(sx, wz, radius), light.shade((30, 30, 32), face.normal, z))
                    lay.polygon(
                        circle_on_side(sx, wz, radius * 0.6), light.shade((170, 172, 176), face.normal, z)
                    )
                    lay.polygon(
                        circle_on_side(sx, wz, radius * 0.18), light.shade((80, 80, 84), face.normal, z)
                    )
        for face in cabin.visible(cam):
            lay.polygon(cam.project(face.corners), light.shade(colour, face.normal, z))
            if face.quad is None:
                continue
            q = face.quad
            glass = light.fog(
                _scaled(glass_base, light.ambient * (1.15 if face.kind in ("front", "rear") else 1.0)), z
            )
            if face.kind in ("rear", "front"):
                lay.polygon(cam.project(_sub_quad(q, 0.07, 0.93, 0.1, 0.9)), glass)
                lay.polygon(
                    cam.project(_sub_quad(q, 0.5, 0.75, 0.55, 0.85)), _mix(glass, light.sky[-1], 0.25)
                )
            else:
                for a0, a1 in ((0.06, 0.47), (0.53, 0.94)):
                    lay.polygon(cam.project(_sub_quad(q, a0, a1, 0.1, 0.88)), glass)

    footprint = world([(x, 0.0, zz) for x, zz in foot])
    _contact_shadow(ctx, footprint[:, [0, 2]], 0.25, 0.5)
    _sun_shadow(ctx, np.vstack([body.verts, cabin.verts]))
    if lights_on and not forward:  # headlight beams on the road ahead of an oncoming car
        beam = world([(-hw, 0, hl), (hw, 0, hl), (hw + 1.5, 0, hl + 9), (-hw - 1.5, 0, hl + 9)])
        _ground_patch(ctx, Polygon(beam[:, [0, 2]]), (1.35, 1.3, 1.18), 10.0)
    return depth, _Item("car", shape, paint, colour, grain=2.5, mottle=((3.0, 20.0),))


# --------------------------------------------------------------------------------------------- people


_SKIN: tuple[RGB, ...] = ((236, 192, 160), (198, 140, 104), (140, 92, 64), (226, 180, 150), (100, 66, 48))
_HAIR: tuple[RGB, ...] = ((30, 24, 20), (80, 54, 34), (190, 160, 110), (120, 120, 120), (50, 34, 26))
_CLOTHES: tuple[RGB, ...] = (
    (40, 60, 110),
    (160, 40, 40),
    (40, 40, 44),
    (200, 190, 170),
    (60, 100, 70),
    (220, 220, 215),
    (120, 70, 120),
    (200, 150, 40),
    (90, 90, 96),
    (30, 90, 140),
)
_TROUSERS: tuple[RGB, ...] = ((44, 58, 96), (30, 30, 34), (80, 80, 86), (150, 130, 100), (60, 70, 110))


def _cap(points: Sequence[tuple[float, float]], r: float) -> BaseGeometry:
    return LineString(points).buffer(r, quad_segs=6)


def _figure(
    facing: str, rng: np.random.Generator, coat: bool, umbrella: bool
) -> list[tuple[str, BaseGeometry]]:
    """A standing/walking person 1.75 m tall in metres, parts in paint order with their material."""
    parts: list[tuple[str, BaseGeometry]] = []
    torso_bottom = 0.6 if coat else 0.88
    if facing in ("front", "back"):
        stride = rng.uniform(-0.03, 0.03)
        for sx in (-1, 1):
            parts.append(
                (
                    "legs",
                    _union(
                        [
                            _cap([(sx * 0.085, 0.92), (sx * 0.095, 0.48)], 0.075),
                            _cap([(sx * 0.095, 0.48), (sx * 0.1 + stride * sx, 0.1)], 0.06),
                        ]
                    ),
                )
            )
            parts.append(("shoes", _ellipse(sx * 0.1 + stride * sx, 0.045, 0.065, 0.05)))
        parts.append(("legs", Polygon([(-0.17, 0.98), (0.17, 0.98), (0.16, 0.8), (-0.16, 0.8)])))
        torso = Polygon(
            [
                (-0.2, 1.45),
                (0.2, 1.45),
                (0.18 + 0.06 * coat, torso_bottom),
                (-0.18 - 0.06 * coat, torso_bottom),
            ]
        )
        parts.append(("top", torso.buffer(0.03)))
        for sx in (-1, 1):
            if umbrella and sx == 1:
                parts.append(("top", _cap([(0.21, 1.4), (0.28, 1.18), (0.14, 1.28)], 0.045)))
                parts.append(("skin", Point(0.14, 1.3).buffer(0.045)))
                continue
            parts.append(("top", _cap([(sx * 0.215, 1.4), (sx * 0.25, 1.12), (sx * 0.245, 0.86)], 0.046)))
            parts.append(("skin", Point(sx * 0.245, 0.82).buffer(0.045)))
        parts.append(("skin", _cap([(0, 1.42), (0, 1.52)], 0.05)))
        head = _ellipse(0, 1.63, 0.088, 0.112)
        parts.append(("skin", head))
        cut = 1.66 if facing == "front" else 1.55
        parts.append(
            (
                "hair",
                head.intersection(box(-1, cut, 1, 2)).union(
                    _ellipse(0, 1.7, 0.092, 0.06) if facing == "front" else Polygon()
                ),
            )
        )
    else:
        d = 1.0 if facing == "right" else -1.0
        phase = rng.uniform(0.4, 1.0)
        parts.append(
            (
                "legs_far",
                _union(
                    [
                        _cap([(0, 0.92), (-0.07 * d * phase, 0.5)], 0.07),
                        _cap([(-0.07 * d * phase, 0.5), (-0.2 * d * phase, 0.1)], 0.058),
                    ]
                ),
            )
        )
        parts.append(("shoes", _ellipse(-0.2 * d * phase + 0.05 * d, 0.05, 0.12, 0.05)))
        parts.append(
            ("top_far", _cap([(0, 1.4), (-0.08 * d * phase, 1.15), (-0.15 * d * phase, 0.93)], 0.045))
        )
        parts.append(("legs", Polygon([(-0.12, 0.98), (0.12, 0.98), (0.11, 0.8), (-0.11, 0.8)])))
        torso = Polygon(
            [
                (-0.11, 1.45),
                (0.12, 1.45),
                (0.12 + 0.05 * coat, torso_bottom),
                (-0.12 - 0.05 * coat, torso_bottom),
            ]
        )
        parts.append(("top", affinity.skew(torso, xs=-4 * d, origin=(0, 0.9)).buffer(0.03)))
        parts.append(
            (
                "legs",
                _union(
                    [
                        _cap([(0, 0.92), (0.11 * d * phase, 0.52)], 0.072),
                        _cap([(0.11 * d * phase, 0.52), (0.2 * d * phase, 0.1)], 0.06),
                    ]
                ),
            )
        )
        parts.append(("shoes", _ellipse(0.2 * d * phase + 0.05 * d, 0.05, 0.12, 0.05)))
        if umbrella:
            parts.append(("top", _cap([(0.02 * d, 1.4), (0.16 * d, 1.2), (0.1 * d, 1.3)], 0.046)))
            parts.append(("skin", Point(0.1 * d, 1.3).buffer(0.045)))
        else:
            parts.append(
                ("top", _cap([(0.02 * d, 1.4), (0.1 * d * phase, 1.14), (0.17 * d * phase, 0.94)], 0.046))
            )
            parts.append(("skin", Point(0.18 * d * phase, 0.91).buffer(0.045)))
        parts.append(("skin", _cap([(0.01 * d, 1.42), (0.02 * d, 1.52)], 0.05)))
        head = _ellipse(0.02 * d, 1.63, 0.1, 0.112)
        parts.append(("skin", head.union(Point(0.115 * d, 1.615).buffer(0.022))))
        parts.append(
            (
                "hair",
                head.intersection(box(-1, 1.66, 1, 2)).union(
                    head.intersection(box(-1, 1.5, 1, 2)).intersection(
                        box(-0.2, 1.5, -0.01, 2) if d > 0 else box(0.01, 1.5, 0.2, 2)
                    )
                ),
            )
        )
        if rng.random() < 0.4 and not umbrella:
            parts.append(("bag", box(-0.27, 1.02, -0.1, 1.4) if d > 0 else box(0.1, 1.02, 0.27, 1.4)))
    if umbrella:
        t = np.linspace(0, math.pi, 17)
        cx = 0.12 if facing in ("front", "back") else 0.1 * (1.0 if facing == "right" else -1.0)
        canopy = Polygon([*zip(cx + 0.55 * np.cos(t), 1.98 + 0.3 * np.sin(t), strict=True)]).buffer(0.01)
        parts.append(("umbrella_shaft", _cap([(cx, 1.3), (cx, 2.0)], 0.012)))
        parts.append(("umbrella", canopy))
    return parts


def _person(ctx: _Ctx, o: float, z: float, base_y: float, facing: str) -> tuple[float, _Item] | None:
    cam, light, rng = ctx.cam, ctx.light, ctx.rng
    if z > ctx.max_depth:
        return None
    height = rng.uniform(1.58, 1.9)
    umbrella = light.rain > 0.5 and rng.random() < 0.7
    coat = rng.random() < (0.7 if light.rain or light.clouds == "overcast" else 0.25)
    parts = _figure(facing, rng, coat, umbrella)
    k = height / 1.75
    foot_world = cam.world(o, base_y, z)[0]
    foot = cam.project(foot_world)[0]
    s = cam.scale(z) * k
    px_parts = [(m, _to_image(g, foot, s)) for m, g in parts]
    shape = _clip(_union([g for _, g in px_parts]))
    if shape.is_empty:
        return None
    colours = {
        "skin": _SKIN[int(rng.integers(len(_SKIN)))],
        "hair": _HAIR[int(rng.integers(len(_HAIR)))],
        "top": _CLOTHES[int(rng.integers(len(_CLOTHES)))],
        "legs": _TROUSERS[int(rng.integers(len(_TROUSERS)))],
        "shoes": (28, 26, 26),
        "bag": (50, 40, 34),
        "umbrella": _CLOTHES[int(rng.integers(len(_CLOTHES)))],
        "umbrella_shaft": (40, 40, 40),
    }
    colours["top_far"] = _scaled(colours["top"], 0.75)
    colours["legs_far"] = _scaled(colours["legs"], 0.75)

    def paint(lay: _Layer) -> None:
        for material, geom in px_parts:
            lay.shape(geom, light.shade(colours[material], (0, 0.2, -1), z))
        # a soft shading down the side away from the light gives the body some volume
        minx, miny, maxx, maxy = shape.bounds
        away = box(minx + (maxx - minx) * 0.6, miny, maxx, maxy)
        if light.sun is not None and light.sun[0] < 0:
            away = box(minx, miny, minx + (maxx - minx) * 0.4, maxy)
        lay.darken(away, 0.8, blur=0.15 * (maxx - minx) * _SS)

    _contact_shadow(
        ctx, np.array([[foot_world[0] - 0.2, z - 0.15], [foot_world[0] + 0.2, z + 0.15]]), 0.1, 0.4
    )
    _sun_shadow(
        ctx, np.array([foot_world + np.array([dx, y, 0.0]) for dx in (-0.2, 0.2) for y in (0.0, height)])
    )
    return z, _Item("person", shape, paint, colours["top"], grain=5.0, mottle=((4.0, 8.0),))


def _knee(hip: np.ndarray, foot: np.ndarray, thigh: float, shin: float) -> np.ndarray:
    """Two-link leg: the knee that puts the foot on the pedal, bent forward (+s)."""
    d = foot - hip
    dist = min(float(np.linalg.norm(d)), thigh + shin - 1e-3)
    u = d / max(float(np.linalg.norm(d)), 1e-9)
    a = (thigh**2 - shin**2 + dist**2) / (2 * dist)
    h = math.sqrt(max(0.0, thigh**2 - a**2))
    perp = np.array([-u[1], u[0]])
    if perp[0] < 0:
        perp = -perp
    return hip + a * u + h * perp


def _cyclist(ctx: _Ctx, o: float, z: float, heading_deg: float) -> list[tuple[float, _Item]]:
    """A bicycle and its rider as two objects, built in the bike's side plane and projected in 3D."""
    cam, light, rng = ctx.cam, ctx.light, ctx.rng
    theta = cam.heading(z) + math.radians(heading_deg)
    origin = cam.world(o, 0.0, z)[0]
    s_mid = cam.scale(z)

    def p3(s: float, y: float, x: float = 0.0) -> np.ndarray:
        return _local_to_world(np.array([[x, y, s - 0.52]]), origin, theta)[0]

    def tube(points: Sequence[tuple[float, float, float]], r: float) -> BaseGeometry:
        pts = cam.project(np.array([p3(s, y, x) for s, y, x in points]))
        return LineString(pts).buffer(max(r * s_mid, 0.7), quad_segs=4)

    def ring(cs: float, r_out: float, r_in: float) -> BaseGeometry:
        t = np.linspace(0, 2 * math.pi, 36, endpoint=False)
        outer = cam.project(np.array([p3(cs + r_out * math.cos(a), 0.35 + r_out * math.sin(a)) for a in t]))
        inner = cam.project(np.array([p3(cs + r_in * math.cos(a), 0.35 + r_in * math.sin(a)) for a in t]))
        return Polygon(outer, [inner]).buffer(0)

    phase = rng.uniform(0, 2 * math.pi)
    bb = (0.45, 0.3)
    pedals = [
        (
            bb[0] + 0.17 * math.cos(phase + k * math.pi),
            bb[1] + 0.17 * math.sin(phase + k * math.pi),
            sx * 0.12,
        )
        for k, sx in ((0, 1.0), (1, -1.0))
    ]
    frame = [
        tube([(bb[0], bb[1], 0), (0.3, 0.82, 0)], 0.018),
        tube([(0.32, 0.78, 0), (0.93, 0.84, 0)], 0.018),
        tube([(bb[0], bb[1], 0), (0.97, 0.7, 0)], 0.022),
        tube([(bb[0], bb[1], 0), (0.0, 0.35, 0)], 0.014),
        tube([(0.31, 0.8, 0), (0.0, 0.35, 0)], 0.013),
        tube([(0.95, 0.84, 0), (1.05, 0.35, 0)], 0.016),
        tube([(0.93, 0.84, 0), (0.95, 0.98, 0)], 0.016),
        tube([(0.95, 0.98, -0.24), (0.95, 0.98, 0.24)], 0.014),
        tube([(0.3, 0.82, 0), (0.29, 0.9, 0)], 0.014),
        tube([(0.2, 0.92, 0), (0.4, 0.91, 0)], 0.03),
        tube([(pedals[0][0], pedals[0][1], 0.08), (pedals[1][0], pedals[1][1], -0.08)], 0.016),
    ]
    wheels = [ring(0.0, 0.35, 0.315), ring(1.05, 0.35, 0.315)]
    bike_shape = _clip(_union([*wheels, *frame]))
    frame_colour = _CLOTHES[int(rng.integers(len(_CLOTHES)))]
    out: list[tuple[float, _Item]] = []

    def paint_bike(lay: _Layer) -> None:
        for g in frame:
            lay.shape(g, light.shade(frame_colour, (0, 0.3, -1), z))
        for g in wheels:  # tyres are rings: the mask leaves the inside see-through
            lay.shape(g, light.shade((28, 28, 30), (0, 0, -1), z))

    if not bike_shape.is_empty:
        out.append((z + 0.01, _Item("bicycle", bike_shape, paint_bike, frame_colour, grain=3.0)))

    # rider, seated: hips over the saddle, hands on the bars, feet on the pedals
    hip = (0.3, 0.98)
    lean = rng.uniform(0.45, 0.62)
    shoulder = (hip[0] + lean * 0.75, hip[1] + 0.52)
    head = (shoulder[0] + 0.09, shoulder[1] + 0.2)
    limbs_far: list[BaseGeometry] = []
    limbs_near: list[BaseGeometry] = []
    near_side = (
        1.0
        if np.dot(_local_to_world(np.array([[1.0, 0, 0]]), np.zeros(3), theta)[0], cam.position - origin) > 0
        else -1.0
    )
    for ps, py, px in pedals:
        knee = _knee(np.array(hip), np.array([ps, py + 0.06]), 0.46, 0.47)
        leg = tube(
            [(hip[0], hip[1], px * 0.8), (float(knee[0]), float(knee[1]), px), (ps, py + 0.05, px)], 0.06
        )
        (limbs_near if px * near_side > 0 else limbs_far).append(leg)
    for sx in (-1.0, 1.0):
        elbow = ((shoulder[0] + 0.95) / 2, (shoulder[1] + 0.98) / 2 - 0.06)
        arm = tube(
            [(shoulder[0], shoulder[1], sx * 0.17), (elbow[0], elbow[1], sx * 0.2), (0.95, 1.0, sx * 0.21)],
            0.045,
        )
        (limbs_near if sx * near_side > 0 else limbs_far).append(arm)
    torso = tube([(hip[0], hip[1] + 0.05, 0), (shoulder[0], shoulder[1], 0)], 0.15)
    head_c = cam.project(p3(*head))[0]
    head_geom = Point(head_c).buffer(0.105 * s_mid)
    helmet = _to_image(_ellipse(0, 0.03, 0.125, 0.085).intersection(box(-1, 0.0, 1, 1)), head_c, s_mid)
    rider_shape = _clip(_union([torso, head_geom, helmet, *limbs_far, *limbs_near]))
    jacket = _CLOTHES[int(rng.integers(len(_CLOTHES)))]
    trousers = _TROUSERS[int(rng.integers(len(_TROUSERS)))]
    helmet_colour = ((220, 60, 40), (240, 240, 240), (30, 30, 34), (60, 140, 200))[int(rng.integers(4))]
    skin = _SKIN[int(rng.integers(len(_SKIN)))]

    def paint_rider(lay: _Layer) -> None:
        for g in limbs_far:
            lay.shape(g, light.shade(_scaled(trousers, 0.7), (0, 0, -1), z))
        lay.shape(torso, light.shade(jacket, (0, 0.3, -1), z))
        for g in limbs_near:
            lay.shape(g, light.shade(trousers, (0, 0, -1), z))
        for g in limbs_near[-1:] + limbs_far[-1:]:
            lay.shape(g, light.shade(jacket, (0, 0.1, -1), z))  # sleeves over the arms
        lay.shape(head_geom, light.shade(skin, (0, 0, -1), z))
        lay.shape(helmet, light.shade(helmet_colour, (0, 0.5, -1), z))

    if not rider_shape.is_empty:
        out.append((z, _Item("rider", rider_shape, paint_rider, jacket, grain=4.0)))
    _contact_shadow(ctx, np.array([p3(0.0, 0.0)[[0, 2]], p3(1.05, 0.0)[[0, 2]]]), 0.18, 0.4)
    _sun_shadow(ctx, np.array([p3(0, 0), p3(1.05, 0), p3(*head), p3(0.95, 0.98)]), widen=0.1)
    if light.lamps:
        front = cam.project(p3(1.05, 0.9))[0]
        ctx.glow(float(front[0]), float(front[1]), 0.1 * s_mid + 1.5, (255, 250, 230), 0.8)
    return out


# ----------------------------------------------------------------------------------- street furniture


def _pole(
    ctx: _Ctx,
    o: float,
    z: float,
    base_y: float,
    height: float,
    radius: float,
    colour: RGB,
    arm: float = 0.0,
    lamp: bool = False,
    arm_height: float | None = None,
    twin: bool = False,
) -> tuple[float, _Item] | None:
    """A vertical post; with `arm` a boom towards the road (negative: to the left), with `lamp` a lamp head;
    `twin` mirrors the arm and lamp (median lamps light both carriageways)."""
    cam, light = ctx.cam, ctx.light
    if z > ctx.max_depth:
        return None
    base = cam.world(o, base_y, z)[0]
    s = cam.scale(z)
    foot = cam.project(base)[0]
    r_px = max(radius * s, 0.75)
    top_v = foot[1] - height * s
    parts: list[BaseGeometry] = [box(foot[0] - r_px, top_v, foot[0] + r_px, foot[1])]
    heads: list[np.ndarray] = []
    if arm:
        y_arm = height - 0.3 if arm_height is None else arm_height
        for a in (arm, -arm) if twin else (arm,):
            pts = cam.project(
                np.array(
                    [
                        base + np.array([0.0, y_arm, 0.0]),
                        base + np.array([a * 0.3, y_arm + 0.25, 0.0]),
                        base + np.array([a, y_arm + 0.3, 0.0]),
                    ]
                )
            )
            parts.append(LineString(pts).buffer(max(radius * 0.55 * s, 0.7)))
            if lamp:
                heads.append(base + np.array([a, y_arm + 0.2, 0.0]))
                hc = cam.project(heads[-1])[0]
                parts.append(_ellipse(float(hc[0]), float(hc[1]) + 0.08 * s, 0.35 * s, 0.11 * s, 16))
    elif lamp:
        heads.append(base + np.array([0.0, height + 0.2, 0.0]))
        hc = cam.project(heads[-1])[0]
        parts.append(_ellipse(float(hc[0]), float(hc[1]), 0.2 * s, 0.32 * s, 16))
    shape = _clip(_union(parts))
    if shape.is_empty:
        return None

    def paint(lay: _Layer) -> None:
        lay.shape(shape, light.shade(colour, (0, 0, -1), z))
        # cylinder shading: the side towards the light is brighter
        lit_left = light.sun is None or light.sun[0] > 0
        x0 = foot[0] - r_px if lit_left else foot[0]
        lay.polygon(
            [(x0, top_v), (x0 + r_px * 0.8, top_v), (x0 + r_px * 0.8, foot[1]), (x0, foot[1])],
            light.shade(_scaled(colour, 1.35), (0, 0, -1), z),
        )
        for head in heads:
            hc = cam.project(head)[0]
            c = (255, 236, 190) if light.lamps else (210, 214, 220)
            lay.ellipse(float(hc[0]), float(hc[1]) + 0.14 * s, 0.25 * s, 0.05 * s, light.fog(c, z))

    for head in heads if light.lamps else []:
        hc = cam.project(head)[0]
        ctx.glow(float(hc[0]), float(hc[1]) + 0.14 * s, 0.35 * s + 3.0, (255, 206, 140), 1.0)
        boost = 0.6 * (1.0 - light.ambient)  # pools only stand out when the surroundings are dark
        _ground_patch(
            ctx, Point(head[0], head[2]).buffer(4.5), (1 + boost, 1 + boost * 0.75, 1 + boost * 0.3), 24.0
        )
    _sun_shadow(ctx, np.array([base, base + np.array([0.0, height, 0.0])]), widen=radius)
    return z, _Item("pole", shape, paint, colour, grain=2.5)


def _traffic_light(ctx: _Ctx, anchor: np.ndarray, z: float, state: int) -> tuple[float, _Item] | None:
    """Housing, visors and back plate of a three-lamp signal centred at `anchor` (world), facing us."""
    cam, light = ctx.cam, ctx.light
    if z > ctx.max_depth:
        return None
    c = cam.project(anchor)[0]
    s = cam.scale(z)

    def rect(w: float, h: float, dy: float = 0.0) -> Polygon:
        return box(c[0] - w / 2 * s, c[1] - (h / 2 - dy) * s, c[0] + w / 2 * s, c[1] + (h / 2 + dy) * s)

    plate, housing = rect(0.56, 1.18), rect(0.34, 0.96)
    lamps = [(c[0], c[1] + dy * s) for dy in (-0.3, 0.0, 0.3)]
    hood = (
        _ellipse(0, 0, 0.15, 0.15, 32)
        .difference(_ellipse(0, 0, 0.115, 0.115, 32))
        .intersection(box(-1, 0.02, 1, 1))
    )
    visors = [_to_image(hood, np.array([x, y]), s) for x, y in lamps]  # hoods: arcs above each lamp
    shape = _clip(_union([plate, housing, *visors]))
    if shape.is_empty:
        return None
    colours = ((230, 40, 30), (245, 170, 30), (40, 220, 110))

    def paint(lay: _Layer) -> None:
        lay.shape(plate, light.shade((230, 230, 226), (0, 0, -1), z))
        lay.shape(rect(0.5, 1.12), light.shade((26, 26, 28), (0, 0, -1), z))
        lay.shape(housing, light.shade((40, 42, 40), (0, 0, -1), z))
        for i, (x, y) in enumerate(lamps):
            on = i == state
            col = colours[i] if on else _scaled(colours[i], 0.22)
            lay.ellipse(x, y, 0.1 * s, 0.1 * s, light.fog(col, z) if on else light.shade(col, (0, 0, -1), z))
        for v in visors:
            lay.shape(v, light.shade((30, 30, 30), (0, 0, -1), z))

    x, y = lamps[state]
    ctx.glow(x, y, 0.12 * s + 1.5, colours[state], 0.9 if light.lamps else 0.35)
    return z, _Item("traffic light", shape, paint, (40, 42, 40), grain=2.5)


def _sign(ctx: _Ctx, o: float, z: float, base_y: float, kind: str) -> list[tuple[float, _Item]]:
    """A sign post plus the sign face (separate objects: pole, traffic sign)."""
    cam, light = ctx.cam, ctx.light
    out: list[tuple[float, _Item]] = []
    post = _pole(ctx, o, z, base_y, 2.6, 0.035, (150, 152, 156))
    if post is None:
        return out
    out.append(post)
    s = cam.scale(z - 0.06)
    centre = cam.project(cam.world(o, base_y + 2.45, z - 0.06))[0]
    size = 0.66
    red, white, blue, black = (200, 30, 36), (240, 240, 236), (20, 80, 170), (26, 26, 26)
    if kind == "triangle":
        t = np.array([[0, -0.6], [0.52, 0.3], [-0.52, 0.3]]) * size * 1.1
        face = Polygon(t).buffer(0.03)
        details = [(face, red), (Polygon(t * 0.7), white)]
    elif kind == "rect":
        face = box(-0.35, -0.42, 0.35, 0.42)
        p_shape = _union(
            [
                box(-0.12, -0.25, -0.04, 0.25),
                _ellipse(0.02, -0.1, 0.12, 0.15)
                .difference(_ellipse(0.0, -0.1, 0.05, 0.08))
                .intersection(box(-0.04, -1, 1, 1)),
            ]
        )
        details = [(face, blue), (face.buffer(-0.03), blue), (p_shape, white)]
    else:
        face = _ellipse(0, 0, size / 2, size / 2, 32)
        if kind == "no_entry":
            details = [(face, red), (box(-0.22, -0.055, 0.22, 0.055), white)]
        elif kind == "mandatory":
            arrow = Polygon(
                [
                    (-0.05, 0.2),
                    (0.05, 0.2),
                    (0.05, -0.05),
                    (0.14, -0.05),
                    (0, -0.22),
                    (-0.14, -0.05),
                    (-0.05, -0.05),
                ]
            )
            details = [(face, blue), (arrow, white)]
        else:  # speed limit: red ring, white disc, two black digit-like strokes
            details = [
                (face, red),
                (_ellipse(0, 0, size * 0.38, size * 0.38, 32), white),
                (_cap([(-0.1, -0.1), (-0.1, 0.1)], 0.025), black),
                (_ellipse(0.08, 0, 0.07, 0.11).difference(_ellipse(0.08, 0, 0.035, 0.075)), black),
            ]
    face_px = _to_image(affinity.scale(face, 1, -1, origin=(0, 0)), centre, s)
    shape = _clip(face_px.buffer(0))
    if shape.is_empty:
        return out

    def paint(lay: _Layer) -> None:
        for geom, col in details:
            lay.shape(
                _to_image(affinity.scale(geom, 1, -1, origin=(0, 0)), centre, s),
                light.shade(col, (0, 0, -1), z),
            )

    out.append((z - 0.06, _Item("traffic sign", shape, paint, white, grain=2.5)))
    return out


# ---------------------------------------------------------------------------------------- scene layout


def _populate(ctx: _Ctx) -> None:
    """Place street objects: trees and poles along the kerbs, cars in lanes, people, the cyclist."""
    spec, road, rng = ctx.spec, ctx.road, ctx.rng
    base = 0.12
    for side in (-1, 1):
        _add_buildings(ctx, side)
        edge = road.right_edge if side > 0 else road.left_edge
        if spec.town == "suburb":
            o_hedge = edge + side * road.walk
            z = rng.uniform(3.0, 8.0)
            while z < min(ctx.max_depth, 120):
                length = rng.uniform(6, 16)
                _hedge(ctx, side, o_hedge, z, z + length)
                z += length + rng.uniform(2.5, 5)
            z = rng.uniform(8, 14)
            while z < min(ctx.max_depth, 160):
                tree = _tree(
                    ctx,
                    edge + side * (road.walk + rng.uniform(2.5, 4.5)),
                    z,
                    base,
                    rng.uniform(7, 11),
                    rng.uniform(1.8, 3.0),
                    conifer=rng.random() < 0.3,
                )
                if tree is not None:
                    ctx.add_background(2, z, tree)
                z += rng.uniform(12, 22)
        if spec.street_trees:
            z = rng.uniform(12, 18)
            while z < min(ctx.max_depth, 150):
                tree = _tree(ctx, edge + side * 1.2, z, base, rng.uniform(6.5, 9.0), rng.uniform(1.8, 2.6))
                if tree is not None:
                    ctx.add(z, tree)
                z += rng.uniform(13, 19)
        # street lamps on the kerb with arms over the road
        z = rng.uniform(7, 16) + (6 if side < 0 else 0)
        while z < min(ctx.max_depth, 160):
            lamp = _pole(
                ctx, edge + side * 0.45, z, base, 8.0, 0.09, (92, 96, 100), arm=-side * 1.8, lamp=True
            )
            if lamp is not None:
                ctx.add(*lamp)
            z += rng.uniform(24, 32)
    if road.median > 0:
        _populate_median(ctx)
    _traffic_lights(ctx)
    signs = ("speed", "triangle", "rect", "no_entry", "mandatory")
    picks = rng.permutation(len(signs))
    for i, side in enumerate((1, -1, 1)[: 2 + int(rng.integers(2))]):
        edge = road.right_edge if side > 0 else road.left_edge
        z = rng.uniform(9, 15) + i * rng.uniform(8, 14)
        for entry in _sign(ctx, edge + side * 0.6, z, base, signs[int(picks[i])]):
            ctx.add(*entry)
    _people(ctx)
    _cars(ctx)


def _populate_median(ctx: _Ctx) -> None:
    road, rng = ctx.road, ctx.rng
    centre = road.median_left + road.median / 2
    z = rng.uniform(10, 13)
    while z < min(ctx.max_depth, 160):
        lamp = _pole(ctx, centre, z, 0.12, 8.5, 0.1, (96, 98, 102), arm=-1.6, lamp=True, twin=True)
        if lamp is not None:
            ctx.add(*lamp)
            ctx.median_posts.append(z)
        z += rng.uniform(22, 28)
    z = rng.uniform(18, 24)
    while z < min(ctx.max_depth, 140):
        bush = _tree(ctx, centre, z, 0.12, rng.uniform(3.0, 4.5), rng.uniform(1.0, 1.4))
        if bush is not None:
            ctx.add(z, bush)
        z += rng.uniform(20, 30)


def _traffic_lights(ctx: _Ctx) -> None:
    spec, road, rng, cam = ctx.spec, ctx.road, ctx.rng, ctx.cam
    zc = spec.crossing or rng.uniform(24, 30)
    state = 0 if spec.crossing else int(rng.integers(3))
    o_pole = road.right_edge + 0.5
    z = zc - 0.6
    if spec.overhead_light:
        reach = -(road.right_edge - 0.5)
        mast = _pole(ctx, o_pole, z, 0.12, 6.4, 0.13, (84, 88, 92), arm=reach - 0.5, arm_height=6.0)
        if mast is not None:
            ctx.add(*mast)
            anchor = cam.world(o_pole + reach * 0.7, 5.3, z - 0.15)[0]
            light = _traffic_light(ctx, anchor, z - 0.15, state)
            if light is not None:
                ctx.add(*light)
    post = _pole(ctx, o_pole, z, 0.12, 3.6, 0.07, (70, 74, 78))
    if post is not None:
        ctx.add(*post)
        light = _traffic_light(ctx, cam.world(o_pole, 3.0, z - 0.16)[0], z - 0.16, state)
        if light is not None:
            ctx.add(*light)
    # and one across the street for the oncoming lanes' pedestrians, still facing us
    o_left = road.left_edge - 0.5
    z_left = zc + 3.6
    post = _pole(ctx, o_left, z_left, 0.12, 3.6, 0.07, (70, 74, 78))
    if post is not None:
        ctx.add(*post)
        light = _traffic_light(ctx, cam.world(o_left, 3.0, z_left - 0.16)[0], z_left - 0.16, state)
        if light is not None:
            ctx.add(*light)


def _people(ctx: _Ctx) -> None:
    spec, road, rng = ctx.spec, ctx.road, ctx.rng
    if spec.crossing:  # someone on the zebra, in front of the car waiting in the oncoming lane
        o = road.lane_centre(-1) + rng.uniform(-0.5, 0.3)
        person = _person(ctx, o, spec.crossing + 1.4, 0.0, "right" if rng.random() < 0.5 else "left")
        if person is not None:
            ctx.add(*person)
    placed = 0
    while placed < spec.walkers:
        side = 1 if placed % 2 == 0 else -1
        edge = road.right_edge if side > 0 else road.left_edge
        o = edge + side * rng.uniform(0.8, road.walk - 0.6)
        z = rng.uniform(8.5, 38)
        facing = str(rng.choice(["front", "back", "left", "right"]))
        person = _person(ctx, o, z, 0.12, facing)
        if person is not None:
            ctx.add(*person)
        placed += 1
    o, z, heading = spec.cyclist
    for entry in _cyclist(ctx, o, z, heading):
        ctx.add(*entry)


def _cars(ctx: _Ctx) -> None:
    """Cars in the lanes at near, middle and far distances, clear of each other, the zebra and the cyclist."""
    spec, road, rng, light = ctx.spec, ctx.road, ctx.rng, ctx.light
    slots: list[tuple[int, float]] = []  # (lane index, z centre)
    if spec.crossing:
        zc = spec.crossing
        slots.append((-1, zc + 3.2 + 2.4))  # waiting beyond the zebra, behind the walker
        slots.append((0, zc - 2.2 - 2.4))  # ours, stopped before the line
    if ctx.median_posts:  # a car seen past a median lamp post, so the post splits it in two
        centre = road.median_left + road.median / 2
        slots.append((-1, _depth_behind(ctx, centre, ctx.median_posts[0], road.lane_centre(-1))))
    wishes = [
        (0, 14.0, 24.0),
        (-1, 11.0, 20.0),
        (-road.lanes, 24.0, 38.0),
        (road.lanes - 1, 9.0, 16.0),
        (-1, 40.0, 60.0),
        (road.lanes - 1, 28.0, 45.0),
        (0, 45.0, 80.0),
        (-road.lanes, 60.0, 95.0),
    ]
    co, cz, _ = spec.cyclist
    for lane, z0, z1 in wishes:
        if len(slots) >= spec.cars:
            break
        for _ in range(12):
            z = rng.uniform(z0, z1)
            clash = any(abs(z - zz) < 7.0 for ll, zz in slots if ll == lane)
            clash |= bool(spec.crossing) and spec.crossing - 4.0 < z < spec.crossing + 6.5
            clash |= abs(z - cz) < 4.0 and abs(road.lane_centre(lane) - co) < 3.0
            if not clash:
                slots.append((lane, z))
                break
    kinds = list(_CAR_KINDS)
    for lane, z in slots:
        o = road.lane_centre(lane) + rng.uniform(-0.25, 0.25)
        kind = kinds[int(rng.choice(len(kinds), p=[0.34, 0.3, 0.24, 0.12]))]
        colour = _CAR_COLOURS[int(rng.integers(len(_CAR_COLOURS)))]
        braking = lane >= 0 and (light.lamps or bool(spec.crossing and lane == 0 and z < spec.crossing))
        car = _car(ctx, o, z, lane >= 0, kind, colour, braking)
        if car is not None:
            ctx.add(*car)


def _depth_behind(ctx: _Ctx, o_front: float, z_front: float, o_back: float) -> float:
    """Depth at which lateral offset o_back lies on the camera ray through (o_front, z_front)."""
    cam = ctx.cam
    ratio = (float(cam.road_x(z_front)) + o_front) / z_front
    zs = np.linspace(z_front + 1, 90, 800)
    xs = cam.road_x(zs) + o_back
    return float(zs[int(np.argmin(np.abs(xs / zs - ratio)))])


# ------------------------------------------------------------------------------------------ rendering


def _texture(arr: np.ndarray, rng: np.random.Generator, item: _Item) -> None:
    h, w = arr.shape[:2]
    # the same relative roughness on a dark surface is fewer grey levels (keeps night from looking blotchy)
    k = min(1.2, max(0.3, float(arr.mean()) / 120.0))
    for amplitude, cell in item.mottle:
        gh, gw = max(2, math.ceil(h / cell) + 1), max(2, math.ceil(w / cell) + 1)
        small = rng.standard_normal((gh, gw), dtype=np.float32)
        big = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC))
        arr += (big * (amplitude * k))[..., None]
    if item.grain:
        arr += rng.standard_normal((h, w, 1), dtype=np.float32) * (item.grain * k)


def _apply_patches(arr: np.ndarray, lay: _Layer, patches: Sequence[_Patch]) -> None:
    """Cast shadows and light pools: one mask per (factor, blur) so overlaps do not compound."""
    h, w = arr.shape[:2]
    x0, y0, x1, y1 = lay.x0 / _SS, lay.y0 / _SS, (lay.x0 + w) / _SS, (lay.y0 + h) / _SS
    groups: dict[tuple[RGB, float], list[BaseGeometry]] = {}
    for patch in patches:
        bx0, by0, bx1, by1 = patch.shape.bounds
        if bx1 < x0 or bx0 > x1 or by1 < y0 or by0 > y1:
            continue
        groups.setdefault((patch.factor, patch.blur), []).append(patch.shape)
    for (factor, blur), shapes in groups.items():
        mask = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(mask)
        for geom in shapes:
            for part in _polygons(geom):
                lay.polygon(np.asarray(part.exterior.coords), (0, 0, 0), draw=draw, value=255)
        if blur:
            mask = mask.filter(ImageFilter.GaussianBlur(blur))
        m = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
        arr *= 1.0 + (np.array(factor, dtype=np.float32) - 1.0) * m


def _composite(canvas: Image.Image, item: _Item, ctx: _Ctx) -> None:
    minx, miny, maxx, maxy = item.shape.bounds
    x0, y0 = max(0, math.floor(minx * _SS) - 2), max(0, math.floor(miny * _SS) - 2)
    x1, y1 = min(WIDTH * _SS, math.ceil(maxx * _SS) + 2), min(HEIGHT * _SS, math.ceil(maxy * _SS) + 2)
    if x1 <= x0 or y1 <= y0:
        return
    lay = _Layer(x0, y0, x1 - x0, y1 - y0, item.base)
    item.paint(lay)
    arr = np.asarray(lay.image, dtype=np.float32).copy()
    if item.patches:
        _apply_patches(arr, lay, ctx.patches)
    _texture(arr, ctx.tex, item)
    layer = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))
    # The mask is the item's exact silhouette, so paint can never stray outside its ground truth.
    mask = Image.new("L", layer.size, 0)
    draw = ImageDraw.Draw(mask)
    for part in sorted(_polygons(item.shape), key=lambda p: -p.area):
        lay.polygon(np.asarray(part.exterior.coords), (0, 0, 0), draw=draw, value=255)
        for hole in part.interiors:
            lay.polygon(np.asarray(hole.coords), (0, 0, 0), draw=draw, value=0)
    canvas.paste(layer, (x0, y0), mask)


def _post(image: Image.Image, ctx: _Ctx) -> Image.Image:
    """Camera and weather effects on the final frame: rain, light glows, lens softness, vignette, noise."""
    light, rng = ctx.light, np.random.default_rng([ctx.spec.seed, 2])
    arr = np.asarray(image, dtype=np.float32).copy()
    if light.rain:
        streaks = Image.new("L", (WIDTH, HEIGHT), 0)
        draw = ImageDraw.Draw(streaks)
        for _ in range(int(2600 * light.rain)):
            x, y = rng.uniform(-40, WIDTH), rng.uniform(-30, HEIGHT)
            length = rng.uniform(8, 26)
            draw.line([(x, y), (x + length * 0.18, y + length)], fill=int(rng.integers(60, 200)), width=1)
        m = np.asarray(streaks.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float32)[..., None] / 255.0
        arr += (np.array([205, 210, 218], dtype=np.float32) - arr) * m * 0.32
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    for g in ctx.glows:
        _add_glow(arr, xx, yy, g.x, g.y, g.sigma, g.colour, g.strength)
        if light.wet and g.y > ctx.cam.horizon:  # reflections smeared down a wet road
            _add_glow(
                arr, xx, yy, g.x, g.y + g.sigma * 5, g.sigma, g.colour, g.strength * light.wet, stretch=4.0
            )
    if light.clouds == "streaks":  # the setting sun behind the buildings
        _add_glow(arr, xx, yy, 180.0, ctx.cam.horizon - 40, 140.0, (255, 170, 90), 0.35)
    out = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.55))
    arr = np.asarray(out, dtype=np.float32).copy()
    r2 = ((xx - WIDTH / 2) / (WIDTH / 2)) ** 2 + ((yy - HEIGHT / 2) / (HEIGHT / 2)) ** 2
    arr *= (1.0 - 0.14 * r2)[..., None]
    arr += rng.standard_normal((HEIGHT, WIDTH, 1), dtype=np.float32) * light.sensor_noise
    arr += rng.standard_normal((HEIGHT, WIDTH, 3), dtype=np.float32) * (light.sensor_noise * 0.35)
    return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))


def _add_glow(
    arr: np.ndarray,
    xx: np.ndarray,
    yy: np.ndarray,
    x: float,
    y: float,
    sigma: float,
    colour: RGB,
    strength: float,
    stretch: float = 1.0,
) -> None:
    rx, ry = 3.5 * sigma, 3.5 * sigma * stretch
    c0, c1 = max(0, int(x - rx)), min(WIDTH, int(x + rx) + 1)
    r0, r1 = max(0, int(y - ry)), min(HEIGHT, int(y + ry) + 1)
    if c1 <= c0 or r1 <= r0:
        return
    dx = (xx[r0:r1, c0:c1] - x) / sigma
    dy = (yy[r0:r1, c0:c1] - y) / (sigma * stretch)
    g = np.exp(-0.5 * (dx * dx + dy * dy)) * strength
    arr[r0:r1, c0:c1] += g[..., None] * np.array(colour, dtype=np.float32) * 0.9


def _visible(items: Sequence[_Item]) -> tuple[SceneObject, ...]:
    """Each item's silhouette minus the union of everything painted after it (painter's order)."""
    covered: BaseGeometry = Polygon()
    out: list[SceneObject] = []
    for item in reversed(items):
        if item.shape.is_empty:
            continue
        region = _tidy(item.shape.difference(covered) if not covered.is_empty else item.shape)
        if region.area >= _MIN_AREA:
            out.append(SceneObject(item.category, region))
        covered = item.shape if covered.is_empty else shapely.union(covered, item.shape)
    return tuple(reversed(out))


def _conform(objects: Sequence[SceneObject]) -> tuple[SceneObject, ...]:
    """Give neighbouring regions identical vertices along the edges they share.

    The difference operations leave a vertex on one side of a shared edge that the other side lacks;
    pycocotools then rasterises the two edges a little differently and pixel rows get counted twice.
    Snapping each region to its neighbours' vertices (with a tolerance far below a pixel) fixes that.
    """
    coords = [shapely.get_coordinates(obj.geometry) for obj in objects]
    every = np.vstack(coords) if coords else np.zeros((0, 2))
    out = []
    for obj in objects:
        x0, y0, x1, y1 = obj.geometry.bounds
        near = every[
            (every[:, 0] >= x0 - 1e-3)
            & (every[:, 0] <= x1 + 1e-3)
            & (every[:, 1] >= y0 - 1e-3)
            & (every[:, 1] <= y1 + 1e-3)
        ]
        snapped = shapely.snap(obj.geometry, shapely.multipoints(near), 1e-6)
        if snapped.is_valid and abs(snapped.area - obj.geometry.area) < 1e-3:
            out.append(SceneObject(obj.category, snapped))
        else:
            out.append(obj)
    return tuple(out)


def _tidy(geom: BaseGeometry) -> BaseGeometry:
    """Drop slivers and pin-holes left by floating-point set operations (under one pixel)."""
    parts = []
    for p in _polygons(_region(geom)):
        if p.area < 1.0:
            continue
        holes = [h for h in p.interiors if Polygon(h).area >= 1.0]
        parts.append(Polygon(p.exterior, holes))
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def render_scene(index: int) -> Scene:
    """Render sample scene `index` (0..SCENE_COUNT-1): image and visible objects, deterministically."""
    if not 0 <= index < SCENE_COUNT:
        raise IndexError(f"scene index must be in 0..{SCENE_COUNT - 1}, got {index}")
    spec = _SPECS[index]
    road = _Road(lane=3.3, lanes=spec.lanes, median=spec.median, walk=4.0 if spec.town == "city" else 2.6)
    ctx = _Ctx(
        spec=spec,
        light=_LIGHTS[spec.light],
        cam=_Camera(horizon=spec.horizon, curve=spec.curve),
        road=road,
        rng=np.random.default_rng([spec.seed, 0]),
        tex=np.random.default_rng([spec.seed, 1]),
    )
    _add_sky(ctx)
    _add_ground(ctx)
    _add_backdrop(ctx)
    _populate(ctx)
    items = ctx.items()
    for (
        item
    ) in items:  # drop vertices that change nothing visible (< 0.05 px); paint and truth both use the result
        item.shape = _region(item.shape.simplify(0.05, preserve_topology=True))
    canvas = Image.new("RGB", (WIDTH * _SS, HEIGHT * _SS), (0, 0, 0))
    for item in items:
        _composite(canvas, item, ctx)
    image = _post(canvas.reduce(_SS), ctx)
    return Scene(file_name=f"scene_{index + 1:02d}.jpg", image=image, objects=_conform(_visible(items)))


# ------------------------------------------------------------------------------------------ ground truth


def _flat(ring: Sequence[Sequence[float]]) -> list[float]:
    coords = list(ring)[:-1]  # shapely repeats the first point; COCO does not
    return [round(float(v), 2) for xy in coords for v in xy[:2]]


def _decode(rle: dict) -> np.ndarray:
    # pycocotools 2.0.x builds its array the numpy-1 way; numpy 2 warns but copes. Silence just that.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="__array__ implementation", category=DeprecationWarning)
        return np.asarray(mask_utils.decode(rle), dtype=np.uint8)


def _encode(
    geom: BaseGeometry, height: int, width: int
) -> tuple[list[list[float]] | dict[str, object], dict]:
    """COCO segmentation for a region: polygons when it has no holes, compressed RLE when it does."""
    parts = _polygons(geom)
    if not any(p.interiors for p in parts):
        polys = [_flat(p.exterior.coords) for p in parts]
        polys = [p for p in polys if len(p) >= 6]
        rle = mask_utils.merge(mask_utils.frPyObjects(polys, height, width))
        return polys, rle
    mask = np.zeros((height, width), dtype=np.uint8)
    for p in parts:
        m = _decode(mask_utils.merge(mask_utils.frPyObjects([_flat(p.exterior.coords)], height, width)))
        holes = [_flat(h.coords) for h in p.interiors]
        if holes:
            m &= 1 - _decode(mask_utils.merge(mask_utils.frPyObjects(holes, height, width)))
        mask |= m
    rle = mask_utils.encode(np.asfortranarray(mask))
    return {"size": [height, width], "counts": rle["counts"].decode("ascii")}, rle


def build_ground_truth(scenes: Sequence[Scene]) -> dict:
    """The COCO instance dict for rendered scenes (pure: same scenes, same dict)."""
    categories = [
        {"id": i, "name": label.name, "supercategory": label.supercategory}
        for i, label in enumerate(DEFAULT_LABELS, start=1)
    ]
    ids = {c["name"]: c["id"] for c in categories}
    images, annotations = [], []
    for image_id, scene in enumerate(scenes, start=1):
        width, height = scene.image.size
        images.append(
            {"id": image_id, "file_name": scene.file_name, "width": width, "height": height, "license": 1}
        )
        for obj in scene.objects:
            segmentation, rle = _encode(obj.geometry, height, width)
            area = int(mask_utils.area(rle))
            if area <= 0:
                continue
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": ids[obj.category],
                    "segmentation": segmentation,
                    "area": area,
                    "bbox": [float(v) for v in mask_utils.toBbox(rle)],
                    "iscrowd": 0,
                }
            )
    return {
        "info": {
            "description": "Synthetic driving scenes shipped with annotator, with exact ground truth",
            "version": "1.0",
            "year": 2025,
            "contributor": "annotator",
            "generator": "annotator.samples",
        },
        "licenses": [
            {
                "id": 1,
                "name": "CC0 1.0 Universal",
                "url": "https://creativecommons.org/publicdomain/zero/1.0/",
            }
        ],
        "images": images,
        "categories": categories,
        "annotations": annotations,
    }


def _dump(truth: dict) -> str:
    """JSON with one image/category/annotation per line: valid, stable and readable in diffs."""
    lines = ["{"]
    keys = sorted(truth)
    for n, key in enumerate(keys):
        value = truth[key]
        end = "," if n < len(keys) - 1 else ""
        if isinstance(value, list):
            lines.append(f"{json.dumps(key)}: [")
            lines.extend(
                json.dumps(entry, sort_keys=True) + ("," if i < len(value) - 1 else "")
                for i, entry in enumerate(value)
            )
            lines.append("]" + end)
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, sort_keys=True)}{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def write_samples(out_dir: pathlib.Path, progress: Callable[[str], None] | None = None) -> list[pathlib.Path]:
    """Render every scene into `out_dir` as scene_XX.jpg plus ground_truth.json; returns the written paths."""
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    scenes, written = [], []
    for index in range(SCENE_COUNT):
        scene = render_scene(index)
        path = out_dir / scene.file_name
        # fixed encoder settings and no metadata, so a re-render gives the same bytes
        scene.image.save(path, "JPEG", quality=90, optimize=False, progressive=False, subsampling="4:2:0")
        scenes.append(scene)
        written.append(path)
        if progress is not None:
            progress(scene.file_name)
    truth_path = out_dir / "ground_truth.json"
    truth_path.write_text(_dump(build_ground_truth(scenes)), encoding="utf-8")
    written.append(truth_path)
    return written


def _default_out_dir() -> pathlib.Path:
    package = pathlib.Path(__file__).resolve().parent
    for candidate in (package.parent / "sample_images", package / "sample_images"):
        if candidate.is_dir():
            return candidate
    return package.parent / "sample_images"


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m annotator.samples", description=__doc__.splitlines()[0])
    parser.add_argument(
        "out_dir",
        nargs="?",
        type=pathlib.Path,
        default=None,
        help="folder to write into (default: the repository's sample_images/)",
    )
    args = parser.parse_args(argv)
    for path in write_samples(
        args.out_dir or _default_out_dir(), progress=lambda name: print(f"rendered {name}")
    ):
        print(path)


if __name__ == "__main__":
    main()
