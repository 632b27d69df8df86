"""The room as the instructor's live view shows it: who is active, on which image, how much they have
outlined, and the room's human time.

Pure: plain rows in, plain figures out; no Flask, no database. Human time is the labour ledger's (`labour`):
each person's time is the measure of the union of their counted gaps on the server's timeline, so two tabs never
double a person. Recomputing the whole ledger on every 3-second poll is too slow for a full room, so `PartCache`
keeps each session computed alone and recomputes only the sessions whose events changed; `labour.combine` then
credits each person's overlapping sessions, so the figures equal the full ledger's exactly.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from annotator.core import labour

# A person whose last event is older than the idle threshold but newer than this is "idle" (a coffee, a question),
# older is "away".
AWAY_AFTER_S = 300.0
STATUSES = ("active", "idle", "away", "joined")


@dataclass(frozen=True)
class Person:
    """Someone who joined (or left labour events): `key` is their database id, `pseudonym` how the API names them."""

    key: int
    pseudonym: str
    name: str


@dataclass(frozen=True)
class LastEvent:
    """A person's latest labour event: the image it was about and when the server received it (epoch ms)."""

    image_id: int
    file_name: str
    received_ms: float


@dataclass(frozen=True)
class SessionKey:
    """What identifies a session's stored events: appending or deleting any changes the count or the id range
    (the smallest id too: SQLite may hand out ids again after a reset deleted every event)."""

    count: int
    min_id: int
    max_id: int


def status(last_seen_s: float | None, idle_threshold_s: float) -> str:
    """active: acted within the idle threshold (the ledger still counts the pause in full); idle: within
    `AWAY_AFTER_S`; away: longer; joined: no labour event yet."""
    if last_seen_s is None:
        return "joined"
    if last_seen_s <= idle_threshold_s:
        return "active"
    if last_seen_s <= AWAY_AFTER_S:
        return "idle"
    return "away"


def figures(people: Iterable[Person], last_events: Mapping[int, LastEvent],
            objects: Mapping[tuple[int, int], int], active_ms: Mapping[int | None, float], now_ms: float,
            idle_threshold_s: float) -> dict[str, Any]:
    """The live view's figures.

    `objects` counts live annotations per (person key, image id); `active_ms` is ledger active time per person key
    (None: sessions of no known person; they count in the room's total only)."""
    objects_by_person: dict[int, int] = defaultdict(int)
    for (person, _image), count in objects.items():
        objects_by_person[person] += count
    rows = []
    for person in people:
        last = last_events.get(person.key)
        last_seen_s = None if last is None else round(max(0.0, now_ms - last.received_ms) / 1000, 1)
        rows.append({
            "id": person.pseudonym,
            "name": person.name,
            "status": status(last_seen_s, idle_threshold_s),
            "image": None if last is None else {"id": last.image_id, "file_name": last.file_name},
            "last_seen_s": last_seen_s,
            "objects": objects_by_person.get(person.key, 0),
            "objects_on_image": 0 if last is None else objects.get((person.key, last.image_id), 0),
            "active_ms": round(active_ms.get(person.key, 0.0), 1),
        })
    rows.sort(key=lambda row: (row["name"].casefold(), row["name"], row["id"]))
    return {
        "idle_threshold_s": idle_threshold_s,
        "people": rows,
        "totals": {
            "people": len(rows),
            "active_now": sum(1 for row in rows if row["status"] == "active"),
            "objects": sum(objects.values()),
            "active_ms": round(sum(active_ms.values()), 1),
        },
    }


# --- the per-session cache ------------------------------------------------------------------------------------

# Loads the stored events of some sessions (any order).
Loader = Callable[[list[str]], Iterable[labour.Event]]


@dataclass(frozen=True)
class PartKey:
    """What identifies a session's stored figures, as the labour_session table keeps it: its event count and
    largest event id (appending, or deleting and appending again, changes them), and its anchor."""

    events: int
    last_event_id: int
    opened_ms: float | None
    person: Any

    @property
    def anchor(self) -> labour.SessionAnchor:
        return labour.SessionAnchor(self.person, self.opened_ms)


class PartCache:
    """Each labour session computed alone (`labour.session_part`), kept until its key changes.

    A session's part depends on its own events and anchor only, so a changed session (a new batch) is read and
    computed again by itself, and `labour.combine` over the cached parts gives exactly the ledger of all events:
    it credits a person's overlapping sessions gap by gap, and only those. Thread-safe (waitress serves on
    several threads); the cache holds no state that matters, so a fresh one computes the same figures."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._parts: dict[str, tuple[PartKey, labour.SessionPart]] = {}
        self._settings: tuple[float, float] | None = None
        # Each person's crediting, by their parts (`labour.combine`); entries with a replaced part are dropped.
        self.memo: dict[tuple[labour.SessionPart, ...], Mapping[str, labour.Credited]] = {}
        self.recomputed: list[str] = []  # what the last call read and computed, for tests and benchmarks

    def parts(self, keys: Mapping[str, PartKey], load: Loader, idle_threshold_ms: float, lead_ms: float, *,
              everything: bool = False) -> dict[str, labour.SessionPart]:
        """The parts of the sessions in `keys`, computing only those whose key changed. With `everything`, `keys`
        are all sessions there are, and the cache forgets the others (a reset deleted them)."""
        with self._lock:
            if self._settings != (idle_threshold_ms, lead_ms):
                self._parts.clear()
                self.memo.clear()
                self._settings = (idle_threshold_ms, lead_ms)
            if everything:
                for gone in set(self._parts) - set(keys):
                    del self._parts[gone]
            stale = sorted(session for session, key in keys.items()
                           if session not in self._parts or self._parts[session][0] != key)
            if stale:
                found: dict[str, dict[int, labour.Event]] = defaultdict(dict)
                for event in load(stale):
                    found[event.session].setdefault(event.seq, event)
                for session in stale:
                    numbered = found.get(session)
                    if not numbered:
                        self._parts.pop(session, None)
                        continue
                    stream = [numbered[seq] for seq in sorted(numbered)]
                    self._parts[session] = (keys[session], labour.session_part(
                        stream, keys[session].anchor, idle_threshold_ms, lead_ms))
            if stale or everything:
                current = {id(part) for _key, part in self._parts.values()}
                self.memo = {key: value for key, value in self.memo.items()
                             if all(id(part) in current for part in key)}
            self.recomputed = stale
            return {session: self._parts[session][1] for session in keys if session in self._parts}


def active_by_person(led: labour.Ledger) -> dict[Any, float]:
    """Each person's credited time (the measure of the union of their counted gaps); None: sessions of nobody."""
    totals: dict[Any, float] = defaultdict(float)
    for key, session in led.sessions.items():
        totals[led.people.get(key)] += session.active_ms
    return dict(totals)
