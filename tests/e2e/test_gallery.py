"""The gallery in headless Chromium against a real `annotator serve`: sample scenes, uploads, pages."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from annotator.paths import shipped_dir
from tests.conftest import image_bytes
from tests.e2e.conftest import assert_no_js_errors, run_annotator

pytestmark = pytest.mark.e2e

SIZE_TEXT = re.compile(r"^\d+ × \d+$")
COUNT_TEXT = re.compile(r"^\d+ annotations?$")
FINAL_STATUS = r"^(added|already in the library|not imported: .+|too large to upload|upload failed: .+)$"
XSS_NAME = "<img src=x onerror=window.__xss=1>.png"


def gallery_total(page) -> int:
    text = page.get_by_test_id("gallery-total").inner_text()
    match = re.match(r"\s*(\d+) images?\b", text)
    assert match, f"gallery total not understood: {text!r}"
    return int(match.group(1))


def wait_until_loaded(page, image) -> None:
    """Scroll a (lazy) <img> into view and wait until it has decoded a real picture."""
    image.scroll_into_view_if_needed()
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())


def sample_scenes() -> list[dict]:
    truth = shipped_dir("sample_images") / "ground_truth.json"
    assert truth.is_file(), f"{truth} is missing: the bundled sample scenes are not there"
    return json.loads(truth.read_text(encoding="utf-8"))["images"]


def test_gallery_shows_the_sample_scenes_and_opens_one(live_server, page, js_errors) -> None:
    scenes = sample_scenes()
    assert len(scenes) == 8

    page.goto(live_server.url)
    assert gallery_total(page) == 8
    cards = page.locator("li.card")
    assert cards.count() == 8
    for index, scene in enumerate(scenes):
        card = cards.nth(index)
        thumbnail = card.locator("img")
        wait_until_loaded(page, thumbnail)
        assert thumbnail.evaluate("img => img.naturalWidth") > 0
        assert card.locator(".card-name").inner_text() == scene["file_name"]
        size = card.locator(".card-size").inner_text()
        assert SIZE_TEXT.match(size), size
        assert size == f"{scene['width']} × {scene['height']}"
        assert COUNT_TEXT.match(card.locator(".card-count").inner_text())

    first = cards.first
    image_id = first.get_attribute("data-image-id")
    width, height = (int(n) for n in first.locator(".card-size").inner_text().split(" × "))
    first.locator("a").first.click()
    page.wait_for_url(re.compile(rf"/annotate/{image_id}$"))

    full = page.locator(f'img[src$="/images/{image_id}"]').first
    wait_until_loaded(page, full)
    assert full.evaluate("img => [img.naturalWidth, img.naturalHeight]") == [width, height]
    for label in ("road", "car", "traffic light", "sky"):
        assert page.get_by_text(label, exact=True).first.is_visible(), f"label {label!r} not shown"
    assert_no_js_errors(js_errors)


def test_upload_shows_each_file_and_never_runs_a_file_name(empty_live_server, page, js_errors,
                                                           tmp_path: Path) -> None:
    folder = tmp_path / "to upload"
    folder.mkdir()
    street = folder / "street.jpg"
    street.write_bytes(image_bytes(640, 360, colour=(90, 90, 90)))
    crossing = folder / "crossing.png"
    crossing.write_bytes(image_bytes(320, 240, "PNG", colour=(30, 120, 30)))
    fake = folder / "page.png"
    fake.write_text('<img src=x onerror="window.__xss=1">', encoding="utf-8")
    odd = folder / XSS_NAME
    odd.write_bytes(image_bytes(200, 150, "PNG", colour=(200, 200, 20)))
    copy = folder / "copy of street.jpg"
    copy.write_bytes(street.read_bytes())
    # The duplicate goes last so it is (almost always) sent after its original has been stored.
    files = [street, crossing, fake, odd, copy]

    page.goto(empty_live_server.url)
    before = gallery_total(page)
    page.set_input_files("#upload-input", [str(path) for path in files])

    rows = page.locator("#upload-list li").filter(has=page.locator("progress"))
    page.wait_for_function(
        """([count, pattern]) => {
            const statuses = [...document.querySelectorAll("#upload-list li .upload-status")];
            return statuses.length === count && statuses.every(s => new RegExp(pattern).test(s.textContent));
        }""", arg=[len(files), FINAL_STATUS], timeout=30_000)
    assert rows.count() == len(files)

    statuses = {}
    for index, path in enumerate(files):
        row = rows.nth(index)
        assert row.locator(".upload-name").inner_text() == path.name  # literal text, tags included
        assert row.locator("progress").evaluate("bar => bar.value") == 1
        statuses[path.name] = row.locator(".upload-status").inner_text()
    assert statuses["crossing.png"] == "added"
    assert statuses[XSS_NAME] == "added"
    assert statuses["page.png"].startswith("not imported: ")
    assert len(statuses["page.png"]) > len("not imported: ")
    # Whichever of two identical files the server stored first is "added"; the other is the duplicate.
    assert sorted([statuses["street.jpg"], statuses["copy of street.jpg"]]) == \
        ["added", "already in the library"]
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0

    page.reload()
    assert gallery_total(page) == before + 3
    assert page.locator("li.card").count() == before + 3
    odd_card = page.locator("li.card").filter(has=page.get_by_text(XSS_NAME, exact=True))
    assert odd_card.count() == 1
    assert odd_card.locator(".card-name").inner_text() == XSS_NAME
    wait_until_loaded(page, odd_card.locator("img"))
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0

    odd_card.locator("a").first.click()
    page.wait_for_url(re.compile(r"/annotate/\d+$"))
    assert page.get_by_text(XSS_NAME, exact=True).first.is_visible()
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.locator('img[src="x"]').count() == 0
    assert_no_js_errors(js_errors)


def test_gallery_pages_through_sixty_images(start_server, page, js_errors, tmp_path: Path) -> None:
    folder = tmp_path / "sixty"
    folder.mkdir()
    names = [f"frame_{number:02d}.jpg" for number in range(60)]
    for number, name in enumerate(names):
        colour = (number * 4 % 256, (number * 7 + 50) % 256, (255 - number * 3) % 256)
        (folder / name).write_bytes(image_bytes(96, 64, colour=colour))
    data_dir = tmp_path / "data"
    result = run_annotator(["import-images", str(folder)], data_dir, load_samples=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Imported 60 image(s)" in result.stdout

    server = start_server(load_samples=False, data_dir=data_dir)
    page.goto(server.url)
    assert gallery_total(page) == 60
    assert "page 1 of 2" in page.get_by_test_id("gallery-total").inner_text()
    cards = page.locator("li.card")
    assert cards.count() == 48
    first_page = set(cards.locator(".card-name").all_inner_texts())

    page.get_by_role("link", name=re.compile(r"^Next")).click()
    page.wait_for_url(re.compile(r"[?&]page=2\b"))
    assert cards.count() == 12
    second_page = set(cards.locator(".card-name").all_inner_texts())
    assert first_page.isdisjoint(second_page)
    assert first_page | second_page == set(names)
    wait_until_loaded(page, cards.first.locator("img"))
    assert page.get_by_role("link", name=re.compile(r"^Next")).count() == 0
    assert_no_js_errors(js_errors)
