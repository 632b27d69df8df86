"""Crediting a person's overlapping sessions: each moment of their time counted once."""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from typing import Any

from annotator.core.labour.figures import COUNT_FIELDS, DURATIONS, Ledger, PolygonLabour, SessionLabour, SessionPart


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
