"""The default label set: Cityscapes' classes for driving scenes, with our own definitions.

Plain data and plain functions: loading a replacement set from JSON/YAML is validated here,
storing it is the caller's job.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_NAME_LENGTH = 64
MAX_DEFINITION_LENGTH = 500


@dataclass(frozen=True)
class Label:
    """One class of the label set, as shown in the picker and written to COCO `categories`."""

    name: str
    supercategory: str
    colour: str
    definition: str


# Colours follow the Cityscapes palette, so outlines look familiar to anyone who has seen that
# dataset; the definitions are ours, one sentence each, written for a workshop participant.
DEFAULT_LABELS: tuple[Label, ...] = (
    Label("road", "flat", "#804080", "The part of the ground that cars drive on, lane markings included."),
    Label("sidewalk", "flat", "#f423e8", "Ground set aside for pedestrians or cyclists, usually raised behind a kerb."),
    Label("parking", "flat", "#faaaa0", "Ground marked or used for parked vehicles, beside the lanes."),
    Label("rail track", "flat", "#e6968c", "Ground carrying tram or train rails, whether or not cars share it."),
    Label("person", "human", "#dc143c", "A human on foot, standing, walking, sitting or lying, not riding anything."),
    Label("rider", "human", "#ff0000", "A human riding a bicycle, motorcycle or scooter; label the vehicle apart."),
    Label("car", "vehicle", "#00008e", "A passenger car, van, pick-up or SUV."),
    Label("truck", "vehicle", "#000046", "A vehicle built to carry goods, with a separate cab."),
    Label("bus", "vehicle", "#003c64", "A vehicle built to carry many passengers on the road."),
    Label("train", "vehicle", "#005064", "A train or tram running on rails."),
    Label("motorcycle", "vehicle", "#0000e6", "A motorcycle or motor scooter, without its rider."),
    Label("bicycle", "vehicle", "#770b20", "A bicycle, without its rider."),
    Label("caravan", "vehicle", "#00005a", "A vehicle that people live in, towed or self-driving."),
    Label("trailer", "vehicle", "#00006e", "A wheeled load pulled by another vehicle."),
    Label("building", "construction", "#464646", "A house, shop, tower or other structure with walls and a roof."),
    Label("wall", "construction", "#66669c", "A free-standing wall that is not part of a building."),
    Label("fence", "construction", "#be9999", "A fence or railing you can partly see through."),
    Label("guard rail", "construction", "#b4a5b4", "A metal barrier along the road edge that keeps vehicles on it."),
    Label("bridge", "construction", "#966464", "A bridge, overpass or its supports."),
    Label("tunnel", "construction", "#96785a", "The walls and mouth of a tunnel."),
    Label("pole", "object", "#999999", "A vertical post carrying signs, lights or cables."),
    Label("traffic light", "object", "#faaa1e", "The housing and lamps of a traffic signal, not its pole."),
    Label("traffic sign", "object", "#dcdc00", "The face of a road sign, not its pole."),
    Label("vegetation", "nature", "#6b8e23", "Trees, hedges and other plants standing above the ground."),
    Label("terrain", "nature", "#98fb98", "Grass, soil or sand on the ground that is not road or sidewalk."),
    Label("sky", "sky", "#4682b4", "Open sky, clouds included."),
    Label("void/unknown", "void", "#000000", "Anything no other class fits, or that you cannot make out."),
)


VOID_NAME = "void/unknown"


def void_label() -> Label:
    """The class a flagged annotation carries until the instructor decides ("none fits", "unsure"): the
    default set's void/unknown, re-created from here when an instructor's own label set lacks it."""
    return next(label for label in DEFAULT_LABELS if label.name == VOID_NAME)


class LabelSetError(ValueError):
    """A label file that cannot be used, with a message naming the problem."""


def parse_labels(data: Any) -> list[Label]:
    """Validate a label set given as a list of mappings (or `{"labels": [...]}`).

    Each entry needs `name`; `supercategory`, `colour` (`#rrggbb`, `color` also accepted) and
    `definition` are optional. Raises LabelSetError naming the first problem found.
    """
    if isinstance(data, dict) and "labels" in data:
        data = data["labels"]
    if not isinstance(data, list) or not data:
        raise LabelSetError("a label set must be a non-empty list of labels")
    labels: list[Label] = []
    seen: set[str] = set()
    for index, entry in enumerate(data, start=1):
        if isinstance(entry, str):
            entry = {"name": entry}
        if not isinstance(entry, dict):
            raise LabelSetError(f"label {index}: expected a mapping with a 'name'")
        name = _text(entry.get("name"), f"label {index}", "name", MAX_NAME_LENGTH, required=True)
        if name.casefold() in seen:
            raise LabelSetError(f"label {index}: duplicate name {name!r}")
        seen.add(name.casefold())
        where = f"label {index} ({name})"
        colour = entry.get("colour", entry.get("color")) or _fallback_colour(index)
        if not isinstance(colour, str) or not _HEX_COLOUR.fullmatch(colour):
            raise LabelSetError(f"{where}: colour must look like #rrggbb")
        supercategory = _text(entry.get("supercategory"), where, "supercategory", MAX_NAME_LENGTH) or "none"
        definition = _text(entry.get("definition"), where, "definition", MAX_DEFINITION_LENGTH, lines=True)
        labels.append(Label(name, supercategory, colour.lower(), definition))
    return labels


def _text(raw: Any, where: str, field: str, limit: int, *, required: bool = False, lines: bool = False) -> str:
    """A label's text as given, ends trimmed. Refused, naming the field: not text, empty when required, longer
    than `limit`, or holding control characters (a NUL cannot even be stored in PostgreSQL; line breaks and
    tabs are allowed in a definition). Everything else, markup and bidi marks included, is kept as given:
    it is the instructor's own label set, and pages show it as text."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise LabelSetError(f"{where}: {field} must be text")
    text = raw.strip()
    if required and not text:
        raise LabelSetError(f"{where}: {field!r} must be a non-empty string")
    if len(text) > limit:
        raise LabelSetError(f"{where}: {field} longer than {limit} characters ({len(text)})")
    allowed = "\n\t" if lines else ""
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise LabelSetError(f"{where}: {field} contains control characters")
    return text


def load_label_file(path: Path) -> list[Label]:
    """Read a label set from a .json, .yaml or .yml file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelSetError(f"cannot read {path.name}: {exc}") from exc
    try:
        data = yaml.safe_load(text) if path.suffix.lower() in {".yaml", ".yml"} else json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise LabelSetError(f"{path.name} is not valid {path.suffix.lstrip('.').upper() or 'JSON'}: {exc}") from exc
    return parse_labels(data)


def _fallback_colour(index: int) -> str:
    # Golden-angle hues give distinct colours for label files that name none.
    import colorsys

    r, g, b = colorsys.hsv_to_rgb((index * 0.618033988749895) % 1.0, 0.65, 0.9)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"
