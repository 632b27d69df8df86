"""Labour timings: the editor's event stream in, per-polygon / per-session figures out.

Pure: plain data in, plain data out; no Flask, no database. Every labour figure the app shows or exports
comes from `ledger()` and the aggregations below, so figures can be recomputed and audited from the raw,
append-only events.

The definitions (also in the README and the dashboard's help):

- Each editor page load is a *session* with its own monotonic clock. Its events, ordered by `seq`, cut
  the session into gaps (measured on the server's timeline, below). A gap counts in full up to the idle
  threshold (default 30 s) and as the threshold beyond it; time with the tab hidden is capped the same
  way (a quick look at a reference picture is work, an hour at lunch is not). What the cap drops is
  reported as `idle_ms`, the hidden time as `hidden_ms`.
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

On the server's clock (`positions`, `combine`):

- **The server's clock is the anchor.** The server opens each session (the editor page is given its id; an id
  it never issued is opened at its first batch). A session's events are placed on the server's timeline at
  `wall anchor + t`, the wall anchor being the earliest `received - t` (no event is placed after its batch
  arrived), and never before the session opened less the clock lead (`ANNOTATOR_CLOCK_LEAD_S`). So a session
  never claims more than the time the server saw pass since it opened plus the lead; what its clock claimed
  beyond that is `clamped_ms` (with `clamp_reason`): stored, shown, not counted.
- **A person's time is a union, not a sum.** Each counted gap is an interval on that timeline (its first
  `min(gap, idle threshold)` milliseconds), tagged with its person, session, polygon, bucket and whether the tab
  was hidden. Over any scope, a person's active time is the measure of the union of their intervals. Where two of
  a person's sessions overlap, each moment is credited once: hidden-tab gaps get nothing while a visible gap of
  theirs covers the moment; a gap that strictly contains another session's gap had no input during it (the person
  was working in the other tab) and gets nothing; the gaps left share the moment evenly (interleaved input in two
  tabs is split half and half). What a session loses so is its `overlap_ms`.
- Polygon, session and image figures are these credited measures, so a person's polygons add up to at most
  their time, images summed give the person's total, and room totals are sums over people. One honest tab gives
  exactly the figures of the session alone. Sessions without receive times (imported) or without a known person
  cannot be placed against others and are credited alone.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Any

IDLE_THRESHOLD_MS = 30_000.0
CLOCK_LEAD_MS = 60_000.0

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
        values = self.__dict__
        figures = {"annotation": self.annotation, "total_ms": round(self.total_ms, 1)}
        for name in ROUNDED:
            figures[name] = round(values[name], 1)
        for name in COUNT_FIELDS:
            figures[name] = values[name]
        figures.update(closed=self.closed, cancelled=self.cancelled, sessions=list(self.sessions),
                       first_ms=self.first_ms, closed_at_ms=self.closed_at_ms)
        return figures


ROUNDED = (*DURATIONS, "idle_ms", "hidden_ms")
COUNT_FIELDS = ("vertices_placed", "clicks", "traced", "snapped", "followed", "vertices_removed", "vertex_moves",
                "vertex_inserts", "vertex_deletes", "polygon_moves", "class_changes", "undos", "redos", "deletes",
                "edits", "zooms", "pans")


@dataclass
class SessionLabour:
    """One editor page load: its span on the server's timeline, what was counted and credited, what was dropped."""

    session: str
    events: int = 0
    wall_ms: float = 0.0  # last event - first event, as placed on the server's timeline
    active_ms: float = 0.0  # credited time; = draw + search + edit + other
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
    clamped_ms: float = 0.0  # claimed by the session's clock beyond what the server saw pass: not counted
    clamp_reason: str | None = None
    overlap_ms: float = 0.0  # counted, but credited to another of the person's sessions at the same moments

    def as_dict(self) -> dict[str, Any]:
        return {name: round(value, 1) if isinstance(value, float) else value for name, value in self.__dict__.items()}


@dataclass
class Ledger:
    polygons: dict[str, PolygonLabour]
    sessions: dict[str, SessionLabour]
    # Whose each session is (the anchor's person; None: unknown, credited alone).
    people: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SessionAnchor:
    """What the server knows of a session beyond its events: whose it is (any hashable key; None: unknown, so
    it is credited alone) and when the server opened it (epoch ms; None: never, e.g. imported events)."""

    person: Any = None
    opened_ms: float | None = None


