"""Drawing aids of the polygon editor in headless Chromium against a real `annotator serve`, with the real
mouse and keyboard: snapping (Shift), shared vertices, following a neighbour's border (B) and tracing
(press and drag). What counts is what the server stored.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest

from tests.e2e.conftest import assert_no_js_errors
from tests.e2e.editor_driver import (
    Point,
    actual_size,
    assert_ring,
    client,
    draw,
    only,
    open_editor,
    ring,
    state,
    stored,
    wait_saved,
)

pytestmark = pytest.mark.e2e

A = [(500.0, 300.0), (700.0, 300.0), (700.0, 450.0), (500.0, 450.0)]


def shift_click(page, point: Point) -> None:
    page.keyboard.down("Shift")
    page.mouse.click(*client(page, point))
    page.keyboard.up("Shift")


def listen_for_events(page) -> list[dict[str, Any]]:
    """The labour events the page sends to the server (with their data, which the export leaves out), in order."""
    sent: list[dict[str, Any]] = []

    def heard(request: Any) -> None:
        if request.method in ("POST", "PATCH") and "/api/" in request.url:
            body = request.post_data_json
            if isinstance(body, dict):
                sent.extend(body.get("events") or [])

    page.on("request", heard)
    return sent


def provenances(events: list[dict[str, Any]], client_id: str) -> list[str]:
    return [event["data"]["provenance"] for event in sorted(events, key=lambda e: e["seq"])
            if event["kind"] == "vertex" and event.get("annotation") == client_id]


def by_client_id(items: list[dict[str, Any]], client_id: str) -> dict[str, Any]:
    return next(item for item in items if item["client_id"] == client_id)


def test_shift_snaps_to_a_neighbours_vertices_exactly_and_the_shared_vertex_drags_both(live_server, page,
                                                                                         js_errors) -> None:
    events = listen_for_events(page)
    open_editor(page, live_server)
    actual_size(page)
    draw(page, A)
    # B: two vertices Shift+clicked 3 px off A's right-hand corners land exactly on them; one on A's edge.
    page.keyboard.down("Shift")
    page.mouse.move(*client(page, (703.0, 297.0)))
    page.keyboard.up("Shift")
    shift_click(page, (703.0, 297.0))
    page.mouse.click(*client(page, (850.0, 300.0)))
    page.mouse.click(*client(page, (850.0, 450.0)))
    shift_click(page, (702.0, 453.0))
    page.keyboard.press("Enter")
    items = stored(page, live_server)
    assert len(items) == 2
    a_id, b_id = (annotation["clientId"] for annotation in state(page)["annotations"])
    a, b = by_client_id(items, a_id), by_client_id(items, b_id)
    assert ring(b)[0] == ring(a)[1] == (700.0, 300.0)  # identical, not merely near
    assert ring(b)[3] == ring(a)[2] == (700.0, 450.0)
    assert_ring(ring(b)[1:3], [(850.0, 300.0), (850.0, 450.0)])
    assert len(state(page)["links"]) == 2
    assert provenances(events, b["client_id"]) == ["snap", "click", "click", "snap"]

    # An edge point: snapping onto A's bottom edge.
    page.keyboard.press("p")
    shift_click(page, (600.0, 454.0))
    page.mouse.click(*client(page, (650.0, 600.0)))
    page.mouse.click(*client(page, (550.0, 600.0)))
    page.keyboard.press("Enter")
    items = stored(page, live_server)
    assert ring(items[2])[0] == (600.0, 450.0)

    # Drag the shared vertex of B: A's corner moves with it, as one undoable step, and both are saved.
    page.keyboard.press("v")
    page.mouse.click(*client(page, (775.0, 375.0)))
    assert state(page)["selectedId"] == b_id
    page.mouse.move(*client(page, (700.0, 300.0)))
    page.mouse.down()
    page.mouse.move(*client(page, (720.0, 280.0)), steps=6)
    page.mouse.up()
    items = stored(page, live_server)
    a, b = by_client_id(items, a_id), by_client_id(items, b_id)
    assert ring(a)[1] == ring(b)[0] == (720.0, 280.0)
    assert a["version"] == 2 and b["version"] == 2
    page.keyboard.press("Control+z")
    items = stored(page, live_server)
    a, b = by_client_id(items, a_id), by_client_id(items, b_id)
    assert ring(a)[1] == ring(b)[0] == (700.0, 300.0)
    assert state(page)["canRedo"]

    # Shift+drag moves only B's vertex and unshares it.
    page.mouse.move(*client(page, (700.0, 450.0)))
    page.keyboard.down("Shift")
    page.mouse.down()
    page.keyboard.up("Shift")
    page.mouse.move(*client(page, (690.0, 470.0)), steps=6)
    page.mouse.up()
    items = stored(page, live_server)
    a, b = by_client_id(items, a_id), by_client_id(items, b_id)
    assert ring(b)[3] == (690.0, 470.0) and ring(a)[2] == (700.0, 450.0)
    assert len(state(page)["links"]) == 1

    # The Snap toggle snaps without Shift, and the help lists the new keys.
    page.keyboard.press("s")
    assert state(page)["snap"] is True
    assert page.locator("#snap-toggle").get_attribute("aria-pressed") == "true"
    page.keyboard.press("s")
    assert state(page)["snap"] is False
    page.keyboard.press("?")
    assert page.get_by_text("follow its border").is_visible()
    page.keyboard.press("Escape")
    assert_no_js_errors(js_errors)


def test_b_follows_the_neighbours_border_between_two_snapped_vertices(live_server, page, js_errors) -> None:
    events = listen_for_events(page)
    open_editor(page, live_server)
    actual_size(page)
    neighbour = [(400.0, 200.0), (500.0, 180.0), (600.0, 200.0), (620.0, 300.0), (600.0, 400.0), (400.0, 400.0)]
    draw(page, neighbour, close="enter")
    page.mouse.click(*client(page, (700.0, 150.0)))
    shift_click(page, (602.0, 202.0))  # neighbour vertex 2
    shift_click(page, (602.0, 398.0))  # neighbour vertex 4
    follow = page.locator("#follow-border")
    assert follow.is_visible()  # offered as soon as two vertices of one neighbour were snapped to in a row
    page.keyboard.press("b")  # the shorter way: through (620, 300)
    assert state(page)["drawing"] == 4
    follow.click()  # again, by the button: the other way round, through 1, 0, 5
    assert state(page)["drawing"] == 6
    page.keyboard.press("b")
    assert state(page)["drawing"] == 4
    page.mouse.click(*client(page, (700.0, 450.0)))
    page.keyboard.press("Enter")
    items = stored(page, live_server)
    assert not follow.is_visible()
    assert len(items) == 2
    assert ring(items[1]) == [(700.0, 150.0), (600.0, 200.0), (620.0, 300.0), (600.0, 400.0), (700.0, 450.0)]
    provenance = provenances(events, items[1]["client_id"])
    assert provenance.count("border") == 1 + 3 + 1 and provenance.count("snap") == 2
    assert_no_js_errors(js_errors)


def test_press_and_drag_traces_vertices_at_a_steady_screen_spacing(live_server, page, js_errors) -> None:
    events = listen_for_events(page)
    open_editor(page, live_server)  # fitted: about 74%
    zoom = state(page)["zoom"]
    assert 0.5 < zoom < 1
    page.keyboard.press("p")
    start, corner, end = client(page, (300.0, 200.0)), client(page, (700.0, 200.0)), client(page, (700.0, 500.0))
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*corner, steps=40)
    page.mouse.move(*end, steps=30)
    page.mouse.up()
    assert state(page)["drawing"] > 40
    page.keyboard.press("Enter")
    item = only(stored(page, live_server))
    points = ring(item)
    spacing = 12 / zoom  # image px
    assert_ring(points[:1], [(300.0, 200.0)])
    gaps = [math.dist(p, q) for p, q in itertools.pairwise(points)]
    steady = [gap for p, gap in zip(points[:-1], gaps, strict=True)
              if not (p[0] > 700 - spacing and p[1] < 200 + spacing)]  # the gap that cuts the corner
    assert len(steady) >= len(gaps) - 2
    assert all(abs(gap - spacing) < 0.05 for gap in steady), (spacing, gaps)
    assert all(abs(y - 200) < 0.5 for x, y in points if x < 690)
    assert all(abs(x - 700) < 0.5 for x, y in points if y > 210)
    expected = int(400 * zoom // 12) + int(300 * zoom // 12)
    assert abs((len(points) - 1) - expected) <= 2
    provenance = provenances(events, item["client_id"])
    assert provenance[0] == "click" and set(provenance[1:]) == {"trace"}
    assert_no_js_errors(js_errors)


def test_a_hole_and_a_part_of_the_selected_polygon_are_saved_as_its_parts(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    actual_size(page)
    outer = [(400.0, 200.0), (800.0, 200.0), (800.0, 500.0), (400.0, 500.0)]
    draw(page, outer, close="enter")
    before = only(stored(page, live_server))
    assert abs(before["area"] - 400 * 300) <= 400 * 300 * 0.01
    page.keyboard.press("v")
    page.mouse.click(*client(page, (450.0, 250.0)))
    page.keyboard.press("c")  # cut a hole
    hole = [(500.0, 300.0), (700.0, 300.0), (700.0, 400.0), (500.0, 400.0)]
    draw(page, hole, close="enter")
    item = only(stored(page, live_server))
    assert [part["hole"] for part in item["parts"]] == [False, True]
    assert_ring(ring(item, 1), hole)
    assert abs(item["area"] - (400 * 300 - 200 * 100)) <= 400 * 300 * 0.01
    assert item["version"] == 2

    # A second part, from the toolbar button.
    page.keyboard.press("v")
    page.mouse.click(*client(page, (450.0, 250.0)))
    page.get_by_role("button", name="+ Part").click()
    part = [(900.0, 200.0), (1000.0, 200.0), (1000.0, 300.0)]
    draw(page, part, close="enter")
    item = only(stored(page, live_server))
    assert sorted(p["hole"] for p in item["parts"]) == [False, False, True]  # the server keeps holes last
    assert abs(item["area"] - (400 * 300 - 200 * 100 + 100 * 100 / 2)) <= 400 * 300 * 0.01

    # Both are undoable: the stored polygon is whole again.
    page.keyboard.press("Control+z")
    page.keyboard.press("Control+z")
    item = only(stored(page, live_server))
    assert [p["hole"] for p in item["parts"]] == [False]
    assert abs(item["area"] - before["area"]) < 1e-6
    assert_no_js_errors(js_errors)


def base_pixel(page, point: Point) -> list[int]:
    """The base layer's RGBA at an image point (the image and the committed polygons)."""
    return page.evaluate("""([x, y]) => {
        const canvas = document.getElementById('layer-base');
        const at = window.annotatorEditor.imageToClient(x, y);
        const box = canvas.getBoundingClientRect();
        const ratio = canvas.width / box.width;
        const data = canvas.getContext('2d').getImageData(Math.round((at.x - box.left) * ratio),
            Math.round((at.y - box.top) * ratio), 1, 1).data;
        return Array.from(data);
    }""", list(point))


