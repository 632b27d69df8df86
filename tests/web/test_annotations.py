"""Saving annotations: through the geometry core, idempotent creates, versioned edits, the ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from annotator.core.schemas.events import MAX_EVENT_SPAN_MS
from annotator.store.models import LabourEvent, db
from tests.conftest import join

SQUARE = [{"points": [10, 10, 110, 10, 110, 60, 10, 60]}]


@pytest.fixture
def save(client, csrf_headers, image_id):
    def post(body: dict, image: int | None = None):
        return client.post(f"/api/images/{image or image_id}/annotations", json=body, headers=csrf_headers)

    return post


def new(client_id: str = "polygon-0001", **extra) -> dict:
    return {"client_id": client_id, "category_id": 7, "parts": SQUARE, **extra}


def event_count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(LabourEvent.id)))


def test_a_new_polygon_is_stored_with_its_mask_area_and_bbox(save, client, image_id):
    response = save(new())
    assert response.status_code == 201
    annotation = response.get_json()["annotation"]
    assert annotation["area"] == 5000 and annotation["bbox"] == [10, 10, 100, 50]
    assert annotation["version"] == 1 and annotation["vertex_count"] == 4
    assert annotation["annotator"].startswith("annotator-")
    listed = client.get(f"/api/images/{image_id}/annotations").get_json()["items"]
    assert [item["client_id"] for item in listed] == ["polygon-0001"]
    assert client.get(f"/api/images/{image_id}").get_json()["annotations"] == 1


def test_a_retried_create_with_the_same_client_id_makes_no_duplicate(save, client, image_id):
    first = save(new()).get_json()["annotation"]
    again = save(new())
    assert again.status_code == 200 and again.get_json()["annotation"]["id"] == first["id"]
    assert len(client.get(f"/api/images/{image_id}/annotations").get_json()["items"]) == 1


def test_a_bow_tie_is_repaired_and_the_repair_reported(save):
    body = save(new(parts=[{"points": [0, 0, 40, 40, 40, 0, 0, 40]}])).get_json()
    assert body["repairs"] == ["part 1: repaired a self-intersection into 2 part(s)"]
    assert len(body["annotation"]["parts"]) == 2 and body["annotation"]["attributes"]["repairs"] == body["repairs"]


def test_points_outside_the_image_are_clipped(save):
    body = save(new(parts=[{"points": [-20, -20, 50, -20, 50, 50, -20, 50]}])).get_json()
    assert body["annotation"]["bbox"] == [0, 0, 50, 50]
    assert "clipped to the image (3 point(s) outside)" in body["repairs"][0]


@pytest.mark.parametrize(("parts", "message"), [
    ([{"points": [1, 1, 1, 1, 1, 1]}], "fewer than three distinct points"),
    ([{"points": [0, 0, 5, "x", 9, 9]}], "parts[0].points[3]: Input should be a valid number"),
    ([{"points": [0, 0, 5, 5, 9, 9, 4]}], "odd number of coordinates"),
    ([{"points": [0, 0, 5, 5, 9]}], "parts[0].points: List should have at least 6 items"),
    ("garbage", "parts: Input should be a valid list"),
    ([{"points": [500, 500, 600, 500, 600, 600]}], "nothing of the outline is left"),
])
def test_bad_outlines_are_refused_naming_the_problem_and_nothing_is_stored(save, client, image_id, parts, message):
    response = save(new(parts=parts))
    assert response.status_code == 422
    assert message in response.get_json()["detail"]
    assert client.get(f"/api/images/{image_id}/annotations").get_json()["items"] == []


def test_unknown_class_and_bad_client_id_are_refused(save):
    assert "no active class 999" in save(new(category_id=999)).get_json()["detail"]
    assert "client_id" in save(new(client_id="x")).get_json()["detail"]


def test_a_body_that_is_not_json_is_a_clear_4xx(client, csrf_headers, image_id):
    url = f"/api/images/{image_id}/annotations"
    assert client.post(url, data="{", headers=csrf_headers, content_type="application/json").status_code == 400
    assert client.post(url, data="x", headers=csrf_headers, content_type="text/plain").status_code == 415
    listed = client.post(url, json=[1, 2], headers=csrf_headers)
    assert listed.status_code == 422 and "body: Input should be a JSON object" in listed.get_json()["detail"]
    for falsy in ("false", "0", "[]", '""'):  # bodies the schema layer once read as an empty object
        response = client.post(url, data=falsy, headers=csrf_headers, content_type="application/json")
        assert response.status_code == 422, falsy
        assert response.get_json()["detail"] == "body: Input should be a JSON object", falsy


def test_saving_without_the_csrf_token_is_refused(client, image_id):
    response = client.post(f"/api/images/{image_id}/annotations", json=new())
    assert response.status_code == 400 and response.get_json()["error"] == "CSRF check failed"


def test_an_edit_based_on_the_current_version_is_saved_and_bumps_it(save, client, csrf_headers):
    created = save(new()).get_json()["annotation"]
    moved = [{"points": [20, 20, 120, 20, 120, 70, 20, 70]}]
    response = client.patch(f"/api/annotations/{created['id']}", json={"version": 1, "parts": moved, "category_id": 8},
                            headers=csrf_headers)
    annotation = response.get_json()["annotation"]
    assert response.status_code == 200 and annotation["version"] == 2
    assert annotation["bbox"] == [20, 20, 100, 50] and annotation["category_id"] == 8


def test_a_stale_edit_gets_409_with_the_current_annotation(save, client, csrf_headers):
    created = save(new()).get_json()["annotation"]
    client.patch(f"/api/annotations/{created['id']}", json={"version": 1, "category_id": 8}, headers=csrf_headers)
    stale = client.patch(f"/api/annotations/{created['id']}", json={"version": 1, "category_id": 9},
                         headers=csrf_headers)
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["error"] == "conflict" and body["annotation"]["category_id"] == 8 and body["annotation"]["version"] == 2


def test_deleting_hides_the_annotation_but_keeps_its_ledger(app, save, client, csrf_headers, image_id):
    created = save(new(session_id="session-0001", sent_t=20, events=[{"seq": 0, "kind": "vertex", "t": 10}])).get_json()
    annotation_id = created["annotation"]["id"]
    stale = client.delete(f"/api/annotations/{annotation_id}?version=7", headers=csrf_headers)
    assert stale.status_code == 409
    deleted = client.delete(f"/api/annotations/{annotation_id}?version=1", headers=csrf_headers)
    assert deleted.status_code == 200 and deleted.get_json()["annotation"]["deleted"] is True
    assert client.get(f"/api/images/{image_id}/annotations").get_json()["items"] == []
    assert client.delete(f"/api/annotations/{annotation_id}?version=2", headers=csrf_headers).status_code == 200
    assert event_count(app) == 1
    edit = client.patch(f"/api/annotations/{annotation_id}", json={"version": 2, "category_id": 8},
                        headers=csrf_headers)
    assert edit.status_code == 409
    assert edit.get_json()["error"] == "deleted" and edit.get_json()["annotation"]["deleted"] is True


def test_undoing_a_delete_restores_the_same_annotation(save, client, csrf_headers, image_id):
    created = save(new()).get_json()["annotation"]
    client.delete(f"/api/annotations/{created['id']}?version=1", headers=csrf_headers)
    restored = client.patch(f"/api/annotations/{created['id']}", json={"version": 2, "deleted": False},
                            headers=csrf_headers)
    assert restored.status_code == 200
    annotation = restored.get_json()["annotation"]
    assert (annotation["id"], annotation["client_id"], annotation["deleted"], annotation["version"]) == (
        created["id"], created["client_id"], False, 3)
    assert [a["id"] for a in client.get(f"/api/images/{image_id}/annotations").get_json()["items"]] == [created["id"]]


def test_the_editor_can_ask_who_it_is_saving_for(save, client):
    before = client.get("/api/me").get_json()
    assert before["instructor"] is True  # single-user mode
    assert save(new()).get_json()["annotation"]["annotator"] == before["annotator"]


def test_events_ride_with_saves_and_a_resend_is_not_counted_twice(app, save):
    events = [{"seq": 0, "kind": "tool-start", "t": 0}, {"seq": 1, "kind": "vertex", "t": 812.5,
                                                         "data": {"at": [10, 10]}}]
    body = new(session_id="session-0001", sent_t=900, events=events)
    assert save(body).get_json()["events_stored"] == 2
    assert save(body).get_json()["events_stored"] == 0  # the same request again, e.g. after a lost answer
    assert event_count(app) == 2


@pytest.mark.parametrize(("events", "sent_t", "message"), [
    ([{"seq": 1, "kind": "vertex", "t": 5}, {"seq": 0, "kind": "vertex", "t": 6}], 10, "must be in order"),
    ([{"seq": 0, "kind": "vertex", "t": 5}, {"seq": 1, "kind": "vertex", "t": 4}], 10, "must be in order"),
    ([{"seq": 0, "kind": "vertex", "t": -1}], 10, "events[0].t: Input should be greater than or equal to 0"),
    ([{"seq": 0, "kind": "vertex", "t": "soon"}], 10, "events[0].t: Input should be a valid number"),
    ([{"seq": 0, "kind": "<script>", "t": 1}], 10, "events[0].kind: String should match pattern"),
    ([{"seq": 0, "kind": "vertex", "t": 1, "data": {"x": {"deep": 1}}}], 10, "events[0].data.x: Value error, must be "
                                                                             "text, a finite number"),
    ([{"seq": 0, "kind": "vertex", "t": 5_000}], 10, "from the future"),
    ([{"seq": 0, "kind": "vertex", "t": 5}], None, "sender's clock"),
    ([{"seq": 0, "kind": "vertex", "t": 5}], "later", "sent_t: Input should be a valid number"),
    ([{"seq": 0, "kind": "vertex", "t": 0}, {"seq": 1, "kind": "vertex", "t": 10 * 86400 * 1000}],
     10 * 86400 * 1000, f"sent_t: Input should be less than or equal to {MAX_EVENT_SPAN_MS}"),  # a week
])
def test_implausible_events_are_a_400_and_nothing_is_saved(app, save, client, image_id, events, sent_t, message):
    response = save(new(session_id="session-0001", events=events, sent_t=sent_t))
    assert response.status_code == 400 and message in response.get_json()["detail"]
    assert response.get_json()["error"] == "invalid events"  # the editor then saves the outline without them
    assert client.get(f"/api/images/{image_id}/annotations").get_json()["items"] == []
    assert event_count(app) == 0


def test_a_session_clock_running_ahead_of_the_servers_is_stored_and_clamped_not_refused(app, client, csrf_headers,
                                                                                        image_id):
    def send(seq: int, t: float) -> int:
        return client.post(f"/api/images/{image_id}/events", headers=csrf_headers, json={
            "session_id": "session-0001", "sent_t": t, "events": [{"seq": seq, "kind": "zoom", "t": t}]}).status_code

    assert send(0, 1_000) == 201
    assert send(1, 30_000) == 201  # within the lead for latency and queueing
    assert send(2, 3_600_000) == 201  # an hour claimed seconds later: kept, not refused (it was 400, work lost)
    assert event_count(app) == 3
    session = client.get("/api/labour/summary.json").get_json()["sessions"][0]
    assert session["clamped_ms"] >= 3_600_000 - 60_000 - 10_000 and "server saw" in session["clamp_reason"]
    assert session["wall_ms"] <= 60_000 + 10_000


def test_too_many_events_in_one_request_is_a_413(save):
    events = [{"seq": n, "kind": "move", "t": n} for n in range(5001)]
    assert save(new(session_id="session-0001", sent_t=5001, events=events)).status_code == 413


def test_events_without_a_save_are_recorded_too(app, client, csrf_headers, image_id):
    body = {"session_id": "session-0001", "sent_t": 3, "events": [{"seq": 0, "kind": "zoom", "t": 3}]}
    response = client.post(f"/api/images/{image_id}/events", headers=csrf_headers, json=body)
    assert response.status_code == 201 and event_count(app) == 1


def test_another_persons_annotation_cannot_be_changed_when_serving_a_room(data_dir, database_url, image_id):
    from tests.conftest import make_app

    room = make_app(data_dir, database_url, INSTRUCTOR_TOKEN="teacher-token-for-tests")
    author, other = room.test_client(), room.test_client()
    author_headers, other_headers = join(author, "Amara"), join(other, "Bo")

    created = author.post(f"/api/images/{image_id}/annotations", json=new(), headers=author_headers).get_json()
    annotation_id = created["annotation"]["id"]
    refused = other.patch(f"/api/annotations/{annotation_id}", json={"version": 1, "category_id": 8},
                          headers=other_headers)
    assert refused.status_code == 403
    teacher = {**other_headers, "X-Instructor-Token": "teacher-token-for-tests"}
    assert other.patch(f"/api/annotations/{annotation_id}", json={"version": 1, "category_id": 8},
                       headers=teacher).status_code == 200


def test_the_sliver_threshold_is_a_setting(data_dir, database_url, image_id):
    from tests.conftest import make_app

    strict = make_app(data_dir, database_url, MIN_PART_AREA=600)
    client = strict.test_client()
    html = client.get("/").get_data(as_text=True)
    headers = {"X-CSRFToken": html.split('name="csrf-token" content="')[1].split('"')[0]}
    # A bow-tie repairs into two triangles of 400 px² each: both are slivers under a 600 px² threshold.
    response = client.post(f"/api/images/{image_id}/annotations", headers=headers,
                           json=new(parts=[{"points": [0, 0, 40, 40, 40, 0, 0, 40]}]))
    assert response.status_code == 422 and "dropped 2 slivers of up to 400.00 px²" in response.get_json()["detail"]
