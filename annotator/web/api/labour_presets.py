"""/api/labour/presets: the receipt's "scale it up" presets (annotator/data/scale_presets.json).

Well-known datasets with their image counts and published time per image, each figure with its source and
confidence (exact / approximate / secondary, as in the labour reference figures). Everyone may read them.
The file is checked when first served, so an edit that drops a source fails loudly instead of showing an
unsourced number.
"""

from __future__ import annotations

import functools
import json
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import Any

from flask import jsonify
from pydantic import BaseModel, Field
from sqlalchemy import select
from werkzeug.wrappers import Response

from annotator.core.schemas.labour import Presets
from annotator.paths import shipped_dir
from annotator.store.models import Image, db
from annotator.web.api import bp
from annotator.web.api.contract import contract


@functools.cache
def load_presets() -> dict[str, Any]:
    """The shipped presets, read through importlib.resources (checkout, wheel or zip alike)."""
    text = resources.files("annotator").joinpath("data", "scale_presets.json").read_text(encoding="utf-8")
    data = json.loads(text)
    Presets.model_validate(data)  # a figure without its number, source or confidence fails loudly here
    return data


class TruthCount(BaseModel):
    image_id: int
    file_name: str
    objects: int = Field(description="objects outlined in the image's ground truth")


class TruthCounts(BaseModel):
    source: str
    images: list[TruthCount]


@functools.lru_cache(maxsize=2)
def _truth_counts(path: Path, stamp: int) -> dict[tuple[str, int, int], int]:
    """(file name, width, height) -> objects, from the shipped ground truth (cached per process by mtime: a
    read-only file shipped with the app)."""
    coco = json.loads(path.read_text(encoding="utf-8"))
    per_image = Counter(entry.get("image_id") for entry in coco.get("annotations", []))
    return {(image["file_name"], image["width"], image["height"]): per_image.get(image["id"], 0)
            for image in coco.get("images", [])}


def truth_counts() -> list[dict[str, Any]]:
    """The sample scenes in the library that ship ground truth, with its object count: the receipt says how
    much of such an image a person outlined ("4 of the 77 objects")."""
    try:
        path = shipped_dir("sample_images") / "ground_truth.json"
        counts = _truth_counts(path, path.stat().st_mtime_ns)
    except (OSError, ValueError, KeyError, TypeError):
        return []
    rows = db.session.execute(select(Image.id, Image.file_name, Image.width, Image.height)
                              .where(Image.source == "sample", Image.deleted.is_(False)).order_by(Image.id))
    return [{"image_id": row.id, "file_name": row.file_name, "objects": counts[key]}
            for row in rows if (key := (row.file_name, row.width, row.height)) in counts]


@bp.get("/labour/ground-truth")
@contract(ok=TruthCounts, tags=["labour"])
def labour_ground_truth() -> Response:
    """How many objects each sample scene's ground truth outlines (other images have none listed)."""
    return jsonify({"source": "the sample scenes' own ground truth (sample_images/ground_truth.json): every "
                              "object in the picture outlined", "images": truth_counts()})


@bp.get("/labour/presets")
@contract(ok=Presets, tags=["labour"])
def labour_presets() -> Response:
    """Well-known datasets' image counts and time per image, for the receipt's "scale it up" panel."""
    return jsonify(load_presets())
