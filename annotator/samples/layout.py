"""Populating a scene: where buildings, hedges, trees, poles, signs, people and cars go."""

from __future__ import annotations

import numpy as np

from .buildings import add_buildings
from .context import Ctx
from .people import make_cyclist, make_person
from .street_furniture import make_pole, make_sign, make_traffic_light
from .vegetation import add_hedge, make_tree
from .vehicles import CAR_COLOURS, CAR_KINDS, make_car


def populate(ctx: Ctx) -> None:
    """Place street objects: trees and poles along the kerbs, cars in lanes, people, the cyclist."""
    spec, road, rng = ctx.spec, ctx.road, ctx.rng
    base = 0.12
    for side in (-1, 1):
        add_buildings(ctx, side)
        edge = road.right_edge if side > 0 else road.left_edge
        if spec.town == "suburb":
            o_hedge = edge + side * road.walk
            z = rng.uniform(3.0, 8.0)
            while z < min(ctx.max_depth, 120):
                length = rng.uniform(6, 16)
                add_hedge(ctx, side, o_hedge, z, z + length)
                z += length + rng.uniform(2.5, 5)
            z = rng.uniform(8, 14)
            while z < min(ctx.max_depth, 160):
                tree = make_tree(
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
                tree = make_tree(
                    ctx, edge + side * 1.2, z, base, rng.uniform(6.5, 9.0), rng.uniform(1.8, 2.6)
                )
                if tree is not None:
                    ctx.add(z, tree)
                z += rng.uniform(13, 19)
        # street lamps on the kerb with arms over the road
        z = rng.uniform(7, 16) + (6 if side < 0 else 0)
        while z < min(ctx.max_depth, 160):
            lamp = make_pole(
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
        for entry in make_sign(ctx, edge + side * 0.6, z, base, signs[int(picks[i])]):
            ctx.add(*entry)
    _people(ctx)
    _cars(ctx)


def _populate_median(ctx: Ctx) -> None:
    road, rng = ctx.road, ctx.rng
    centre = road.median_left + road.median / 2
    z = rng.uniform(10, 13)
    while z < min(ctx.max_depth, 160):
        lamp = make_pole(ctx, centre, z, 0.12, 8.5, 0.1, (96, 98, 102), arm=-1.6, lamp=True, twin=True)
        if lamp is not None:
            ctx.add(*lamp)
            ctx.median_posts.append(z)
        z += rng.uniform(22, 28)
    z = rng.uniform(18, 24)
    while z < min(ctx.max_depth, 140):
        bush = make_tree(ctx, centre, z, 0.12, rng.uniform(3.0, 4.5), rng.uniform(1.0, 1.4))
        if bush is not None:
            ctx.add(z, bush)
        z += rng.uniform(20, 30)


def _traffic_lights(ctx: Ctx) -> None:
    spec, road, rng, cam = ctx.spec, ctx.road, ctx.rng, ctx.cam
    zc = spec.crossing or rng.uniform(24, 30)
    state = 0 if spec.crossing else int(rng.integers(3))
    o_pole = road.right_edge + 0.5
    z = zc - 0.6
    if spec.overhead_light:
        reach = -(road.right_edge - 0.5)
        mast = make_pole(ctx, o_pole, z, 0.12, 6.4, 0.13, (84, 88, 92), arm=reach - 0.5, arm_height=6.0)
        if mast is not None:
            ctx.add(*mast)
            anchor = cam.world(o_pole + reach * 0.7, 5.3, z - 0.15)[0]
            light = make_traffic_light(ctx, anchor, z - 0.15, state)
            if light is not None:
                ctx.add(*light)
    post = make_pole(ctx, o_pole, z, 0.12, 3.6, 0.07, (70, 74, 78))
    if post is not None:
        ctx.add(*post)
        light = make_traffic_light(ctx, cam.world(o_pole, 3.0, z - 0.16)[0], z - 0.16, state)
        if light is not None:
            ctx.add(*light)
    # and one across the street for the oncoming lanes' pedestrians, still facing us
    o_left = road.left_edge - 0.5
    z_left = zc + 3.6
    post = make_pole(ctx, o_left, z_left, 0.12, 3.6, 0.07, (70, 74, 78))
    if post is not None:
        ctx.add(*post)
        light = make_traffic_light(ctx, cam.world(o_left, 3.0, z_left - 0.16)[0], z_left - 0.16, state)
        if light is not None:
            ctx.add(*light)


def _people(ctx: Ctx) -> None:
    spec, road, rng = ctx.spec, ctx.road, ctx.rng
    if spec.crossing:  # someone on the zebra, in front of the car waiting in the oncoming lane
        o = road.lane_centre(-1) + rng.uniform(-0.5, 0.3)
        person = make_person(ctx, o, spec.crossing + 1.4, 0.0, "right" if rng.random() < 0.5 else "left")
        if person is not None:
            ctx.add(*person)
    placed = 0
    while placed < spec.walkers:
        side = 1 if placed % 2 == 0 else -1
        edge = road.right_edge if side > 0 else road.left_edge
        o = edge + side * rng.uniform(0.8, road.walk - 0.6)
        z = rng.uniform(8.5, 38)
        facing = str(rng.choice(["front", "back", "left", "right"]))
        person = make_person(ctx, o, z, 0.12, facing)
        if person is not None:
            ctx.add(*person)
        placed += 1
    o, z, heading = spec.cyclist
    for entry in make_cyclist(ctx, o, z, heading):
        ctx.add(*entry)


def _cars(ctx: Ctx) -> None:
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
    kinds = list(CAR_KINDS)
    for lane, z in slots:
        o = road.lane_centre(lane) + rng.uniform(-0.25, 0.25)
        kind = kinds[int(rng.choice(len(kinds), p=[0.34, 0.3, 0.24, 0.12]))]
        colour = CAR_COLOURS[int(rng.integers(len(CAR_COLOURS)))]
        braking = lane >= 0 and (light.lamps or bool(spec.crossing and lane == 0 and z < spec.crossing))
        car = make_car(ctx, o, z, lane >= 0, kind, colour, braking)
        if car is not None:
            ctx.add(*car)


def _depth_behind(ctx: Ctx, o_front: float, z_front: float, o_back: float) -> float:
    """Depth at which lateral offset o_back lies on the camera ray through (o_front, z_front)."""
    cam = ctx.cam
    ratio = (float(cam.road_x(z_front)) + o_front) / z_front
    zs = np.linspace(z_front + 1, 90, 800)
    xs = cam.road_x(zs) + o_back
    return float(zs[int(np.argmin(np.abs(xs / zs - ratio)))])
