"""/api/pay: everyone reads the pay settings; only the instructor stores or resets them."""

from __future__ import annotations

import copy

import pytest
from flask.testing import FlaskClient

from annotator.core import pay
from tests.conftest import csrf_of, make_app

TOKEN = "s3cret-token-for-tests"


@pytest.fixture
def guarded(data_dir, database_url) -> FlaskClient:
    """A room: an instructor token is set, so participants are not the instructor."""
    return make_app(data_dir, database_url, INSTRUCTOR_TOKEN=TOKEN).test_client()


@pytest.fixture
def edited() -> dict:
    settings = copy.deepcopy(pay.load_defaults())
    settings["pay_models"]["per_polygon"]["value"] = 0.02
    settings["model"] = "hourly"
    settings["reference_lines"] = settings["reference_lines"][:2]
    return settings


def test_get_serves_the_shipped_defaults(client):
    response = client.get("/api/pay")
    assert response.status_code == 200
    body = response.get_json()
    assert body.pop("defaults") is True
    assert body == pay.load_defaults()


def test_the_instructor_stores_settings_and_everyone_reads_them(guarded, edited):
    instructor = {**csrf_of(guarded), "X-Instructor-Token": TOKEN}
    response = guarded.put("/api/pay", json=edited, headers=instructor)
    assert response.status_code == 200
    assert response.get_json() == {**edited, "defaults": False}
    participant_view = guarded.get("/api/pay").get_json()
    assert participant_view == {**edited, "defaults": False}


def test_settings_echoed_back_from_get_are_accepted(client, csrf_headers):
    body = client.get("/api/pay").get_json()
    assert body["defaults"] is True
    response = client.put("/api/pay", json=body, headers=csrf_headers)  # single-user mode: the local user
    assert response.status_code == 200 and response.get_json()["defaults"] is False


def test_participants_may_not_change_or_reset_the_settings(guarded, edited):
    headers = csrf_of(guarded)
    response = guarded.put("/api/pay", json=edited, headers=headers)
    assert response.status_code == 403 and response.get_json()["error"] == "instructor only"
    assert guarded.delete("/api/pay", headers=headers).status_code == 403
    assert guarded.put("/api/pay", json=edited, headers={**headers, "X-Instructor-Token": "wrong"}).status_code == 403
    assert guarded.get("/api/pay").get_json()["defaults"] is True


# A wrong shape is "invalid request"; what only the data can tell (the model's own rules) "invalid pay settings".
SHAPE, MEANING = "invalid request", "invalid pay settings"


@pytest.mark.parametrize(("change", "named", "error"), [
    (lambda s: s["reference_lines"][0].pop("source"), "reference_lines[0].source", SHAPE),
    (lambda s: s["reference_lines"][1].update(year=None), "reference_lines[1].year", SHAPE),
    (lambda s: s["pay_models"]["hourly"].update(value=-2), "pay_models.hourly.value", SHAPE),
    (lambda s: s["pay_models"]["per_image"].update(currency="XYZ"), "pay_models.per_image.currency", MEANING),
    (lambda s: s["reference_lines"][0].update(confidence="NOT VERIFIED"), "reference_lines[0].confidence", SHAPE),
    (lambda s: s.update(reference_lines=s["reference_lines"] * 4), "reference_lines", SHAPE),
    (lambda s: s["reference_lines"][0].update(source="   "), "reference_lines[0].source", MEANING),
    (lambda s: s["pay_models"]["hourly"].update(unit="polygon"), "pay_models.hourly.unit", MEANING),
])
def test_invalid_settings_are_refused_with_the_envelope_naming_the_field(client, csrf_headers, change, named, error):
    settings = copy.deepcopy(pay.load_defaults())
    change(settings)
    response = client.put("/api/pay", json=settings, headers=csrf_headers)
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == error and body["detail"].startswith(f"{named}:")
    assert client.get("/api/pay").get_json()["defaults"] is True


def test_a_body_that_is_not_json_is_refused(client, csrf_headers):
    response = client.put("/api/pay", data="model=hourly", headers=csrf_headers)
    assert response.status_code == 415 and response.get_json()["error"] == "JSON body expected"
    response = client.put("/api/pay", json=[1, 2], headers=csrf_headers)
    assert response.status_code == 422 and response.get_json()["detail"].startswith("body:")