def next_frame(page) -> None:
    page.evaluate("() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve)))")


def test_hide_all_or_one_class_and_brighten_the_image_only(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    actual_size(page)
    draw(page, A, close="enter")
    page.keyboard.press("2")
    second = [(800.0, 100.0), (950.0, 100.0), (950.0, 250.0)]
    draw(page, second, close="enter")
    wait_saved(page)
    first_class = state(page)["annotations"][0]["categoryId"]
    page.keyboard.press("v")

    # H hides every polygon: a click where one is picks nothing; H again shows them.
    page.keyboard.press("h")
    assert state(page)["hideAll"] is True
    page.mouse.click(*client(page, (600.0, 375.0)))
    assert state(page)["selectedId"] is None
    page.keyboard.press("h")
    page.mouse.click(*client(page, (600.0, 375.0)))
    assert state(page)["selectedId"] == state(page)["annotations"][0]["clientId"]

    # The eye of the first class hides its polygons only (and drops them from the selection).
    eye = page.locator(f'.class-eye[data-eye-category="{first_class}"]')
    eye.click()
    assert eye.get_attribute("aria-pressed") == "false"
    assert state(page)["hiddenCategories"] == [first_class] and state(page)["selectedId"] is None
    page.mouse.click(*client(page, (600.0, 375.0)))
    assert state(page)["selectedId"] is None
    page.mouse.click(*client(page, (900.0, 150.0)))
    assert state(page)["selectedId"] == state(page)["annotations"][1]["clientId"]
    eye.click()
    assert state(page)["hiddenCategories"] == []
    page.keyboard.press("1")  # the active class is the first again; G toggles it
    page.keyboard.press("Escape")
    page.keyboard.press("g")
    assert state(page)["hiddenCategories"] == [first_class]
    page.keyboard.press("g")
    assert state(page)["hiddenCategories"] == []

    # Brightness changes the image's pixels, not the stored polygons.
    outside = (300.0, 600.0)
    next_frame(page)
    before = base_pixel(page, outside)
    page.locator("#brightness").fill("250")
    assert state(page)["brightness"] == 2.5
    next_frame(page)
    after = base_pixel(page, outside)
    assert sum(after[:3]) > sum(before[:3]), (before, after)
    page.locator("#contrast").fill("150")
    assert state(page)["contrast"] == 1.5
    assert len(stored(page, live_server)) == 2

    page.keyboard.press("?")
    assert page.get_by_text("hide or show all polygons").is_visible()
    page.keyboard.press("Escape")
    assert_no_js_errors(js_errors)


def test_moving_with_t_held_traces_from_the_last_vertex(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    actual_size(page)
    page.keyboard.press("p")
    page.mouse.click(*client(page, (300.0, 300.0)))
    page.mouse.move(*client(page, (300.0, 300.0)))
    page.keyboard.down("t")
    page.mouse.move(*client(page, (420.0, 300.0)), steps=30)
    page.keyboard.up("t")
    assert state(page)["drawing"] == 1 + 10
    page.mouse.click(*client(page, (360.0, 400.0)))
    page.keyboard.press("Enter")
    points = ring(only(stored(page, live_server)))
    assert_ring(points, [(300.0 + 12 * i, 300.0) for i in range(11)] + [(360.0, 400.0)])
    assert_no_js_errors(js_errors)


def test_polygons_stay_in_place_on_the_image_while_panning_and_zooming(live_server, page, js_errors) -> None:
    """The polygon layer is cached while only the view moves: it must still sit exactly on the image."""
    open_editor(page, live_server)
    actual_size(page)
    draw(page, A, close="enter")
    wait_saved(page)
    page.keyboard.press("v")
    page.keyboard.press("Escape")
    inside, outside = (600.0, 375.0), (600.0, 480.0)  # 30 px below the polygon's lower edge

    def filled(point: Point) -> bool:
        """Whether the polygon's fill changes this image point's pixel (compared with polygons hidden)."""
        next_frame(page)
        shown = base_pixel(page, point)
        page.keyboard.press("h")
        next_frame(page)
        hidden = base_pixel(page, point)
        page.keyboard.press("h")
        return sum(abs(a - b) for a, b in zip(shown[:3], hidden[:3], strict=True)) > 30

    assert filled(inside) and not filled(outside)
    for key in ["ArrowLeft", "ArrowLeft", "ArrowUp", "Shift+ArrowRight"]:  # panning: the cached layer moves
        page.keyboard.press(key)
        assert filled(inside) and not filled(outside), key
    page.keyboard.press("+")  # a new scale redraws the layer
    assert filled(inside) and not filled(outside)
    assert_no_js_errors(js_errors)


def test_overlapping_parts_fill_as_one_and_a_hole_shows_the_image(live_server, page, js_errors) -> None:
    """The mask is the union of the parts minus the holes: the fill must show the same, whatever the
    direction each ring was drawn in (an even-odd fill would leave the overlap of two parts empty)."""
    open_editor(page, live_server)
    actual_size(page)
    overlap, single, in_hole = (520.0, 260.0), (430.0, 230.0), (470.0, 450.0)
    image_only = [base_pixel(page, point) for point in (overlap, single, in_hole)]
    draw(page, [(400.0, 200.0), (600.0, 200.0), (600.0, 500.0), (400.0, 500.0)], close="enter")
    wait_saved(page)
    next_frame(page)
    filled_once = base_pixel(page, overlap)
    assert filled_once != image_only[0]
    page.keyboard.press("v")
    page.mouse.click(*client(page, single))
    page.keyboard.press("a")  # a second part over the first, drawn the other way round
    draw(page, [(500.0, 220.0), (500.0, 320.0), (700.0, 320.0), (700.0, 220.0)], close="enter")
    page.keyboard.press("v")
    page.mouse.click(*client(page, single))
    page.keyboard.press("c")
    draw(page, [(450.0, 420.0), (500.0, 420.0), (500.0, 480.0), (450.0, 480.0)], close="enter")
    wait_saved(page)
    page.keyboard.press("Escape")  # nothing selected: no selection highlight over the fill
    page.mouse.move(5, 5)

    def filled_like_one_part() -> bool:  # the deselection is drawn on a later frame under load: wait for it
        after = base_pixel(page, overlap)
        return after != image_only[0] and max(abs(a - b) for a, b in zip(after, filled_once, strict=True)) <= 2

    for _ in range(60):
        next_frame(page)
        if filled_like_one_part():
            break
    assert filled_like_one_part(), (base_pixel(page, overlap), filled_once)
    assert base_pixel(page, in_hole) == image_only[2]
    assert_no_js_errors(js_errors)
