"""The personal receipt at /receipt, in Chromium: the figures shown are the ledger's, the pay panel's wage and the
scale-up result follow from them, the record downloads, and only the instructor gets the pay editor."""

from __future__ import annotations

import csv
import io
import os
import statistics
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.e2e.conftest import WORKSHOP_TOKEN, ScriptedEditor, assert_no_js_errors
from tests.e2e.formats import duration, duration_step, hours, js_round, money, read_duration

INSTRUCTOR = {"X-Instructor-Token": WORKSHOP_TOKEN}  # scripted_ledger serves a workshop

TOKEN = "receipt-room-token-for-tests"


# --- helpers ---------------------------------------------------------------------------------------------------


def person_summary(http: requests.Session, url: str, annotator: str) -> dict[str, Any]:
    response = http.get(f"{url}api/labour/summary.json", params={"annotator": annotator})
    assert response.status_code == 200, response.text
    return response.json()


def copy_cookies(http: requests.Session, context: Any, url: str) -> None:
    """The scripted person's browser cookies (Flask's "session") into a Playwright context: the page is them."""
    cookies = [{"name": cookie.name, "value": cookie.value, "url": url} for cookie in http.cookies]
    assert any(cookie["name"] == "session" for cookie in cookies)
    context.add_cookies(cookies)


def text(page: Any, testid: str, within: Any = None) -> str:
    return (within or page).locator(f"[data-testid={testid}]").first.inner_text().strip()


def wait_for_receipt(page: Any) -> None:
    page.wait_for_selector("[data-testid=receipt][aria-busy=false]")


def assert_figures_match(page: Any, mine: dict[str, Any]) -> None:
    """Every figure of the receipt against the person's summary from the API."""
    totals = mine["totals"]
    assert text(page, "receipt-polygons") == str(totals["polygons"])
    deleted = sum(1 for polygon in mine["polygons"] if polygon["deleted"])
    assert text(page, "receipt-deleted") == (f"including {deleted} deleted: it is still counted, the work was done"
                                             if deleted == 1 else "none deleted" if not deleted else
                                             f"including {deleted} deleted: they are still counted, the work was done")
    assert text(page, "receipt-vertices") == str(totals["vertices_placed"])
    assert text(page, "receipt-clicks").startswith(f"{totals['clicks']} click")
    assert text(page, "receipt-idle-minutes").startswith(f"idle time dropped: {duration(totals['session_idle_ms'])}")
    assert text(page, "receipt-images") == str(totals["images"])
    assert_split_adds_up(page, mine)

    ordered = sorted(mine["polygons"], key=lambda polygon: polygon["total_ms"])
    for testid, polygon in (("receipt-slowest-row", ordered[-1]), ("receipt-fastest-row", ordered[0])):
        row = page.locator(f"[data-testid={testid}]").first
        assert row.get_attribute("data-annotation") == polygon["annotation"]
        assert text(page, "object-class", row).startswith(polygon["category"])
        assert text(page, "object-file", row) == polygon["file_name"]
        assert text(page, "object-seconds", row) == duration(polygon["total_ms"])
        assert text(page, "object-vertices", row) == str(polygon["vertices"])
        href = row.locator("[data-testid=object-replay]").get_attribute("href")
        assert href == f"/replay/{polygon['image_id']}?annotation={polygon['annotation']}"
    assert ordered[-1]["total_ms"] == totals["slowest_ms"] and ordered[0]["total_ms"] == totals["fastest_ms"]

    rows = page.locator("[data-testid=receipt-class-row]")
    assert rows.count() == len(mine["classes"])
    for group in mine["classes"]:
        row = page.locator(f"[data-testid=receipt-class-row][data-category='{group['category']}']")
        durations = [p["total_ms"] for p in mine["polygons"] if p["category"] == group["category"]]
        assert group["mean_ms"] == round(statistics.fmean(durations), 1)
        assert text(page, "class-polygons", row) == str(group["polygons"])
        assert text(page, "class-mean", row) == duration(group["mean_ms"])
        assert text(page, "class-median", row) == duration(group["median_ms"])


