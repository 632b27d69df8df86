"""The labour timings: exact figures for scripted sessions, and properties that hold for any event stream."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import labour
from annotator.core.labour import Event


def script(*steps: tuple, session: str = "session-a", start_seq: int = 1) -> list[Event]:
    """Events from (gap_ms, kind, annotation, data) steps: the first gap is measured from t=0."""
    events, t = [], 0.0
    for seq, (gap, kind, *rest) in enumerate(steps, start=start_seq):
        t += gap
        annotation = rest[0] if rest else None
        data = rest[1] if len(rest) > 1 else {}
        events.append(Event(session, seq, kind, t, annotation, data))
    return events


def click(gap: float, annotation: str, provenance: str = "click") -> tuple:
    return (gap, "vertex", annotation, {"provenance": provenance})


TRIANGLE = [
    (0, "open"),
    (4_000, "draw-start", "car-1"), click(0, "car-1"),
    click(1_000, "car-1"), click(1_500, "car-1", "snap"),
    (500, "close", "car-1"),
]


def test_search_is_the_time_before_the_first_vertex_and_draw_the_time_until_the_close():
    result = labour.ledger(script(*TRIANGLE))
    car = result.polygons["car-1"]
    assert (car.search_ms, car.draw_ms, car.edit_ms) == (4_000, 3_000, 0)
    assert (car.vertices_placed, car.clicks, car.snapped, car.closed) == (3, 3, 1, True)


def test_a_long_pause_while_drawing_counts_as_the_idle_threshold():
    steps = [*TRIANGLE[:3], click(95_000, "car-1"), click(1_000, "car-1"), (1_000, "close", "car-1")]
    car = labour.ledger(script(*steps)).polygons["car-1"]
    assert car.draw_ms == 30_000 + 1_000 + 1_000
    assert car.idle_ms == 65_000


def test_hidden_tab_time_is_capped_like_idle_and_reported_in_full():
    steps = [*TRIANGLE[:3], (2_000, "visibility", None, {"state": "hidden"}),
             (600_000, "visibility", None, {"state": "visible"}), click(1_000, "car-1"), click(1_000, "car-1"),
             (1_000, "close", "car-1")]
    result = labour.ledger(script(*steps))
    car = result.polygons["car-1"]
    assert car.draw_ms == 2_000 + 30_000 + 3_000
    assert car.hidden_ms == 600_000
    assert result.sessions["session-a"].hidden_ms == 600_000


def test_edits_collect_the_selecting_and_zooming_that_led_to_them():
    steps = [*TRIANGLE, (3_000, "select", "car-1"), (2_000, "zoom"), (1_000, "move-vertex", "car-1"),
             (500, "class-change", "car-1"), (10_000, "pan")]
    result = labour.ledger(script(*steps))
    car = result.polygons["car-1"]
    assert car.edit_ms == 6_500
    assert (car.vertex_moves, car.class_changes, car.edits, car.zooms, car.pans) == (1, 1, 2, 1, 0)
    session = result.sessions["session-a"]
    assert session.other_ms == 10_000  # looking around at the end, with no work after it
    assert session.pans == 1


def test_a_cancelled_drawing_keeps_its_time_under_its_own_id():
    steps = [(0, "open"), (2_000, "draw-start", "draft"), click(0, "draft"), click(1_000, "draft"),
             (700, "cancel", "draft"), (3_000, "draw-start", "car-2"), click(0, "car-2")]
    result = labour.ledger(script(*steps))
    draft = result.polygons["draft"]
    assert (draft.search_ms, draft.draw_ms, draft.closed, draft.cancelled) == (2_000, 1_700, False, 1)
    assert result.polygons["car-2"].search_ms == 3_000


def test_a_hole_cut_later_counts_as_drawing_the_same_annotation():
    steps = [*TRIANGLE, (2_000, "ring-tool", "car-1"), (1_000, "ring-start", "car-1"), click(0, "car-1"),
             click(1_000, "car-1"), click(1_000, "car-1"), (1_000, "close", "car-1", {"ring": "hole"})]
    car = labour.ledger(script(*steps)).polygons["car-1"]
    assert car.draw_ms == 3_000 + 3_000
    assert car.search_ms == 4_000 + 3_000
    assert car.vertices_placed == 6


def test_deleted_polygons_keep_their_figures():
    kept = labour.ledger(script(*TRIANGLE)).polygons["car-1"]
    deleted = labour.ledger(script(*TRIANGLE, (2_000, "delete", "car-1"))).polygons["car-1"]
    assert deleted.draw_ms == kept.draw_ms and deleted.search_ms == kept.search_ms
    assert deleted.edit_ms == 2_000 and deleted.deletes == 1


def test_sessions_are_separate_clocks_and_a_polygon_sums_over_them():
    first = script(*TRIANGLE)
    later = script((0, "open"), (5_000, "select", "car-1"), (1_000, "move-vertex", "car-1"), session="session-b")
    result = labour.ledger(first + later)
    car = result.polygons["car-1"]
    assert car.total_ms == 4_000 + 3_000 + 6_000
    assert car.sessions == ["session-a", "session-b"]


def test_wall_clock_comes_from_the_servers_receive_time():
    events = [Event("s", i + 1, e.kind, e.t_ms, e.annotation, e.data, received_ms=1_000_000 + 9_000)
              for i, e in enumerate(script(*TRIANGLE))]
    car = labour.ledger(events).polygons["car-1"]
    # every event arrived at 1,009,000 ms; the last happened at t = 7,000, so the page opened by 1,002,000
    assert car.first_ms == 1_002_000 + 4_000
    assert car.closed_at_ms == 1_009_000


def test_the_threshold_must_be_positive():
    with pytest.raises(ValueError):
        labour.ledger([], idle_threshold_ms=0)


def test_a_summary_sums_its_polygons_and_gives_their_distribution():
    rows = [dict(labour.PolygonLabour("a", draw_ms=1_000).as_dict(), category="car", vertices=4),
            dict(labour.PolygonLabour("b", draw_ms=3_000, search_ms=1_000).as_dict(), category="car", vertices=6),
            dict(labour.PolygonLabour("c", edit_ms=500).as_dict(), category="road", vertices=3)]
    cars = labour.summarise(row for row in rows if row["category"] == "car")
    assert cars["polygons"] == 2 and cars["total_ms"] == 5_000
    assert cars["median_ms"] == 2_500 and cars["vertices"] == 10
    assert labour.summarise(rows[2:])["slowest_ms"] == 500


def test_cumulative_hours_add_up_the_closed_polygons_in_time_order():
    closes = [(5_000.0, 1_800_000.0), (1_000.0, 3_600_000.0), (9_000.0, 0.0)]
    assert labour.cumulative_hours(closes) == [(1_000.0, 1.0), (5_000.0, 1.5), (9_000.0, 1.5)]


# --- properties -----------------------------------------------------------------------------------------

KINDS = ["open", "draw-start", "vertex", "vertex", "vertex", "close", "cancel", "remove-vertex", "zoom", "pan",
         "select", "move-vertex", "insert-vertex", "class-change", "delete", "undo", "redo", "visibility",
         "ring-start", "tool"]
steps = st.lists(st.tuples(st.floats(0, 200_000, allow_nan=False), st.sampled_from(KINDS),
                           st.sampled_from(["p1", "p2", "p3", None]), st.sampled_from(["hidden", "visible"]),
                           st.sampled_from(["click", "snap", "trace", "border"])), max_size=60)


def stream_of(raw: list, session: str = "s1", jitter: bool = False) -> list[Event]:
    events, t = [], 0.0
    for seq, (gap, kind, annotation, visibility, provenance) in enumerate(raw, start=1):
        t = t + gap if not jitter else max(0.0, t + gap - 150_000)  # jitter: clocks that go back
        data = {"state": visibility} if kind == "visibility" else {"provenance": provenance}
        events.append(Event(session, seq, kind, t, annotation, data))
    return events


def totals(result: labour.Ledger) -> dict:
    return {key: polygon.as_dict() for key, polygon in result.polygons.items()}


@settings(max_examples=200, deadline=None)
@given(steps, st.booleans())
def test_no_figure_is_ever_negative_and_sessions_partition_their_time(raw, jitter):
    result = labour.ledger(stream_of(raw, jitter=jitter))
    for polygon in result.polygons.values():
        assert all(getattr(polygon, name) >= 0 for name in (*labour.DURATIONS, "idle_ms", "hidden_ms"))
    for session in result.sessions.values():
        parts = session.draw_ms + session.search_ms + session.edit_ms + session.other_ms
        assert parts == pytest.approx(session.active_ms)
        assert session.active_ms + session.idle_ms == pytest.approx(session.wall_ms)
        assert session.active_ms <= session.wall_ms + 1e-6
    assert sum(p.total_ms for p in result.polygons.values()) <= sum(
        s.active_ms for s in result.sessions.values()) + 1e-6


@settings(max_examples=200, deadline=None)
@given(steps, st.floats(1, 100_000), st.floats(1, 100_000))
def test_idle_capping_is_monotonic(raw, low, high):
    low, high = sorted((low, high))
    events = stream_of(raw)
    tight, loose = labour.ledger(events, low), labour.ledger(events, high)
    for key, polygon in tight.polygons.items():
        for name in labour.DURATIONS:
            assert getattr(polygon, name) <= getattr(loose.polygons[key], name) + 1e-6
    for key, session in tight.sessions.items():
        assert session.active_ms <= loose.sessions[key].active_ms + 1e-6


@settings(max_examples=200, deadline=None)
@given(steps, steps, st.randoms(use_true_random=False), st.integers(1, 6))
def test_splitting_streams_across_saves_gives_the_same_totals(raw_a, raw_b, rng: random.Random, batches):
    events = stream_of(raw_a, "s1") + stream_of(raw_b, "s2")
    whole = labour.ledger(events)
    # The same events sent in several saves, in any order, some of them sent twice (a retried request).
    shuffled = events + rng.sample(events, k=len(events) // 3)
    rng.shuffle(shuffled)
    cut = sorted(rng.sample(range(len(shuffled) + 1), k=min(batches, len(shuffled) + 1)))
    pieces = [shuffled[a:b] for a, b in zip([0, *cut], [*cut, len(shuffled)], strict=True)]
    split = labour.ledger(event for piece in pieces for event in piece)
    assert totals(split) == totals(whole)


@settings(max_examples=100, deadline=None)
@given(steps)
def test_deleting_a_polygon_never_removes_labour(raw):
    events = stream_of(raw)
    before = labour.ledger(events)
    last = events[-1] if events else Event("s1", 0, "open", 0.0)
    after = labour.ledger([*events, Event("s1", last.seq + 1, "delete", last.t_ms + 1_000, "p1")])
    for key, polygon in before.polygons.items():
        assert after.polygons[key].total_ms >= polygon.total_ms - 1e-6
        assert after.polygons[key].draw_ms >= polygon.draw_ms


def test_a_replay_runs_on_labour_time_with_idle_gaps_capped():
    steps = [*TRIANGLE[:3], click(120_000, "car-1"), click(1_000, "car-1"), (1_000, "close", "car-1")]
    later = script((0, "open"), (2_000, "select", "car-1"), session="session-b")
    for event in later:
        object.__setattr__(event, "received_ms", 10**12)  # heard from later than the first session
    first = [Event(e.session, e.seq, e.kind, e.t_ms, e.annotation, e.data, 1.0) for e in script(*steps)]
    timeline = labour.replay(later + first)
    assert [(step["at_ms"], step["kind"]) for step in timeline] == [
        (0, "open"), (4_000, "draw-start"), (4_000, "vertex"), (34_000, "vertex"), (35_000, "vertex"),
        (36_000, "close"), (36_000, "open"), (38_000, "select")]


# --- the server's clock: placement, clamps and a person's union ----------------------------------------------

T0 = 1_700_000_000_000.0  # the server's epoch ms when the first page opened
ME = "person-1"


def placed(events: list[Event], received: list[float]) -> list[Event]:
    return [Event(e.session, e.seq, e.kind, e.t_ms, e.annotation, e.data, at) for e, at in zip(events, received,
                                                                                                  strict=True)]


def union_ms(result: labour.Ledger, parts: list[labour.SessionPart], person) -> float:
    """The measure of the union of a person's counted intervals, straight from the placed gaps."""
    intervals = sorted((start, start + amount) for part in parts if part.person == person
                       for start, amount in zip(part.gaps.starts, part.gaps.counted, strict=True) if amount > 0)
    total, reach = 0.0, -float("inf")
    for start, end in intervals:
        if end > reach:
            total += end - max(start, reach)
            reach = end
    return total


