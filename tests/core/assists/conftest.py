"""The sample scenes and their ground truth (sample_images/ground_truth.json, COCO, RLE and polygons), read
once for the assist tests; and synthetic pictures whose right outline is known exactly."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np
import pytest

from annotator.core import masks
from annotator.core.assists.picture import Picture, picture_of, read_picture
from tests.conftest import REPO_ROOT

SAMPLES = REPO_ROOT / "sample_images"


@dataclass(frozen=True)
class Thing:
    """One ground-truth object of a sample scene."""

    id: int
    category: str
    image_id: int
    bbox: list[float]
    area: int
    rle: masks.RLE

    @property
    def mask(self) -> np.ndarray:
        return masks.decode(self.rle)


@functools.cache
def ground_truth() -> dict[str, Any]:
    return json.loads((SAMPLES / "ground_truth.json").read_text())


@functools.cache
def scene(image_id: int) -> Picture:
    image = next(item for item in ground_truth()["images"] if item["id"] == image_id)
    return read_picture(SAMPLES / image["file_name"])


def largest(category: str, count: int) -> list[Thing]:
    """The `count` largest ground-truth objects of a class, by area."""
    data = ground_truth()
    names = {item["id"]: item["name"] for item in data["categories"]}
    sizes = {item["id"]: (item["height"], item["width"]) for item in data["images"]}
    found = sorted((a for a in data["annotations"] if names[a["category_id"]] == category), key=lambda a: -a["area"])
    things = []
    for item in found[:count]:
        height, width = sizes[item["image_id"]]
        segmentation = item["segmentation"]
        rle = (masks.polygons_to_rle(segmentation, height, width) if isinstance(segmentation, list)
               else masks.to_compressed(segmentation))
        things.append(Thing(item["id"], category, item["image_id"], item["bbox"], item["area"], rle))
    return things


def padded_box(thing: Thing, picture: Picture, pad: float = 5.0) -> list[float]:
    """The object's ground-truth box grown by `pad` px on every side, kept inside the image."""
    x, y, w, h = thing.bbox
    left, top = max(0.0, x - pad), max(0.0, y - pad)
    right, bottom = min(picture.width, x + w + pad), min(picture.height, y + h + pad)
    return [left, top, right - left, bottom - top]


def iou_with(parts: list, rle: masks.RLE, picture: Picture) -> float:
    from annotator.core import geometry

    if not parts:
        return 0.0
    return masks.iou(geometry.mask_of_parts(parts, picture.width, picture.height), rle)


@pytest.fixture
def ring_scene() -> tuple[Picture, np.ndarray]:
    """A grainy grey street with a red ring (a wheel with its hub showing through) and its true mask."""
    rng = np.random.default_rng(7)
    pixels = (rng.normal(110, 12, (240, 320, 3))).clip(0, 255).astype(np.uint8)
    truth = np.zeros((240, 320), dtype=np.uint8)
    cv2.circle(truth, (160, 120), 70, 1, thickness=-1)
    cv2.circle(truth, (160, 120), 30, 0, thickness=-1)
    red = rng.normal(0, 10, (int(truth.sum()), 3)) + np.asarray([200, 40, 40])
    pixels[truth > 0] = red.clip(0, 255).astype(np.uint8)
    return picture_of(pixels), truth
