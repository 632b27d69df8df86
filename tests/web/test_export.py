"""Exports through the real interfaces: `annotator export` / `export-masks` (click's runner) and the
downloads (Flask's test client), over SQLite and PostgreSQL. Every COCO file is loaded with pycocotools
and scored against itself with COCOeval."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from flask import Flask
from PIL import Image as PILImage
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from sqlalchemy import select

from annotator.core import geometry, masks
from annotator.core.refused import Refused
from annotator.core.schemas.common import parse_as
from annotator.core.schemas.export import ExportOptions
from annotator.store import export, ledger, library
from annotator.store.models import Annotation, Annotator, Category, Image, LabourEvent, db
from tests.conftest import image_bytes, make_app

WIDTH, HEIGHT = 200, 150
T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
ROAD, PERSON, CAR, POLE, TRAILER = 1, 5, 7, 21, 14  # ids in the default label set


def rect(x0: float, y0: float, x1: float, y1: float) -> list[float]:
    return [x0, y0, x1, y0, x1, y1, x0, y1]


@dataclass
class Scene:
    images: dict[str, int] = field(default_factory=dict)  # street, street2, empty
    ids: dict[str, int] = field(default_factory=dict)  # annotation name -> id
    client_ids: dict[str, str] = field(default_factory=dict)
    public_ids: dict[str, str] = field(default_factory=dict)  # alice, bob


def _annotate(scene: Scene, name: str, image: str, category: int, parts: list[dict[str, Any]], who: str | None,
              minutes: int, attributes: dict[str, Any] | None = None, deleted: bool = False) -> None:
    annotator_id = None
    if who is not None:
        annotator_id = db.session.scalar(select(Annotator.id).where(Annotator.public_id == scene.public_ids[who]))
    shape = geometry.shape_from_parts(parts, WIDTH, HEIGHT)
    stamp = T0 + timedelta(minutes=minutes)
    attributes = dict(attributes or {})
    if shape.repairs:
        attributes["repairs"] = list(shape.repairs)
    row = Annotation(client_id=f"{name}-{uuid.uuid4().hex[:8]}", image_id=scene.images[image], category_id=category,
                     annotator_id=annotator_id, parts=[part.to_dict() for part in shape.parts],
                     rle_counts=shape.rle["counts"], area=float(shape.area), bbox=shape.bbox, attributes=attributes,
                     created_at=stamp, updated_at=stamp, deleted=deleted)
    db.session.add(row)
    db.session.flush()
    scene.ids[name], scene.client_ids[name] = row.id, row.client_id


def build_scene(app: Flask) -> Scene:
    """Three images (two uploaded under the same name, one never annotated), two annotators, and the
    outlines an export has to be careful with: a hole, repairs, an empty mask, an archived class, a
    deleted outline, two people's outlines of one car, and a pole drawn after (but stored before) a person."""
    scene = Scene()
    with app.app_context():
        for key, name, colour in [("street", "street.jpg", (90, 90, 90)), ("street2", "street.jpg", (20, 90, 20)),
                                  ("empty", "empty.png", (200, 200, 20))]:
            image, _ = library.add_image(image_bytes(WIDTH, HEIGHT, "PNG" if name.endswith("png") else "JPEG",
                                                     colour=colour), name, "upload")
            scene.images[key] = image.id
        for who in ("alice", "bob"):
            public_id = str(uuid.uuid4())
            db.session.add(Annotator(public_id=public_id, display_name=who.capitalize()))
            scene.public_ids[who] = public_id
        db.session.flush()
        db.session.get(Category, TRAILER).archived = True
        _annotate(scene, "car_alice", "street", CAR, [{"points": rect(20, 20, 80, 70)}], "alice", 0)
        _annotate(scene, "car_bob", "street", CAR, [{"points": rect(23, 22, 83, 72)}], "bob", 10)
        # Stored (lower id) before the person, but drawn after it: label maps follow creation time.
        _annotate(scene, "pole", "street", POLE, [{"points": rect(140, 10, 160, 95)}], "bob", 30)
        _annotate(scene, "person", "street", PERSON, [{"points": rect(120, 20, 150, 90)}], "alice", 20)
        _annotate(scene, "road", "street", ROAD, [{"points": rect(0, 100, 200, 150)},
                                                  {"points": rect(50, 110, 90, 140), "hole": True}], "alice", 40)
        _annotate(scene, "deleted", "street", CAR, [{"points": rect(150, 100, 190, 140)}], "alice", 50, deleted=True)
        _annotate(scene, "person_bob", "street2", PERSON, [{"points": rect(30, 30, 70, 100)}], "bob", 60)
        _annotate(scene, "bowtie", "street2", CAR, [{"points": [100, 20, 160, 80, 160, 20, 100, 80]}], "alice", 70)
        _annotate(scene, "imported", "street2", TRAILER, [{"points": rect(150, 90, 230, 140)}], None, 80,
                  attributes={"source": "import"})
        empty = masks.empty_rle(HEIGHT, WIDTH)
        row = Annotation(client_id="empty-mask", image_id=scene.images["street2"], category_id=CAR, annotator_id=None,
                         parts=[{"points": [10, 10, 10.2, 10, 10.2, 10.2], "hole": False}], rle_counts=empty["counts"],
                         area=0.0, bbox=[0.0, 0.0, 0.0, 0.0], attributes={}, created_at=T0, updated_at=T0)
        db.session.add(row)
        db.session.flush()
        scene.ids["empty_mask"] = row.id
        # The ledger of car_alice: two sessions, inserted out of order; and an image-level event.
        events = [("s-late", 1, "vertex", 5000.0, 60), ("s-early", 2, "close", 900.5, 2),
                  ("s-late", 2, "close", 6100.0, 61), ("s-early", 1, "start", 100.0, 1)]
        for session, seq, kind, t_ms, minute in events:
            db.session.add(LabourEvent(image_id=scene.images["street"], session_id=session, seq=seq, kind=kind,
                                       annotation_client_id=scene.client_ids["car_alice"], client_time_ms=t_ms,
                                       received_at=T0 + timedelta(minutes=minute), data={}))
        db.session.add(LabourEvent(image_id=scene.images["street"], annotation_client_id=None, session_id="s-early",
                                   seq=3, kind="view", client_time_ms=1.0, received_at=T0, data={}))
        db.session.commit()
        ledger.recount_sessions()  # written straight to the table: open the sessions as a first batch would
    return scene


