"""The debrief (/debrief) in Chromium against a real `annotator serve` in workshop mode, on a scripted ledger:
the big numbers are the labour summary's, the scaled and paid figures are the page's model run on that summary,
the time-lapse plays, every number opens its source, names stay text, and a shared debrief opens for a
participant."""

from __future__ import annotations

import re
from typing import Any

import requests

from tests.e2e.conftest import WORKSHOP_TOKEN, ScriptedEditor, assert_no_js_errors, join_through_the_form
from tests.e2e.formats import hours, number

HOSTILE = '<img src=x onerror="window.pwned=1">Cy'
BIG = {"person-hours": "active_ms", "objects": "polygons", "vertices": "vertices", "clicks": "clicks"}

# The page's own model (static/js/debrief/model.js), imported next to page.js and run on the summary the test
# fetched, with the presets and pay settings the page loads.
RUN_THE_MODEL = """async (summary) => {
  const page = document.querySelector('script[type="module"][src*="/js/debrief/page.js"]').src;
  const { debriefModel } = await import(new URL("./model.js", page));
  const get = (url) => fetch(url, { headers: { Accept: "application/json" } }).then((answer) => answer.json());
  const [presets, pay] = await Promise.all([get("/api/labour/presets"), get("/api/pay")]);
  const model = debriefModel(summary, presets.presets, pay);
  return { pace: model.pace.msPerObject, classes: model.classes.map((row) => [row.category, row.msPerObject]),
    scaled: model.scaled.map((row) => [row.id, row.hours, row.publishedHours]),
    paid: model.paid.rows.flatMap((row) => Object.entries(row.pay).map(([name, result]) =>
      [`${row.key}-${name}`, result.amount])),
    hours: model.paid.rows.map((row) => [row.key, row.hours]) };
}"""

# Press Play and watch the clock frame by frame until the film stops: the room's time and the outlines drawn.
PLAY_AND_WATCH = """() => new Promise((resolve) => {
  const clock = document.querySelector('[data-testid="film-clock"]');
  const root = document.querySelector('[data-testid="debrief"]');
  const seen = [];
  document.querySelector('[data-testid="film-play"]').click();
  const started = performance.now();
  function sample() {
    seen.push([Number(clock.dataset.roomMs), Number(clock.dataset.drawn)]);
    if (root.dataset.film === "paused" || performance.now() - started > 20000) resolve(seen);
    else requestAnimationFrame(sample);
  }
  requestAnimationFrame(sample);
})"""

INKED = """() => [...document.querySelectorAll('[data-testid="film-tile"]')].map((tile) => {
  const canvas = tile.querySelectorAll("canvas")[0];
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let index = 3; index < pixels.length; index += 4) if (pixels[index] > 0) inked += 1;
  return [Number(tile.dataset.image), inked];
})"""


def summary_of(server: Any) -> dict[str, Any]:
    return requests.get(f"{server.url}api/labour/summary.json", headers={"X-Instructor-Token": WORKSHOP_TOKEN},
                        timeout=30).json()


