"""/api/categories: the label set, in display order."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response

from .. import library
from . import bp
from .serialise import category_to_dict


@bp.get("/categories")
def list_categories() -> Response:
    return jsonify({"items": [category_to_dict(category) for category in library.active_categories()]})
