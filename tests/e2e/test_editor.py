"""The polygon editor in headless Chromium against a real `annotator serve`, driven by the real mouse and
keyboard. Positions come from the editor's read-only hook `window.annotatorEditor.imageToClient`; what
counts is what the server stored (GET /api/images/<id>/annotations), not what the page shows.
"""

from __future__ import annotations

import re

import pytest

from annotator.core import labour_file
from tests.e2e.conftest import assert_no_js_errors
from tests.e2e.editor_driver import (
    READY,
    SAVED,
    SQUARE,
    actual_size,
    assert_ring,
    categories,
    click,
    drag,
    draw,
    image_point,
    inside,
    only,
    open_editor,
    ring,
    state,
    stored,
    wait_saved,
)

pytestmark = pytest.mark.e2e

# --- drawing -----------------------------------------------------------------------------------------


def test_draw_at_zoom_1_closing_on_the_first_vertex_escape_and_backspace(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    actual_size(page)
    assert page.locator("#zoom-readout").inner_text() == "100%"
    points = [(500.25, 300.5), (700.0, 310.75), (690.5, 450.0), (505.0, 440.25)]
    draw(page, points)
    item = only(stored(page, live_server))
    assert_ring(ring(item), points)
    assert item["category_id"] == categories(page, live_server)[0]["id"]  # the first class is active at start
    hook = only(state(page)["annotations"])
    assert hook["id"] == item["id"] and hook["version"] == item["version"] == 1
    assert hook["clientId"] == item["client_id"]

    # Escape drops a polygon being drawn: nothing reaches the server.
    for point in [(250.0, 150.0), (350.0, 150.0), (350.0, 250.0)]:
        click(page, point)
    assert state(page)["drawing"] == 3
    page.keyboard.press("Escape")
    assert state(page)["drawing"] == 0
    assert len(stored(page, live_server)) == 1

    # Backspace takes back the last vertex while drawing.
    triangle = [(800.0, 100.0), (950.0, 120.0), (900.0, 250.0)]
    for point in [*triangle, (1000.0, 300.0)]:
        click(page, point)
    page.keyboard.press("Backspace")
    assert state(page)["drawing"] == 3
    page.keyboard.press("Enter")
    items = stored(page, live_server)
    assert len(items) == 2
    assert_ring(ring(items[1]), triangle)
    assert page.locator("#polygon-list li").count() == 2
    assert page.locator("#save-state").inner_text() == "All saved"
    assert_no_js_errors(js_errors)


def test_close_with_enter_and_with_a_double_click(live_server, page, js_errors) -> None:
    open_editor(page, live_server)  # fitted to the window: about 74%
    assert 0.5 < state(page)["zoom"] < 1
    by_enter = [(200.0, 200.0), (400.0, 210.0), (380.0, 400.0), (220.0, 380.0)]
    draw(page, by_enter, close="enter")
    by_double_click = [(800.0, 200.0), (1000.0, 220.0), (900.5, 400.5)]
    draw(page, by_double_click, close="double-click")
    items = stored(page, live_server)
    assert len(items) == 2
    # Two saves may reach the server in either order: match each outline by its client id.
    first_id, second_id = (annotation["clientId"] for annotation in state(page)["annotations"])
    by_id = {item["client_id"]: item for item in items}
    assert_ring(ring(by_id[first_id]), by_enter)
    assert_ring(ring(by_id[second_id]), by_double_click)
    assert state(page)["drawing"] == 0
    assert_no_js_errors(js_errors)


def test_zoom_4_after_panning_stores_what_was_clicked(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    stage = page.locator("#stage").bounding_box()
    centre = (round(stage["x"] + stage["width"] / 2), round(stage["y"] + stage["height"] / 2))

    # The wheel zooms around the pointer: the image point under it stays under it.
    page.mouse.move(*centre)
    under = image_point(page, *centre)
    page.mouse.wheel(0, -400)
    page.wait_for_function("() => window.annotatorEditor.state().zoom > 1")
    after = image_point(page, *centre)
    assert abs(after[0] - under[0]) < 0.01 and abs(after[1] - under[1]) < 0.01

    actual_size(page)
    page.mouse.move(stage["x"] + 5, stage["y"] + 5)
    for _ in range(4):
        page.keyboard.press("=")  # two presses double the zoom
    assert abs(state(page)["zoom"] - 4) < 1e-9
    assert page.locator("#zoom-readout").inner_text() == "400%"

    # Pan with Space+drag, then with the arrow keys.
    before = image_point(page, *centre)
    page.keyboard.down("Space")
    page.mouse.move(*centre)
    page.mouse.down()
    page.mouse.move(centre[0] + 240, centre[1] + 120, steps=5)
    page.mouse.up()
    page.keyboard.up("Space")
    panned = image_point(page, *centre)
    assert abs(panned[0] - (before[0] - 60)) < 0.01 and abs(panned[1] - (before[1] - 30)) < 0.01
    page.keyboard.press("ArrowLeft")
    assert image_point(page, *centre)[0] < panned[0]
    assert state(page)["zoom"] == 4

    cx, cy = image_point(page, *centre)
    points = [(cx - 50.3, cy - 30.1), (cx + 40.6, cy - 35.2), (cx + 45.45, cy + 30.8), (cx - 45.15, cy + 25.35)]
    draw(page, points)
    item = only(stored(page, live_server))
    assert_ring(ring(item), points)
    page.keyboard.press("f")
    assert state(page)["zoom"] < 1
    assert_no_js_errors(js_errors)


# --- editing -----------------------------------------------------------------------------------------


def test_move_insert_and_delete_vertices_then_undo_and_redo_each(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    actual_size(page)
    draw(page, SQUARE)
    history = [ring(only(stored(page, live_server)))]

    page.keyboard.press("v")
    click(page, inside(SQUARE))
    assert state(page)["selectedId"] is not None

    drag(page, SQUARE[2], (730.0, 480.0))  # move a vertex
    history.append([SQUARE[0], SQUARE[1], (730.0, 480.0), SQUARE[3]])
    assert_ring(ring(only(stored(page, live_server))), history[-1])

    drag(page, (600.0, 300.0), (610.0, 270.0))  # drag the midpoint of the top edge: a new vertex
    history.append([SQUARE[0], (610.0, 270.0), SQUARE[1], (730.0, 480.0), SQUARE[3]])
    assert_ring(ring(only(stored(page, live_server))), history[-1])

    click(page, SQUARE[3])  # select a vertex, then Delete
    assert state(page)["selectedVertex"] == {"part": 0, "index": 4}
    page.keyboard.press("Delete")
    history.append(history[-1][:4])
    assert_ring(ring(only(stored(page, live_server))), history[-1])

    page.keyboard.down("Alt")  # Alt+click deletes a vertex
    click(page, (610.0, 270.0))
    page.keyboard.up("Alt")
    history.append([SQUARE[0], SQUARE[1], (730.0, 480.0)])
    assert_ring(ring(only(stored(page, live_server))), history[-1])
    assert only(stored(page, live_server))["vertex_count"] == 3

    for expected in reversed(history[:-1]):
        page.keyboard.press("Control+z")
        assert_ring(ring(only(stored(page, live_server))), expected)
    for index, expected in enumerate(history[1:]):
        page.keyboard.press("Control+Shift+z" if index % 2 else "Control+y")
        assert_ring(ring(only(stored(page, live_server))), expected)
    final = only(stored(page, live_server))
    assert only(state(page)["annotations"])["version"] == final["version"] == 1 + 3 * (len(history) - 1)
    assert_no_js_errors(js_errors)


def test_move_and_delete_a_polygon_and_undo_the_delete(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    actual_size(page)
    draw(page, SQUARE)
    first = only(stored(page, live_server))

    page.keyboard.press("v")
    centre = inside(SQUARE)
    click(page, centre)
    drag(page, centre, (centre[0] + 40, centre[1] - 25))
    assert_ring(ring(only(stored(page, live_server))), [(x + 40, y - 25) for x, y in SQUARE])

    page.keyboard.press("Delete")
    assert stored(page, live_server) == []
    assert state(page)["annotations"] == []
    page.keyboard.press("Control+z")  # the polygon comes back, on the server too
    back = only(stored(page, live_server))
    assert_ring(ring(back), [(x + 40, y - 25) for x, y in SQUARE])
    assert (back["id"], back["client_id"]) == (first["id"], first["client_id"])  # restored, not copied
    page.keyboard.press("Control+z")
    assert_ring(ring(only(stored(page, live_server))), SQUARE)
    page.keyboard.press("Control+y")
    page.keyboard.press("Control+y")
    assert stored(page, live_server) == []
    assert_no_js_errors(js_errors)


def test_class_change_by_number_key_and_picker_with_undo(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    classes = categories(page, live_server)
    page.keyboard.press("2")  # in the polygon tool a number only picks the class for the next polygon
    assert page.locator("#active-name").inner_text() == classes[1]["name"]
    draw(page, SQUARE)
    assert only(stored(page, live_server))["category_id"] == classes[1]["id"]

    page.keyboard.press("v")
    click(page, inside(SQUARE))
    page.keyboard.press("7")
    assert only(stored(page, live_server))["category_id"] == classes[6]["id"]
    assert page.locator("#polygon-list .polygon-class").inner_text() == classes[6]["name"]
    page.keyboard.press("Control+z")
    assert only(stored(page, live_server))["category_id"] == classes[1]["id"]
    page.keyboard.press("Control+Shift+z")
    assert only(stored(page, live_server))["category_id"] == classes[6]["id"]

    picker = page.locator("#class-list .class-button").filter(has_text=classes[0]["name"]).first
    assert picker.get_attribute("title") == classes[0]["definition"]
    picker.click()
    assert only(stored(page, live_server))["category_id"] == classes[0]["id"]
    assert picker.get_attribute("aria-pressed") == "true"
    assert classes[0]["definition"] in page.locator("#class-definition").inner_text()
    assert_no_js_errors(js_errors)


# --- saving ------------------------------------------------------------------------------------------


def test_reload_keeps_everything(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    draw(page, SQUARE)
    draw(page, [(100.0, 100.0), (300.0, 120.0), (200.0, 260.0)], close="enter")
    page.keyboard.press("v")
    click(page, inside(SQUARE))
    page.keyboard.press("3")
    wait_saved(page)
    before = state(page)["annotations"]
    assert len(before) == 2

    page.reload()
    page.wait_for_function(READY)
    assert state(page)["annotations"] == before
    assert page.locator("#polygon-list li").count() == 2
    assert [(item["id"], item["version"]) for item in stored(page, live_server)] == \
        [(item["id"], item["version"]) for item in before]
    assert_no_js_errors(js_errors)


def test_unsaved_work_survives_an_outage_and_a_reload(live_server, page, js_errors) -> None:
    def refuse_changes(route) -> None:
        if route.request.method == "GET":
            route.continue_()
        else:
            route.abort()

    open_editor(page, live_server)
    page.route(re.compile(r".*/api/.*"), refuse_changes)
    draw(page, SQUARE)
    page.wait_for_function("() => window.annotatorEditor.state().saveState === 'offline'")
    assert state(page)["pendingSaves"] == 1
    assert page.locator("#save-state").inner_text().startswith("Offline")

    page.reload()  # still offline: the polygon is kept in the browser and shown
    page.wait_for_function(READY)
    assert len(state(page)["annotations"]) == 1
    page.wait_for_function("() => window.annotatorEditor.state().saveState === 'offline'")

    page.unroute_all()
    page.wait_for_function(SAVED, timeout=10_000)  # the next retry gets through
    assert_ring(ring(only(stored(page, live_server))), SQUARE)
    assert_no_js_errors(js_errors)


def test_a_conflict_shows_the_servers_version_and_says_so(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    draw(page, SQUARE)
    item = only(stored(page, live_server))
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    elsewhere = [400.0, 200.0, 600.0, 200.0, 600.0, 350.0]
    answer = page.request.patch(f"{live_server.url}api/annotations/{item['id']}", headers={"X-CSRFToken": token},
                                data={"version": 1, "category_id": 5, "parts": [{"points": elsewhere, "hole": False}]})
    assert answer.ok, answer.text()

    page.keyboard.press("v")
    click(page, inside(SQUARE))  # the editor still shows its own version
    drag(page, SQUARE[0], (480.0, 280.0))
    wait_saved(page)
    mine = only(state(page)["annotations"])
    assert mine["version"] == 2 and mine["categoryId"] == 5
    assert mine["parts"][0]["points"] == elsewhere
    assert "changed elsewhere" in page.locator("#message").inner_text()
    assert only(stored(page, live_server))["parts"][0]["points"] == elsewhere
    assert_no_js_errors(js_errors)


# --- the rest of the page ----------------------------------------------------------------------------


def test_list_help_opacity_and_labour_record(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    draw(page, SQUARE)
    wait_saved(page)

    item = page.locator("#polygon-list .polygon-item").first
    assert item.locator(".polygon-vertices").inner_text() == "4 pts"
    item.hover()
    assert "hovered" in (item.get_attribute("class") or "")
    item.click()
    assert state(page)["tool"] == "select"
    assert state(page)["selectedId"] == state(page)["annotations"][0]["clientId"]
    assert item.get_attribute("aria-current") == "true"

    opacity = state(page)["opacity"]
    page.keyboard.press("o")
    assert state(page)["opacity"] != opacity

    page.keyboard.press("?")
    assert page.locator("#help").is_visible()
    assert page.get_by_text("insert a vertex").is_visible()
    page.keyboard.press("Escape")
    assert not page.locator("#help").is_visible()

    # The minutes behind the polygon are on the record: each vertex click, the close.
    export = page.request.get(f"{live_server.url}api/export/coco?labour=1").json()
    audit = labour_file.verify(export)  # the file recomputes itself, as `annotator labour verify` does
    assert audit.ok and audit.checked > 0, audit.differences
    labour = only(export["annotations"])["attributes"]["labour"]
    kinds = [event["kind"] for event in labour]
    assert kinds.count("vertex") == 4 and "close" in kinds
    assert [event["seq"] for event in labour] == sorted(event["seq"] for event in labour)
    assert page.evaluate("Object.keys(window).filter(k => k.startsWith('annotator'))") == ["annotatorEditor"]
    assert_no_js_errors(js_errors)


KEYMAP_ROWS = """() => {
  const main = document.querySelector('script[type="module"][src*="/js/editor/main.js"]').src;
  return import(new URL("../common/keymap.js", main)).then((m) => m.GROUPS.flatMap((group) => m.KEYMAP
    .filter((entry) => entry.group === group).map((entry) => [entry.action, m.chordText(entry), entry.description])));
}"""


def test_the_help_shows_one_row_per_keymap_entry(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    expected = page.evaluate(KEYMAP_ROWS)  # the table as the page's own module has it
    assert len(expected) > 30
    page.keyboard.press("?")
    help_dialog = page.locator("#help")
    assert help_dialog.is_visible()
    rows = help_dialog.locator("dt").evaluate_all(
        "(terms) => terms.map((term) => [term.dataset.action, term.textContent, term.nextElementSibling.textContent])")
    assert rows == expected
    assert help_dialog.locator("dt kbd").count() > len(expected) / 2  # keys as key caps
    assert help_dialog.locator("h3").all_text_contents() == ["Drawing", "Editing", "Viewing"]
    page.keyboard.press("Shift+?")  # the key that opened it closes it
    assert not help_dialog.is_visible()
    page.keyboard.press("?")
    page.keyboard.press("Escape")
    assert not help_dialog.is_visible()
    assert_no_js_errors(js_errors)
