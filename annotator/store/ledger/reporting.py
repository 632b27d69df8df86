"""The labour report: every figure of a scope (per polygon, image, person, class and session, totals, the
room's cumulative hours) as JSON, put together from per-person blocks kept while their figures stay the same."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from annotator.core import labour
from annotator.core.coco import vertex_count
from annotator.store.ledger.reading import (
    EVERYTHING,
    IN_CHUNK,
    Scope,
    StoredSession,
    clock_lead_ms,
    computed,
    idle_threshold_ms,
    person_entry,
    stored_sessions,
)
from annotator.store.models import Annotation, Annotator, Category, Image, db

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


def report(scope: Scope = EVERYTHING, *, names: bool = False) -> dict[str, Any]:
    """Every figure of the scope: per polygon, image, person, class and session, totals, and the room's
    cumulative hours. Durations in milliseconds, named `*_ms`; wall-clock moments in epoch milliseconds."""
    return json.loads(report_json(scope, names=names))


@dataclass
class PersonBlock:
    """One person's share of a report, kept while their sessions' figures and their annotations stay the same:
    rows already encoded as JSON, and tallies to merge into the image, class and room figures."""

    key: tuple
    holds: tuple  # the session figures whose ids are in the key, kept alive so no id is reused meanwhile
    polygons: list[tuple[tuple, str]]  # (sort key, JSON)
    cancelled: list[tuple[tuple, str]]
    sessions: list[tuple[tuple, str]]
    person: dict[str, Any]
    tally: labour.Tally
    images: dict[int, labour.Tally]
    classes: dict[str, tuple[int, str, labour.Tally]]
    file_names: dict[int, str]
    active_by_image: dict[int, float]
    session_sums: dict[str, float]
    clamped_sessions: int
    closes: list[tuple[float, float]]  # (closed at, total) of closed polygons, for the cumulative hours


REPORT_CACHE_KEY = "annotator.labour_report_blocks"


def warm() -> None:
    """Compute the whole ledger once, so its per-session and per-person caches are full: after a restart the
    first summary of a large room would otherwise read and compute every session (about 33 s at 1,000,000
    events) while the instructor waits. `serve` runs this on a thread of its own at start."""
    report_json()


def report_json(scope: Scope = EVERYTHING, *, names: bool = False) -> str:
    """`report` as JSON text, put together from per-person blocks (`PersonBlock`): only people whose sessions
    or annotations changed since the last report are worked out again; the rest is merged and joined."""
    idle = idle_threshold_ms()
    stored = stored_sessions(scope)
    in_scope = {session.id: session for session in stored
                if (scope.image_id is None or session.image_id == scope.image_id)
                and (scope.annotator_id is None or session.annotator_id == scope.annotator_id)}
    led = computed(stored, keep=in_scope.__contains__, everything=scope == EVERYTHING)
    owner_of = {key: (session.annotator_id if session.annotator_id is not None else ("session", key))
                for key, session in in_scope.items()}
    sessions_of: dict[Any, list[str]] = defaultdict(list)
    for key in led.sessions:
        sessions_of[owner_of[key]].append(key)
    polygons_of: dict[Any, list[str]] = defaultdict(list)
    for key, polygon in led.polygons.items():
        polygons_of[owner_of.get(polygon.sessions[0])].append(key)
    stamps = _annotation_stamps()
    categories = tuple(db.session.execute(select(Category.id, Category.name, Category.colour)).all())
    cache: dict[tuple, PersonBlock] = current_app.extensions.setdefault(REPORT_CACHE_KEY, {})
    blocks: list[PersonBlock] = []
    used = set()
    for owner, keys in sessions_of.items():
        figures = tuple(led.sessions[key] for key in keys)
        stamp = stamps.get(None if isinstance(owner, tuple) else owner)
        key = (tuple(map(id, figures)), tuple(keys), stamp, categories, names, idle)
        place = (scope, names, owner)
        used.add(place)
        block = cache.get(place)
        if block is None or block.key != key:
            block = cache[place] = _person_block(key, figures, led, keys, polygons_of.get(owner, []),
                                                 in_scope, names)
        blocks.append(block)
    for stale in [place for place in cache if place[:2] == (scope, names) and place not in used]:
        del cache[stale]
    assembled = current_app.extensions.setdefault(REPORT_CACHE_KEY + ".assembled", {})
    made = tuple(map(id, blocks)), blocks  # the blocks themselves kept, so their ids stay theirs
    known = assembled.get((scope, names))
    if known is None or known[0][0] != made[0]:
        known = assembled[(scope, names)] = (made, _assemble(blocks, idle, names))
    return known[1]


def _annotation_stamps() -> dict[Any, tuple]:
    """What changes when a person's annotations change (a save, a delete, a class, a flag): by annotator."""
    return {row[0]: tuple(row[1:]) for row in db.session.execute(
        select(Annotation.annotator_id, func.count(Annotation.id), func.max(Annotation.id),
               func.sum(Annotation.version), func.sum(Annotation.category_id), func.max(Annotation.updated_at))
        .group_by(Annotation.annotator_id))}