def assert_split_adds_up(page: Any, mine: dict[str, Any]) -> None:
    """"Where the time went": draw, search, edit, cancelled drawings and looking around, each as the ledger
    says, and the shown figures add up exactly to the active time shown (here and on the card above), in the
    step the active time is shown to (a tenth of a second, a second or a minute)."""
    totals = mine["totals"]
    assert text(page, "receipt-active-minutes") == text(page, "receipt-split-total")
    assert text(page, "receipt-split-total") == duration(totals["active_ms"])  # as every page shows it
    step = duration_step(totals["active_ms"])
    total = js_round(read_duration(text(page, "receipt-split-total")) / step)
    assert total == js_round(totals["active_ms"] / step)
    shown = {name: js_round(read_duration(text(page, f"receipt-split-{name}")) / step)
             for name in ("draw", "search", "edit", "cancelled", "other")}
    assert sum(shown.values()) == total, (shown, total)
    assert page.locator("[data-testid=receipt-split-unassigned]").count() == 0  # the buckets hold it all
    for name, value in shown.items():  # each as the ledger says, to within the rounding that makes them add up
        assert abs(value - totals[f"{name}_ms"] / step) <= 1, (name, value, totals[f"{name}_ms"])


def assert_pay_wage(page: Any, pay: dict[str, Any], mine: dict[str, Any]) -> None:
    """The pay panel's effective hourly wage = earnings / hours of labour spent under the default model; a
    piece rate pays only the live outlines (and the images holding them)."""
    model = pay["pay_models"][pay["model"]]
    totals = mine["totals"]
    live = [polygon for polygon in mine["polygons"] if not polygon["deleted"] and polygon["closed"]]
    units = {"polygon": len(live), "image": len({polygon["image_id"] for polygon in live}),
             "hour": totals["active_ms"] / 3_600_000}[model["unit"]]
    wage = model["value"] * units / (totals["active_ms"] / 3_600_000)
    figure = page.locator("[data-testid=receipt-pay] .pay-results dt:text-is('Effective hourly wage') + dd .pay-figure")
    assert figure.inner_text() == f"{money(wage, model['currency'])}/h"


def assert_scale_up(page: Any, mine: dict[str, Any], typed: str, images: int) -> None:
    """Scaled by the person's pace per object (all active time over the live outlines) times the dataset's
    published objects per image (Cityscapes by default) times the images typed: not by images."""
    live = [polygon for polygon in mine["polygons"] if not polygon["deleted"] and polygon["closed"]]
    ms_per_object = mine["totals"]["active_ms"] / len(live)
    box = page.locator("[data-testid=receipt-scale]")
    box.locator("[data-testid=scale-images]").fill(typed)
    expected = ms_per_object * 18.8 * images / 3_600_000
    assert box.locator("[data-testid=scale-hours]").inner_text() == hours(expected)
    assert float(box.locator("[data-testid=scale-result]").get_attribute("data-hours")) == pytest.approx(expected)
    assert f"labelling {images:,} images of Cityscapes" in box.locator("[data-testid=scale-result]").inner_text()


# --- the tests -------------------------------------------------------------------------------------------------


def test_instructor_views_a_persons_receipt_with_the_ledgers_figures(scripted_ledger, page, js_errors) -> None:
    server, room = scripted_ledger["server"], scripted_ledger["summary"]
    person = next(entry["person"] for entry in room["people"] if entry["polygons"] == 4)  # the one with the delete
    http = requests.Session()
    http.headers.update(INSTRUCTOR)
    mine = person_summary(http, server.url, person)
    pay = http.get(f"{server.url}api/pay").json()

    page.goto(f"{server.url}receipt?annotator={person}")
    wait_for_receipt(page)
    assert text(page, "receipt-person") == f"for {person}"
    assert_figures_match(page, mine)
    assert "including 1 deleted" in text(page, "receipt-deleted")
    assert_pay_wage(page, pay, mine)
    assert_scale_up(page, mine, "12,345", 12_345)

    # A preset sets its published image count, shown with its source.
    page.locator("[data-testid=scale-preset-coco]").click()
    assert page.locator("[data-testid=scale-images]").input_value() == "328,000"
    assert "Source: Lin et al." in text(page, "scale-result-source")
    assert "secondary source" in text(page, "scale-ref-mapillary-vistas")

    # The record downloads: this person's events only.
    csv_link = page.locator("[data-testid=receipt-download-csv]")
    assert csv_link.get_attribute("href") == f"/api/labour/events.csv?annotator={person}"
    with page.expect_download() as info:
        csv_link.click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert rows and {row["person"] for row in rows} == {person}
    assert len(rows) == len(http.get(f"{server.url}api/labour/events.csv",
                                     params={"annotator": person}).text.strip().splitlines()) - 1

    assert page.locator("[data-testid=receipt-pay-editor]").count() == 1  # single-user mode: the instructor
    if os.environ.get("RECEIPT_SCREENSHOT"):
        page.set_viewport_size({"width": 1280, "height": 900})
        page.locator("[data-testid=scale-images]").fill("5,000")
        page.screenshot(path=os.environ["RECEIPT_SCREENSHOT"], full_page=True)
    assert_no_js_errors(js_errors)