@pytest.fixture
def scene(app: Flask) -> Scene:
    return build_scene(app)



def export_file(run, tmp_path: Path, *options: str) -> tuple[dict[str, Any], Path, str]:
    out = tmp_path / f"export-{uuid.uuid4().hex[:6]}{'.zip' if '--zip' in options else '.json'}"
    result = run("export", str(out), *options)
    assert result.exit_code == 0, result.output
    if "--labour" in options:
        verified(run, out)
    if "--zip" in options:
        with zipfile.ZipFile(out) as archive:
            return json.loads(archive.read("annotations.json")), out, result.output
    return json.loads(out.read_text(encoding="utf-8")), out, result.output


def verified(run, path: Path) -> str:
    """`annotator labour verify` on a labour export: every one these tests write must audit itself."""
    result = run("labour", "verify", str(path))
    assert result.exit_code == 0, result.output
    assert re.match(r"all \d+ figures match", result.output), result.output
    return result.output


def by_id(dataset: dict[str, Any]) -> dict[int, dict[str, Any]]:
    return {annotation["id"]: annotation for annotation in dataset["annotations"]}


def segm_ap(gt_path: Path, results: list[dict[str, Any]]) -> float:
    gt = COCO(str(gt_path))
    evaluation = COCOeval(gt, gt.loadRes(results), "segm")
    evaluation.evaluate()
    evaluation.accumulate()
    evaluation.summarize()
    return float(evaluation.stats[0])


def as_results(gt_path: Path, shift: int = 0) -> list[dict[str, Any]]:
    """The file's own annotations as detections (score 1), optionally every mask moved `shift` px right."""
    gt = COCO(str(gt_path))
    results = []
    for annotation in gt.loadAnns(gt.getAnnIds()):
        mask = gt.annToMask(annotation)
        if shift:
            mask = np.roll(mask, shift, axis=1)
            mask[:, :shift] = 0
        rle = coco_mask.encode(np.asfortranarray(mask))
        results.append({"image_id": annotation["image_id"], "category_id": annotation["category_id"],
                        "segmentation": rle, "score": 1.0})
    return results


def decoded(annotation: dict[str, Any]) -> np.ndarray:
    segmentation = annotation["segmentation"]
    if isinstance(segmentation, list):
        return masks.decode(masks.polygons_to_rle(segmentation, HEIGHT, WIDTH))
    return masks.decode(segmentation)


# --- a valid COCO file that scores perfectly against itself ---------------------------------------------


@pytest.mark.parametrize("mode", ["polygon", "rle"])
def test_export_is_coco_that_scores_ap_1_against_itself_and_less_when_moved(run, scene, tmp_path, mode):
    dataset, out, _ = export_file(run, tmp_path, "--segmentation", mode)
    assert {"info", "licenses", "images", "categories", "annotations"} <= set(dataset)
    for annotation in dataset["annotations"]:
        assert {"id", "image_id", "category_id", "segmentation", "area", "bbox", "iscrowd"} <= set(annotation)
        rle = masks.encode(decoded(annotation))
        assert annotation["area"] == masks.area(rle) and annotation["bbox"] == masks.bbox(rle)
        if mode == "rle":
            assert isinstance(annotation["segmentation"], dict)
    assert segm_ap(out, as_results(out)) == pytest.approx(1.0)
    assert segm_ap(out, as_results(out, shift=10)) < 0.8


