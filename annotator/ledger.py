"""The labour ledger as stored: reads events and annotations from the database, hands them to the pure
`labour` module, and joins the figures with images, classes and people for the API, pages, CLI and exports.

Who appears how: people are their export pseudonym (`annotator-1a2b3c4d`) unless `names=True`, which only
the instructor may ask for.
"""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import current_app
from sqlalchemy import select, text

from . import labour, room
from .coco import pseudonym, vertex_count
from .csv_cells import formula_safe
from .models import Annotation, Annotator, Category, Image, LabourEvent, LabourSession, db

DEFINITIONS = {
    "session": "One opening of the editor page, opened by the server. Its events are ordered by their sequence "
               "number, timed by the browser's monotonic clock and placed on the server's clock.",
    "idle_threshold_ms": "A pause between two actions counts in full up to this threshold and as the threshold "
                         "beyond it. Time with the tab hidden is capped the same way.",
    "draw_ms": "From the first vertex of the polygon (or of a part or hole added to it) until it was closed or "
               "cancelled.",
    "search_ms": "From the previous piece of work (opening the image, a close, an edit) to this polygon's first "
                 "vertex: finding and deciding on the object.",
    "edit_ms": "Time leading up to each later change of the polygon (moving, inserting or deleting vertices, "
               "moving it, changing its class, deleting it, undo and redo), with the selecting, zooming and "
               "panning on the way.",
    "other_ms": "Looking around at the end of a session with no work after it.",
    "active_ms": "Counted time credited to a session: draw + search + edit + other. A person's active time is the "
                 "union of their sessions' counted time on the server's clock: two tabs open at once never count "
                 "twice.",
    "overlap_ms": "Counted time of a session credited to another of the same person's sessions at the same moments: "
                  "a hidden tab gets nothing while another of theirs is visible, a pause in one tab spanning work "
                  "in another gets nothing, and input interleaved in two tabs is split evenly between them.",
    "clamped_ms": "Time a session's clock claimed beyond what the server saw pass since it opened the session (plus "
                  "the clock lead). The events are kept; the excess is not counted.",
    "clock_lead_ms": "How much more than the server saw pass a session's clock may claim (network delay, a page "
                     "opened just before the server recorded it).",
    "idle_ms": "Time dropped by the idle cap (shown so the figures can be audited: active + idle = wall clock).",
    "hidden_ms": "Time the browser tab was hidden, in full.",
    "clicks": "Vertices placed by hand (clicked, including snapped clicks). Traced and border-followed vertices "
              "are counted separately.",
    "deleted": "Deleted polygons keep their figures: the labour was spent.",
}


@dataclass(frozen=True)
class Scope:
    """Which part of the ledger: one image and/or one person's events; None means all."""

    image_id: int | None = None
    annotator_id: int | None = None


def idle_threshold_ms() -> float:
    return float(current_app.config["ANNOTATOR"]["IDLE_THRESHOLD_S"]) * 1000


def clock_lead_ms() -> float:
    return float(current_app.config["ANNOTATOR"]["CLOCK_LEAD_S"]) * 1000


EVENT_FIELDS = (LabourEvent.image_id, LabourEvent.session_id, LabourEvent.seq, LabourEvent.kind,
                LabourEvent.client_time_ms, LabourEvent.annotation_client_id, LabourEvent.data,
                LabourEvent.received_at, LabourEvent.sent_ms)
IN_CHUNK = 500  # ids per IN (...) list: well under every database's limit on bound parameters
CACHE_KEY = "annotator.labour_parts"


def _event_rows(scope: Scope) -> list[Any]:
    """Plain rows, not ORM objects: a room's ledger is tens of thousands of events."""
    query = (select(*EVENT_FIELDS, Annotator.public_id, Annotator.display_name, LabourSession.opened_at)
             .outerjoin(Annotator, Annotator.id == LabourEvent.annotator_id)
             .outerjoin(LabourSession, LabourSession.id == LabourEvent.session_id))
    if scope.image_id is not None:
        query = query.where(LabourEvent.image_id == scope.image_id)
    if scope.annotator_id is not None:
        query = query.where(LabourEvent.annotator_id == scope.annotator_id)
    return list(db.session.execute(query.order_by(LabourEvent.session_id, LabourEvent.seq)))


def _epoch_ms(moment: datetime | None) -> float | None:
    if moment is None:
        return None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).timestamp() * 1000


