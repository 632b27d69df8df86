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
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from flask import jsonify
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from werkzeug.wrappers import Response

from annotator.paths import shipped_dir
from annotator.store.models import Image, db
from annotator.web.api import bp
from annotator.web.api.contract import contract

CONFIDENCE = ("exact", "approximate", "secondary")


class PresetFigure(BaseModel):
    """One sourced statement; `value` / `seconds` when it is the preset's image count or time per image."""

    model_config = ConfigDict(extra="allow")  # e.g. lower_bound, derivation, note: shown as given

    text: str
    source: str
    confidence: Literal[CONFIDENCE]  # type: ignore[valid-type]
    note: str | None = None


class PresetCount(PresetFigure):
    value: float = Field(gt=0, description="images in the dataset")


class PresetTime(PresetFigure):
    seconds: float = Field(gt=0, description="published human time per image")
    lower_bound: bool | None = Field(default=None, description="true: the source says \"more than\"")


class PresetObjects(PresetFigure):
    value: float = Field(gt=0, description="outlined objects (instances) per image")
    lower_bound: bool | None = Field(default=None, description="true: the image holds more objects than this")


class PresetVertices(PresetFigure):
    value: float = Field(gt=0, description="vertices per outlined object")


class Preset(BaseModel):
    id: str
    label: str
    images: PresetCount | None = None
    objects_per_image: PresetObjects | None = Field(
        default=None, description="what the person's time per object is multiplied by; null: not published")
    vertices_per_object: PresetVertices | None = Field(
        default=None, description="what the person's time per vertex is multiplied by; null: not published")
    time_per_image: PresetTime | None = None
    figures: list[PresetFigure] = []


class Presets(BaseModel):
    model_config = ConfigDict(extra="allow")  # version, about: for people reading the file

    presets: list[Preset]


def _check_figure(figure: Any, where: str, number: str | None) -> None:
    if not isinstance(figure, Mapping):
        raise ValueError(f"{where}: must be an object")
    for name in ("text", "source"):
        if not isinstance(figure.get(name), str) or not figure[name].strip():
            raise ValueError(f"{where}.{name}: required text")
    if figure.get("confidence") not in CONFIDENCE:
        raise ValueError(f"{where}.confidence: must be one of {', '.join(CONFIDENCE)}")
    if number is not None:
        value = figure.get(number)
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ValueError(f"{where}.{number}: must be a number greater than 0")


def validate_presets(data: Any) -> dict[str, Any]:
    """Raise ValueError naming the first figure without a number, source or confidence; return `data`."""
    if not isinstance(data, Mapping) or not isinstance(data.get("presets"), list):
        raise ValueError("presets: must be a list")
    seen: set[str] = set()
    for index, preset in enumerate(data["presets"]):
        where = f"presets[{index}]"
        if not isinstance(preset, Mapping) or not isinstance(preset.get("id"), str) or not preset.get("label"):
            raise ValueError(f"{where}: needs an id and a label")
        if preset["id"] in seen:
            raise ValueError(f"{where}.id: {preset['id']!r} is used twice")
        seen.add(preset["id"])
        if preset.get("images") is not None:
            _check_figure(preset["images"], f"{where}.images", "value")
        for name in ("objects_per_image", "vertices_per_object"):
            if preset.get(name) is not None:
                _check_figure(preset[name], f"{where}.{name}", "value")
        if preset.get("time_per_image") is not None:
            _check_figure(preset["time_per_image"], f"{where}.time_per_image", "seconds")
        for number, figure in enumerate(preset.get("figures") or []):
            _check_figure(figure, f"{where}.figures[{number}]", None)
    return dict(data)


@functools.cache
def load_presets() -> dict[str, Any]:
    """The shipped presets, read through importlib.resources (checkout, wheel or zip alike)."""
    text = resources.files("annotator").joinpath("data", "scale_presets.json").read_text(encoding="utf-8")
    return validate_presets(json.loads(text))


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
