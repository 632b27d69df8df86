"""COCO datasets as plain dicts: records in, a COCO instance file out. No Flask, no database.

Ids are the database ids, so an image, category or annotation keeps its id across exports.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from . import __version__


def coco_info(description: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {"description": description, "version": __version__, "year": now.year,
            "contributor": "annotator", "date_created": now.isoformat(timespec="seconds"), **(extra or {})}


def annotation_segmentation(parts: list[dict[str, Any]], rle_counts: str | None,
                            height: int, width: int) -> list[list[float]] | dict[str, Any]:
    """Polygons when every part is an outer ring; the stored RLE when a hole needs the mask."""
    if rle_counts and any(part.get("hole") for part in parts):
        return {"size": [height, width], "counts": rle_counts}
    return [list(map(float, part["points"])) for part in parts if not part.get("hole")]


def unique_file_names(images: list[dict[str, Any]]) -> dict[int, str]:
    """Image id -> a file name no other image in the export shares (`photo.jpg`, `photo-2.jpg`, ...).

    Two uploads may carry the same name with different content; in a ZIP they must not overwrite."""
    taken: set[str] = set()
    names: dict[int, str] = {}
    for image in images:
        name = image["file_name"]
        stem, dot, suffix = name.rpartition(".")
        if not dot:
            stem, suffix = name, ""
        candidate, counter = name, 1
        while candidate.casefold() in taken:
            counter += 1
            candidate = f"{stem}-{counter}{dot}{suffix}"
        taken.add(candidate.casefold())
        names[image["id"]] = candidate
    return names


def build_coco(images: list[dict[str, Any]], categories: list[dict[str, Any]],
               annotations: list[dict[str, Any]], info: dict[str, Any]) -> dict[str, Any]:
    """Assemble a COCO instance dict. `images` and `annotations` already carry COCO keys;
    `annotations` may carry `parts`/`rle_counts`, turned into `segmentation` here."""
    sizes = {image["id"]: (image["height"], image["width"]) for image in images}
    file_names = unique_file_names(images)
    out_annotations = []
    for record in annotations:
        height, width = sizes[record["image_id"]]
        out_annotations.append({
            "id": record["id"],
            "image_id": record["image_id"],
            "category_id": record["category_id"],
            "segmentation": annotation_segmentation(record["parts"], record.get("rle_counts"), height, width),
            "area": float(record["area"]),
            "bbox": [float(value) for value in record["bbox"]],
            "iscrowd": int(bool(record.get("iscrowd"))),
            **({"attributes": record["attributes"]} if record.get("attributes") else {}),
        })
    return {
        "info": info,
        "licenses": [],
        "images": [{"id": image["id"], "file_name": file_names[image["id"]], "width": image["width"],
                    "height": image["height"]} for image in images],
        "categories": [{"id": category["id"], "name": category["name"],
                        "supercategory": category["supercategory"]} for category in categories],
        "annotations": out_annotations,
    }
