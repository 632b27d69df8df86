"""How long the save path (geometry.shape_from_parts) takes for one outline on a 2048 x 1024 image.

Run by hand:  python bench/bench_save_path.py [--repeat 200]
Prints the median and 95th percentile per case; figures go in bench/README.md. Target: under 5 ms for a
200-vertex outline. Outlines are smooth random radial polygons (as drawn by hand, valid, inside the image),
the hole a smaller one inside; "clipped" pushes the outline over the image's edge and "bow-tie" makes it
cross itself once, so those runs take the repair path.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import time
from typing import Any

from annotator.core.geometry import shape_from_parts

WIDTH, HEIGHT = 2048, 1024
TARGET_MS = 5.0


def outline(vertices: int, cx: float, cy: float, radius: float, seed: int) -> list[float]:
    """A hand-drawn-looking closed outline: radius wobbling smoothly around the centre, 2 decimals."""
    rng = random.Random(seed)
    phases = [rng.uniform(0, 2 * math.pi) for _ in range(3)]
    points: list[float] = []
    for index in range(vertices):
        angle = 2 * math.pi * index / vertices
        wobble = 1 + 0.15 * sum(math.sin((k + 2) * angle + phase) / (k + 1) for k, phase in enumerate(phases))
        points += [round(cx + radius * wobble * math.cos(angle), 2), round(cy + radius * wobble * math.sin(angle), 2)]
    return points


def cases() -> dict[str, list[dict[str, Any]]]:
    result: dict[str, list[dict[str, Any]]] = {}
    for vertices in (40, 200, 1000):
        outer = outline(vertices, 900, 500, 300, seed=vertices)
        result[f"{vertices} vertices"] = [{"points": outer}]
        hole = outline(vertices // 4, 900, 500, 120, seed=1)
        result[f"{vertices} vertices + hole"] = [{"points": outer}, {"points": hole, "hole": True}]
    clipped = outline(200, 1900, 500, 300, seed=200)  # a quarter of it beyond the right edge
    result["200 vertices, clipped"] = [{"points": clipped}]
    bow_tie = outline(200, 900, 500, 300, seed=200)
    bow_tie[0:2], bow_tie[200:202] = bow_tie[200:202], bow_tie[0:2]  # swap two opposite points: crosses itself
    result["200 vertices, bow-tie"] = [{"points": bow_tie}]
    return result


def measure(parts: list[dict[str, Any]], repeat: int) -> tuple[float, float]:
    shape_from_parts(parts, WIDTH, HEIGHT)  # warm up imports and caches
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        shape_from_parts(parts, WIDTH, HEIGHT)
        timings.append((time.perf_counter() - start) * 1000)
    timings.sort()
    return statistics.median(timings), timings[math.ceil(len(timings) * 0.95) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    print(f"shape_from_parts on a {WIDTH} x {HEIGHT} image, {args.repeat} runs each")
    print("| outline | median | p95 | area px | repairs |")
    print("|---|---|---|---|---|")
    for name, parts in cases().items():
        median, p95 = measure(parts, args.repeat)
        shape = shape_from_parts(parts, WIDTH, HEIGHT)
        print(f"| {name} | {median:.2f} ms | {p95:.2f} ms | {shape.area} | {len(shape.repairs)} |")
        if name == "200 vertices" and median > TARGET_MS:
            print(f"    ^ over the {TARGET_MS} ms target")


if __name__ == "__main__":
    main()
