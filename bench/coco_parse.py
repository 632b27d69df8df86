"""How long reading a large COCO file takes: 5,000 images, 50,000 annotations (the checks before any database work).

Run by hand:  python bench/coco_parse.py [--images 5000] [--annotations 50000] [--repeat 5] [--keep FILE]
Writes a deterministic file (polygons of 8 to 40 vertices, one annotation in ten an uncompressed RLE crowd,
one in ten a compressed RLE), then times `load_json` (the shape scan and json.loads) and the validation into
records (`parse_coco`, wherever it lives), each the median of --repeat runs in this process: wall-clock and
CPU seconds (the CPU time is the steadier figure on a shared machine).
The code measured is the `annotator` Python finds: PYTHONPATH=CHECKOUT python bench/coco_parse.py, once with
each checkout, compares two versions on the same file.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from annotator.core import masks
from annotator.core.coco_import import load_json

try:
    from annotator.core.schemas.coco import parse_coco
except ImportError:  # before the schemas existed
    from annotator.core.coco_import import parse_coco  # type: ignore[no-redef]

WIDTH, HEIGHT = 640, 480
SEED = 2026


def ring(rng: random.Random) -> list[float]:
    vertices = rng.randint(8, 40)
    radius = rng.uniform(10, 100)
    cx, cy = rng.uniform(radius, WIDTH - radius), rng.uniform(radius, HEIGHT - radius)
    points: list[float] = []
    for k in range(vertices):
        angle = (k + rng.uniform(0.1, 0.9)) * 2 * math.pi / vertices
        r = radius * rng.uniform(0.55, 1.0)
        points += [round(cx + r * math.cos(angle), 2), round(cy + r * math.sin(angle), 2)]
    return points


def runs_of(rng: random.Random) -> list[int]:
    """Uncompressed counts of a box, column-major."""
    x0, y0 = rng.randint(0, WIDTH - 50), rng.randint(0, HEIGHT - 50)
    w, h = rng.randint(5, 49), rng.randint(5, 49)
    runs = [x0 * HEIGHT + y0]
    for _ in range(w - 1):
        runs += [h, HEIGHT - h]
    runs.append(h)
    runs.append(WIDTH * HEIGHT - sum(runs))
    return runs


def coco_file(images: int, annotations: int) -> dict[str, Any]:
    rng = random.Random(SEED)
    mask = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    mask[100:300, 200:400] = 1
    mask[150:200, 250:300] = 0  # a ring: one compressed RLE, the same for every annotation that has one
    compressed = masks.encode(mask)
    entries = []
    for index in range(annotations):
        kind = index % 10
        if kind == 0:
            segmentation: Any = {"size": [HEIGHT, WIDTH], "counts": runs_of(rng)}
        elif kind == 1:
            segmentation = compressed
        else:
            segmentation = [ring(rng) for _ in range(1 if index % 7 else 2)]
        entries.append({"id": index + 1, "image_id": index % images + 1, "category_id": index % 20 + 1,
                        "segmentation": segmentation, "area": 1.0, "bbox": [0, 0, 1, 1], "iscrowd": int(kind == 0)})
    return {"info": {"description": "bench"},
            "images": [{"id": i + 1, "file_name": f"folder/image_{i:05d}.jpg", "width": WIDTH, "height": HEIGHT}
                       for i in range(images)],
            "categories": [{"id": c + 1, "name": f"class {c}", "supercategory": "thing"} for c in range(20)],
            "annotations": entries}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=5000)
    parser.add_argument("--annotations", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--keep", type=Path, help="write the file here too")
    args = parser.parse_args()
    data = json.dumps(coco_file(args.images, args.annotations)).encode()
    if args.keep:
        args.keep.write_bytes(data)
    loads, parses, parse_cpu = [], [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        parsed = load_json(data)
        middle, cpu = time.perf_counter(), time.process_time()
        dataset = parse_coco(parsed)
        parse_cpu.append(time.process_time() - cpu)
        parses.append(time.perf_counter() - middle)
        loads.append(middle - start)
    print(f"annotator from {Path(masks.__file__).parents[1]}")
    print(f"{len(data) / 1e6:.1f} MB, {len(dataset.images)} images, {len(dataset.annotations)} annotations")
    print(f"load_json (scan + json.loads): median {statistics.median(loads):.2f} s")
    print(f"validation into records:       median {statistics.median(parses):.2f} s wall, "
          f"{statistics.median(parse_cpu):.2f} s CPU (CPU runs: {', '.join(f'{t:.2f}' for t in parse_cpu)})")


if __name__ == "__main__":
    main()
