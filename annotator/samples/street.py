"""Ground surfaces: terrain, sidewalks with kerbs, the road with its markings, a grass median."""

from __future__ import annotations

import itertools
import math

import numpy as np
from shapely.geometry import Polygon, box
from shapely.geometry.base import BaseGeometry

from .camera import Camera
from .canvas import SUPERSAMPLE, Item, Layer
from .colour import RGB, mix, scaled
from .context import Ctx
from .shapes import HEIGHT, WIDTH, clip_to_frame, union


def _ground_points(cam: Camera, o0: float, o1: float, y: float, zs: np.ndarray) -> np.ndarray:
    return cam.project(np.vstack([cam.world(o0, y, zs), cam.world(o1, y, zs[::-1])]))


def _wall_points(cam: Camera, o: float, y0: float, y1: float, zs: np.ndarray) -> np.ndarray:
    return cam.project(np.vstack([cam.world(o, y0, zs), cam.world(o, y1, zs[::-1])]))


def _ground_region(
    cam: Camera, o0: float, o1: float, y: float, z0: float = 0.6, z1: float = 2500.0
) -> BaseGeometry:
    return clip_to_frame(Polygon(_ground_points(cam, o0, o1, y, np.geomspace(z0, z1, 90))))


_BAND_EDGES = np.geomspace(0.6, 2500.0, 64)


