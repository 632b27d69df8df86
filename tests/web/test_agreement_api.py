"""Agreement over HTTP: who may see it, how people are named, the figures, the CSV, the map and one pixel."""

from __future__ import annotations

import csv
import io
import json

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image as PILImage

from annotator.core import agreement
from annotator.paths import shipped_dir
from annotator.store import library
from annotator.store.models import Annotation, Image, db
from tests.conftest import INSTRUCTOR_TOKEN, add_image, csrf_of, image_bytes, join, make_app

# Two 50 x 50 squares, the second 10 px to the right: 2,000 shared pixels of 3,000 -> IoU 2/3.
LEFT = [{"points": [10, 10, 60, 10, 60, 60, 10, 60]}]
RIGHT = [{"points": [20, 10, 70, 10, 70, 60, 20, 60]}]
FAR = [{"points": [150, 50, 190, 50, 190, 90, 150, 90]}]
CAR, TRUCK = 7, 8


def save(client: FlaskClient, headers: dict, image_id: int, client_id: str, parts: list, category: int = CAR) -> int:
    response = client.post(f"/api/images/{image_id}/annotations", headers=headers,
                           json={"client_id": client_id, "category_id": category, "parts": parts})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["annotation"]["id"]


@pytest.fixture
def image_id(room: Flask) -> int:
    return add_image(room)


@pytest.fixture
def people(room: Flask, image_id: int) -> dict[str, tuple[FlaskClient, dict]]:
    """Amara (a car) and "=Ben" (the same thing, a truck, and one more object) have joined and outlined."""
    amara, ben = room.test_client(), room.test_client()
    amara_headers, ben_headers = join(amara, "Amara"), join(ben, "=Ben")
    save(amara, amara_headers, image_id, "amara-car-1", LEFT, CAR)
    save(ben, ben_headers, image_id, "ben-truck-1", RIGHT, TRUCK)
    save(ben, ben_headers, image_id, "ben-car-002", FAR, CAR)
    return {"amara": (amara, amara_headers), "ben": (ben, ben_headers)}


def share(instructor, on: bool = True) -> None:
    client, headers = instructor
    assert client.put("/api/workshop", json={"share_layers": on}, headers=headers).status_code == 200


def urls(image_id: int) -> list[str]:
    base = f"/api/images/{image_id}/agreement"
    return [base, f"{base}.csv", f"{base}/disagreement.png", f"{base}/pixel?x=30&y=30", "/api/agreement.csv"]


def test_a_participant_sees_nothing_until_the_instructor_shares(room, instructor, people, image_id):
    amara, _ = people["amara"]
    for url in urls(image_id):
        refused = amara.get(url)
        assert refused.status_code == 403, url
        assert refused.get_json()["error"] == "not shared yet"
    assert amara.get(f"/agreement/{image_id}").status_code == 403
    share(instructor)
    for url in [*urls(image_id), f"/agreement/{image_id}"]:
        assert amara.get(url).status_code == 200, url
    share(instructor, on=False)
    assert amara.get(urls(image_id)[0]).status_code == 403


def test_a_browser_that_has_not_joined_is_asked_to_join(room, instructor, people, image_id):
    share(instructor)
    response = room.test_client().get(f"/api/images/{image_id}/agreement")
    assert response.status_code == 401 and response.get_json()["error"] == "join first"


def test_the_instructor_sees_names_and_the_figures(instructor, people, image_id):
    client, headers = instructor
    report = client.get(f"/api/images/{image_id}/agreement", headers=headers).get_json()
    assert [(p["label"], p["name"], p["you"], p["outlines"]) for p in report["people"]] == [
        ("Amara", "Amara", False, 1), ("=Ben", "=Ben", False, 2)]
    amara_id, ben_id = (p["id"] for p in report["people"])
    assert amara_id.startswith("annotator-")
    car, far = report["objects"]
    assert [(m["person"], m["category"], m["area"]) for m in car["members"]] == [
        (amara_id, "car", 2500), (ben_id, "truck", 2500)]
    assert car["mean_iou"] == 0.667 and car["iou_matrix"] == [[None, 0.667], [0.667, None]]
    assert far["missing"] == [amara_id] and far["mean_iou"] is None
    assert report["pairwise"] == [{"a": amara_id, "b": ben_id, "objects_both": 1, "only_a": 0, "only_b": 1,
                                   "mean_iou": 0.667}]
    assert report["confusions"] == [{"a": "car", "b": "truck", "count": 1, "objects": [1]}]
    assert report["ground_truth"] is None
    assert {o["person"]: o["parts"][0]["points"] for o in report["outlines"]}[amara_id] == LEFT[0]["points"]