def test_delete_restores_the_defaults(guarded, edited):
    instructor = {**csrf_of(guarded), "X-Instructor-Token": TOKEN}
    assert guarded.put("/api/pay", json=edited, headers=instructor).status_code == 200
    response = guarded.delete("/api/pay", headers=instructor)
    assert response.status_code == 200 and response.get_json() == {**pay.load_defaults(), "defaults": True}
    assert guarded.get("/api/pay").get_json()["defaults"] is True
    assert guarded.delete("/api/pay", headers=instructor).status_code == 200  # resetting twice is harmless


def test_a_second_put_replaces_the_first(client, csrf_headers, edited):
    assert client.put("/api/pay", json=edited, headers=csrf_headers).status_code == 200
    edited["pay_models"]["hourly"]["value"] = 7.25
    assert client.put("/api/pay", json=edited, headers=csrf_headers).status_code == 200
    assert client.get("/api/pay").get_json()["pay_models"]["hourly"]["value"] == 7.25


def test_writes_need_the_csrf_token(client, edited):
    assert client.put("/api/pay", json=edited).status_code == 400


def test_earnings_pay_the_live_outlines_and_count_all_the_labour_spent(guarded):
    """A participant's outline kept, one deleted, one drawing cancelled: a piece rate pays one outline, the
    hourly rate all the time, and the wage is over all the time. Only their own record."""
    from annotator.store import library
    from tests.conftest import csrf_of, image_bytes

    with guarded.application.app_context():
        image = library.add_image(image_bytes(200, 150, "JPEG"), "street.jpg", "upload")[0].id
    guarded.get("/join")
    joined = guarded.post("/api/join", headers=csrf_of(guarded), json={"name": "Kim"})
    assert joined.status_code == 201, joined.get_json()
    headers = csrf_of(guarded)
    square = [{"points": [10, 10, 60, 10, 60, 60, 10, 60]}]
    events = [{"seq": 1, "kind": "open", "t": 0},
              {"seq": 2, "kind": "draw-start", "annotation": "kept-outline", "t": 3000},
              {"seq": 3, "kind": "close", "annotation": "kept-outline", "t": 9000}]
    saved = guarded.post(f"/api/images/{image}/annotations", headers=headers, json={
        "client_id": "kept-outline", "category_id": 7, "parts": square, "session_id": "session-pay", "sent_t": 9000,
        "events": events})
    assert saved.status_code == 201, saved.get_json()
    events = [{"seq": 4, "kind": "draw-start", "annotation": "doomed-outline", "t": 10_000},
              {"seq": 5, "kind": "close", "annotation": "doomed-outline", "t": 12_000}]
    doomed = guarded.post(f"/api/images/{image}/annotations", headers=headers, json={
        "client_id": "doomed-outline", "category_id": 7, "parts": square, "session_id": "session-pay", "sent_t": 12_000,
        "events": events}).get_json()["annotation"]
    gone = guarded.delete(f"/api/annotations/{doomed['id']}", headers=headers, json={
        "version": 1, "session_id": "session-pay", "sent_t": 13_000,
        "events": [{"seq": 6, "kind": "delete", "annotation": "doomed-outline", "t": 13_000}]})
    assert gone.status_code == 200, gone.get_json()
    sent = guarded.post(f"/api/images/{image}/events", headers=headers, json={
        "session_id": "session-pay", "sent_t": 18_000, "events": [
            {"seq": 7, "kind": "draw-start", "annotation": "cancelled-outline", "t": 15_000},
            {"seq": 8, "kind": "cancel", "annotation": "cancelled-outline", "t": 18_000}]})
    assert sent.status_code == 201, sent.get_json()

    body = guarded.get("/api/pay/earnings?annotator=me").get_json()
    assert body["spent"] == {"active_ms": 18_000.0, "outlines": 2, "deleted": 1, "cancelled": 1,
                             "cancelled_ms": 5_000.0, "unpaid_ms": 9_000.0, "images": 1}
    assert body["paid"] == {"polygons": 1, "images": 1, "polygons_ms": 9_000.0}
    defaults = pay.load_defaults()["pay_models"]
    per_polygon = body["earnings"]["per_polygon"]
    assert per_polygon["units"] == 1 and per_polygon["amount"] == pytest.approx(defaults["per_polygon"]["value"])
    assert per_polygon["effective_hourly"] == pytest.approx(defaults["per_polygon"]["value"] / (18 / 3600))
    assert "deleted outlines and cancelled drawings earn nothing" in per_polygon["pays"]
    assert body["earnings"]["hourly"]["units"] == pytest.approx(18 / 3600)
    assert body["earnings"]["per_image"]["units"] == 1
    refused = guarded.get("/api/pay/earnings?annotator=nobody-at-all")  # as "not yours": no name is given away
    assert refused.status_code == 403 and refused.get_json()["error"] == "instructor only"
