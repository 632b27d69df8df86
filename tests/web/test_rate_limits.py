"""Rate limits through HTTP: wrong token guesses and joins per address, proposals and saves per person.

Each limit is set low here; the counters' clock is moved on by hand to end a window. Every test runs on SQLite
and PostgreSQL (the `database_url` fixture)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from annotator import create_app
from annotator.store.models import db
from tests.conftest import INSTRUCTOR_TOKEN, add_image, csrf_of, join, make_app

SQUARE = [{"points": [10, 10, 40, 10, 40, 40, 10, 40]}]
LOW_LIMITS = {"RATE_TOKEN_GUESSES": "3/minute", "RATE_JOINS": "3/minute", "RATE_PROPOSALS": "2/hour",
              "RATE_SAVES": "3/minute", "RATE_EVENTS": "10/minute"}


class Clock:
    """The counters' clock, moved on by the test."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limited(data_dir: Path, database_url: str | None, clock: Clock) -> Flask:
    """A workshop with low limits and a clock the test moves."""
    app = make_app(data_dir, database_url, INSTRUCTOR_TOKEN=INSTRUCTOR_TOKEN, **LOW_LIMITS)
    app.extensions["rate_limits"].storage.clock = clock
    return app


@pytest.fixture
def image_id(limited: Flask) -> int:
    return add_image(limited, 64, 48, "scene.jpg")