def _to_event(row: Any) -> labour.Event:
    return labour.Event(row.session_id, row.seq, row.kind, row.client_time_ms, row.annotation_client_id,
                        row.data or {}, _epoch_ms(row.received_at))


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _person(public_id: str | None, display_name: str | None, names: bool) -> dict[str, Any]:
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


def stored_sessions(scope: Scope = Scope(), *, whole_people: bool = True) -> list[StoredSession]:
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
                          room.PartKey(row.events, row.last_event_id, _epoch_ms(row.opened_at), row.annotator_id),
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


def _load_events(session_ids: list[str]) -> Iterator[labour.Event]:
    for start in range(0, len(session_ids), IN_CHUNK):
        chunk = session_ids[start:start + IN_CHUNK]
        for row in db.session.execute(select(*EVENT_FIELDS).where(LabourEvent.session_id.in_(chunk))):
            yield _to_event(row)


def part_cache() -> room.PartCache:
    return current_app.extensions.setdefault(CACHE_KEY, room.PartCache())


def computed(sessions: list[StoredSession], keep: Any = None, *, everything: bool = False) -> labour.Ledger:
    """The ledger of `sessions` from the per-session cache (only changed sessions read and computed again),
    credited person by person; figures of the sessions `keep` accepts (all by default)."""
    cache = part_cache()
    parts = cache.parts({session.id: session.key for session in sessions}, _load_events,
                        idle_threshold_ms(), clock_lead_ms(), everything=everything)
    return labour.combine(parts.values(), keep=keep, memo=cache.memo)


def report(scope: Scope = Scope(), *, names: bool = False) -> dict[str, Any]:
    """Every figure of the scope: per polygon, image, person, class and session, totals, and the room's
    cumulative hours. Durations in milliseconds, named `*_ms`; wall-clock moments in epoch milliseconds."""
    idle = idle_threshold_ms()
    stored = stored_sessions(scope)
    in_scope = {session.id: session for session in stored
                if (scope.image_id is None or session.image_id == scope.image_id)
                and (scope.annotator_id is None or session.annotator_id == scope.annotator_id)}
    led = computed(stored, keep=in_scope.__contains__, everything=scope == Scope())
    session_people = {key: _person(session.public_id, session.display_name, names)
                      for key, session in in_scope.items()}
    session_images = {key: session.image_id for key, session in in_scope.items()}

    polygons, seen = [], set()
    for row in _annotation_rows(list(led.polygons)):
        seen.add(row["annotation"])
        figures = led.polygons[row["annotation"]].as_dict()
        polygons.append({**figures, **{key: value for key, value in row.items() if key != "annotation"},
                         **_person(row["public_id"], row["display_name"], names)})
    for row in polygons:
        del row["public_id"], row["display_name"]
    polygons.sort(key=lambda row: (row["first_ms"] is None, row["first_ms"] or 0, row["id"]))
    cancelled = [figures for key, figures in ((k, p.as_dict()) for k, p in led.polygons.items()) if key not in seen]

    sessions = [{**session.as_dict(), **session_people[key], "image_id": session_images[key]}
                for key, session in led.sessions.items()]
    people: dict[str, dict[str, Any]] = {}
    for person, group in labour.group_by(polygons, "person").items():
        people[person] = {"person": person, **group}
    time_by_person: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for session, raw in zip(sessions, led.sessions.values(), strict=True):
        spent = time_by_person[session["person"]]
        for name in SESSION_SUMS:
            spent[name] += getattr(raw, name)  # unrounded: sums of rounded shares drift
        spent["sessions"] += 1
        if names and "name" in session:
            people.setdefault(session["person"], {"person": session["person"], **labour.summarise([])})
            people[session["person"]]["name"] = session["name"]
    for person, spent in time_by_person.items():
        entry = people.setdefault(person, {"person": person, **labour.summarise([])})
        entry.update({"active_ms": round(spent["active_ms"], 1), "other_ms": round(spent["other_ms"], 1),
                      "session_idle_ms": round(spent["idle_ms"], 1), "hidden_ms": round(spent["hidden_ms"], 1),
                      "clamped_ms": round(spent["clamped_ms"], 1), "overlap_ms": round(spent["overlap_ms"], 1),
                      "sessions": int(spent["sessions"])})

    images = []
    file_names = {row["image_id"]: row["file_name"] for row in polygons}
    active_by_image: dict[int, float] = defaultdict(float)
    for session, raw in zip(sessions, led.sessions.values(), strict=True):
        active_by_image[session["image_id"]] += raw.active_ms
    missing = set(active_by_image) - set(file_names)
    if missing:
        rows = db.session.execute(select(Image.id, Image.file_name).where(Image.id.in_(missing))).all()
        file_names.update((image_id, file_name) for image_id, file_name in rows)
    by_image = labour.group_by(polygons, "image_id")
    for image_id in sorted(set(by_image) | set(active_by_image)):
        images.append({"image_id": image_id, "file_name": file_names.get(image_id),
                       **(by_image.get(image_id) or labour.summarise([])),
                       "active_ms": round(active_by_image.get(image_id, 0.0), 1)})
    classes = [{"category": name, "category_id": group_rows[0]["category_id"], "colour": group_rows[0]["colour"],
                **labour.summarise(group_rows)}
               for name, group_rows in _grouped(polygons, "category").items()]

    raw_sum = {name: round(sum(getattr(raw, name) for raw in led.sessions.values()), 1) for name in SESSION_SUMS}
    totals = {**labour.summarise(polygons),
              "active_ms": raw_sum["active_ms"], "other_ms": raw_sum["other_ms"],
              "session_idle_ms": raw_sum["idle_ms"], "hidden_ms": raw_sum["hidden_ms"],
              "clamped_ms": raw_sum["clamped_ms"], "overlap_ms": raw_sum["overlap_ms"],
              "clamped_sessions": sum(1 for session in sessions if session["clamped_ms"] > 0),
              "sessions": len(sessions), "people": len(people), "images": len(images),
              "cancelled_drawings": len(cancelled), "cancelled_ms": round(sum(c["total_ms"] for c in cancelled), 1)}
    return {"idle_threshold_ms": idle, "clock_lead_ms": clock_lead_ms(), "definitions": DEFINITIONS,
            "names": names, "totals": totals,
            "polygons": polygons, "cancelled": cancelled, "images": images, "people": list(people.values()),
            "classes": sorted(classes, key=lambda row: -row["total_ms"]),
            "sessions": sorted(sessions, key=lambda s: (s["started_ms"] is None, s["started_ms"] or 0)),
            "cumulative": [{"at_ms": at, "hours": hours} for at, hours in labour.cumulative_hours(polygons)]}


