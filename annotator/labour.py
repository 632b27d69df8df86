"""Labour timings: the editor's event stream in, per-polygon / per-session figures out.

Pure: plain data in, plain data out; no Flask, no database. Every labour figure the app shows or exports
comes from `ledger()` and the aggregations below, so figures can be recomputed and audited from the raw,
append-only events.

The definitions (also in the README and the dashboard's help):

- Each editor page load is a *session* with its own monotonic clock. Its events, ordered by `seq`, cut
  the session into gaps. A gap counts in full up to the idle threshold (default 30 s) and as the threshold
  beyond it; time with the tab hidden is capped the same way (a quick look at a reference picture is work,
  an hour at lunch is not). What the cap drops is reported as `idle_ms`, the hidden time as `hidden_ms`.
- Every counted gap belongs to exactly one bucket:
  - **draw**: gaps inside a drawing, from a polygon's first vertex (or the first vertex of a part or hole
    added to it) until it is closed or cancelled;
  - **search**: gaps between the previous piece of work (the page opening, a close, an edit) and this
    polygon's first vertex: finding the object and deciding on it is labour too;
  - **edit**: gaps leading up to a later change of the polygon (moving, inserting or deleting vertices,
    moving it, changing its class, deleting it, undo/redo of any of these); the selecting, zooming and
    panning that led there count with it;
  - **other**: looking around at the end of a session with no work following.
  So a session's active time is exactly the sum of its draw, search, edit and other time.
- Deleted polygons keep their figures; drawings cancelled before closing keep theirs under their own id.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

IDLE_THRESHOLD_MS = 30_000.0

DRAW_STARTS = frozenset({"draw-start", "ring-start"})
DRAW_ENDS = frozenset({"close", "cancel", "ring-cancel"})
# Events that neither start nor end a piece of work: their gaps wait for the next piece of work.
NOT_WORK = frozenset({"open", "tool", "class-pick", "select", "snap-toggle", "visibility-toggle", "help",
                      "visibility", "zoom", "pan", "ring-tool"})
EDIT_COUNTS = {"move-vertex": "vertex_moves", "insert-vertex": "vertex_inserts", "delete-vertex": "vertex_deletes",
               "move-polygon": "polygon_moves", "class-change": "class_changes", "undo": "undos", "redo": "redos",
               "delete": "deletes"}
# How a vertex came to be, from the `provenance` of its event; a snapped vertex was still placed by a click.
HAND_PLACED = frozenset({"click", "snap"})
DURATIONS = ("draw_ms", "search_ms", "edit_ms")


@dataclass(frozen=True)
class Event:
    """One ledger event: `t_ms` is the session's monotonic clock; `received_ms` the server's epoch ms."""

    session: str
    seq: int
    kind: str
    t_ms: float
    annotation: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)
    received_ms: float | None = None


@dataclass
class PolygonLabour:
    """The labour behind one annotation (or one cancelled drawing), over every session that touched it."""

    annotation: str
    draw_ms: float = 0.0
    search_ms: float = 0.0
    edit_ms: float = 0.0
    idle_ms: float = 0.0  # dropped by the idle cap inside this polygon's buckets
    hidden_ms: float = 0.0  # tab hidden inside this polygon's buckets (in full, before capping)
    vertices_placed: int = 0
    clicks: int = 0  # vertices placed by hand: clicked, snapped or not
    traced: int = 0
    snapped: int = 0
    followed: int = 0  # laid by following a neighbour's border
    vertices_removed: int = 0  # taken back while drawing
    vertex_moves: int = 0
    vertex_inserts: int = 0
    vertex_deletes: int = 0
    polygon_moves: int = 0
    class_changes: int = 0
    undos: int = 0
    redos: int = 0
    deletes: int = 0
    edits: int = 0
    zooms: int = 0
    pans: int = 0
    closed: bool = False  # a drawing of it was closed (else it is a cancelled drawing)
    cancelled: int = 0  # drawings of it (or of a part or hole) cancelled
    sessions: list[str] = field(default_factory=list)
    first_ms: float | None = None  # wall clock (epoch ms) of its first vertex, where the server's clock allows
    closed_at_ms: float | None = None  # wall clock of its first close

    @property
    def total_ms(self) -> float:
        return self.draw_ms + self.search_ms + self.edit_ms

    def as_dict(self) -> dict[str, Any]:
        return {"annotation": self.annotation, "total_ms": round(self.total_ms, 1),
                **{name: round(getattr(self, name), 1) for name in (*DURATIONS, "idle_ms", "hidden_ms")},
                **{name: getattr(self, name) for name in COUNT_FIELDS},
                "closed": self.closed, "cancelled": self.cancelled, "sessions": list(self.sessions),
                "first_ms": self.first_ms, "closed_at_ms": self.closed_at_ms}


COUNT_FIELDS = ("vertices_placed", "clicks", "traced", "snapped", "followed", "vertices_removed", "vertex_moves",
                "vertex_inserts", "vertex_deletes", "polygon_moves", "class_changes", "undos", "redos", "deletes",
                "edits", "zooms", "pans")


@dataclass
class SessionLabour:
    """One editor page load: its clock span, what was counted, what was dropped."""

    session: str
    events: int = 0
    wall_ms: float = 0.0  # last event - first event, as the session's clock says
    active_ms: float = 0.0  # wall_ms with idle gaps capped; = draw + search + edit + other
    draw_ms: float = 0.0
    search_ms: float = 0.0
    edit_ms: float = 0.0
    other_ms: float = 0.0
    idle_ms: float = 0.0
    hidden_ms: float = 0.0
    zooms: int = 0
    pans: int = 0
    started_ms: float | None = None  # wall clock of its first event, where the server's clock allows
    ended_ms: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {name: round(value, 1) if isinstance(value, float) else value for name, value in self.__dict__.items()}


@dataclass
class Ledger:
    polygons: dict[str, PolygonLabour]
    sessions: dict[str, SessionLabour]


def ledger(events: Iterable[Event], idle_threshold_ms: float = IDLE_THRESHOLD_MS) -> Ledger:
    """Every polygon's and every session's labour, from events in any order (each session is ordered by seq).

    Re-sent events (same session and seq) count once, so the same stream split across saves, or stored twice,
    gives the same figures."""
    if not idle_threshold_ms > 0:
        raise ValueError("the idle threshold must be a positive number of milliseconds")
    by_session: dict[str, dict[int, Event]] = defaultdict(dict)
    for event in events:
        by_session[event.session].setdefault(event.seq, event)
    polygons: dict[str, PolygonLabour] = {}
    sessions: dict[str, SessionLabour] = {}
    streams = [[numbered[seq] for seq in sorted(numbered)] for numbered in by_session.values()]
    # Oldest session first (by the server's clock where known), so every result is the same for any arrival order.
    streams.sort(key=lambda stream: (_wall_anchor(stream) is None, _wall_anchor(stream) or 0.0, stream[0].session))
    for stream in streams:
        sessions[stream[0].session] = _session(stream, polygons, idle_threshold_ms)
    return Ledger(polygons, sessions)


def _wall_anchor(stream: Sequence[Event]) -> float | None:
    """The session's clock origin on the server's clock: each batch was received after its events happened,
    so the earliest `received - t` is the tightest bound."""
    anchors = [event.received_ms - event.t_ms for event in stream if event.received_ms is not None]
    return min(anchors) if anchors else None


def _session(stream: Sequence[Event], polygons: dict[str, PolygonLabour], idle_ms: float) -> SessionLabour:
    session = SessionLabour(stream[0].session, events=len(stream))
    anchor = _wall_anchor(stream)

    def polygon(annotation: str) -> PolygonLabour:
        found = polygons.get(annotation)
        if found is None:
            found = polygons[annotation] = PolygonLabour(annotation)
        if session.session not in found.sessions:
            found.sessions.append(session.session)
        return found

    drawing: str | None = None
    hidden = False
    # Gaps (counted, dropped, hidden) and view events since the last piece of work, waiting for the next one.
    waiting: list[tuple[float, float, float]] = []
    waiting_views = {"zooms": 0, "pans": 0}

    def settle(target: PolygonLabour | None, bucket: str) -> None:
        counted = sum(gap[0] for gap in waiting)
        for name, value in (("idle_ms", sum(gap[1] for gap in waiting)),
                            ("hidden_ms", sum(gap[2] for gap in waiting))):
            if target is not None:
                setattr(target, name, getattr(target, name) + value)
        if target is not None:
            setattr(target, bucket, getattr(target, bucket) + counted)
            target.zooms += waiting_views["zooms"]
            target.pans += waiting_views["pans"]
        setattr(session, bucket if target is not None else "other_ms",
                getattr(session, bucket if target is not None else "other_ms") + counted)
        waiting.clear()
        waiting_views.update(zooms=0, pans=0)

    previous: Event | None = None
    for event in stream:
        if previous is not None:
            gap = max(0.0, event.t_ms - previous.t_ms)
            counted = min(gap, idle_ms)
            session.wall_ms += gap
            session.active_ms += counted
            session.idle_ms += gap - counted
            session.hidden_ms += gap if hidden else 0.0
            waiting.append((counted, gap - counted, gap if hidden else 0.0))
        kind = event.kind
        if kind == "visibility":
            hidden = event.data.get("state") == "hidden"
        if kind in ("zoom", "pan"):
            setattr(session, f"{kind}s", getattr(session, f"{kind}s") + 1)
            waiting_views[f"{kind}s"] += 1
        annotation = event.annotation
        if drawing is not None and previous is not None:
            settle(polygon(drawing), "draw_ms")  # the gap up to this event was spent drawing
        if kind in DRAW_STARTS and annotation:
            settle(polygon(annotation), "search_ms")
            drawing = annotation
            target = polygon(annotation)
            if target.first_ms is None and anchor is not None:
                target.first_ms = round(anchor + event.t_ms, 1)
        elif kind in DRAW_ENDS and annotation:
            target = polygon(annotation)
            settle(target, "edit_ms")  # an end outside a drawing (rare: a lost start) is still work on it
            if kind == "close":
                target.closed = True
                if target.closed_at_ms is None and anchor is not None:
                    target.closed_at_ms = round(anchor + event.t_ms, 1)
            else:
                target.cancelled += 1
            if drawing == annotation:
                drawing = None
        elif kind in ("vertex", "remove-vertex", "trace-start") and annotation:
            target = polygon(annotation)
            if drawing != annotation:
                settle(target, "edit_ms")
            if kind == "vertex":
                _count_vertex(target, event.data)
            elif kind == "remove-vertex":
                target.vertices_removed += 1
        elif kind not in NOT_WORK and annotation:
            target = polygon(annotation)
            settle(target, "edit_ms")
            target.edits += 1
            counter = EDIT_COUNTS.get(kind)
            if counter:
                setattr(target, counter, getattr(target, counter) + 1)
        previous = event
    settle(None, "other_ms")
    if anchor is not None:
        session.started_ms = round(anchor + stream[0].t_ms, 1)
        session.ended_ms = round(anchor + stream[-1].t_ms, 1)
    return session


def _count_vertex(target: PolygonLabour, data: Mapping[str, Any]) -> None:
    target.vertices_placed += 1
    provenance = data.get("provenance")
    if provenance in HAND_PLACED:
        target.clicks += 1
    if provenance == "snap":
        target.snapped += 1
    elif provenance == "trace":
        target.traced += 1
    elif provenance == "border":
        target.followed += 1


# --- aggregations ----------------------------------------------------------------------------------------


def summarise(polygons: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Sums and distribution of a group of polygon figures (dicts from `PolygonLabour.as_dict`, maybe with
    `vertices`): count, totals per duration, median and mean seconds per polygon, fastest and slowest."""
    rows = list(polygons)
    totals = {name: round(sum(row[name] for row in rows), 1) for name in (*DURATIONS, "total_ms", "idle_ms")}
    counts = {name: sum(row.get(name, 0) for row in rows) for name in COUNT_FIELDS}
    per_polygon = sorted(row["total_ms"] for row in rows)
    return {
        "polygons": len(rows),
        **totals,
        **counts,
        "vertices": sum(row.get("vertices", 0) or 0 for row in rows),
        "median_ms": round(statistics.median(per_polygon), 1) if per_polygon else None,
        "mean_ms": round(statistics.fmean(per_polygon), 1) if per_polygon else None,
        "fastest_ms": per_polygon[0] if per_polygon else None,
        "slowest_ms": per_polygon[-1] if per_polygon else None,
    }