def _person_block(key: tuple, figures: tuple, led: labour.Ledger, session_keys: list[str], polygon_keys: list[str],
                  in_scope: dict[str, StoredSession], names: bool) -> PersonBlock:
    first = in_scope[session_keys[0]]
    person = person_entry(first.public_id, first.display_name, names)
    rows, seen = [], set()
    for row in _annotation_rows(polygon_keys):
        seen.add(row["annotation"])
        figures_of = led.polygons[row["annotation"]].as_dict()
        public_id, display_name = row.pop("public_id"), row.pop("display_name")
        rows.append({**figures_of, **{name: value for name, value in row.items() if name != "annotation"},
                     **person_entry(public_id, display_name, names)})
    cancelled = [led.polygons[key].as_dict() for key in polygon_keys if key not in seen]
    tally, images, classes = labour.Tally(), {}, {}
    for row in rows:
        tally.add(row)
        images.setdefault(row["image_id"], labour.Tally()).add(row)
        classes.setdefault(row["category"], (row["category_id"], row["colour"], labour.Tally()))[2].add(row)
    session_rows, sums, active_by_image = [], dict.fromkeys(SESSION_SUMS, 0.0), defaultdict(float)
    for session_key, raw in zip(session_keys, figures, strict=True):
        stored = in_scope[session_key]
        entry = {**raw.as_dict(), **person_entry(stored.public_id, stored.display_name, names),
                 "image_id": stored.image_id}
        session_rows.append(((entry["started_ms"] is None, entry["started_ms"] or 0, session_key), _encode(entry)))
        for name in SESSION_SUMS:
            sums[name] += getattr(raw, name)  # unrounded: sums of rounded shares drift
        active_by_image[stored.image_id] += raw.active_ms
    entry = {**person, **tally.summary(), "active_ms": round(sums["active_ms"], 1),
             "other_ms": round(sums["other_ms"], 1), "session_idle_ms": round(sums["idle_ms"], 1),
             "hidden_ms": round(sums["hidden_ms"], 1), "clamped_ms": round(sums["clamped_ms"], 1),
             "overlap_ms": round(sums["overlap_ms"], 1), "sessions": len(session_keys)}
    return PersonBlock(
        key, figures,
        [((row["first_ms"] is None, row["first_ms"] or 0, row["id"]), _encode(row)) for row in rows],
        [((row["first_ms"] is None, row["first_ms"] or 0, row["annotation"]), _encode(row)) for row in cancelled],
        session_rows, entry, tally, images, classes, {row["image_id"]: row["file_name"] for row in rows},
        dict(active_by_image), sums, sum(1 for raw in figures if raw.clamped_ms > 0),
        [(row["closed_at_ms"], row["total_ms"]) for row in rows if row.get("closed_at_ms") is not None])


def _encode(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))


def _assemble(blocks: list[PersonBlock], idle: float, names: bool) -> str:
    tally, images, classes = labour.Tally(), {}, {}
    file_names: dict[int, str] = {}
    active_by_image: dict[int, float] = defaultdict(float)
    sums = dict.fromkeys(SESSION_SUMS, 0.0)
    for block in blocks:
        tally.merge(block.tally)
        for image_id, part in block.images.items():
            images.setdefault(image_id, labour.Tally()).merge(part)
        for name, (category_id, colour, part) in block.classes.items():
            classes.setdefault(name, (category_id, colour, labour.Tally()))[2].merge(part)
        file_names.update(block.file_names)
        for image_id, spent in block.active_by_image.items():
            active_by_image[image_id] += spent
        for name in SESSION_SUMS:
            sums[name] += block.session_sums[name]
    missing = set(active_by_image) - set(file_names)
    if missing:
        file_names.update(db.session.execute(select(Image.id, Image.file_name).where(Image.id.in_(missing))).all())
    image_rows = [{"image_id": image_id, "file_name": file_names.get(image_id),
                   **(images[image_id].summary() if image_id in images else labour.summarise([])),
                   "active_ms": round(active_by_image.get(image_id, 0.0), 1)}
                  for image_id in sorted(set(images) | set(active_by_image))]
    class_rows = sorted(({"category": name, "category_id": category_id, "colour": colour, **part.summary()}
                         for name, (category_id, colour, part) in classes.items()),
                        key=lambda row: (-row["total_ms"], row["category"]))
    cancelled = sorted(item for block in blocks for item in block.cancelled)
    people = sorted((block.person for block in blocks), key=lambda entry: entry["person"])
    totals = {**tally.summary(), "active_ms": round(sums["active_ms"], 1), "other_ms": round(sums["other_ms"], 1),
              "session_idle_ms": round(sums["idle_ms"], 1), "hidden_ms": round(sums["hidden_ms"], 1),
              "clamped_ms": round(sums["clamped_ms"], 1), "overlap_ms": round(sums["overlap_ms"], 1),
              "clamped_sessions": sum(block.clamped_sessions for block in blocks),
              "sessions": sum(len(block.sessions) for block in blocks), "people": len(people),
              "images": len(image_rows), "cancelled_drawings": len(cancelled),
              "cancelled_ms": round(sum(json.loads(text)["total_ms"] for _key, text in cancelled), 1)}
    closes = (item for block in blocks for item in block.closes)
    cumulative = [{"at_ms": at, "hours": hours} for at, hours in labour.cumulative_hours(closes)]

    def joined(items: list[tuple[tuple, str]]) -> str:
        return "[" + ",".join(text for _key, text in sorted(items)) + "]"

    return ('{"idle_threshold_ms":' + _encode(idle) + ',"clock_lead_ms":' + _encode(clock_lead_ms())
            + ',"definitions":' + _encode(DEFINITIONS) + ',"names":' + _encode(names)
            + ',"totals":' + _encode(totals)
            + ',"polygons":' + joined([item for block in blocks for item in block.polygons])
            + ',"cancelled":' + "[" + ",".join(text for _key, text in cancelled) + "]"
            + ',"images":' + _encode(image_rows) + ',"people":' + _encode(people)
            + ',"classes":' + _encode(class_rows)
            + ',"sessions":' + joined([item for block in blocks for item in block.sessions])
            + ',"cumulative":' + _encode(cumulative) + "}")


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