def test_ids_are_the_database_ids_and_two_exports_differ_only_in_their_date(run, scene, tmp_path):
    first, first_path, _ = export_file(run, tmp_path)
    _, second_path, _ = export_file(run, tmp_path)
    expected = {scene.ids[name] for name in scene.ids if name not in ("deleted", "empty_mask")}
    assert set(by_id(first)) == expected
    assert [image["id"] for image in first["images"]] == sorted(scene.images.values())

    def without_date(path: Path) -> list[str]:
        return [line for line in path.read_text().splitlines() if '"date_created"' not in line]

    assert without_date(first_path) == without_date(second_path)
    # One entry per line, so a diff of two exports shows exactly the changed outlines.
    assert any(line.startswith('{"id":') and '"segmentation"' in line for line in without_date(first_path))


def test_images_share_no_file_name_and_archived_classes_stay_listed(run, scene, tmp_path):
    dataset, _, _ = export_file(run, tmp_path)
    names = {image["id"]: image["file_name"] for image in dataset["images"]}
    assert names == {scene.images["street"]: "street.jpg", scene.images["street2"]: "street-2.jpg",
                     scene.images["empty"]: "empty.png"}
    categories = {category["id"]: category for category in dataset["categories"]}
    assert categories[TRAILER] == {"id": TRAILER, "name": "trailer", "supercategory": "vehicle"}
    assert by_id(dataset)[scene.ids["imported"]]["category_id"] == TRAILER


def test_attributes_carry_a_pseudonym_vertex_count_source_and_repairs(run, scene, tmp_path):
    annotations = by_id(export_file(run, tmp_path)[0])
    car = annotations[scene.ids["car_alice"]]["attributes"]
    timings = car.pop("timings")
    assert car == {"annotator": "annotator-" + scene.public_ids["alice"][:8], "vertex_count": 4}
    # Two sessions of events with no drawing start: each close ends an editing burst (800.5 + 1,100 ms).
    assert (timings["edit_ms"], timings["total_ms"], timings["draw_ms"], timings["sessions"]) == (1900.5, 1900.5, 0, 2)
    assert annotations[scene.ids["person"]]["attributes"]["timings"]["total_ms"] == 0  # no events: no time
    imported = annotations[scene.ids["imported"]]["attributes"]
    assert "annotator" not in imported and imported["source"] == "import"
    assert any("clipped" in message for message in imported["repairs"])
    assert annotations[scene.ids["road"]]["attributes"]["vertex_count"] == 8


# --- what cannot be carried is reported ---------------------------------------------------------------------


def test_polygon_mode_writes_holed_outlines_as_rle_and_reports_holes_repairs_and_empty_masks(run, scene, tmp_path):
    dataset, _, output = export_file(run, tmp_path)
    annotations = by_id(dataset)
    assert isinstance(annotations[scene.ids["road"]]["segmentation"], dict)
    assert isinstance(annotations[scene.ids["car_alice"]]["segmentation"], list)
    assert scene.ids["empty_mask"] not in annotations
    report = {(entry.get("annotation_id"), entry["message"].split(":")[0]) for entry in dataset["report"]}
    assert (scene.ids["road"], "has 1 hole(s), which COCO polygons cannot carry") in report
    assert (scene.ids["bowtie"], "repaired when saved") in report
    assert (scene.ids["imported"], "repaired when imported") in report
    assert (scene.ids["empty_mask"], "empty mask (no pixel inside the image)") in report
    assert dataset["info"]["report"] == dataset["report"]
    assert f"{len(dataset['report'])} note(s) in the report" in output
    for entry in dataset["report"]:
        assert f"annotation {entry['annotation_id']}: {entry['message']}" in output


def test_rle_mode_reports_no_hole_but_still_the_repairs(run, scene, tmp_path):
    dataset, _, _ = export_file(run, tmp_path, "--segmentation", "rle")
    messages = [entry["message"] for entry in dataset["report"]]
    assert not any("hole" in message for message in messages)
    assert sum("repaired when" in message for message in messages) >= 2


@pytest.mark.parametrize("mode", ["polygon", "rle"])
def test_holes_stay_empty_in_the_exported_mask(run, scene, tmp_path, mode):
    road = by_id(export_file(run, tmp_path, "--segmentation", mode)[0])[scene.ids["road"]]
    mask = decoded(road)
    assert mask[120, 70] == 0 and mask[139, 89] == 0  # inside the hole
    assert mask[105, 10] == 1 and mask[145, 95] == 1  # the road around it
    assert road["area"] == 200 * 50 - 40 * 30


# --- options ----------------------------------------------------------------------------------------------


def test_images_all_annotated_or_a_list(run, scene, tmp_path):
    def image_ids(*options: str) -> list[int]:
        return [image["id"] for image in export_file(run, tmp_path, *options)[0]["images"]]

    street, street2, empty = scene.images["street"], scene.images["street2"], scene.images["empty"]
    assert image_ids() == [street, street2, empty]
    assert image_ids("--images", "annotated") == [street, street2]
    dataset = export_file(run, tmp_path, "--images", f"{empty},{street}")[0]
    assert [image["id"] for image in dataset["images"]] == [street, empty]
    assert {annotation["image_id"] for annotation in dataset["annotations"]} == {street}
    missing = run("export", str(tmp_path / "x.json"), "--images", f"{street},999")
    assert missing.exit_code == 2 and "no image with id 999" in missing.output
    assert run("export", str(tmp_path / "x.json"), "--images", "some").exit_code == 2


