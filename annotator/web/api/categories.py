"""/api/categories: the label set, in display order; the instructor may replace it."""

from __future__ import annotations

from flask import jsonify
from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from annotator.core.schemas.labels import LabelSet
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
