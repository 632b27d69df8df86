"""Secrets, CSRF, cookies and headers: what stands between a room of strangers (or a web page one of them
opens) and the instructor's powers. Over SQLite and PostgreSQL where a database is involved.

- The session secret: random per installation, in the data folder, owner-only, kept across restarts, never a
  default from the code; a session signed with a well-known key is not accepted.
- The instructor token: compared with hmac.compare_digest, never written to the log; its cookie is HttpOnly
  and SameSite=Strict.
- CSRF: every state-changing endpoint (found in the URL map, so new ones are covered) refuses a cross-site
  form, multipart or text/plain POST, a JSON request without the X-CSRFToken header, and another session's
  token, and the database is unchanged afterwards.
- Cookies: HttpOnly and SameSite on every cookie the app sets; Secure over HTTPS.
- Headers: nosniff and a Content-Security-Policy that allows no inline script, which the templates keep to.
"""

from __future__ import annotations

import ast
import hmac
import io
import logging
import re
import stat
from pathlib import Path

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from annotator.store.models import Annotator, Base, db
from annotator.web import auth
from tests.conftest import INSTRUCTOR_TOKEN, REPO_ROOT, csrf_of, image_bytes, join, make_app

# Keys a forger tries first: Flask's quickstart example, the usual placeholders, and an empty one.
WELL_KNOWN_KEYS = [b'_5#y2L"F4Q8z\n\xec]/', "dev", "secret", "changeme", "development", "secret-key",
                   "SECRET_KEY", "your-secret-key", "annotator"]
EVIL = "https://evil.example"


# --- (a) the session secret ------------------------------------------------------------------------------


def test_the_secret_key_is_random_per_installation_and_owner_only(tmp_path):
    first = make_app(tmp_path / "one", None)
    second = make_app(tmp_path / "two", None)
    assert first.secret_key != second.secret_key and len(first.secret_key) >= 64
    assert re.fullmatch(r"[0-9a-f]{64}", first.secret_key)  # 256 random bits, hex
    key_file = tmp_path / "one" / "secret_key"  # in the data folder, which is Flask's instance folder
    assert Path(first.instance_path) == key_file.parent
    assert key_file.read_text().strip() == first.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert make_app(tmp_path / "one", None).secret_key == first.secret_key  # kept across restarts


@pytest.mark.parametrize("weak", ["dev", "secret", "changeme", ""])
def test_a_weak_key_file_is_replaced_by_a_random_key(tmp_path, weak):
    """Someone "fixed" the key file by typing a word into it: the word is never used to sign sessions."""
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "secret_key").write_text(weak)
    app = make_app(tmp_path / "data", None)
    assert app.secret_key != weak and re.fullmatch(r"[0-9a-f]{64}", app.secret_key)
    assert (tmp_path / "data" / "secret_key").read_text() == app.secret_key
    assert stat.S_IMODE((tmp_path / "data" / "secret_key").stat().st_mode) == 0o600


def test_a_key_file_others_can_read_is_made_owner_only_again(tmp_path):
    first = make_app(tmp_path / "data", None)
    key_file = tmp_path / "data" / "secret_key"
    key_file.chmod(0o644)  # e.g. restored from a backup with loose permissions
    assert make_app(tmp_path / "data", None).secret_key == first.secret_key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600


def test_no_environment_variable_sets_the_key(tmp_path, monkeypatch):
    """Not supported on purpose: the key lives in the data folder only (copy the file to share it between
    processes), so no deployment runs on a key typed into a shell or a compose file."""
    for name in ("SECRET_KEY", "FLASK_SECRET_KEY", "ANNOTATOR_SECRET_KEY"):
        monkeypatch.setenv(name, "dev")
    app = make_app(tmp_path / "data", None)
    assert app.secret_key == (tmp_path / "data" / "secret_key").read_text()