def person_ms(result: labour.Ledger, person=ME) -> float:
    return sum(session.active_ms for key, session in result.sessions.items() if result.people.get(key) == person)


def test_two_tabs_drawing_in_turn_are_credited_once():
    """The measured case: 8 s of drawing in one tab, then 8 s in another, both open; it was credited 33 s for
    17.6 s of wall time. Tab A's pause spans tab B's work, so it gets nothing there."""
    tab_a = script((0, "open"), (500, "draw-start", "a-1"), click(0, "a-1"), click(4_000, "a-1"),
                   (4_000, "close", "a-1"), (9_100, "visibility", None, {"state": "hidden"}), session="tab-a")
    tab_b = script((0, "open"), (0, "draw-start", "b-1"), click(0, "b-1"), click(4_000, "b-1"),
                   (4_000, "close", "b-1"), session="tab-b")
    events = placed(tab_a, [T0 + 17_600] * len(tab_a)) + placed(tab_b, [T0 + 17_600] * len(tab_b))
    anchors = {"tab-a": labour.SessionAnchor(ME, T0), "tab-b": labour.SessionAnchor(ME, T0 + 9_000)}
    result = labour.ledger(events, sessions=anchors)
    assert person_ms(result) <= 17_600
    assert result.polygons["a-1"].total_ms == 8_500 and result.polygons["b-1"].total_ms == 8_000
    assert result.sessions["tab-a"].overlap_ms == pytest.approx(8_000)  # its pause while B was drawing
    alone = labour.ledger(events)  # no person known: each tab alone, as before
    assert sum(session.active_ms for session in alone.sessions.values()) == 8_500 + 9_100 + 8_000