def test_a_participant_sees_their_own_receipt(scripted_ledger, page, js_errors) -> None:
    """The page is the scripted person's browser (their cookies): /receipt with no query is their record."""
    server = scripted_ledger["server"]
    editor = ScriptedEditor(server, 3, "session-delta-1")
    editor.draw("poly-bus-d", search=2_000, gaps=[0, 1_500, 1_500, 1_500, 1_000], category=7)
    editor.draw("poly-car-d", search=3_000, gaps=[0, 800, 800, 800, 800, 600], category=7)
    mine = person_summary(editor.http, server.url, "me")
    assert mine["totals"]["polygons"] == 2 and len(mine["people"]) == 1
    copy_cookies(editor.http, page.context, server.url)

    page.goto(f"{server.url}receipt")
    wait_for_receipt(page)
    assert mine["people"][0]["person"] in text(page, "receipt-person")
    assert "the name your work carries in exported datasets" in text(page, "receipt-person")  # what a pseudonym is
    assert_figures_match(page, mine)
    assert_pay_wage(page, editor.http.get(f"{server.url}api/pay").json(), mine)
    assert_scale_up(page, mine, "5000", 5000)
    assert page.locator("[data-testid=receipt-download-json]").get_attribute("href") == \
        "/api/labour/summary.json?annotator=me"
    with page.expect_download() as info:
        page.locator("[data-testid=receipt-download-csv]").click()
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8"))))
    assert {row["person"] for row in rows} == {mine["people"][0]["person"]}
    assert {row["annotation"] for row in rows} - {""} == {"poly-bus-d", "poly-car-d"}
    assert_no_js_errors(js_errors)


def test_in_a_room_a_participant_gets_no_pay_editor_and_only_their_own_record(start_server, browser) -> None:
    server = start_server(load_samples=True, extra_env={"ANNOTATOR_INSTRUCTOR_TOKEN": TOKEN})
    participant = ScriptedEditor(server, 1, "session-room-1")
    participant.draw("poly-room-a", search=2_500, gaps=[0, 1_000, 1_000, 1_000, 1_000], category=7)
    other = ScriptedEditor(server, 2, "session-room-2")
    other.draw("poly-room-b", search=1_000, gaps=[0, 700, 700, 700, 700], category=7)
    mine = person_summary(participant.http, server.url, "me")
    theirs = person_summary(other.http, server.url, "me")["people"][0]["person"]

    errors: list[str] = []
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        copy_cookies(participant.http, context, server.url)
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.url}receipt")
        wait_for_receipt(page)
        assert_figures_match(page, mine)
        assert page.locator("[data-testid=receipt-pay] .pay-panel").count() == 1
        assert page.locator("[data-testid=receipt-pay-editor]").count() == 0

        page.goto(f"{server.url}receipt?annotator={theirs}")
        wait_for_receipt(page)
        assert "Only the instructor" in text(page, "receipt-error")
        assert page.locator("[data-testid=receipt-stats]").count() == 0
        assert_no_js_errors(errors)
    finally:
        context.close()

    # The instructor (token given once in the address) gets the editor, and saving a rate reaches the server.
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{server.url}receipt?token={TOKEN}&annotator={mine['people'][0]['person']}")
        wait_for_receipt(page)
        assert_figures_match(page, mine)
        editor = page.locator("[data-testid=receipt-pay-editor]")
        editor.locator("summary").click()
        editor.locator("fieldset.pay-edit-model").first.locator("input[name=value]").fill("0.02")
        editor.locator("button[type=submit]").click()
        page.wait_for_selector(".pay-edit-status:text-is('Saved.')")
        stored = requests.get(f"{server.url}api/pay").json()
        assert stored["pay_models"]["per_polygon"]["value"] == 0.02 and stored["defaults"] is False
        assert_pay_wage(page, stored, mine)  # the panel was redrawn with the saved settings
        assert_no_js_errors(errors)
    finally:
        context.close()


