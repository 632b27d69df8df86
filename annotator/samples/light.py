"""Light and weather per scene (day, dusk, rain...): sky colours, shading, haze, lamps, wet roads."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from .colour import RGB


@dataclass(frozen=True)
class Light:
    """Everything that differs between day, dusk, rain...: sky, shading, haze, weather."""

    sky: tuple[RGB, ...]  # gradient stops from the top of the frame down to the horizon
    ambient: float
    tint: RGB
    sun: tuple[float, float, float] | None  # direction the sunlight travels (unit vector)
    sun_strength: float
    haze: RGB
    haze_distance: float  # metres at which 63 % of an object's colour has turned to haze
    clouds: str  # cumulus | overcast | streaks | night | none
    lamps: bool = False  # street lamps, car lights and lit shop windows on
    lit_windows: float = 0.0
    rain: float = 0.0
    sensor_noise: float = 2.0
    shadow: RGB = (0.6, 0.63, 0.72)
    wet: float = 0.0  # how much the road mirrors the sky

    def shade(self, rgb: RGB, normal: Sequence[float] = (0.0, 0.0, -1.0), depth: float = 0.0) -> RGB:
        """Lambert-ish shading of a surface colour plus distance haze (atmospheric perspective)."""
        nx, ny, nz = normal
        k = self.ambient * (0.78 + 0.22 * ny)
        if self.sun is not None:
            sx, sy, sz = self.sun
            k += self.sun_strength * max(0.0, -(nx * sx + ny * sy + nz * sz))
        lit = (rgb[0] * k * self.tint[0], rgb[1] * k * self.tint[1], rgb[2] * k * self.tint[2])
        return self.fog(lit, depth)

    def fog(self, rgb: RGB, depth: float) -> RGB:
        t = 1.0 - math.exp(-max(depth, 0.0) / self.haze_distance)
        return (
            rgb[0] + (self.haze[0] - rgb[0]) * t,
            rgb[1] + (self.haze[1] - rgb[1]) * t,
            rgb[2] + (self.haze[2] - rgb[2]) * t,
        )


def _unit(x: float, y: float, z: float) -> tuple[float, float, float]:
    n = math.sqrt(x * x + y * y + z * z)
    return (x / n, y / n, z / n)


LIGHTS: dict[str, Light] = {
    "day": Light(
        sky=((58, 112, 190), (118, 165, 220), (196, 216, 234)),
        ambient=0.8,
        tint=(1.0, 0.99, 0.95),
        sun=_unit(-0.55, -0.6, 0.58),
        sun_strength=0.42,
        haze=(188, 205, 226),
        haze_distance=420,
        clouds="cumulus",
        sensor_noise=1.8,
    ),
    "overcast": Light(
        sky=((122, 128, 138), (160, 165, 172), (200, 202, 205)),
        ambient=0.95,
        tint=(0.97, 0.99, 1.0),
        sun=None,
        sun_strength=0.0,
        haze=(178, 182, 188),
        haze_distance=240,
        clouds="overcast",
        sensor_noise=2.2,
        shadow=(0.78, 0.78, 0.8),
    ),
    "dusk": Light(
        sky=((36, 46, 96), (142, 92, 122), (250, 156, 86)),
        ambient=0.6,
        tint=(1.12, 0.9, 0.75),
        sun=_unit(0.7, -0.22, -0.68),
        sun_strength=0.28,
        haze=(214, 146, 108),
        haze_distance=300,
        clouds="streaks",
        lamps=True,
        lit_windows=0.22,
        sensor_noise=3.0,
        shadow=(0.66, 0.64, 0.76),
    ),
    "rain": Light(
        sky=((74, 80, 90), (100, 106, 114), (134, 139, 145)),
        ambient=0.62,
        tint=(0.92, 0.97, 1.04),
        sun=None,
        sun_strength=0.0,
        haze=(118, 124, 132),
        haze_distance=110,
        clouds="overcast",
        lamps=True,
        lit_windows=0.18,
        rain=1.0,
        sensor_noise=3.0,
        shadow=(0.8, 0.8, 0.82),
        wet=0.45,
    ),
    "night": Light(
        sky=((6, 10, 28), (20, 28, 60), (84, 70, 86)),
        ambient=0.3,
        tint=(0.82, 0.9, 1.15),
        sun=None,
        sun_strength=0.0,
        haze=(36, 36, 54),
        haze_distance=260,
        clouds="night",
        lamps=True,
        lit_windows=0.5,
        sensor_noise=4.0,
        shadow=(0.8, 0.8, 0.85),
        wet=0.12,
    ),
    "fog": Light(
        sky=((186, 190, 195), (200, 203, 206), (210, 212, 214)),
        ambient=0.9,
        tint=(1.0, 1.0, 1.01),
        sun=None,
        sun_strength=0.0,
        haze=(204, 206, 208),
        haze_distance=62,
        clouds="none",
        sensor_noise=2.0,
        shadow=(0.8, 0.8, 0.82),
    ),
    "afternoon": Light(
        sky=((66, 124, 204), (128, 170, 222), (216, 222, 226)),
        ambient=0.78,
        tint=(1.05, 1.0, 0.9),
        sun=_unit(0.6, -0.55, 0.58),
        sun_strength=0.45,
        haze=(206, 210, 218),
        haze_distance=380,
        clouds="cumulus",
        sensor_noise=1.8,
        shadow=(0.55, 0.58, 0.7),
    ),
    "drizzle": Light(
        sky=((96, 102, 112), (128, 133, 140), (168, 171, 175)),
        ambient=0.74,
        tint=(0.95, 0.98, 1.02),
        sun=None,
        sun_strength=0.0,
        haze=(150, 155, 162),
        haze_distance=150,
        clouds="overcast",
        lamps=True,
        lit_windows=0.08,
        rain=0.45,
        sensor_noise=2.6,
        shadow=(0.8, 0.8, 0.82),
        wet=0.3,
    ),
}
