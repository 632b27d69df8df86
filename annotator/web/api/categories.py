"""/api/categories: the label set, in display order; the instructor may replace it."""

from __future__ import annotations

from typing import Literal

from flask import jsonify
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from annotator.core.schemas.labels import LabelSet, parse_label_text
from annotator.store import library
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.api.serialise import category_to_dict
from annotator.web.auth import admin_required


class CategoryItem(BaseModel):
    id: int
    name: str
    supercategory: str
    colour: str
    definition: str
    display_order: int


class CategoryList(BaseModel):
    items: list[CategoryItem]


class LabelSetChange(CategoryList):
    added: list[str]
    updated: list[str]
    archived: list[str] = Field(description="classes left out: kept for the outlines that use them")


@bp.get("/categories")
@contract(ok=CategoryList, tags=["labels"])
def list_categories() -> Response:
    """The label set in display order (archived classes left out)."""
    return jsonify({"items": [category_to_dict(category) for category in library.active_categories()]})


class LabelFileText(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    text: str = Field(max_length=2_000_000, description="the label file's text, as chosen in the browser")
    format: Literal["json", "yaml"]
    name: str = Field(default="the label file", max_length=255, description="the file's name, for the error")


class LabelFileEntry(BaseModel):
    name: str
    supercategory: str
    colour: str
    definition: str


class LabelFileParsed(BaseModel):
    labels: list[LabelFileEntry]


@bp.post("/categories/file")
@admin_required
@contract(json=LabelFileText, ok=LabelFileParsed, tags=["labels"])
def read_label_file(json: LabelFileText) -> Response:
    """A label file read as `annotator labels load` reads it (defaults filled in), answered without saving
    anything (instructor only): the label-set page shows what it would change, then saves with PUT."""
    labels = parse_label_text(json.text, json.format, json.name)
    return jsonify({"labels": [{"name": label.name, "supercategory": label.supercategory, "colour": label.colour,
                                "definition": label.definition} for label in labels]})


@bp.get("/categories/archived")
@admin_required
@contract(ok=CategoryList, tags=["labels"])
def list_archived_categories() -> Response:
    """Classes taken out of the label set (instructor only), by name: kept for the outlines that use them, and
    restored by listing them again (with their id) in `PUT /api/categories`."""
    return jsonify({"items": [category_to_dict(category) for category in library.archived_categories()]})


@bp.put("/categories")
@admin_required  # before the contract: a participant is refused whatever the body
@contract(json=LabelSet, ok=LabelSetChange, tags=["labels"])
def replace_categories(json: LabelSet) -> Response:
    """Replace the whole label set, in order, as `annotator labels load` does (instructor only). Classes left
    out are archived, not deleted: outlines keep their class and COCO ids stay stable. An entry carrying a
    class's `id` edits that class, so a rename keeps it."""
    change = library.replace_label_set(json.to_labels())
    return jsonify({"added": change.added, "updated": change.updated, "archived": change.archived,
                    "items": [category_to_dict(category) for category in library.active_categories()]})
