"""/api/categories: the label set, in display order; the instructor may replace it."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from .. import library
from ..auth import admin_required
from ..errors import ApiError
from ..labels import LabelSetError, parse_labels
from . import bp
from .serialise import category_to_dict

MAX_LABELS = 1000


@bp.get("/categories")
def list_categories() -> Response:
    return jsonify({"items": [category_to_dict(category) for category in library.active_categories()]})


@bp.put("/categories")
@admin_required
def replace_categories() -> Response:
    """The whole label set, in order, as `annotator labels load` takes it. Classes left out are archived,
    not deleted: outlines keep their class and COCO ids stay stable."""
    body = request.get_json(silent=True) if request.is_json else None
    if body is None:
        raise ApiError(415 if not request.is_json else 400, "JSON body expected",
                       'Send {"labels": [{"name": ..., "definition": ...}, ...]} as application/json.')
    entries = body.get("labels") if isinstance(body, dict) else body
    if isinstance(entries, list) and len(entries) > MAX_LABELS:
        raise ApiError(413, "label set too large", f"At most {MAX_LABELS} classes.")
    try:
        labels = parse_labels(body)
    except LabelSetError as exc:
        raise ApiError(422, "invalid label set", str(exc)) from exc
    change = library.replace_label_set(labels)
    return jsonify({"added": change.added, "updated": change.updated, "archived": change.archived,
                    "items": [category_to_dict(category) for category in library.active_categories()]})
