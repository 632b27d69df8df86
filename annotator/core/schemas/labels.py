"""A label set as the instructor gives it: `PUT /api/categories` and `annotator labels load FILE` (JSON or YAML)
read it through the same model, so each rule a class must meet is stated once, here.

Each class needs a name; supercategory, colour (`#rrggbb`, `color` also accepted) and definition are optional,
and a bare name is a class with defaults. Text is kept as given, ends trimmed: it is the instructor's own label
set, and pages show it as text (markup and bidi marks included). Refused: control characters (a NUL cannot even
be stored in PostgreSQL; line breaks and tabs are allowed in a definition), text past its column's length, two
classes whose names differ only in case.
"""

from __future__ import annotations

import colorsys
import json
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any

import yaml
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError

from annotator.core.labels import MAX_DEFINITION_LENGTH, MAX_NAME_LENGTH, Label
from annotator.core.refused import Refused
from annotator.core.schemas.common import LARGEST_ID, parse_as

HEX_COLOUR = r"^#[0-9a-fA-F]{6}$"
MAX_LABELS = 1000
INVALID = "invalid label set"  # the refusal's title for a label file


def _trimmed(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def _one_line(text: str) -> str:
    return _without_controls(text, allowed="")


def _lines(text: str) -> str:
    return _without_controls(text, allowed="\n\t")


def _without_controls(text: str, allowed: str) -> str:
    if any(unicodedata.category(ch) == "Cc" and ch not in allowed for ch in text):
        raise PydanticCustomError("control_characters", "contains control characters")
    return text


def _hex_colour(text: str) -> str:
    if not re.fullmatch(HEX_COLOUR, text):
        raise PydanticCustomError("string_pattern_mismatch", "must look like #rrggbb")
    return text.lower()


# Trimmed before the lengths are checked (the validator listed last runs first), as the column stores it.
Name = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH), AfterValidator(_one_line),
                 BeforeValidator(_trimmed)]
Supercategory = Annotated[str, Field(max_length=MAX_NAME_LENGTH), AfterValidator(_one_line), BeforeValidator(_trimmed)]
Definition = Annotated[str, Field(max_length=MAX_DEFINITION_LENGTH), AfterValidator(_lines), BeforeValidator(_trimmed)]
Colour = Annotated[str, AfterValidator(_hex_colour), Field(json_schema_extra={"pattern": HEX_COLOUR})]


class LabelEntry(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    id: int | None = Field(default=None, ge=1, le=LARGEST_ID,
                           description="an existing class's id, so a rename keeps the class; left out, classes are "
                                       "matched by name")
    name: Name = Field(description="unique, case-insensitively")
    supercategory: Supercategory | None = Field(default=None, description='"none" when left out')
    colour: Colour | None = Field(default=None, description="#rrggbb; one is picked when left out")
    color: Colour | None = Field(default=None, description="the same as colour")
    definition: Definition | None = Field(default=None, description="one sentence for the participant; line "
                                                                     "breaks allowed")


def _bare_name(value: Any) -> Any:
    # A bare name is a class with defaults, as in a label file for `annotator labels load`.
    return {"name": value} if isinstance(value, str) else value


BareName = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]  # as documented; checked as a LabelEntry
Entry = Annotated[LabelEntry, BeforeValidator(_bare_name, json_schema_input_type=LabelEntry | BareName)]


class LabelSet(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    labels: list[Entry] = Field(min_length=1, max_length=MAX_LABELS,
                                description="in display order; a bare name is a class with defaults")

    @field_validator("labels")
    @classmethod
    def _names_unique(cls, entries: list[LabelEntry]) -> list[LabelEntry]:
        seen: dict[str, int] = {}
        for index, entry in enumerate(entries):
            key = entry.name.casefold()
            if key in seen:
                # The name in the context, not the template: a name with braces is no placeholder.
                raise PydanticCustomError("duplicate_name", "{problem}", {"problem": (
                    f"duplicate name {entry.name!r} at labels[{index}] (also labels[{seen[key]}]; case does not "
                    "count)")})
            seen[key] = index
        return entries

    def to_labels(self) -> list[Label]:
        """The classes in order, with the defaults filled in."""
        return [Label(entry.name, entry.supercategory or "none",
                      entry.colour or entry.color or _fallback_colour(number), entry.definition or "", entry.id)
                for number, entry in enumerate(self.labels, start=1)]


def parse_label_set(data: Any) -> list[Label]:
    """A label set given as a list of classes or `{"labels": [...]}`, as a label file holds it; raises Refused
    naming the first problem."""
    return parse_as(LabelSet, data if isinstance(data, dict) else {"labels": data}, title=INVALID).to_labels()


def load_label_file(path: Path) -> list[Label]:
    """Read a label set from a .json, .yaml or .yml file; raises Refused saying what is wrong with it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise Refused("file", f"cannot read {path.name}: {exc}", 422, title=INVALID) from exc
    return parse_label_text(text, "yaml" if path.suffix.lower() in {".yaml", ".yml"} else "json", path.name)


def parse_label_text(text: str, kind: str, name: str) -> list[Label]:
    """A label file's text (`kind` "json" or "yaml"; `name` says which file in a refusal) read as
    `annotator labels load` reads it; raises Refused saying what is wrong with it."""
    try:
        data = yaml.safe_load(text) if kind == "yaml" else json.loads(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise Refused("file", f"{name} is not valid {kind.upper()}: {exc}", 422, title=INVALID) from exc
    return parse_label_set(data)


def _fallback_colour(number: int) -> str:
    # Golden-angle hues give distinct colours for label files that name none.
    r, g, b = colorsys.hsv_to_rgb((number * 0.618033988749895) % 1.0, 0.65, 0.9)
    return f"#{int(r * 255):02x}{int(g * 255):02x}{int(b * 255):02x}"
