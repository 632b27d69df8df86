"""Buildings along the street: city blocks with shop fronts and windows, suburban houses."""

from __future__ import annotations

import numpy as np

from .camera import Face, Solid, frustum, sub_quad
from .canvas import Item, Layer
from .colour import RGB, mix, scaled
from .context import Ctx
from .shadows import sun_shadow
from .shapes import clip_to_frame

FACADES: tuple[RGB, ...] = (
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


def add_buildings(ctx: Ctx, side: int) -> None:
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


def _footprint(ctx: Ctx, side: int, z0: float, z1: float, o: float, depth: float) -> np.ndarray:
    """Rectangle whose road-facing edge is the chord of the curved building line from z0 to z1."""
    cam = ctx.cam
    a = np.array([float(cam.road_x(z0)) + o, z0])
    b = np.array([float(cam.road_x(z1)) + o, z1])
    d = (b - a) / np.linalg.norm(b - a)
    n = side * np.array([d[1], -d[0]])
    return np.array([a, b, b + depth * n, a + depth * n])


def xz_to_world(xz: np.ndarray, y: float) -> np.ndarray:
    return np.stack([xz[:, 0], np.full(len(xz), y), xz[:, 1]], axis=1)


def _city_block(ctx: Ctx, side: int, z0: float, z1: float, o: float, height: float) -> None:
    rng = ctx.rng
    fp = _footprint(ctx, side, z0, z1, o, 14.0)
    solid = frustum(xz_to_world(fp, 0.12), xz_to_world(fp, height), ("front", "far", "back", "near"))
    colour = FACADES[int(rng.integers(len(FACADES)))]
    colour = scaled(colour, rng.uniform(0.9, 1.08))
    storey = rng.uniform(3.0, 3.4)
    column = rng.uniform(2.3, 3.2)
    shop = rng.random() < 0.7
    trim = scaled(colour, 0.78) if rng.random() < 0.5 else mix(colour, (235, 232, 225), 0.6)
    seed = int(rng.integers(1 << 30))

    def paint(lay: Layer) -> None:
        wr = np.random.default_rng(seed)  # windows stay put even if other detail changes
        for face in solid.visible(ctx.cam):
            if face.quad is None:
                continue
            _paint_wall(lay, ctx, face, colour)
            _paint_windows(lay, ctx, face, wr, storey, column, shop, trim)

    shape = clip_to_frame(solid.hull(ctx.cam))
    ctx.add_background(
        1, z0, Item("building", shape, paint, colour, grain=4.0, mottle=((6.0, 60.0), (3.0, 12.0)))
    )
    sun_shadow(ctx, solid.verts)


def _paint_wall(lay: Layer, ctx: Ctx, face: Face, colour: RGB) -> None:
    """A vertical face in slices along its length so haze grows with distance along it."""
    assert face.quad is not None
    q = face.quad
    span = abs(q[1][2] - q[0][2])
    n = max(1, min(12, int(span / 4)))
    for i in range(n):
        sub = sub_quad(q, i / n, (i + 1) / n, 0, 1)
        c = ctx.light.shade(colour, face.normal, float(sub[:, 2].mean()))
        lay.polygon(ctx.cam.project(sub), c)
    # a darker cornice band at the top and a plinth at the bottom read as architecture
    height = q[3][1] - q[0][1]
    for b0, b1, k in ((1 - 0.5 / height, 1.0, 0.7), (0.0, 0.35 / height, 0.6)):
        sub = sub_quad(q, 0, 1, b0, b1)
        lay.polygon(
            ctx.cam.project(sub), ctx.light.shade(scaled(colour, k), face.normal, float(sub[:, 2].mean()))
        )


def window_glass(ctx: Ctx, rng: np.random.Generator, depth: float, lit: bool) -> RGB:
    light = ctx.light
    if lit:
        warm = (255, 206, 130) if rng.random() < 0.75 else (220, 230, 255)
        return light.fog(scaled(warm, rng.uniform(0.7, 1.0)), depth)
    base = mix(light.sky[1], (24, 28, 36), rng.uniform(0.45, 0.75))
    return light.fog(scaled(base, light.ambient * rng.uniform(0.85, 1.15)), depth)


def _paint_windows(
    lay: Layer,
    ctx: Ctx,
    face: Face,
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
            quad = sub_quad(q, s0 / length, s1 / length, 0.5 / height, 3.3 / height)
            z = float(quad[:, 2].mean())
            lay.polygon(
                cam.project(sub_quad(q, s0 / length - 0.01, s1 / length + 0.01, 3.35 / height, 3.9 / height)),
                light.shade(_accent(rng), face.normal, z),
            )
            lit = light.lamps and rng.random() < 0.7
            glass = window_glass(ctx, rng, z, lit)
            if lit:  # a lit shop is not a flat panel: dimmer towards the top, a display along the bottom
                glass = scaled(glass, 0.8)
            lay.polygon(cam.project(quad), glass)
            lay.polygon(cam.project(sub_quad(quad, 0, 1, 0.55, 1)), scaled(glass, 0.86))
            lay.polygon(cam.project(sub_quad(quad, 0.05, 0.95, 0.0, 0.25)), scaled(glass, 0.55))
            for k in range(int(rng.integers(0, 4))):
                a = rng.uniform(0.1, 0.8)
                lay.polygon(
                    cam.project(sub_quad(quad, a, a + rng.uniform(0.04, 0.12), 0.25, rng.uniform(0.4, 0.7))),
                    scaled(glass, 0.45 + 0.1 * k),
                )
            for a in (0.33, 0.66):
                lay.polygon(
                    cam.project(sub_quad(quad, a - 0.006, a + 0.006, 0, 1)),
                    light.shade(trim, face.normal, z),
                )
    rows = [ground + 0.9 + k * storey for k in range(40) if ground + 0.9 + k * storey + 1.7 < height - 0.6]
    door = int(rng.integers(cols))
    if not shop:  # a residential ground floor: an entrance and a row of windows
        rows.insert(0, 1.1)
        s0, s1 = (door + 0.5) * pitch - 0.7, (door + 0.5) * pitch + 0.7
        frame = sub_quad(q, (s0 - 0.15) / length, (s1 + 0.15) / length, 0.0, 2.75 / height)
        z = float(frame[:, 2].mean())
        lay.polygon(cam.project(frame), light.shade(frame_colour, face.normal, z))
        lay.polygon(
            cam.project(sub_quad(q, s0 / length, s1 / length, 0.0, 2.55 / height)),
            light.shade(((70, 50, 40), (40, 46, 52), (90, 30, 30))[int(rng.integers(3))], face.normal, z),
        )
    for y in rows:
        for i in range(cols):
            if y < 2.0 and i == door:
                continue
            s0 = (i + 0.5) * pitch - 0.65
            a0, a1 = s0 / length, (s0 + 1.3) / length
            b0, b1 = y / height, (y + 1.7) / height
            frame = sub_quad(q, a0 - 0.08 / length, a1 + 0.08 / length, b0 - 0.1 / height, b1 + 0.06 / height)
            z = float(frame[:, 2].mean())
            if cam.scale(z) * 1.3 < 1.2:
                continue
            lay.polygon(cam.project(frame), light.shade(frame_colour, face.normal, z))
            lit = rng.random() < light.lit_windows
            glass = window_glass(ctx, rng, z, lit)
            lay.polygon(cam.project(sub_quad(q, a0, a1, b0, b1)), glass)
            if not lit and rng.random() < 0.35:  # a drawn curtain in the upper part
                lay.polygon(
                    cam.project(sub_quad(q, a0, a1, b0 + 0.9 / height, b1)),
                    light.shade(mix(glass, (220, 215, 200), 0.5), face.normal, z),
                )
            sill = sub_quad(q, a0 - 0.1 / length, a1 + 0.1 / length, b0 - 0.16 / height, b0 - 0.08 / height)
            lay.polygon(cam.project(sill), light.shade((200, 198, 190), face.normal, z))


def _accent(rng: np.random.Generator) -> RGB:
    """A paint colour for awnings and front doors."""
    palette = ((150, 40, 36), (40, 80, 60), (60, 60, 70), (180, 150, 60), (36, 64, 110))
    return palette[int(rng.integers(len(palette)))]


def _house(ctx: Ctx, side: int, z0: float, z1: float, o: float) -> None:
    """A suburban house: walls plus a gable roof, a convex solid, with door and windows."""
    light, rng, cam = ctx.light, ctx.rng, ctx.cam
    depth = rng.uniform(8.0, 10.0)
    wall = rng.uniform(5.4, 6.6)
    roof = rng.uniform(2.4, 3.6)
    fp = _footprint(ctx, side, z0, z1, o, depth)
    base, top = xz_to_world(fp, 0.12), xz_to_world(fp, wall)
    ridge_a = xz_to_world(((fp[0] + fp[3]) / 2)[None], wall + roof)[0]
    ridge_b = xz_to_world(((fp[1] + fp[2]) / 2)[None], wall + roof)[0]
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
    solid = Solid(verts, faces)
    colour = ((226, 218, 200), (196, 168, 130), (170, 86, 66), (232, 230, 222), (150, 160, 150))[
        int(rng.integers(5))
    ]
    roof_colour = ((110, 54, 44), (72, 72, 78), (128, 76, 52))[int(rng.integers(3))]
    seed = int(rng.integers(1 << 30))

    def paint(lay: Layer) -> None:
        wr = np.random.default_rng(seed)
        for face in solid.visible(cam):
            z = float(face.corners[:, 2].mean())
            if face.kind == "roof":
                lay.polygon(cam.project(face.corners), light.shade(roof_colour, face.normal, z))
                _paint_roof_rows(lay, ctx, face, roof_colour)
            elif face.kind != "bottom":
                lay.polygon(cam.project(face.corners), light.shade(colour, face.normal, z))
                _paint_house_openings(lay, ctx, face, wr)

    shape = clip_to_frame(solid.hull(cam))
    ctx.add_background(1, z0, Item("building", shape, paint, colour, grain=4.0, mottle=((5.0, 50.0),)))
    sun_shadow(ctx, verts)


def _paint_roof_rows(lay: Layer, ctx: Ctx, face: Face, colour: RGB) -> None:
    c = face.corners  # eave edge first (two wall-top corners), then the ridge
    eave0, eave1, ridge1, ridge0 = c[0], c[1], c[2], c[3]
    for t in np.linspace(0.1, 0.95, 9):
        a, b = eave0 + (ridge0 - eave0) * t, eave1 + (ridge1 - eave1) * t
        pts = ctx.cam.project(np.array([a, b]))
        lay.line(pts, ctx.light.shade(scaled(colour, 0.7), face.normal, float((a[2] + b[2]) / 2)), 0.6)


def _paint_house_openings(lay: Layer, ctx: Ctx, face: Face, rng: np.random.Generator) -> None:
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
                quad = sub_quad(q, (mid - 0.5) / length, (mid + 0.5) / length, 0.0, 2.2 / height)
                z = float(quad[:, 2].mean())
                lay.polygon(cam.project(quad), light.shade(_accent(rng), face.normal, z))
                continue
            frame = sub_quad(
                q, (mid - 0.72) / length, (mid + 0.72) / length, (y0 - 0.08) / height, (y1 + 0.08) / height
            )
            z = float(frame[:, 2].mean())
            lay.polygon(cam.project(frame), light.shade(white, face.normal, z))
            glass = window_glass(ctx, rng, z, rng.random() < light.lit_windows)
            for a0, a1 in ((mid - 0.64, mid - 0.04), (mid + 0.04, mid + 0.64)):
                lay.polygon(
                    cam.project(sub_quad(q, a0 / length, a1 / length, y0 / height, y1 / height)), glass
                )
