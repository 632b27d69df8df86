"""The labour a COCO file carries, and checking it from the file alone (`annotator labour verify`).

Pure: plain data in, plain data out; no Flask, no database. The export writes, with `--labour`:

- each annotation's own ledger events in `attributes.labour` (session, seq, kind, client time `t_ms`, `data`,
  and the server's receive time `received_ms`, epoch milliseconds);
- in `info.labour`: the session anchors (per session: person pseudonym, image, first and last receive time,
  the server's open time `opened_ms` where the store has one, the session's clamp), every event of those
  sessions that rides on no exported annotation (`unattached_events`, per session: page-level events such as
  opening, zooming and panning, cancelled drawings, deleted or superseded outlines), the idle threshold, the
  clock lead, the ledger version, and per-person totals.

That is every event of every session on the exported images, so `verify` rebuilds the `labour.Event`s,
runs the same pure `labour.ledger` the app uses, and compares each figure with what the file says.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from annotator.core import labour

# Bump when the meaning of a figure changes, so a verifier knows which definitions a file was made under.
LEDGER_VERSION = "annotator-labour/3"  # 3: a person's time is a union on the server's clock

# The figures each annotation's `attributes.timings` carries: its buckets, what the idle cap dropped, the hidden
# and the clamped time, the counts, so every one can be checked.
TIMING_FIELDS = ("total_ms", "draw_ms", "search_ms", "edit_ms", "idle_ms", "hidden_ms", "clamped_ms",
                 "vertices_placed", "clicks", "traced", "snapped", "followed", "edits", "undos", "redos", "sessions")
# info.labour's sums over the exported annotations (as the export writes them) and over the sessions.
SUMMARY_FIELDS = ("polygons", "total_ms", "draw_ms", "search_ms", "edit_ms", "idle_ms", "vertices_placed", "clicks",
                  "median_ms", "mean_ms")
PERSON_FIELDS = ("active_ms", "sessions")
# Sums of many rounded figures may land either side of a rounding step, whatever order they are added in.
SUM_TOLERANCE_MS = 0.1
ATTACHED_PREFIX = "#coco-"  # an exported annotation's key in the rebuilt ledger: no client id has '#'


def timings(polygon: labour.PolygonLabour) -> dict[str, Any]:
    """One annotation's figures as the COCO export carries them (`attributes.timings`). `clamped_ms` is the
    ledger's where it keeps one, else 0 (nothing clamped)."""
    figures = polygon.as_dict()
    out: dict[str, Any] = {}
    for name in TIMING_FIELDS:
        if name == "sessions":
            out[name] = len(figures["sessions"])
        elif name == "clamped_ms":
            out[name] = round(float(figures.get("clamped_ms") or 0.0), 1)
        else:
            out[name] = figures[name]
    return out


def event_entry(session: str, seq: int, kind: str, t_ms: float, data: Mapping[str, Any] | None,
                received_ms: float | None, annotation: str | None = None) -> dict[str, Any]:
    """One event as the file carries it; `annotation` (a client id) only for unattached events."""
    entry: dict[str, Any] = {"session": session, "seq": seq, "kind": kind, "t_ms": t_ms}
    if annotation is not None:
        entry["annotation"] = annotation
    if data:
        entry["data"] = dict(data)
    entry["received_ms"] = received_ms
    return entry


