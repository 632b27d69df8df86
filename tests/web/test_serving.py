"""Image files are served by id with caching headers, and no URL reaches outside the image store."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from annotator.store import library
from annotator.store.models import Image, db
from tests.conftest import add_image


@pytest.fixture
def image_id(app) -> int:
    return add_image(app, 300, 200, source="import")


def test_original_has_an_etag_and_a_conditional_get_is_answered_304(client, image_id):
    first = client.get(f"/images/{image_id}")
    assert first.status_code == 200 and first.mimetype == "image/jpeg"
    assert first.headers["ETag"] and first.headers["Last-Modified"]
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get(f"/images/{image_id}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    since = client.get(f"/images/{image_id}", headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_thumbnail_is_small_cached_and_conditional(client, image_id):
    response = client.get(f"/images/{image_id}/thumbnail")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert client.get(f"/images/{image_id}/thumbnail",
                      headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_a_deleted_thumbnail_is_made_again_on_request(app, client, image_id):
    with app.app_context():
        path = library.ensure_thumbnail(db.session.get(Image, image_id))
    path.unlink()
    assert client.get(f"/images/{image_id}/thumbnail").status_code == 200
    assert path.exists()


def test_unknown_ids_are_404(client):
    assert client.get("/images/424242").status_code == 404
    assert client.get("/images/424242/thumbnail").status_code == 404


@pytest.mark.parametrize("url", [
    "/images/../setup.cfg",
    "/images/..%2f..%2fsetup.cfg",
    "/images/%2e%2e/%2e%2e/setup.cfg",
    "/images/1/..%2f..%2fsecret_key",
    "/images//etc/passwd",
    "/images/%2fetc%2fpasswd",
    "/static/../setup.cfg",
    "/static/%2e%2e/setup.cfg",
    "/static/..%2fannotator%2f__init__.py",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/secret_key",
    "/annotator.sqlite3",
])
def test_path_traversal_urls_reach_nothing(client, image_id, url):
    response = client.get(url)
    assert response.status_code in (404, 308), url
    if response.status_code == 308:  # a redirect may normalise the path, but never to a file's bytes
        assert client.get(url, follow_redirects=True).status_code == 404
    assert b"SECRET" not in response.data and b"root:" not in response.data


def test_a_stored_path_escaping_the_store_is_not_served(app, client, image_id, tmp_path: Path):
    outside = tmp_path / "private.txt"
    outside.write_text("private")
    with app.app_context():
        image = db.session.get(Image, image_id)
        image.stored_path = os.path.relpath(outside, library.image_store())
        db.session.commit()
    assert client.get(f"/images/{image_id}").status_code == 404


def test_a_symlink_in_the_store_pointing_outside_is_not_served(app, client, image_id, tmp_path: Path):
    outside = tmp_path / "private.txt"
    outside.write_text("private")
    with app.app_context():
        image = db.session.get(Image, image_id)
        stored = library.image_store() / image.stored_path
        stored.unlink()
        stored.symlink_to(outside)
    response = client.get(f"/images/{image_id}")
    assert response.status_code == 404 and b"private" not in response.data


def test_an_absolute_stored_path_is_not_served(app, client, image_id):
    with app.app_context():
        db.session.get(Image, image_id).stored_path = "/etc/passwd"
        db.session.commit()
    assert client.get(f"/images/{image_id}").status_code == 404
