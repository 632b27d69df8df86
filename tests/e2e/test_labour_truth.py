"""The ledger tells the truth about a person's time, in Chromium: two tabs of one person are credited once, a page
whose clock jumps an hour ahead keeps its work (stored and clamped, not refused), and a hidden tab counts nothing
while the person works in another tab."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from tests.e2e.conftest import assert_no_js_errors
from tests.e2e.editor_driver import READY, SAVED, actual_size, client, state

pytestmark = pytest.mark.e2e

LEAD_MS = 60_000
TRIANGLES = [[(300.0, 200.0), (450.0, 200.0), (380.0, 330.0)], [(600.0, 220.0), (760.0, 240.0), (690.0, 400.0)],
             [(300.0, 420.0), (460.0, 430.0), (380.0, 560.0)]]
# performance.now() as the page reads it: the real one plus what the test pushes it by.
CLOCK_AHEAD = """(() => {
  const real = performance.now.bind(performance);
  window.__aheadMs = 0;
  performance.now = () => real() + window.__aheadMs;
})();"""
# document.visibilityState as the page reads it, settable by the test; setting it fires visibilitychange.
FAKE_VISIBILITY = """(() => {
  let shown = "visible";
  Object.defineProperty(document, "visibilityState", { configurable: true, get: () => shown });
  Object.defineProperty(document, "hidden", { configurable: true, get: () => shown === "hidden" });
  window.__setVisibility = (value) => { shown = value; document.dispatchEvent(new Event("visibilitychange")); };
})();"""


def open_image(page, url: str, image_id: int) -> None:
    page.goto(f"{url}annotate/{image_id}")
    page.wait_for_function(READY)
    actual_size(page)


def draw(page, points: list[tuple[float, float]], pause_s: float = 0.6) -> None:
    """A triangle at a person's pace, closed with Enter, then wait for its save."""
    page.keyboard.press("7")  # car
    for point in points:
        page.mouse.click(*client(page, point))
        page.wait_for_timeout(pause_s * 1000)
    page.keyboard.press("Enter")
    page.wait_for_function(SAVED)


def summary(url: str) -> dict[str, Any]:
    return requests.get(f"{url}api/labour/summary.json", timeout=30).json()


def person_ms(report: dict[str, Any]) -> float:
    assert len(report["people"]) == 1
    return report["people"][0]["active_ms"]


def test_two_tabs_of_one_person_on_two_images_drawing_in_turn_are_credited_once(live_server, page, js_errors):
    started = time.time()
    tab_a = page
    tab_b = page.context.new_page()  # the same browser: the same person
    tab_b.on("pageerror", lambda error: js_errors.append(str(error)))
    open_image(tab_a, live_server.url, 1)
    open_image(tab_b, live_server.url, 2)
    draw(tab_a, TRIANGLES[0])
    draw(tab_b, TRIANGLES[1])
    draw(tab_a, TRIANGLES[2])
    draw(tab_b, TRIANGLES[0])
    for tab in (tab_a, tab_b):  # the looking-around since the last save goes out too
        tab.evaluate("() => window.dispatchEvent(new Event('online'))")
    wall_ms = (time.time() - started) * 1000

    report = summary(live_server.url)
    assert len(report["sessions"]) == 2 and {s["image_id"] for s in report["sessions"]} == {1, 2}
    assert person_ms(report) <= wall_ms  # each tab's waiting spans the other's work: credited once
    rounding = 0.05 * (len(report["polygons"]) + 1)  # each figure is shown to 0.1 ms
    assert sum(row["total_ms"] for row in report["polygons"]) <= person_ms(report) + rounding
    assert sum(image["active_ms"] for image in report["images"]) == pytest.approx(person_ms(report), abs=0.5)
    assert report["totals"]["overlap_ms"] > 1_000  # the waiting was counted and credited to the other tab
    assert_no_js_errors(js_errors)


def test_work_after_the_page_clock_jumps_an_hour_ahead_is_stored_and_clamped_not_refused(live_server, page,
                                                                                          js_errors):
    page.add_init_script(CLOCK_AHEAD)
    started = time.time()
    open_image(page, live_server.url, 1)
    draw(page, TRIANGLES[0])
    page.evaluate("() => { window.__aheadMs = 3600 * 1000; }")  # the page's clock runs an hour ahead
    draw(page, TRIANGLES[1])
    wall_ms = (time.time() - started) * 1000
    assert "without part of its timing record" not in page.locator("body").inner_text()

    report = summary(live_server.url)
    second = next(row for row in report["polygons"] if row["annotation"] == state(page)["annotations"][1]["clientId"])
    assert (second["clicks"], second["closed"]) == (3, True)  # its events are in the ledger, not dropped
    session = report["sessions"][0]
    assert session["clamped_ms"] >= 3_600_000 - wall_ms - LEAD_MS and "server saw only" in session["clamp_reason"]
    assert person_ms(report) <= wall_ms + LEAD_MS
    assert report["totals"]["clamped_ms"] == session["clamped_ms"]
    assert_no_js_errors(js_errors)


def test_a_hidden_tab_counts_nothing_while_the_person_works_in_another(live_server, page, js_errors):
    started = time.time()
    hidden_tab = page
    hidden_tab.add_init_script(FAKE_VISIBILITY)
    working_tab = page.context.new_page()
    working_tab.on("pageerror", lambda error: js_errors.append(str(error)))
    open_image(hidden_tab, live_server.url, 1)
    open_image(working_tab, live_server.url, 2)
    hidden_tab.evaluate("() => window.__setVisibility('hidden')")  # the person switches to the other tab ...
    draw(working_tab, TRIANGLES[0], pause_s=1.5)  # ... and works there for a few seconds
    draw(working_tab, TRIANGLES[1], pause_s=1.5)
    hidden_tab.evaluate("() => window.__setVisibility('visible')")  # back again
    draw(hidden_tab, TRIANGLES[2])
    wall_ms = (time.time() - started) * 1000

    report = summary(live_server.url)
    by_image = {session["image_id"]: session for session in report["sessions"]}
    assert by_image[1]["hidden_ms"] > 5_000
    assert person_ms(report) <= wall_ms
    # the hidden tab's time while the other was visible and worked in went to the working tab
    assert by_image[1]["overlap_ms"] >= 0.8 * by_image[2]["active_ms"] - 1_000
    assert_no_js_errors(js_errors)