def test_the_code_holds_no_secret_key_literal():
    """COCO Annotator shipped a default key in its config (its issues #625/#626): nothing in the package
    assigns SECRET_KEY a fixed string."""
    found = []
    for path in (REPO_ROOT / "annotator").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            pairs = []
            if isinstance(node, ast.keyword) and node.arg in ("SECRET_KEY", "secret_key"):
                pairs.append(node.value)
            elif isinstance(node, ast.Dict):
                pairs += [value for key, value in zip(node.keys, node.values, strict=True)
                          if isinstance(key, ast.Constant) and key.value in ("SECRET_KEY", "secret_key")]
            elif isinstance(node, ast.Assign):
                names = [getattr(target, "attr", getattr(target, "id", None)) for target in node.targets]
                if {"SECRET_KEY", "secret_key"} & set(names):
                    pairs.append(node.value)
            found += [f"{path.name}:{value.lineno}" for value in pairs if isinstance(value, ast.Constant)]
    assert found == []


def _forged_cookie(key: str | bytes, session: dict) -> str:
    forger = Flask("forger")
    forger.secret_key = key
    return SecureCookieSessionInterface().get_signing_serializer(forger).dumps(session)


def _forged_csrf(key: str | bytes, raw: str) -> str:
    return URLSafeTimedSerializer(key, salt="wtf-csrf-token").dumps(raw)


@pytest.fixture
def amara_id(room: Flask) -> str:
    client = room.test_client()
    join(client, "Amara")
    with room.app_context():
        return db.session.scalar(select(Annotator.public_id).where(Annotator.display_name == "Amara"))


@pytest.mark.parametrize("key", WELL_KNOWN_KEYS, ids=lambda key: repr(key)[:12])
def test_a_session_forged_with_a_well_known_key_is_not_accepted(room, amara_id, key):
    """A forger signs a session claiming to be Amara (and holding a CSRF token of their choosing): the app
    does not take it for Amara, and the forged CSRF token does not pass either."""
    client = room.test_client()
    client.set_cookie("session", _forged_cookie(key, {"annotator_public_id": amara_id, "csrf_token": "f" * 40}))
    me = client.get("/api/me")
    assert me.status_code == 401 and "Amara" not in me.get_data(as_text=True)
    response = client.post("/api/proposals", json={"name": "forged class"},
                           headers={"X-CSRFToken": _forged_csrf(key, "f" * 40)})
    assert response.status_code == 400 and response.get_json()["error"] == "CSRF check failed"


def test_the_forgery_works_with_the_real_key_so_the_test_above_proves_something(room, amara_id):
    client = room.test_client()
    key = room.secret_key
    client.set_cookie("session", _forged_cookie(key, {"annotator_public_id": amara_id, "csrf_token": "f" * 40}))
    assert client.get("/api/me").get_json()["display_name"] == "Amara"
    response = client.post("/api/proposals", json={"name": "forged class"},
                           headers={"X-CSRFToken": _forged_csrf(key, "f" * 40)})
    assert response.status_code == 201


def test_a_forged_instructor_session_gets_no_admin_rights(room, instructor):
    """The instructor is recognised by the token, never by the session: a session claiming the instructor's
    identity, even signed with the real key, is refused every admin action."""
    teacher, headers = instructor
    teacher.get("/api/me", headers=headers)  # makes the instructor's own identity
    with room.app_context():
        public_id = db.session.scalar(select(Annotator.public_id).where(Annotator.role == "instructor"))
    client = room.test_client()
    client.set_cookie("session", _forged_cookie(room.secret_key, {"annotator_public_id": public_id,
                                                                  "csrf_token": "f" * 40}))
    response = client.put("/api/categories", json={"labels": ["forged"]},
                          headers={"X-CSRFToken": _forged_csrf(room.secret_key, "f" * 40)})
    assert response.status_code == 403
    assert client.get("/api/me").get_json()["instructor"] is False


