"""The replay page (/replay/<image id>) in headless Chromium against a real server with a scripted ledger.

What the page shows is checked against the replay JSON the server gives (GET /api/images/1/replay): the
vertex counter against the `vertex` events up to the scrubbed time, the polygons against the order their
events came in. The page says what it draws through its canvas's data attributes (data-vertices,
data-placed, data-at-ms, data-annotations) and its text.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import WORKSHOP_TOKEN, assert_no_js_errors

INSTRUCTOR = {"X-Instructor-Token": WORKSHOP_TOKEN}  # scripted_ledger serves a workshop

pytestmark = pytest.mark.e2e

IMAGE_ID = 1  # scripted: poly-car-a, poly-road-a (with an idle pause), poly-person-a (deleted), poly-car-c
READY = "#replay[data-state=ready]"


def fetch_replay(server: Any, annotation: str | None = None) -> dict[str, Any]:
    import requests

    params = {"annotation": annotation} if annotation else {}
    response = requests.get(f"{server.url}api/images/{IMAGE_ID}/replay", params=params, timeout=10,
                            headers=INSTRUCTOR)
    assert response.status_code == 200, response.text
    return response.json()


def clock_text(ms: float) -> str:
    seconds = int(ms // 1000)
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def open_replay(page: Any, server: Any, annotation: str | None = None) -> None:
    page.goto(f"{server.url}replay/{IMAGE_ID}" + (f"?annotation={annotation}" if annotation else ""))
    page.wait_for_selector(READY)


def scrub(page: Any, at_ms: float) -> None:
    page.get_by_test_id("scrubber").fill(str(at_ms))
    page.wait_for_function("(at) => document.querySelector('#replay-canvas').dataset.atMs === String(at)",
                           arg=round(at_ms))


def board(page: Any) -> Any:
    """The replay canvas, whose data attributes say what it shows."""
    return page.get_by_test_id("replay-canvas")


def canvas(page: Any, name: str) -> str:
    return page.get_by_test_id("replay-canvas").get_attribute(f"data-{name}")


def listed(page: Any) -> list[str]:
    return page.eval_on_selector_all("#replay-polygons li", "items => items.map(item => item.dataset.annotation)")


def first_seen(events: list[dict[str, Any]], until_ms: float) -> list[str]:
    order: list[str] = []
    for event in events:
        if event["at_ms"] <= until_ms and event["annotation"] and event["annotation"] not in order:
            order.append(event["annotation"])
    return order


def test_scrubbing_counts_the_vertices_placed_and_shows_polygons_in_recorded_order(scripted_ledger, page, js_errors):
    server = scripted_ledger["server"]
    replay = fetch_replay(server)
    events, duration = replay["events"], replay["duration_ms"]
    vertex_times = [event["at_ms"] for event in events if event["kind"] == "vertex"]
    assert len(vertex_times) == 4 + 5 + 4 + 4
    open_replay(page, server)
    expect_clock = f"00:00 / {clock_text(duration)}"
    expect(page.get_by_test_id("clock")).to_have_text(expect_clock)
    expect(page.get_by_test_id("vertex-counter")).to_have_text("0")
    assert "30 sec" in page.locator("#replay-note").text_content()  # the idle threshold, as in the ledger

    closes = [event for event in events if event["kind"] == "close"]
    times = sorted({0.0, vertex_times[0], vertex_times[0] - 0.5, vertex_times[2], vertex_times[6] + 0.3,
                    closes[1]["at_ms"] - 1, closes[1]["at_ms"], vertex_times[12], duration / 2, duration})
    for at in times:
        scrub(page, at)
        placed = sum(1 for t in vertex_times if t <= at)
        expect(page.get_by_test_id("vertex-counter")).to_have_text(str(placed))
        expect(board(page)).to_have_attribute("data-placed", str(placed))
        expect(page.get_by_test_id("clock")).to_have_text(f"{clock_text(at)} / {clock_text(duration)}")
        assert listed(page) == first_seen(events, at), at
        current = events[max(i for i, event in enumerate(events) if event["at_ms"] <= at)]
        expect(page.get_by_test_id("event-kind")).to_have_attribute("data-kind", current["kind"])

    # Said in words, about a polygon named by its class and number, not by codes and ids.
    scrub(page, closes[1]["at_ms"])
    expect(page.get_by_test_id("event-kind")).to_have_text("Closes the polygon")
    expect(page.locator("#replay-detail")).to_have_text("road 2")

    # mid-drawing of the road: its vertices so far are on screen, the car before it closed and filled
    scrub(page, vertex_times[6] + 0.3)
    expect(board(page)).to_have_attribute("data-annotations", "poly-car-a,poly-road-a")
    expect(board(page)).to_have_attribute("data-vertices", "7")  # the car's 4, the road's first 3
    assert page.locator("#replay-polygons li[data-annotation=poly-car-a]").get_attribute("data-status") == "closed"
    assert page.locator("#replay-polygons li[data-annotation=poly-road-a]").get_attribute("data-status") == "drawing"
    scrub(page, duration)
    expect(board(page)).to_have_attribute("data-annotations", "poly-car-a,poly-road-a,poly-car-c")
    assert_no_js_errors(js_errors)


def test_a_deleted_polygon_disappears_at_its_delete_event(scripted_ledger, page, js_errors):
    server = scripted_ledger["server"]
    events = fetch_replay(server)["events"]
    delete = next(event for event in events if event["kind"] == "delete")
    assert delete["annotation"] == "poly-person-a"
    open_replay(page, server)
    scrub(page, delete["at_ms"] - 1)
    assert "poly-person-a" in canvas(page, "annotations").split(",")
    expect(board(page)).to_have_attribute("data-vertices", str(4 + 5 + 4))
    person = page.locator("#replay-polygons li[data-annotation=poly-person-a]")
    assert person.get_attribute("data-status") == "closed"
    scrub(page, delete["at_ms"])
    assert "poly-person-a" not in canvas(page, "annotations").split(",")
    expect(board(page)).to_have_attribute("data-vertices", str(4 + 5))
    assert person.get_attribute("data-status") == "deleted"
    last = [event for event in events if event["at_ms"] <= delete["at_ms"]][-1]  # the next session opens then
    expect(page.get_by_test_id("event-kind")).to_have_attribute("data-kind", last["kind"])
    expect(page.get_by_test_id("vertex-counter")).to_have_text(str(4 + 5 + 4))  # placed, deleted or not
    assert_no_js_errors(js_errors)


def test_playing_at_50x_runs_the_labour_clock_about_50_times_real_time(scripted_ledger, page, js_errors):
    server = scripted_ledger["server"]
    duration = fetch_replay(server)["duration_ms"]
    page.clock.install()
    open_replay(page, server)
    page.get_by_test_id("speed").select_option("50")
    assert page.get_by_test_id("speed").locator("option").all_text_contents() == ["1x", "2x", "5x", "10x", "25x",
                                                                                "50x"]
    page.get_by_test_id("play-button").click()
    expect(page.get_by_test_id("play-button")).to_have_text("Pause")
    page.clock.run_for(1000)
    # Read both in one go: the page's clock keeps running between two separate reads.
    at, shown = page.evaluate("""() => [
        Number(document.querySelector('[data-testid=replay-canvas]').dataset.atMs),
        document.querySelector('[data-testid=clock]').textContent]""")
    assert 20_000 <= at <= 60_000 or at == round(duration), at
    assert shown == f"{clock_text(at)} / {clock_text(duration)}"
    placed = int(page.get_by_test_id("vertex-counter").text_content())
    assert placed > 0
    page.get_by_test_id("play-button").click()  # pause: the clock stands still
    page.clock.run_for(100)  # a frame already asked for may still land
    paused = canvas(page, "at-ms")
    page.clock.run_for(1000)
    expect(board(page)).to_have_attribute("data-at-ms", paused)
    page.get_by_test_id("play-button").click()
    page.clock.run_for(5000)  # past the end: it stops there
    expect(board(page)).to_have_attribute("data-at-ms", str(round(duration)))
    expect(page.get_by_test_id("play-button")).to_have_text("Play")
    expect(page.get_by_test_id("vertex-counter")).to_have_text(str(4 + 5 + 4 + 4))
    assert_no_js_errors(js_errors)


def test_one_polygon_starts_at_zero_and_shows_only_its_vertices(scripted_ledger, page, js_errors):
    server = scripted_ledger["server"]
    replay = fetch_replay(server, "poly-car-a")
    assert replay["events"][0]["at_ms"] == 0
    open_replay(page, server, "poly-car-a")
    expect(page.get_by_test_id("clock")).to_have_text(f"00:00 / {clock_text(replay['duration_ms'])}")
    assert page.get_by_test_id("scope").input_value() == "poly-car-a"
    options = page.get_by_test_id("scope").locator("option")
    assert options.evaluate_all("os => os.map(o => o.value)") == ["", "poly-car-a", "poly-road-a", "poly-person-a",
                                                                  "poly-car-c"]
    # Named as people say them: class and number in the order drawn, never an internal id.
    assert options.all_text_contents()[1:] == ["car 1", "road 2", "person 3", "car 4"]
    first_vertex = next(event["at_ms"] for event in replay["events"] if event["kind"] == "vertex")
    scrub(page, first_vertex)
    expect(board(page)).to_have_attribute("data-vertices", "1")
    scrub(page, replay["duration_ms"])
    expect(board(page)).to_have_attribute("data-annotations", "poly-car-a")
    expect(board(page)).to_have_attribute("data-vertices", "4")
    expect(page.get_by_test_id("vertex-counter")).to_have_text("4")
    assert listed(page) == ["poly-car-a"]

    page.get_by_test_id("scope").select_option("")  # back to the whole image: a reload without ?annotation=
    page.wait_for_url(f"{server.url}replay/{IMAGE_ID}")
    page.wait_for_selector(READY)
    page.get_by_test_id("scope").select_option("poly-road-a")
    page.wait_for_url(f"{server.url}replay/{IMAGE_ID}?annotation=poly-road-a")
    page.wait_for_selector(READY)
    assert page.get_by_test_id("clock").text_content().startswith("00:00 / ")
    assert_no_js_errors(js_errors)
