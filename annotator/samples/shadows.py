"""Shadows on the ground: sun shadows cast by objects and contact shadows under them."""

from __future__ import annotations

import numpy as np
from shapely.geometry import MultiPoint, Polygon, box
from shapely.geometry.base import BaseGeometry

from .canvas import Patch
from .colour import RGB
from .context import Ctx
from .shapes import clip_to_frame, polygons, valid_region


def sun_shadow(ctx: Ctx, points: np.ndarray, widen: float = 0.0) -> None:
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
    hull = valid_region(hull.intersection(box(-1e4, 0.8, 1e4, 3000)))
    ground_patch(ctx, hull, ctx.light.shadow, 3.0)


def ground_patch(ctx: Ctx, world_region: BaseGeometry, factor: RGB, blur: float) -> None:
    """A region on the ground given in world (x, z) coordinates, as a patch in image coordinates."""
    for part in polygons(world_region):
        ring = np.asarray(part.exterior.coords)
        pts = ctx.cam.project(np.stack([ring[:, 0], np.zeros(len(ring)), ring[:, 1]], axis=1))
        shape = clip_to_frame(Polygon(pts))
        if not shape.is_empty:
            ctx.patches.append(Patch(shape, factor, blur))


def contact_shadow(ctx: Ctx, footprint: np.ndarray, grow: float, strength: float) -> None:
    """Ambient occlusion under an object: darker ground whatever the light."""
    region = MultiPoint(footprint).convex_hull.buffer(grow)
    k = 1.0 - strength
    ground_patch(ctx, region, (k, k, k * 1.04), 4.0)
