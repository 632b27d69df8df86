"""The agreement page in Chromium: two participants outline one object in their own browsers, the instructor
sees both outlines, the IoU, the confusion, a pixel's class counts and the disagreement map; participants see
it once shared, under "You" and "Person N"."""

from __future__ import annotations

import re
from typing import Any

from tests.e2e.conftest import WORKSHOP_TOKEN, LiveServer, assert_no_js_errors

TOKEN = WORKSHOP_TOKEN
SCENE = 1  # sample scene_01.jpg, 1280 x 720, with ground truth
# Two 200 x 200 squares, the second 40 px to the right: 32,000 shared pixels of 48,000 -> IoU 0.667.
AMARA = [200, 200, 400, 200, 400, 400, 200, 400]
BO = [240, 200, 440, 200, 440, 400, 240, 400]




def csrf(page: Any) -> dict[str, str]:
    return {"X-CSRFToken": page.locator('meta[name="csrf-token"]').get_attribute("content")}


def join_and_outline(page: Any, server: LiveServer, name: str, points: list[int], category: int) -> None:
    """Join through the API from the join page, then save one outline the way the editor's sync does."""
    page.goto(server.url)
    assert "/join" in page.url
    headers = csrf(page)
    joined = page.request.post(f"{server.url}api/join", data={"name": name}, headers=headers)
    assert joined.status == 201, joined.text()
    saved = page.request.post(f"{server.url}api/images/{SCENE}/annotations", headers=headers, data={
        "client_id": f"{name.lower()}-outline-1", "category_id": category, "parts": [{"points": points}]})
    assert saved.status == 201, saved.text()


def canvas_rgb(page: Any, x: int, y: int) -> list[int]:
    return page.evaluate("([x, y]) => [...document.getElementById('agreement-canvas').getContext('2d')"
                         ".getImageData(x, y, 1, 1).data.slice(0, 3)]", [x, y])


def colour_rgb(page: Any, css: str) -> list[int]:
    """What the browser paints for a CSS colour (the page gives people hsl() colours)."""
    return page.evaluate("""(css) => {
      const canvas = document.createElement('canvas'); canvas.width = canvas.height = 1;
      const ctx = canvas.getContext('2d'); ctx.fillStyle = css; ctx.fillRect(0, 0, 1, 1);
      return [...ctx.getImageData(0, 0, 1, 1).data.slice(0, 3)];
    }""", css)


def click_pixel(page: Any, x: int, y: int) -> None:
    box = page.get_by_test_id("agreement-canvas").bounding_box()
    page.mouse.click(box["x"] + (x + 0.5) * box["width"] / 1280, box["y"] + (y + 0.5) * box["height"] / 720)


