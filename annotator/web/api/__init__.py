"""The JSON API, one module per resource, all under /api."""

from flask import Blueprint, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

bp = Blueprint("api", __name__)


@bp.before_request
def _bound_json_bodies() -> None:
    """JSON bodies get a tighter limit than uploads: a parsed JSON document takes many times its size in
    memory, so a 50 MB body of events is refused (413) before it is read, not after. (The body's length is
    known: without a Content-Length werkzeug reads nothing.)"""
    limit_mb = current_app.config["ANNOTATOR"]["MAX_JSON_MB"]
    if request.is_json and (request.content_length or 0) > limit_mb * 1024 * 1024:
        raise RequestEntityTooLarge(f"A JSON body may be at most {limit_mb} MB (MAX_JSON_MB).")

from annotator.web.api import (  # noqa: E402, F401 - registers the routes on bp
    agreement,
    annotations,
    assist,
    categories,
    coco_export,
    coco_import,
    debrief,
    flags,
    images,
    labour,
    labour_presets,
    live,
    pay,
    workshop,
)