@dataclass(frozen=True)
class Gaps:
    """A session's counted gaps on the server's timeline: gap i counts [starts[i], starts[i] + counted[i]) and
    belongs to polygon owners[i] (None: nobody's, the `other` bucket) in bucket buckets[i]."""

    starts: tuple[float, ...]
    counted: tuple[float, ...]
    owners: tuple[str | None, ...]
    buckets: tuple[str, ...]
    hidden: tuple[bool, ...]


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: a cached part is one object until replaced
class SessionPart:
    """One session computed alone: its counted figures, its share of each polygon, and its gaps. Depends on the
    session's own events and anchor only, so it can be cached per session; `combine` credits overlaps."""

    session: SessionLabour
    polygons: dict[str, PolygonLabour]
    gaps: Gaps
    person: Any
    placed: bool  # on the server's timeline (its events carry receive times)
    order: tuple  # oldest first, by the server's clock where known

    @property
    def span(self) -> tuple[float, float]:
        if not self.gaps.starts:
            return (0.0, 0.0)
        return (self.gaps.starts[0], self.gaps.starts[-1] + self.gaps.counted[-1])


def ledger(events: Iterable[Event], idle_threshold_ms: float = IDLE_THRESHOLD_MS,
           sessions: Mapping[str, SessionAnchor] | None = None, lead_ms: float = CLOCK_LEAD_MS) -> Ledger:
    """Every polygon's and every session's labour, from events in any order (each session is ordered by seq)
    and what the server knows of each session (`sessions`: whose, opened when; missing: unknown).

    Re-sent events (same session and seq) count once, so the same stream split across saves, or stored twice,
    gives the same figures."""
    return combine(parts(events, idle_threshold_ms, sessions, lead_ms))


def parts(events: Iterable[Event], idle_threshold_ms: float = IDLE_THRESHOLD_MS,
          sessions: Mapping[str, SessionAnchor] | None = None, lead_ms: float = CLOCK_LEAD_MS) -> list[SessionPart]:
    """Each session computed alone (`session_part`), oldest first."""
    if not idle_threshold_ms > 0:
        raise ValueError("the idle threshold must be a positive number of milliseconds")
    by_session: dict[str, dict[int, Event]] = defaultdict(dict)
    for event in events:
        by_session[event.session].setdefault(event.seq, event)
    anchors = sessions or {}
    found = [session_part([numbered[seq] for seq in sorted(numbered)], anchors.get(key), idle_threshold_ms, lead_ms)
             for key, numbered in by_session.items()]
    return sorted(found, key=lambda part: part.order)


def _wall_anchor(stream: Sequence[Event]) -> float | None:
    """The session's clock origin on the server's clock: each batch was received after its events happened,
    so the earliest `received - t` is the tightest bound."""
    anchors = [event.received_ms - event.t_ms for event in stream if event.received_ms is not None]
    return min(anchors) if anchors else None


def positions(stream: Sequence[Event], anchor: SessionAnchor | None, lead_ms: float) -> list[float]:
    """Where each event sits on the server's timeline: `wall anchor + t`, but never before the session opened
    (less the clock lead) and never before the event ahead of it. Since the wall anchor is the earliest
    `received - t`, no event is placed after its batch arrived, so a session spans at most the time the server
    saw pass since it opened plus the lead. Without receive times, the session's own clock."""
    wall = _wall_anchor(stream)
    floor = -math.inf
    if wall is not None and anchor is not None and anchor.opened_ms is not None:
        floor = anchor.opened_ms - lead_ms
    placed, latest = [], -math.inf
    for event in stream:
        at = event.t_ms if wall is None else max(floor, wall + event.t_ms)
        latest = max(latest, at)
        placed.append(latest)
    return placed


