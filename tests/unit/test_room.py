"""The live view's pure core: statuses, the room's figures from plain rows, and the per-session cache of ledger
time (only changed sessions recomputed; totals equal the full ledger's)."""

from __future__ import annotations

import random
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import labour, room
from annotator.labour import Event
from annotator.room import LastEvent, Person, SessionCache, SessionKey

IDLE_MS = 30_000.0


@pytest.mark.parametrize(("last_seen_s", "expected"), [
    (None, "joined"), (0.0, "active"), (29.9, "active"), (30.0, "active"), (30.1, "idle"), (300.0, "idle"),
    (300.1, "away"), (7200.0, "away"),
])
def test_status_follows_the_idle_threshold_then_five_minutes(last_seen_s, expected):
    assert room.status(last_seen_s, 30) == expected


def test_a_longer_idle_threshold_keeps_people_active_longer():
    assert room.status(45, 60) == "active" and room.status(45, 30) == "idle"


NOW = 1_700_000_000_000.0


def test_figures_join_people_their_latest_image_objects_and_time():
    people = [Person(1, "annotator-aaaa1111", "zoë"), Person(2, "annotator-bbbb2222", "Amara"),
              Person(3, "annotator-cccc3333", "<b>Bo</b>")]
    last = {1: LastEvent(4, "street.jpg", NOW - 12_000), 2: LastEvent(5, "dusk.png", NOW - 100_000)}
    objects = {(1, 4): 3, (1, 5): 2, (2, 5): 1, (2, 9): 4}
    result = room.figures(people, last, objects, {1: 61_000.0, 2: 5_000.04, None: 1_000.0}, NOW, 30)

    assert [row["name"] for row in result["people"]] == ["<b>Bo</b>", "Amara", "zoë"]  # by name, ignoring case
    bo, amara, zoe = result["people"]
    assert zoe == {"id": "annotator-aaaa1111", "name": "zoë", "status": "active",
                   "image": {"id": 4, "file_name": "street.jpg"}, "last_seen_s": 12.0, "objects": 5,
                   "objects_on_image": 3, "active_ms": 61_000.0}
    assert (amara["status"], amara["last_seen_s"], amara["objects"], amara["objects_on_image"],
            amara["active_ms"]) == ("idle", 100.0, 5, 1, 5_000.0)
    assert (bo["status"], bo["image"], bo["last_seen_s"], bo["objects"], bo["objects_on_image"],
            bo["active_ms"]) == ("joined", None, None, 0, 0, 0.0)
    # The room's time includes sessions of nobody listed (None), as the ledger's total does.
    assert result["totals"] == {"people": 3, "active_now": 1, "objects": 10, "active_ms": 67_000.0}
    assert result["idle_threshold_s"] == 30


def test_a_clock_a_little_behind_never_gives_a_negative_last_seen():
    result = room.figures([Person(1, "annotator-aaaa1111", "A")], {1: LastEvent(1, "a.jpg", NOW + 400)}, {}, {}, NOW,
                          30)
    assert result["people"][0]["last_seen_s"] == 0.0 and result["people"][0]["status"] == "active"


def test_an_empty_room():
    assert room.figures([], {}, {}, {}, NOW, 30)["totals"] == {"people": 0, "active_now": 0, "objects": 0,
                                                               "active_ms": 0}


# --- the per-session cache -------------------------------------------------------------------------------------


