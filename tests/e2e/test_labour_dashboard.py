"""The labour dashboard (/labour) in Chromium, checked against the server's own summary of a scripted ledger:
headline totals, the numbers under every chart (as shown and as downloaded CSV), the breakdown tables,
filtering by image and person, names only on request, text-only rendering, and an empty ledger."""

from __future__ import annotations

import csv
import io
import json
import math
import os
from typing import Any

import requests

from tests.e2e.conftest import WORKSHOP_TOKEN, assert_no_js_errors
from tests.e2e.formats import duration, number

INSTRUCTOR = {"X-Instructor-Token": WORKSHOP_TOKEN}  # scripted_ledger serves a workshop

CHART_IDS = ("histogram", "scatter", "class-medians", "timeline", "cumulative")
READY = '[data-testid="labour-dashboard"][data-state="ready"]'


# --- the page's number formats (common/format.js, restated in tests/e2e/formats.py) ------------------------


def one_decimal(ms: float) -> str:
    """A seconds cell of the tables: the seconds with one decimal, grouped."""
    return number(ms / 1000, 1)


# --- reading the page ---------------------------------------------------------------------------------------


def open_dashboard(page: Any, url: str, state: str = "ready") -> None:
    page.goto(url + "labour")
    page.wait_for_selector(f'[data-testid="labour-dashboard"][data-state="{state}"]')


def table_rows(table: Any) -> list[dict[str, str]]:
    """A rendered numbers table as {data-key: text} per body row (marks deleted rows under "_deleted")."""
    return table.evaluate("""(table) => [...table.tBodies[0].rows].map((row) => Object.fromEntries([
        ...[...row.cells].map((cell) => [cell.dataset.key, cell.textContent]),
        ["_deleted", row.classList.contains("deleted") ? "yes" : ""]]))""")


def chart(page: Any, chart_id: str) -> Any:
    return page.get_by_test_id(f"chart-{chart_id}")


def shown_numbers(page: Any, chart_id: str) -> list[dict[str, str]]:
    card = chart(page, chart_id)
    numbers = card.get_by_test_id("numbers")
    if numbers.is_hidden():
        card.get_by_test_id("toggle-numbers").click()
    assert numbers.is_visible()
    return table_rows(card.get_by_test_id("numbers-table"))


def downloaded_csv(page: Any, link: Any) -> tuple[str, list[dict[str, str]]]:
    with page.expect_download() as info:
        link.click()
    download = info.value
    with open(download.path(), encoding="utf-8", newline="") as handle:
        text = handle.read()
    return download.suggested_filename, list(csv.DictReader(io.StringIO(text)))


def headline_value(page: Any, name: str) -> str:
    return page.get_by_test_id(f"total-{name}-value").inner_text()


def summary_of(server: Any, **params: str) -> dict[str, Any]:
    return requests.get(f"{server.url}api/labour/summary.json", params=params, timeout=30,
                        headers=INSTRUCTOR).json()


def assert_headline(page: Any, summary: dict[str, Any]) -> None:
    totals = summary["totals"]
    assert headline_value(page, "polygons") == str(totals["polygons"])
    assert headline_value(page, "active") == duration(totals["active_ms"])
    assert float(page.get_by_test_id("total-active").get_attribute("data-value")) == totals["active_ms"]
    assert headline_value(page, "median") == duration(totals["median_ms"])
    assert headline_value(page, "vertices") == str(totals["vertices"])
    assert headline_value(page, "people") == str(totals["people"])
    assert headline_value(page, "images") == str(totals["images"])
    assert headline_value(page, "idle") == duration(totals["session_idle_ms"])
    assert headline_value(page, "clamped") == duration(totals["clamped_ms"])


# --- tests ----------------------------------------------------------------------------------------------------


