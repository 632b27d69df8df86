"""The instructor's live view (/live) in Chromium against a real `annotator serve` in workshop mode: it updates by
itself as participants join and save, the room's human time ticks up, names stay text, a lost connection is shown
and recovers, and a full room of 60 fits a 1920 x 1080 projector."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from tests.e2e.conftest import ScriptedEditor, assert_no_js_errors
from tests.e2e.formats import read_duration

TOKEN = "live-room-token-for-tests"


@pytest.fixture
def workshop(start_server: Any) -> Any:
    return start_server(extra_env={"ANNOTATOR_INSTRUCTOR_TOKEN": TOKEN})


def joined(server: Any, name: str) -> requests.Session:
    """A participant's browser that joined under `name`, as the join page does it."""
    http = requests.Session()
    html = http.get(f"{server.url}join").text
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)
    response = http.post(f"{server.url}api/join", json={"name": name}, headers={"X-CSRFToken": csrf})
    assert response.status_code == 201, response.text
    return http


def total_seconds(text: str) -> float:
    """"3 hr 12 min" -> 11520.0, "6.8 sec" -> 6.8: a shown duration (common/format.js) in seconds."""
    return read_duration(text) / 1000


def card(page: Any, name: str) -> Any:
    return page.get_by_test_id("person").filter(has=page.get_by_test_id("person-name").get_by_text(name, exact=True))


def test_the_live_view_follows_the_room_by_itself(workshop, browser, js_errors):
    from playwright.sync_api import expect

    scenes = {image["id"]: image["file_name"] for image in requests.get(
        f"{workshop.url}api/images", headers={"X-Instructor-Token": TOKEN}).json()["items"]}
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("pageerror", lambda error: js_errors.append(str(error)))
    page.goto(f"{workshop.url}live?token={TOKEN}")
    assert page.url == f"{workshop.url}live"  # the token became a cookie and left the address
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("empty")).to_be_visible()
    expect(page.get_by_test_id("room-total")).to_have_text("0 sec")

    amara = joined(workshop, "Amara")
    expect(card(page, "Amara").get_by_test_id("person-status")).to_have_text("joined")
    expect(page.get_by_test_id("empty")).to_be_hidden()

    ScriptedEditor(workshop, 1, "amara-scene-1", http=amara).draw(
        "amara-car-1", search=3_000, gaps=[0, 1_000, 1_000, 1_000, 800], category=7)
    bo_page = ScriptedEditor(workshop, 2, "bo-scene-2", http=joined(workshop, "Bo"))
    bo_page.draw("bo-car-1", search=2_000, gaps=[0, 900, 900, 900, 500], category=7)
    bo_page.draw("bo-road-1", search=4_000, gaps=[0, 1_500, 1_500, 1_500, 500], category=1)
    xss = '<b id="bold">Cy</b>'
    joined(workshop, xss)

    amara_card, bo_card = card(page, "Amara"), card(page, "Bo")
    expect(amara_card.get_by_test_id("person-status")).to_have_text("active")
    expect(amara_card.get_by_test_id("person-image")).to_have_text(scenes[1])
    expect(amara_card.get_by_test_id("person-objects")).to_have_text("1 object")
    expect(amara_card.get_by_test_id("person-objects-here")).to_have_text("1 here")
    expect(amara_card.get_by_test_id("person-thumb")).to_have_attribute("src", "/images/1/thumbnail")
    expect(bo_card.get_by_test_id("person-image")).to_have_text(scenes[2])
    expect(bo_card.get_by_test_id("person-objects")).to_have_text("2 objects")
    expect(bo_card.get_by_test_id("person-objects-here")).to_have_text("2 here")
    expect(bo_card).to_have_attribute("data-status", "active")
    expect(page.get_by_test_id("active-now")).to_have_text("2")
    expect(page.get_by_test_id("people-count")).to_have_text("3")
    expect(page.get_by_test_id("objects-total")).to_have_text("3")
    # Names are text: the would-be markup shows as typed and makes no element.
    expect(card(page, xss).get_by_test_id("person-status")).to_have_text("joined")
    assert page.locator("#bold").count() == 0
    assert page.get_by_test_id("person-name").all_text_contents() == ["<b id=\"bold\">Cy</b>", "Amara", "Bo"]

    # The room's human time: at least the ledger's (Amara 6.8 s, Bo 5.2 s + 9 s), then ticking up by itself
    # while the two are active, without any new event.
    ledger_ms = requests.get(f"{workshop.url}api/labour/summary.json",
                             headers={"X-Instructor-Token": TOKEN}).json()["totals"]["active_ms"]
    assert ledger_ms == 21_000
    total = page.get_by_test_id("room-total")
    expect(total).not_to_have_text("0 sec")
    first = total_seconds(total.text_content())
    assert first >= 21
    page.wait_for_function("""(first) => {
        const text = document.querySelector('[data-testid="room-total"]').textContent;
        const units = {hr: 3600, min: 60, sec: 1};
        const parts = [...text.matchAll(/([\\d.]+) (hr|min|sec)\\b/g)];
        const seconds = parts.reduce((sum, m) => sum + m[1] * units[m[2]], 0);
        return seconds >= first + 3;
    }""", arg=first, timeout=15_000)
    assert total_seconds(amara_card.get_by_test_id("person-time").text_content()) >= 6

    # A poll that fails says so, and the page recovers by itself.
    page.route("**/api/workshop/live", lambda route: route.abort())
    expect(page.get_by_test_id("connection")).to_be_visible()
    expect(page.get_by_test_id("connection")).to_contain_text("Connection lost, retrying")
    page.unroute("**/api/workshop/live")
    expect(page.get_by_test_id("connection")).to_be_hidden()
    expect(page.get_by_test_id("live")).to_have_attribute("data-connection", "ok")
    context.close()
    assert_no_js_errors(js_errors)