def session_part(stream: Sequence[Event], anchor: SessionAnchor | None = None,
                 idle_ms: float = IDLE_THRESHOLD_MS, lead_ms: float = CLOCK_LEAD_MS) -> SessionPart:
    """One session (its events in seq order), computed alone: gaps placed on the server's timeline, capped,
    and settled into buckets. `active_ms` here is the counted time, before `combine` credits overlaps."""
    session = SessionLabour(stream[0].session, events=len(stream))
    wall = _wall_anchor(stream)
    placed = positions(stream, anchor, lead_ms)
    polygons: dict[str, PolygonLabour] = {}
    starts: list[float] = []
    counted_gaps: list[float] = []
    owners: list[str | None] = []
    buckets: list[str] = []
    hidden_gaps: list[bool] = []

    def polygon(annotation: str) -> PolygonLabour:
        found = polygons.get(annotation)
        if found is None:
            found = polygons[annotation] = PolygonLabour(annotation, sessions=[session.session])
        return found

    drawing: str | None = None
    hidden = False
    # Gaps (counted, dropped, hidden) since the last piece of work, waiting for the next one, by index.
    waiting: list[int] = []
    dropped: list[float] = []
    hidden_full: list[float] = []
    waiting_views = {"zooms": 0, "pans": 0}

    def settle(target: PolygonLabour | None, bucket: str) -> None:
        name = bucket if target is not None else "other_ms"
        owner = target.annotation if target is not None else None
        counted = 0.0
        for index in waiting:
            counted += counted_gaps[index]
            owners[index] = owner
            buckets[index] = name
        if target is not None:
            target.idle_ms += sum(dropped[index] for index in waiting)
            target.hidden_ms += sum(hidden_full[index] for index in waiting)
            setattr(target, bucket, getattr(target, bucket) + counted)
            target.zooms += waiting_views["zooms"]
            target.pans += waiting_views["pans"]
        setattr(session, name, getattr(session, name) + counted)
        waiting.clear()
        waiting_views.update(zooms=0, pans=0)

    previous: Event | None = None
    for index, event in enumerate(stream):
        if previous is not None:
            claimed = max(0.0, event.t_ms - previous.t_ms)
            gap = placed[index] - placed[index - 1]
            counted = min(gap, idle_ms)
            session.clamped_ms += claimed - gap
            session.wall_ms += gap
            session.active_ms += counted
            session.idle_ms += gap - counted
            session.hidden_ms += gap if hidden else 0.0
            waiting.append(len(starts))
            starts.append(placed[index - 1])
            counted_gaps.append(counted)
            owners.append(None)
            buckets.append("other_ms")
            hidden_gaps.append(hidden)
            dropped.append(gap - counted)
            hidden_full.append(gap if hidden else 0.0)
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
            if target.first_ms is None and wall is not None:
                target.first_ms = round(placed[index], 1)
        elif kind in DRAW_ENDS and annotation:
            target = polygon(annotation)
            settle(target, "edit_ms")  # an end outside a drawing (rare: a lost start) is still work on it
            if kind == "close":
                target.closed = True
                if target.closed_at_ms is None and wall is not None:
                    target.closed_at_ms = round(placed[index], 1)
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
    if wall is not None:
        session.started_ms = round(placed[0], 1)
        session.ended_ms = round(placed[-1], 1)
    if session.clamped_ms > 1e-6:
        session.clamp_reason = _clamp_reason(stream, placed, anchor, lead_ms)
    else:
        session.clamped_ms = 0.0
    gaps = Gaps(tuple(starts), tuple(counted_gaps), tuple(owners), tuple(buckets), tuple(hidden_gaps))
    person = anchor.person if anchor is not None else None
    return SessionPart(session, polygons, gaps, person, wall is not None,
                       (wall is None, wall or 0.0, session.session))


def _clamp_reason(stream: Sequence[Event], placed: Sequence[float], anchor: SessionAnchor | None,
                  lead_ms: float) -> str:
    claimed = stream[-1].t_ms - stream[0].t_ms
    received = [event.received_ms for event in stream if event.received_ms is not None]
    if anchor is not None and anchor.opened_ms is not None and received and claimed > placed[-1] - placed[0]:
        seen = max(received) - anchor.opened_ms
        return (f"the page's clock claimed {claimed / 1000:.0f} s of work, but the server saw only "
                f"{max(0.0, seen) / 1000:.0f} s pass since it opened the session (plus a {lead_ms / 1000:.0f} s "
                "clock lead): the excess is not counted")
    return "the page's clock went back between batches: the time it claimed twice is not counted"


