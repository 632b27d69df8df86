"""The export page in Chromium: the instructor picks options, reads what the export will hold, downloads it
with a progress bar, and each variant loads in pycocotools (or is the label-map ZIP it says)."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

from pycocotools.coco import COCO

from tests.e2e.conftest import WORKSHOP_TOKEN, assert_no_js_errors, join_through_the_form

SQUARES = [[100, 100, 300, 100, 300, 300, 100, 300], [500, 200, 700, 200, 700, 420, 500, 420]]


def seed_outlines(page, server) -> None:
    """Two participants each outline one object on scene 1 (through the API, as the editor saves)."""
    for name, points in zip(("Amara", "Bo"), SQUARES, strict=True):
        page.context.clear_cookies()
        page.goto(server.url)
        token = page.locator('meta[name="csrf-token"]').get_attribute("content")
        assert page.request.post(f"{server.url}api/join", data={"name": name},
                                 headers={"X-CSRFToken": token}).status == 201
        saved = page.request.post(f"{server.url}api/images/1/annotations", headers={"X-CSRFToken": token}, data={
            "client_id": f"{name.lower()}-square", "category_id": 26, "parts": [{"points": points}]})
        assert saved.status == 201, saved.text()
    page.context.clear_cookies()


def download(page, tmp_path: Path) -> Path:
    with page.expect_download() as waiting:
        page.get_by_test_id("export-start").click()
    target = tmp_path / waiting.value.suggested_filename
    waiting.value.save_as(target)
    return target


def test_the_instructor_exports_each_variant_from_the_page(room, contexts, tmp_path):
    from playwright.sync_api import expect

    errors: list[str] = []
    page = contexts(errors, viewport=(1366, 768))
    seed_outlines(page, room)
    page.goto(f"{room.url}workshop?token={WORKSHOP_TOKEN}")
    page.get_by_test_id("export-link").click()
    page.wait_for_url(re.compile(r"/export$"))
    expect(page.get_by_test_id("export-images")).to_have_text("8")
    expect(page.get_by_test_id("export-outlines")).to_have_text("2")
    expect(page.get_by_test_id("export-people")).to_have_text("2")
    expect(page.get_by_test_id("export-classes")).to_have_text("1")

    # Polygons, annotated images only, with the labour record.
    page.get_by_label("Only images with outlines").check()
    page.get_by_label("The labour record", exact=False).check()
    expect(page.get_by_test_id("export-images")).to_have_text("1")
    polygons = COCO(str(download(page, tmp_path)))
    assert len(polygons.dataset["images"]) == 1 and len(polygons.getAnnIds()) == 2
    assert all(isinstance(a["segmentation"], list) for a in polygons.dataset["annotations"])
    expect(page.get_by_test_id("export-bar")).to_have_attribute("value", "1")
    expect(page.get_by_test_id("export-progress-text")).to_contain_text("Done")
    expect(page.get_by_test_id("export-report-summary")).to_contain_text("Saved 1 image(s) and 2 outline(s).")

    # One person's outlines as RLE.
    page.get_by_label("RLE masks", exact=False).check()
    page.get_by_label("One person's:").check()
    page.get_by_role("textbox", name="Person").fill("Bo")
    expect(page.get_by_test_id("export-outlines")).to_have_text("1")
    rle = COCO(str(download(page, tmp_path)))
    [only] = rle.dataset["annotations"]
    assert isinstance(only["segmentation"], dict) and rle.annToMask(only).sum() == 200 * 220

    # A ZIP with the image files.
    page.get_by_label("Everyone's").check()
    page.get_by_label("A ZIP with the image files", exact=False).check()
    archive = download(page, tmp_path)
    with zipfile.ZipFile(archive) as opened:
        names = opened.namelist()
        assert "annotations.json" in names and sum(name.startswith("images/") for name in names) == 1
        (tmp_path / "from_zip.json").write_bytes(opened.read("annotations.json"))
    assert len(COCO(str(tmp_path / "from_zip.json")).getAnnIds()) == 2

    # Label maps.
    page.get_by_label("semantic label maps", exact=False).check()
    maps = download(page, tmp_path)
    with zipfile.ZipFile(maps) as opened:
        assert json.loads(opened.read("classes.json")) and any(n.startswith("labels/") for n in opened.namelist())

    # A person who does not exist: said before anything starts.
    page.get_by_label("semantic label maps", exact=False).uncheck()
    page.get_by_label("One person's:").check()
    page.get_by_role("textbox", name="Person").fill("Nobody at all")
    expect(page.get_by_test_id("export-problem")).to_contain_text("Nobody at all")
    expect(page.get_by_test_id("export-start")).to_be_disabled()
    assert_no_js_errors(errors)


def test_a_participant_gets_no_export_page(room, contexts):
    errors: list[str] = []
    page = contexts(errors)
    join_through_the_form(page, room, "Amara")
    assert page.goto(f"{room.url}export").status == 403
    assert page.get_by_test_id("nav-export").count() == 0