# --- (b) the instructor token ------------------------------------------------------------------------------


def test_the_token_is_compared_with_compare_digest_and_that_is_what_decides(room, monkeypatch):
    calls: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def spy(given, expected):
        calls.append((given, expected))
        return real(given, expected)

    monkeypatch.setattr(auth.hmac, "compare_digest", spy)
    client = room.test_client()
    assert client.get("/api/workshop/live", headers={"X-Instructor-Token": INSTRUCTOR_TOKEN}).status_code == 200
    assert (INSTRUCTOR_TOKEN.encode(), INSTRUCTOR_TOKEN.encode()) in calls
    calls.clear()
    assert client.get("/api/workshop/live", headers={"X-Instructor-Token": "guess"}).status_code == 403
    assert (b"guess", INSTRUCTOR_TOKEN.encode()) in calls

    monkeypatch.setattr(auth.hmac, "compare_digest", lambda given, expected: True)  # whatever it says goes
    assert client.get("/api/workshop/live", headers={"X-Instructor-Token": "guess"}).status_code == 200


def test_the_token_never_reaches_the_log(data_dir, database_url, caplog):
    app = make_app(data_dir, database_url, INSTRUCTOR_TOKEN=INSTRUCTOR_TOKEN)

    def boom():
        raise RuntimeError("an unexpected failure")

    app.add_url_rule("/api/boom", "boom", boom)
    caplog.set_level(logging.DEBUG)
    client = app.test_client()
    client.get(f"/workshop?token={INSTRUCTOR_TOKEN}")
    client.get("/workshop")
    client.get("/api/workshop/live", headers={"X-Instructor-Token": INSTRUCTOR_TOKEN})
    client.get(f"/api/boom?token={INSTRUCTOR_TOKEN}")
    client.get("/api/boom", headers={"X-Instructor-Token": INSTRUCTOR_TOKEN})
    client.get("/?token=wrong-guess")
    assert "an unexpected failure" in caplog.text  # the failure was logged ...
    assert INSTRUCTOR_TOKEN not in caplog.text  # ... without the token it came with


def test_the_instructor_cookie_is_httponly_strict_and_never_in_the_address(room):
    response = room.test_client().get(f"/flags?token={INSTRUCTOR_TOKEN}")
    assert response.status_code == 302 and INSTRUCTOR_TOKEN not in response.headers["Location"]
    cookie = _attributes(response.headers["Set-Cookie"])
    assert cookie["name"] == auth.TOKEN_COOKIE
    assert "httponly" in cookie and cookie["samesite"] == "strict" and cookie["path"] == "/"


# --- (c) CSRF ---------------------------------------------------------------------------------------------


def state_changing_routes(app: Flask) -> list[tuple[str, str]]:
    """Every (method, rule) that may change something: from the URL map, so a new endpoint is covered."""
    return sorted((method, rule.rule) for rule in app.url_map.iter_rules()
                  for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"})


def concrete(rule: str) -> str:
    """A real address for a rule: ids of the things the fixture made (1), names that look like ours."""
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: "1" if m.group(1) == "int" else "x", rule)


def snapshot(app: Flask) -> dict[str, list]:
    with app.app_context():
        return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
                for table in Base.metadata.sorted_tables}


@pytest.fixture
def victim(room: Flask) -> FlaskClient:
    """The instructor's browser, the most powerful one to trick: its session and token cookie, a library
    with an image, a participant's outline and a proposal to act on."""
    teacher = room.test_client()
    teacher.get(f"/?token={INSTRUCTOR_TOKEN}")
    headers = csrf_of(teacher)
    upload = teacher.post("/api/images", headers=headers, data={"file": (io.BytesIO(image_bytes()), "a.jpg")})
    assert upload.status_code == 201
    amara = room.test_client()
    amara_headers = join(amara, "Amara")
    made = amara.post("/api/images/1/annotations", headers=amara_headers, json={
        "client_id": "outline-0001", "category_id": 7,
        "parts": [{"points": [5, 5, 40, 5, 40, 30, 5, 30]}]})
    assert made.status_code == 201, made.get_json()
    assert amara.post("/api/proposals", headers=amara_headers, json={"name": "scooter"}).status_code == 201
    return teacher


