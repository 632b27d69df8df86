"""Flags on annotations and class proposals: raise, list, decide; the crop thumbnails the flags page shows.

Everyone in the room (joined participants and the instructor) may read the flags and proposals: they are for
the discussion. Display names only for the instructor; deciding is the instructor's."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request, url_for

from .. import flags, images, library, participants, workshop
from ..auth import admin_required, is_instructor
from ..errors import ApiError
from ..models import Annotation, db
from . import bp
from .annotations import annotation_to_dict


def _json_body(optional: bool = False) -> Any:
    if optional and not request.get_data():
        return {}  # e.g. an accept with the default colour
    if not request.is_json:
        raise ApiError(415, "JSON body expected", "Send the request as application/json.")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "malformed JSON", "The request body is not valid JSON.")
    return body


@bp.errorhandler(flags.FlagError)
def _refused(exc: flags.FlagError) -> tuple[Response, int]:
    """Every refusal of the flags service, from any view here, as the API's error envelope."""
    db.session.rollback()
    title = {400: "malformed request", 403: "not yours", 404: "not found", 409: "already decided"}.get(
        exc.status, "invalid request")
    return jsonify({"error": title, "detail": str(exc)}), exc.status


def _crop_url(annotation_id: int) -> str:
    return url_for("api.annotation_crop", annotation_id=annotation_id)


def _flag_out(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "thumbnail_url": _crop_url(item["id"]),
            "editor_url": url_for("pages.editor", image_id=item["image_id"])}


def _proposal_out(item: dict[str, Any]) -> dict[str, Any]:
    return {**item, "examples": [{**example, "thumbnail_url": _crop_url(example["annotation_id"])}
                                 for example in item["examples"]]}


def _proposal_answer(proposal_id: int, changed: int | None = None) -> dict[str, Any]:
    item = next(p for p in flags.proposal_items(is_instructor()) if p["id"] == proposal_id)
    return {"proposal": _proposal_out(item), **({"annotations_changed": changed} if changed is not None else {})}


# --- reading -------------------------------------------------------------------------------------------------


@bp.get("/flags")
def list_flags() -> Response:
    participants.current_annotator()  # a participant who has not joined is told to (401)
    return jsonify({"items": [_flag_out(item) for item in flags.flag_items(is_instructor())]})


@bp.get("/flags.csv")
def flags_csv() -> Response:
    participants.current_annotator()
    text = flags.flags_csv(flags.flag_items(is_instructor()), names=is_instructor())
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="flags.csv"'})


@bp.get("/proposals")
def list_proposals() -> Response:
    participants.current_annotator()
    return jsonify({"items": [_proposal_out(item) for item in flags.proposal_items(is_instructor())]})


@bp.get("/proposals.csv")
def proposals_csv() -> Response:
    participants.current_annotator()
    text = flags.proposals_csv(flags.proposal_items(is_instructor()), names=is_instructor())
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="proposals.csv"'})


@bp.get("/annotations/<int:annotation_id>/crop.png")
def annotation_crop(annotation_id: int) -> Response:
    """The image around one outline, at most 240 px a side, outline drawn. Anyone in the room may see a flagged
    outline's crop (the flags page is for everyone); others' unflagged outlines only when layers are shared."""
    me = participants.current_annotator()
    annotation = db.session.get(Annotation, annotation_id)
    if annotation is None or annotation.deleted or annotation.image.deleted:
        raise ApiError(404, "annotation not found", f"There is no annotation {annotation_id}.")
    if not (annotation.flag is not None or annotation.annotator_id == me.id or workshop.others_visible()):
        raise ApiError(403, "not yours", "Only flagged outlines, your own, or shared layers can be shown.")
    etag = f"crop-{annotation.id}-{annotation.version}-{annotation.category_id}"
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        source = images.resolve_inside(library.image_store(), annotation.image.stored_path)
        if source is None:
            raise ApiError(404, "image file missing", "The image file is missing from the image store.")
        response = Response(flags.render_crop(source, annotation.parts, annotation.bbox, annotation.category.colour),
                            mimetype="image/png")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"  # kept, but asked again: a decision changes the outline
    return response


# --- proposing -----------------------------------------------------------------------------------------------


@bp.post("/proposals")
def create_proposal() -> tuple[Response, int]:
    annotator = participants.current_annotator()
    proposal = flags.create_proposal(_json_body(), annotator)
    return jsonify(_proposal_answer(proposal.id)), 201


# --- deciding (the instructor) ---------------------------------------------------------------------------------


@bp.post("/proposals/<int:proposal_id>/accept")
@admin_required
def accept_proposal(proposal_id: int) -> Response:
    proposal, changed = flags.accept_proposal(proposal_id, _json_body(optional=True))
    return jsonify(_proposal_answer(proposal.id, changed))


@bp.post("/proposals/<int:proposal_id>/merge")
@admin_required
def merge_proposal(proposal_id: int) -> Response:
    proposal, changed = flags.merge_proposal(proposal_id, _json_body())
    return jsonify(_proposal_answer(proposal.id, changed))


@bp.post("/proposals/<int:proposal_id>/reject")
@admin_required
def reject_proposal(proposal_id: int) -> Response:
    proposal, changed = flags.reject_proposal(proposal_id, _json_body(optional=True))
    return jsonify(_proposal_answer(proposal.id, changed))


@bp.post("/annotations/<int:annotation_id>/resolve")
@admin_required
def resolve_flag(annotation_id: int) -> Response:
    annotation = flags.resolve_flag(annotation_id, _json_body())
    return jsonify({"annotation": annotation_to_dict(annotation)})
