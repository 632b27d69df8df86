"""Trees and hedges, and the leaf clumps painted on them."""

from __future__ import annotations

import math

import numpy as np
from shapely.geometry import LineString, Polygon
from shapely.geometry.base import BaseGeometry

from .canvas import Item, Layer
from .colour import RGB, scaled
from .context import Ctx
from .shadows import sun_shadow
from .shapes import clip_to_frame, to_image, union


def paint_foliage(lay: Layer, ctx: Ctx, shape: BaseGeometry, colour: RGB, depth: float, clump: float) -> None:
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
        lay.ellipse(x, y, r, r * rng.uniform(0.6, 0.95), light.shade(scaled(colour, k), (0, 0.3, -1), depth))


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
    return union(parts)


def make_tree(
    ctx: Ctx, o: float, z: float, base_y: float, height: float, crown: float, conifer: bool = False
) -> Item | None:
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
    local = union([trunk, *branches, crown_geom])
    shape = clip_to_frame(to_image(local, foot, s))
    crown_px = to_image(crown_geom, foot, s)
    trunk_px = to_image(union([trunk, *branches]), foot, s)
    leaf = ((58, 96, 40), (70, 104, 46), (52, 86, 48), (84, 110, 50))[int(rng.integers(4))]
    if conifer:
        leaf = (40, 72, 44)
    bark = (84, 70, 58)

    def paint(lay: Layer) -> None:
        lay.shape(trunk_px, light.shade(bark, (0, 0, -1), z))
        lay.shape(crown_px, light.shade(leaf, (0, 0.3, -1), z))
        paint_foliage(lay, ctx, crown_px, leaf, z, max(1.2, 0.28 * s))

    canopy = np.array(
        [
            [foot_world[0] + dx, y, z + dz]
            for dx, dz in ((-crown, 0), (crown, 0), (0, -crown), (0, crown))
            for y in (height - crown * 0.3, height - 1.7 * crown)
        ]
    )
    sun_shadow(ctx, canopy)
    sun_shadow(ctx, np.array([foot_world, foot_world + np.array([0.0, trunk_top, 0.0])]), widen=0.15)
    return Item("vegetation", shape, paint, leaf, grain=9.0, mottle=((8.0, 14.0),))


def add_hedge(ctx: Ctx, side: int, o_in: float, z0: float, z1: float) -> None:
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
    shape = clip_to_frame(union(parts))
    if shape.is_empty:
        return
    green = (48, 84, 40)
    depth = (z0 + z1) / 2

    def paint(lay: Layer) -> None:
        for part, normal in zip(parts, ((-side, 0, 0), (0, 1, 0), (0, 0, -1)), strict=True):
            lay.shape(part, light.shade(green, normal, depth * 0.5))
        paint_foliage(lay, ctx, shape, green, depth * 0.5, max(1.0, 0.14 * cam.scale(max(z0, 4.0))))

    ctx.add_background(3, z0, Item("vegetation", shape, paint, green, grain=10.0, mottle=((8.0, 10.0),)))
