"""Driving the editor in Chromium as a person does, for the e2e tests: real mouse and keyboard at positions the
editor's read-only test hook (`window.annotatorEditor`) converts from image pixels, and what the server stored
(GET /api/images/<id>/annotations) to check against."""

from __future__ import annotations

from typing import Any

IMAGE_ID = 1  # a sample scene, 1280 x 720
TOLERANCE = 0.5  # image pixels
READY = "() => window.annotatorEditor !== undefined && window.annotatorEditor.state().ready"
SAVED = "() => { const s = window.annotatorEditor.state(); return s.pendingSaves === 0 && s.saveState === 'saved'; }"
SQUARE = [(500.0, 300.0), (700.0, 300.0), (700.0, 450.0), (500.0, 450.0)]

Point = tuple[float, float]


def open_editor(page, server, image_id: int = IMAGE_ID) -> None:
    page.goto(f"{server.url}annotate/{image_id}")
    page.wait_for_function(READY)


def state(page) -> dict[str, Any]:
    return page.evaluate("() => window.annotatorEditor.state()")


def client(page, point: Point) -> Point:
    at = page.evaluate("([x, y]) => window.annotatorEditor.imageToClient(x, y)", list(point))
    return at["x"], at["y"]


def image_point(page, x: float, y: float) -> Point:
    at = page.evaluate("([x, y]) => window.annotatorEditor.clientToImage(x, y)", [x, y])
    return at["x"], at["y"]


def click(page, point: Point, **options: Any) -> None:
    page.mouse.click(*client(page, point), **options)


def drag(page, start: Point, end: Point) -> None:
    page.mouse.move(*client(page, start))
    page.mouse.down()
    page.mouse.move(*client(page, end), steps=6)
    page.mouse.up()


def draw(page, points: list[Point], close: str = "first-vertex") -> None:
    """Draw with the polygon tool and close it: on the first vertex, with Enter, or double-clicking the last."""
    if state(page)["tool"] != "polygon":
        page.keyboard.press("p")
    for point in points[:-1]:
        click(page, point)
    if close == "double-click":
        page.mouse.dblclick(*client(page, points[-1]))
        return
    click(page, points[-1])
    if close == "enter":
        page.keyboard.press("Enter")
    else:
        click(page, points[0])


def wait_saved(page) -> None:
    page.wait_for_function(SAVED)


def stored(page, server) -> list[dict[str, Any]]:
    """The image's live annotations as the server holds them, once the editor says all is saved."""
    wait_saved(page)
    answer = page.request.get(f"{server.url}api/images/{IMAGE_ID}/annotations")
    assert answer.ok, answer.text()
    return answer.json()["items"]


def ring(item: dict[str, Any], part: int = 0) -> list[Point]:
    flat = item["parts"][part]["points"]
    return list(zip(flat[0::2], flat[1::2], strict=True))


def assert_ring(actual: list[Point], expected: list[Point]) -> None:
    assert len(actual) == len(expected), f"{actual} != {expected}"
    for (ax, ay), (ex, ey) in zip(actual, expected, strict=True):
        assert abs(ax - ex) <= TOLERANCE and abs(ay - ey) <= TOLERANCE, f"{actual} != {expected}"


def only(items: list[dict[str, Any]]) -> dict[str, Any]:
    assert len(items) == 1, items
    return items[0]


def categories(page, server) -> list[dict[str, Any]]:
    return page.request.get(f"{server.url}api/categories").json()["items"]


def actual_size(page) -> None:
    page.get_by_role("button", name="1:1").click()
    assert state(page)["zoom"] == 1


def inside(points: list[Point]) -> Point:
    return sum(x for x, _ in points) / len(points), sum(y for _, y in points) / len(points)


def csrf(page) -> str:
    """The page's CSRF token, for a request a test sends beside the editor's own."""
    return page.locator('meta[name="csrf-token"]').get_attribute("content")
