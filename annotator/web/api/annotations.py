"""/api/.../annotations: the editor's saves. Parse, call the service, answer; nothing more here."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from pydantic import BaseModel
from werkzeug.wrappers import Response

from annotator.core.schemas.annotations import AnnotationCreate, AnnotationDelete, AnnotationUpdate, VersionQuery
from annotator.core.schemas.events import EventBatch, Events
from annotator.store import annotations as service
from annotator.store.annotations import annotation_to_dict
from annotator.store.models import Annotation, Image, db
from annotator.web import participants, rate_limits
from annotator.web.api import bp
from annotator.web.api.contract import contract, parsed
from annotator.web.auth import is_instructor
from annotator.web.errors import ApiError
from annotator.web.participants import current_annotator

# --- the answers (the requests' models are the domain's: annotator/core/schemas/annotations.py, events.py) --


class FlagOut(BaseModel):
    kind: str
    reason: str
    category_id: int | None
    resolution: str | None
    proposal_id: int | None


class AnnotationOut(BaseModel):
    id: int
    client_id: str
    image_id: int
    category_id: int | None
    parts: list[dict[str, Any]]
    area: float
    bbox: list[float]
    iscrowd: bool
    vertex_count: int
    attributes: dict[str, Any]
    annotator: str | None
    version: int
    deleted: bool
    created_at: str | None
    updated_at: str | None
    flag: FlagOut | None


class Owner(BaseModel):
    id: str | None
    name: str | None


class LayerItem(AnnotationOut):
    mine: bool
    owner: Owner


class Layers(BaseModel):
    items: list[LayerItem]


class Saved(BaseModel):
    annotation: AnnotationOut
    repairs: list[str]
    events_stored: int


class EventsStored(BaseModel):
    events_stored: int


class Me(BaseModel):
    annotator: str | None
    display_name: str | None
    instructor: bool


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


def _answer(result: service.SaveResult, status: int) -> tuple[Response, int]:
    return jsonify({"annotation": annotation_to_dict(result.annotation), "repairs": list(result.repairs),
                    "events_stored": result.events_stored}), status


@bp.get("/images/<int:image_id>/annotations")
@contract(ok=Layers, errors=[404], tags=["annotations"])
def list_annotations(image_id: int) -> Response:
    """The image's outlines as layers: this person's own, plus everyone else's for the instructor or once the
    instructor shares layers. Each item says whose it is and whether it is the asker's to edit ("mine"); in
    single-user mode everything is, imported outlines included."""
    image = _image(image_id)
    me = current_annotator()
    others = participants.others_visible()
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
@contract(json=AnnotationCreate, ok=Saved, HTTP_201=Saved, errors=[404, 409, 429], tags=["annotations"])
def create_annotation(image_id: int, json: AnnotationCreate) -> tuple[Response, int]:
    """Save a new outline (201), or answer with the one already saved under the same client id (200)."""
    _count_save(json)
    image = _image(image_id)
    result = service.create(image, json, current_annotator(), instructor=is_instructor())
    return _answer(result, 201 if result.created else 200)


@bp.patch("/annotations/<int:annotation_id>")
@contract(json=AnnotationUpdate, ok=Saved, errors=[404, 409, 429], tags=["annotations"])
def update_annotation(annotation_id: int, json: AnnotationUpdate) -> tuple[Response, int]:
    """Change an outline's parts, class, flag or attributes, based on the version the editor has."""
    _count_save(json)
    annotation = _own_annotation(annotation_id)
    return _answer(service.update(annotation, json, current_annotator(), instructor=is_instructor()), 200)


@bp.delete("/annotations/<int:annotation_id>")
@contract(query=VersionQuery, ok=Saved, errors=[404, 409, 415, 429], tags=["annotations"])
def delete_annotation(annotation_id: int, query: VersionQuery) -> tuple[Response, int]:
    """Mark an outline deleted (its labour stays); the version comes in the JSON body or the query string."""
    # spectree reads no body on DELETE: parsed here, against the same kind of model
    body = parsed(AnnotationDelete, request) if request.content_length else AnnotationDelete(version=query.version)
    _count_save(body)
    annotation = _own_annotation(annotation_id)
    return _answer(service.delete(annotation, body, current_annotator()), 200)


def _count_save(sent: Events) -> None:
    """Saves per person are limited (429 past RATE_SAVES), and the events riding with them (RATE_EVENTS);
    counted before anything is written."""
    who = current_annotator().public_id
    rate_limits.check("saves", who)
    _count_events(who, sent)


def _count_events(who: str, sent: Events) -> None:
    """Labour events per person are limited (RATE_EVENTS), however many sessions they are spread over."""
    rate_limits.check("events", who, len(sent.events or ()))


@bp.post("/images/<int:image_id>/events")
@contract(json=EventBatch, ok=EventsStored, status=201, errors=[404, 409, 429], tags=["labour"])
def record_events(image_id: int, json: EventBatch) -> tuple[Response, int]:
    """Labour events sent without a save (e.g. searching, panning, or a tab being closed)."""
    image = _image(image_id)
    _count_events(current_annotator().public_id, json)
    return jsonify({"events_stored": service.record_events(image, json, current_annotator())}), 201


@bp.get("/me")
@contract(ok=Me, tags=["workshop"])
def who_am_i() -> Response:
    """The person behind this browser: the editor marks others' work as theirs."""
    annotator = current_annotator()
    return jsonify({"annotator": service.pseudonym(annotator), "display_name": annotator.display_name,
                    "instructor": is_instructor()})