def from_address(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def assert_too_many(response, within: int) -> None:
    assert response.status_code == 429, response.get_data(as_text=True)
    assert 1 <= int(response.headers["Retry-After"]) <= within
    body = response.get_json()
    assert body["error"] == "too many requests" and "Try again in" in body["detail"]


def save(client: FlaskClient, headers: dict, image_id: int, client_id: str):
    return client.post(f"/api/images/{image_id}/annotations", headers=headers,
                       json={"client_id": client_id, "category_id": 7, "parts": SQUARE})


# --- instructor token guesses, per address -------------------------------------------------------------------


def test_wrong_token_guesses_are_limited_per_address(limited, clock):
    guesser = from_address(limited, "10.0.0.7")
    for _ in range(3):
        assert guesser.get("/api/workshop", headers={"X-Instructor-Token": "guess"}).status_code == 200
    assert_too_many(guesser.get("/api/workshop", headers={"X-Instructor-Token": "guess"}), within=60)
    # ?token= on a page is a guess too; the refusal is a page there
    page = guesser.get("/gallery?token=guess")
    assert page.status_code == 429 and page.headers["Retry-After"]
    # The right token from the same address still works, and another address may still be wrong
    right = guesser.put("/api/workshop", json={"share_layers": True},
                        headers={**csrf_of(guesser), "X-Instructor-Token": INSTRUCTOR_TOKEN})
    assert right.status_code == 200, right.get_json()
    other = from_address(limited, "10.0.0.8")
    assert other.get("/api/workshop", headers={"X-Instructor-Token": "typo"}).status_code == 200
    # ...and a request without any token is not a guess
    assert guesser.get("/api/workshop").status_code == 200
    clock.now += 61  # the window ends
    assert guesser.get("/api/workshop", headers={"X-Instructor-Token": "guess"}).status_code == 200


def test_guesses_at_the_script_header_are_counted_before_the_csrf_check(limited):
    """A right token in the header skips the CSRF check (scripts), so a wrong one sent without a CSRF token must
    still count as a guess: otherwise 400 for wrong and 201 for right would be an unlimited oracle."""
    guesser = from_address(limited, "10.0.0.10")
    for _ in range(3):
        assert guesser.post("/api/workshop/backups", headers={"X-Instructor-Token": "guess"}).status_code == 400
    assert_too_many(guesser.post("/api/workshop/backups", headers={"X-Instructor-Token": "guess"}), within=60)


def test_a_wrong_token_cookie_counts_once_and_is_dropped(limited):
    browser = from_address(limited, "10.0.0.9")
    browser.set_cookie("annotator_instructor", "token-from-before-a-restart")
    response = browser.get("/api/workshop")
    assert response.status_code == 200
    assert "annotator_instructor=;" in response.headers["Set-Cookie"]
    assert browser.get_cookie("annotator_instructor") is None
    for _ in range(5):  # more requests than the limit allows guesses: none of them is a guess any more
        assert browser.get("/api/workshop").status_code == 200


# --- joins, per address ------------------------------------------------------------------------------------


def test_joins_are_limited_per_address(limited, clock):
    for number in range(3):
        join(from_address(limited, "10.0.1.1"), f"Person {number}")
    late = from_address(limited, "10.0.1.1")
    assert_too_many(late.post("/api/join", json={"name": "One more"}, headers=csrf_of(late)), within=60)
    join(from_address(limited, "10.0.1.2"), "Someone elsewhere")  # another address is not held up
    clock.now += 61
    join(late, "One more")


def test_the_join_form_is_limited_too(limited):
    client = from_address(limited, "10.0.1.3")
    for number in range(3):
        client.post("/api/join", json={"name": f"Person {number}"}, headers=csrf_of(client))
    page = client.post("/join", data={"name": "By the form", **_form_token(client)})
    assert page.status_code == 429 and page.headers["Retry-After"]


def _form_token(client: FlaskClient) -> dict[str, str]:
    return {"csrf_token": csrf_of(client)["X-CSRFToken"]}


# --- proposals and saves, per person ------------------------------------------------------------------------


def test_class_proposals_are_limited_per_person(limited, clock):
    amara = limited.test_client()
    headers = join(amara, "Amara")
    for name in ("kerb", "bollard"):
        assert amara.post("/api/proposals", json={"name": name}, headers=headers).status_code == 201
    assert_too_many(amara.post("/api/proposals", json={"name": "scooter"}, headers=headers), within=3600)
    juma = limited.test_client()
    assert juma.post("/api/proposals", json={"name": "scooter"}, headers=join(juma, "Juma")).status_code == 201
    clock.now += 3601
    assert amara.post("/api/proposals", json={"name": "hedge"}, headers=headers).status_code == 201


def test_saves_are_limited_per_person_and_every_kind_counts(limited, clock, image_id):
    amara = limited.test_client()
    headers = join(amara, "Amara")
    created = save(amara, headers, image_id, "amara-001")
    assert created.status_code == 201, created.get_json()
    annotation = created.get_json()["annotation"]
    patched = amara.patch(f"/api/annotations/{annotation['id']}", headers=headers,
                          json={"version": annotation["version"], "category_id": 8})
    assert patched.status_code == 200, patched.get_json()
    deleted = amara.delete(f"/api/annotations/{annotation['id']}", headers=headers,
                           json={"version": patched.get_json()["annotation"]["version"]})
    assert deleted.status_code == 200, deleted.get_json()
    refused = save(amara, headers, image_id, "amara-002")
    assert_too_many(refused, within=60)
    assert "your work is kept" in refused.get_json()["detail"]
    juma = limited.test_client()
    assert save(juma, join(juma, "Juma"), image_id, "juma-0001").status_code == 201  # others save on
    clock.now += 61
    assert save(amara, headers, image_id, "amara-002").status_code == 201
    listed = amara.get(f"/api/images/{image_id}/annotations").get_json()["items"]
    # the refused save wrote nothing; the one after the window did
    assert sorted(item["client_id"] for item in listed if item["mine"]) == ["amara-002"]


def test_a_limit_set_off_does_not_limit(data_dir, database_url, image_id):
    app = make_app(data_dir, database_url, RATE_SAVES="off")  # single-user mode, same database
    client = app.test_client()
    headers = csrf_of(client)
    for number in range(6):
        assert save(client, headers, image_id, f"single-{number:03}").status_code == 201


def test_a_limit_that_cannot_be_read_stops_the_start(tmp_path):
    with pytest.raises(ValueError, match="ANNOTATOR_RATE_SAVES must look like 10/minute"):
        create_app({"DATA_DIR": tmp_path, "LOAD_SAMPLES": False, "RATE_SAVES": "lots"})


# --- several processes --------------------------------------------------------------------------------------


def test_two_app_processes_on_one_database_share_the_counters(limited, data_dir, database_url):
    """Two create_app on one database URL stand for two server processes: each counts what the other did."""
    second = make_app(data_dir, database_url, INSTRUCTOR_TOKEN=INSTRUCTOR_TOKEN, **LOW_LIMITS)
    assert second is not limited
    join(from_address(limited, "10.0.2.1"), "First")
    join(from_address(second, "10.0.2.1"), "Second")
    join(from_address(limited, "10.0.2.1"), "Third")
    late = from_address(second, "10.0.2.1")
    assert_too_many(late.post("/api/join", json={"name": "Fourth"}, headers=csrf_of(late)), within=60)
    with second.app_context():
        assert db.session.execute(text("SELECT count(*) FROM rate_limit_counter")).scalar_one() == 1


# --- labour events, per person -------------------------------------------------------------------------------


def events(count: int, first_seq: int = 1) -> list[dict]:
    return [{"seq": first_seq + n, "kind": "zoom", "t": float(n)} for n in range(count)]


def test_labour_events_are_limited_per_person_across_sessions_and_with_saves(limited, image_id, clock):
    amara = limited.test_client()
    headers = join(amara, "Amara")
    sent = amara.post(f"/api/images/{image_id}/events", headers=headers,
                      json={"session_id": "amara-page-1", "sent_t": 10, "events": events(6)})
    assert sent.status_code == 201, sent.get_json()
    # A new session id each time does not reset the count: the limit is the person's.
    assert_too_many(amara.post(f"/api/images/{image_id}/events", headers=headers,
                               json={"session_id": "amara-page-2", "sent_t": 10, "events": events(6)}), within=60)
    # Events riding with a save count too.
    assert_too_many(amara.post(f"/api/images/{image_id}/annotations", headers=headers, json={
        "client_id": "amara-car", "category_id": 7, "parts": SQUARE, "session_id": "amara-page-3", "sent_t": 10,
        "events": events(5)}), within=60)
    bo = limited.test_client()
    assert bo.post(f"/api/images/{image_id}/events", headers=join(bo, "Bo"),
                   json={"session_id": "bo-page-1", "sent_t": 10, "events": events(6)}).status_code == 201
    clock.now += 61  # the window ends
    assert amara.post(f"/api/images/{image_id}/events", headers=headers,
                      json={"session_id": "amara-page-2", "sent_t": 10, "events": events(6)}).status_code == 201