def test_dashboard_shows_the_summarys_figures_in_charts_and_tables(scripted_ledger, page, js_errors):
    server, summary = scripted_ledger["server"], scripted_ledger["summary"]
    open_dashboard(page, server.url)
    assert_headline(page, summary)
    assert "1 deleted" in page.get_by_test_id("total-polygons").inner_text()

    # Every chart is drawn by Chart.js on a canvas of real size.
    for chart_id in CHART_IDS:
        canvas = chart(page, chart_id).get_by_test_id("chart-canvas")
        assert canvas.evaluate("(c) => Boolean(Chart.getChart(c)) && c.width > 100 && c.height > 100"), chart_id
        assert chart(page, chart_id).get_by_test_id("numbers").is_hidden()

    # (1) histogram: the five polygons, each in the bin its seconds fall in.
    bins = shown_numbers(page, "histogram")
    assert sum(int(row["polygons"]) for row in bins) == 5
    for polygon in summary["polygons"]:
        seconds = polygon["total_ms"] / 1000
        (home,) = [row for row in bins if int(row["from_s"]) <= seconds < int(row["to_s"])]
        assert int(home["polygons"]) >= 1
    name, rows = downloaded_csv(page, chart(page, "histogram").get_by_test_id("download-csv"))
    assert name == "labour-seconds-per-polygon.csv"
    assert [(r["from_s"], r["to_s"], r["polygons"]) for r in rows] == [(b["from_s"], b["to_s"], b["polygons"])
                                                                       for b in bins]

    # (2) scatter: vertices and seconds of every polygon; the deleted one is marked.
    points = {row["polygon"]: row for row in shown_numbers(page, "scatter")}
    assert len(points) == 5
    for polygon in summary["polygons"]:
        row = points[str(polygon["id"])]
        assert (row["category"], row["vertices"], row["seconds"]) == (
            polygon["category"], str(polygon["vertices"]), one_decimal(polygon["total_ms"]))
        assert (row["_deleted"] == "yes") == polygon["deleted"]
    assert sum(polygon["deleted"] for polygon in summary["polygons"]) == 1
    _, rows = downloaded_csv(page, chart(page, "scatter").get_by_test_id("download-csv"))
    assert {(r["polygon"], r["vertices"], float(r["seconds"]), r["deleted"]) for r in rows} == {
        (str(p["id"]), str(p["vertices"]), p["total_ms"] / 1000, "true" if p["deleted"] else "false")
        for p in summary["polygons"]}

    # (3) per-class medians.
    medians = shown_numbers(page, "class-medians")
    assert [(r["category"], r["polygons"], r["median_s"]) for r in medians] == [
        (c["category"], str(c["polygons"]), one_decimal(c["median_ms"])) for c in summary["classes"]]
    name, rows = downloaded_csv(page, chart(page, "class-medians").get_by_test_id("download-csv"))
    assert name == "labour-class-medians.csv"
    assert [(r["category"], int(r["polygons"]), float(r["median_s"])) for r in rows] == [
        (c["category"], c["polygons"], c["median_ms"] / 1000) for c in summary["classes"]]

    # (4) timeline: every session and every polygon from first vertex to close.
    bars = shown_numbers(page, "timeline")
    polygons_shown = [row for row in bars if row["what"] == "polygon"]
    assert len(polygons_shown) == 5
    assert len([row for row in bars if row["what"] == "session"]) == len(summary["sessions"])
    by_id = {p["id"]: p for p in summary["polygons"]}
    for row in polygons_shown:
        polygon = by_id[int(row["item"])]
        assert row["seconds"] == one_decimal(polygon["closed_at_ms"] - polygon["first_ms"])
        assert len(row["start_ms"]) == 8 and row["start_ms"].count(":") == 2  # a clock time, HH:MM:SS
    _, rows = downloaded_csv(page, chart(page, "timeline").get_by_test_id("download-csv"))
    assert sorted(float(r["start_ms"]) for r in rows if r["what"] == "polygon") == sorted(
        p["first_ms"] for p in summary["polygons"])

    # (5) cumulative person-hours, exactly as the server counts them.
    steps = shown_numbers(page, "cumulative")
    assert len(steps) == len(summary["cumulative"]) == 5
    name, rows = downloaded_csv(page, chart(page, "cumulative").get_by_test_id("download-csv"))
    assert name == "labour-cumulative-hours.csv"
    assert [(float(r["at_ms"]), float(r["hours"])) for r in rows] == [
        (point["at_ms"], point["hours"]) for point in summary["cumulative"]]
    assert math.isclose(float(rows[-1]["hours"]), sum(p["total_ms"] for p in summary["polygons"]) / 3_600_000,
                        abs_tol=1e-6)

    # Breakdown tables: per image, per person, per class, per polygon.
    images = table_rows(page.get_by_test_id("table-images"))
    assert [(r["image_id"], r["polygons"], r["vertices"], r["draw_s"], r["search_s"], r["edit_s"], r["median_s"])
            for r in images] == [(str(i["image_id"]), str(i["polygons"]), str(i["vertices"]), one_decimal(i["draw_ms"]),
                                  one_decimal(i["search_ms"]), one_decimal(i["edit_ms"]), one_decimal(i["median_ms"]))
                                 for i in summary["images"]]
    people = table_rows(page.get_by_test_id("table-people"))
    assert [(r["person"], r["polygons"], r["total_s"], r["median_s"]) for r in people] == [
        (p["person"], str(p["polygons"]), one_decimal(p["total_ms"]), one_decimal(p["median_ms"]))
        for p in summary["people"]]
    assert "name" not in people[0]
    classes = table_rows(page.get_by_test_id("table-classes"))
    assert [(r["category"], r["polygons"], r["draw_s"], r["median_s"]) for r in classes] == [
        (c["category"], str(c["polygons"]), one_decimal(c["draw_ms"]), one_decimal(c["median_ms"]))
        for c in summary["classes"]]
    listed = table_rows(page.get_by_test_id("table-polygons"))
    assert len(listed) == 5 and [r["deleted"] for r in listed].count("yes") == 1
    name, rows = downloaded_csv(page, page.get_by_test_id("breakdown-people").get_by_test_id("download-csv"))
    assert name == "labour-per-person.csv"
    assert [(r["person"], float(r["active_s"])) for r in rows] == [
        (p["person"], p["active_ms"] / 1000) for p in summary["people"]]

    # The help lists the server's definitions and the idle threshold.
    page.get_by_test_id("help").locator("summary").click()
    assert page.get_by_test_id("idle-threshold").inner_text() == duration(summary["idle_threshold_ms"])
    definitions = page.get_by_test_id("definitions").inner_text()
    for text in summary["definitions"].values():
        assert text in definitions

    if os.environ.get("LABOUR_DASHBOARD_SCREENSHOT"):  # e.g. /tmp/dashboard.png, to look at the page
        page.screenshot(path=os.environ["LABOUR_DASHBOARD_SCREENSHOT"], full_page=True)
    assert_no_js_errors(js_errors)


