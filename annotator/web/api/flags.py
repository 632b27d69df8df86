"""Flags on annotations and class proposals: raise, list, decide; the crop thumbnails the flags page shows.

Everyone in the room (joined participants and the instructor) may read the flags and proposals: they are for
the discussion. Display names only for the instructor; deciding is the instructor's."""

from __future__ import annotations

from typing import Any, Literal

from flask import Response, jsonify, request, url_for
from pydantic import BaseModel, Field

from annotator.core import flag_crops, images
from annotator.core import flags as flag_rules
from annotator.core.schemas.flags import (
    FlagResolve,
    Kind,
    ProposalAccept,
    ProposalCreate,
    ProposalMerge,
    ProposalReject,
)
from annotator.store import flags, library
from annotator.store.models import Annotation, db
from annotator.web import participants, rate_limits
from annotator.web.api import bp
from annotator.web.api.annotations import AnnotationOut, annotation_to_dict
from annotator.web.api.contract import contract
from annotator.web.auth import admin_required, is_instructor
from annotator.web.errors import ApiError

# --- the answers (what a request may carry is annotator.core.schemas.flags) ------------------------------


class FlagClassRef(BaseModel):
    id: int
    name: str
    colour: str
    archived: bool


class FlagProposalRef(BaseModel):
    id: int
    name: str
    status: str


class FlagItem(BaseModel):
    id: int
    image_id: int
    image_file_name: str
    kind: Kind
    reason: str
    guess: FlagClassRef | None = Field(description="the class the person would have picked")
    category: FlagClassRef
    resolution: Literal[flag_rules.RESOLUTIONS] | None = Field(description="null while open")  # type: ignore[valid-type]
    proposal: FlagProposalRef | None
    annotator: str | None = Field(description="a pseudonym")
    annotator_name: str | None = Field(description="the display name, for the instructor only")
    version: int
    updated_at: str | None
    thumbnail_url: str
    editor_url: str


class FlagList(BaseModel):
    items: list[FlagItem]


class ProposalExample(BaseModel):
    annotation_id: int
    image_id: int
    thumbnail_url: str


class ProposalItem(BaseModel):
    id: int
    name: str
    definition: str
    status: Literal["open", "accepted", "merged", "rejected"]
    proposed_by: str | None
    proposed_by_name: str | None = Field(description="the display name, for the instructor only")
    examples: list[ProposalExample]
    category_id: int | None
    category: FlagClassRef | None
    decision_note: str
    created_at: str | None
    decided_at: str | None


class ProposalList(BaseModel):
    items: list[ProposalItem]


class ProposalCreated(BaseModel):
    proposal: ProposalItem


class ProposalDecided(BaseModel):
    proposal: ProposalItem
    annotations_changed: int = Field(description="the open flags the decision applied to")


class FlagResolved(BaseModel):
    annotation: AnnotationOut


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
@contract(ok=FlagList, tags=["flags"])
def list_flags() -> Response:
    """Every flagged outline, open and decided, oldest first (display names for the instructor only)."""
    participants.current_annotator()  # a participant who has not joined is told to (401)
    return jsonify({"items": [_flag_out(item) for item in flags.flag_items(is_instructor())]})


@bp.get("/flags.csv")
@contract(tags=["flags"])
def flags_csv() -> Response:
    """The flags list as a text/csv download (the name column for the instructor only)."""
    participants.current_annotator()
    text = flag_rules.flags_csv(flags.flag_items(is_instructor()), names=is_instructor())
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="flags.csv"'})


@bp.get("/proposals")
@contract(ok=ProposalList, tags=["flags"])
def list_proposals() -> Response:
    """Every class proposal, oldest first, with its example outlines."""
    participants.current_annotator()
    return jsonify({"items": [_proposal_out(item) for item in flags.proposal_items(is_instructor())]})


