"""Reading the stored ledger: sessions and events from the database into the pure `labour` module's types,
through the per-session cache; the raw events as CSV; people by any name they go by."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select, text

from annotator.core import labour
from annotator.core import live as room
from annotator.core.coco import pseudonym
from annotator.core.csv_cells import formula_safe
from annotator.store.models import Annotator, LabourEvent, LabourSession, db


@dataclass(frozen=True)
class Scope:
    """Which part of the ledger: one image and/or one person's events; None means all."""

    image_id: int | None = None
    annotator_id: int | None = None


EVERYTHING = Scope()  # the whole ledger: every image, everyone


def idle_threshold_ms() -> float:
    return float(current_app.config["ANNOTATOR"]["IDLE_THRESHOLD_S"]) * 1000


def clock_lead_ms() -> float:
    return float(current_app.config["ANNOTATOR"]["CLOCK_LEAD_S"]) * 1000


EVENT_FIELDS = (LabourEvent.image_id, LabourEvent.session_id, LabourEvent.seq, LabourEvent.kind,
                LabourEvent.client_time_ms, LabourEvent.annotation_client_id, LabourEvent.data,
                LabourEvent.received_at, LabourEvent.sent_ms)
IN_CHUNK = 500  # ids per IN (...) list: well under every database's limit on bound parameters
CACHE_KEY = "annotator.labour_parts"


def event_rows(scope: Scope) -> list[Any]:
    """Plain rows, not ORM objects: a room's ledger is tens of thousands of events."""
    query = (select(*EVENT_FIELDS, Annotator.public_id, Annotator.display_name, LabourSession.opened_at)
             .outerjoin(Annotator, Annotator.id == LabourEvent.annotator_id)
             .outerjoin(LabourSession, LabourSession.id == LabourEvent.session_id))
    if scope.image_id is not None:
        query = query.where(LabourEvent.image_id == scope.image_id)
    if scope.annotator_id is not None:
        query = query.where(LabourEvent.annotator_id == scope.annotator_id)
    return list(db.session.execute(query.order_by(LabourEvent.session_id, LabourEvent.seq)))


