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
from sqlalchemy import select

from . import labour
from .coco import pseudonym, vertex_count
from .csv_cells import formula_safe
from .models import Annotation, Annotator, Category, Image, LabourEvent, db

DEFINITIONS = {
    "session": "One opening of the editor page. Its events are ordered by their sequence number and timed by "
               "the browser's monotonic clock.",
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
    "active_ms": "All counted time of a session: draw + search + edit + other.",
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


EVENT_FIELDS = (LabourEvent.image_id, LabourEvent.session_id, LabourEvent.seq, LabourEvent.kind,
                LabourEvent.client_time_ms, LabourEvent.annotation_client_id, LabourEvent.data,
                LabourEvent.received_at, LabourEvent.sent_ms)


def _event_rows(scope: Scope) -> list[Any]:
    """Plain rows, not ORM objects: a room's ledger is tens of thousands of events."""
    query = (select(*EVENT_FIELDS, Annotator.public_id, Annotator.display_name)
             .outerjoin(Annotator, Annotator.id == LabourEvent.annotator_id))
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


def _person(public_id: str | None, display_name: str | None, names: bool) -> dict[str, Any]:
    label = pseudonym(public_id) if public_id else "imported"
    return {"person": label, **({"name": display_name} if names and public_id else {})}


def report(scope: Scope = Scope(), *, names: bool = False) -> dict[str, Any]:
    """Every figure of the scope: per polygon, image, person, class and session, totals, and the room's
    cumulative hours. Durations in milliseconds, named `*_ms`; wall-clock moments in epoch milliseconds."""
    rows = _event_rows(scope)
    idle = idle_threshold_ms()
    led = labour.ledger((_to_event(row) for row in rows), idle)
    session_people: dict[str, dict[str, Any]] = {}
    session_images: dict[str, int] = {}
    for row in rows:
        session_people.setdefault(row.session_id, _person(row.public_id, row.display_name, names))
        session_images.setdefault(row.session_id, row.image_id)

    found = db.session.execute(
        select(Annotation, Category, Image.file_name, Annotator.public_id, Annotator.display_name)
        .join(Category, Category.id == Annotation.category_id).join(Image, Image.id == Annotation.image_id)
        .outerjoin(Annotator, Annotator.id == Annotation.annotator_id)
        .where(Annotation.client_id.in_(list(led.polygons)))) if led.polygons else []
    polygons, seen = [], set()
    for annotation, category, file_name, public_id, display_name in found:
        seen.add(annotation.client_id)
        figures = led.polygons[annotation.client_id].as_dict()
        polygons.append({**figures, "id": annotation.id, "image_id": annotation.image_id, "file_name": file_name,
                         "category": category.name, "category_id": category.id, "colour": category.colour,
                         **_person(public_id, display_name, names), "deleted": annotation.deleted,
                         "vertices": vertex_count(annotation.parts)})
    polygons.sort(key=lambda row: (row["first_ms"] is None, row["first_ms"] or 0, row["id"]))
    cancelled = [figures for key, figures in ((k, p.as_dict()) for k, p in led.polygons.items()) if key not in seen]

    sessions = [{**session.as_dict(), **session_people[key], "image_id": session_images[key]}
                for key, session in led.sessions.items()]
    people: dict[str, dict[str, Any]] = {}
    for person, group in labour.group_by(polygons, "person").items():
        people[person] = {"person": person, **group}
    time_by_person: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for session in sessions:
        spent = time_by_person[session["person"]]
        for name in ("active_ms", "other_ms", "idle_ms", "hidden_ms"):
            spent[name] += session[name]
        spent["sessions"] += 1
        if names and "name" in session:
            people.setdefault(session["person"], {"person": session["person"], **labour.summarise([])})
            people[session["person"]]["name"] = session["name"]
    for person, spent in time_by_person.items():
        entry = people.setdefault(person, {"person": person, **labour.summarise([])})
        entry.update({"active_ms": round(spent["active_ms"], 1), "other_ms": round(spent["other_ms"], 1),
                      "session_idle_ms": round(spent["idle_ms"], 1), "hidden_ms": round(spent["hidden_ms"], 1),
                      "sessions": int(spent["sessions"])})

    images = []
    file_names = {row["image_id"]: row["file_name"] for row in polygons}
    active_by_image: dict[int, float] = defaultdict(float)
    for session in sessions:
        active_by_image[session["image_id"]] += session["active_ms"]
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

    totals = {**labour.summarise(polygons),
              "active_ms": round(sum(session["active_ms"] for session in sessions), 1),
              "other_ms": round(sum(session["other_ms"] for session in sessions), 1),
              "session_idle_ms": round(sum(session["idle_ms"] for session in sessions), 1),
              "hidden_ms": round(sum(session["hidden_ms"] for session in sessions), 1),
              "sessions": len(sessions), "people": len(people), "images": len(images),
              "cancelled_drawings": len(cancelled), "cancelled_ms": round(sum(c["total_ms"] for c in cancelled), 1)}
    return {"idle_threshold_ms": idle, "definitions": DEFINITIONS, "names": names, "totals": totals,
            "polygons": polygons, "cancelled": cancelled, "images": images, "people": list(people.values()),
            "classes": sorted(classes, key=lambda row: -row["total_ms"]),
            "sessions": sorted(sessions, key=lambda s: (s["started_ms"] is None, s["started_ms"] or 0)),
            "cumulative": [{"at_ms": at, "hours": hours} for at, hours in labour.cumulative_hours(polygons)]}


def _grouped(rows: list[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def for_images(image_ids: list[int]) -> labour.Ledger:
    """The ledger of some images' sessions (a session never spans two images, so each is whole)."""
    rows = db.session.execute(select(*EVENT_FIELDS).where(LabourEvent.image_id.in_(image_ids))) if image_ids else []
    return labour.ledger((_to_event(row) for row in rows), idle_threshold_ms())


TIMING_FIELDS = ("total_ms", "draw_ms", "search_ms", "edit_ms", "idle_ms", "vertices_placed", "clicks", "traced",
                 "snapped", "followed", "edits", "undos", "redos", "sessions")


def timings(polygon: labour.PolygonLabour) -> dict[str, Any]:
    """One annotation's figures as the COCO export carries them (`attributes.timings`)."""
    figures = polygon.as_dict()
    return {name: (len(figures[name]) if name == "sessions" else figures[name]) for name in TIMING_FIELDS}


def image_figures(image_id: int, annotator_id: int | None, current_session: str | None) -> dict[str, Any]:
    """What the editor shows: each polygon's time and clicks, and the image's human time in other sessions
    (the page adds its own session's time live)."""
    rows = _event_rows(Scope(image_id=image_id, annotator_id=annotator_id))
    idle = idle_threshold_ms()
    led = labour.ledger((_to_event(row) for row in rows), idle)
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


EVENT_COLUMNS = ("image_id", "session", "seq", "kind", "t_ms", "sent_ms", "received_at", "annotation", "person",
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
