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
from typing import Any

from flask import jsonify
from werkzeug.wrappers import Response

from . import bp

CONFIDENCE = ("exact", "approximate", "secondary")


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
def labour_presets() -> Response:
    return jsonify(load_presets())