def test_input_interleaved_in_two_tabs_shares_each_moment_evenly():
    tab_a = placed(script((0, "open"), (0, "select", "a-1"), (2_000, "move-vertex", "a-1"), session="tab-a"),
                   [T0 + 2_000] * 3)
    tab_b = placed(script((0, "open"), (1_000, "select", "b-1"), (2_000, "move-vertex", "b-1"), session="tab-b"),
                   [T0 + 2_000] * 3)
    # tab-b's clock started 1 s before tab-a's: A's gap [0, 2 s] and B's gaps [-1 s, 0], [0, 2 s] on the server
    result = labour.ledger(tab_a + tab_b, sessions={"tab-a": labour.SessionAnchor(ME, T0),
                                                    "tab-b": labour.SessionAnchor(ME, T0)})
    assert result.polygons["a-1"].edit_ms == pytest.approx(1_000)  # the same 2 s in both: half each
    assert result.polygons["b-1"].edit_ms == pytest.approx(1_000 + 1_000)
    assert person_ms(result) == pytest.approx(3_000)


def test_a_hidden_tab_counts_nothing_while_another_of_the_persons_tabs_is_visible():
    hidden = placed(script((0, "open"), (0, "visibility", None, {"state": "hidden"}),
                           (20_000, "visibility", None, {"state": "visible"}), session="hidden-tab"), [T0 + 20_000] * 3)
    working = placed(script((0, "open"), (1_000, "select", "w-1"), (1_000, "move-vertex", "w-1"),
                            (1_000, "move-vertex", "w-1"), session="working-tab"), [T0 + 20_000] * 4)
    result = labour.ledger(hidden + working, sessions={"hidden-tab": labour.SessionAnchor(ME, T0),
                                                       "working-tab": labour.SessionAnchor(ME, T0)})
    # on the server: hidden gap [0, 20 s]; the working tab's gaps fill [17 s, 20 s]
    assert result.sessions["working-tab"].active_ms == pytest.approx(3_000)
    assert result.sessions["hidden-tab"].active_ms == pytest.approx(17_000)
    assert person_ms(result) == pytest.approx(20_000)