def test_filtering_by_image_and_person_shows_their_figures(scripted_ledger, page, js_errors):
    server = scripted_ledger["server"]
    open_dashboard(page, server.url)
    image_two = summary_of(server, image="2")
    assert image_two["totals"]["polygons"] == 1

    chart(page, "histogram").get_by_test_id("toggle-numbers").click()
    with page.expect_response(lambda r: "summary.json?image=2" in r.url):
        page.get_by_test_id("filter-image").select_option("2")
    page.wait_for_selector(READY)
    assert_headline(page, image_two)
    assert "scene_02" in page.get_by_test_id("scope").inner_text()
    # The open table stayed open and holds the one polygon of image 2.
    bins = table_rows(chart(page, "histogram").get_by_test_id("numbers-table"))
    assert sum(int(row["polygons"]) for row in bins) == 1
    assert [r["image_id"] for r in table_rows(page.get_by_test_id("table-images"))] == ["2"]
    _, rows = downloaded_csv(page, chart(page, "scatter").get_by_test_id("download-csv"))
    assert [float(r["seconds"]) for r in rows] == [p["total_ms"] / 1000 for p in image_two["polygons"]]
    assert chart(page, "scatter").get_by_test_id("download-csv").get_attribute("download") == \
        "labour-vertices-vs-seconds-image-2.csv"

    # Back to the dataset, then one person: their own figures.
    page.get_by_test_id("filter-image").select_option("")
    page.wait_for_selector(READY)
    assert_headline(page, scripted_ledger["summary"])
    solo = min(scripted_ledger["summary"]["people"], key=lambda p: p["polygons"])
    mine = summary_of(server, annotator=solo["person"])
    assert mine["totals"]["polygons"] == 1
    page.get_by_test_id("filter-person").select_option(solo["person"])
    page.wait_for_function("""() => document.querySelector('[data-testid="labour-dashboard"]').dataset.state
        === "ready" && document.querySelector('[data-testid="total-polygons-value"]').textContent === "1" """)
    assert_headline(page, mine)
    assert [r["person"] for r in table_rows(page.get_by_test_id("table-people"))] == [solo["person"]]
    assert_no_js_errors(js_errors)