FORM_FIELDS = {"name": "Mallory", "labels": "x", "confirm": "reset", "note": "x", "category_id": "1",
               "version": "1", "current": "1"}
CROSS_SITE = {"Origin": EVIL, "Referer": f"{EVIL}/page.html"}


def _cross_site_requests() -> dict[str, dict]:
    return {
        "urlencoded form": {"data": FORM_FIELDS, "content_type": "application/x-www-form-urlencoded"},
        "multipart form": {"data": {**FORM_FIELDS, "file": (io.BytesIO(image_bytes(colour=(1, 2, 3))), "b.jpg")},
                           "content_type": "multipart/form-data"},
        "text/plain JSON": {"data": '{"name": "Mallory", "labels": ["x"], "confirm": "reset", "version": 1}',
                            "content_type": "text/plain"},
        # A form part with no name: werkzeug names it None, which Flask-WTF's token lookup once tripped on (500).
        "multipart part without a name": {"data": b"--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n",
                                          "content_type": "multipart/form-data; boundary=b"},
    }


def _refused_as_csrf(response) -> bool:
    if response.status_code != 400:
        return False
    if response.is_json:
        return response.get_json()["error"] == "CSRF check failed"
    return "CSRF check failed" in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", list(_cross_site_requests()))
def test_a_cross_site_post_is_refused_everywhere_and_changes_nothing(room, victim, kind):
    routes = state_changing_routes(room)
    assert len(routes) >= 20 and ("POST", "/join") in routes
    before = snapshot(room)
    wrongly_accepted = []
    for method, rule in routes:
        response = victim.open(concrete(rule), method=method, headers=CROSS_SITE, **_cross_site_requests()[kind])
        if not _refused_as_csrf(response):
            wrongly_accepted.append(f"{method} {rule}: {response.status_code}")
    assert wrongly_accepted == []
    assert snapshot(room) == before


def test_json_without_the_csrf_header_or_with_another_sessions_token_is_refused(room, victim):
    others_token = csrf_of(room.test_client())  # a real token, of another browser's session
    bodies = {"name": "Mallory", "labels": ["x"], "confirm": "reset", "version": 1, "category_id": 1}
    before = snapshot(room)
    wrongly_accepted = []
    # No header at all, and another session's token. (The instructor token in the X-Instructor-Token header does
    # skip the check: a cross-site page can neither know it nor send a custom header; see test_scriptable_api.)
    for method, rule in state_changing_routes(room):
        for headers in ({}, {**others_token}):
            response = victim.open(concrete(rule), method=method, json=bodies, headers=headers)
            if not _refused_as_csrf(response):
                wrongly_accepted.append(f"{method} {rule} {sorted(headers)}: {response.status_code}")
    assert wrongly_accepted == []
    assert snapshot(room) == before


def test_the_same_request_with_its_own_token_does_change_things(room, victim):
    """The refusals above are the CSRF check's: with the session's own token, the same browser may act."""
    before = snapshot(room)
    response = victim.post("/api/proposals/1/reject", json={"note": "no"}, headers=csrf_of(victim))
    assert response.status_code == 200
    assert snapshot(room) != before


# --- (d) cookies --------------------------------------------------------------------------------------------


def _attributes(header: str) -> dict[str, str]:
    first, *rest = [part.strip() for part in header.split(";")]
    name, _, value = first.partition("=")
    found = {"name": name, "value": value}
    for part in rest:
        key, _, attribute = part.partition("=")
        found[key.lower()] = attribute.lower()
    return found