def test_no_work_yet_is_a_friendly_page_pointing_to_the_gallery(live_server, page, js_errors) -> None:
    page.goto(f"{live_server.url}receipt")
    wait_for_receipt(page)
    empty = page.locator("[data-testid=receipt-empty]")
    assert "Nothing on your receipt yet" in empty.inner_text()
    assert empty.locator("[data-testid=receipt-gallery-link]").get_attribute("href") == "/"
    assert page.locator("[data-testid=receipt-stats]").count() == 0
    assert_no_js_errors(js_errors)


def test_the_receipt_adds_up_with_a_cancelled_drawing_and_pays_apart_from_labour_spent(live_server, page,
                                                                                       js_errors) -> None:
    """A participant outlines a car on sample scene 1, starts a second outline and cancels it, outlines a bus
    and deletes it, then looks around. Every counted second is in one bucket on the receipt, the cancelled
    drawing's too; the pay panel pays the one live outline but shows all the labour spent."""
    editor = ScriptedEditor(live_server, 1, "session-kappa-1")
    editor.draw("poly-car-k", search=3_000, gaps=[0, 1_000, 1_000, 1_000, 800], category=7)
    editor.send([editor.event(2_500, "draw-start", "poly-gone-k", category=7),
                 editor.event(0, "vertex", "poly-gone-k", point=[10, 10], provenance="click", index=0),
                 editor.event(1_200, "vertex", "poly-gone-k", point=[90, 10], provenance="click", index=1),
                 editor.event(1_500, "cancel", "poly-gone-k")])
    bus = editor.draw("poly-bus-k", search=2_000, gaps=[0, 900, 900, 900, 700], category=7)
    response = editor.http.delete(f"{live_server.url}api/annotations/{bus['id']}", headers=editor.headers, json={
        "version": 1, "session_id": editor.session_id, "sent_t": editor.t + 1_500,
        "events": [editor.event(1_500, "delete", "poly-bus-k")]})
    assert response.status_code == 200, response.text
    editor.send([editor.event(4_000, "zoom")])
    mine = person_summary(editor.http, live_server.url, "me")
    totals = mine["totals"]
    assert totals["cancelled_drawings"] == 1 and totals["cancelled_ms"] == 5_200
    buckets = sum(totals[f"{name}_ms"] for name in ("draw", "search", "edit", "cancelled", "other"))
    assert buckets == pytest.approx(totals["active_ms"], abs=0.5)
    earned = editor.http.get(f"{live_server.url}api/pay/earnings", params={"annotator": "me"}).json()
    assert earned["paid"] == {"polygons": 1, "images": 1, "polygons_ms": 6_800.0}
    assert earned["spent"]["deleted"] == 1 and earned["spent"]["cancelled"] == 1
    copy_cookies(editor.http, page.context, live_server.url)

    page.goto(f"{live_server.url}receipt")
    wait_for_receipt(page)
    assert_figures_match(page, mine)  # the split adds up to the active time shown, cancelled drawing included
    assert text(page, "receipt-split-cancelled") == "5.2 sec"
    assert "plus 1 drawing cancelled before closing" in text(page, "receipt-cancelled")

    pay = page.locator("[data-testid=receipt-pay]")
    assert text(page, "pay-spent", pay) == f"{duration(totals['active_ms'])} of active time"
    measured = pay.locator("[data-testid=pay-measured]").inner_text()
    assert "2 outlines (1 deleted, 1 cancelled drawing) on 1 image" in measured
    assert text(page, "pay-paid", pay) == "1 live, closed outline"
    assert "pays each live, closed outline" in text(page, "pay-basis", pay)
    assert text(page, "pay-unpaid", pay).startswith("Unpaid under this model:")
    model = earned["earnings"][earned["model"]]
    assert pay.locator(".pay-results dt:text-is('Earned') + dd .pay-figure").inner_text() == \
        money(model["amount"], model["currency"])
    assert_pay_wage(page, editor.http.get(f"{live_server.url}api/pay").json(), mine)

    scale = page.locator("[data-testid=receipt-scale]")
    assert text(page, "scale-coverage-count", scale) == "scene_01.jpg: you outlined 1 of the 77 objects in this image"
    assert_scale_up(page, mine, "5,000", 5_000)
    assert_no_js_errors(js_errors)