def test_annotators_one_person_by_name_public_id_or_pseudonym(run, scene, tmp_path):
    def annotation_ids(*options: str) -> set[int]:
        return set(by_id(export_file(run, tmp_path, *options)[0]))

    bob = {scene.ids[name] for name in ("car_bob", "pole", "person_bob")}
    assert annotation_ids("--annotators", "Bob") == bob
    assert annotation_ids("--annotators", "bob") == bob
    assert annotation_ids("--annotators", scene.public_ids["bob"]) == bob
    assert annotation_ids("--annotators", "annotator-" + scene.public_ids["bob"][:8]) == bob
    alice = annotation_ids("--annotators", "Alice")
    assert scene.ids["car_alice"] in alice and scene.ids["imported"] not in alice and alice.isdisjoint(bob)
    dataset = export_file(run, tmp_path, "--annotators", "Bob", "--images", "annotated")[0]
    assert dataset["info"]["export_options"]["annotators"] == "annotator-" + scene.public_ids["bob"][:8]
    unknown = run("export", str(tmp_path / "x.json"), "--annotators", "Carol")
    assert unknown.exit_code == 2 and "no annotator 'Carol'" in unknown.output


def test_annotators_latest_keeps_the_newest_outline_of_each_object(run, scene, tmp_path):
    dataset, out, output = export_file(run, tmp_path, "--annotators", "latest")
    kept = set(by_id(dataset))
    assert scene.ids["car_bob"] in kept and scene.ids["car_alice"] not in kept  # same car, bob's is newer
    assert {scene.ids[name] for name in ("pole", "person", "road", "person_bob", "bowtie", "imported")} <= kept
    assert dataset["info"]["counts"]["superseded"] == 1
    assert "1 older outline(s) of the same objects left out" in output
    assert segm_ap(out, as_results(out)) == pytest.approx(1.0)


def test_latest_prefers_whichever_outline_was_updated_last(run, scene, app, tmp_path):
    with app.app_context():
        db.session.get(Annotation, scene.ids["car_alice"]).updated_at = T0 + timedelta(hours=2)
        db.session.commit()
    kept = set(by_id(export_file(run, tmp_path, "--annotators", "latest")[0]))
    assert scene.ids["car_alice"] in kept and scene.ids["car_bob"] not in kept


def test_labour_ledger_only_when_asked_ordered_by_session_then_seq(run, scene, tmp_path):
    plain = by_id(export_file(run, tmp_path)[0])
    assert all("labour" not in annotation["attributes"] for annotation in plain.values())
    dataset = export_file(run, tmp_path, "--labour")[0]
    annotations = by_id(dataset)
    minute = T0.timestamp() * 1000 + 60_000
    assert annotations[scene.ids["car_alice"]]["attributes"]["labour"] == [
        {"session": "s-early", "seq": 1, "kind": "start", "t_ms": 100.0, "received_ms": minute},
        {"session": "s-early", "seq": 2, "kind": "close", "t_ms": 900.5, "received_ms": minute + 60_000},
        {"session": "s-late", "seq": 1, "kind": "vertex", "t_ms": 5000.0, "received_ms": minute + 59 * 60_000},
        {"session": "s-late", "seq": 2, "kind": "close", "t_ms": 6100.0, "received_ms": minute + 60 * 60_000}]
    assert annotations[scene.ids["person"]]["attributes"]["labour"] == []
    assert dataset["info"]["export_options"]["labour"] is True


def test_zip_holds_annotations_and_every_image_file_under_its_export_name(run, scene, tmp_path, data_dir, app):
    out = tmp_path / "dataset.zip"
    result = run("export", str(out), "--zip", "--segmentation", "rle")
    assert result.exit_code == 0
    with zipfile.ZipFile(out) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["annotations.json", "images/empty.png", "images/street-2.jpg",
                                              "images/street.jpg"]
        dataset = json.loads(archive.read("annotations.json"))
        with app.app_context():
            stored = db.session.get(Image, scene.images["street2"]).stored_path
        assert archive.read("images/street-2.jpg") == (data_dir / "images" / stored).read_bytes()
    assert dataset["info"]["export_options"]["zip"] is True and dataset["report"]


def test_zip_reports_a_missing_image_file_and_still_lists_the_image(run, scene, tmp_path, data_dir, app):
    with app.app_context():
        stored = db.session.get(Image, scene.images["empty"]).stored_path
    (data_dir / "images" / stored).unlink()
    out = tmp_path / "dataset.zip"
    result = run("export", str(out), "--zip")
    with zipfile.ZipFile(out) as archive:
        assert "images/empty.png" not in archive.namelist()
        dataset = json.loads(archive.read("annotations.json"))
    assert scene.images["empty"] in [image["id"] for image in dataset["images"]]
    note = {"image_id": scene.images["empty"], "message": "image file missing from the image store: listed in "
                                                          "annotations.json, but not in images/"}
    assert note in dataset["report"] and note in dataset["info"]["report"]
    assert f"image {scene.images['empty']}: image file missing" in result.output


