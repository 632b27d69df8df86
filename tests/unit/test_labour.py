"""The labour timings: exact figures for scripted sessions, and properties that hold for any event stream."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator import labour
from annotator.labour import Event


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


def test_summaries_group_polygons():
    rows = [dict(labour.PolygonLabour("a", draw_ms=1_000).as_dict(), category="car", vertices=4),
            dict(labour.PolygonLabour("b", draw_ms=3_000, search_ms=1_000).as_dict(), category="car", vertices=6),
            dict(labour.PolygonLabour("c", edit_ms=500).as_dict(), category="road", vertices=3)]
    groups = labour.group_by(rows, "category")
    assert groups["car"]["polygons"] == 2 and groups["car"]["total_ms"] == 5_000
    assert groups["car"]["median_ms"] == 2_500 and groups["car"]["vertices"] == 10
    assert groups["road"]["slowest_ms"] == 500
    assert labour.scale_up(90 * 60_000, 5_000) == pytest.approx(7_500)


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