SESSION_SUMS = ("active_ms", "other_ms", "idle_ms", "hidden_ms", "clamped_ms", "overlap_ms")


def _annotation_rows(client_ids: list[str]) -> list[dict[str, Any]]:
    """What the report shows of each annotation beside its figures (not its figures). Vertex counts are kept by
    annotation id and version (reading every outline's parts for each report is most of its time)."""
    found = []
    counts = current_app.extensions.setdefault(VERTEX_COUNTS_KEY, {})
    for start in range(0, len(client_ids), IN_CHUNK):
        for row in db.session.execute(
                select(Annotation.client_id, Annotation.id, Annotation.image_id, Annotation.deleted,
                       Annotation.version, Image.file_name, Category.name, Category.id.label("category_id"),
                       Category.colour, Annotator.public_id, Annotator.display_name)
                .join(Category, Category.id == Annotation.category_id).join(Image, Image.id == Annotation.image_id)
                .outerjoin(Annotator, Annotator.id == Annotation.annotator_id)
                .where(Annotation.client_id.in_(client_ids[start:start + IN_CHUNK]))):
            found.append({"annotation": row.client_id, "id": row.id, "image_id": row.image_id,
                          "file_name": row.file_name, "category": row.name, "category_id": row.category_id,
                          "colour": row.colour, "public_id": row.public_id, "display_name": row.display_name,
                          "deleted": row.deleted, "vertices": (row.id, row.version)})
    wanted = [row["id"] for row in found if counts.get(row["id"], (None,))[0] != row["vertices"][1]]
    for start in range(0, len(wanted), IN_CHUNK):
        for annotation_id, version, parts in db.session.execute(
                select(Annotation.id, Annotation.version, Annotation.parts)
                .where(Annotation.id.in_(wanted[start:start + IN_CHUNK]))):
            counts[annotation_id] = (version, vertex_count(parts))
    for row in found:
        known = counts.get(row["id"])
        row["vertices"] = known[1] if known is not None else 0
    return found


VERTEX_COUNTS_KEY = "annotator.labour_vertex_counts"


