"""People: pedestrians and a cyclist on a bicycle, built in metres and projected into the picture."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from .camera import local_to_world
from .canvas import SUPERSAMPLE, Item, Layer
from .colour import RGB, scaled
from .context import Ctx
from .shadows import contact_shadow, sun_shadow
from .shapes import capsule, clip_to_frame, ellipse, to_image, union

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
                    union(
                        [
                            capsule([(sx * 0.085, 0.92), (sx * 0.095, 0.48)], 0.075),
                            capsule([(sx * 0.095, 0.48), (sx * 0.1 + stride * sx, 0.1)], 0.06),
                        ]
                    ),
                )
            )
            parts.append(("shoes", ellipse(sx * 0.1 + stride * sx, 0.045, 0.065, 0.05)))
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
                parts.append(("top", capsule([(0.21, 1.4), (0.28, 1.18), (0.14, 1.28)], 0.045)))
                parts.append(("skin", Point(0.14, 1.3).buffer(0.045)))
                continue
            parts.append(("top", capsule([(sx * 0.215, 1.4), (sx * 0.25, 1.12), (sx * 0.245, 0.86)], 0.046)))
            parts.append(("skin", Point(sx * 0.245, 0.82).buffer(0.045)))
        parts.append(("skin", capsule([(0, 1.42), (0, 1.52)], 0.05)))
        head = ellipse(0, 1.63, 0.088, 0.112)
        parts.append(("skin", head))
        cut = 1.66 if facing == "front" else 1.55
        parts.append(
            (
                "hair",
                head.intersection(box(-1, cut, 1, 2)).union(
                    ellipse(0, 1.7, 0.092, 0.06) if facing == "front" else Polygon()
                ),
            )
        )
    else:
        d = 1.0 if facing == "right" else -1.0
        phase = rng.uniform(0.4, 1.0)
        parts.append(
            (
                "legs_far",
                union(
                    [
                        capsule([(0, 0.92), (-0.07 * d * phase, 0.5)], 0.07),
                        capsule([(-0.07 * d * phase, 0.5), (-0.2 * d * phase, 0.1)], 0.058),
                    ]
                ),
            )
        )
        parts.append(("shoes", ellipse(-0.2 * d * phase + 0.05 * d, 0.05, 0.12, 0.05)))
        parts.append(
            ("top_far", capsule([(0, 1.4), (-0.08 * d * phase, 1.15), (-0.15 * d * phase, 0.93)], 0.045))
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
                union(
                    [
                        capsule([(0, 0.92), (0.11 * d * phase, 0.52)], 0.072),
                        capsule([(0.11 * d * phase, 0.52), (0.2 * d * phase, 0.1)], 0.06),
                    ]
                ),
            )
        )
        parts.append(("shoes", ellipse(0.2 * d * phase + 0.05 * d, 0.05, 0.12, 0.05)))
        if umbrella:
            parts.append(("top", capsule([(0.02 * d, 1.4), (0.16 * d, 1.2), (0.1 * d, 1.3)], 0.046)))
            parts.append(("skin", Point(0.1 * d, 1.3).buffer(0.045)))
        else:
            parts.append(
                ("top", capsule([(0.02 * d, 1.4), (0.1 * d * phase, 1.14), (0.17 * d * phase, 0.94)], 0.046))
            )
            parts.append(("skin", Point(0.18 * d * phase, 0.91).buffer(0.045)))
        parts.append(("skin", capsule([(0.01 * d, 1.42), (0.02 * d, 1.52)], 0.05)))
        head = ellipse(0.02 * d, 1.63, 0.1, 0.112)
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
        parts.append(("umbrella_shaft", capsule([(cx, 1.3), (cx, 2.0)], 0.012)))
        parts.append(("umbrella", canopy))
    return parts


def make_person(ctx: Ctx, o: float, z: float, base_y: float, facing: str) -> tuple[float, Item] | None:
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
    px_parts = [(m, to_image(g, foot, s)) for m, g in parts]
    shape = clip_to_frame(union([g for _, g in px_parts]))
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
    colours["top_far"] = scaled(colours["top"], 0.75)
    colours["legs_far"] = scaled(colours["legs"], 0.75)

    def paint(lay: Layer) -> None:
        for material, geom in px_parts:
            lay.shape(geom, light.shade(colours[material], (0, 0.2, -1), z))
        # a soft shading down the side away from the light gives the body some volume
        minx, miny, maxx, maxy = shape.bounds
        away = box(minx + (maxx - minx) * 0.6, miny, maxx, maxy)
        if light.sun is not None and light.sun[0] < 0:
            away = box(minx, miny, minx + (maxx - minx) * 0.4, maxy)
        lay.darken(away, 0.8, blur=0.15 * (maxx - minx) * SUPERSAMPLE)

    contact_shadow(
        ctx, np.array([[foot_world[0] - 0.2, z - 0.15], [foot_world[0] + 0.2, z + 0.15]]), 0.1, 0.4
    )
    sun_shadow(
        ctx, np.array([foot_world + np.array([dx, y, 0.0]) for dx in (-0.2, 0.2) for y in (0.0, height)])
    )
    return z, Item("person", shape, paint, colours["top"], grain=5.0, mottle=((4.0, 8.0),))


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


def make_cyclist(ctx: Ctx, o: float, z: float, heading_deg: float) -> list[tuple[float, Item]]:
    """A bicycle and its rider as two objects, built in the bike's side plane and projected in 3D."""
    cam, light, rng = ctx.cam, ctx.light, ctx.rng
    theta = cam.heading(z) + math.radians(heading_deg)
    origin = cam.world(o, 0.0, z)[0]
    s_mid = cam.scale(z)

    def p3(s: float, y: float, x: float = 0.0) -> np.ndarray:
        return local_to_world(np.array([[x, y, s - 0.52]]), origin, theta)[0]

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
    bike_shape = clip_to_frame(union([*wheels, *frame]))
    frame_colour = _CLOTHES[int(rng.integers(len(_CLOTHES)))]
    out: list[tuple[float, Item]] = []

    def paint_bike(lay: Layer) -> None:
        for g in frame:
            lay.shape(g, light.shade(frame_colour, (0, 0.3, -1), z))
        for g in wheels:  # tyres are rings: the mask leaves the inside see-through
            lay.shape(g, light.shade((28, 28, 30), (0, 0, -1), z))

    if not bike_shape.is_empty:
        out.append((z + 0.01, Item("bicycle", bike_shape, paint_bike, frame_colour, grain=3.0)))

    # rider, seated: hips over the saddle, hands on the bars, feet on the pedals
    hip = (0.3, 0.98)
    lean = rng.uniform(0.45, 0.62)
    shoulder = (hip[0] + lean * 0.75, hip[1] + 0.52)
    head = (shoulder[0] + 0.09, shoulder[1] + 0.2)
    limbs_far: list[BaseGeometry] = []
    limbs_near: list[BaseGeometry] = []
    near_side = (
        1.0
        if np.dot(local_to_world(np.array([[1.0, 0, 0]]), np.zeros(3), theta)[0], cam.position - origin) > 0
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
    helmet = to_image(ellipse(0, 0.03, 0.125, 0.085).intersection(box(-1, 0.0, 1, 1)), head_c, s_mid)
    rider_shape = clip_to_frame(union([torso, head_geom, helmet, *limbs_far, *limbs_near]))
    jacket = _CLOTHES[int(rng.integers(len(_CLOTHES)))]
    trousers = _TROUSERS[int(rng.integers(len(_TROUSERS)))]
    helmet_colour = ((220, 60, 40), (240, 240, 240), (30, 30, 34), (60, 140, 200))[int(rng.integers(4))]
    skin = _SKIN[int(rng.integers(len(_SKIN)))]

    def paint_rider(lay: Layer) -> None:
        for g in limbs_far:
            lay.shape(g, light.shade(scaled(trousers, 0.7), (0, 0, -1), z))
        lay.shape(torso, light.shade(jacket, (0, 0.3, -1), z))
        for g in limbs_near:
            lay.shape(g, light.shade(trousers, (0, 0, -1), z))
        for g in limbs_near[-1:] + limbs_far[-1:]:
            lay.shape(g, light.shade(jacket, (0, 0.1, -1), z))  # sleeves over the arms
        lay.shape(head_geom, light.shade(skin, (0, 0, -1), z))
        lay.shape(helmet, light.shade(helmet_colour, (0, 0.5, -1), z))

    if not rider_shape.is_empty:
        out.append((z, Item("rider", rider_shape, paint_rider, jacket, grain=4.0)))
    contact_shadow(ctx, np.array([p3(0.0, 0.0)[[0, 2]], p3(1.05, 0.0)[[0, 2]]]), 0.18, 0.4)
    sun_shadow(ctx, np.array([p3(0, 0), p3(1.05, 0), p3(*head), p3(0.95, 0.98)]), widen=0.1)
    if light.lamps:
        front = cam.project(p3(1.05, 0.9))[0]
        ctx.glow(float(front[0]), float(front[1]), 0.1 * s_mid + 1.5, (255, 250, 230), 0.8)
    return out