@bp.get("/proposals.csv")
@contract(tags=["flags"])
def proposals_csv() -> Response:
    """The proposals list as a text/csv download (the proposer's name for the instructor only)."""
    participants.current_annotator()
    text = flag_rules.proposals_csv(flags.proposal_items(is_instructor()), names=is_instructor())
    return Response(text, mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="proposals.csv"'})


@bp.get("/annotations/<int:annotation_id>/crop.png")
@contract(errors=[404], tags=["flags"], HTTP_304=None)
def annotation_crop(annotation_id: int) -> Response:
    """An image/png of the image around one outline, at most 240 px a side, outline drawn.

    Anyone in the room may see a flagged outline's crop (the flags page is for everyone); others' unflagged
    outlines only when layers are shared. 304 when the ETag sent in If-None-Match is still current."""
    me = participants.current_annotator()
    annotation = db.session.get(Annotation, annotation_id)
    if annotation is None or annotation.deleted or annotation.image.deleted:
        raise ApiError(404, "annotation not found", f"There is no annotation {annotation_id}.")
    if not (annotation.flag is not None or annotation.annotator_id == me.id or participants.others_visible()):
        raise ApiError(403, "not yours", "Only flagged outlines, your own, or shared layers can be shown.")
    etag = f"crop-{annotation.id}-{annotation.version}-{annotation.category_id}"
    if etag in request.if_none_match:
        response = Response(status=304)
    else:
        source = images.resolve_inside(library.image_store(), annotation.image.stored_path)
        if source is None:
            raise ApiError(404, "image file missing", "The image file is missing from the image store.")
        crop = flag_crops.render_crop(source, annotation.parts, annotation.bbox, annotation.category.colour)
        response = Response(crop, mimetype="image/png")
    response.set_etag(etag)
    response.headers["Cache-Control"] = "no-cache"  # kept, but asked again: a decision changes the outline
    return response


# --- proposing -----------------------------------------------------------------------------------------------


@bp.post("/proposals")
@contract(json=ProposalCreate, ok=ProposalCreated, status=201, errors=[409], tags=["flags"])
def create_proposal(json: ProposalCreate) -> tuple[Response, int]:
    """Propose a new class, with a definition and (optionally) one's own outlines as examples."""
    annotator = participants.current_annotator()
    rate_limits.check("proposals", annotator.public_id)
    proposal = flags.create_proposal(json, annotator)
    return jsonify(_proposal_answer(proposal.id)), 201


# --- deciding (the instructor) ---------------------------------------------------------------------------------
# The instructor check comes before the contract's: a participant is refused (403) whatever the body holds.


@bp.post("/proposals/<int:proposal_id>/accept")
@admin_required
@contract(json=ProposalAccept, ok=ProposalDecided, errors=[404, 409], tags=["flags"])
def accept_proposal(proposal_id: int, json: ProposalAccept) -> Response:
    """Accept a proposal: the class joins the label set and the proposal's open flags get it."""
    proposal, changed = flags.accept_proposal(proposal_id, json)
    return jsonify(_proposal_answer(proposal.id, changed))


@bp.post("/proposals/<int:proposal_id>/merge")
@admin_required
@contract(json=ProposalMerge, ok=ProposalDecided, errors=[404, 409], tags=["flags"])
def merge_proposal(proposal_id: int, json: ProposalMerge) -> Response:
    """Merge a proposal into an existing class: the proposal's open flags get that class."""
    proposal, changed = flags.merge_proposal(proposal_id, json)
    return jsonify(_proposal_answer(proposal.id, changed))


@bp.post("/proposals/<int:proposal_id>/reject")
@admin_required
@contract(json=ProposalReject, ok=ProposalDecided, errors=[404, 409], tags=["flags"])
def reject_proposal(proposal_id: int, json: ProposalReject) -> Response:
    """Reject a proposal: its outlines stay void, marked rejected."""
    proposal, changed = flags.reject_proposal(proposal_id, json)
    return jsonify(_proposal_answer(proposal.id, changed))


@bp.post("/annotations/<int:annotation_id>/resolve")
@admin_required
@contract(json=FlagResolve, ok=FlagResolved, errors=[404, 409], tags=["flags"])
def resolve_flag(annotation_id: int, json: FlagResolve) -> Response:
    """Decide one flag: the outline gets the given class."""
    annotation = flags.resolve_flag(annotation_id, json)
    return jsonify({"annotation": annotation_to_dict(annotation)})
