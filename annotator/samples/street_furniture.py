"""Street furniture: lamp posts and other poles, traffic lights, traffic signs."""

from __future__ import annotations

import numpy as np
from shapely import affinity
from shapely.geometry import LineString, Point, Polygon, box
from shapely.geometry.base import BaseGeometry

from .canvas import Item, Layer
from .colour import RGB, scaled
from .context import Ctx
from .shadows import ground_patch, sun_shadow
from .shapes import capsule, clip_to_frame, ellipse, to_image, union


def make_pole(
    ctx: Ctx,
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
) -> tuple[float, Item] | None:
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
                parts.append(ellipse(float(hc[0]), float(hc[1]) + 0.08 * s, 0.35 * s, 0.11 * s, 16))
    elif lamp:
        heads.append(base + np.array([0.0, height + 0.2, 0.0]))
        hc = cam.project(heads[-1])[0]
        parts.append(ellipse(float(hc[0]), float(hc[1]), 0.2 * s, 0.32 * s, 16))
    shape = clip_to_frame(union(parts))
    if shape.is_empty:
        return None

    def paint(lay: Layer) -> None:
        lay.shape(shape, light.shade(colour, (0, 0, -1), z))
        # cylinder shading: the side towards the light is brighter
        lit_left = light.sun is None or light.sun[0] > 0
        x0 = foot[0] - r_px if lit_left else foot[0]
        lay.polygon(
            [(x0, top_v), (x0 + r_px * 0.8, top_v), (x0 + r_px * 0.8, foot[1]), (x0, foot[1])],
            light.shade(scaled(colour, 1.35), (0, 0, -1), z),
        )
        for head in heads:
            hc = cam.project(head)[0]
            c = (255, 236, 190) if light.lamps else (210, 214, 220)
            lay.ellipse(float(hc[0]), float(hc[1]) + 0.14 * s, 0.25 * s, 0.05 * s, light.fog(c, z))

    for head in heads if light.lamps else []:
        hc = cam.project(head)[0]
        ctx.glow(float(hc[0]), float(hc[1]) + 0.14 * s, 0.35 * s + 3.0, (255, 206, 140), 1.0)
        boost = 0.6 * (1.0 - light.ambient)  # pools only stand out when the surroundings are dark
        ground_patch(
            ctx, Point(head[0], head[2]).buffer(4.5), (1 + boost, 1 + boost * 0.75, 1 + boost * 0.3), 24.0
        )
    sun_shadow(ctx, np.array([base, base + np.array([0.0, height, 0.0])]), widen=radius)
    return z, Item("pole", shape, paint, colour, grain=2.5)


def make_traffic_light(ctx: Ctx, anchor: np.ndarray, z: float, state: int) -> tuple[float, Item] | None:
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
        ellipse(0, 0, 0.15, 0.15, 32)
        .difference(ellipse(0, 0, 0.115, 0.115, 32))
        .intersection(box(-1, 0.02, 1, 1))
    )
    visors = [to_image(hood, np.array([x, y]), s) for x, y in lamps]  # hoods: arcs above each lamp
    shape = clip_to_frame(union([plate, housing, *visors]))
    if shape.is_empty:
        return None
    colours = ((230, 40, 30), (245, 170, 30), (40, 220, 110))

    def paint(lay: Layer) -> None:
        lay.shape(plate, light.shade((230, 230, 226), (0, 0, -1), z))
        lay.shape(rect(0.5, 1.12), light.shade((26, 26, 28), (0, 0, -1), z))
        lay.shape(housing, light.shade((40, 42, 40), (0, 0, -1), z))
        for i, (x, y) in enumerate(lamps):
            on = i == state
            col = colours[i] if on else scaled(colours[i], 0.22)
            lay.ellipse(x, y, 0.1 * s, 0.1 * s, light.fog(col, z) if on else light.shade(col, (0, 0, -1), z))
        for v in visors:
            lay.shape(v, light.shade((30, 30, 30), (0, 0, -1), z))

    x, y = lamps[state]
    ctx.glow(x, y, 0.12 * s + 1.5, colours[state], 0.9 if light.lamps else 0.35)
    return z, Item("traffic light", shape, paint, (40, 42, 40), grain=2.5)


def make_sign(ctx: Ctx, o: float, z: float, base_y: float, kind: str) -> list[tuple[float, Item]]:
    """A sign post plus the sign face (separate objects: pole, traffic sign)."""
    cam, light = ctx.cam, ctx.light
    out: list[tuple[float, Item]] = []
    post = make_pole(ctx, o, z, base_y, 2.6, 0.035, (150, 152, 156))
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
        p_shape = union(
            [
                box(-0.12, -0.25, -0.04, 0.25),
                ellipse(0.02, -0.1, 0.12, 0.15)
                .difference(ellipse(0.0, -0.1, 0.05, 0.08))
                .intersection(box(-0.04, -1, 1, 1)),
            ]
        )
        details = [(face, blue), (face.buffer(-0.03), blue), (p_shape, white)]
    else:
        face = ellipse(0, 0, size / 2, size / 2, 32)
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
                (ellipse(0, 0, size * 0.38, size * 0.38, 32), white),
                (capsule([(-0.1, -0.1), (-0.1, 0.1)], 0.025), black),
                (ellipse(0.08, 0, 0.07, 0.11).difference(ellipse(0.08, 0, 0.035, 0.075)), black),
            ]
    face_px = to_image(affinity.scale(face, 1, -1, origin=(0, 0)), centre, s)
    shape = clip_to_frame(face_px.buffer(0))
    if shape.is_empty:
        return out

    def paint(lay: Layer) -> None:
        for geom, col in details:
            lay.shape(
                to_image(affinity.scale(geom, 1, -1, origin=(0, 0)), centre, s),
                light.shade(col, (0, 0, -1), z),
            )

    out.append((z - 0.06, Item("traffic sign", shape, paint, white, grain=2.5)))
    return out
