"""Annotations as stored: create, edit and delete through the geometry core, with optimistic
versions, client ids that make retries harmless, and the labour events that ride along with saves.

Requests arrive parsed into their models (annotator/core/schemas/annotations.py, events.py), which hold every
rule their content can be checked against; here are only the checks that need the database or the image (the
class is active, the version current, the session and the outlines named are the poster's, the geometry fits
the image), each refused with `Refused`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import case, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from annotator.core import flags as flag_rules
from annotator.core import geometry
from annotator.core.refused import Refused
from annotator.core.schemas.annotations import (
    SERVER_ATTRIBUTES,
    AnnotationCreate,
    AnnotationDelete,
    AnnotationUpdate,
    Part,
)
from annotator.core.schemas.events import EventBatch, Events
from annotator.core.schemas.flags import Flag
from annotator.core.times import iso_utc
from annotator.store import flags, versions, workshop
from annotator.store.models import Annotation, Annotator, Category, Image, LabourEvent, LabourSession, db, utcnow

SESSION_FULL_RETRY_S = 60  # a full session stays full: the page should reload, not hammer
INVALID = "invalid annotation"  # the envelope's title for an annotation the rules refuse


@dataclass
class SaveResult:
    annotation: Annotation
    created: bool
    repairs: tuple[str, ...]
    events_stored: int


def pseudonym(annotator: Annotator | None) -> str | None:
    return f"annotator-{annotator.public_id[:8]}" if annotator else None


def annotation_to_dict(annotation: Annotation) -> dict[str, Any]:
    """An annotation as the API shows it (and as a 409 hands the current one back)."""
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
        "annotator": pseudonym(annotation.annotator),
        "version": annotation.version,
        "deleted": annotation.deleted,
        "created_at": iso_utc(annotation.created_at),
        "updated_at": iso_utc(annotation.updated_at),
        "flag": None if annotation.flag is None else {
            "kind": annotation.flag, "reason": annotation.flag_reason or "",
            "category_id": annotation.flag_category_id,  # the person's guess
            "resolution": annotation.flag_resolution, "proposal_id": annotation.proposal_id},
    }


class VersionConflict(Refused):
    """409: the annotation moved on since the version the edit is based on (or was deleted); the answer carries
    the current one, so the editor can show it."""

    def __init__(self, annotation: Annotation, *, deleted: bool = False) -> None:
        if deleted:
            super().__init__("deleted", "This annotation was deleted; restore it with {\"deleted\": false}.", 409,
                             title="deleted", annotation=annotation_to_dict(annotation))
        else:
            super().__init__("version", "Someone changed this annotation since you loaded it; here is the current "
                             "version.", 409, title="conflict", annotation=annotation_to_dict(annotation))


def claim_version(annotation: Annotation) -> None:
    """The next version of `annotation` for this edit (store.versions), or 409 with the current one."""
    try:
        versions.claim_version(annotation)
    except versions.VersionMoved as moved:
        raise VersionConflict(moved.annotation) from moved


def _category(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None or category.archived:
        raise Refused("category_id", f"there is no active class {category_id}", title=INVALID)
    return category


def _attributes(sent: dict[str, Any] | None, current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The stored attributes with the sent ones merged in; those the server writes are not the sender's."""
    merged = dict(current or {})
    merged.update({key: value for key, value in (sent or {}).items() if key not in SERVER_ATTRIBUTES})
    return merged


def _shape(parts: list[Part], image: Image) -> geometry.Shape:
    try:
        return geometry.shape_from_checked([(part.points, part.hole) for part in parts], image.width,
                                           image.height, min_area=current_app.config["ANNOTATOR"]["MIN_PART_AREA"])
    except geometry.GeometryError as exc:
        raise Refused("parts", str(exc), title=INVALID) from exc


def _apply_shape(annotation: Annotation, shape: geometry.Shape) -> None:
    annotation.parts = [part.to_dict() for part in shape.parts]
    annotation.rle_counts = shape.rle["counts"]
    annotation.area = float(shape.area)
    annotation.bbox = shape.bbox
    attributes = dict(annotation.attributes or {})
    if shape.repairs:
        attributes["repairs"] = list(shape.repairs)
    else:
        attributes.pop("repairs", None)
    annotation.attributes = attributes


def create(image: Image, save: AnnotationCreate, annotator: Annotator, *, instructor: bool = False) -> SaveResult:
    """A new annotation, or the one already made under the same client id (a retried request)."""
    existing = db.session.scalar(select(Annotation).where(Annotation.client_id == save.client_id))
    if existing is not None:
        return _same_create(existing, image, annotator, save)
    flag_given, flag_request = _flag_sent(save)
    # "None of the classes fits" may come without a pick (the model asks for one otherwise).
    category_id = None if save.category_id is None else _category(save.category_id).id
    shape = _shape(save.parts, image)
    void_id = flags.void_category().id if flag_given else None  # may commit: nothing is pending yet
    annotation = Annotation(client_id=save.client_id, image_id=image.id, category_id=category_id,
                            annotator_id=annotator.id, attributes=_attributes(save.attributes),
                            iscrowd=False, version=1)
    _save_flag(annotation, void_id, category_id, flag_given, flag_request, instructor)
    _apply_shape(annotation, shape)
    events = _events(save, default_annotation=save.client_id)
    db.session.add(annotation)
    try:
        db.session.flush()
    except IntegrityError:
        # The same client id was created by a concurrent request a moment ago: answer with that one.
        db.session.rollback()
        existing = db.session.scalar(select(Annotation).where(Annotation.client_id == save.client_id))
        if existing is None:
            raise
        return _same_create(existing, image, annotator, save)
    stored = _store_events(image, annotator, events)
    db.session.commit()
    return SaveResult(annotation, True, shape.repairs, stored)


