"""/api/.../annotations: the editor's saves. Parse, call the service, answer; nothing more here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import jsonify, request
from werkzeug.wrappers import Response

from .. import annotation_store as service
from .. import participants, workshop
from ..auth import is_instructor
from ..errors import ApiError
from ..models import Annotation, Image, db
from ..participants import current_annotator
from . import bp
from .serialise import iso_utc


def annotation_to_dict(annotation: Annotation) -> dict[str, Any]:
    return {
        "id": annotation.id,
        "client_id": annotation.client_id,
        "image_id": annotation.image_id,
        "category_id": annotation.category_id,
        "parts": annotation.parts,
        "area": annotation.area,
        "bbox": annotation.bbox,
        "iscrowd": annotation.iscrowd,
        "vertex_count": sum(len(part["points"]) // 2 for part in annotation.parts),
        "attributes": annotation.attributes or {},
        "annotator": service.pseudonym(annotation.annotator),
        "version": annotation.version,
        "deleted": annotation.deleted,
        "created_at": iso_utc(annotation.created_at),
        "updated_at": iso_utc(annotation.updated_at),
        "flag": None if annotation.flag is None else {
            "kind": annotation.flag, "reason": annotation.flag_reason or "",
            "category_id": annotation.flag_category_id,  # the person's guess
            "resolution": annotation.flag_resolution, "proposal_id": annotation.proposal_id},
    }


def _image(image_id: int) -> Image:
    image = db.session.get(Image, image_id)
    if image is None or image.deleted:
        raise ApiError(404, "image not found", f"There is no image {image_id}.")
    return image


def _own_annotation(annotation_id: int) -> Annotation:
    annotation = db.session.get(Annotation, annotation_id)
    if annotation is None:
        raise ApiError(404, "annotation not found", f"There is no annotation {annotation_id}.")
    if annotation.annotator_id != current_annotator().id and not is_instructor():
        raise ApiError(403, "not your annotation", "Only its author or the instructor may change it.")
    return annotation


def _json_body() -> Any:
    if not request.is_json:
        raise ApiError(415, "JSON body expected", "Send the annotation as application/json.")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "malformed JSON", "The request body is not valid JSON.")
    return body


def _answer(result: service.SaveResult, status: int) -> tuple[Response, int]:
    return jsonify({"annotation": annotation_to_dict(result.annotation), "repairs": list(result.repairs),
                    "events_stored": result.events_stored}), status


def _run(action: Callable[..., service.SaveResult], *args: Any) -> service.SaveResult:
    try:
        return action(*args)
    except service.PayloadError as exc:
        db.session.rollback()
        about_events = exc.field.startswith(("events", "sent_t", "session_id"))
        title = "invalid events" if about_events else "invalid annotation" if exc.status == 422 else "refused"
        raise ApiError(exc.status, title, str(exc)) from exc
    except service.VersionConflict as exc:
        db.session.rollback()
        if exc.reason == "deleted":
            raise ApiError(409, "deleted", "This annotation was deleted; restore it with {\"deleted\": false}.",
                           annotation=annotation_to_dict(exc.annotation)) from exc
        raise ApiError(409, "conflict", "Someone changed this annotation since you loaded it; here is the "
                       "current version.", annotation=annotation_to_dict(exc.annotation)) from exc


@bp.get("/images/<int:image_id>/annotations")
def list_annotations(image_id: int) -> Response:
    """The image's outlines as layers: this person's own, plus everyone else's for the instructor or once the
    instructor shares layers. Each item says whose it is and whether it is the asker's to edit ("mine"); in
    single-user mode everything is, imported outlines included."""
    image = _image(image_id)
    me = current_annotator()
    others = workshop.others_visible()
    single_user = not participants.workshop_mode()
    items = []
    for annotation in service.live_annotations(image):
        mine = single_user or annotation.annotator_id == me.id
        if not (mine or others):
            continue
        owner = annotation.annotator
        items.append({**annotation_to_dict(annotation), "mine": mine,
                      "owner": {"id": service.pseudonym(owner), "name": owner.display_name if owner else None}})
    return jsonify({"items": items})


@bp.post("/images/<int:image_id>/annotations")
def create_annotation(image_id: int) -> tuple[Response, int]:
    image = _image(image_id)
    body = _json_body()
    result = _run(service.create, image, body, current_annotator())
    return _answer(result, 201 if result.created else 200)


@bp.patch("/annotations/<int:annotation_id>")
def update_annotation(annotation_id: int) -> tuple[Response, int]:
    annotation = _own_annotation(annotation_id)
    return _answer(_run(service.update, annotation, _json_body(), current_annotator()), 200)


@bp.delete("/annotations/<int:annotation_id>")
def delete_annotation(annotation_id: int) -> tuple[Response, int]:
    annotation = _own_annotation(annotation_id)
    body = request.get_json(silent=True) or {"version": request.args.get("version", type=int)}
    return _answer(_run(service.delete, annotation, body, current_annotator()), 200)


@bp.post("/images/<int:image_id>/events")
def record_events(image_id: int) -> tuple[Response, int]:
    image = _image(image_id)
    try:
        stored = service.record_events(image, _json_body(), current_annotator())
    except service.PayloadError as exc:
        db.session.rollback()
        raise ApiError(exc.status, "invalid events", str(exc)) from exc
    return jsonify({"events_stored": stored}), 201


@bp.get("/me")
def who_am_i() -> Response:
    """The person behind this browser: the editor marks others' work as theirs."""
    annotator = current_annotator()
    return jsonify({"annotator": service.pseudonym(annotator), "display_name": annotator.display_name,
                    "instructor": is_instructor()})
