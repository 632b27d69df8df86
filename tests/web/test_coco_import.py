"""COCO import over HTTP and the CLI: all or nothing, the first problem named, round trips through export."""

from __future__ import annotations

import io
import json
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from annotator.core import masks
from annotator.store.models import Annotation, Category, Image, LabourEvent, db
from tests.conftest import POSTGRES_URL, REPO_ROOT, image_bytes, make_app

STREET = image_bytes(200, 150, colour=(90, 90, 90))
DUSK = image_bytes(160, 120, "PNG", colour=(20, 20, 120))


def ring_mask(height: int = 120, width: int = 160) -> np.ndarray:
    mask = np.zeros((height, width), dtype=np.uint8)
    mask[20:100, 30:130] = 1
    mask[45:75, 60:100] = 0  # a hole: COCO polygons cannot carry it, RLE can
    return mask


def blob_mask(height: int = 120, width: int = 160) -> np.ndarray:
    rows, cols = np.mgrid[:height, :width]
    mask = ((rows - 60) ** 2 / 900 + (cols - 40) ** 2 / 400 <= 1).astype(np.uint8)
    mask[50:55, 20:60] = 0  # a gap splits it in two
    return mask


def uncompressed(mask: np.ndarray) -> list[int]:
    flat = mask.flatten(order="F")
    edges = np.flatnonzero(np.diff(flat)) + 1
    bounds = np.concatenate([[0], edges, [flat.size]])
    runs = np.diff(bounds).tolist()
    return runs if flat[0] == 0 else [0, *runs]


def hand_made() -> dict[str, Any]:
    """Polygons (one self-intersecting, one of two parts), a ring with a hole as compressed RLE, and
    a crowd as uncompressed RLE; class names in another case than the label set's, and one new class."""
    return {
        "info": {"description": "made by hand"},
        "images": [{"id": 101, "file_name": "street.jpg", "width": 200, "height": 150},
                   {"id": 102, "file_name": "photos/dusk.png", "width": 160, "height": 120}],
        "categories": [{"id": 3, "name": "Car", "supercategory": "vehicle"},
                       {"id": 4, "name": "person", "supercategory": "human"},
                       {"id": 9, "name": "puddle", "supercategory": "flat"}],
        "annotations": [
            {"id": 1, "image_id": 101, "category_id": 3, "segmentation": [[20, 20, 80, 20, 80, 60, 20, 60]],
             "area": 2400, "bbox": [20, 20, 60, 40], "iscrowd": 0},
            {"id": 2, "image_id": 101, "category_id": 4, "iscrowd": 0,
             "segmentation": [[100, 30, 120, 30, 110, 90], [130, 30, 150, 30, 140, 90]]},
            {"id": 3, "image_id": 101, "category_id": 9, "iscrowd": 0,  # a bow-tie: repaired into two parts
             "segmentation": [[10, 100, 60, 140, 60, 100, 10, 140]]},
            {"id": 4, "image_id": 102, "category_id": 9, "iscrowd": 0, "segmentation": masks.encode(ring_mask())},
            {"id": 5, "image_id": 102, "category_id": 4, "iscrowd": 1,
             "segmentation": {"size": [120, 160], "counts": uncompressed(blob_mask())}},
        ],
    }


def segmentation_mask(segmentation: Any, height: int, width: int) -> masks.RLE:
    if isinstance(segmentation, list):
        return masks.polygons_to_rle(segmentation, height, width)
    return masks.to_compressed(segmentation)


def state(app: Flask) -> tuple:
    """What an import may change, to check a failed one changed nothing."""
    with app.app_context():
        return (sorted(db.session.scalars(select(Image.sha256))),
                sorted(db.session.execute(select(Category.id, Category.name, Category.archived)).all()),
                db.session.scalar(select(func.count(Annotation.id))))


def csrf_for(client) -> dict[str, str]:
    """The CSRF header for a client of an app made in the test (the fixture's, for other apps)."""
    page = client.get("/join").get_data(as_text=True)
    return {"X-CSRFToken": re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)}