def _same_create(existing: Annotation, image: Image, annotator: Annotator, save: AnnotationCreate) -> SaveResult:
    if existing.image_id != image.id or existing.annotator_id != annotator.id:
        raise Refused("client_id", "already used for another annotation", 409, title="refused")
    stored = _store_events(image, annotator, _events(save, default_annotation=existing.client_id))
    db.session.commit()
    return SaveResult(existing, False, tuple((existing.attributes or {}).get("repairs", ())), stored)


def update(annotation: Annotation, edit: AnnotationUpdate, annotator: Annotator, *,
           instructor: bool = False) -> SaveResult:
    """Change parts, class or attributes of the version the editor based its edit on (409 if stale); only the
    fields sent change."""
    sent = edit.model_fields_set
    _check_version(annotation, edit.version)
    flag_given, flag_request = _flag_sent(edit)
    restore = edit.deleted is False
    if annotation.deleted and not restore:
        raise VersionConflict(annotation, deleted=True)
    # Looked up before anything changes, since making the void class commits.
    void_id = flags.void_category().id if flag_given or annotation.flag is not None else None
    claim_version(annotation)
    if restore:
        annotation.deleted = False  # undoing a delete keeps the annotation's identity and its ledger
    repairs: tuple[str, ...] = ()
    if "parts" in sent:
        shape = _shape(edit.parts, annotation.image)
        _apply_shape(annotation, shape)
        repairs = shape.repairs
    category_id = _category(edit.category_id).id if "category_id" in sent else None
    _save_flag(annotation, void_id, category_id, flag_given, flag_request, instructor)
    if edit.attributes is not None:
        annotation.attributes = _attributes(edit.attributes, annotation.attributes)
    events = _events(edit, default_annotation=annotation.client_id)
    annotation.updated_at = utcnow()
    stored = _store_events(annotation.image, annotator, events)
    db.session.commit()
    return SaveResult(annotation, False, repairs, stored)


def _flag_sent(save: AnnotationCreate | AnnotationUpdate) -> tuple[bool, Flag | None]:
    """Whether the save sends `flag`, and the flag it sets (None: cleared)."""
    if "flag" not in save.model_fields_set:
        return False, None
    return True, save.flag


def _save_flag(annotation: Annotation, void_id: int | None, category_id: int | None, flag_given: bool,
               request: Flag | None, instructor: bool) -> None:
    """The class and flag after this save (see core.flags.saved_state); a linked proposal must be open."""
    if void_id is None:  # neither flagged nor flagging: an ordinary class change
        if category_id is not None:
            annotation.category_id = category_id
        return
    if request is not None and request.proposal_id is not None and request.proposal_id != annotation.proposal_id:
        flags.open_proposal(request.proposal_id)
    state = flag_rules.saved_state(flag_rules.flag_state(annotation), void_id, category_id=category_id,
                                   flag_given=flag_given, request=request, instructor=instructor)
    if state.category_id is None:
        raise Refused("category_id", "pick a class (or flag the outline)", title=INVALID)
    flag_rules.apply_state(annotation, state)


def delete(annotation: Annotation, request: AnnotationDelete, annotator: Annotator) -> SaveResult:
    """Mark deleted (the work stays in the ledger); deleting twice is harmless."""
    events = _events(request, default_annotation=annotation.client_id)
    if annotation.deleted:
        stored = _store_events(annotation.image, annotator, events)
        db.session.commit()
        return SaveResult(annotation, False, (), stored)
    _check_version(annotation, request.version)
    claim_version(annotation)
    annotation.deleted = True
    annotation.updated_at = utcnow()
    stored = _store_events(annotation.image, annotator, events)
    db.session.commit()
    return SaveResult(annotation, False, (), stored)


def _check_version(annotation: Annotation, version: int | None) -> None:
    if version is None:
        raise Refused("version", "send the version your edit is based on", title=INVALID)
    if version != annotation.version:
        raise VersionConflict(annotation)


def live_annotations(image: Image) -> list[Annotation]:
    return list(db.session.scalars(
        select(Annotation).where(Annotation.image_id == image.id, Annotation.deleted.is_(False))
        .order_by(Annotation.id)))


# --- labour events ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    session_id: str
    seq: int
    kind: str
    t_ms: float
    annotation: str | None
    data: dict[str, Any]
    sent_ms: float  # the sender's clock when the request left: no event of the batch may be later


