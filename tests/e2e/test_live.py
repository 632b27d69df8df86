"""The instructor's live view (/live) in Chromium against a real `annotator serve` in workshop mode: it updates by
itself as participants join and save, the room's human time ticks up, names stay text, a lost connection is shown
and recovers, and a full room of 60 with long names fits a projector at 1920 x 1080 and at 1280 x 720 whole."""

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


FIRST = ["Bartholomew", "Maximilianus", "Oluwaseun", "Siobhán Ní", "Krzysztofa", "Anneliese", "Guðmundur",
         "Nguyễn Thị", "Alessandra", "Mohammed Al"]
LAST = ["Nakamura-Okonkwo", "Alexandropoulos", "Adebayo-Johnson", "Dhubhghaill-Fitzgerald", "Wiśniewska-Brzęczy",
        "Vanderhoeven-Smit", "Sigurðardóttir", "Thanh-Hương", "Castellanos-Ruiz", "Rashidi-Haddad"]
# Sixty long names as people type them, a few at the 40-character limit, one a single 40-letter word.
LONG_NAMES = [f"{FIRST[n % 10]} {LAST[(n * 3 + n // 10) % 10]}"[:37] + f" {n}" for n in range(58)] + [
    "Wolfeschlegelsteinhausenbergerdorffvoral", "Maria-Magdalena von Hohenzollern-Sigmari"]
# Every name and status as shown: its whole text, nothing overflowing or ellipsised, inside its card, on screen.
SHOWN = """(nodes) => nodes.map((node) => {
  const style = getComputedStyle(node);
  const box = node.getBoundingClientRect();
  const card = node.closest('[data-testid="person"]').getBoundingClientRect();
  return { text: node.textContent, overflowX: node.scrollWidth - node.clientWidth,
    overflowY: node.scrollHeight - node.clientHeight, ellipsis: style.textOverflow === "ellipsis",
    nowrapHidden: style.whiteSpace === "nowrap" && style.overflow !== "visible", font: parseFloat(style.fontSize),
    inCard: box.left >= card.left - 0.5 && box.right <= card.right + 0.5 && box.bottom <= card.bottom + 0.5,
    onScreen: box.top >= 0 && box.bottom <= innerHeight && box.left >= 0 && box.right <= innerWidth };
})"""


def test_sixty_long_names_fit_a_projector_whole(workshop, browser, js_errors):
    """Sixty people with long names, at 1920 x 1080 and at 1280 x 720: every card on screen without scrolling,
    every name and status word whole (wrapped or set smaller, never cut or "…"), the join address and its code
    on screen, and the Debrief button going to /debrief."""
    from playwright.sync_api import expect

    for number, name in enumerate(LONG_NAMES):
        http = joined(workshop, name)
        if number % 3:
            ScriptedEditor(workshop, number % 8 + 1, f"page-{number:03d}", http=http).draw(
                f"outline-{number:03d}", search=1_000, gaps=[0, 500, 500, 500, 500], category=7)
    for width, height, smallest in ((1920, 1080, 16), (1280, 720, 16 * 720 / 1080)):
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(15_000)
        page = context.new_page()
        page.on("pageerror", lambda error: js_errors.append(str(error)))
        page.goto(f"{workshop.url}live?token={TOKEN}")
        expect(page.get_by_test_id("person")).to_have_count(60)
        expect(page.get_by_test_id("live")).to_have_attribute("data-density", "dense")
        page.wait_for_timeout(500)  # a tick: the statuses' words as they stay
        where = f"at {width} x {height}"
        assert page.get_by_test_id("live").get_attribute("data-pages") == "1", f"the cards page {where}"
        assert page.evaluate("document.documentElement.scrollHeight <= innerHeight"), f"the page scrolls {where}"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        boxes = page.get_by_test_id("person").evaluate_all(
            "(cards) => cards.map((c) => c.getBoundingClientRect().toJSON())")
        assert max(box["bottom"] for box in boxes) <= height and max(box["right"] for box in boxes) <= width

        names = page.get_by_test_id("person-name").evaluate_all(SHOWN)
        assert sorted(name["text"] for name in names) == sorted(LONG_NAMES)
        statuses = page.get_by_test_id("person-status").evaluate_all(SHOWN)
        assert {status["text"] for status in statuses} == {"active", "joined"}
        for shown in names + statuses:
            assert shown["overflowX"] <= 0 and shown["overflowY"] <= 0, (where, shown)
            assert not shown["ellipsis"] and not shown["nowrapHidden"], (where, shown)
            assert shown["inCard"] and shown["onScreen"], (where, shown)
        regular = [name["font"] for name in names if " " in name["text"]]
        assert min(regular) >= smallest, f"names too small to read from the back of the room {where}"
        assert min(name["font"] for name in names) >= 0.7 * smallest  # the 40-letter word, set smaller

        for testid in ("room-address-url", "room-address-qr", "debrief-link", "room-total"):
            box = page.get_by_test_id(testid).bounding_box()
            assert box["y"] >= 0 and box["y"] + box["height"] <= height and box["x"] + box["width"] <= width, testid
        if width == 1920:
            total_size = page.get_by_test_id("room-total").evaluate("(n) => parseFloat(getComputedStyle(n).fontSize)")
            assert total_size >= 64
        else:
            page.get_by_test_id("debrief-link").click()
            page.wait_for_url(f"{workshop.url}debrief")
            expect(page.get_by_test_id("debrief")).to_have_attribute("data-state", "ready")
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
