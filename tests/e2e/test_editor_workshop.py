"""The editor in workshop mode, in Chromium against a real `annotator serve` with an instructor token: each
participant in their own browser context, driven by the real mouse and keyboard.

- Layers: a participant's outlines are theirs alone until the instructor shares layers; then others see them
  read-only (not selectable, not draggable, not deletable: the server's copy stays as it was) and can switch
  each person's layer off, which the browser remembers.
- Next image: saves everything first (and stays put if it cannot), then opens the next image; says so when
  there is none left.
- Flags: the side panel flags the selected polygon ("unsure", "none of the classes fits" with a proposed class)
  as an undoable edit; the server stores it.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.conftest import WORKSHOP_TOKEN, LiveServer, assert_no_js_errors
from tests.e2e.conftest import join_through_the_form as join
from tests.e2e.editor_driver import (
    READY,
    assert_ring,
    click,
    client,
    csrf,
    inside,
    open_editor,
    ring,
    state,
    wait_saved,
)

pytestmark = pytest.mark.e2e

TOKEN = WORKSHOP_TOKEN
IMAGE_ID = 1
AMARA_SQUARE = [(300.0, 200.0), (500.0, 200.0), (500.0, 400.0), (300.0, 400.0)]



@pytest.fixture
def people(contexts) -> Any:
    """A factory of pages, one person per browser, sharing one list of JS errors (`people.errors`)."""
    errors: list[str] = []

    def new_page() -> Any:
        return contexts(errors)

    new_page.errors = errors
    return new_page


# --- helpers -------------------------------------------------------------------------------------------------





def draw(page, points: list[tuple[float, float]]) -> None:
    if state(page)["tool"] != "polygon":
        page.keyboard.press("p")
    for point in points:
        click(page, point)
    page.keyboard.press("Enter")



def as_instructor(page, server: LiveServer, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """An instructor's API call, with the token header and the page's CSRF token."""
    answer = page.request.fetch(f"{server.url}{path}", method=method, data=body,
                                headers={"X-Instructor-Token": TOKEN, "X-CSRFToken": csrf(page)})
    assert answer.ok, answer.text()
    return answer.json()


def items_of(page, server: LiveServer, image_id: int = IMAGE_ID) -> list[dict[str, Any]]:
    """The image's annotations as the server gives them to this page's person."""
    answer = page.request.get(f"{server.url}api/images/{image_id}/annotations")
    assert answer.ok, answer.text()
    return answer.json()["items"]


def void_id(page, server: LiveServer) -> int:
    classes = page.request.get(f"{server.url}api/categories").json()["items"]
    return next(c["id"] for c in classes if c["name"] == "void/unknown")


# --- layers --------------------------------------------------------------------------------------------------


def test_layers_are_private_until_shared_then_read_only_and_switchable(room, people) -> None:
    from playwright.sync_api import expect

    amara, bo, teacher = people(), people(), people()
    join(amara, room, "Amara")
    join(bo, room, "Bo")

    # Amara draws with real clicks.
    open_editor(amara, room)
    draw(amara, AMARA_SQUARE)
    wait_saved(amara)
    [theirs] = items_of(amara, room)
    assert theirs["mine"] is True and theirs["owner"]["name"] == "Amara"

    # Bo does not see it: no layer, no polygon.
    open_editor(bo, room)
    assert state(bo)["annotations"] == []
    expect(bo.locator("#layers-panel")).to_be_hidden()

    # The instructor shares the layers; Bo reloads and sees Amara's polygon, read-only.
    teacher.goto(f"{room.url}workshop?token={TOKEN}")
    assert as_instructor(teacher, room, "PUT", "api/workshop", {"share_layers": True})["settings"]["share_layers"]
    bo.reload()
    bo.wait_for_function(READY)
    [shown] = state(bo)["annotations"]
    assert shown["mine"] is False and shown["owner"]["name"] == "Amara" and shown["visible"] is True
    assert_ring(ring({"parts": shown["parts"]}), AMARA_SQUARE)
    expect(bo.locator("#layers-panel")).to_be_visible()
    expect(bo.locator(".layer-row:not(.mine) .layer-name")).to_have_text("Amara")
    expect(bo.locator(".layer-row:not(.mine) .layer-count")).to_have_text("1")
    expect(bo.locator("#polygon-list li")).to_have_count(0)  # the list holds Bo's own polygons only

    # Not selectable, not draggable, not deletable.
    bo.keyboard.press("v")
    click(bo, inside(AMARA_SQUARE))
    assert state(bo)["selectedId"] is None
    for start in (inside(AMARA_SQUARE), AMARA_SQUARE[0]):
        bo.mouse.move(*client(bo, start))
        bo.mouse.down()
        bo.mouse.move(*client(bo, (start[0] + 80, start[1] + 60)), steps=6)
        bo.mouse.up()
    bo.keyboard.press("Delete")
    bo.keyboard.press("Control+z")
    assert state(bo)["selectedId"] is None and not state(bo)["canUndo"]
    assert state(bo)["pendingSaves"] == 0
    [after] = state(bo)["annotations"]
    assert after["parts"] == shown["parts"] and after["version"] == 1
    [server_copy] = items_of(amara, room)
    assert server_copy["version"] == 1 and server_copy["parts"] == theirs["parts"]

    # Snapping to a visible layer works: Bo's vertex lands exactly on Amara's corner.
    near_corner = (AMARA_SQUARE[1][0] + 3, AMARA_SQUARE[1][1] + 2)
    bo.keyboard.press("p")
    bo.mouse.move(*client(bo, near_corner))
    bo.keyboard.down("Shift")
    click(bo, near_corner)
    bo.keyboard.up("Shift")
    for point in [(650.0, 200.0), (650.0, 300.0)]:
        click(bo, point)
    bo.keyboard.press("Enter")
    wait_saved(bo)
    mine = [item for item in items_of(bo, room) if item["mine"]]
    assert len(mine) == 1 and mine[0]["parts"][0]["points"][:2] == [500, 200]
    assert items_of(amara, room)[0]["version"] == 1  # snapping onto it changed nothing of Amara's

    # Bo switches Amara's layer off: not drawn, not snapped to; remembered across a reload.
    bo.locator(".layer-row:not(.mine) label").click()
    bo.wait_for_function("() => window.annotatorEditor.state().annotations.some((a) => !a.mine && !a.visible)")
    hidden = state(bo)
    key = shown["owner"]["id"]
    assert hidden["layers"]["choices"] == {key: False}
    expect(bo.locator("#layers-others")).not_to_be_checked()
    near_other_corner = (AMARA_SQUARE[3][0] + 4, AMARA_SQUARE[3][1] - 3)
    bo.keyboard.press("p")
    bo.mouse.move(*client(bo, near_other_corner))
    bo.keyboard.down("Shift")
    click(bo, near_other_corner)  # nothing visible to snap to: the vertex stays where it was clicked
    bo.keyboard.up("Shift")
    for point in [(200.0, 600.0), (100.0, 500.0)]:
        click(bo, point)
    bo.keyboard.press("Enter")
    wait_saved(bo)
    unsnapped = [item for item in items_of(bo, room) if item["mine"]][-1]
    assert_ring(ring(unsnapped)[:1], [near_other_corner])
    bo.reload()
    bo.wait_for_function(READY)
    assert state(bo)["layers"]["choices"] == {key: False}
    expect(bo.locator(".layer-row:not(.mine) input")).not_to_be_checked()
    # "All others" brings every other layer back.
    bo.locator("#layers-others").click()
    bo.wait_for_function("() => window.annotatorEditor.state().annotations.every((a) => a.visible)")
    # Bo's own layer can be hidden too; drawing still works and the new polygon shows.
    bo.locator(".layer-row.mine label").click()
    bo.wait_for_function("() => window.annotatorEditor.state().annotations.some((a) => a.mine && !a.visible)")
    draw(bo, [(800.0, 500.0), (900.0, 500.0), (900.0, 600.0)])
    wait_saved(bo)
    newest = state(bo)["annotations"][-1]
    assert newest["mine"] and newest["visible"]

    # The instructor sees everyone's outlines, read-only as well.
    open_editor(teacher, room)
    by_owner = {a["owner"]["name"]: a for a in state(teacher)["annotations"]}
    assert set(by_owner) == {"Amara", "Bo"} and not any(a["mine"] for a in by_owner.values())
    teacher.keyboard.press("v")
    click(teacher, inside(AMARA_SQUARE))
    assert state(teacher)["selectedId"] is None
    assert_no_js_errors(people.errors)


# --- next image ----------------------------------------------------------------------------------------------


def test_next_image_saves_first_stays_when_it_cannot_and_says_when_all_are_done(room, people) -> None:
    from playwright.sync_api import expect

    teacher, amara = people(), people()
    teacher.goto(f"{room.url}workshop?token={TOKEN}")
    as_instructor(teacher, room, "PUT", "api/workshop", {"assignment": "same", "image_ids": [3, 5]})
    join(amara, room, "Amara")
    open_editor(amara, room, 3)
    expect(amara.get_by_test_id("image-progress")).to_have_text("Image 1 of 2")

    # The server cannot be reached: the polygon waits in the browser, and Next image stays on this image.
    amara.route(re.compile(r".*/api/.*"), lambda route: route.continue_() if route.request.method == "GET"
                else route.abort("connectionrefused"))
    draw(amara, AMARA_SQUARE)
    amara.get_by_role("button", name="Next image").click()
    expect(amara.locator("#message")).to_contain_text("Not everything is saved")
    assert amara.url.endswith("/annotate/3")
    assert state(amara)["pendingSaves"] == 1

    # Reachable again: Next image sends the polygon first, then opens image 5.
    amara.unroute_all()
    amara.get_by_role("button", name="Next image").click()
    amara.wait_for_url(re.compile(r".*/annotate/5$"))
    amara.wait_for_function(READY)
    [saved] = items_of(amara, room, 3)
    assert_ring(ring(saved), AMARA_SQUARE)
    expect(amara.get_by_test_id("image-progress")).to_have_text("Image 2 of 2")

    # Shift+N on the last image: a page with what the work amounted to and the way to the receipt.
    amara.keyboard.press("Shift+N")
    amara.wait_for_url(re.compile(r".*/finished$"))
    expect(amara.get_by_test_id("finished-name")).to_have_text("Amara")
    expect(amara.get_by_test_id("finished-objects")).to_have_text("1")
    expect(amara.get_by_test_id("finished-clicks")).to_have_text("4")
    expect(amara.get_by_test_id("finished-time")).to_have_text(re.compile(r"^\d+(\.\d)? sec$|^\d+ min( \d\d sec)?$"))
    expect(amara.get_by_role("heading", name="What happens next")).to_be_visible()
    amara.get_by_test_id("finished-receipt").click()
    amara.wait_for_url(re.compile(r".*/receipt$"))
    expect(amara.get_by_test_id("receipt-title")).to_have_text("My receipt")
    assert_no_js_errors(people.errors)


# --- flags ---------------------------------------------------------------------------------------------------


def test_flag_and_propose_through_the_panel(room, people) -> None:
    from playwright.sync_api import expect

    amara = people()
    join(amara, room, "Amara")
    open_editor(amara, room)
    car = next(c for c in amara.request.get(f"{room.url}api/categories").json()["items"] if c["name"] == "car")
    amara.locator(f'.class-button[data-category-id="{car["id"]}"]').click()
    draw(amara, AMARA_SQUARE)
    wait_saved(amara)
    expect(amara.locator("#flag-panel")).to_be_hidden()  # nothing selected
    amara.keyboard.press("v")
    click(amara, inside(AMARA_SQUARE))
    expect(amara.locator("#flag-panel")).to_be_visible()

    # Unsure, with a reason: stored under void/unknown with the pick kept; the list shows a badge.
    amara.locator("#flag-kind").select_option("unsure")
    amara.locator("#flag-reason").click()
    amara.keyboard.type("half hidden <behind> the bus")
    amara.get_by_role("button", name="Save flag").click()
    wait_saved(amara)
    [item] = items_of(amara, room)
    assert item["flag"]["kind"] == "unsure" and item["flag"]["reason"] == "half hidden <behind> the bus"
    assert item["category_id"] == void_id(amara, room) and item["flag"]["category_id"] == car["id"]
    badge = amara.locator("#polygon-list .polygon-flag")
    expect(badge).to_have_text("?")
    expect(badge).to_have_attribute("title", "Unsure: half hidden <behind> the bus")
    assert state(amara)["annotations"][0]["categoryId"] == car["id"]  # the editor keeps showing the pick

    # It is an edit like any other: Ctrl+Z takes it back, on the server too.
    amara.keyboard.press("Control+z")
    wait_saved(amara)
    [item] = items_of(amara, room)
    assert item["flag"] is None and item["category_id"] == car["id"]
    expect(amara.locator("#polygon-list .polygon-flag")).to_have_count(0)

    # A proposal whose name is an existing class: the server's detail is shown, nothing is flagged.
    amara.locator("#flag-kind").select_option("none_fits")
    amara.locator("#flag-propose summary").click()
    amara.locator("#proposal-name").fill("Car")
    amara.get_by_role("button", name="Save flag").click()
    expect(amara.locator("#flag-message")).to_contain_text("already a class")
    assert items_of(amara, room)[0]["flag"] is None

    # None of the classes fits, proposing "tuk-tuk": the flag links the new proposal.
    amara.locator("#proposal-name").fill("tuk-tuk")
    amara.locator("#proposal-definition").fill("A three-wheeled motor taxi.")
    amara.locator("#flag-reason").fill("a motor rickshaw")
    amara.get_by_role("button", name="Save flag").click()
    expect(amara.locator("#flag-message")).to_contain_text("Flagged")
    wait_saved(amara)
    [item] = items_of(amara, room)
    assert item["flag"]["kind"] == "none_fits" and item["flag"]["reason"] == "a motor rickshaw"
    proposals = amara.request.get(f"{room.url}api/proposals").json()["items"]
    [proposal] = [p for p in proposals if p["name"] == "tuk-tuk"]
    assert item["flag"]["proposal_id"] == proposal["id"]
    assert proposal["definition"] == "A three-wheeled motor taxi."
    assert [example["annotation_id"] for example in proposal["examples"]] == [item["id"]]
    expect(amara.locator("#polygon-list .polygon-flag")).to_have_text("⚑")
    expect(amara.locator("#proposal-linked")).to_contain_text(f"proposal no. {proposal['id']}")
    assert item["version"] == state(amara)["annotations"][0]["version"]  # no stale version left behind

    # The instructor decides (gives it the class "truck"): after a reload the decision shows, read-only, and the
    # class can no longer be changed from the editor.
    truck = next(c for c in amara.request.get(f"{room.url}api/categories").json()["items"] if c["name"] == "truck")
    teacher = people()
    teacher.goto(f"{room.url}workshop?token={TOKEN}")
    as_instructor(teacher, room, "POST", f"api/annotations/{item['id']}/resolve", {"category_id": truck["id"]})
    amara.reload()
    amara.wait_for_function(READY)
    assert state(amara)["annotations"][0]["categoryId"] == truck["id"]
    expect(amara.locator("#polygon-list .polygon-flag")).to_have_text("✓")
    amara.keyboard.press("v")
    click(amara, inside(AMARA_SQUARE))
    expect(amara.locator("#flag-decided")).to_contain_text("Decided: the instructor gave it another class")
    expect(amara.locator("#flag-form")).to_be_hidden()
    amara.keyboard.press("1")
    expect(amara.locator("#message")).to_contain_text("instructor has decided")
    wait_saved(amara)
    assert items_of(amara, room)[0]["category_id"] == truck["id"]
    assert_no_js_errors(people.errors)
