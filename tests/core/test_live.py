"""The live view's pure core: statuses, the room's figures from plain rows, and the per-session cache of ledger
parts (only changed sessions recomputed; figures equal the full ledger's, each person's overlapping tabs credited
once)."""

from __future__ import annotations

import random
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import labour
from annotator.core import live as room
from annotator.core.labour import Event
from annotator.core.live import LastEvent, PartCache, PartKey, Person

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
    """A stand-in for the labour_event and labour_session tables: rows (id, annotator, Event), each session's
    key as labour_session keeps it, and the loader the cache calls.

    Events are numbered per session as the editor numbers them, and received at the server's `now`; `add` can hold
    some back and `release` them later, as the editor holds a polygon's events until its save while zooms go out
    on their own."""

    def __init__(self) -> None:
        self.rows: list[tuple[int, int | None, Event]] = []
        self.loads: list[list[str]] = []
        self.clock: dict[str, tuple[int, float]] = {}
        self.opened: dict[str, tuple[int | None, float]] = {}
        self.held: list[tuple[int | None, Event]] = []
        self.next_id = 1
        self.now = NOW

    def add(self, annotator: int | None, session: str, gap: float, kind: str = "vertex", hold: bool = False) -> None:
        seq, t = self.clock.get(session, (0, 0.0))
        self.clock[session] = (seq + 1, t + gap)
        self.opened.setdefault(session, (annotator, self.now))
        self.now += gap
        event = Event(session, seq + 1, kind, t + gap)
        if hold:
            self.held.append((annotator, event))
        else:
            self.store(annotator, event)

    def store(self, annotator: int | None, event: Event) -> None:
        self.rows.append((self.next_id, annotator, Event(event.session, event.seq, event.kind, event.t_ms,
                                                         received_ms=self.now)))
        self.next_id += 1

    def release(self) -> None:
        for annotator, event in self.held:
            self.store(annotator, event)
        self.held = []

    def delete_all(self) -> None:
        """A workshop reset (events and sessions); SQLite may then hand out the same ids again."""
        self.rows, self.opened, self.next_id = [], {}, 1

    def keys(self) -> dict[str, PartKey]:
        found: dict[str, PartKey] = {}
        for row_id, _annotator, event in self.rows:
            person, opened = self.opened[event.session]
            known = found.get(event.session, PartKey(0, 0, opened, person))
            found[event.session] = PartKey(known.events + 1, max(known.last_event_id, row_id), opened, person)
        return found

    def load(self, wanted: list[str]) -> list[Event]:
        self.loads.append(list(wanted))
        return [event for _id, _annotator, event in self.rows if event.session in wanted]

    def full_ledger(self) -> dict[int | None, float]:
        """Per person, straight from labour.ledger over every stored event and session."""
        anchors = {session: key.anchor for session, key in self.keys().items()}
        return room.active_by_person(labour.ledger((event for _id, _who, event in self.rows), IDLE_MS, anchors))

    def cached(self, cache: PartCache) -> dict[int | None, float]:
        return room.active_by_person(labour.combine(cache.parts(self.keys(), self.load, IDLE_MS, LEAD_MS,
                                                                everything=True).values()))


LEAD_MS = 60_000.0


def test_the_cache_reads_only_what_changed():
    store, cache = Store(), PartCache()
    for gap in (0, 1_000, 2_000, 45_000):
        store.add(1, "amara-page-1", gap)
        store.add(2, "bo-page-1", gap / 2)
    store.add(2, "bo-page-2", 0)
    assert store.cached(cache) == pytest.approx(store.full_ledger())
    assert store.loads == [["amara-page-1", "bo-page-1", "bo-page-2"]]
    assert cache.recomputed == ["amara-page-1", "bo-page-1", "bo-page-2"]

    assert store.cached(cache) == pytest.approx(store.full_ledger())
    assert store.loads[1:] == [] and cache.recomputed == []  # nothing changed: nothing read

    store.add(2, "bo-page-2", 4_000)
    store.add(2, "bo-page-2", 50_000)
    figures = store.cached(cache)
    assert store.loads[1:] == [["bo-page-2"]] and cache.recomputed == ["bo-page-2"]  # that session only
    assert figures == pytest.approx(store.full_ledger())


def test_events_arriving_out_of_order_are_put_in_their_place():
    """A polygon's events wait for its save; a zoom made while drawing it goes out first with a later seq."""
    store, cache = Store(), PartCache()
    store.add(1, "page", 0, "open")
    store.add(1, "page", 2_000, "draw-start", hold=True)
    store.add(1, "page", 1_000, hold=True)
    store.add(1, "page", 20_000, "zoom")  # seq 4, stored before seqs 2 and 3
    assert store.cached(cache) == {1: 23_000}  # open -> zoom, as far as the server knows
    store.add(1, "page", 500, hold=True)
    store.add(1, "page", 500, "close", hold=True)
    store.release()
    assert store.cached(cache) == pytest.approx(store.full_ledger()) == {1: 2_000 + 1_000 + 20_000 + 500 + 500}
    assert cache.recomputed == ["page"]


def test_deleted_sessions_vanish_and_reused_ids_are_read_again():
    store, cache = Store(), PartCache()
    for gap in (0, 1_000, 1_000):
        store.add(1, "one", gap)
        store.add(2, "two", gap)
    store.cached(cache)
    store.rows = [row for row in store.rows if row[2].session != "two"]  # one person's work removed
    assert store.cached(cache) == {1: 2_000}
    store.delete_all()
    assert store.cached(cache) == {}
    store.add(3, "three", 0)
    store.add(3, "three", 700)
    assert store.cached(cache) == {3: 700} and cache.recomputed == ["three"]


def test_a_new_idle_threshold_or_lead_recomputes_everything():
    store, cache = Store(), PartCache()
    store.add(1, "one", 0)
    store.add(1, "one", 40_000)
    assert store.cached(cache) == {1: 30_000}
    parts = cache.parts(store.keys(), store.load, 10_000, LEAD_MS)
    assert room.active_by_person(labour.combine(parts.values())) == {1: 10_000} and cache.recomputed == ["one"]


def test_two_tabs_of_one_person_are_credited_once():
    store, cache = Store(), PartCache()
    for _ in range(10):  # the person works in two tabs at once, one event a second in each
        store.add(1, "tab-a", 500)
        store.add(1, "tab-b", 500)
    figures = store.cached(cache)
    assert figures == pytest.approx(store.full_ledger())
    assert figures[1] <= store.now - NOW + 1e-6  # never more than the time that passed


@settings(max_examples=80, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3), st.floats(0, 90_000), st.booleans(), st.booleans()),
                min_size=1, max_size=80),
       st.integers(1, 8))
def test_cached_figures_always_equal_the_full_ledger(steps, polls):
    """Events arrive in any interleaving, some held back and sent later, with polls in between: the cache always
    agrees with labour.ledger over everything stored."""
    store, cache = Store(), PartCache()
    every = max(1, len(steps) // polls)
    for index, (person, page, gap, hold, hidden) in enumerate(steps):
        store.add(person or None, f"page-{person}-{page}", gap, "visibility" if hidden else "vertex", hold=hold)
        if index % every == 0:
            assert store.cached(cache) == pytest.approx(store.full_ledger())
            if index % (2 * every) == 0:
                store.release()
    store.release()
    assert store.cached(cache) == pytest.approx(store.full_ledger())


def test_concurrent_polls_agree():
    store, cache = Store(), PartCache()
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
    assert sum(len(wanted) for wanted in store.loads) == len(store.keys())  # each session read once