def test_participants_cannot_open_the_live_view(workshop, page):
    joined_http = joined(workshop, "Amara")
    page.context.add_cookies([{"name": cookie.name, "value": cookie.value, "url": workshop.url}
                              for cookie in joined_http.cookies])
    response = page.goto(f"{workshop.url}live")
    assert response.status == 403
    assert page.get_by_test_id("live").count() == 0
    assert "instructor only" in page.content()


def test_sixty_people_fit_a_projector(workshop, browser, js_errors):
    from playwright.sync_api import expect

    for number in range(60):
        http = joined(workshop, f"Participant {number + 1:02d} with a longish name")
        if number % 3:
            ScriptedEditor(workshop, number % 8 + 1, f"page-{number:03d}", http=http).draw(
                f"outline-{number:03d}", search=1_000, gaps=[0, 500, 500, 500, 500], category=7)
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.on("pageerror", lambda error: js_errors.append(str(error)))
    page.goto(f"{workshop.url}live?token={TOKEN}")
    expect(page.get_by_test_id("person")).to_have_count(60)
    expect(page.get_by_test_id("live")).to_have_attribute("data-density", "dense")
    boxes = page.get_by_test_id("person").evaluate_all(
        "(cards) => cards.map((c) => c.getBoundingClientRect().toJSON())")
    assert max(box["bottom"] for box in boxes) <= 1080, "the last row of cards runs off the screen"
    assert max(box["right"] for box in boxes) <= 1920
    sizes = page.get_by_test_id("person-name").evaluate_all(
        "(names) => names.map((n) => parseFloat(getComputedStyle(n).fontSize))")
    assert min(sizes) >= 16, "names too small to read from the back of a room"
    total_size = page.get_by_test_id("room-total").evaluate("(n) => parseFloat(getComputedStyle(n).fontSize)")
    assert total_size >= 64
    context.close()
    assert_no_js_errors(js_errors)


def test_a_phone_joins_from_the_qr_code_on_the_live_view(start_server, browser, js_errors):
    """Served to the room as an instructor does: the live view shows the first address `serve` printed, and a
    screenshot of its QR code decodes (zxing-cpp) to that address, which opens the join page."""
    import io

    import zxingcpp
    from PIL import Image
    from playwright.sync_api import expect

    room = start_server(load_samples=False, host="0.0.0.0", extra_env={"ANNOTATOR_INSTRUCTOR_TOKEN": TOKEN})
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    page.on("pageerror", lambda error: js_errors.append(str(error)))
    page.goto(f"{room.url}live?token={TOKEN}")
    expect(page.get_by_test_id("live")).to_have_attribute("data-state", "ready")
    printed = room.stdout_path.read_text()
    participants = re.findall(r"^Participants: open (\S+)", printed, re.M)
    # The first printed address; a machine with no network at all falls back to loopback and says so.
    assert participants[:1] == [room.url] or "participants cannot reach this computer" in printed, printed
    expect(page.get_by_test_id("room-address-url")).to_have_text(room.url)
    qr = page.get_by_test_id("room-address-qr")
    expect(qr).to_be_visible()
    box = qr.bounding_box()
    assert box["width"] >= 140 and box["y"] + box["height"] <= 1080  # on screen, large enough for a phone
    decoded = [found.text for found in zxingcpp.read_barcodes(Image.open(io.BytesIO(qr.screenshot())))]
    assert decoded == [room.url]
    assert "/join" in requests.get(decoded[0], timeout=10).url  # what the phone then opens

    page.goto(f"{room.url}workshop")  # the instructor's cookie from the live view
    expect(page.get_by_test_id("room-address-qr")).to_be_visible()
    expect(page.get_by_test_id("room-address-url")).to_have_text(room.url)
    context.close()
    assert_no_js_errors(js_errors)
