"""/api/.../annotations: the editor's saves. Parse, call the service, answer; nothing more here."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Annotated, Any, Literal

from flask import jsonify, request
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from werkzeug.wrappers import Response

from annotator.core import geometry
from annotator.core.schemas.flags import Flag
from annotator.store import annotations as service
from annotator.store.models import Annotation, Image, db
from annotator.web import participants, rate_limits
from annotator.web.api import bp
from annotator.web.api.contract import contract, validated
from annotator.web.api.serialise import iso_utc
from annotator.web.auth import is_instructor
from annotator.web.errors import ApiError
from annotator.web.participants import current_annotator

# --- the contract: what a save may carry (the service then checks classes, versions and geometry) --------

Coordinate = Annotated[float, Field(allow_inf_nan=False)]
ClientId = Annotated[str, Field(pattern=service.CLIENT_ID.pattern)]


def _simple_value(value: Any) -> Any:
    """One value of an event's data: what the recorder writes (and nothing deeper)."""
    if value is None or isinstance(value, str | bool) or (isinstance(value, int | float) and math.isfinite(value)):
        return value
    if isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        return value
    raise ValueError("must be text, a finite number, true/false, null or an [x, y] point")


def _attribute_value(value: Any) -> Any:
    if isinstance(value, str | bool) or (isinstance(value, int | float) and math.isfinite(value)):
        return value
    raise ValueError("must be text, a finite number or true/false")


_POINT_SCHEMA = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
EventValue = Annotated[Any, AfterValidator(_simple_value), WithJsonSchema(
    {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}, _POINT_SCHEMA]})]
AttributeValue = Annotated[Any, AfterValidator(_attribute_value), WithJsonSchema(
    {"anyOf": [{"type": "string", "maxLength": 2000}, {"type": "number"}, {"type": "boolean"}]})]


class Request(BaseModel):
    # strict: "12" is not a number and 1 is not true; unknown keys are ignored, so an editor may echo back
    # what it received.
    model_config = ConfigDict(strict=True, extra="ignore")


class Part(Request):
    points: list[Coordinate] = Field(
        min_length=6, max_length=2 * geometry.MAX_VERTICES,
        description=f"flat [x1, y1, x2, y2, ...] in image pixels; at most {geometry.MAX_VERTICES} vertices "
                    "per annotation")
    hole: bool = False


class Event(Request):
    seq: int = Field(ge=0)
    kind: str = Field(pattern=service.EVENT_KIND.pattern)
    t: float = Field(ge=0, allow_inf_nan=False, description="milliseconds since the editor page opened")
    annotation: ClientId | None = None
    data: dict[str, EventValue] = Field(
        default_factory=dict, max_length=service.MAX_EVENT_DATA_KEYS)


class Events(Request):
    """The labour events riding on a request: in order, none later than `sent_t`."""

    session_id: ClientId | None = None
    sent_t: float | None = Field(default=None, ge=0, allow_inf_nan=False,
                                 description="the editor's clock when the request left (ms since the page opened)")
    events: list[Event] | None = Field(default=None, max_length=service.MAX_EVENTS_PER_REQUEST)


class AnnotationCreate(Events):
    client_id: ClientId = Field(description="made by the editor; resending it returns the same annotation")
    category_id: int | None = Field(default=None, ge=1, description="may be left out only by a none_fits flag")
    parts: list[Part] = Field(min_length=1, max_length=geometry.MAX_PARTS)
    attributes: dict[str, AttributeValue] | None = Field(default=None,
                                                                  max_length=service.MAX_ATTRIBUTE_KEYS)
    flag: Flag | None = None


class AnnotationUpdate(Events):
    version: int = Field(ge=1, description="the version this edit is based on; 409 if it moved meanwhile")
    category_id: int | None = Field(default=None, ge=1)
    parts: list[Part] | None = Field(default=None, min_length=1, max_length=geometry.MAX_PARTS)
    attributes: dict[str, AttributeValue] | None = Field(default=None,
                                                                  max_length=service.MAX_ATTRIBUTE_KEYS)
    flag: Flag | None = None
    deleted: Literal[False] | None = Field(default=None, description="false restores a deleted annotation")


class AnnotationDelete(Events):
    version: int | None = Field(default=None, ge=1)