class Store:
    """A stand-in for the labour_event table: rows (id, annotator, Event), and the loader the cache calls."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int | None, Event]] = []
        self.loads: list[list[str]] = []
        self.clock: dict[str, tuple[int, float]] = {}

    def add(self, annotator: int | None, session: str, gap: float, kind: str = "vertex") -> None:
        seq, t = self.clock.get(session, (0, 0.0))
        self.clock[session] = (seq + 1, t + gap)
        self.rows.append((len(self.rows) + 1, annotator, Event(session, seq + 1, kind, t + gap)))

    def keys(self) -> dict[str, SessionKey]:
        found: dict[str, SessionKey] = {}
        for row_id, _annotator, event in self.rows:
            known = found.get(event.session, SessionKey(0, row_id, row_id))
            found[event.session] = SessionKey(known.count + 1, min(known.min_id, row_id), max(known.max_id, row_id))
        return found

    def load(self, sessions: list[str]) -> list[tuple[int | None, Event]]:
        self.loads.append(list(sessions))
        wanted = set(sessions)
        return [(annotator, event) for _id, annotator, event in self.rows if event.session in wanted]

    def full_ledger(self) -> dict[int | None, float]:
        """Per person, straight from labour.ledger over every event, attributing sessions as the ledger report
        does (the person of the session's first event)."""
        led = labour.ledger((event for _id, _annotator, event in self.rows), IDLE_MS)
        owner: dict[str, int | None] = {}
        for _id, annotator, event in sorted(self.rows, key=lambda row: (row[2].session, row[2].seq)):
            owner.setdefault(event.session, annotator)
        totals: dict[int | None, float] = {}
        for key, session in led.sessions.items():
            totals[owner[key]] = totals.get(owner[key], 0.0) + session.active_ms
        return totals

    def cached(self, cache: SessionCache) -> dict[int | None, float]:
        return cache.active_ms(self.keys(), self.load, IDLE_MS)


def test_the_cache_recomputes_only_the_sessions_whose_events_changed():
    store, cache = Store(), SessionCache()
    for gap in (0, 1_000, 2_000, 45_000):
        store.add(1, "amara-page-1", gap)
        store.add(2, "bo-page-1", gap / 2)
    store.add(2, "bo-page-2", 0)
    assert store.cached(cache) == pytest.approx(store.full_ledger())
    assert store.loads == [["amara-page-1", "bo-page-1", "bo-page-2"]]

    assert store.cached(cache) == pytest.approx(store.full_ledger())
    assert store.loads[1:] == [] and cache.recomputed == []  # nothing changed: nothing loaded

    store.add(2, "bo-page-2", 4_000)
    store.add(2, "bo-page-2", 50_000)
    figures = store.cached(cache)
    assert store.loads[1:] == [["bo-page-2"]] and cache.recomputed == ["bo-page-2"]
    assert figures == pytest.approx(store.full_ledger())
    assert figures[1] == 33_000 and figures[2] == 500 + 1_000 + 22_500 + 4_000 + 30_000


def test_deleted_events_change_the_key_and_vanished_sessions_are_dropped():
    store, cache = Store(), SessionCache()
    for gap in (0, 1_000, 1_000):
        store.add(1, "one", gap)
        store.add(2, "two", gap)
    store.cached(cache)
    store.rows = [row for row in store.rows if row[2].session != "two"]  # a reset of one person's work
    assert store.cached(cache) == {1: 2_000}
    store.rows = []  # a workshop reset
    assert store.cached(cache) == {}
    store.add(3, "three", 0)
    store.add(3, "three", 700)
    assert store.cached(cache) == {3: 700} and cache.recomputed == ["three"]


def test_a_session_is_the_person_of_its_first_event():
    rows = [(7, Event("page", 2, "vertex", 1_000.0)), (9, Event("page", 1, "open", 0.0)),
            (7, Event("page", 3, "close", 1_500.0))]
    assert room.session_figures(rows, IDLE_MS) == {"page": room.SessionFigure(9, 1_500.0)}


def test_a_new_idle_threshold_recomputes_everything():
    store, cache = Store(), SessionCache()
    store.add(1, "one", 0)
    store.add(1, "one", 40_000)
    assert store.cached(cache) == {1: 30_000}
    assert cache.active_ms(store.keys(), store.load, 10_000) == {1: 10_000} and cache.recomputed == ["one"]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 4), st.floats(0, 90_000), st.booleans()),
                min_size=1, max_size=80),
       st.integers(1, 6))
def test_cached_figures_always_equal_the_full_ledger(steps, polls):
    """Events arrive in any interleaving, with polls in between: the cache always agrees with labour.ledger."""
    store, cache = Store(), SessionCache()
    every = max(1, len(steps) // polls)
    for index, (person, page, gap, hidden) in enumerate(steps):
        store.add(person or None, f"page-{person}-{page}", gap, "visibility" if hidden else "vertex")
        if index % every == 0:
            assert store.cached(cache) == pytest.approx(store.full_ledger())
    assert store.cached(cache) == pytest.approx(store.full_ledger())
    assert sum(store.cached(cache).values()) == pytest.approx(
        sum(s.active_ms for s in labour.ledger((e for _i, _a, e in store.rows), IDLE_MS).sessions.values()))


def test_concurrent_polls_agree():
    store, cache = Store(), SessionCache()
    rng = random.Random(6)
    for _ in range(2_000):
        person = rng.randrange(20)
        store.add(person, f"page-{person}-{rng.randrange(3)}", rng.uniform(0, 40_000))
    expected = store.full_ledger()
    answers: list[dict[int | None, float]] = []

    def poll() -> None:
        answers.append(store.cached(cache))

    threads = [threading.Thread(target=poll) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 8 and all(answer == pytest.approx(expected) for answer in answers)
    assert sum(len(sessions) for sessions in store.loads) == len(store.keys())  # each session computed once