def test_names_appear_only_when_the_instructor_asks(scripted_ledger, page, js_errors):
    server = scripted_ledger["server"]
    open_dashboard(page, server.url)  # the page holds the instructor's cookie
    assert "session-alpha-1" not in page.get_by_test_id("labour-dashboard").inner_text()
    with page.expect_response(lambda r: "names=1" in r.url):
        page.get_by_test_id("show-names").check()
    page.wait_for_function("""() => document.querySelector('[data-testid="labour-dashboard"]').dataset.state
        === "ready" && document.querySelector('[data-testid="table-people"] td[data-key="name"]')""")
    people = table_rows(page.get_by_test_id("table-people"))
    assert {row["name"] for row in people} == {"session-alpha-1", "session-gamma-1"}  # the names they joined with
    assert "session-gamma-1" in page.get_by_test_id("filter-person").inner_text()
    page.get_by_test_id("show-names").uncheck()
    page.wait_for_selector(READY)
    page.wait_for_function("""() => !document.querySelector('[data-testid="table-people"] td[data-key="name"]')""")
    assert_no_js_errors(js_errors)


def test_names_and_labels_are_shown_as_text_never_run(scripted_ledger, page, js_errors):
    """A class and a person named like markup (edited into the server's answer) appear as text; nothing runs."""
    server = scripted_ledger["server"]
    evil = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'
    formula = "=HYPERLINK(\"http://example.invalid\",\"x\")"

    def poison(route: Any) -> None:
        summary = route.fetch().json()
        for group in (summary["polygons"], summary["classes"]):
            for row in group:
                if row["category"] == "car":
                    row["category"] = evil
        for group in (summary["polygons"], summary["people"], summary["sessions"]):
            for row in group:
                row["name"] = formula
        route.fulfill(status=200, content_type="application/json", body=json.dumps(summary))

    page.route("**/api/labour/summary.json*", poison)
    open_dashboard(page, server.url)
    assert page.evaluate("() => window.__pwned") is None
    assert page.locator("[data-testid=labour-dashboard] img, [data-testid=labour-dashboard] script").count() == 0
    classes = table_rows(page.get_by_test_id("table-classes"))
    assert evil in [row["category"] for row in classes]
    assert page.get_by_test_id("filter-person").locator("option").nth(1).inner_text().startswith(formula)
    _, rows = downloaded_csv(page, page.get_by_test_id("breakdown-people").get_by_test_id("download-csv"))
    assert {row["name"] for row in rows} == {"'" + formula}
    assert page.evaluate("() => window.__pwned") is None
    assert_no_js_errors(js_errors)


def test_an_empty_ledger_gets_a_friendly_message_and_no_charts(live_server, page, js_errors):
    open_dashboard(page, live_server.url, state="empty")
    message = page.get_by_test_id("empty-message")
    assert message.is_visible()
    assert "No polygons recorded" in message.inner_text()
    assert page.locator("canvas").count() == 0
    assert headline_value(page, "polygons") == "0"
    assert headline_value(page, "median") == "–"
    assert page.get_by_test_id("status").inner_text() == ""
    assert_no_js_errors(js_errors)


def test_a_participant_sees_no_names_checkbox(start_server, page, js_errors):
    server = start_server(load_samples=False, extra_env={"ANNOTATOR_INSTRUCTOR_TOKEN": "a-secret-for-the-test"})
    page.goto(server.url + "join")
    page.get_by_label("Your name").fill("Amara")
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(server.url)
    open_dashboard(page, server.url, state="empty")
    assert page.get_by_test_id("show-names").count() == 0
    assert "your own record" in page.get_by_test_id("labour-dashboard").inner_text()
    assert page.get_by_test_id("filter-person").locator("option").first.inner_text() == "Me"
    assert_no_js_errors(js_errors)