def _events(sent: Events, default_annotation: str | None = None) -> list[Event]:
    """The request's events as the ledger stores them; on a save, one naming no outline is about the saved one."""
    return [Event(sent.session_id, event.seq, event.kind, event.t,  # type: ignore[arg-type]
                  event.annotation if "annotation" in event.model_fields_set else default_annotation,
                  event.data, sent.sent_t) for event in sent.events or ()]  # type: ignore[arg-type]


def _store_events(image: Image, annotator: Annotator, events: list[Event]) -> int:
    """Append a batch to its session's ledger (nothing of it if any part is refused); ones already stored
    (same session and seq: a resend) are skipped.

    The session is the one the server issued to the editor page, or, for an id it never issued (an old tab,
    a queued offline batch), opened now. No clock check refuses a batch: the ledger places events on the
    server's timeline and clamps what a session claims beyond the time the server saw pass (`labour.ledger`),
    so work is never lost to a fast clock."""
    if not events:
        return 0
    received = utcnow()
    session = _session(events[0].session_id, image, annotator, received)
    _check_owner(image, annotator, events)
    seen = set(db.session.scalars(select(LabourEvent.seq).where(
        LabourEvent.session_id == session.id, LabourEvent.seq.in_([event.seq for event in events]))))
    fresh = [event for event in events if event.seq not in seen]
    if not fresh:
        return 0
    _claim_room(session.id, len(fresh))
    rows = [LabourEvent(image_id=image.id, annotator_id=annotator.id, session_id=event.session_id,
                        seq=event.seq, kind=event.kind, client_time_ms=event.t_ms,
                        annotation_client_id=event.annotation, data=event.data, received_at=received,
                        sent_ms=event.sent_ms) for event in fresh]
    db.session.add_all(rows)
    db.session.flush()
    last = max(row.id for row in rows)
    db.session.execute(sql_update(LabourSession).where(LabourSession.id == session.id).values(
        last_event_id=case((LabourSession.last_event_id < last, last), else_=LabourSession.last_event_id))
        .execution_options(synchronize_session=False))
    return len(fresh)


def _session(session_id: str, image: Image, annotator: Annotator, received: datetime) -> LabourSession:
    """The batch's session: issued by the editor page, or opened now by its first batch; only its owner's,
    on its own image."""
    session = db.session.get(LabourSession, session_id)
    if session is None:
        try:
            with db.session.begin_nested():
                session = LabourSession(id=session_id, annotator_id=annotator.id, image_id=image.id,
                                        opened_at=received, events=0, last_event_id=0)
                db.session.add(session)
        except IntegrityError:  # the same session's other batch opened it a moment ago
            session = db.session.get(LabourSession, session_id)
            if session is None:
                raise
    if session.annotator_id != annotator.id:
        raise Refused("session_id", "this labour session belongs to someone else", 403, title="not your session")
    if session.image_id != image.id:
        raise Refused("session_id", "this labour session is another image's editor page", 409, title="invalid events")
    return session


def _check_owner(image: Image, annotator: Annotator, events: list[Event]) -> None:
    """Events may name only the poster's own annotations on this image, or drawings in progress (ids with no
    stored annotation yet). In single-user mode everything is the user's, as the editor shows it."""
    named = {event.annotation for event in events if event.annotation is not None}
    if not named or not workshop.workshop_mode():
        return
    for client_id, image_id, owner in db.session.execute(
            select(Annotation.client_id, Annotation.image_id, Annotation.annotator_id)
            .where(Annotation.client_id.in_(sorted(named)))):
        if owner != annotator.id or image_id != image.id:
            raise Refused("events.annotation", f"{client_id} is not your annotation on this image: labour events "
                          "may name only your own work", 403, title="not your annotation")


def _claim_room(session_id: str, count: int) -> None:
    """Count `count` more events against the session's cap, atomically (the row's lock serialises batches)."""
    cap = current_app.config["ANNOTATOR"]["MAX_EVENTS_PER_SESSION"]
    claimed = db.session.execute(
        sql_update(LabourSession).where(LabourSession.id == session_id, LabourSession.events + count <= cap)
        .values(events=LabourSession.events + count).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise Refused("events", f"this editor session already holds the most events one session keeps ({cap}); "
                      "reload the editor to start a new session", 429, title="too many events",
                      retry_after=SESSION_FULL_RETRY_S)


def record_events(image: Image, batch: EventBatch, annotator: Annotator) -> int:
    """Events not tied to a save (zoom, pan, cancel, visibility): append and commit."""
    stored = _store_events(image, annotator, _events(batch))
    db.session.commit()
    return stored


def open_labour_session(annotator_id: int, image_id: int) -> LabourSession:
    """A new editor page's labour session, opened now on the server's clock (which bounds what its events may
    claim; see annotator/core/labour/)."""
    opened = LabourSession(id=secrets.token_urlsafe(18), annotator_id=annotator_id, image_id=image_id,
                           opened_at=utcnow(), events=0, last_event_id=0)
    db.session.add(opened)
    db.session.commit()
    return opened
