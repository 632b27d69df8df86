"""/api/labour/presets: the receipt's "scale it up" presets (annotator/data/scale_presets.json).

Well-known datasets with their image counts and published time per image, each figure with its source and
confidence (exact / approximate / secondary, as in the labour reference figures). Everyone may read them.
The file is checked when first served, so an edit that drops a source fails loudly instead of showing an
unsourced number.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from importlib import resources
from typing import Any, Literal

from flask import jsonify
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from . import bp
from .contract import contract

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


class Preset(BaseModel):
    id: str
    label: str
    images: PresetCount | None = None
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


@bp.get("/labour/presets")
@contract(ok=Presets, tags=["labour"])
def labour_presets() -> Response:
    """Well-known datasets' image counts and time per image, for the receipt's "scale it up" panel."""
    return jsonify(load_presets())