def _grouped(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def for_images(image_ids: list[int]) -> labour.Ledger:
    """The ledger of some images' sessions (a session never spans two images, so each is whole), credited
    against their people's other sessions."""
    if not image_ids:
        return labour.Ledger({}, {})
    wanted = set(image_ids)
    on_images = select(LabourSession.annotator_id).where(LabourSession.image_id.in_(image_ids))
    people = {row[0] for row in db.session.execute(on_images)}
    stored = [session for session in stored_sessions()
              if session.image_id in wanted or (session.annotator_id is not None and session.annotator_id in people)]
    keep = {session.id for session in stored if session.image_id in wanted}
    return computed(stored, keep=keep.__contains__)


TIMING_FIELDS = ("total_ms", "draw_ms", "search_ms", "edit_ms", "idle_ms", "vertices_placed", "clicks", "traced",
                 "snapped", "followed", "edits", "undos", "redos", "sessions")


def timings(polygon: labour.PolygonLabour) -> dict[str, Any]:
    """One annotation's figures as the COCO export carries them (`attributes.timings`)."""
    figures = polygon.as_dict()
    return {name: (len(figures[name]) if name == "sessions" else figures[name]) for name in TIMING_FIELDS}


def image_figures(image_id: int, annotator_id: int | None, current_session: str | None) -> dict[str, Any]:
    """What the editor shows: each polygon's time and clicks, and the image's human time in other sessions
    (the page adds its own session's time live)."""
    stored = stored_sessions(Scope(image_id=image_id, annotator_id=annotator_id))
    idle = idle_threshold_ms()
    on_image = {session.id for session in stored if session.image_id == image_id}
    led = computed(stored, keep=on_image.__contains__)
    keep = ("total_ms", "draw_ms", "search_ms", "edit_ms", "clicks", "vertices_placed", "traced", "snapped",
            "followed", "edits", "undos", "redos")
    return {"idle_threshold_ms": idle,
            "polygons": {key: {name: value for name, value in polygon.as_dict().items() if name in keep}
                         for key, polygon in led.polygons.items()},
            "active_ms": round(sum(s.active_ms for s in led.sessions.values()), 1),
            "other_sessions_active_ms": round(sum(s.active_ms for key, s in led.sessions.items()
                                                  if key != current_session), 1)}


def replay(image_id: int, annotator_id: int | None, annotation: str | None) -> dict[str, Any]:
    """The image's events on the labour clock, for the replay page; with `annotation`, that polygon's only."""
    rows = _event_rows(Scope(image_id=image_id, annotator_id=annotator_id))
    timeline = labour.replay((_to_event(row) for row in rows), idle_threshold_ms())
    if annotation is not None:
        timeline = [step for step in timeline if step["annotation"] == annotation]
        start = timeline[0]["at_ms"] if timeline else 0.0
        timeline = [{**step, "at_ms": round(step["at_ms"] - start, 1)} for step in timeline]
    return {"image_id": image_id, "idle_threshold_ms": idle_threshold_ms(), "annotation": annotation,
            "duration_ms": timeline[-1]["at_ms"] if timeline else 0.0, "events": timeline}


EVENT_COLUMNS = ("image_id", "session", "seq", "kind", "t_ms", "sent_ms", "received_at", "opened_at", "annotation",
                 "person",
                 "name", "data")


def events_csv(scope: Scope = Scope(), *, names: bool = False) -> Iterator[str]:
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
    for row in sorted(_event_rows(scope), key=lambda r: (r.image_id, r.session_id, r.seq)):
        person = _person(row.public_id, row.display_name, names)
        values = {"image_id": row.image_id, "session": row.session_id, "seq": row.seq, "kind": row.kind,
                  "t_ms": row.client_time_ms, "sent_ms": row.sent_ms,
                  "received_at": row.received_at.isoformat() if row.received_at else "",
                  "opened_at": _aware(row.opened_at).isoformat() if row.opened_at else "",
                  "annotation": row.annotation_client_id or "", "person": person["person"],
                  "name": person.get("name", ""), "data": json.dumps(row.data or {}, sort_keys=True)}
        writer.writerow([formula_safe(values[column]) for column in columns])
        yield flush()


def annotator_by_public_id(public_id: str) -> Annotator | None:
    return db.session.scalar(select(Annotator).where(Annotator.public_id == public_id))


def find_annotator(value: str) -> Annotator | None:
    """By public id, export pseudonym or display name (the first match)."""
    for annotator in db.session.scalars(select(Annotator).order_by(Annotator.id)):
        if value in (annotator.public_id, pseudonym(annotator.public_id), annotator.display_name):
            return annotator
    return None
