"""The room as the instructor's live view shows it: who is active, on which image, how much they have
outlined, and the room's human time.

Pure: plain rows in, plain figures out; no Flask, no database. Human time is the labour ledger's (`labour.py`):
a session's active time is the sum of its capped gaps. Recomputing the whole ledger on every 3-second poll is too
slow for a full room (about 0.8 s for 60 people over an hour), so `SessionCache` keeps each session's figure and
recomputes only the sessions whose events changed. A session's active time depends on its own events only, so
the sum of cached figures equals the full ledger's total exactly.
"""

from __future__ import annotations

import bisect
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

# Loads stored events: for each session asked for, those with a row id above the given one (0: all of them), as
# (row id, annotator key or None, labour.Event), in any order.
Loader = Callable[[Mapping[str, int]], Iterable[tuple[int, int | None, labour.Event]]]


@dataclass
class SessionState:
    """What the cache keeps of one session: its events' order and clock, and the ledger's active time of them."""

    key: SessionKey
    annotator: int | None  # whose session: the person of its first event, as the ledger's reports attribute it
    active_ms: float
    seqs: list[int]  # sorted
    times: list[float]  # t_ms of each seq

    @classmethod
    def build(cls, key: SessionKey, rows: list[tuple[int, int | None, labour.Event]],
              idle_threshold_ms: float) -> SessionState:
        """From all the session's events, with the ledger itself (the reference for every figure)."""
        ordered = sorted(((event.seq, annotator, event) for _row, annotator, event in rows), key=lambda r: r[0])
        figures = labour.ledger((event for _seq, _who, event in ordered), idle_threshold_ms).sessions
        active = next(iter(figures.values())).active_ms if figures else 0.0
        return cls(key, ordered[0][1] if ordered else None, active, [seq for seq, _who, _e in ordered],
                   [event.t_ms for _seq, _who, event in ordered])

    def extend(self, key: SessionKey, rows: list[tuple[int, int | None, labour.Event]],
               idle_threshold_ms: float) -> None:
        """Add events that arrived since, wherever their seq falls: events about a polygon wait for its save
        while zooms sent on their own may already be here, so arrivals are not in seq order. Each insertion
        replaces the gap it splits by the two new ones, by the ledger's rule (`counted_gap`)."""
        for _row, annotator, event in sorted(rows, key=lambda row: row[2].seq):
            at = bisect.bisect_left(self.seqs, event.seq)
            if at < len(self.seqs) and self.seqs[at] == event.seq:
                continue  # a resend (the database refuses those anyway)
            before = self.times[at - 1] if at > 0 else None
            after = self.times[at] if at < len(self.seqs) else None
            if before is not None and after is not None:
                self.active_ms -= counted_gap(before, after, idle_threshold_ms)
            if before is not None:
                self.active_ms += counted_gap(before, event.t_ms, idle_threshold_ms)
            if after is not None:
                self.active_ms += counted_gap(event.t_ms, after, idle_threshold_ms)
            if at == 0:
                self.annotator = annotator
            self.seqs.insert(at, event.seq)
            self.times.insert(at, event.t_ms)
        self.key = key


def counted_gap(earlier_ms: float, later_ms: float, idle_threshold_ms: float) -> float:
    """The ledger's rule for the gap between two consecutive events of a session (`labour.ledger`): in full up to
    the idle threshold, the threshold beyond it, never negative. Restated here to add one event at a time; the
    unit tests hold it equal to the ledger's figures for events arriving in any order."""
    return min(max(0.0, later_ms - earlier_ms), idle_threshold_ms)


class SessionCache:
    """Each labour session's active time, brought up to date at each poll by reading only what changed.

    A session's key (event count, smallest and largest row id) says whether it changed. A changed session whose
    smallest id is the same and whose new rows all have ids above the largest one seen gets only those rows added
    (`SessionState.extend`); anything else (events deleted, a row committed late with a smaller id on PostgreSQL,
    a new idle threshold) is read again in full and computed by `labour.ledger`. A session's active time depends
    on its own events only, so the sum over sessions equals the full ledger's total.

    Thread-safe: waitress serves requests on several threads, and two polls may overlap. A workshop reset deletes
    events, so the sessions vanish from the keys and are dropped here. The cache holds no state that matters: a
    fresh one (another process, a restart) computes the same figures."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._sessions: dict[str, SessionState] = {}
        self._idle_threshold_ms: float | None = None
        # What the last call did, for tests and benchmarks: sessions read in full, and sessions extended.
        self.recomputed: list[str] = []
        self.extended: list[str] = []

    def active_ms(self, keys: Mapping[str, SessionKey], load: Loader,
                  idle_threshold_ms: float) -> dict[int | None, float]:
        """Ledger active time per annotator key over the sessions in `keys`, reading only what changed."""
        with self._lock:
            if idle_threshold_ms != self._idle_threshold_ms:
                self._sessions.clear()
                self._idle_threshold_ms = idle_threshold_ms
            for gone in set(self._sessions) - set(keys):
                del self._sessions[gone]
            wanted: dict[str, int] = {}
            for session, key in keys.items():
                known = self._sessions.get(session)
                if known is not None and known.key == key:
                    continue
                grew = (known is not None and key.min_id == known.key.min_id and key.max_id > known.key.max_id
                        and key.count > known.key.count)
                wanted[session] = known.key.max_id if grew and known is not None else 0  # 0: all its rows
            rows = _by_session(load(wanted)) if wanted else {}
            full = {session for session, after in wanted.items() if not after}
            extended = []
            for session, after in wanted.items():
                if not after:
                    continue
                new = rows.pop(session, [])
                known = self._sessions[session]
                if len(new) == keys[session].count - known.key.count:
                    known.extend(keys[session], new, idle_threshold_ms)
                    extended.append(session)
                else:
                    full.add(session)  # rows missing below the largest id seen: read it all again
            again = full - {session for session, after in wanted.items() if not after}
            if again:
                rows.update(_by_session(load(dict.fromkeys(sorted(again), 0))))
            for session in full:
                self._sessions[session] = SessionState.build(keys[session], rows.get(session, []), idle_threshold_ms)
            self.recomputed, self.extended = sorted(full), sorted(extended)
            totals: dict[int | None, float] = defaultdict(float)
            for state in self._sessions.values():
                totals[state.annotator] += state.active_ms
            return dict(totals)


def _by_session(rows: Iterable[tuple[int, int | None, labour.Event]]) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for row in rows:
        grouped[row[2].session].append(row)
    return grouped