def test_the_debrief_shows_the_room_s_labour(scripted_ledger, page, js_errors):
    from playwright.sync_api import expect

    server = scripted_ledger["server"]
    http = requests.Session()  # a third person, who typed markup as their name, draws on scene 3
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', http.get(f"{server.url}join").text).group(1)
    assert http.post(f"{server.url}api/join", headers={"X-CSRFToken": csrf}, json={"name": HOSTILE}).status_code == 201
    hostile = ScriptedEditor(server, 3, "session-delta-1", http=http)
    hostile.draw("poly-person-d", search=2_000, gaps=[0, 700, 700, 700, 500], category=5)
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(f"{server.url}debrief")
    expect(page.get_by_test_id("debrief")).to_have_attribute("data-state", "ready")
    summary = summary_of(server)
    assert summary["totals"]["people"] == 3 and summary["totals"]["polygons"] == 6

    # The big numbers are the summary's totals, shown as every page shows them.
    for key, field in BIG.items():
        tile = page.get_by_test_id(f"big-{key}")
        assert tile.get_attribute("data-field") == field
        assert float(tile.get_attribute("data-raw")) == summary["totals"][field]
        raw = summary["totals"][field]
        expect(tile.get_by_test_id("big-value")).to_have_text(hours(raw / 3_600_000) if key == "person-hours"
                                                              else number(raw, 0))
        box, value = tile.bounding_box(), tile.get_by_test_id("big-value").bounding_box()
        assert value["height"] >= 48 and value["x"] + value["width"] <= box["x"] + box["width"]  # one line, whole

    # Pace, scale-up and pay: the page's model on that same summary gives exactly what is shown.
    model = page.evaluate(RUN_THE_MODEL, summary)
    assert float(page.get_by_test_id("pace-value").get_attribute("data-value")) == model["pace"]
    shown_classes = page.get_by_test_id("class-row").evaluate_all(
        "(rows) => rows.map((row) => [row.dataset.category, Number(row.dataset.value)])")
    assert shown_classes == model["classes"] and len(shown_classes) == 3
    assert [row[0] for row in model["scaled"]] == ["cityscapes-fine", "coco"]
    for dataset, scaled_hours, published in model["scaled"]:
        assert float(page.get_by_test_id(f"scale-hours-{dataset}").get_attribute("data-value")) == scaled_hours
        assert float(page.get_by_test_id(f"published-hours-{dataset}").get_attribute("data-value")) == published
    assert len(model["paid"]) == 9  # the room, Cityscapes and COCO under three pay models
    for key, amount in model["paid"]:
        assert float(page.get_by_test_id(f"pay-{key}").get_attribute("data-value")) == amount
    for key, worked in model["hours"]:
        assert float(page.get_by_test_id(f"pay-hours-{key}").get_attribute("data-value")) == worked

    # The time-lapse: Play runs the room's clock from the start, and the outlines appear as it passes their close.
    timeline = requests.get(f"{server.url}api/debrief/timeline", headers={"X-Instructor-Token": WORKSHOP_TOKEN},
                            timeout=30).json()
    assert len(timeline["outlines"]) == 6 and page.get_by_test_id("film-tile").count() == 3
    assert 55_000 < timeline["end_ms"] - timeline["start_ms"] < 120_000  # the scripts' clocks: about a minute
    page.get_by_test_id("film-speed").select_option("60")  # an hour in 60 s: this minute in one second
    seen = page.evaluate(PLAY_AND_WATCH)
    times, drawn = [at for at, _ in seen], [count for _, count in seen]
    assert times == sorted(times) and times[-1] > times[0], "the clock did not advance"
    assert drawn == sorted(drawn) and drawn[0] < 6 and drawn[-1] == 6, drawn
    assert len(set(times)) >= 3  # it ran through moments, not straight to the end
    inked = dict(page.evaluate(INKED))
    assert set(inked) == {1, 2, 3} and all(count > 1000 for count in inked.values()), inked

    # Every number has its source one click away.
    page.get_by_test_id("source-person-hours").click()
    dialog = page.get_by_test_id("source-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_test_id("source-title")).to_have_text("Person-hours")
    expect(dialog.get_by_test_id("source-definition")).to_contain_text(summary["definitions"]["active_ms"])
    expect(dialog.get_by_test_id("source-link")).to_have_attribute("href", "/api/labour/summary.json")
    dialog.get_by_test_id("source-close").click()
    expect(dialog).to_be_hidden()
    page.get_by_test_id("source-scale-cityscapes-fine").click()
    expect(dialog.get_by_test_id("source-text")).to_contain_text("Cordts et al., CVPR 2016, Table 2 (exact)")
    expect(dialog.get_by_test_id("source-link")).to_have_attribute("href", re.compile(r"^https://www\.cv-foundation"))
    page.keyboard.press("Escape")
    page.get_by_test_id("source-pay-hourly").click()
    expect(dialog.get_by_test_id("source-text")).to_contain_text("Hara et al.")
    expect(dialog.get_by_test_id("source-no-link")).to_be_visible()
    page.keyboard.press("Escape")
    sources = page.locator("[data-source]").evaluate_all("(buttons) => buttons.map((b) => b.dataset.source)")
    assert {"person-hours", "objects", "vertices", "clicks", "film", "class-pace", "pace", "scale-coco",
            "published-coco", "pay-per_polygon", "pay-per_image", "pay-hourly"} <= set(sources)

    # Names are text: the credits show the hostile name as typed, and no element came of it.
    expect(page.get_by_test_id("name")).to_have_text(sorted(["session-alpha-1", "session-gamma-1", HOSTILE],
                                                            key=str.casefold))
    assert page.locator('[data-testid="credits"] img').count() == 0
    assert page.evaluate("window.pwned === undefined")
    assert_no_js_errors(js_errors)


def test_a_shared_debrief_opens_for_a_participant(room, page, contexts, js_errors):
    from playwright.sync_api import expect

    participant = contexts(js_errors)
    join_through_the_form(participant, room, "Bartholomew Nakamura-Okonkwo")
    assert participant.goto(f"{room.url}debrief").status == 403

    page.goto(f"{room.url}workshop?token={WORKSHOP_TOKEN}")
    page.get_by_test_id("debrief-link").click()  # the workshop page links the debrief
    page.wait_for_url(f"{room.url}debrief")
    expect(page.get_by_test_id("debrief")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("share-address")).to_be_hidden()
    page.get_by_test_id("share-toggle").check()
    expect(page.get_by_test_id("share-status")).to_contain_text("Shared")
    expect(page.get_by_test_id("share-url")).to_have_text(f"{room.url}debrief")

    participant.goto(f"{room.url}debrief")
    expect(participant.get_by_test_id("debrief")).to_have_attribute("data-state", "ready")
    expect(participant.get_by_test_id("big-objects").get_by_test_id("big-value")).to_have_text("0")
    assert participant.get_by_test_id("share-toggle").count() == 0
    assert participant.get_by_test_id("credits").count() == 0

    page.get_by_test_id("share-toggle").uncheck()
    expect(page.get_by_test_id("share-status")).to_contain_text("Not shared")
    assert participant.goto(f"{room.url}debrief").status == 403
    assert_no_js_errors(js_errors)
