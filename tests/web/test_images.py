"""The image library over HTTP: listing, uploads and serving files by id."""

from __future__ import annotations

import io

from PIL import Image as PILImage

from annotator.store import library
from annotator.store.models import Annotation, Image, db
from tests.conftest import image_bytes, upload


def test_listing_is_empty_without_samples(client):
    body = client.get("/api/images").get_json()
    assert body == {"items": [], "total": 0, "offset": 0, "limit": 48}


def test_upload_adds_an_image_with_its_size_and_urls(client, csrf_headers):
    response = upload(client, csrf_headers, ("street.jpg", image_bytes(640, 360)))
    assert response.status_code == 201
    item = response.get_json()["items"][0]
    assert (item["file_name"], item["width"], item["height"], item["annotations"]) == ("street.jpg", 640, 360, 0)
    listed = client.get("/api/images").get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == item["id"]
    assert client.get(item["thumbnail_url"]).status_code == 200
    assert client.get(item["url"]).data == image_bytes(640, 360)


def test_upload_of_the_same_content_is_a_duplicate_not_a_second_image(client, csrf_headers):
    first = upload(client, csrf_headers, ("a.jpg", image_bytes())).get_json()["items"][0]
    again = upload(client, csrf_headers, ("renamed.jpg", image_bytes()))
    assert again.status_code == 200
    assert again.get_json()["duplicates"][0]["id"] == first["id"]
    assert client.get("/api/images").get_json()["total"] == 1


def test_a_bad_file_is_refused_by_name_and_the_good_ones_in_the_same_upload_are_kept(client, csrf_headers):
    response = upload(client, csrf_headers, ("good.png", image_bytes(fmt="PNG")),
                      ("page.png", b"<html><body>not an image</body></html>"))
    assert response.status_code == 201
    body = response.get_json()
    assert [item["file_name"] for item in body["items"]] == ["good.png"]
    assert body["rejected"] == [{"file_name": "page.png",
                                 "error": "not an image Pillow can read (JPEG, PNG or WebP expected)"}]


def test_an_upload_with_only_bad_files_is_a_422_naming_each(client, csrf_headers):
    good = image_bytes(400, 300)
    response = upload(client, csrf_headers, ("empty.jpg", b""), ("cut.jpg", good[: len(good) // 2]))
    assert response.status_code == 422
    body = response.get_json()
    assert body["error"] == "no image could be imported"
    assert "empty.jpg: the file is empty" in body["detail"]
    assert "cut.jpg: corrupt or truncated image" in body["detail"]
    assert client.get("/api/images").get_json()["total"] == 0


def test_upload_refuses_a_decompression_bomb(app, client, csrf_headers):
    buffer = io.BytesIO()
    PILImage.new("1", (12000, 10000)).save(buffer, "PNG")  # 120 MP, tiny on disk
    response = upload(client, csrf_headers, ("bomb.png", buffer.getvalue()))
    assert response.status_code == 422
    assert "too large" in response.get_json()["detail"]


def test_upload_without_a_file_is_a_400(client, csrf_headers):
    response = client.post("/api/images", data={}, headers=csrf_headers, content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json()["error"] == "no file sent"
    response = client.post("/api/images", json={"file": "street.jpg"}, headers=csrf_headers)  # not a form at all
    assert response.status_code == 400 and response.get_json()["error"] == "no file sent"


def test_an_upload_of_more_files_than_the_limit_is_refused_whole_naming_the_field(client, csrf_headers):
    response = upload(client, csrf_headers, *[(f"{n}.jpg", image_bytes(colour=(n, 0, 0))) for n in range(51)])
    assert response.status_code == 422 and response.get_json()["error"] == "invalid request"
    assert response.get_json()["detail"] == "file: Value should have at most 50 items after validation, not 51"
    assert client.get("/api/images").get_json()["total"] == 0


def test_upload_without_the_csrf_token_is_refused(client):
    response = upload(client, {}, ("a.jpg", image_bytes()))
    assert response.status_code == 400
    assert response.get_json()["error"] == "CSRF check failed"
    assert client.get("/api/images").get_json()["total"] == 0


def test_upload_over_the_size_limit_is_a_413(app, client, csrf_headers):
    app.config["MAX_CONTENT_LENGTH"] = 1024 * 1024
    body = b"--x\r\nContent-Disposition: form-data; name=file; filename=big.jpg\r\n\r\n" + b"x" * 1024 * 1024
    response = client.post("/api/images", data=body, headers=csrf_headers,
                           content_type="multipart/form-data; boundary=x")
    assert response.status_code == 413
    assert response.get_json()["error"] == "Request Entity Too Large"
    assert client.get("/api/images").get_json()["total"] == 0


def test_file_names_are_stored_without_folders_or_control_characters(client, csrf_headers):
    response = upload(client, csrf_headers, ("../../etc/pass\x00wd.jpg", image_bytes()))
    assert response.get_json()["items"][0]["file_name"] == "passwd.jpg"


def test_listing_pages_with_offset_and_limit_and_counts_live_annotations(app, client):
    with app.app_context():
        for index in range(5):
            library.add_image(image_bytes(colour=(index * 40, 0, 0)), f"img{index}.jpg", "import")
        first = db.session.get(Image, 1)
        for n, deleted in enumerate([False, False, True]):
            db.session.add(Annotation(client_id=f"c{n}", image_id=first.id, category_id=1, parts=[],
                                      bbox=[0, 0, 1, 1], deleted=deleted))
        db.session.commit()
    page = client.get("/api/images?offset=0&limit=2").get_json()
    assert page["total"] == 5 and [item["file_name"] for item in page["items"]] == ["img0.jpg", "img1.jpg"]
    assert page["items"][0]["annotations"] == 2  # the deleted one is not counted
    last = client.get("/api/images?offset=4&limit=2").get_json()
    assert [item["file_name"] for item in last["items"]] == ["img4.jpg"]


def test_listing_refuses_bad_paging_values_with_a_clear_error(client):
    for query in ("limit=abc", "limit=0", "limit=100000", "offset=-1"):
        response = client.get(f"/api/images?{query}")
        assert response.status_code == 422, query
        assert response.get_json()["detail"].startswith(query.split("=")[0]), query


def test_one_image_by_id_and_a_missing_one(client, csrf_headers):
    item = upload(client, csrf_headers, ("a.jpg", image_bytes())).get_json()["items"][0]
    assert client.get(f"/api/images/{item['id']}").get_json()["file_name"] == "a.jpg"
    missing = client.get("/api/images/9999")
    assert missing.status_code == 404 and missing.get_json()["error"] == "image not found"


def test_categories_list_the_default_label_set_in_order(client):
    items = client.get("/api/categories").get_json()["items"]
    assert [item["name"] for item in items[:3]] == ["road", "sidewalk", "parking"]
    assert items[-1]["name"] == "void/unknown" and len(items) == 27
    assert all(item["colour"].startswith("#") and item["definition"] for item in items)