# --- crediting a person's overlapping sessions ----------------------------------------------------------------


def combine(session_parts: Iterable[SessionPart], keep: Callable[[str], bool] | None = None,
            memo: MutableMapping[tuple[SessionPart, ...], Mapping[str, Credited]] | None = None) -> Ledger:
    """The ledger of some sessions computed alone: each person's overlapping sessions credited (`credit`), then
    polygons summed over sessions, oldest session first. With `keep`, the figures of the sessions it accepts
    only (credited against all the others given). `memo` keeps each person's credited sessions by their parts
    (the same parts, the same crediting), so a cache of parts need not sweep a person's tabs again."""
    ordered = sorted(session_parts, key=lambda part: part.order)
    by_person: dict[Any, list[SessionPart]] = defaultdict(list)
    for part in ordered:
        if part.person is not None and part.placed:
            by_person[part.person].append(part)
    done: dict[str, Credited] = {}
    for group in by_person.values():
        if len(group) < 2:
            continue
        key = tuple(group)
        found = memo.get(key) if memo is not None else None
        if found is None:
            lost = credit(group)
            found = {part.session.session: credited(part, lost.get(part.session.session)) for part in group}
            if memo is not None:
                memo[key] = found
        done.update(found)
    polygons: dict[str, PolygonLabour] = {}
    sessions: dict[str, SessionLabour] = {}
    people: dict[str, Any] = {}
    for part in ordered:
        name = part.session.session
        if keep is not None and not keep(name):
            continue
        figures, shares = done.get(name) or (part.session, part.polygons)
        sessions[name] = figures
        people[name] = part.person
        for key, share in shares.items():
            known = polygons.get(key)
            polygons[key] = share if known is None else _merged(known, share)
    return Ledger(polygons, sessions, people)


Credited = tuple[SessionLabour, dict[str, PolygonLabour]]


def credited(part: SessionPart, lost: Mapping[int, float] | None) -> Credited:
    """A session's figures after losing, gap by gap, what was credited to the person's other sessions."""
    if not lost:
        return part.session, part.polygons
    session = SessionLabour(**part.session.__dict__)
    polygons = {key: PolygonLabour(**{**polygon.__dict__, "sessions": list(polygon.sessions)})
                for key, polygon in part.polygons.items()}
    for index, amount in lost.items():
        bucket, owner = part.gaps.buckets[index], part.gaps.owners[index]
        setattr(session, bucket, getattr(session, bucket) - amount)
        session.active_ms -= amount
        session.overlap_ms += amount
        if owner is not None and bucket != "other_ms":
            target = polygons[owner]
            setattr(target, bucket, max(0.0, getattr(target, bucket) - amount))
    for name in ("active_ms", *DURATIONS, "other_ms"):
        setattr(session, name, max(0.0, getattr(session, name)))
    return session, polygons


def _merged(first: PolygonLabour, later: PolygonLabour) -> PolygonLabour:
    merged = PolygonLabour(first.annotation)
    for name in (*DURATIONS, "idle_ms", "hidden_ms", *COUNT_FIELDS, "cancelled"):
        setattr(merged, name, getattr(first, name) + getattr(later, name))
    merged.closed = first.closed or later.closed
    merged.sessions = first.sessions + [key for key in later.sessions if key not in first.sessions]
    merged.first_ms = first.first_ms if first.first_ms is not None else later.first_ms
    merged.closed_at_ms = first.closed_at_ms if first.closed_at_ms is not None else later.closed_at_ms
    return merged