def epoch_ms(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000


def to_event(row: Any) -> labour.Event:
    return labour.Event(row.session_id, row.seq, row.kind, row.client_time_ms, row.annotation_client_id,
                        row.data or {}, epoch_ms(row.received_at))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def person_entry(public_id: str | None, display_name: str | None, names: bool) -> dict[str, Any]:
    label = pseudonym(public_id) if public_id else "imported"
    return {"person": label, **({"name": display_name} if names and public_id else {})}


@dataclass(frozen=True)
class StoredSession:
    """A labour session as the labour_session table has it (no events read)."""

    id: str
    annotator_id: int | None
    image_id: int
    key: room.PartKey
    public_id: str | None
    display_name: str | None


def stored_sessions(scope: Scope = EVERYTHING, *, whole_people: bool = True) -> list[StoredSession]:
    """The sessions of a scope. With `whole_people`, every session of anyone who has one in the scope: a
    person's time is the union over all their sessions, so the scope's figures depend on their other sessions."""
    query = (select(LabourSession.id, LabourSession.annotator_id, LabourSession.image_id, LabourSession.opened_at,
                    LabourSession.events, LabourSession.last_event_id, Annotator.public_id, Annotator.display_name)
             .outerjoin(Annotator, Annotator.id == LabourSession.annotator_id).where(LabourSession.events > 0))
    if scope.annotator_id is not None:
        query = query.where(LabourSession.annotator_id == scope.annotator_id)
    if scope.image_id is not None:
        on_image = select(LabourSession.annotator_id).where(LabourSession.image_id == scope.image_id)
        if whole_people:
            query = query.where((LabourSession.annotator_id.in_(on_image.where(
                LabourSession.annotator_id.is_not(None)))) | (LabourSession.image_id == scope.image_id))
        else:
            query = query.where(LabourSession.image_id == scope.image_id)
    return [StoredSession(row.id, row.annotator_id, row.image_id,
                          room.PartKey(row.events, row.last_event_id, epoch_ms(row.opened_at), row.annotator_id),
                          row.public_id, row.display_name)
            for row in db.session.execute(query)]


def recount_sessions() -> None:
    """Bring the labour_session table in line with the stored events, for events written other than by a save
    (a fixture, a hand repair): sessions never opened are opened at their first batch, every session recounted.
    The ledger's caches key each session by its count and largest event id."""
    db.session.execute(text(
        "INSERT INTO labour_session (id, annotator_id, image_id, opened_at, events, last_event_id) "
        "SELECT session_id, MIN(annotator_id), MIN(image_id), MIN(received_at), 0, 0 FROM labour_event "
        "WHERE session_id NOT IN (SELECT id FROM labour_session) GROUP BY session_id"))
    db.session.execute(text(
        "UPDATE labour_session SET "
        "events = (SELECT COUNT(*) FROM labour_event WHERE labour_event.session_id = labour_session.id), "
        "last_event_id = COALESCE((SELECT MAX(id) FROM labour_event "
        "WHERE labour_event.session_id = labour_session.id), 0)"))
    db.session.commit()


def _events_up_to(last_event_ids: dict[str, int]) -> Callable[[list[str]], Iterator[labour.Event]]:
    """A loader of sessions' events up to the largest event id their labour_session row had when it was read:
    the figures are those of the key they are cached under, and an export carries exactly the events its
    figures were computed from, though a batch lands in between (`annotator labour verify` recomputes them)."""
    def load(session_ids: list[str]) -> Iterator[labour.Event]:
        for start in range(0, len(session_ids), IN_CHUNK):
            chunk = session_ids[start:start + IN_CHUNK]
            for row in db.session.execute(select(LabourEvent.id, *EVENT_FIELDS)
                                          .where(LabourEvent.session_id.in_(chunk))):
                if row.id <= last_event_ids[row.session_id]:
                    yield to_event(row)
    return load


def part_cache() -> room.PartCache:
    return current_app.extensions.setdefault(CACHE_KEY, room.PartCache())


def computed(sessions: list[StoredSession], keep: Any = None, *, everything: bool = False) -> labour.Ledger:
    """The ledger of `sessions` from the per-session cache (only changed sessions read and computed again),
    credited person by person; figures of the sessions `keep` accepts (all by default)."""
    cache = part_cache()
    loader = _events_up_to({session.id: session.key.last_event_id for session in sessions})
    parts = cache.parts({session.id: session.key for session in sessions}, loader,
                        idle_threshold_ms(), clock_lead_ms(), everything=everything)
    return labour.combine(parts.values(), keep=keep, memo=cache.memo)


EVENT_COLUMNS = ("image_id", "session", "seq", "kind", "t_ms", "sent_ms", "received_at", "opened_at", "annotation",
                 "person",
                 "name", "data")


def events_csv(scope: Scope = EVERYTHING, *, names: bool = False) -> Iterator[str]:
    """The raw ledger as CSV lines, ordered by image, session and seq; `data` as JSON text."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = EVENT_COLUMNS if names else tuple(c for c in EVENT_COLUMNS if c != "name")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(columns)
    yield flush()
    for row in sorted(event_rows(scope), key=lambda r: (r.image_id, r.session_id, r.seq)):
        person = person_entry(row.public_id, row.display_name, names)
        values = {"image_id": row.image_id, "session": row.session_id, "seq": row.seq, "kind": row.kind,
                  "t_ms": row.client_time_ms, "sent_ms": row.sent_ms,
                  "received_at": row.received_at.isoformat() if row.received_at else "",
                  "opened_at": _aware(row.opened_at).isoformat() if row.opened_at else "",
                  "annotation": row.annotation_client_id or "", "person": person["person"],
                  "name": person.get("name", ""), "data": json.dumps(row.data or {}, sort_keys=True)}
        writer.writerow([formula_safe(values[column]) for column in columns])
        yield flush()


def find_annotator(value: str) -> Annotator | None:
    """By public id, export pseudonym or display name (the first match)."""
    for annotator in db.session.scalars(select(Annotator).order_by(Annotator.id)):
        if value in (annotator.public_id, pseudonym(annotator.public_id), annotator.display_name):
            return annotator
    return None
