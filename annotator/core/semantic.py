"""Semantic label maps (Cityscapes style) from instance masks. Pure: numpy and Pillow, no Flask or database.

A label map is a uint8 image the size of the photo whose pixel value is the category id of the outline
covering it, 0 where nothing is labelled. Outlines are drawn in the order they were created, so a later
outline is drawn over an earlier one where they overlap. A colour preview paints each class in its colour.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from PIL import Image as PILImage

from annotator.core import masks
from annotator.core.refused import Refused

UNLABELLED = 0
MAX_LABEL_ID = 255  # a uint8 pixel


def check_label_ids(categories: Iterable[tuple[int, str]]) -> None:
    """Refuse ids outside 1-255, naming each class, instead of writing them wrapped around (Refused, 400: the
    export cannot be made as asked)."""
    bad = sorted((category_id, name) for category_id, name in categories
                 if not 1 <= category_id <= MAX_LABEL_ID)
    if bad:
        listed = ", ".join(f"{name!r} (id {category_id})" for category_id, name in bad)
        raise Refused("images", f"label maps are 8-bit PNGs holding class ids 1-{MAX_LABEL_ID}; {listed} cannot be "
                      "written. Export COCO instead (it has no such limit), or export only images without these "
                      "classes.", 400, title="cannot export")


def label_map(height: int, width: int, layers: Iterable[tuple[int, masks.RLE]]) -> np.ndarray:
    """Paint each `(category_id, rle)` in turn over a zero map: the last one drawn wins where they overlap."""
    labels = np.zeros((height, width), dtype=np.uint8)
    for category_id, rle in layers:
        check_label_ids([(category_id, f"category {category_id}")])
        labels[masks.decode(rle).astype(bool)] = category_id
    return labels


def parse_colour(colour: str) -> tuple[int, int, int]:
    """`#rrggbb` -> (r, g, b); anything else is grey, so a bad colour never stops an export."""
    text = colour.strip().lstrip("#")
    try:
        if len(text) == 6:
            return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)
    except ValueError:
        pass
    return 128, 128, 128


def palette(categories: Iterable[dict[str, Any]]) -> np.ndarray:
    """A 256 x 3 lookup table from class id to colour; unlabelled and unknown ids are black."""
    table = np.zeros((MAX_LABEL_ID + 1, 3), dtype=np.uint8)
    for category in categories:
        if 1 <= category["id"] <= MAX_LABEL_ID:
            table[category["id"]] = parse_colour(category["colour"])
    return table


def colour_map(labels: np.ndarray, table: np.ndarray) -> np.ndarray:
    """The label map in class colours (height x width x 3)."""
    return table[labels]


def label_file_name(image_name: str) -> str:
    """`street/a.jpg` -> `street/a.png`: the label map is named after its photo."""
    folder, slash, base = image_name.rpartition("/")
    stem, dot, _suffix = base.rpartition(".")
    return f"{folder}{slash}{stem if dot and stem else base}.png"


def png_bytes(array: np.ndarray) -> bytes:
    """A 2-D uint8 array as a greyscale PNG, a 3-D one as RGB."""
    buffer = io.BytesIO()
    PILImage.fromarray(np.ascontiguousarray(array), "L" if array.ndim == 2 else "RGB").save(buffer, "PNG")
    return buffer.getvalue()


def legend(categories: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`classes.json`: what each pixel value means, with the class colours of the preview."""
    classes = [{"id": UNLABELLED, "name": "unlabelled", "supercategory": "none", "colour": "#000000"}]
    classes += [{"id": c["id"], "name": c["name"], "supercategory": c["supercategory"], "colour": c["colour"],
                 **({"archived": True} if c.get("archived") else {})}
                for c in sorted(categories, key=lambda c: c["id"]) if 1 <= c["id"] <= MAX_LABEL_ID]
    return {"format": "semantic label maps: labels/*.png are 8-bit greyscale PNGs, pixel value = class id "
                      "(0 = unlabelled); later outlines are drawn over earlier ones; colour/*.png previews them "
                      "in the class colours",
            "classes": classes}