# --- the download ---------------------------------------------------------------------------------------


def test_download_is_an_attachment_streamed_with_the_same_annotations_as_the_cli(client, run, scene, tmp_path):
    response = client.get("/api/export/coco?segmentation=rle&labour=1", buffered=False)
    try:
        assert response.status_code == 200 and response.is_streamed
        assert response.mimetype == "application/json"
        disposition = response.headers["Content-Disposition"]
        assert disposition.startswith('attachment; filename="annotator-coco-') and disposition.endswith('.json"')
        body = b"".join(response.response)
    finally:
        response.close()
    path = tmp_path / "download.json"
    path.write_bytes(body)
    verified(run, path)
    downloaded = json.loads(body)
    assert segm_ap(path, as_results(path)) == pytest.approx(1.0)
    cli = export_file(run, tmp_path, "--segmentation", "rle", "--labour")[0]
    assert downloaded["annotations"] == cli["annotations"] and downloaded["report"] == cli["report"]
    assert list(downloaded)[-2:] == ["info", "report"]  # written last, once complete


def test_download_options_match_the_cli_options(client, scene):
    latest = client.get(f"/api/export/coco?annotators=latest&images={scene.images['street']}").get_json()
    assert [image["id"] for image in latest["images"]] == [scene.images["street"]]
    assert scene.ids["car_alice"] not in by_id(latest) and scene.ids["car_bob"] in by_id(latest)
    annotated = client.get("/api/export/coco?images=annotated&annotators=Alice").get_json()
    assert {a["attributes"]["annotator"] for a in annotated["annotations"]} == {
        "annotator-" + scene.public_ids["alice"][:8]}


@pytest.mark.parametrize("query, status, detail", [
    ("segmentation=mask", 422, "segmentation: Input should be 'polygon' or 'rle'"),
    ("images=1,x", 422, "images: must be 'all', 'annotated' or image ids like 1,5,9; got '1,x'"),
    ("images=12345", 400, "no image with id 12345"),
    ("annotators=nobody", 400, "no annotator 'nobody'"),
    ("labour=maybe", 422, "labour: Input should be a valid boolean"),
    ("image=1", 422, "image: Extra inputs are not permitted"),  # a misspelt option is not silently ignored
    # ids past the id column: were a 500 (PostgreSQL "integer out of range", SQLite "int too large")
    ("images=99999999999", 400, "no image with id 99999999999"),
    ("images=1,99999999999999999999", 400, "no image with id 99999999999999999999"),
    ("annotators=Ali%00ce", 400, "no annotator"),  # a NUL was a 500 on PostgreSQL
])
def test_download_refuses_bad_options_before_streaming(client, scene, query, status, detail):
    response = client.get(f"/api/export/coco?{query}")
    assert response.status_code == status
    body = response.get_json()
    assert set(body) >= {"error", "detail"}
    assert detail in body["detail"]
    masks_query = query.replace("segmentation=mask", "labour=1")
    assert client.get(f"/api/export/masks.zip?{masks_query}").status_code in (400, 422)


def test_options_are_read_as_the_cli_reads_them(client, scene):
    assert client.get("/api/export/coco?segmentation=%20RLE%20&images=%20ALL&labour=&zip=off").status_code == 200


def test_image_ids_must_be_plain_digits(scene):
    """int() takes some digits isdigit() calls digits and refuses others ("²"): that was a ValueError (a 500
    through the API, a traceback from the CLI) instead of the export's own refusal."""
    with pytest.raises(Refused, match="image ids like 1,5,9"):
        parse_as(ExportOptions, {"images": "1,\u00b2"}, title="cannot export")


def test_zip_download_streams_chunk_by_chunk(client, scene, monkeypatch):
    monkeypatch.setattr(export, "BATCH", 1)  # one image per query: many chunks even for a small dataset
    response = client.get("/api/export/coco?zip=1", buffered=False)
    try:
        assert response.status_code == 200 and response.is_streamed and response.mimetype == "application/zip"
        assert response.headers["Content-Disposition"].endswith('.zip"')
        chunks = list(response.response)
    finally:
        response.close()
    assert len(chunks) > 6
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as archive:
        assert archive.testzip() is None
        assert sorted(archive.namelist()) == ["annotations.json", "images/empty.png", "images/street-2.jpg",
                                              "images/street.jpg"]
        dataset = json.loads(archive.read("annotations.json"))
    assert len(dataset["images"]) == 3 and len(dataset["annotations"]) == 8


def test_only_the_instructor_may_download_everyones_work(data_dir, database_url):
    app = make_app(data_dir, database_url, INSTRUCTOR_TOKEN="the-instructor-token")
    build_scene(app)
    client = app.test_client()
    for url in ("/api/export/coco", "/api/export/coco?zip=1", "/api/export/masks.zip"):
        refused = client.get(url)
        assert refused.status_code == 403 and refused.get_json()["error"] == "instructor only"
        assert client.get(url, headers={"X-Instructor-Token": "wrong"}).status_code == 403
        allowed = client.get(url, headers={"X-Instructor-Token": "the-instructor-token"})
        assert allowed.status_code == 200 and allowed.headers["Content-Disposition"].startswith("attachment")


