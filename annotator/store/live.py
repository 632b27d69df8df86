"""The instructor's live view of the room, as figures: a few grouped queries give plain rows, `core.live` turns
them into figures. Human time comes from the labour ledger through its per-session cache (`ledger.computed`,
`room.PartCache`), so a poll recomputes only the sessions whose events changed since the last one."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from annotator.core import labour
from annotator.core import live as room
from annotator.core.coco import pseudonym
from annotator.store import ledger
from annotator.store.models import Annotation, Annotator, Image, LabourEvent, db


def live_figures() -> dict[str, Any]:
    """The room right now: each person's status, latest image, objects and active time, and the totals (the
    images without their thumbnail's address, which the web adds)."""
    now = datetime.now(UTC)
    # Every session's key from the labour_session table (no scan of the ledger), and each person's latest event.
    stored = ledger.stored_sessions()
    led = ledger.computed(stored, everything=True)
    active_ms = room.active_by_person(led)
    latest_id: dict[int, int] = {}
    for session in stored:
        if session.annotator_id is not None:
            latest_id[session.annotator_id] = max(session.key.last_event_id, latest_id.get(session.annotator_id, 0))

    last_events = {row.annotator_id: room.LastEvent(row.image_id, row.file_name, ledger.epoch_ms(row.received_at))
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
    result = room.figures(people, last_events, objects, active_ms, ledger.epoch_ms(now),
                          current_app.config["ANNOTATOR"]["IDLE_THRESHOLD_S"])
    clamped = _clamped_by_person(stored, led)
    for person in result["people"]:
        person["clamped_ms"] = clamped.get(person["id"], 0.0)
    result["totals"]["clamped_ms"] = round(sum(session.clamped_ms for session in led.sessions.values()), 1)
    return {"now": now.isoformat(), **result}


def _clamped_by_person(stored: list[ledger.StoredSession], led: labour.Ledger) -> dict[str, float]:
    """Time each person's sessions claimed beyond what the server saw pass (by pseudonym): shown, not counted."""
    clamped: dict[str, float] = {}
    for session in stored:
        figures = led.sessions.get(session.id)
        if figures is not None and figures.clamped_ms and session.public_id:
            key = pseudonym(session.public_id)
            clamped[key] = round(clamped.get(key, 0.0) + figures.clamped_ms, 1)
    return clamped
