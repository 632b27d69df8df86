"""From events to figures, a session at a time: each session's events placed on the server's timeline, cut
into gaps, capped and settled into buckets (`session_part`); `ledger` then credits a person's overlapping
sessions (`crediting.combine`). And the events replayed in order (`replay`)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from annotator.core.labour.crediting import combine
from annotator.core.labour.figures import (
    CLOCK_LEAD_MS,
    DRAW_ENDS,
    DRAW_STARTS,
    EDIT_COUNTS,
    HAND_PLACED,
    IDLE_THRESHOLD_MS,
    NOT_WORK,
    Event,
    Gaps,
    Ledger,
    PolygonLabour,
    SessionAnchor,
    SessionLabour,
    SessionPart,
)


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