def test_the_instructor_compares_two_participants_outlines(room, contexts):
    from playwright.sync_api import expect

    errors: list[str] = []
    amara, bo = contexts(errors), contexts(errors)
    join_and_outline(amara, room, "Amara", AMARA, 7)  # car
    join_and_outline(bo, room, "Bo", BO, 8)  # truck
    assert bo.goto(f"{room.url}agreement/{SCENE}").status == 403  # not shared yet

    teacher = contexts(errors)
    teacher.goto(f"{room.url}agreement/{SCENE}?token={TOKEN}")
    assert teacher.url == f"{room.url}agreement/{SCENE}"  # the token went into a cookie
    root = teacher.get_by_test_id("agreement")
    expect(root).to_have_attribute("data-state", "ready")
    canvas = teacher.get_by_test_id("agreement-canvas")
    expect(canvas).to_have_attribute("data-outlines", "2")
    people = teacher.get_by_test_id("people").locator("li")
    expect(people).to_have_count(2)
    expect(people.nth(0)).to_contain_text("Amara")
    expect(people.nth(1)).to_contain_text("Bo")

    # Each outline is drawn in its person's colour: Amara's left edge, Bo's right edge.
    amara_colour = people.nth(0).locator(".agreement-swatch").evaluate("el => el.style.background")
    bo_colour = people.nth(1).locator(".agreement-swatch").evaluate("el => el.style.background")
    assert canvas_rgb(teacher, 200, 300) == colour_rgb(teacher, amara_colour)
    assert canvas_rgb(teacher, 440, 300) == colour_rgb(teacher, bo_colour)
    assert canvas_rgb(teacher, 300, 300) != colour_rgb(teacher, amara_colour)  # inside: not filled

    pairwise = teacher.get_by_test_id("pairwise")
    expect(pairwise.locator("tbody tr")).to_have_count(1)
    expect(pairwise.locator('td[data-key="mean_iou"]')).to_have_text("0.667")
    expect(pairwise.locator('td[data-key="objects_both"]')).to_have_text("1")
    confusion = teacher.get_by_test_id("confusions").locator("tbody tr")
    expect(confusion).to_have_count(1)
    expect(confusion.locator('td[data-key="a"]')).to_have_text("car")
    expect(confusion.locator('td[data-key="b"]')).to_have_text("truck")
    expect(teacher.get_by_test_id("summary")).to_have_text(
        "2 people, 1 object; 0 of the 1 outlined by several people got one class from everyone.")

    # The object list picks out one object's outlines.
    button = teacher.get_by_test_id("objects").get_by_role("button")
    expect(button).to_have_text("object 1: car ×1 / truck ×1 · 2 people · IoU 0.667")
    button.click()
    expect(canvas).to_have_attribute("data-selected", "1")
    members = teacher.get_by_test_id("object-members").locator("tbody tr")
    expect(members).to_have_count(2)
    expect(members.nth(1).locator('td[data-key="category"]')).to_have_text("truck")
    teacher.keyboard.press("Escape")
    expect(canvas).to_have_attribute("data-selected", "")

    # A click on the image: who gave that pixel which class. (Browsers report clicks in whole CSS pixels,
    # and the image is shown smaller than it is, so the pixel hit may be a neighbour of the one aimed at.)
    click_pixel(teacher, 300, 300)
    panel = teacher.get_by_test_id("pixel-panel")
    expect(panel).to_contain_text(re.compile(r"Pixel \((299|300|301), (299|300|301)\): 2 of 2 labelled it"))
    expect(panel.locator("li")).to_have_text(["car: 1 person (Amara)", "truck: 1 person (Bo)"])
    click_pixel(teacher, 220, 300)
    expect(panel).to_contain_text(re.compile(r"Pixel \((219|220|221), (299|300|301)\): 1 of 2 labelled it"))
    expect(panel.locator("li")).to_have_text(["car: 1 person (Amara)", "unlabelled: 1 person"])

    # The disagreement map over the image.
    heat = teacher.get_by_test_id("heat")
    expect(heat).to_be_hidden()
    teacher.get_by_test_id("toggle-heat").check()
    expect(heat).to_be_visible()
    expect(teacher.get_by_test_id("heat-legend")).to_be_visible()
    teacher.wait_for_function("() => { const img = document.querySelector('[data-testid=heat]'); "
                              "return img.complete && img.naturalWidth === 1280; }")

    # The sample scene has ground truth: the squares match none of its objects.
    truth = teacher.get_by_test_id("truth-people").locator("tbody tr")
    expect(truth).to_have_count(2)
    expect(truth.nth(0).locator('td[data-key="matched"]')).to_have_text("0")

    csv_url = teacher.get_by_test_id("download-csv").get_attribute("href")
    csv_text = teacher.request.get(f"{room.url.rstrip('/')}{csv_url}").text()
    assert "pair,1," in csv_text and ",Amara," in csv_text and ",car,truck,0.667" in csv_text

    # Shared: Bo sees the same figures, as "You" beside "Person 1", without Amara's name.
    headers = {**csrf(teacher), "Content-Type": "application/json"}
    shared = teacher.request.put(f"{room.url}api/workshop", data={"share_layers": True}, headers=headers)
    assert shared.status == 200, shared.text()
    bo.goto(f"{room.url}agreement/{SCENE}")
    expect(bo.get_by_test_id("agreement")).to_have_attribute("data-state", "ready")
    expect(bo.get_by_test_id("people").locator(".agreement-person-name")).to_have_text(["Person 1", "You"])
    expect(bo.get_by_test_id("pairwise").locator('td[data-key="mean_iou"]')).to_have_text("0.667")
    assert "Amara" not in bo.get_by_test_id("agreement").inner_text()
    assert re.search(r"Pixel|Click the image", bo.get_by_test_id("pixel-panel").inner_text())
    assert_no_js_errors(errors)


def test_the_agreement_page_is_one_click_from_the_gallery_card_and_the_editor(room, contexts):
    """The card's link is whole and clickable (it was clipped by the card), the editor's toolbar has one too;
    a participant sees neither until the layers are shared."""
    from playwright.sync_api import expect

    errors: list[str] = []
    amara, instructor = contexts(errors), contexts(errors, viewport=(1366, 768))
    join_and_outline(amara, room, "Amara", AMARA, 26)
    amara.goto(room.url)
    expect(amara.locator(f'.card[data-image-id="{SCENE}"]')).to_be_visible()
    expect(amara.get_by_test_id("compare-link")).to_have_count(0)
    amara.goto(f"{room.url}annotate/{SCENE}")
    expect(amara.locator("#editor")).to_have_attribute("data-state", "ready")
    expect(amara.get_by_test_id("compare-link")).to_have_count(0)

    instructor.goto(f"{room.url}?token={TOKEN}")
    card = instructor.locator(f'.card[data-image-id="{SCENE}"]')
    link = card.get_by_test_id("compare-link")
    expect(link).to_be_visible()
    card_box, link_box = card.bounding_box(), link.bounding_box()
    assert link_box["height"] >= 12 and link_box["y"] + link_box["height"] <= card_box["y"] + card_box["height"]
    link.click()
    instructor.wait_for_url(re.compile(rf"/agreement/{SCENE}$"))
    expect(instructor.get_by_test_id("agreement")).to_be_visible()

    instructor.goto(f"{room.url}annotate/{SCENE}")
    expect(instructor.locator("#editor")).to_have_attribute("data-state", "ready")
    instructor.locator(".toolbar").get_by_test_id("compare-link").click()
    instructor.wait_for_url(re.compile(rf"/agreement/{SCENE}$"))
    assert_no_js_errors(errors)