def test_a_participant_sees_you_and_people_numbered_by_join_order_never_names(instructor, people, image_id):
    share(instructor)
    ben, _ = people["ben"]
    report = ben.get(f"/api/images/{image_id}/agreement").get_json()
    assert [(p["label"], p["name"], p["you"]) for p in report["people"]] == [
        ("Person 1", None, False), ("You", None, True)]
    text = json.dumps(report)
    assert "Amara" not in text
    pixel = ben.get(f"/api/images/{image_id}/agreement/pixel?x=30&y=30").get_json()
    assert "Amara" not in json.dumps(pixel)


def test_deleted_and_imported_outlines_are_left_out(room, instructor, people, image_id):
    client, headers = instructor
    with room.app_context():
        far = db.session.query(Annotation).filter_by(client_id="ben-car-002").one()
        far.deleted = True
        imported = Annotation(client_id="imported-0001", image_id=image_id, category_id=CAR, annotator_id=None,
                              parts=LEFT, rle_counts=far.rle_counts, area=far.area, bbox=far.bbox, attributes={})
        db.session.add(imported)
        db.session.commit()
    report = client.get(f"/api/images/{image_id}/agreement", headers=headers).get_json()
    assert len(report["objects"]) == 1 and [p["outlines"] for p in report["people"]] == [1, 1]
    assert len(report["outlines"]) == 2


def test_an_image_nobody_outlined_has_empty_figures(instructor, image_id):
    client, headers = instructor
    report = client.get(f"/api/images/{image_id}/agreement", headers=headers).get_json()
    assert (report["people"], report["objects"], report["pairwise"], report["confusions"]) == ([], [], [], [])
    png = client.get(f"/api/images/{image_id}/agreement/disagreement.png", headers=headers)
    assert png.status_code == 200
    assert PILImage.open(io.BytesIO(png.data)).getextrema()[3] == (0, 0)  # all clear
    csv_text = client.get(f"/api/images/{image_id}/agreement.csv", headers=headers).get_data(as_text=True)
    assert csv_text.splitlines() == [",".join(agreement.CSV_COLUMNS)]


def test_a_missing_or_deleted_image_is_404(room, instructor, image_id):
    client, headers = instructor
    with room.app_context():
        db.session.get(Image, image_id).deleted = True
        db.session.commit()
    for url in [*urls(image_id)[:4], "/api/images/999/agreement"]:
        response = client.get(url, headers=headers)
        assert response.status_code == 404 and response.get_json()["error"] == "image not found", url
    assert client.get(f"/agreement/{image_id}", headers=headers).status_code == 404


def test_the_csv_names_people_as_the_asker_may_and_keeps_formulas_as_text(instructor, people, image_id):
    client, headers = instructor
    response = client.get(f"/api/images/{image_id}/agreement.csv", headers=headers)
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == f'attachment; filename="agreement-image-{image_id}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [(r["object"], r["name_a"], r["name_b"], r["class_a"], r["class_b"], r["iou"]) for r in rows] == [
        ("1", "Amara", "'=Ben", "car", "truck", "0.667"),
        ("2", "Amara", "'=Ben", "", "car", "0.0"),  # Amara missed Ben's second object
    ]
    assert all(r["kind"] == "pair" and r["image_id"] == str(image_id) for r in rows)

    share(instructor)
    amara, _ = people["amara"]
    mine = list(csv.DictReader(io.StringIO(amara.get(f"/api/images/{image_id}/agreement.csv").get_data(as_text=True))))
    assert {(r["name_a"], r["name_b"]) for r in mine} == {("You", "Person 2")}