def test_a_clock_claiming_hours_in_one_batch_is_clamped_to_what_the_server_saw():
    """5,000 events 29 s apart in the first batch, seconds after the page opened: 40 hours claimed."""
    events = [Event("forger", seq, "move-vertex", seq * 29_000.0, "mine-1", {}, T0 + 5_000) for seq in range(5_000)]
    result = labour.ledger(events, sessions={"forger": labour.SessionAnchor(ME, T0)}, lead_ms=60_000)
    session = result.sessions["forger"]
    assert session.active_ms <= 5_000 + 60_000
    assert session.clamped_ms == pytest.approx(4_999 * 29_000 - session.wall_ms)
    assert "server saw only 5 s" in session.clamp_reason


def test_an_honest_tab_is_not_clamped_and_keeps_its_figures():
    events = script(*TRIANGLE, (3_000, "select", "car-1"), (1_000, "move-vertex", "car-1"))
    sent = placed(events, [T0 + 200 + e.t_ms for e in events])  # each event sent as it happened
    result = labour.ledger(sent, sessions={"session-a": labour.SessionAnchor(ME, T0)})
    assert totals(result) == {key: {**value, "first_ms": result.polygons[key].first_ms,
                                    "closed_at_ms": result.polygons[key].closed_at_ms}
                              for key, value in totals(labour.ledger(events)).items()}
    assert result.sessions["session-a"].clamped_ms == 0 and result.sessions["session-a"].clamp_reason is None


