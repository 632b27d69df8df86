"""The instructor token: single-user mode needs none; once set, admin actions need it."""

from __future__ import annotations

import pytest
from flask import Flask

from annotator.web.auth import TOKEN_COOKIE, admin_required
from tests.conftest import make_app

TOKEN = "s3cret-token-for-tests"


@pytest.fixture
def guarded_app(data_dir, database_url) -> Flask:
    app = make_app(data_dir, database_url, INSTRUCTOR_TOKEN=TOKEN)

    @app.get("/api/test-admin")
    @admin_required
    def admin_only() -> dict:
        return {"ok": True}

    return app


def test_single_user_mode_treats_the_local_user_as_instructor(app):
    app.add_url_rule("/api/test-admin", view_func=admin_required(lambda: {"ok": True}))
    assert app.test_client().get("/api/test-admin").status_code == 200


def test_with_a_token_admin_actions_are_refused_without_it(guarded_app):
    response = guarded_app.test_client().get("/api/test-admin")
    assert response.status_code == 403
    assert response.get_json()["error"] == "instructor only"


@pytest.mark.parametrize("given", ["wrong", "", "s3cret-token-for-test", "s3cret-token-for-tests "])
def test_a_wrong_token_is_refused(guarded_app, given):
    response = guarded_app.test_client().get("/api/test-admin", headers={"X-Instructor-Token": given})
    assert response.status_code == 403


def test_the_token_header_grants_admin_actions(guarded_app):
    response = guarded_app.test_client().get("/api/test-admin", headers={"X-Instructor-Token": TOKEN})
    assert response.status_code == 200


def test_opening_a_page_with_the_token_sets_an_httponly_cookie_and_cleans_the_address(guarded_app):
    client = guarded_app.test_client()
    response = client.get(f"/?page=1&token={TOKEN}")
    assert response.status_code == 302 and response.headers["Location"] == "/?page=1"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{TOKEN_COOKIE}={TOKEN}") and "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert client.get("/api/test-admin").status_code == 200


def test_a_wrong_token_in_the_address_sets_no_cookie(guarded_app):
    client = guarded_app.test_client()
    response = client.get("/?token=guess")
    assert response.status_code == 302 and "Set-Cookie" not in response.headers
    assert client.get("/api/test-admin").status_code == 403