def group_by(polygons: Iterable[Mapping[str, Any]], key: str) -> dict[Any, dict[str, Any]]:
    """`summarise` per value of `key` (e.g. "image_id", "annotator", "category")."""
    groups: dict[Any, list[Mapping[str, Any]]] = defaultdict(list)
    for row in polygons:
        groups[row.get(key)].append(row)
    return {value: summarise(rows) for value, rows in groups.items()}


def scale_up(ms_per_image: float, images: float) -> float:
    """Person-hours to label `images` images at `ms_per_image` each."""
    if ms_per_image < 0 or images < 0:
        raise ValueError("time and image count must not be negative")
    return ms_per_image * images / 3_600_000


def cumulative_hours(polygons: Iterable[Mapping[str, Any]]) -> list[tuple[float, float]]:
    """(wall-clock ms, person-hours so far) after each closed polygon, in time order: a room's work adding up."""
    done = sorted((row["closed_at_ms"], row["total_ms"]) for row in polygons if row.get("closed_at_ms") is not None)
    running, points = 0.0, []
    for when, spent in done:
        running += spent
        points.append((when, round(running / 3_600_000, 6)))
    return points


def replay(events: Iterable[Event], idle_threshold_ms: float = IDLE_THRESHOLD_MS) -> list[dict[str, Any]]:
    """The events in the order they happened, each with `at_ms`: labour time since the first, idle gaps capped
    as in `ledger` (so a replay never stalls on a lunch break). Sessions follow one another, oldest first."""
    by_session: dict[str, dict[int, Event]] = defaultdict(dict)
    for event in events:
        by_session[event.session].setdefault(event.seq, event)
    streams = [[numbered[seq] for seq in sorted(numbered)] for numbered in by_session.values()]
    streams.sort(key=lambda stream: (_wall_anchor(stream) is None, _wall_anchor(stream) or 0.0, stream[0].session))
    timeline: list[dict[str, Any]] = []
    at = 0.0
    for stream in streams:
        previous: Event | None = None
        for event in stream:
            if previous is not None:
                at += min(max(0.0, event.t_ms - previous.t_ms), idle_threshold_ms)
            timeline.append({"at_ms": round(at, 1), "session": event.session, "seq": event.seq, "kind": event.kind,
                             "annotation": event.annotation, "data": dict(event.data)})
            previous = event
    return timeline
