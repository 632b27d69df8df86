"""Single-user mode is only for this computer; a room needs a token; behind a proxy cookies follow HTTPS.

The Flask test client's default request is this computer asking for itself (REMOTE_ADDR 127.0.0.1,
Host localhost); these tests change the peer (environ_overrides) and the Host (base_url) one at a time.
"""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.conftest import INSTRUCTOR_TOKEN, csrf_of, make_app

ANOTHER_MACHINE = {"REMOTE_ADDR": "192.168.1.20"}
REBOUND = "http://attacker.example:5000"  # a name its owner pointed at 127.0.0.1 after the page loaded


@pytest.mark.parametrize("base_url", ["http://localhost", "http://localhost:5000", "http://127.0.0.1:5000",
                                      "http://127.0.0.1", "http://[::1]:5000", "http://[::1]"])
@pytest.mark.parametrize("peer", ["127.0.0.1", "::1"])
def test_this_computer_asking_for_itself_is_the_single_user(app, base_url, peer):
    client = app.test_client()
    overrides = {"REMOTE_ADDR": peer}
    assert client.get("/", base_url=base_url, environ_overrides=overrides).status_code == 200
    answer = client.get("/api/workshop", base_url=base_url, environ_overrides=overrides)
    assert answer.status_code == 200
    assert client.get("/api/export/coco", base_url=base_url, environ_overrides=overrides).status_code == 200


def test_a_rebound_domain_is_refused_everywhere_with_how_to_serve_a_room(app):
    """DNS rebinding: the peer is loopback, but the browser still names the attacker's domain."""
    local = app.test_client()
    made = local.post("/api/workshop/backups", headers=csrf_of(local))
    assert made.status_code == 201  # the real user made a backup: the prize
    attacker = app.test_client()
    page = attacker.get("/", base_url=REBOUND)
    assert page.status_code == 403 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    assert "annotator serve --host 0.0.0.0" in text and "only for the computer it runs on" in text
    assert "csrf-token" not in text and not re.search(r'name="csrf_token"', text)  # nothing to steal
    for method, path in (("get", "/api/workshop"), ("get", "/api/export/coco"), ("get", "/api/workshop/backups"),
                         ("get", made.get_json()["url"]), ("put", "/api/workshop"),
                         ("post", "/api/workshop/backups"), ("get", "/api/labour/summary.json?names=1")):
        answer = getattr(attacker, method)(path, base_url=REBOUND, json={} if method != "get" else None)
        assert answer.status_code == 403, path
        body = answer.get_json()
        assert body["error"] == "only for this computer" and "annotator serve --host 0.0.0.0" in body["detail"]


def test_another_machine_is_refused_whatever_host_it_names(app):
    client = app.test_client()
    for base_url in ("http://localhost:5000", "http://192.168.1.10:5000"):
        assert client.get("/", base_url=base_url, environ_overrides=ANOTHER_MACHINE).status_code == 403
        answer = client.get("/api/images", base_url=base_url, environ_overrides=ANOTHER_MACHINE)
        assert answer.status_code == 403 and answer.get_json()["error"] == "only for this computer"


def test_with_a_token_the_room_works_from_any_machine_and_name(room):
    participant = room.test_client()
    base_url, peer = "http://192.168.1.10:5000", ANOTHER_MACHINE
    page = participant.get("/join", base_url=base_url, environ_overrides=peer)
    assert page.status_code == 200
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    joined = participant.post("/api/join", json={"name": "Amara"}, headers={"X-CSRFToken": token},
                              base_url=base_url, environ_overrides=peer)
    assert joined.status_code == 201
    assert participant.get("/api/images", base_url=base_url, environ_overrides=peer).status_code == 200
    assert participant.get("/api/export/coco", base_url=base_url, environ_overrides=peer).status_code == 403
    instructor = room.test_client()
    allowed = instructor.get("/api/export/coco", headers={"X-Instructor-Token": INSTRUCTOR_TOKEN},
                             base_url="http://annotator.school.example", environ_overrides=peer)
    assert allowed.status_code == 200


def test_a_short_instructor_token_is_refused_at_start(data_dir, database_url):
    with pytest.raises(ValueError, match="at least 16 characters"):
        make_app(data_dir, database_url, INSTRUCTOR_TOKEN="teacher")


# --- behind a reverse proxy ---------------------------------------------------------------------------------


def _cookies(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _walk_as_instructor_and_participant(app: Flask, headers: dict[str, str]) -> dict[str, str]:
    teacher = app.test_client()
    cookies = _cookies(teacher.get(f"/?token={INSTRUCTOR_TOKEN}", headers=headers))
    person = app.test_client()
    page = person.get("/join", headers=headers)
    cookies |= _cookies(page)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.get_data(as_text=True)).group(1)
    cookies |= _cookies(person.post("/api/join", json={"name": "Ben"}, headers={**headers, "X-CSRFToken": csrf}))
    return cookies


def test_behind_a_proxy_cookies_are_secure_when_the_proxy_says_https(data_dir, database_url):
    app = make_app(data_dir, database_url, INSTRUCTOR_TOKEN=INSTRUCTOR_TOKEN, BEHIND_PROXY=True)
    cookies = _walk_as_instructor_and_participant(
        app, {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7", "X-Forwarded-Host": "annotate.example"})
    assert {"annotator_instructor", "session"} <= set(cookies)
    assert all("; Secure" in header for header in cookies.values()), cookies
    plain = _walk_as_instructor_and_participant(app, {"X-Forwarded-Proto": "http"})
    assert not any("Secure" in header for header in plain.values())


def test_without_the_setting_the_forwarded_headers_are_ignored(room):
    cookies = _walk_as_instructor_and_participant(room, {"X-Forwarded-Proto": "https"})
    assert {"annotator_instructor", "session"} <= set(cookies)
    assert not any("Secure" in header for header in cookies.values()), cookies


def test_behind_a_proxy_without_a_token_nothing_is_served(data_dir, database_url):
    """Every request comes through the proxy, often over loopback: single-user mode would serve anyone."""
    app = make_app(data_dir, database_url, BEHIND_PROXY=True)
    answer = app.test_client().get("/api/images")
    assert answer.status_code == 403 and "ANNOTATOR_INSTRUCTOR_TOKEN" in answer.get_json()["detail"]