def _every_cookie_set(room: Flask, base_url: str) -> list[str]:
    """Walk the app as an instructor and a participant do, collecting every Set-Cookie header."""
    seen: list[str] = []
    teacher = room.test_client()
    seen += teacher.get(f"/?token={INSTRUCTOR_TOKEN}", base_url=base_url).headers.getlist("Set-Cookie")
    for path in ("/", "/workshop", "/flags", "/labour", "/live"):
        seen += teacher.get(path, base_url=base_url).headers.getlist("Set-Cookie")
    person = room.test_client()
    page = person.get("/join", base_url=base_url)
    seen += page.headers.getlist("Set-Cookie")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    seen += person.post("/join", data={"name": "Amara", "csrf_token": token},
                        base_url=base_url).headers.getlist("Set-Cookie")
    other = room.test_client()
    headers = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"',
                                        other.get("/join", base_url=base_url).get_data(as_text=True)).group(1)}
    seen += other.post("/api/join", json={"name": "Ben"}, headers=headers,
                       base_url=base_url).headers.getlist("Set-Cookie")
    return seen


def test_every_cookie_is_httponly_and_samesite(room):
    cookies = [_attributes(header) for header in _every_cookie_set(room, "http://localhost")]
    assert {cookie["name"] for cookie in cookies} == {"session", auth.TOKEN_COOKIE}
    for cookie in cookies:
        assert "httponly" in cookie, cookie
        assert cookie.get("samesite") in ("lax", "strict"), cookie
        assert "secure" not in cookie, cookie  # plain HTTP on a room's network: a Secure cookie would be dropped


def test_over_https_every_cookie_is_also_secure(room):
    cookies = [_attributes(header) for header in _every_cookie_set(room, "https://localhost")]
    assert {cookie["name"] for cookie in cookies} == {"session", auth.TOKEN_COOKIE}
    for cookie in cookies:
        assert "secure" in cookie and "httponly" in cookie and cookie.get("samesite") in ("lax", "strict"), cookie


# --- (e) headers ---------------------------------------------------------------------------------------------


def _policy(header: str) -> dict[str, str]:
    return {part.split()[0]: " ".join(part.split()[1:]) for part in header.split(";") if part.strip()}


@pytest.mark.parametrize("path", ["/", "/annotate/1", "/labour", "/receipt", "/flags", "/workshop", "/live",
                                  "/agreement/1", "/replay/1", "/join", "/api/images", "/images/1",
                                  "/static/js/editor/main.js", "/nowhere"])
def test_responses_say_nosniff_and_pages_allow_only_the_sites_own_scripts(room, victim, path):
    response = victim.get(path)
    assert response.status_code in (200, 404), (path, response.status_code)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    policy = _policy(response.headers["Content-Security-Policy"])
    if path.startswith("/images/"):  # an uploaded file: nothing runs in it at all, even opened on its own
        assert policy["default-src"] == "'none'" and "sandbox" in policy
        return
    assert policy["script-src"] == "'self'"  # no 'unsafe-inline', no 'unsafe-eval'
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert policy["frame-ancestors"] == "'none'"


def test_the_templates_keep_to_the_policy_no_inline_script_or_handlers():
    """What lets the policy forbid inline script: every <script> is a file from /static or a JSON data
    block, and no element carries an on...= handler or a javascript: address."""
    problems = []
    for path in sorted((REPO_ROOT / "templates").glob("*.html")):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and 'type="application/json"' not in tag:
                problems.append(f"{path.name}: inline {tag}")
        problems += [f"{path.name}: handler {m}" for m in re.findall(r"\son[a-z]+\s*=", text, re.I)]
        problems += [f"{path.name}: javascript: address" for _ in re.findall(r"javascript:", text, re.I)]
        problems += [f"{path.name}: |safe" for _ in re.findall(r"\|\s*safe\b|Markup\(|autoescape\s+false", text)]
    assert problems == []