# A person's activity on the true timeline: (gap, kind, annotation, visibility, provenance, tab, batch break)
activity = st.lists(st.tuples(st.floats(0, 60_000, allow_nan=False), st.sampled_from(KINDS),
                              st.sampled_from(["p1", "p2", "p3", None]), st.sampled_from(["hidden", "visible"]),
                              st.sampled_from(["click", "snap", "trace", "border"]), st.integers(0, 2),
                              st.booleans()), min_size=1, max_size=50)


def sessions_of(raw: list, tabs: bool, batches: bool, latency: float = 0.0, claim: float = 1.0
                ) -> tuple[list[Event], dict[str, labour.SessionAnchor], float]:
    """The activity as the server stores it: events in one tab or spread over tabs (each opened at its first
    event), sent in one batch per tab at the end or in batches as they go (each `latency` ms late), the page's
    clock running `claim` times as fast as the server's. Returns events, anchors and the last receive time."""
    true_times, at = [], T0
    for gap, *_ in raw:
        at += gap
        true_times.append(at)
    end = true_times[-1] + latency
    by_tab: dict[str, list[int]] = defaultdict(list)
    for index, step in enumerate(raw):
        by_tab[f"tab-{step[5] if tabs else 0}"].append(index)
    events, anchors = [], {}
    for tab, indices in by_tab.items():
        opened = true_times[indices[0]]
        anchors[tab] = labour.SessionAnchor(ME, opened)
        batch_end = {}
        pending: list[int] = []
        for index in indices:
            pending.append(index)
            if batches and raw[index][6]:
                for item in pending:
                    batch_end[item] = true_times[index] + latency
                pending = []
        for item in pending:
            batch_end[item] = end if not batches else true_times[indices[-1]] + latency
        for seq, index in enumerate(indices, start=1):
            _gap, kind, annotation, visibility, provenance, _tab, _cut = raw[index]
            data = {"state": visibility} if kind == "visibility" else {"provenance": provenance}
            events.append(Event(tab, seq, kind, (true_times[index] - opened) * claim, annotation, data,
                                batch_end[index]))
    return events, anchors, end


