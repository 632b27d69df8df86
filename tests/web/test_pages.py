"""The gallery and editor pages as HTML."""

from __future__ import annotations

import re

from annotator.store import library
from annotator.store.models import Annotation, db
from tests.conftest import image_bytes


def add_images(app, count: int, name: str = "img{}.jpg") -> None:
    with app.app_context():
        for index in range(count):
            library.add_image(image_bytes(8, 6, "PNG", colour=(index % 256, index // 256, 7)),
                              name.format(index), "import")


def card_ids(html: str) -> list[int]:
    return [int(found) for found in re.findall(r'data-image-id="(\d+)"', html)]


def test_empty_gallery_says_how_to_add_images(client):
    html = client.get("/").get_data(as_text=True)
    assert "No images yet" in html and "annotator import-images FOLDER" in html


def test_gallery_cards_show_thumbnail_size_and_annotation_count(app, client):
    add_images(app, 2)
    with app.app_context():
        db.session.add(Annotation(client_id="x", image_id=2, category_id=1, parts=[], bbox=[0, 0, 1, 1]))
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    assert card_ids(html) == [1, 2]
    assert 'src="/images/1/thumbnail"' in html and "8 × 6" in html
    assert "0 annotations" in html and "1 annotation<" in html
    assert 'href="/annotate/2"' in html


def test_gallery_is_paginated(app, client):
    add_images(app, 100)
    first = client.get("/").get_data(as_text=True)
    assert card_ids(first) == list(range(1, 49))
    assert "100 images · page 1 of 3" in first and 'href="/?page=2"' in first
    last = client.get("/?page=3").get_data(as_text=True)
    assert card_ids(last) == list(range(97, 101))
    assert client.get("/?page=4").status_code == 404
    assert card_ids(client.get("/?page=abc").get_data(as_text=True)) == list(range(1, 49))


def test_page_links_keep_a_window_around_the_current_page(app, client):
    add_images(app, 48 * 20)
    html = client.get("/?page=10").get_data(as_text=True)
    linked = [int(n) for n in re.findall(r'href="/\?page=(\d+)">\d+<', html)]
    assert linked == [1, 8, 9, 11, 12, 20]
    assert 'aria-current="page">10<' in html


def test_names_are_rendered_as_text_never_as_html(app, client):
    add_images(app, 1, name='<img src=x onerror="alert(1)">{}.jpg')
    for url in ("/", "/annotate/1"):
        html = client.get(url).get_data(as_text=True)
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;0.jpg" in html


def test_editor_page_shows_the_image_and_the_label_set(app, client):
    add_images(app, 1)
    html = client.get("/annotate/1").get_data(as_text=True)
    assert 'src="/images/1"' in html and "traffic light" in html and "vegetation" in html
    assert client.get("/annotate/99").status_code == 404


def test_unknown_pages_get_an_html_error_page_and_api_paths_json(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "Back to the gallery" in page.get_data(as_text=True)
    api = client.get("/api/no/such/thing")
    assert api.status_code == 404 and api.get_json() == {
        "error": "Not Found", "detail": api.get_json()["detail"]}


def test_wrong_method_on_the_api_is_a_405_with_allow(client):
    response = client.delete("/api/images")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]
    assert response.get_json()["error"] == "Method Not Allowed"


def test_an_unexpected_error_is_a_500_in_the_error_envelope_not_a_crash(app):
    def broken() -> str:
        raise RuntimeError("boom")

    app.add_url_rule("/api/test-broken", view_func=broken)
    app.add_url_rule("/test-broken", view_func=broken, endpoint="broken_page")
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: the handler answers
    client = app.test_client()
    api = client.get("/api/test-broken")
    assert api.status_code == 500 and api.get_json()["error"] == "Internal Server Error"
    assert "boom" not in api.get_data(as_text=True)  # internals are logged, not shown
    page = client.get("/test-broken")
    assert page.status_code == 500 and "Back to the gallery" in page.get_data(as_text=True)


def test_a_host_header_that_cannot_be_routed_gets_a_400_not_a_500(room):
    """A Host label over 63 characters leaves Flask no URL adapter: the error page cannot use url_for. (In
    single-user mode such a Host is refused first, 403, as any name but this computer's is.)"""
    client = room.test_client()
    for path in ("/", "/annotate/1", "/no-such-page"):
        answer = client.get(path, headers={"Host": "x" * 70})
        assert answer.status_code == 400 and answer.content_type.startswith("text/plain"), path
        assert "<" not in answer.get_data(as_text=True)
    assert client.get("/api/images", headers={"Host": "x" * 70}).get_json()["error"] == "Bad Request"