# --- semantic label maps ----------------------------------------------------------------------------------


def read_png(data: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(data)))


def check_label_maps(files: dict[str, bytes], scene: Scene) -> None:
    labels = read_png(files["labels/street.png"])
    assert labels.dtype == np.uint8 and labels.shape == (HEIGHT, WIDTH)
    assert labels[40, 50] == CAR and labels[50, 125] == PERSON
    assert labels[50, 145] == POLE  # created after the person (though stored before it): drawn over it
    assert labels[105, 10] == ROAD and labels[120, 70] == 0  # the road's hole stays unlabelled
    assert labels[5, 5] == 0
    assert set(np.unique(labels)) == {0, ROAD, PERSON, CAR, POLE}
    colour = read_png(files["colour/street.png"])
    legend = {entry["id"]: entry for entry in json.loads(files["classes.json"])["classes"]}
    assert legend[0]["name"] == "unlabelled" and legend[CAR]["name"] == "car"
    car_colour = legend[CAR]["colour"]
    assert tuple(colour[40, 50]) == tuple(int(car_colour[i:i + 2], 16) for i in (1, 3, 5))
    assert tuple(colour[5, 5]) == (0, 0, 0)
    assert legend[TRAILER].get("archived") is True
    street2 = read_png(files["labels/street-2.png"])
    assert street2[60, 50] == PERSON and street2[120, 190] == TRAILER
    assert not read_png(files["labels/empty.png"]).any()
    index = {entry["id"]: entry for entry in json.loads(files["images.json"])["images"]}
    assert index[scene.images["street2"]]["labels"] == "labels/street-2.png"


def test_masks_of_the_annotated_images_only(client, run, scene, tmp_path):
    """Found by schemathesis: with images=annotated the label-id check's query was a 500 (its EXISTS subquery
    correlated the annotations it was joined with, leaving it nothing to select from)."""
    response = client.get("/api/export/masks.zip?images=annotated")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as archive:
        assert sorted(name for name in archive.namelist() if name.startswith("labels/")) == [
            "labels/street-2.png", "labels/street.png"]  # not the image nobody annotated
    result = run("export-masks", str(tmp_path / "masks"), "--images", "annotated")
    assert result.exit_code == 0, result.output
    assert "label maps of 2 image(s)" in result.output


def test_export_masks_writes_label_maps_colour_previews_and_a_legend(run, scene, tmp_path):
    out = tmp_path / "masks"
    result = run("export-masks", str(out))
    assert result.exit_code == 0, result.output
    assert "label maps of 3 image(s)" in result.output
    files = {path.relative_to(out).as_posix(): path.read_bytes() for path in out.rglob("*") if path.is_file()}
    assert sorted(files) == ["classes.json", "colour/empty.png", "colour/street-2.png", "colour/street.png",
                             "images.json", "labels/empty.png", "labels/street-2.png", "labels/street.png"]
    check_label_maps(files, scene)


def test_masks_download_is_a_streamed_zip_of_the_same_maps(client, scene):
    response = client.get("/api/export/masks.zip", buffered=False)
    try:
        assert response.status_code == 200 and response.is_streamed and response.mimetype == "application/zip"
        body = b"".join(response.response)
    finally:
        response.close()
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    check_label_maps(files, scene)
    only = client.get(f"/api/export/masks.zip?images={scene.images['street2']}")
    with zipfile.ZipFile(io.BytesIO(only.data)) as archive:
        # Names are unique within one export: alone, the second street.jpg needs no suffix.
        assert sorted(archive.namelist()) == ["classes.json", "colour/street.png", "images.json", "labels/street.png"]


def test_label_maps_refuse_class_ids_above_255_by_name(run, scene, app, client, tmp_path):
    with app.app_context():
        db.session.add(Category(id=300, name="lamp post", supercategory="object", colour="#ffffff"))
        db.session.flush()
        shape = geometry.shape_from_parts([{"points": rect(1, 1, 20, 20)}], WIDTH, HEIGHT)
        db.session.add(Annotation(client_id="big-id", image_id=scene.images["empty"], category_id=300, parts=[
            part.to_dict() for part in shape.parts], rle_counts=shape.rle["counts"], area=float(shape.area),
            bbox=shape.bbox, attributes={}))
        db.session.commit()
    result = run("export-masks", str(tmp_path / "masks"))
    assert result.exit_code == 2
    assert "'lamp post' (id 300) cannot be written" in result.output
    assert not (tmp_path / "masks").exists()
    response = client.get("/api/export/masks.zip")
    assert response.status_code == 400 and "8-bit PNGs holding class ids 1-255" in response.get_json()["detail"]
    # Images without that class still export, and COCO has no such limit.
    assert run("export-masks", str(tmp_path / "masks"), "--images", str(scene.images["street"])).exit_code == 0
    assert 300 in {a["category_id"] for a in export_file(run, tmp_path)[0]["annotations"]}


