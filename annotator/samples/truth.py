"""Ground truth: each item's visible region, shared edges made identical, COCO encoding, JSON."""

from __future__ import annotations

import json
import warnings
from collections.abc import Sequence

import numpy as np
import shapely
from pycocotools import mask as mask_utils
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from ..core.labels import DEFAULT_LABELS
from .canvas import Item
from .scene import Scene, SceneObject
from .shapes import polygons, valid_region

_MIN_AREA = 16.0  # visible regions smaller than this (px) are not worth asking anyone to outline


def visible_objects(items: Sequence[Item]) -> tuple[SceneObject, ...]:
    """Each item's silhouette minus the union of everything painted after it (painter's order)."""
    covered: BaseGeometry = Polygon()
    out: list[SceneObject] = []
    for item in reversed(items):
        if item.shape.is_empty:
            continue
        region = _tidy(item.shape.difference(covered) if not covered.is_empty else item.shape)
        if region.area >= _MIN_AREA:
            out.append(SceneObject(item.category, region))
        covered = item.shape if covered.is_empty else shapely.union(covered, item.shape)
    return tuple(reversed(out))


def conform_edges(objects: Sequence[SceneObject]) -> tuple[SceneObject, ...]:
    """Give neighbouring regions identical vertices along the edges they share.

    The difference operations leave a vertex on one side of a shared edge that the other side lacks;
    pycocotools then rasterises the two edges a little differently and pixel rows get counted twice.
    Snapping each region to its neighbours' vertices (with a tolerance far below a pixel) fixes that.
    """
    coords = [shapely.get_coordinates(obj.geometry) for obj in objects]
    every = np.vstack(coords) if coords else np.zeros((0, 2))
    out = []
    for obj in objects:
        x0, y0, x1, y1 = obj.geometry.bounds
        near = every[
            (every[:, 0] >= x0 - 1e-3)
            & (every[:, 0] <= x1 + 1e-3)
            & (every[:, 1] >= y0 - 1e-3)
            & (every[:, 1] <= y1 + 1e-3)
        ]
        snapped = shapely.snap(obj.geometry, shapely.multipoints(near), 1e-6)
        if snapped.is_valid and abs(snapped.area - obj.geometry.area) < 1e-3:
            out.append(SceneObject(obj.category, snapped))
        else:
            out.append(obj)
    return tuple(out)


def _tidy(geom: BaseGeometry) -> BaseGeometry:
    """Drop slivers and pin-holes left by floating-point set operations (under one pixel)."""
    parts = []
    for p in polygons(valid_region(geom)):
        if p.area < 1.0:
            continue
        holes = [h for h in p.interiors if Polygon(h).area >= 1.0]
        parts.append(Polygon(p.exterior, holes))
    if not parts:
        return Polygon()
    return parts[0] if len(parts) == 1 else MultiPolygon(parts)


def _flat(ring: Sequence[Sequence[float]]) -> list[float]:
    coords = list(ring)[:-1]  # shapely repeats the first point; COCO does not
    return [round(float(v), 2) for xy in coords for v in xy[:2]]


def _decode(rle: dict) -> np.ndarray:
    # pycocotools 2.0.x builds its array the numpy-1 way; numpy 2 warns but copes. Silence just that.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="__array__ implementation", category=DeprecationWarning)
        return np.asarray(mask_utils.decode(rle), dtype=np.uint8)


def _encode(
    geom: BaseGeometry, height: int, width: int
) -> tuple[list[list[float]] | dict[str, object], dict]:
    """COCO segmentation for a region: polygons when it has no holes, compressed RLE when it does."""
    parts = polygons(geom)
    if not any(p.interiors for p in parts):
        polys = [_flat(p.exterior.coords) for p in parts]
        polys = [p for p in polys if len(p) >= 6]
        rle = mask_utils.merge(mask_utils.frPyObjects(polys, height, width))
        return polys, rle
    mask = np.zeros((height, width), dtype=np.uint8)
    for p in parts:
        m = _decode(mask_utils.merge(mask_utils.frPyObjects([_flat(p.exterior.coords)], height, width)))
        holes = [_flat(h.coords) for h in p.interiors]
        if holes:
            m &= 1 - _decode(mask_utils.merge(mask_utils.frPyObjects(holes, height, width)))
        mask |= m
    rle = mask_utils.encode(np.asfortranarray(mask))
    return {"size": [height, width], "counts": rle["counts"].decode("ascii")}, rle


def build_ground_truth(scenes: Sequence[Scene]) -> dict:
    """The COCO instance dict for rendered scenes (pure: same scenes, same dict)."""
    categories = [
        {"id": i, "name": label.name, "supercategory": label.supercategory}
        for i, label in enumerate(DEFAULT_LABELS, start=1)
    ]
    ids = {c["name"]: c["id"] for c in categories}
    images, annotations = [], []
    for image_id, scene in enumerate(scenes, start=1):
        width, height = scene.image.size
        images.append(
            {"id": image_id, "file_name": scene.file_name, "width": width, "height": height, "license": 1}
        )
        for obj in scene.objects:
            segmentation, rle = _encode(obj.geometry, height, width)
            area = int(mask_utils.area(rle))
            if area <= 0:
                continue
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": image_id,
                    "category_id": ids[obj.category],
                    "segmentation": segmentation,
                    "area": area,
                    "bbox": [float(v) for v in mask_utils.toBbox(rle)],
                    "iscrowd": 0,
                }
            )
    return {
        "info": {
            "description": "Synthetic driving scenes shipped with annotator, with exact ground truth",
            "version": "1.0",
            "year": 2025,
            "contributor": "annotator",
            "generator": "annotator.samples",
        },
        "licenses": [
            {
                "id": 1,
                "name": "CC0 1.0 Universal",
                "url": "https://creativecommons.org/publicdomain/zero/1.0/",
            }
        ],
        "images": images,
        "categories": categories,
        "annotations": annotations,
    }


def dump_truth(truth: dict) -> str:
    """JSON with one image/category/annotation per line: valid, stable and readable in diffs."""
    lines = ["{"]
    keys = sorted(truth)
    for n, key in enumerate(keys):
        value = truth[key]
        end = "," if n < len(keys) - 1 else ""
        if isinstance(value, list):
            lines.append(f"{json.dumps(key)}: [")
            lines.extend(
                json.dumps(entry, sort_keys=True) + ("," if i < len(value) - 1 else "")
                for i, entry in enumerate(value)
            )
            lines.append("]" + end)
        else:
            lines.append(f"{json.dumps(key)}: {json.dumps(value, sort_keys=True)}{end}")
    lines.append("}")
    return "\n".join(lines) + "\n"
