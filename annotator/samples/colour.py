"""RGB colours as float triples, and the little arithmetic the painters do on them."""

from __future__ import annotations

RGB = tuple[float, float, float]


def mix(a: RGB, b: RGB, t: float) -> RGB:
    return (a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t)


def scaled(rgb: RGB, k: float) -> RGB:
    return (rgb[0] * k, rgb[1] * k, rgb[2] * k)


def to_rgb(c: RGB) -> tuple[int, int, int]:
    """Rounded and clamped to 0..255, as PIL wants it."""
    return (min(255, max(0, round(c[0]))), min(255, max(0, round(c[1]))), min(255, max(0, round(c[2]))))
