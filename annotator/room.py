"""The room as the instructor's live view shows it: who is active, on which image, how much they have
outlined, and the room's human time.

Pure: plain rows in, plain figures out; no Flask, no database. Human time is the labour ledger's (`labour.py`):
a session's active time is the sum of its capped gaps. Recomputing the whole ledger on every 3-second poll is too
slow for a full room (about 0.8 s for 60 people over an hour), so `SessionCache` keeps each session's figure and
recomputes only the sessions whose events changed. A session's active time depends on its own events only, so
the sum of cached figures equals the full ledger's total exactly.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import labour

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


@dataclass(frozen=True)
class SessionFigure:
    annotator: int | None  # whose session: the person of its first event, as the ledger's reports attribute it
    active_ms: float


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

# Loads the events of some sessions: (annotator key or None, labour.Event) pairs, any order.
Loader = Callable[[list[str]], Iterable[tuple[int | None, labour.Event]]]


class SessionCache:
    """Each labour session's active time, recomputed only when its key (event count, max event id) changes.

    Thread-safe: waitress serves requests on several threads, and two polls may overlap. A workshop reset deletes
    events, so the sessions vanish from the keys and are dropped here; nothing else needs invalidating. The cache
    holds no state that matters: a fresh one (another process, a restart) computes the same figures."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, tuple[SessionKey, SessionFigure]] = {}
        self._idle_threshold_ms: float | None = None
        self.recomputed: list[str] = []  # the sessions the last call recomputed (for tests and benchmarks)

    def active_ms(self, keys: Mapping[str, SessionKey], load: Loader,
                  idle_threshold_ms: float) -> dict[int | None, float]:
        """Ledger active time per annotator key over the sessions in `keys`, loading only changed sessions."""
        with self._lock:
            if idle_threshold_ms != self._idle_threshold_ms:
                self._sessions.clear()
                self._idle_threshold_ms = idle_threshold_ms
            stale = sorted(session for session, key in keys.items()
                           if session not in self._sessions or self._sessions[session][0] != key)
            fresh = session_figures(load(stale), idle_threshold_ms) if stale else {}
            for session in stale:
                # A session whose events vanished between the two queries counts as empty until the next poll.
                self._sessions[session] = (keys[session], fresh.get(session, SessionFigure(None, 0.0)))
            for gone in set(self._sessions) - set(keys):
                del self._sessions[gone]
            self.recomputed = stale
            totals: dict[int | None, float] = defaultdict(float)
            for _key, figure in self._sessions.values():
                totals[figure.annotator] += figure.active_ms
            return dict(totals)


def session_figures(rows: Iterable[tuple[int | None, labour.Event]],
                    idle_threshold_ms: float) -> dict[str, SessionFigure]:
    """Each session's active time by the ledger, and whose it is (the person of its lowest seq)."""
    first: dict[str, tuple[int, int | None]] = {}
    events = []
    for annotator, event in rows:
        events.append(event)
        if event.session not in first or event.seq < first[event.session][0]:
            first[event.session] = (event.seq, annotator)
    computed = labour.ledger(events, idle_threshold_ms).sessions
    return {session: SessionFigure(first[session][1], figure.active_ms) for session, figure in computed.items()}