def session_people(anchors: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    return {anchor["session"]: anchor["person"] for anchor in anchors}


def session_anchors(anchors: Iterable[Mapping[str, Any]]) -> dict[str, labour.SessionAnchor]:
    """What the file says the server knew of each session: whose it was (the pseudonym; "imported" is nobody's,
    credited alone) and when the server opened it, as the app's ledger placed it on the server's clock."""
    found: dict[str, labour.SessionAnchor] = {}
    for anchor in anchors:
        person, opened = anchor.get("person"), anchor.get("opened_ms")
        if opened is not None and not _number(opened):
            raise LabourFileError(f"session {anchor.get('session')!r}: opened_ms must be a number or null")
        found[str(anchor.get("session"))] = labour.SessionAnchor(
            None if person in (None, "imported") else person, None if opened is None else float(opened))
    return found


def person_totals(led: labour.Ledger, people: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    """Each person's active time and session count over the ledger's sessions (`people`: session -> person).
    The sessions' figures are credited (a person's overlapping tabs share each moment), so the sum of a
    person's sessions is the measure of the union of their time."""
    totals: dict[str, dict[str, float]] = defaultdict(lambda: {"active_ms": 0.0, "sessions": 0})
    for key, session in led.sessions.items():
        entry = totals[people.get(key, "imported")]
        entry["active_ms"] += session.active_ms
        entry["sessions"] += 1
    return {person: {"active_ms": round(entry["active_ms"], 1), "sessions": int(entry["sessions"])}
            for person, entry in sorted(totals.items())}


# --- checking a file -----------------------------------------------------------------------------------------


class LabourFileError(ValueError):
    """The file cannot be checked at all (not COCO, or exported without --labour); said to the user."""


@dataclass(frozen=True)
class Difference:
    where: str  # "annotation 12", "info.labour", "person annotator-1a2b3c4d", "session s-1"
    figure: str
    in_file: Any
    recomputed: Any

    def __str__(self) -> str:
        return f"{self.where}: {self.figure} is {self.in_file!r} in the file, recomputed {self.recomputed!r}"


@dataclass
class Verdict:
    checked: int
    differences: list[Difference]

    @property
    def ok(self) -> bool:
        return not self.differences


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(in_file: Any, recomputed: Any, tolerance: float = 1e-6) -> bool:
    if _number(in_file) and _number(recomputed):
        return math.isclose(float(in_file), float(recomputed), rel_tol=0.0, abs_tol=tolerance)
    return in_file == recomputed


def _event(raw: Any, where: str, annotation: str | None) -> labour.Event:
    if not isinstance(raw, Mapping):
        raise LabourFileError(f"{where}: an event must be an object")
    try:
        session, seq, kind, t_ms = str(raw["session"]), raw["seq"], str(raw["kind"]), raw["t_ms"]
    except KeyError as exc:
        raise LabourFileError(f"{where}: an event lacks {exc.args[0]!r}") from exc
    if not isinstance(seq, int) or isinstance(seq, bool) or not _number(t_ms):
        raise LabourFileError(f"{where}: an event's seq must be a whole number and t_ms a number")
    received = raw.get("received_ms")
    if received is not None and not _number(received):
        raise LabourFileError(f"{where}: received_ms must be a number")
    data = raw.get("data") or {}
    if not isinstance(data, Mapping):
        raise LabourFileError(f"{where}: an event's data must be an object")
    return labour.Event(session, seq, kind, float(t_ms), annotation, data,
                        None if received is None else float(received))


def rebuild(doc: Mapping[str, Any]) -> tuple[list[labour.Event], float, dict[str, Any]]:
    """The file's events as `labour.Event`s, its idle threshold and its `info.labour`. Raises LabourFileError
    when the file does not carry what a recomputation needs."""
    if not isinstance(doc, Mapping) or not isinstance(doc.get("annotations"), list):
        raise LabourFileError("not a COCO instance file: no 'annotations' list")
    info = doc.get("info") if isinstance(doc.get("info"), Mapping) else {}
    summary = info.get("labour")
    if not isinstance(summary, Mapping) or "unattached_events" not in summary or "session_anchors" not in summary:
        raise LabourFileError("this file carries no labour ledger to check: export it with --labour "
                              "(from annotator 0.x exports made before session anchors, it cannot be audited)")
    threshold = summary.get("idle_threshold_ms")
    if not _number(threshold) or not threshold > 0:
        raise LabourFileError("info.labour.idle_threshold_ms must be a positive number")
    events: list[labour.Event] = []
    for entry in doc["annotations"]:
        if not isinstance(entry, Mapping):
            raise LabourFileError("an annotation must be an object")
        attributes = entry.get("attributes") if isinstance(entry.get("attributes"), Mapping) else {}
        raw = attributes.get("labour")
        if raw is None:
            raise LabourFileError(f"annotation {entry.get('id')}: no attributes.labour: export with --labour")
        if not isinstance(raw, list):
            raise LabourFileError(f"annotation {entry.get('id')}: attributes.labour must be a list")
        key = f"{ATTACHED_PREFIX}{entry.get('id')}"
        events.extend(_event(item, f"annotation {entry.get('id')}", key) for item in raw)
    unattached = summary["unattached_events"]
    if not isinstance(unattached, Mapping):
        raise LabourFileError("info.labour.unattached_events must be an object of sessions")
    for session, items in unattached.items():
        if not isinstance(items, list):
            raise LabourFileError(f"info.labour.unattached_events[{session!r}] must be a list")
        for item in items:
            annotation = item.get("annotation") if isinstance(item, Mapping) else None
            events.append(_event(item, f"session {session}", None if annotation is None else str(annotation)))
    return events, float(threshold), dict(summary)


def verify(doc: Mapping[str, Any]) -> Verdict:
    """Recompute every labour figure of an exported COCO file from its events and compare: each annotation's
    `attributes.timings`, `info.labour`'s sums, each person's totals and each session's clamp."""
    events, threshold, summary = rebuild(doc)
    anchors = [anchor for anchor in summary.get("session_anchors") or [] if isinstance(anchor, Mapping)]
    lead = summary.get("clock_lead_ms")
    if not _number(lead) or lead < 0:
        raise LabourFileError("info.labour.clock_lead_ms must be a number of milliseconds")
    led = labour.ledger(events, threshold, sessions=session_anchors(anchors), lead_ms=float(lead))
    differences: list[Difference] = []
    checked = 0

    def check(where: str, figure: str, in_file: Any, recomputed: Any, tolerance: float = 1e-6) -> None:
        nonlocal checked
        checked += 1
        if not _same(in_file, recomputed, tolerance):
            differences.append(Difference(where, figure, in_file, recomputed))

    recomputed_timings = []
    for entry in doc["annotations"]:
        where = f"annotation {entry.get('id')}"
        polygon = led.polygons.get(f"{ATTACHED_PREFIX}{entry.get('id')}") or labour.PolygonLabour("")
        figures = timings(polygon)
        recomputed_timings.append(figures)
        stated = entry.get("attributes", {}).get("timings")
        if not isinstance(stated, Mapping):
            differences.append(Difference(where, "timings", stated, figures))
            checked += 1
            continue
        for name in TIMING_FIELDS:
            check(where, f"timings.{name}", stated.get(name), figures[name])

    sums = labour.summarise(recomputed_timings)
    for name in SUMMARY_FIELDS:
        check("info.labour", name, summary.get(name), sums[name], SUM_TOLERANCE_MS)
    check("info.labour", "sessions", summary.get("sessions"), len(led.sessions))
    check("info.labour", "active_ms", summary.get("active_ms"),
          round(sum(session.active_ms for session in led.sessions.values()), 1), SUM_TOLERANCE_MS)

    people = session_people(anchors)
    stated_people = summary.get("people") if isinstance(summary.get("people"), Mapping) else {}
    recomputed_people = person_totals(led, people)
    for person in sorted(set(stated_people) | set(recomputed_people)):
        mine = recomputed_people.get(person, {})
        theirs = stated_people.get(person, {}) if isinstance(stated_people.get(person), Mapping) else {}
        for name in PERSON_FIELDS:
            check(f"person {person}", name, theirs.get(name), mine.get(name), SUM_TOLERANCE_MS)
    for anchor in anchors:
        if anchor.get("session") not in led.sessions:
            continue
        session = led.sessions[anchor["session"]].as_dict()
        check(f"session {anchor['session']}", "clamped_ms", anchor.get("clamped_ms") or 0.0,
              session.get("clamped_ms") or 0.0, SUM_TOLERANCE_MS)
    return Verdict(checked, differences)
