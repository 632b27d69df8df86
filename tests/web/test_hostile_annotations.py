"""Hostile saves: outlines and labour events built to break the server. Each is refused with the envelope
naming the problem (and nothing stored), or stored safely; never a 500."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from annotator.core import geometry
from annotator.core.schemas.events import MAX_EVENT_SPAN_MS, MAX_EVENTS_PER_REQUEST
from annotator.store.models import Annotation, LabourEvent, db
from tests.conftest import add_image

WIDTH, HEIGHT = 200, 100


@pytest.fixture
def image_id(app) -> int:
    return add_image(app, WIDTH, HEIGHT)


@pytest.fixture
def post_raw(client, csrf_headers, image_id):
    """POST a body exactly as given: some hostile bodies cannot be made with json.dumps."""
    def post(body: str | bytes, path: str = "annotations"):
        return client.post(f"/api/images/{image_id}/{path}", data=body, content_type="application/json",
                           headers=csrf_headers)

    return post


@pytest.fixture
def save(post_raw):
    def post(points: list, client_id: str = "hostile-0001", **extra):
        return post_raw(json.dumps({"client_id": client_id, "category_id": 7, "parts": [{"points": points}],
                                    **extra}))

    return post


def stored(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count(Annotation.id))),
                db.session.scalar(select(func.count(LabourEvent.id))))


def refused(response, status: int, *words: str) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    body = response.get_json()
    assert set(body) >= {"error", "detail"}
    for word in words:
        assert word in body["detail"]
    return body


# --- outlines ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_not_json_and_are_refused(app, post_raw, constant):
    body = ('{"client_id": "hostile-0001", "category_id": 7, "parts": [{"points": [' + constant
            + ', 0, 50, 0, 50, 50]}]}')
    refused(post_raw(body), 400, "NaN and Infinity are not JSON numbers")
    assert stored(app) == (0, 0)


def test_a_number_too_large_for_a_float_is_refused_naming_the_coordinate(app, post_raw):
    body = ('{"client_id": "hostile-0001", "category_id": 7, "parts": [{"points": [1' + "0" * 400
            + ', 0, 50, 0, 50, 50]}]}')
    refused(post_raw(body), 422, "parts[0].points[0]")
    assert stored(app) == (0, 0)


def test_coordinates_of_1e308_are_clipped_to_the_image_and_the_repair_reported(save):
    response = save([-1e308, -1e308, 1e308, -1e308, 1e308, 1e308, -1e308, 1e308])
    assert response.status_code == 201
    annotation = response.get_json()["annotation"]
    assert annotation["bbox"] == [0, 0, WIDTH, HEIGHT] and annotation["area"] == WIDTH * HEIGHT
    assert "clipped to the image" in response.get_json()["repairs"][0]


@pytest.mark.parametrize(("points", "field"), [
    (["10", "10", "60", "10", "60", "60"], "parts[0].points[0]: Input should be a valid number"),
    ([True, 10, 60, 10, 60, 60], "parts[0].points[0]: Input should be a valid number"),
    ([[10, 10], [60, 10], [60, 60]], "parts[0].points[0]: Input should be a valid number"),
    ([{"x": 1}, 2, 3, 4, 5, 6], "parts[0].points[0]: Input should be a valid number"),
    ([None] * 6, "parts[0].points[0]: Input should be a valid number"),
    ("10,10,60,10,60,60", "parts[0].points: Input should be a valid list"),
])
def test_points_that_are_not_numbers_are_refused_naming_where(app, save, points, field):
    refused(save(points), 422, field)
    assert stored(app) == (0, 0)


@pytest.mark.parametrize("parts", [
    {"points": [1, 2, 3]}, [[{"points": [1, 2, 3, 4, 5, 6]}]], [{"pts": [1, 2, 3, 4, 5, 6]}], [], None,
    [{"points": [10, 10, 60, 10, 60, 60], "hole": "yes"}],
])
def test_nested_garbage_in_place_of_parts_is_refused(app, post_raw, parts):
    response = post_raw(json.dumps({"client_id": "hostile-0001", "category_id": 7, "parts": parts}))
    assert refused(response, 422)["detail"].startswith("parts")
    assert stored(app) == (0, 0)


@pytest.mark.parametrize("depth", [2_000, 100_000])
def test_bodies_nested_thousands_deep_are_malformed_not_a_crash(app, post_raw, depth):
    refused(post_raw("[" * depth + "]" * depth), 400, "nesting is limited")
    refused(post_raw('{"a":' * depth + "1" + "}" * depth), 400)
    assert stored(app) == (0, 0)


def test_100000_vertices_are_refused_stating_the_limit(app, save):
    points = [float(value % 97) for value in range(200_000)]
    body = refused(save(points), 422, "parts[0].points", f"at most {2 * geometry.MAX_VERTICES} items")
    assert body["error"] == "invalid request"
    assert stored(app) == (0, 0)


def test_the_vertex_limit_counts_every_part_together(app, post_raw):
    half = geometry.MAX_VERTICES // 2 + 1
    ring = [coordinate for index in range(half) for coordinate in (index % 50, (index * 7) % 50)]
    parts = [{"points": ring}, {"points": ring}]
    response = post_raw(json.dumps({"client_id": "hostile-0001", "category_id": 7, "parts": parts}))
    refused(response, 422, f"the limit is {geometry.MAX_VERTICES} per annotation")
    assert stored(app) == (0, 0)


def test_all_points_equal_is_refused(app, save):
    refused(save([30, 30] * 8), 422, "fewer than three distinct points")
    assert stored(app) == (0, 0)


def test_a_bow_tie_is_repaired_into_two_parts_and_the_repair_reported(save):
    response = save([10, 10, 60, 60, 60, 10, 10, 60])
    assert response.status_code == 201
    assert response.get_json()["repairs"] == ["part 1: repaired a self-intersection into 2 part(s)"]
    assert len(response.get_json()["annotation"]["parts"]) == 2


def test_an_outline_entirely_outside_the_image_is_refused(app, save):
    refused(save([10_000, 10_000, 20_000, 10_000, 20_000, 20_000]), 422, "nothing of the outline is left")
    assert stored(app) == (0, 0)


def test_an_outline_partly_outside_is_clipped(save):
    response = save([-50, -50, 100, -50, 100, 50, -50, 50])
    assert response.status_code == 201
    assert response.get_json()["annotation"]["bbox"] == [0, 0, 100, 50]


def test_an_id_too_large_for_the_database_is_a_404_not_a_crash(client, csrf_headers):
    huge = "9" * 30
    assert client.get(f"/api/images/{huge}/annotations").status_code == 404
    assert client.patch(f"/api/annotations/{huge}", json={"version": 1}, headers=csrf_headers).status_code == 404
    assert client.get(f"/images/{huge}").status_code == 404


# --- labour events ----------------------------------------------------------------------------------

def event(seq: int, t: float, kind: str = "vertex", **extra) -> dict:
    return {"seq": seq, "kind": kind, "t": t, **extra}


def with_events(events, sent_t=10_000, session_id="session-0001") -> str:
    return json.dumps({"session_id": session_id, "sent_t": sent_t, "events": events})


@pytest.mark.parametrize(("events", "sent_t", "words"), [
    ([event(1, 5), event(0, 6)], 10_000, "in order"),
    ([event(0, 5), event(1, 4)], 10_000, "in order"),
    ([event(0, -1)], 10_000, "events[0].t"),
    ([event(0, 5)], -3, "sent_t"),
    ([event(0, 9_000)], 1_000, "from the future"),
    ([event(0, 5)], 30 * 86_400_000, f"sent_t: Input should be less than or equal to {MAX_EVENT_SPAN_MS}"),
    ([{"seq": "1", "kind": "vertex", "t": 5}], 10_000, "events[0].seq"),
    ([{"seq": 0, "kind": 7, "t": 5}], 10_000, "events[0].kind"),
    ([{"seq": 0, "kind": "vertex", "t": [5]}], 10_000, "events[0].t"),
    (["vertex"], 10_000, "events[0]"),
    ({"0": event(0, 5)}, 10_000, "events"),
])
def test_implausible_events_are_refused_and_nothing_is_stored(app, post_raw, events, sent_t, words):
    body = refused(post_raw(with_events(events, sent_t), path="events"), 400, words)
    assert body["error"] == "invalid events"
    assert stored(app) == (0, 0)


def test_one_request_over_the_events_limit_is_a_413_naming_it(app, post_raw):
    events = [event(seq, seq) for seq in range(MAX_EVENTS_PER_REQUEST + 1)]
    refused(post_raw(with_events(events, sent_t=MAX_EVENTS_PER_REQUEST + 1), path="events"), 413,
            f"at most {MAX_EVENTS_PER_REQUEST}")
    assert stored(app) == (0, 0)


def test_a_million_events_are_refused_by_size_before_the_body_is_read(app, post_raw):
    body = with_events([event(seq, seq) for seq in range(1_000_000)], sent_t=1_000_000)
    assert len(body) > 30_000_000
    refused(post_raw(body, path="events"), 413, "at most 4 MB")
    assert stored(app) == (0, 0)


def test_events_at_the_limit_are_all_stored(app, post_raw):
    events = [event(seq, seq) for seq in range(MAX_EVENTS_PER_REQUEST)]
    response = post_raw(with_events(events, sent_t=MAX_EVENTS_PER_REQUEST), path="events")
    assert response.status_code == 201 and response.get_json()["events_stored"] == MAX_EVENTS_PER_REQUEST
    assert stored(app) == (0, MAX_EVENTS_PER_REQUEST)
