"""Annotations as stored: create, edit and delete through the geometry core, with optimistic
versions, client ids that make retries harmless, and the labour events that ride along with saves.

Request payloads arrive here already parsed as JSON; everything they carry is checked here, with
`PayloadError` naming the field and the problem.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import current_app
from sqlalchemy import case, select
from sqlalchemy import update as sql_update
from sqlalchemy.exc import IntegrityError

from annotator.core import flags as flag_rules
from annotator.core import geometry
from annotator.core.schemas.flags import Flag, flag_from_raw
from annotator.store import flags, workshop
from annotator.store.models import Annotation, Annotator, Category, Image, LabourEvent, LabourSession, db, utcnow
from annotator.store.versions import VersionConflict, claim_version

CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
EVENT_KIND = re.compile(r"^[a-z][a-z0-9_.:-]{0,31}$")
MAX_EVENTS_PER_REQUEST = 5000
SESSION_FULL_RETRY_S = 60  # a full session stays full: the page should reload, not hammer
MAX_EVENT_DATA_KEYS = 20
MAX_ATTRIBUTE_KEYS = 20
MAX_ATTRIBUTE_KEY_LENGTH = 64
MAX_ATTRIBUTE_TEXT_LENGTH = 2000


class PayloadError(ValueError):
    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.status = field, status


@dataclass
class SaveResult:
    annotation: Annotation
    created: bool
    repairs: tuple[str, ...]
    events_stored: int


def pseudonym(annotator: Annotator | None) -> str | None:
    return f"annotator-{annotator.public_id[:8]}" if annotator else None


def _require(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise PayloadError("body", "expected a JSON object", status=400)
    return payload


def _category(raw: Any) -> Category:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise PayloadError("category_id", "must be a whole number")
    category = db.session.get(Category, raw)
    if category is None or category.archived:
        raise PayloadError("category_id", f"there is no active class {raw}")
    return category


def _attributes(raw: Any, current: dict[str, Any] | None = None) -> dict[str, Any]:
    if raw is None:
        return dict(current or {})
    if not isinstance(raw, dict) or len(raw) > MAX_ATTRIBUTE_KEYS:
        raise PayloadError("attributes", f"must be an object of at most {MAX_ATTRIBUTE_KEYS} keys")
    merged = dict(current or {})
    for key, value in raw.items():
        if key in {"repairs", "source", "flag"}:
            continue  # written by the server only (a flag is the `flag` field of a save)
        if len(key) > MAX_ATTRIBUTE_KEY_LENGTH:
            raise PayloadError("attributes", f"a key is longer than {MAX_ATTRIBUTE_KEY_LENGTH} characters")
        if not isinstance(value, str | int | float | bool) or (isinstance(value, str)
                                                               and len(value) > MAX_ATTRIBUTE_TEXT_LENGTH):
            raise PayloadError(f"attributes.{key}", f"must be a text of at most {MAX_ATTRIBUTE_TEXT_LENGTH} "
                                                    "characters, a number or true/false")
        merged[key] = value
    return merged


def _shape(raw_parts: Any, image: Image) -> geometry.Shape:
    try:
        return geometry.shape_from_parts(raw_parts, image.width, image.height,
                                         min_area=current_app.config["ANNOTATOR"]["MIN_PART_AREA"])
    except geometry.GeometryError as exc:
        raise PayloadError("parts", str(exc)) from exc


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


def create(image: Image, payload: Any, annotator: Annotator, *, instructor: bool = False) -> SaveResult:
    """A new annotation, or the one already made under the same client id (a retried request)."""
    payload = _require(payload)
    client_id = payload.get("client_id")
    if not isinstance(client_id, str) or not CLIENT_ID.match(client_id):
        raise PayloadError("client_id", "8-64 letters, digits, '-' or '_' made by the editor")
    existing = db.session.scalar(select(Annotation).where(Annotation.client_id == client_id))
    if existing is not None:
        return _same_create(existing, image, annotator, payload)
    flag_given, flag_request = _flag_payload(payload)
    # "None of the classes fits" may come without a pick; otherwise a class is needed.
    raw_category = payload.get("category_id")
    category_id = None if flag_request is not None and raw_category is None else _category(raw_category).id
    shape = _shape(payload.get("parts"), image)
    void_id = flags.void_category().id if flag_given else None  # may commit: nothing is pending yet
    annotation = Annotation(client_id=client_id, image_id=image.id, category_id=category_id,
                            annotator_id=annotator.id, attributes=_attributes(payload.get("attributes")),
                            iscrowd=False, version=1)
    _save_flag(annotation, void_id, category_id, flag_given, flag_request, instructor)
    _apply_shape(annotation, shape)
    events = parse_events(payload, default_annotation=client_id)
    db.session.add(annotation)
    try:
        db.session.flush()
    except IntegrityError:
        # The same client id was created by a concurrent request a moment ago: answer with that one.
        db.session.rollback()
        existing = db.session.scalar(select(Annotation).where(Annotation.client_id == client_id))
        if existing is None:
            raise
        return _same_create(existing, image, annotator, payload)
    stored = _store_events(image, annotator, events)
    db.session.commit()
    return SaveResult(annotation, True, shape.repairs, stored)


def _same_create(existing: Annotation, image: Image, annotator: Annotator, payload: dict) -> SaveResult:
    if existing.image_id != image.id or existing.annotator_id != annotator.id:
        raise PayloadError("client_id", "already used for another annotation", status=409)
    stored = _store_events(image, annotator, parse_events(payload, default_annotation=existing.client_id))
    db.session.commit()
    return SaveResult(existing, False, tuple((existing.attributes or {}).get("repairs", ())), stored)


def update(annotation: Annotation, payload: Any, annotator: Annotator, *, instructor: bool = False) -> SaveResult:
    """Change parts, class or attributes of the version the editor based its edit on (409 if stale)."""
    payload = _require(payload)
    _check_version(annotation, payload.get("version"))
    flag_given, flag_request = _flag_payload(payload)
    # Looked up before anything changes, since making the void class commits.
    void_id = flags.void_category().id if flag_given or annotation.flag is not None else None
    claim_version(annotation)
    restore = payload.get("deleted") is False
    if "deleted" in payload and not isinstance(payload["deleted"], bool):
        raise PayloadError("deleted", "must be false (to restore) or left out")
    if annotation.deleted and not restore:
        raise VersionConflict(annotation, "deleted")
    if restore:
        annotation.deleted = False  # undoing a delete keeps the annotation's identity and its ledger
    repairs: tuple[str, ...] = ()
    if "parts" in payload:
        shape = _shape(payload["parts"], annotation.image)
        _apply_shape(annotation, shape)
        repairs = shape.repairs
    category_id = _category(payload["category_id"]).id if "category_id" in payload else None
    _save_flag(annotation, void_id, category_id, flag_given, flag_request, instructor)
    if "attributes" in payload:
        annotation.attributes = _attributes(payload["attributes"], annotation.attributes)
    events = parse_events(payload, default_annotation=annotation.client_id)
    annotation.updated_at = utcnow()
    stored = _store_events(annotation.image, annotator, events)
    db.session.commit()
    return SaveResult(annotation, False, repairs, stored)


def _flag_payload(payload: dict[str, Any]) -> tuple[bool, Flag | None]:
    """Whether the save sends `flag`, and the flag it sets (None: cleared)."""
    if "flag" not in payload:
        return False, None
    return True, flag_from_raw(payload["flag"])


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
        raise PayloadError("category_id", "must be a whole number")
    flag_rules.apply_state(annotation, state)


def delete(annotation: Annotation, payload: Any, annotator: Annotator) -> SaveResult:
    """Mark deleted (the work stays in the ledger); deleting twice is harmless."""
    payload = _require(payload)
    events = parse_events(payload, default_annotation=annotation.client_id)
    if annotation.deleted:
        stored = _store_events(annotation.image, annotator, events)
        db.session.commit()
        return SaveResult(annotation, False, (), stored)
    _check_version(annotation, payload.get("version"))
    claim_version(annotation)
    annotation.deleted = True
    annotation.updated_at = utcnow()
    stored = _store_events(annotation.image, annotator, events)
    db.session.commit()
    return SaveResult(annotation, False, (), stored)


def _check_version(annotation: Annotation, version: Any) -> None:
    if isinstance(version, bool) or not isinstance(version, int):
        raise PayloadError("version", "send the version your edit is based on")
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


def parse_events(payload: dict[str, Any], default_annotation: str | None = None) -> list[Event]:
    """The `events` of a save: ordered, plausible and bounded, or a PayloadError naming the first fault."""
    raw = payload.get("events")
    if raw is None:
        return []
    session_id = payload.get("session_id")
    if not isinstance(session_id, str) or not CLIENT_ID.match(session_id):
        raise PayloadError("session_id", "events need the editor's session id (8-64 letters, digits, '-', '_')", 400)
    if not isinstance(raw, list):
        raise PayloadError("events", "must be a list", 400)
    sent = payload.get("sent_t")
    max_age = current_app.config["ANNOTATOR"].get("MAX_EVENT_SPAN_MS", 7 * 86400 * 1000)
    if isinstance(sent, bool) or not isinstance(sent, int | float) or not (math.isfinite(sent)
                                                                           and 0 <= sent <= max_age):
        raise PayloadError("sent_t", "events need the sender's clock when sending (milliseconds since the page "
                           "opened, at most a week)", 400)
    if len(raw) > MAX_EVENTS_PER_REQUEST:
        raise PayloadError("events", f"at most {MAX_EVENTS_PER_REQUEST} events per request", status=413)
    events: list[Event] = []
    for index, item in enumerate(raw):
        where = f"events[{index}]"
        if not isinstance(item, dict):
            raise PayloadError(where, "must be an object", 400)
        seq, kind, t_ms = item.get("seq"), item.get("kind"), item.get("t")
        if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
            raise PayloadError(f"{where}.seq", "must be a whole number from 0", 400)
        if not isinstance(kind, str) or not EVENT_KIND.match(kind):
            raise PayloadError(f"{where}.kind", "must be a short lower-case name", 400)
        if isinstance(t_ms, bool) or not isinstance(t_ms, int | float) or not math.isfinite(t_ms) or t_ms < 0:
            raise PayloadError(f"{where}.t", "must be milliseconds since the page opened (a finite number >= 0)", 400)
        if events and (seq <= events[-1].seq or t_ms < events[-1].t_ms):
            raise PayloadError(where, "events must be in order: seq rising, time never going back", 400)
        annotation = item.get("annotation", default_annotation)
        if annotation is not None and (not isinstance(annotation, str) or not CLIENT_ID.match(annotation)):
            raise PayloadError(f"{where}.annotation", "must be an annotation's client id", 400)
        data = item.get("data", {})
        if not isinstance(data, dict) or len(data) > MAX_EVENT_DATA_KEYS or not all(
                isinstance(value, str | int | float | bool | None) or _is_point(value) for value in data.values()):
            raise PayloadError(f"{where}.data", f"must be an object of at most {MAX_EVENT_DATA_KEYS} simple values",
                               400)
        if t_ms > sent:
            raise PayloadError(f"{where}.t", "is later than the request's sent_t: an event from the future", 400)
        events.append(Event(session_id, seq, kind, float(t_ms), annotation, data, float(sent)))
    return events


def _is_point(value: Any) -> bool:
    return (isinstance(value, list) and len(value) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value))


class EventsRefused(PayloadError):
    """A batch of events refused as a whole: naming someone else's work (403) or past the session's cap (429)."""

    def __init__(self, field: str, message: str, status: int, error: str, retry_after: int | None = None) -> None:
        super().__init__(field, message, status)
        self.error, self.retry_after = error, retry_after


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
        raise EventsRefused("session_id", "this labour session belongs to someone else", 403, "not your session")
    if session.image_id != image.id:
        raise PayloadError("session_id", "this labour session is another image's editor page", 409)
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
            raise EventsRefused("events.annotation", f"{client_id} is not your annotation on this image: labour "
                                "events may name only your own work", 403, "not your annotation")


def _claim_room(session_id: str, count: int) -> None:
    """Count `count` more events against the session's cap, atomically (the row's lock serialises batches)."""
    cap = current_app.config["ANNOTATOR"]["MAX_EVENTS_PER_SESSION"]
    claimed = db.session.execute(
        sql_update(LabourSession).where(LabourSession.id == session_id, LabourSession.events + count <= cap)
        .values(events=LabourSession.events + count).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise EventsRefused("events", f"this editor session already holds the most events one session keeps "
                            f"({cap}); reload the editor to start a new session", 429, "too many events",
                            retry_after=SESSION_FULL_RETRY_S)


def record_events(image: Image, payload: Any, annotator: Annotator) -> int:
    """Events not tied to a save (zoom, pan, cancel, visibility): append and commit."""
    stored = _store_events(image, annotator, parse_events(_require(payload)))
    db.session.commit()
    return stored
