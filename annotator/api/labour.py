"""/api/labour and the per-image labour views: the ledger's figures and raw events.

The instructor (or the single user) sees everyone's, under pseudonyms unless `names=1`; a participant sees
and downloads their own record only.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, stream_with_context

from .. import annotation_store, ledger
from ..auth import is_instructor
from ..errors import ApiError
from ..models import Image, db
from ..participants import current_annotator
from . import bp


def _flag(name: str) -> bool:
    raw = request.args.get(name, "0").lower()
    if raw not in ("0", "1", "true", "false", "yes", "no"):
        raise ApiError(400, "bad parameter", f"{name} must be 1 or 0, not {raw!r}")
    return raw in ("1", "true", "yes")


def _image_id(raw: Any) -> int | None:
    if raw is None or raw == "":
        return None
    if not str(raw).isdigit() or len(str(raw)) > 12:
        raise ApiError(400, "bad parameter", f"image must be an image id, not {raw!r}")
    image_id = int(raw)
    if db.session.get(Image, image_id) is None:
        raise ApiError(404, "not found", f"There is no image {image_id}.")
    return image_id


def _whose() -> int | None:
    """Whose events: anyone's for the instructor (or the one named by `annotator=`), else the asker's own."""
    wanted = request.args.get("annotator")
    me = current_annotator()
    if wanted in (None, "", "me"):
        return None if is_instructor() and wanted != "me" else me.id
    found = ledger.find_annotator(wanted[:200])
    if found is None:
        raise ApiError(404, "not found", "No annotator goes by that id, pseudonym or name.")
    if found.id != me.id and not is_instructor():
        raise ApiError(403, "instructor only", "Only the instructor sees other people's timings.")
    return found.id


def _names() -> bool:
    names = _flag("names")
    if names and not is_instructor():
        raise ApiError(403, "instructor only", "Only the instructor may export names; exports use pseudonyms.")
    return names


@bp.get("/labour/summary.json")
def labour_summary() -> Response:
    scope = ledger.Scope(image_id=_image_id(request.args.get("image")), annotator_id=_whose())
    return jsonify(ledger.report(scope, names=_names()))


@bp.get("/labour/events.csv")
def labour_events() -> Response:
    scope = ledger.Scope(image_id=_image_id(request.args.get("image")), annotator_id=_whose())
    lines = ledger.events_csv(scope, names=_names())
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="labour-events.csv"'})


@bp.get("/images/<int:image_id>/labour")
def image_labour(image_id: int) -> Response:
    """Each polygon's time and clicks for the editor's list; `session` leaves the asking page's own out of
    `other_sessions_active_ms`, which the page adds to its live count."""
    _image_id(image_id)
    session = request.args.get("session")
    if session is not None and not annotation_store.CLIENT_ID.match(session):
        raise ApiError(400, "bad parameter", "session must be the editor's session id")
    mine = None if is_instructor() else current_annotator().id
    return jsonify(ledger.image_figures(image_id, mine, session))


@bp.get("/images/<int:image_id>/replay")
def image_replay(image_id: int) -> Response:
    _image_id(image_id)
    annotation = request.args.get("annotation")
    if annotation is not None and not annotation_store.CLIENT_ID.match(annotation):
        raise ApiError(400, "bad parameter", "annotation must be an annotation's client id")
    return jsonify(ledger.replay(image_id, _whose(), annotation))
