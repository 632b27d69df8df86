"""/api/categories: the label set, in display order; the instructor may replace it."""

from __future__ import annotations

from typing import Annotated

from flask import jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from annotator.core.labels import _HEX_COLOUR, MAX_DEFINITION_LENGTH, MAX_NAME_LENGTH, LabelSetError, parse_labels
from annotator.store import library
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.api.serialise import category_to_dict
from annotator.web.auth import admin_required
from annotator.web.errors import ApiError

MAX_LABELS = 1000

# --- the contract: the label set's shape (labels.parse_labels then checks what needs the whole set: names
# unique, text trimmed and free of control characters) -----------------------------------------------------


class LabelEntry(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    name: str = Field(min_length=1, max_length=MAX_NAME_LENGTH, description="unique, case-insensitively")
    supercategory: str | None = Field(default=None, max_length=MAX_NAME_LENGTH)
    colour: str | None = Field(default=None, pattern=_HEX_COLOUR.pattern, description="#rrggbb; one is picked "
                                                                                      "when left out")
    color: str | None = Field(default=None, pattern=_HEX_COLOUR.pattern, description="the same as colour")
    definition: str | None = Field(default=None, max_length=MAX_DEFINITION_LENGTH,
                                   description="one sentence for the participant; line breaks allowed")


class LabelSetBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")

    # A bare name is a class with defaults, as in a label file for `annotator labels load`.
    labels: list[LabelEntry | Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH)]] = Field(
        min_length=1, max_length=MAX_LABELS, description="in display order; a bare name is a class with defaults")


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


@bp.put("/categories")
@admin_required  # before the contract: a participant is refused whatever the body
@contract(json=LabelSetBody, ok=LabelSetChange, tags=["labels"])
def replace_categories() -> Response:
    """Replace the whole label set, in order, as `annotator labels load` does (instructor only). Classes left
    out are archived, not deleted: outlines keep their class and COCO ids stay stable."""
    try:
        labels = parse_labels(request.get_json())
    except LabelSetError as exc:
        raise ApiError(422, "invalid label set", str(exc)) from exc
    change = library.replace_label_set(labels)
    return jsonify({"added": change.added, "updated": change.updated, "archived": change.archived,
                    "items": [category_to_dict(category) for category in library.active_categories()]})