def credit(group: Sequence[SessionPart]) -> dict[str, dict[int, float]]:
    """One person's sessions: for each gap that shares moments with another session's gaps, the milliseconds
    credited elsewhere (by session, then gap index). At each moment covered by several counted gaps:
    hidden-tab gaps get nothing if any visible gap covers it; a gap that strictly contains another session's
    gap covering the moment had no input of its own then and gets nothing; the rest share the moment evenly.
    So the credited measures of a person's gaps add up to the measure of their union."""
    if len(group) < 2:
        return {}
    spans = sorted((part.span, number) for number, part in enumerate(group) if part.gaps.starts)
    overlapping: set[int] = set()
    reach, holder = -math.inf, -1
    for (start, end), number in spans:
        if start < reach:
            overlapping.update((number, holder))
        if end > reach:
            reach, holder = end, number
    if not overlapping:
        return {}
    intervals = sorted((part.gaps.starts[index], part.gaps.starts[index] + amount, number, index,
                        part.gaps.hidden[index])
                       for number in overlapping for part in (group[number],)
                       for index, amount in enumerate(part.gaps.counted) if amount > 0)
    lost: dict[str, dict[int, float]] = defaultdict(dict)
    component: list[tuple] = []
    reach = -math.inf
    for interval in [*intervals, None]:
        if interval is None or interval[0] >= reach:
            if len({item[2] for item in component}) > 1:
                for (_s, end, number, index, _h), got in zip(component, _sweep(component), strict=True):
                    gone = (end - _s) - got
                    if gone > 1e-9:
                        lost[group[number].session.session][index] = gone
            component, reach = [], -math.inf
        if interval is not None:
            component.append(interval)
            reach = max(reach, interval[1])
    return dict(lost)


def _sweep(component: Sequence[tuple]) -> list[float]:
    """Each interval's credited measure within a run of overlapping intervals (start, end, session, gap, hidden),
    sorted by start, by the rules of `credit`."""
    got = [0.0] * len(component)
    bounds = sorted({value for item in component for value in item[:2]})
    active: list[int] = []
    following = 0
    for a, b in itertools.pairwise(bounds):
        while following < len(component) and component[following][0] <= a:
            active.append(following)
            following += 1
        active = [number for number in active if component[number][1] > a]
        if not active:
            continue
        length = b - a
        if len(active) == 1:
            got[active[0]] += length
            continue
        eligible = [number for number in active if not component[number][4]] or active
        winners = [number for number in eligible if not any(
            other != number and component[other][2] != component[number][2]
            and component[other][0] >= component[number][0] and component[other][1] <= component[number][1]
            and component[other][:2] != component[number][:2] for other in eligible)]
        share = length / len(winners)
        for number in winners:
            got[number] += share
    return got


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


SUMMED = (*DURATIONS, "total_ms", "idle_ms")


class Tally:
    """`summarise` that can be added to and merged: sums and the polygons' totals, so a report can keep one per
    person and image and class and merge them instead of going over every polygon again."""

    __slots__ = ("counts", "sums", "totals", "vertices")

    def __init__(self, polygons: Iterable[Mapping[str, Any]] = ()) -> None:
        self.sums = dict.fromkeys(SUMMED, 0.0)
        self.counts = dict.fromkeys(COUNT_FIELDS, 0)
        self.totals: list[float] = []
        self.vertices = 0
        for row in polygons:
            self.add(row)

    def add(self, row: Mapping[str, Any]) -> None:
        for name in SUMMED:
            self.sums[name] += row[name]
        for name in COUNT_FIELDS:
            self.counts[name] += row.get(name, 0)
        self.vertices += row.get("vertices", 0) or 0
        self.totals.append(row["total_ms"])

    def merge(self, other: Tally) -> None:
        for name in SUMMED:
            self.sums[name] += other.sums[name]
        for name in COUNT_FIELDS:
            self.counts[name] += other.counts[name]
        self.vertices += other.vertices
        self.totals.extend(other.totals)

    def summary(self) -> dict[str, Any]:
        per_polygon = sorted(self.totals)
        return {
            "polygons": len(per_polygon),
            **{name: round(value, 1) for name, value in self.sums.items()},
            **self.counts,
            "vertices": self.vertices,
            "median_ms": round(statistics.median(per_polygon), 1) if per_polygon else None,
            "mean_ms": round(statistics.fmean(per_polygon), 1) if per_polygon else None,
            "fastest_ms": per_polygon[0] if per_polygon else None,
            "slowest_ms": per_polygon[-1] if per_polygon else None,
        }


def summarise(polygons: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """Sums and distribution of a group of polygon figures (dicts from `PolygonLabour.as_dict`, maybe with
    `vertices`): count, totals per duration, median and mean seconds per polygon, fastest and slowest."""
    return Tally(polygons).summary()


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