def test_the_all_images_csv_has_every_outlined_image_under_one_header(room, instructor, people, image_id):
    client, headers = instructor
    with room.app_context():
        second = library.add_image(image_bytes(200, 100, colour=(10, 90, 10)), "second.jpg", "upload")[0].id
        library.add_image(image_bytes(200, 100, colour=(90, 10, 10)), "untouched.jpg", "upload")
    amara, amara_headers = people["amara"]
    save(amara, amara_headers, second, "amara-second-1", LEFT)
    text = client.get("/api/agreement.csv", headers=headers).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert text.count("image_id,kind") == 1
    assert [r["image_id"] for r in rows] == [str(image_id), str(image_id)]  # the second image: one person, no pairs
    assert second != image_id


# Not whole numbers of pixels: refused by the query's schema, naming the coordinate. Whole numbers off the
# image: refused by the view, which knows its size.
@pytest.mark.parametrize(("query", "named", "error"), [
    ("", "x", "invalid request"), ("x=1", "y", "invalid request"), ("y=1", "x", "invalid request"),
    ("x=a&y=1", "x", "invalid request"), ("x=1.5&y=2", "x", "invalid request"),
    ("x=1e3&y=2", "x", "invalid request"), ("x=%EF%BC%91&y=1", "x", "invalid request"),
    ("x=-1&y=2", "x", "invalid request"), ("x=%20&y=1", "x", "invalid request"),
    ("x=99999999999999999999&y=1", "x", "outside the image"), ("x=200&y=5", "x", "outside the image"),
    ("x=5&y=100", "y", "outside the image"),
])
def test_bad_pixel_coordinates_are_refused_never_a_500(instructor, people, image_id, query, named, error):
    client, headers = instructor
    response = client.get(f"/api/images/{image_id}/agreement/pixel?{query}", headers=headers)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["error"] == error and body["detail"].startswith(f"{named}")


def test_a_pixel_says_how_many_people_gave_it_which_class(instructor, people, image_id):
    client, headers = instructor
    both = client.get(f"/api/images/{image_id}/agreement/pixel?x=30&y=30", headers=headers).get_json()
    report = client.get(f"/api/images/{image_id}/agreement", headers=headers).get_json()
    amara_id, ben_id = (p["id"] for p in report["people"])
    assert both == {"x": 30, "y": 30, "people": 2, "labelled": 2, "unlabelled": 0, "classes": [
        {"category_id": CAR, "category": "car", "count": 1, "people": [amara_id]},
        {"category_id": TRUCK, "category": "truck", "count": 1, "people": [ben_id]}]}
    only_ben = client.get(f"/api/images/{image_id}/agreement/pixel?x=170&y=70", headers=headers).get_json()
    assert (only_ben["labelled"], only_ben["unlabelled"], only_ben["classes"][0]["category"]) == (1, 1, "car")
    nobody = client.get(f"/api/images/{image_id}/agreement/pixel?x=199&y=0", headers=headers).get_json()
    assert nobody["labelled"] == 0 and nobody["classes"] == []


