"""The far end of the street: a tree line and a few distant blocks closing the view."""

from __future__ import annotations

import numpy as np
from shapely.geometry import Polygon

from .buildings import FACADES, window_glass, xz_to_world
from .camera import Solid, frustum, sub_quad
from .canvas import Item, Layer
from .colour import RGB
from .context import Ctx
from .shapes import WIDTH, clip_to_frame
from .vegetation import paint_foliage


def add_backdrop(ctx: Ctx) -> None:
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
    treeline = clip_to_frame(Polygon(pts))
    green = (66, 92, 52)

    def paint_trees(lay: Layer) -> None:
        lay.shape(treeline, light.shade(green, (0, 0, -1), z_trees))
        paint_foliage(lay, ctx, treeline, green, z_trees, 2.5)

    if ctx.max_depth >= 250:
        ctx.add_background(0, z_trees, Item("vegetation", treeline, paint_trees, green, grain=6.0))
    for _ in range(int(rng.integers(3, 6))):
        z = rng.uniform(0.75, 0.95) * ctx.max_depth
        x = float(cam.road_x(z)) + rng.uniform(-70, 70)
        w, h = rng.uniform(14, 40), rng.uniform(18, 60)
        fp = np.array([[x - w / 2, z], [x + w / 2, z], [x + w / 2, z + 20], [x - w / 2, z + 20]])
        solid = frustum(xz_to_world(fp, 0.0), xz_to_world(fp, h))
        colour = FACADES[int(rng.integers(len(FACADES)))]

        def paint_block(
            lay: Layer, solid: Solid = solid, colour: RGB = colour, z: float = z, h: float = h
        ) -> None:
            for face in solid.visible(cam):
                lay.polygon(cam.project(face.corners), light.shade(colour, face.normal, z))
            rows = np.arange(3.0, solid.verts[:, 1].max() - 2, 3.2)
            for face in solid.visible(cam):
                if face.quad is None:
                    continue
                for y in rows:  # window bands suggested, too far for single windows
                    band = sub_quad(face.quad, 0.05, 0.95, y / h, (y + 1.2) / h)
                    lay.polygon(
                        cam.project(band), window_glass(ctx, ctx.tex, z, ctx.tex.random() < light.lit_windows)
                    )

        ctx.add_background(
            0, z, Item("building", clip_to_frame(solid.hull(cam)), paint_block, colour, grain=3.0)
        )
