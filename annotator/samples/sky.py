"""The sky: a gradient from the top of the frame down to the horizon, with clouds for the weather."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from shapely.geometry import box

from .canvas import SUPERSAMPLE, Item, Layer
from .colour import mix, to_rgb
from .context import Ctx
from .shapes import WIDTH, clip_to_frame


def add_sky(ctx: Ctx) -> None:
    light, horizon = ctx.light, ctx.cam.horizon

    def paint(lay: Layer) -> None:
        stops = np.array(light.sky, dtype=float)
        for row in range(lay.image.height):
            y = (row + lay.y0 + 0.5) / SUPERSAMPLE
            t = min(1.0, max(0.0, y / horizon)) ** 1.3 * (len(stops) - 1)
            i = min(int(t), len(stops) - 2)
            c = stops[i] + (stops[i + 1] - stops[i]) * (t - i)
            lay.draw.line([(0, row), (lay.image.width, row)], fill=to_rgb(tuple(c)))
        _paint_clouds(lay, ctx)

    mottle = ((9.0, 220.0), (4.0, 60.0)) if light.clouds == "overcast" else ((1.5, 200.0),)
    ctx.ground.append(
        Item(
            "sky",
            clip_to_frame(box(0, 0, WIDTH, horizon + 1)),
            paint,
            light.sky[-1],
            grain=1.0,
            mottle=mottle,
        )
    )


def _paint_clouds(lay: Layer, ctx: Ctx) -> None:
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
        lit_colour = mix((255, 255, 255), light.sky[-1], 0.1)
        shade_colour = mix(light.sky[1], (150, 156, 168), 0.6)
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
        Image.new("RGB", sky.size, to_rgb(shade_colour)),
        (0, 0),
        shade_mask.filter(ImageFilter.GaussianBlur(blur)),
    )
    sky.paste(
        Image.new("RGB", sky.size, to_rgb(lit_colour)),
        (0, 0),
        lit_mask.filter(ImageFilter.GaussianBlur(blur)),
    )