@settings(max_examples=60, deadline=None)
@given(activity, st.booleans(), st.booleans(), st.floats(0, 5_000), st.floats(0.1, 50))
def test_a_persons_polygons_never_add_up_to_more_than_their_union(raw, tabs, batches, latency, claim):
    events, anchors, _end = sessions_of(raw, tabs, batches, latency, claim)
    session_parts = labour.parts(events, sessions=anchors)
    result = labour.combine(session_parts)
    union = union_ms(result, session_parts, ME)
    assert person_ms(result) == pytest.approx(union, abs=1e-3)  # credited time is exactly the union
    assert sum(polygon.total_ms for polygon in result.polygons.values()) <= union + 1e-3
    for session in result.sessions.values():
        parts_sum = session.draw_ms + session.search_ms + session.edit_ms + session.other_ms
        assert parts_sum == pytest.approx(session.active_ms, abs=1e-3)  # buckets still add up exactly


@settings(max_examples=60, deadline=None)
@given(activity, st.booleans(), st.booleans(), st.floats(0, 5_000), st.floats(0.1, 1_000))
def test_the_union_never_exceeds_the_servers_wall_time_plus_the_lead(raw, tabs, batches, latency, claim):
    """Whatever the pages' clocks claim (up to a thousand times the real pace)."""
    events, anchors, _end = sessions_of(raw, tabs, batches, latency, claim)
    result = labour.ledger(events, sessions=anchors, lead_ms=60_000)
    seen = max(event.received_ms for event in events) - min(anchor.opened_ms for anchor in anchors.values())
    assert person_ms(result) <= seen + 60_000 + 1e-3


@settings(max_examples=60, deadline=None)
@given(activity, st.floats(0, 5_000), st.floats(0.1, 50))
def test_splitting_a_stream_across_batches_never_increases_a_persons_time(raw, latency, claim):
    one_batch, anchors, _ = sessions_of(raw, tabs=False, batches=False, latency=latency, claim=claim)
    in_batches, _, _ = sessions_of(raw, tabs=False, batches=True, latency=latency, claim=claim)
    assert person_ms(labour.ledger(in_batches, sessions=anchors)) <= person_ms(
        labour.ledger(one_batch, sessions=anchors)) + 1e-3


@settings(max_examples=60, deadline=None)
@given(activity)
def test_splitting_a_stream_across_tabs_never_increases_a_persons_time(raw):
    """Each event sent as it happens (the server's clock places it exactly), in one tab or spread over three."""
    raw_each = [(*step[:6], True) for step in raw]
    one_tab, one_anchor, _ = sessions_of(raw_each, tabs=False, batches=True)
    spread, anchors, _ = sessions_of(raw_each, tabs=True, batches=True)
    assert person_ms(labour.ledger(spread, sessions=anchors)) <= person_ms(
        labour.ledger(one_tab, sessions=one_anchor)) + 1e-3


@settings(max_examples=60, deadline=None)
@given(activity, st.floats(0, 5_000))
def test_one_honest_tab_gives_the_figures_of_its_own_clock(raw, latency):
    """Placing a tab on the server's clock changes nothing when its clock keeps time: the figures are those of
    the session alone, as before the server's clock was the anchor."""
    events, anchors, _ = sessions_of(raw, tabs=False, batches=True, latency=latency)
    on_server = labour.ledger(events, sessions=anchors)
    alone = labour.ledger(Event(e.session, e.seq, e.kind, e.t_ms, e.annotation, e.data) for e in events)
    for key, polygon in alone.polygons.items():
        for name in (*labour.DURATIONS, *labour.COUNT_FIELDS):
            assert getattr(on_server.polygons[key], name) == pytest.approx(getattr(polygon, name))
    for key, session in alone.sessions.items():
        assert on_server.sessions[key].active_ms == pytest.approx(session.active_ms)
        assert on_server.sessions[key].clamped_ms == 0
