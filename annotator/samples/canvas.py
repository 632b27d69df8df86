"""The supersampled canvas: layers that items paint into, compositing them with texture and
ground patches, and the camera's finishing pass (rain, glows, softness, vignette, noise)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter
from shapely.geometry.base import BaseGeometry

from .colour import RGB, to_rgb
from .light import Light
from .shapes import HEIGHT, WIDTH, polygons

SUPERSAMPLE = 2  # supersampling: draw at 2x and box-downsample, so edges are antialiased like a real lens
Paint = Callable[["Layer"], None]


class Layer:
    """A 2x-resolution patch of the canvas for one item; all coordinates given in output pixels."""

    def __init__(self, x0: int, y0: int, w: int, h: int, fill: RGB) -> None:
        self.x0, self.y0 = x0, y0
        self.image = Image.new("RGB", (w, h), to_rgb(fill))
        self.draw = ImageDraw.Draw(self.image)

    def pt(self, x: float, y: float) -> tuple[float, float]:
        # Pixel i covers [i, i+1) in output coordinates (as pycocotools assumes); PIL puts pixel
        # centres on integers, hence the half-pixel shift at 2x.
        return (x * SUPERSAMPLE - 0.5 - self.x0, y * SUPERSAMPLE - 0.5 - self.y0)

    def polygon(
        self,
        pts: Sequence[Sequence[float]] | np.ndarray,
        fill: RGB,
        draw: ImageDraw.ImageDraw | None = None,
        value: int | None = None,
    ) -> None:
        if len(pts) < 3:
            return
        (draw or self.draw).polygon(
            [self.pt(p[0], p[1]) for p in pts], fill=to_rgb(fill) if value is None else value
        )

    def shape(self, geom: BaseGeometry, fill: RGB) -> None:
        for part in polygons(geom):
            self.polygon(np.asarray(part.exterior.coords), fill)

    def darken(self, geom: BaseGeometry, k: float, blur: float = 0.0) -> None:
        """Multiply what is already painted inside `geom` by k (soft-edged with blur, in 2x pixels)."""
        mask = Image.new("L", self.image.size, 0)
        draw = ImageDraw.Draw(mask)
        for part in polygons(geom):
            self.polygon(np.asarray(part.exterior.coords), (0, 0, 0), draw=draw, value=255)
        if blur:
            mask = mask.filter(ImageFilter.GaussianBlur(blur))
        self.image.paste(self.image.point(lambda v: round(v * k)), (0, 0), mask)

    def line(self, pts: Sequence[Sequence[float]] | np.ndarray, fill: RGB, width: float) -> None:
        self.draw.line(
            [self.pt(p[0], p[1]) for p in pts], fill=to_rgb(fill), width=max(1, round(width * SUPERSAMPLE))
        )

    def ellipse(
        self,
        cx: float,
        cy: float,
        rx: float,
        ry: float,
        fill: RGB | None = None,
        draw: ImageDraw.ImageDraw | None = None,
        value: int | None = None,
    ) -> None:
        rx, ry = max(rx, 0.3), max(ry, 0.3)
        x0, y0 = self.pt(cx - rx, cy - ry)
        x1, y1 = self.pt(cx + rx, cy + ry)
        colour = value if value is not None else to_rgb(fill or (0, 0, 0))
        (draw or self.draw).ellipse([x0, y0, x1, y1], fill=colour)


@dataclass
class Item:
    """One drawn thing: its category, its silhouette in pixels, and how to paint inside it."""

    category: str
    shape: BaseGeometry
    paint: Paint
    base: RGB
    grain: float = 3.0  # per-pixel texture noise at 2x (sigma, grey levels)
    mottle: tuple[tuple[float, float], ...] = ()  # low-frequency noise octaves: (amplitude, cell size at 2x)
    patches: bool = False  # takes cast shadows and light pools (ground surfaces)


@dataclass(frozen=True)
class Patch:
    shape: BaseGeometry
    factor: RGB  # multiplied into the surface: < 1 shadow, > 1 light pool
    blur: float  # softness at 2x


@dataclass(frozen=True)
class Glow:
    x: float
    y: float
    sigma: float
    colour: RGB
    strength: float


def _texture(arr: np.ndarray, rng: np.random.Generator, item: Item) -> None:
    h, w = arr.shape[:2]
    # the same relative roughness on a dark surface is fewer grey levels (keeps night from looking blotchy)
    k = min(1.2, max(0.3, float(arr.mean()) / 120.0))
    for amplitude, cell in item.mottle:
        gh, gw = max(2, math.ceil(h / cell) + 1), max(2, math.ceil(w / cell) + 1)
        small = rng.standard_normal((gh, gw), dtype=np.float32)
        big = np.asarray(Image.fromarray(small).resize((w, h), Image.Resampling.BICUBIC))
        arr += (big * (amplitude * k))[..., None]
    if item.grain:
        arr += rng.standard_normal((h, w, 1), dtype=np.float32) * (item.grain * k)


def _apply_patches(arr: np.ndarray, lay: Layer, patches: Sequence[Patch]) -> None:
    """Cast shadows and light pools: one mask per (factor, blur) so overlaps do not compound."""
    h, w = arr.shape[:2]
    x0, y0, x1, y1 = (
        lay.x0 / SUPERSAMPLE,
        lay.y0 / SUPERSAMPLE,
        (lay.x0 + w) / SUPERSAMPLE,
        (lay.y0 + h) / SUPERSAMPLE,
    )
    groups: dict[tuple[RGB, float], list[BaseGeometry]] = {}
    for patch in patches:
        bx0, by0, bx1, by1 = patch.shape.bounds
        if bx1 < x0 or bx0 > x1 or by1 < y0 or by0 > y1:
            continue
        groups.setdefault((patch.factor, patch.blur), []).append(patch.shape)
    for (factor, blur), shapes in groups.items():
        mask = Image.new("L", (w, h), 0)
        draw = ImageDraw.Draw(mask)
        for geom in shapes:
            for part in polygons(geom):
                lay.polygon(np.asarray(part.exterior.coords), (0, 0, 0), draw=draw, value=255)
        if blur:
            mask = mask.filter(ImageFilter.GaussianBlur(blur))
        m = np.asarray(mask, dtype=np.float32)[..., None] / 255.0
        arr *= 1.0 + (np.array(factor, dtype=np.float32) - 1.0) * m


def composite(canvas: Image.Image, item: Item, patches: Sequence[Patch], tex: np.random.Generator) -> None:
    minx, miny, maxx, maxy = item.shape.bounds
    x0, y0 = max(0, math.floor(minx * SUPERSAMPLE) - 2), max(0, math.floor(miny * SUPERSAMPLE) - 2)
    x1, y1 = (
        min(WIDTH * SUPERSAMPLE, math.ceil(maxx * SUPERSAMPLE) + 2),
        min(HEIGHT * SUPERSAMPLE, math.ceil(maxy * SUPERSAMPLE) + 2),
    )
    if x1 <= x0 or y1 <= y0:
        return
    lay = Layer(x0, y0, x1 - x0, y1 - y0, item.base)
    item.paint(lay)
    arr = np.asarray(lay.image, dtype=np.float32).copy()
    if item.patches:
        _apply_patches(arr, lay, patches)
    _texture(arr, tex, item)
    layer = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))
    # The mask is the item's exact silhouette, so paint can never stray outside its ground truth.
    mask = Image.new("L", layer.size, 0)
    draw = ImageDraw.Draw(mask)
    for part in sorted(polygons(item.shape), key=lambda p: -p.area):
        lay.polygon(np.asarray(part.exterior.coords), (0, 0, 0), draw=draw, value=255)
        for hole in part.interiors:
            lay.polygon(np.asarray(hole.coords), (0, 0, 0), draw=draw, value=0)
    canvas.paste(layer, (x0, y0), mask)


def post_process(
    image: Image.Image, light: Light, seed: int, glows: Sequence[Glow], horizon: float
) -> Image.Image:
    """Camera and weather effects on the final frame: rain, light glows, lens softness, vignette, noise."""
    rng = np.random.default_rng([seed, 2])
    arr = np.asarray(image, dtype=np.float32).copy()
    if light.rain:
        streaks = Image.new("L", (WIDTH, HEIGHT), 0)
        draw = ImageDraw.Draw(streaks)
        for _ in range(int(2600 * light.rain)):
            x, y = rng.uniform(-40, WIDTH), rng.uniform(-30, HEIGHT)
            length = rng.uniform(8, 26)
            draw.line([(x, y), (x + length * 0.18, y + length)], fill=int(rng.integers(60, 200)), width=1)
        m = np.asarray(streaks.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float32)[..., None] / 255.0
        arr += (np.array([205, 210, 218], dtype=np.float32) - arr) * m * 0.32
    yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    for g in glows:
        _add_glow(arr, xx, yy, g.x, g.y, g.sigma, g.colour, g.strength)
        if light.wet and g.y > horizon:  # reflections smeared down a wet road
            _add_glow(
                arr, xx, yy, g.x, g.y + g.sigma * 5, g.sigma, g.colour, g.strength * light.wet, stretch=4.0
            )
    if light.clouds == "streaks":  # the setting sun behind the buildings
        _add_glow(arr, xx, yy, 180.0, horizon - 40, 140.0, (255, 170, 90), 0.35)
    out = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8)).filter(ImageFilter.GaussianBlur(0.55))
    arr = np.asarray(out, dtype=np.float32).copy()
    r2 = ((xx - WIDTH / 2) / (WIDTH / 2)) ** 2 + ((yy - HEIGHT / 2) / (HEIGHT / 2)) ** 2
    arr *= (1.0 - 0.14 * r2)[..., None]
    arr += rng.standard_normal((HEIGHT, WIDTH, 1), dtype=np.float32) * light.sensor_noise
    arr += rng.standard_normal((HEIGHT, WIDTH, 3), dtype=np.float32) * (light.sensor_noise * 0.35)
    return Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8))


def _add_glow(
    arr: np.ndarray,
    xx: np.ndarray,
    yy: np.ndarray,
    x: float,
    y: float,
    sigma: float,
    colour: RGB,
    strength: float,
    stretch: float = 1.0,
) -> None:
    rx, ry = 3.5 * sigma, 3.5 * sigma * stretch
    c0, c1 = max(0, int(x - rx)), min(WIDTH, int(x + rx) + 1)
    r0, r1 = max(0, int(y - ry)), min(HEIGHT, int(y + ry) + 1)
    if c1 <= c0 or r1 <= r0:
        return
    dx = (xx[r0:r1, c0:c1] - x) / sigma
    dy = (yy[r0:r1, c0:c1] - y) / (sigma * stretch)
    g = np.exp(-0.5 * (dx * dx + dy * dy)) * strength
    arr[r0:r1, c0:c1] += g[..., None] * np.array(colour, dtype=np.float32) * 0.9