def _paint_strip(
    lay: Layer,
    ctx: Ctx,
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
            c = mix(c, ctx.light.sky[-1], wet * min(0.85, 0.25 + zm / 80.0))
        lay.polygon(_ground_points(ctx.cam, o0, o1, y, np.array([za, zm, zb])), c)


def _ground_quad(
    cam: Camera, o0: float, o1: float, z0: float, z1: float, y: float = 0.0, n: int = 3
) -> np.ndarray:
    return _ground_points(cam, o0, o1, y, np.linspace(z0, z1, n))


def add_ground(ctx: Ctx) -> None:
    """Terrain under everything, then sidewalks with kerbs, the road with markings, the median."""
    cam, road, light, spec = ctx.cam, ctx.road, ctx.light, ctx.spec
    grass = (92, 124, 58) if spec.town == "suburb" else (98, 116, 70)

    def paint_terrain(lay: Layer) -> None:
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
        Item(
            "terrain",
            clip_to_frame(box(0, cam.horizon, WIDTH, HEIGHT)),
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


def _paint_speckles(lay: Layer, ctx: Ctx, dark: RGB, bright: RGB, count: int, size: float = 0.06) -> None:
    """Scattered blotches (weeds, stains) on a ground layer, smaller with distance."""
    w, h = lay.image.size
    for _ in range(count):
        x = (lay.x0 + ctx.tex.uniform(0, w)) / SUPERSAMPLE
        y = (lay.y0 + ctx.tex.uniform(0, h)) / SUPERSAMPLE
        depth = ctx.cam.focal * ctx.cam.height / max(y - ctx.cam.horizon, 1.0)
        r = max(0.4, size * ctx.cam.scale(depth) * ctx.tex.uniform(0.3, 1.0))
        c = ctx.light.shade(dark if ctx.tex.random() < 0.6 else bright, (0, 1, 0), depth)
        # ground-plane blobs are foreshortened: flatter the closer they are to the horizon
        flat = min(1.0, max(0.15, (y - ctx.cam.horizon) / 260))
        lay.ellipse(x, y, r, r * flat, c)


def _add_sidewalk(ctx: Ctx, side: int) -> None:
    cam, road, light, spec = ctx.cam, ctx.road, ctx.light, ctx.spec
    o_in = road.right_edge if side > 0 else road.left_edge
    width = road.walk + (6.0 if spec.town == "city" else 0.0)  # city pavements run on under the buildings
    o_out = o_in + side * width
    top = Polygon(_ground_points(cam, o_in, o_out, 0.12, np.geomspace(0.6, 2500.0, 90)))
    kerb = Polygon(_wall_points(cam, o_in, 0.0, 0.12, np.geomspace(0.6, 2500.0, 90)))
    shape = clip_to_frame(union([top.buffer(0), kerb.buffer(0)]))
    paving = (156, 150, 142) if spec.town == "city" else (170, 166, 158)
    kerb_colour = (188, 186, 180)

    def paint(lay: Layer) -> None:
        _paint_strip(lay, ctx, o_in, o_out, 0.12, paving, wet=light.wet * 0.5)
        # kerb stones: a light top edge and the vertical face towards the road
        _paint_strip(lay, ctx, o_in, o_in + side * 0.22, 0.12, kerb_colour)
        for za, zb in itertools.pairwise(_BAND_EDGES):
            zm = math.sqrt(za * zb)
            c = light.shade(kerb_colour, (-side, 0.0, 0.0), zm)
            lay.polygon(_wall_points(cam, o_in, 0.0, 0.12, np.array([za, zm, zb])), c)
        joint = light.shade(scaled(paving, 0.72), (0, 1, 0), 10)
        z = 1.0
        while z < 70:  # slab joints across the pavement, thinning with distance
            c = light.fog(joint, z)
            lay.polygon(_ground_quad(cam, o_in + side * 0.22, o_out, z, z + 0.035, 0.12, 2), c)
            z += 1.5
        for off in (0.22, 1.7):
            o = o_in + side * off
            lay.polygon(_ground_points(cam, o, o + side * 0.035, 0.12, np.geomspace(1.0, 80.0, 24)), joint)
        _paint_speckles(lay, ctx, scaled(paving, 0.86), scaled(paving, 1.07), 500, 0.03)

    ctx.ground.append(
        Item("sidewalk", shape, paint, paving, grain=6.0, mottle=((6.0, 50.0), (3.0, 10.0)), patches=True)
    )


def _add_road(ctx: Ctx) -> None:
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
        c = light.shade(scaled(asphalt, k), (0, 1, 0), z)
        return mix(c, light.sky[-1], light.wet * min(0.85, 0.25 + z / 80.0)) if light.wet else c

    def marking(lay: Layer, o0: float, o1: float, z0: float, z1: float) -> None:
        zm = (z0 + z1) / 2
        c = mix(light.shade(paint_white, (0, 1, 0), zm), surface(1.0, zm), 0.12 + 0.4 * light.wet)
        lay.polygon(_ground_quad(cam, o0, o1, z0, z1, 0.0, 4), c)

    def line(lay: Layer, o: float, dash: float, gap: float, width: float = 0.14) -> None:
        z = 1.0 + ((o * 7.3) % (dash + gap) if dash else 0.0)  # stagger dashes between lines
        while z < 400:
            if spec.crossing and spec.crossing - 2.0 < z < spec.crossing + 3.5:
                z += dash + gap
                continue
            end = z + (dash if dash else 12.0)
            marking(lay, o - width / 2, o + width / 2, z, end)
            z = end + gap

    def paint(lay: Layer) -> None:
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
        Item("road", shape, paint, asphalt, grain=7.0, mottle=((7.0, 90.0), (4.0, 16.0)), patches=True)
    )


def _add_median(ctx: Ctx) -> None:
    cam, road = ctx.cam, ctx.road
    o0, o1 = road.median_left + 0.1, -road.lane / 2 - 0.1
    grass = (86, 122, 52)
    shape = _ground_region(cam, o0, o1, 0.12)

    def paint(lay: Layer) -> None:
        _paint_strip(lay, ctx, o0, o1, 0.12, grass)
        _paint_speckles(lay, ctx, (62, 92, 40), (104, 136, 64), 1400, 0.04)

    ctx.ground.append(
        Item("terrain", shape, paint, grass, grain=9.0, mottle=((12.0, 40.0), (7.0, 10.0)), patches=True)
    )
