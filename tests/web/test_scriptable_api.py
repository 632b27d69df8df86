"""A script holding the instructor token needs no CSRF token; a browser relying on cookies still does."""

from __future__ import annotations

import io

from flask import Flask

from tests.conftest import INSTRUCTOR_TOKEN, csrf_of, image_bytes, make_app


def upload(client, headers):
    return client.post("/api/images", data={"file": (io.BytesIO(image_bytes()), "street.jpg")}, headers=headers,
                       content_type="multipart/form-data")


def test_the_instructor_token_in_a_header_needs_no_csrf_token(room: Flask):
    answer = upload(room.test_client(), {"X-Instructor-Token": INSTRUCTOR_TOKEN})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["items"][0]["file_name"] == "street.jpg"


def test_the_instructor_cookie_alone_still_needs_the_csrf_token(room: Flask):
    browser = room.test_client()
    browser.get(f"/workshop?token={INSTRUCTOR_TOKEN}")  # sets the instructor cookie, as the printed link does
    refused = upload(browser, {})
    assert refused.status_code == 400 and "CSRF" in refused.get_json()["detail"]
    assert upload(browser, csrf_of(browser)).status_code == 201


def test_a_wrong_header_token_is_no_way_round_the_csrf_check(room: Flask):
    answer = upload(room.test_client(), {"X-Instructor-Token": INSTRUCTOR_TOKEN + "x"})
    assert answer.status_code == 400 and "CSRF" in answer.get_json()["detail"]


def test_in_single_user_mode_a_header_proves_nothing_and_csrf_is_checked(data_dir, database_url):
    app = make_app(data_dir, database_url)
    answer = upload(app.test_client(), {"X-Instructor-Token": ""})
    assert answer.status_code == 400 and "CSRF" in answer.get_json()["detail"]


def test_an_address_that_routes_nowhere_is_still_404_not_a_csrf_refusal(room: Flask):
    assert room.test_client().post("/api/no-such-thing").status_code == 404