class EventBatch(Events):
    session_id: ClientId
    sent_t: float = Field(ge=0, allow_inf_nan=False)
    events: list[Event] = Field(max_length=service.MAX_EVENTS_PER_REQUEST)


class VersionQuery(Request):
    model_config = ConfigDict(strict=False)  # query strings are text
    version: int | None = Field(default=None, ge=1)


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


def _refused(exc: service.EventsRefused) -> ApiError:
    """Events naming someone else's work (403) or past the session's cap (429, with Retry-After)."""
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    return ApiError(exc.status, exc.error, str(exc), headers=headers)


def _answer(result: service.SaveResult, status: int) -> tuple[Response, int]:
    return jsonify({"annotation": annotation_to_dict(result.annotation), "repairs": list(result.repairs),
                    "events_stored": result.events_stored}), status


def _run(action: Callable[..., service.SaveResult], *args: Any) -> service.SaveResult:
    try:
        return action(*args)
    except service.EventsRefused as exc:
        db.session.rollback()
        raise _refused(exc) from exc
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
def create_annotation(image_id: int) -> tuple[Response, int]:
    """Save a new outline (201), or answer with the one already saved under the same client id (200)."""
    _count_save()
    image = _image(image_id)
    result = _run(functools.partial(service.create, instructor=is_instructor()), image, request.get_json(),
                  current_annotator())
    return _answer(result, 201 if result.created else 200)


@bp.patch("/annotations/<int:annotation_id>")
@contract(json=AnnotationUpdate, ok=Saved, errors=[404, 409, 429], tags=["annotations"])
def update_annotation(annotation_id: int) -> tuple[Response, int]:
    """Change an outline's parts, class, flag or attributes, based on the version the editor has."""
    _count_save()
    annotation = _own_annotation(annotation_id)
    return _answer(_run(functools.partial(service.update, instructor=is_instructor()), annotation,
                        request.get_json(), current_annotator()), 200)


@bp.delete("/annotations/<int:annotation_id>")
@contract(query=VersionQuery, ok=Saved, errors=[404, 409, 415, 429], tags=["annotations"])
def delete_annotation(annotation_id: int) -> tuple[Response, int]:
    """Mark an outline deleted (its labour stays); the version comes in the JSON body or the query string."""
    _count_save()
    annotation = _own_annotation(annotation_id)
    if request.content_length:
        body = validated(AnnotationDelete, request)
    else:
        body = {"version": request.args.get("version", type=int)}
    return _answer(_run(service.delete, annotation, body, current_annotator()), 200)


def _count_save() -> None:
    """Saves per person are limited (429 past RATE_SAVES), and the events riding with them (RATE_EVENTS);
    counted before anything is written."""
    who = current_annotator().public_id
    rate_limits.check("saves", who)
    _count_events(who)


def _count_events(who: str) -> None:
    """Labour events per person are limited (RATE_EVENTS), however many sessions they are spread over."""
    body = request.get_json(silent=True) if request.content_length else None
    events = body.get("events") if isinstance(body, dict) else None
    rate_limits.check("events", who, len(events) if isinstance(events, list) else 0)


@bp.post("/images/<int:image_id>/events")
@contract(json=EventBatch, ok=EventsStored, status=201, errors=[404, 409, 429], tags=["labour"])
def record_events(image_id: int) -> tuple[Response, int]:
    """Labour events sent without a save (e.g. searching, panning, or a tab being closed)."""
    image = _image(image_id)
    _count_events(current_annotator().public_id)
    try:
        stored = service.record_events(image, request.get_json(), current_annotator())
    except service.EventsRefused as exc:
        db.session.rollback()
        raise _refused(exc) from exc
    except service.PayloadError as exc:
        db.session.rollback()
        raise ApiError(exc.status, "invalid events", str(exc)) from exc
    return jsonify({"events_stored": stored}), 201


@bp.get("/me")
@contract(ok=Me, tags=["workshop"])
def who_am_i() -> Response:
    """The person behind this browser: the editor marks others' work as theirs."""
    annotator = current_annotator()
    return jsonify({"annotator": service.pseudonym(annotator), "display_name": annotator.display_name,
                    "instructor": is_instructor()})