def test_the_disagreement_map_is_a_png_the_size_of_the_image_and_revalidates(instructor, people, image_id):
    client, headers = instructor
    url = f"/api/images/{image_id}/agreement/disagreement.png"
    response = client.get(url, headers=headers)
    assert response.status_code == 200 and response.mimetype == "image/png"
    heat = PILImage.open(io.BytesIO(response.data))
    assert heat.mode == "RGBA" and heat.size == (200, 100)
    assert heat.getpixel((30, 30)) == (*agreement.RED, 220)  # car against truck, both labelled it
    assert heat.getpixel((15, 30))[:3] == tuple(agreement.GREEN)  # only Amara: one class
    assert heat.getpixel((15, 30))[3] == 155  # half the people labelled it: fainter
    assert heat.getpixel((100, 5))[3] == 0
    etag = response.headers["ETag"]
    again = client.get(url, headers={**headers, "If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""


def test_the_disagreement_map_changes_its_tag_when_an_outline_changes(instructor, people, image_id):
    client, headers = instructor
    url = f"/api/images/{image_id}/agreement/disagreement.png"
    etag = client.get(url, headers=headers).headers["ETag"]
    amara, amara_headers = people["amara"]
    save(amara, amara_headers, image_id, "amara-more-1", FAR, TRUCK)
    fresh = client.get(url, headers={**headers, "If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag
    assert PILImage.open(io.BytesIO(fresh.data)).getpixel((170, 70))[:3] == tuple(agreement.RED)


def test_the_page_is_served_with_the_image(instructor, people, image_id):
    client, headers = instructor
    page = client.get(f"/agreement/{image_id}", headers=headers).get_data(as_text=True)
    assert 'data-testid="agreement-canvas"' in page and "js/agreement/page.js" in page
    assert f"/api/images/{image_id}/agreement.csv" in page


def test_single_user_mode_needs_no_token(client, csrf_headers, app):
    with app.app_context():
        image_id = library.add_image(image_bytes(200, 100), "street.jpg", "upload")[0].id
    save(client, csrf_headers, image_id, "local-car-01", LEFT)
    report = client.get(f"/api/images/{image_id}/agreement").get_json()
    assert [p["label"] for p in report["people"]] == ["Local user"]
    assert client.get(f"/agreement/{image_id}").status_code == 200


def test_sample_scenes_are_scored_against_their_ground_truth(data_dir, database_url):
    app = make_app(data_dir, database_url, LOAD_SAMPLES=True)
    client = app.test_client()
    headers = csrf_of(client)
    coco = json.loads((shipped_dir("sample_images") / "ground_truth.json").read_text())
    with app.app_context():
        scene = db.session.query(Image).filter_by(file_name="scene_01.jpg").one()
        assert scene.source == "sample"
        scene_id = scene.id
        upload = library.add_image(image_bytes(1280, 720), "scene_01.jpg", "upload")[0].id
    image_number = next(i["id"] for i in coco["images"] if i["file_name"] == "scene_01.jpg")
    names = {c["id"]: c["name"] for c in coco["categories"]}
    target = max((a for a in coco["annotations"] if a["image_id"] == image_number
                  and isinstance(a["segmentation"], list) and names[a["category_id"]] == "car"),
                 key=lambda a: a["area"])
    save(client, headers, scene_id, "truth-car-01", [{"points": p} for p in target["segmentation"]], CAR)
    save(client, headers, scene_id, "nothing-001", [{"points": [0, 0, 3, 0, 3, 3]}], CAR)
    truth = client.get(f"/api/images/{scene_id}/agreement").get_json()["ground_truth"]
    assert truth is not None
    total = sum(1 for a in coco["annotations"] if a["image_id"] == image_number)
    assert len(truth["objects"]) == total
    [match] = truth["matches"]
    assert match["gt"] == target["id"] and match["class_match"] and match["iou"] > 0.9
    [person] = truth["people"]
    assert (person["outlines"], person["matched"], person["class_matches"], person["missed"]) == (2, 1, 1, total - 1)
    assert person["coverage"] == round(1 / total, 3)
    rows = list(csv.DictReader(io.StringIO(client.get(f"/api/images/{scene_id}/agreement.csv").get_data(
        as_text=True))))
    truth_rows = [r for r in rows if r["kind"] == "ground_truth"]
    assert len(truth_rows) == total
    [found] = [r for r in truth_rows if r["iou"] != "0.0"]
    assert (found["object"], found["person_b"], found["class_a"], found["class_b"]) == (
        f"gt-{target['id']}", "ground truth", "car", "car")
    # An uploaded photo of the same name is not the sample: no ground truth.
    save(client, headers, upload, "upload-car-1", LEFT)
    assert client.get(f"/api/images/{upload}/agreement").get_json()["ground_truth"] is None


def test_instructor_token_cookie_works_for_the_page(room, people, image_id):
    client = room.test_client()
    assert client.get(f"/agreement/{image_id}?token={INSTRUCTOR_TOKEN}").status_code == 302
    assert client.get(f"/agreement/{image_id}").status_code == 200
