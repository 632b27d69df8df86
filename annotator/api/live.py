"""The instructor's live view of the room, polled by /live: GET /api/workshop/live.

A thin shell: a few grouped queries give plain rows, `room` turns them into figures. Human time comes from the
labour ledger through `room.SessionCache`, kept in `app.extensions`, so a poll recomputes only the sessions whose
events changed since the last one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from flask import current_app, jsonify, url_for
from pydantic import BaseModel, Field
from sqlalchemy import func, select

from .. import labour, room
from ..auth import admin_required
from ..coco import pseudonym
from ..ledger import idle_threshold_ms
from ..models import Annotation, Annotator, Image, LabourEvent, db
from . import bp
from .contract import contract

CACHE_KEY = "annotator.room_sessions"
IN_CHUNK = 500  # session ids per IN (...) list: well under every database's limit on bound parameters


def session_cache() -> room.SessionCache:
    return current_app.extensions.setdefault(CACHE_KEY, room.SessionCache())


def _epoch_ms(moment: datetime) -> float:
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000


def _load_sessions(wanted: Mapping[str, int]) -> list[tuple[int, int | None, labour.Event]]:
    """The events of some sessions, those with an id above the one given per session (0: all), without `data`
    and the wall clock: a session's active time depends only on its events' order and clock (`labour.ledger`),
    and leaving the JSON out keeps the first poll of a long workshop quick."""
    columns = (LabourEvent.id, LabourEvent.annotator_id, LabourEvent.session_id, LabourEvent.seq, LabourEvent.kind,
               LabourEvent.client_time_ms)
    loaded: list[tuple[int, int | None, labour.Event]] = []
    whole = sorted(session for session, after in wanted.items() if not after)
    newer = sorted(session for session, after in wanted.items() if after)
    for start in range(0, len(whole), IN_CHUNK):
        query = select(*columns).where(LabourEvent.session_id.in_(whole[start:start + IN_CHUNK]))
        loaded.extend(_rows(query))
    for start in range(0, len(newer), IN_CHUNK):
        chunk = newer[start:start + IN_CHUNK]
        # The rows added since the last poll: one range of ids for the chunk, each session's own bound applied here.
        query = select(*columns).where(LabourEvent.session_id.in_(chunk),
                                       LabourEvent.id > min(wanted[session] for session in chunk))
        loaded.extend(row for row in _rows(query) if row[0] > wanted[row[2].session])
    return loaded


def _rows(query: Any) -> Iterator[tuple[int, int | None, labour.Event]]:
    for row in db.session.execute(query):
        yield row.id, row.annotator_id, labour.Event(row.session_id, row.seq, row.kind, row.client_time_ms)


def live_figures() -> dict[str, Any]:
    now = datetime.now(UTC)
    # One scan of the ledger: each session's key, and each person's latest event id.
    keys: dict[str, room.SessionKey] = {}
    latest_id: dict[int, int] = {}
    for session_id, annotator_id, count, min_id, max_id in db.session.execute(
            select(LabourEvent.session_id, LabourEvent.annotator_id, func.count(LabourEvent.id),
                   func.min(LabourEvent.id), func.max(LabourEvent.id))
            .group_by(LabourEvent.session_id, LabourEvent.annotator_id)):
        known = keys.get(session_id)
        keys[session_id] = (room.SessionKey(count, min_id, max_id) if known is None else  # a session of two people
                            room.SessionKey(known.count + count, min(known.min_id, min_id),
                                            max(known.max_id, max_id)))
        if annotator_id is not None:
            latest_id[annotator_id] = max(max_id, latest_id.get(annotator_id, 0))
    active_ms = session_cache().active_ms(keys, _load_sessions, idle_threshold_ms())

    last_events = {row.annotator_id: room.LastEvent(row.image_id, row.file_name, _epoch_ms(row.received_at))
                   for row in db.session.execute(
                       select(LabourEvent.annotator_id, LabourEvent.image_id, LabourEvent.received_at,
                              Image.file_name).join(Image, Image.id == LabourEvent.image_id)
                       .where(LabourEvent.id.in_(list(latest_id.values()))))} if latest_id else {}
    objects = {(annotator_id, image_id): count for annotator_id, image_id, count in db.session.execute(
        select(Annotation.annotator_id, Annotation.image_id, func.count(Annotation.id))
        .where(Annotation.deleted.is_(False), Annotation.annotator_id.is_not(None))
        .group_by(Annotation.annotator_id, Annotation.image_id))}
    # Everyone who joined, and anyone else with labour on record (the instructor drawing a demonstration).
    people = [room.Person(row.id, pseudonym(row.public_id), row.display_name)
              for row in db.session.execute(select(Annotator.id, Annotator.public_id, Annotator.display_name,
                                                   Annotator.role))
              if row.role != "instructor" or row.id in latest_id]
    result = room.figures(people, last_events, objects, active_ms, _epoch_ms(now),
                          current_app.config["ANNOTATOR"]["IDLE_THRESHOLD_S"])
    for person in result["people"]:
        if person["image"] is not None:
            person["image"]["thumbnail_url"] = url_for("serving.thumbnail", image_id=person["image"]["id"])
    return {"now": now.isoformat(), **result}


class LiveImage(BaseModel):
    id: int
    file_name: str
    thumbnail_url: str


class LivePerson(BaseModel):
    id: str = Field(description="pseudonym")
    name: str
    status: Literal[room.STATUSES]  # type: ignore[valid-type]
    image: LiveImage | None = Field(description="the image of their latest labour event")
    last_seen_s: float | None = Field(description="seconds since their latest labour event; null: none yet")
    objects: int
    objects_on_image: int
    active_ms: float


class LiveTotals(BaseModel):
    people: int
    active_now: int
    objects: int
    active_ms: float = Field(description="everyone's, sessions of no known person included")


class LiveRoom(BaseModel):
    now: str
    idle_threshold_s: float
    people: list[LivePerson]
    totals: LiveTotals


@bp.get("/workshop/live")
@admin_required
@contract(ok=LiveRoom, tags=["workshop"])
def workshop_live():
    """The room right now (instructor only): each person's status, image, objects and active time."""
    return jsonify(live_figures())
