"""Cars: body, cabin and wheels as convex solids, with lamps, glass and wheel detail painted on."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from shapely.geometry import MultiPoint, Polygon

from .camera import frustum, local_to_world, quad_point, sub_quad
from .canvas import Item, Layer
from .colour import RGB, mix, scaled
from .context import Ctx
from .shadows import contact_shadow, ground_patch, sun_shadow
from .shapes import clip_to_frame, union

CAR_COLOURS: tuple[RGB, ...] = (
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
CAR_KINDS: dict[str, tuple[float, float, float, float, float, float, float, float]] = {
    "hatchback": (4.0, 1.76, 0.92, 1.46, 0.25, 1.15, 0.5, 1.85),
    "sedan": (4.65, 1.8, 0.9, 1.42, 0.95, 1.25, 1.4, 1.95),
    "suv": (4.6, 1.9, 1.04, 1.72, 0.22, 1.1, 0.4, 1.6),
    "van": (4.95, 1.96, 1.1, 1.96, 0.1, 0.65, 0.18, 1.2),
}


def make_car(
    ctx: Ctx, o: float, z: float, forward: bool, kind: str, colour: RGB, braking: bool = False
) -> tuple[float, Item] | None:
    """A car on the road: lower body, cabin and wheels as convex solids, lights and glass as detail."""
    cam, light = ctx.cam, ctx.light
    if z > ctx.max_depth:
        return None
    length, width, belt, roof, cb0, cb1, ct0, ct1 = CAR_KINDS[kind]
    hl, hw = length / 2, width / 2
    theta = cam.heading(z) + (0.0 if forward else math.pi)
    origin = cam.world(o, 0.0, z)[0]

    def world(local: Sequence[Sequence[float]]) -> np.ndarray:
        return local_to_world(np.asarray(local, dtype=float), origin, theta)

    foot = [(-hw, -hl), (hw, -hl), (hw, hl), (-hw, hl)]  # rear-left, rear-right, front-right, front-left
    body = frustum(
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
    cabin = frustum(world(cab_bottom), world(cab_top), ("rear", "right", "front", "left"))
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
    shape = clip_to_frame(union(parts))
    if shape.is_empty:
        return None
    depth = z - hl
    lights_on = light.lamps or braking
    glass_base = mix(light.sky[1], (22, 26, 34), 0.62)

    def circle_on_side(sx: float, wz: float, r: float) -> np.ndarray:
        ring = [
            (sx * (hw + 0.005), radius + r * math.sin(a), wz + r * math.cos(a))
            for a in np.linspace(0, 6.28, 18)
        ]
        return cam.project(world(ring))

    def paint(lay: Layer) -> None:
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
            dark = light.shade(scaled(colour, 0.45), face.normal, z)
            if face.kind in ("rear", "front"):
                lay.polygon(
                    cam.project(sub_quad(q, 0, 1, 0, 0.28)), light.shade((34, 34, 36), face.normal, z)
                )
                lamp = (210, 24, 20) if face.kind == "rear" else (236, 236, 226)
                if lights_on:
                    lamp = (255, 60, 50) if face.kind == "rear" else (255, 252, 236)
                for a0, a1 in ((0.03, 0.22), (0.78, 0.97)):
                    quad = sub_quad(q, a0, a1, 0.56, 0.84)
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
                        cam.project(sub_quad(q, 0.3, 0.7, 0.34, 0.6)),
                        light.shade((30, 30, 32), face.normal, z),
                    )
                lay.polygon(
                    cam.project(sub_quad(q, 0.4, 0.6, 0.3, 0.5)),
                    light.shade((232, 232, 220), face.normal, z),
                )
            else:
                lay.polygon(cam.project(sub_quad(q, 0, 1, 0, 0.2)), dark)  # sill
                lay.line(
                    cam.project(np.array([quad_point(q, 0.5, 0.15), quad_point(q, 0.5, 1.0)])), dark, 0.5
                )
                lay.polygon(
                    cam.project(sub_quad(q, 0.05, 0.95, 0.86, 0.94)),
                    light.shade(mix(colour, (255, 255, 255), 0.35), face.normal, z),
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
                scaled(glass_base, light.ambient * (1.15 if face.kind in ("front", "rear") else 1.0)), z
            )
            if face.kind in ("rear", "front"):
                lay.polygon(cam.project(sub_quad(q, 0.07, 0.93, 0.1, 0.9)), glass)
                lay.polygon(cam.project(sub_quad(q, 0.5, 0.75, 0.55, 0.85)), mix(glass, light.sky[-1], 0.25))
            else:
                for a0, a1 in ((0.06, 0.47), (0.53, 0.94)):
                    lay.polygon(cam.project(sub_quad(q, a0, a1, 0.1, 0.88)), glass)

    footprint = world([(x, 0.0, zz) for x, zz in foot])
    contact_shadow(ctx, footprint[:, [0, 2]], 0.25, 0.5)
    sun_shadow(ctx, np.vstack([body.verts, cabin.verts]))
    if lights_on and not forward:  # headlight beams on the road ahead of an oncoming car
        beam = world([(-hw, 0, hl), (hw, 0, hl), (hw + 1.5, 0, hl + 9), (-hw - 1.5, 0, hl + 9)])
        ground_patch(ctx, Polygon(beam[:, [0, 2]]), (1.35, 1.3, 1.18), 10.0)
    return depth, Item("car", shape, paint, colour, grain=2.5, mottle=((3.0, 20.0),))