@pytest.mark.parametrize("batch", [1, 2, 1000])
def test_batch_size_changes_nothing_and_images_without_annotations_keep_their_place(
        run, scene, app, tmp_path, monkeypatch, batch):
    with app.app_context():  # street2 (the middle image) loses its outlines
        for annotation in db.session.scalars(select(Annotation).where(
                Annotation.image_id == scene.images["street2"])):
            annotation.deleted = True
        db.session.commit()
        monkeypatch.setattr(export, "BATCH", batch)
        groups = [(image.id, [record["id"] for record in records])
                  for image, records in export.Export(ExportOptions()).prepare().annotation_groups()]
    assert groups == [(scene.images["street"], sorted(scene.ids[name] for name in (
        "car_alice", "car_bob", "pole", "person", "road"))), (scene.images["street2"], []), (scene.images["empty"], [])]
    dataset = export_file(run, tmp_path, "--labour")[0]
    assert [image["id"] for image in dataset["images"]] == sorted(scene.images.values())
    assert len(dataset["annotations"]) == 5
    assert dataset["annotations"][0]["attributes"]["labour"][0]["session"] == "s-early"


def test_info_carries_a_labour_summary_of_the_exported_annotations(run, scene, tmp_path):
    dataset = export_file(run, tmp_path)[0]
    summary = dataset["info"]["labour"]
    timings = [annotation["attributes"]["timings"] for annotation in dataset["annotations"]]
    assert summary["polygons"] == len(dataset["annotations"])
    assert summary["total_ms"] == sum(t["total_ms"] for t in timings) == 1900.5
    assert summary["sessions"] == 2 and summary["active_ms"] == 1900.5
    assert summary["idle_threshold_ms"] == 30_000 and "draw_ms" in summary["definitions"]


# --- a file that audits itself: `annotator labour verify` ---------------------------------------------------


def add_session(app: Flask, scene: Scene) -> None:
    """Bob's editor session on street2: the page opens, he zooms, finds the person (4 s of search) and outlines
    it (3 s), starts another outline and cancels it, then looks around. Only the outline he closed is exported:
    the opening, the zooms and the cancelled drawing ride in info.labour.unattached_events."""
    with app.app_context():
        bob = db.session.scalar(select(Annotator.id).where(Annotator.public_id == scene.public_ids["bob"]))
        person = scene.client_ids["person_bob"]
        steps = [("open", None, 0), ("zoom", None, 1500), ("draw-start", person, 4000), ("vertex", person, 4000),
                 ("vertex", person, 5000), ("vertex", person, 6000), ("close", person, 7000),
                 ("draw-start", "cancelled-drawing-1", 9000), ("vertex", "cancelled-drawing-1", 9500),
                 ("cancel", "cancelled-drawing-1", 11000), ("zoom", None, 12000)]
        for seq, (kind, annotation, t_ms) in enumerate(steps, start=1):
            db.session.add(LabourEvent(image_id=scene.images["street2"], annotator_id=bob, session_id="s-bob",
                                       seq=seq, kind=kind, annotation_client_id=annotation, client_time_ms=t_ms,
                                       received_at=T0 + timedelta(minutes=90, seconds=seq),
                                       data={"provenance": "click"} if kind == "vertex" else {}))
        db.session.commit()
        ledger.recount_sessions()  # written straight into the table: opened at its first batch


def test_a_labour_export_audits_itself_from_the_file_alone(run, scene, app, tmp_path):
    add_session(app, scene)
    dataset, out, _ = export_file(run, tmp_path, "--labour")  # export_file runs `labour verify` too
    mine = by_id(dataset)[scene.ids["person_bob"]]["attributes"]
    assert mine["timings"]["search_ms"] == 4000.0 and mine["timings"]["draw_ms"] == 3000.0
    assert mine["timings"]["hidden_ms"] == 0.0 and mine["timings"]["clamped_ms"] == 0.0
    assert [event["kind"] for event in mine["labour"]] == ["draw-start", "vertex", "vertex", "vertex", "close"]
    assert all(event["received_ms"] > 0 for event in mine["labour"])
    labour = dataset["info"]["labour"]
    assert labour["ledger_version"] == "annotator-labour/3" and labour["clock_lead_ms"] == 60_000
    assert [event["kind"] for event in labour["unattached_events"]["s-bob"]] == [
        "open", "zoom", "draw-start", "vertex", "cancel", "zoom"]
    assert labour["unattached_events"]["s-bob"][2]["annotation"] == "cancelled-drawing-1"
    anchor = next(a for a in labour["session_anchors"] if a["session"] == "s-bob")
    pseudonym = "annotator-" + scene.public_ids["bob"][:8]
    assert anchor == {"session": "s-bob", "person": pseudonym, "image_id": scene.images["street2"],
                      "first_received_ms": (T0 + timedelta(minutes=90, seconds=1)).timestamp() * 1000,
                      "last_received_ms": (T0 + timedelta(minutes=90, seconds=11)).timestamp() * 1000,
                      "opened_ms": (T0 + timedelta(minutes=90, seconds=1)).timestamp() * 1000, "clamped_ms": 0.0}
    # Bob's person total counts the cancelled drawing and the looking around: the whole session.
    assert labour["people"][pseudonym] == {"active_ms": 12_000.0, "sessions": 1}
    assert re.match(r"all \d+ figures match", run("labour", "verify", str(out)).output)