def post_coco(client, headers: dict[str, str], body: bytes | dict | list, name: str = "coco.json"):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    # Encoded here: werkzeug's test encoder spools big bodies to a temporary file it never closes.
    multipart = (f'--x\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                 f"Content-Type: application/json\r\n\r\n").encode() + data + b"\r\n--x--\r\n"
    return client.post("/api/import/coco", data=multipart, headers=headers,
                       content_type="multipart/form-data; boundary=x")


@pytest.fixture
def library(client, csrf_headers) -> None:
    """The two images of the hand-made file, uploaded under other folder names than the file gives."""
    from tests.conftest import upload

    assert upload(client, csrf_headers, ("street.jpg", STREET), ("dusk.png", DUSK)).status_code == 201


@pytest.fixture
def photo_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "photos"
    (folder / "deep").mkdir(parents=True)
    (folder / "street.jpg").write_bytes(STREET)
    (folder / "deep" / "dusk.png").write_bytes(DUSK)
    return folder



def write_json(folder: Path, data: Any, name: str = "coco.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(json.dumps(data) if not isinstance(data, str) else data)
    return path


# --- the HTTP API ---------------------------------------------------------------------------------


def test_api_import_stores_editable_polygons_marked_as_imported(app, client, csrf_headers, library):
    response = post_coco(client, csrf_headers, hand_made(), name="from-elsewhere.json")
    assert response.status_code == 201
    summary = response.get_json()
    assert summary["import_file"] == "from-elsewhere.json"
    assert (summary["images_matched"], summary["images_added"], summary["annotations_imported"]) == (2, 0, 5)
    assert summary["categories_created"] == ["puddle"]
    assert summary["repairs"] >= 1
    assert summary["repaired_annotations"][0]["original_id"] == 3
    with app.app_context():
        rows = list(db.session.scalars(select(Annotation).order_by(Annotation.id)))
        assert [row.attributes["original_id"] for row in rows] == [1, 2, 3, 4, 5]
        for row in rows:
            assert row.attributes["source"] == "import" and row.attributes["import_file"] == "from-elsewhere.json"
            assert row.annotator_id is None and row.client_id.startswith("import-") and len(row.client_id) == 39
        assert "repairs" in rows[2].attributes and "repairs" not in rows[0].attributes
        assert [row.category.name for row in rows] == ["car", "person", "puddle", "puddle", "person"]
        assert [row.iscrowd for row in rows] == [False, False, False, False, True]
        ring = rows[3]
        assert [part["hole"] for part in ring.parts] == [False, True]  # traced with its hole
        assert masks.iou({"size": [120, 160], "counts": ring.rle_counts}, masks.encode(ring_mask())) == 1.0
        assert ring.area == int(ring_mask().sum()) and ring.bbox == [30.0, 20.0, 100.0, 80.0]
        assert rows[0].area == 2400.0 and rows[0].parts == [{"points": [20, 20, 80, 20, 80, 60, 20, 60], "hole": False}]
        puddle = db.session.scalar(select(Category).where(Category.name == "puddle"))
        assert puddle.supercategory == "flat" and puddle.colour.startswith("#") and not puddle.archived
        assert db.session.scalar(select(func.count(LabourEvent.id))) == 0


def test_api_import_matches_by_base_name_when_the_library_name_has_another_folder(app, client, csrf_headers, library):
    data = hand_made()
    data["images"][0]["file_name"] = "C:\\exports\\street.jpg"
    assert post_coco(client, csrf_headers, data).status_code == 201


BAD_FILES: list[tuple[str, Any, int, str, str]] = [
    ("not json", b"images: [", 400, "not a JSON file", "coco.json: not valid JSON: Expecting value"),
    ("not utf-8", b"\xff\xfe\x00garbage", 400, "not a JSON file", "not valid JSON"),
    ("deeply nested", b"[" * 100_000, 400, "not a JSON file", "nested too deeply"),
    ("deeply nested object", b'{"images":' * 100_000, 400, "not a JSON file", "nested too deeply"),
    ("not an object", [1, 2], 422, "invalid COCO file", "the file must be a JSON object"),
    ("no images", {"categories": [], "annotations": []}, 422, "invalid COCO file", "images: missing"),
    ("images not a list", {"images": "a.jpg", "categories": [], "annotations": []}, 422, "invalid COCO file",
     "images: must be a list, not the string 'a.jpg'"),
]


@pytest.mark.parametrize(("case", "body", "status", "error", "detail"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_a_malformed_file_is_refused_with_its_first_problem_and_nothing_changes(
        app, client, csrf_headers, library, case, body, status, error, detail):
    before = state(app)
    response = post_coco(client, csrf_headers, body)
    assert response.status_code == status
    payload = response.get_json()
    assert payload["error"] == error and detail in payload["detail"]
    assert state(app) == before


def _broken(change) -> dict[str, Any]:
    data = hand_made()
    change(data)
    return data


BAD_CONTENT: list[tuple[str, Any, str, str]] = [
    ("image without file_name", lambda d: d["images"][1].pop("file_name"), "invalid COCO file",
     "images[1].file_name: missing or not a non-empty string"),
    ("image width a string", lambda d: d["images"][0].update(width="200"), "invalid COCO file",
     "images[0].width: must be a whole number, not the string '200'"),
    ("duplicate image ids", lambda d: d["images"][1].update(id=101), "invalid COCO file",
     "images[1].id: duplicate id 101 (also images[0])"),
    ("unknown image id", lambda d: d["annotations"][3].update(image_id=7), "invalid COCO file",
     "annotations[3].image_id: no image with id 7 in 'images'"),
    ("unknown category id", lambda d: d["annotations"][4].update(category_id=5), "invalid COCO file",
     "annotations[4].category_id: no category with id 5 in 'categories'"),
    ("odd count", lambda d: d["annotations"][1]["segmentation"][1].append(3), "invalid COCO file",
     "annotations[1].segmentation[1]: an odd number of coordinates (7)"),
    ("RLE of another size", lambda d: d["annotations"][3]["segmentation"].update(size=[150, 200]),
     "invalid COCO file", "annotations[3].segmentation.size: [150, 200] does not match the image's"),
    ("bad RLE counts", lambda d: d["annotations"][3]["segmentation"].update(counts="not~counts"),
     "invalid COCO file", "annotations[3].segmentation.counts: character 2 ('t') cannot occur"),
    # Found only while shaping, after the new category 'puddle' was added to the session: rolled back too.
    ("degenerate polygon", lambda d: d["annotations"][2].update(segmentation=[[5, 5, 5, 5, 5, 5, 9, 9]]),
     "invalid COCO file", "annotations[2].segmentation: polygon [0]: fewer than three distinct points"),
    ("image not in the library", lambda d: d["images"].append({"id": 5, "file_name": "gone.jpg", "width": 9,
                                                               "height": 9}),
     "the COCO file does not match the image library",
     "images[2]: 'gone.jpg' is not in the library; add the images first"),
    ("size mismatch", lambda d: d["images"][0].update(width=320, height=240),
     "the COCO file does not match the image library",
     "images[0]: 'street.jpg' is 320 x 240 in the file but 200 x 150 in the library"),
]


@pytest.mark.parametrize(("case", "change", "error", "detail"), BAD_CONTENT, ids=[c[0] for c in BAD_CONTENT])
def test_invalid_content_is_a_422_naming_where_and_nothing_is_imported(
        app, client, csrf_headers, library, case, change, error, detail):
    before = state(app)
    response = post_coco(client, csrf_headers, _broken(change))
    assert response.status_code == 422
    payload = response.get_json()
    assert payload["error"] == error
    assert payload["detail"].startswith(detail)
    assert state(app) == before


def test_a_library_image_name_shared_by_two_images_is_told_apart_by_size_or_refused(
        app, client, csrf_headers, library):
    from tests.conftest import upload

    upload(client, csrf_headers, ("street.jpg", image_bytes(160, 120, colour=(1, 2, 3))))
    assert post_coco(client, csrf_headers, hand_made()).status_code == 201  # 200 x 150 is the one
    upload(client, csrf_headers, ("street.jpg", image_bytes(200, 150, colour=(9, 8, 7))))
    before = state(app)
    response = post_coco(client, csrf_headers, hand_made())
    assert response.status_code == 422
    assert response.get_json()["detail"].startswith("images[0]: 'street.jpg' matches 3 library images")
    assert state(app) == before


def test_a_body_over_the_upload_limit_is_a_413_before_it_is_read(data_dir, database_url):
    app = make_app(data_dir, database_url, MAX_UPLOAD_MB=1)
    client = app.test_client()
    headers = csrf_for(client)
    big = json.dumps({"images": [], "categories": [], "annotations": [], "pad": "x" * (1024 * 1024)}).encode()
    response = post_coco(client, headers, big)
    assert response.status_code == 413 and response.get_json()["error"] == "Request Entity Too Large"
    # A declared 2 GB body: refused on its Content-Length alone, nothing read.
    response = client.post("/api/import/coco", data=b"--x\r\n", headers=headers,
                           content_type="multipart/form-data; boundary=x",
                           environ_overrides={"CONTENT_LENGTH": str(2 * 1024**3)})
    assert response.status_code == 413


def test_without_a_file_or_csrf_token_nothing_happens(app, client, csrf_headers):
    response = client.post("/api/import/coco", data={}, headers=csrf_headers, content_type="multipart/form-data")
    assert response.status_code == 400 and response.get_json()["error"] == "no file sent"
    # The file as a JSON body, or no body at all: not a form, so no file either (not a 500).
    for body in ({"json": hand_made()}, {}):
        response = client.post("/api/import/coco", headers=csrf_headers, **body)
        assert response.status_code == 400 and response.get_json()["error"] == "no file sent"
    two = {"file": [(io.BytesIO(json.dumps(hand_made()).encode()), f"{name}.json") for name in "ab"]}
    response = client.post("/api/import/coco", data=two, headers=csrf_headers, content_type="multipart/form-data")
    assert response.status_code == 422
    assert response.get_json()["detail"] == "file: Value error, one file expected, not 2"
    response = post_coco(client, {}, hand_made())
    assert response.status_code == 400 and response.get_json()["error"] == "CSRF check failed"


def test_with_an_instructor_token_the_import_needs_it(data_dir, database_url):
    app = make_app(data_dir, database_url, INSTRUCTOR_TOKEN="the-instructor-token")
    client = app.test_client()
    csrf = csrf_for(client)
    with app.app_context():
        from annotator.store import library

        library.add_image(STREET, "street.jpg", "upload")
        library.add_image(DUSK, "dusk.png", "upload")
    refused = post_coco(client, csrf, hand_made())
    assert refused.status_code == 403 and refused.get_json()["error"] == "instructor only"
    assert state(app)[2] == 0
    accepted = post_coco(client, {**csrf, "X-Instructor-Token": "the-instructor-token"}, hand_made())
    assert accepted.status_code == 201 and accepted.get_json()["annotations_imported"] == 5


def test_a_class_added_elsewhere_during_the_import_makes_it_fail_whole(app, client, csrf_headers, library):
    from annotator.core.refused import Refused
    from annotator.core.schemas.coco import parse_coco
    from annotator.store import coco_import as importing

    before = state(app)

    def meanwhile() -> None:  # another process creates 'puddle' while our shapes are being made
        if not calls:
            with db.engine.begin() as other:
                other.execute(Category.__table__.insert().values(
                    name="puddle", supercategory="flat", colour="#123456", definition="", display_order=99,
                    archived=False))
        calls.append(1)

    calls: list[int] = []
    with app.app_context(), pytest.raises(Refused, match="nothing was imported, try again") as conflict:
        importing.import_coco(parse_coco(hand_made()), "coco.json", on_annotation=meanwhile)
    assert (conflict.value.status, conflict.value.title) == (409, "the import collided with another change")
    after = state(app)
    assert after[0] == before[0] and after[2] == before[2] == 0
    assert [name for _id, name, _archived in after[1] if name == "puddle"] == ["puddle"]  # theirs, not ours
    assert post_coco(client, csrf_headers, hand_made()).status_code == 201  # a retry uses their class


# --- the CLI ----------------------------------------------------------------------------------------


def test_cli_adds_missing_images_from_a_folder_and_prints_a_summary(run, app, tmp_path, photo_dir):
    coco_file = write_json(tmp_path / "in", hand_made())
    result = run("import-coco", str(coco_file), "--images", str(photo_dir))
    assert result.exit_code == 0, result.output
    assert "Importing annotations" in result.stderr  # the progress bar
    assert ("Imported 5 annotation(s) from coco.json: 0 image(s) matched, 2 added; categories created: puddle; "
            in result.stdout)
    assert "  annotation 3: part 1: repaired a self-intersection" in result.stdout
    with app.app_context():
        names = sorted(db.session.scalars(select(Image.file_name)))
        assert names == ["photos/dusk.png", "street.jpg"]  # named as the file names them
    again = run("import-coco", str(coco_file))  # now every image is in the library
    assert "2 image(s) matched, 0 added; categories created: none" in again.stdout


def test_cli_refuses_a_missing_image_with_or_without_a_folder(run, app, tmp_path):
    coco_file = write_json(tmp_path / "in", hand_made())
    before = state(app)
    result = run("import-coco", str(coco_file))
    assert result.exit_code == 1
    assert ("Error: coco.json: images[0]: 'street.jpg' is not in the library (1 more image(s) of the file are "
            "missing too)" in result.stderr)
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("import-coco", str(coco_file), "--images", str(empty))
    assert result.exit_code == 1
    assert f"images[0]: 'street.jpg' is not in the library, nor in {empty}" in result.stderr
    assert state(app) == before


def test_cli_rolls_back_an_added_image_on_a_later_error(run, app, tmp_path, photo_dir):
    # dusk.png is added from the folder; then street.jpg proves to be of another size than the file says.
    # (Created categories roll back likewise: see the "degenerate polygon" case of the API test.)
    data = hand_made()
    data["images"].reverse()
    data["images"][1]["width"] = 201
    coco_file = write_json(tmp_path / "in", data)
    before = state(app)
    result = run("import-coco", str(coco_file), "--images", str(photo_dir))
    assert result.exit_code == 1
    assert f"images[1]: 'street.jpg' is 201 x 150 in the file but 200 x 150 in {photo_dir}" in result.stderr
    assert "Nothing was imported." in result.stderr
    assert state(app) == before


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "coco.json: not valid JSON"),
    ("[" * 100_000, "nested too deeply"),
    (json.dumps({"images": [], "categories": [], "annotations": [{"id": 1}]}), "annotations[0].image_id: missing"),
    (json.dumps(_broken(lambda d: d["annotations"][0].update(segmentation=[[1, 2, float("nan"), 4, 5, 6]]))),
     "annotations[0].segmentation[0][2]: not a finite number (NaN or infinity)"),
])
def test_cli_names_the_first_problem_on_stderr_and_exits_1(run, app, tmp_path, content, message):
    before = state(app)
    result = run("import-coco", str(write_json(tmp_path / "in", content)))
    assert result.exit_code == 1 and message in result.stderr and result.stdout == ""
    assert state(app) == before


# --- round trips through export ---------------------------------------------------------------------


@pytest.fixture
def second_database_url(database_url: str | None) -> Iterator[str | None]:
    """A fresh database of the same kind: SQLite in the new data folder, or a new PostgreSQL schema."""
    if database_url is None:
        yield None
        return
    schema = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    yield f"{POSTGRES_URL}{'&' if '?' in POSTGRES_URL else '?'}options=-csearch_path%3D{schema}"
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def exported_objects(dataset: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """file name -> that image's annotations in file order, each with its mask and category name."""
    images = {image["id"]: image for image in dataset["images"]}
    names = {category["id"]: category["name"] for category in dataset["categories"]}
    grouped: dict[str, list[dict[str, Any]]] = {image["file_name"]: [] for image in dataset["images"]}
    for annotation in dataset["annotations"]:
        image = images[annotation["image_id"]]
        grouped[image["file_name"]].append({
            "id": annotation["id"], "category": names[annotation["category_id"]], "iscrowd": annotation["iscrowd"],
            "attributes": annotation.get("attributes") or {},
            "mask": segmentation_mask(annotation["segmentation"], image["height"], image["width"])})
    return grouped


def pair_up(truth: list[dict[str, Any]], exported: list[dict[str, Any]]) -> list[tuple[dict, dict]]:
    """Pairs by the original id the import kept in attributes when the export carries them, else by order."""
    assert len(truth) == len(exported)
    if all("original_id" in item["attributes"] for item in exported):
        by_id = {item["id"]: item for item in truth}
        return [(by_id[item["attributes"]["original_id"]], item) for item in exported]
    return list(zip(truth, exported, strict=True))


def test_round_trip_import_export_import_export_keeps_masks_and_categories(
        run, app, tmp_path, photo_dir, second_database_url):
    source = write_json(tmp_path / "in", hand_made())
    assert run("import-coco", str(source), "--images", str(photo_dir)).exit_code == 0
    first_out = tmp_path / "first.json"
    assert run("export", str(first_out)).exit_code == 0
    first = json.loads(first_out.read_text())

    # A fresh data folder and database, the same images, the first export as the file.
    fresh = ["--data-dir", str(tmp_path / "fresh")]
    if second_database_url:
        fresh += ["--database-url", second_database_url]
    imported = run("import-coco", str(first_out), "--images", str(photo_dir), *fresh)
    assert imported.exit_code == 0, imported.output
    assert "Imported 5 annotation(s)" in imported.stdout and "categories created: puddle" in imported.stdout
    second_out = tmp_path / "second.json"
    assert run("export", str(second_out), *fresh).exit_code == 0
    second = json.loads(second_out.read_text())

    assert ([(c["name"], c["supercategory"]) for c in first["categories"]]
            == [(c["name"], c["supercategory"]) for c in second["categories"]])
    original, once, twice = exported_objects(hand_made()), exported_objects(first), exported_objects(second)
    assert set(once) == set(twice) == {"street.jpg", "photos/dusk.png"}
    for file_name in once:
        for before, after in [*pair_up(original[file_name], once[file_name]),
                              *pair_up(once[file_name], twice[file_name])]:
            assert masks.iou(before["mask"], after["mask"]) >= 0.99, (file_name, before["id"])
            assert before["category"].casefold() == after["category"].casefold()
            assert before["iscrowd"] == after["iscrowd"]


def test_sample_ground_truth_imports_and_exports_with_the_same_masks(run, data_dir, database_url, tmp_path):
    make_app(data_dir, database_url, LOAD_SAMPLES=True)  # the 8 sample scenes, scene_01.jpg ... scene_08.jpg
    truth_path = REPO_ROOT / "sample_images" / "ground_truth.json"
    truth = json.loads(truth_path.read_text())
    result = run("import-coco", str(truth_path))
    assert result.exit_code == 0, result.output
    assert "Imported 618 annotation(s) from ground_truth.json: 8 image(s) matched, 0 added" in result.stdout
    out = tmp_path / "export.json"
    assert run("export", str(out)).exit_code == 0
    exported, expected = exported_objects(json.loads(out.read_text())), exported_objects(truth)
    assert set(exported) == set(expected) and len(expected) == 8
    for file_name, objects in expected.items():
        for before, after in pair_up(objects, exported[file_name]):
            iou = masks.iou(before["mask"], after["mask"])
            assert iou >= 0.99, (file_name, before["id"], iou)
            assert before["category"] == after["category"]