@pytest.mark.parametrize(("path", "value", "named"), [
    (("annotation", "search_ms"), 3999.0, "timings.search_ms is 3999.0 in the file, recomputed 4000.0"),
    (("event", "t_ms"), 3000.0, "timings.draw_ms is 3000.0 in the file, recomputed 4000.0"),
    (("info", "active_ms"), 1.0, "info.labour: active_ms is 1.0 in the file"),
    (("person", "active_ms"), 11_000.0, "active_ms is 11000.0 in the file, recomputed 12000.0"),
    (("unattached", None), None, "timings.search_ms is 4000.0 in the file, recomputed 0.0"),
])
def test_a_tampered_figure_or_event_fails_the_audit_naming_it(run, scene, app, tmp_path, path, value, named):
    add_session(app, scene)
    dataset, out, _ = export_file(run, tmp_path, "--labour")
    mine = by_id(dataset)[scene.ids["person_bob"]]
    labour = dataset["info"]["labour"]
    kind, name = path
    if kind == "annotation":
        mine["attributes"]["timings"][name] = value
    elif kind == "event":  # the drawing said to start a second earlier: a second more drawing, less search
        mine["attributes"]["labour"][0][name] = value
    elif kind == "info":
        labour[name] = value
    elif kind == "person":
        labour["people"]["annotator-" + scene.public_ids["bob"][:8]][name] = value
    else:  # what an export without the unattached events (before this change) gave: no search time at all
        del labour["unattached_events"]["s-bob"]
    out.write_text(json.dumps(dataset), encoding="utf-8")
    result = run("labour", "verify", str(out))
    assert result.exit_code == 1
    where = "info.labour" if kind == "info" else f"annotation {scene.ids['person_bob']}" if kind != "person" \
        else "person annotator-"
    assert any(line.startswith(where) and named in line for line in result.output.splitlines()), result.output


def test_verify_refuses_a_file_it_cannot_audit(run, scene, tmp_path):
    plain = export_file(run, tmp_path)[1]
    result = run("labour", "verify", str(plain))
    assert result.exit_code == 2 and "export it with --labour" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    assert run("labour", "verify", str(broken)).exit_code == 2
    not_coco = tmp_path / "not-coco.json"
    not_coco.write_text('{"images": []}', encoding="utf-8")
    result = run("labour", "verify", str(not_coco))
    assert result.exit_code == 2 and "not a COCO instance file" in result.output


def test_every_export_option_with_labour_audits_itself(run, scene, app, tmp_path):
    """One person's work, the latest outline per object, RLE, a ZIP: each file still recomputes exactly (the
    outlines left out put their events in info.labour)."""
    add_session(app, scene)
    for options in (("--annotators", "Bob"), ("--annotators", "latest"), ("--segmentation", "rle"),
                    ("--images", str(scene.images["street2"])), ("--zip",)):
        export_file(run, tmp_path, "--labour", *options)


def test_a_batch_landing_during_an_export_waits_for_the_next_one_and_the_file_still_audits_itself(
        run, scene, app, tmp_path, monkeypatch):
    # The figures are computed, then the events are read image by image: a batch stored in between (a page
    # reloading mid-export) must not reach the file without its figures, or the file would not audit itself.
    add_session(app, scene)
    compute = ledger.computed

    def computed_then_a_batch_lands(sessions, *args, **kwargs):
        figures = compute(sessions, *args, **kwargs)
        bob = db.session.scalar(select(Annotator.id).where(Annotator.public_id == scene.public_ids["bob"]))
        for seq, kind, t_ms in ((20, "draw-start", 30_000), (21, "vertex", 30_000), (22, "vertex", 31_000)):
            db.session.add(LabourEvent(image_id=scene.images["street2"], annotator_id=bob, session_id="s-bob",
                                       seq=seq, kind=kind, annotation_client_id=scene.client_ids["person_bob"],
                                       client_time_ms=t_ms, received_at=T0 + timedelta(minutes=91, seconds=seq),
                                       data={"provenance": "click"} if kind == "vertex" else {}))
        db.session.commit()
        ledger.recount_sessions()
        db.session.commit()
        return figures

    with monkeypatch.context() as patch:
        patch.setattr(ledger, "computed", computed_then_a_batch_lands)
        dataset, _, _ = export_file(run, tmp_path, "--labour")  # export_file runs `labour verify` on the file
    carried = by_id(dataset)[scene.ids["person_bob"]]["attributes"]["labour"]
    assert [event["seq"] for event in carried if event["seq"] >= 20] == []  # the late batch: in the next export
    later, _, _ = export_file(run, tmp_path, "--labour")
    assert [event["seq"] for event in by_id(later)[scene.ids["person_bob"]]["attributes"]["labour"]
            if event["seq"] >= 20] == [20, 21, 22]
