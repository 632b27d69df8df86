"""The flags page in Chromium: two participants flag outlines and propose classes through the API from their own
browsers; the instructor accepts one proposal, merges another and resolves a single flag with the page's buttons;
a participant sees the same page read-only, names hidden and reasons as text."""

from __future__ import annotations

import csv
import io
from typing import Any

from tests.e2e.conftest import WORKSHOP_TOKEN, LiveServer, assert_no_js_errors

TOKEN = WORKSHOP_TOKEN
SQUARE = [{"points": [400, 300, 520, 300, 520, 420, 400, 420]}]
READY = '[data-testid="flags-page"][data-state="ready"]'




class Browser:
    """A participant's browser that talks to the API as the editor does: page.request, CSRF from the meta tag."""

    def __init__(self, page: Any, server: LiveServer, name: str) -> None:
        self.page, self.url = page, server.url
        page.goto(f"{server.url}join")
        self.csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
        joined = self.post("api/join", {"name": name})
        assert joined.status == 201, joined.text()
        self.made = 0

    def post(self, path: str, body: dict) -> Any:
        return self.page.request.post(self.url + path, data=body, headers={"X-CSRFToken": self.csrf})

    def outline(self, image_id: int, **fields: Any) -> dict:
        self.made += 1
        response = self.post(f"api/images/{image_id}/annotations",
                             {"client_id": f"{id(self):x}-{self.made:04d}", "parts": SQUARE, **fields})
        assert response.status == 201, response.text()
        return response.json()["annotation"]

    def propose(self, name: str, definition: str, annotation_ids: list[int]) -> dict:
        response = self.post("api/proposals", {"name": name, "definition": definition,
                                               "annotation_ids": annotation_ids})
        assert response.status == 201, response.text()
        return response.json()["proposal"]


def card(page: Any, proposal: dict) -> Any:
    return page.locator(f'[data-testid="proposal-card"][data-proposal-id="{proposal["id"]}"]')


def flag_card(page: Any, annotation_id: int) -> Any:
    return page.locator(f'[data-testid="flag-card"][data-annotation-id="{annotation_id}"]')


def test_the_instructor_accepts_and_merges_proposals_and_resolves_a_flag_on_the_flags_page(room, contexts):
    from playwright.sync_api import expect

    errors: list[str] = []
    amara = Browser(contexts(errors, viewport=(1400, 1000)), room, "Amara")
    ben = Browser(contexts(errors, viewport=(1400, 1000)), room, "<b>Ben</b>")
    classes = {c["name"]: c["id"] for c in amara.page.request.get(f"{room.url}api/categories").json()["items"]}

    reason = "<img src=x onerror=alert(1)> stands on it"
    scooter_outline = amara.outline(1, flag={"kind": "none_fits", "reason": reason})
    scooter = amara.propose("e-scooter", "A standing electric scooter.", [scooter_outline["id"]])
    kerb_outline = ben.outline(2, category_id=classes["sidewalk"])
    kerb = ben.propose("kerb", "The raised edge between road and sidewalk.", [kerb_outline["id"]])
    unsure = ben.outline(1, category_id=classes["car"], flag={"kind": "unsure", "reason": "a van?"})
    assert unsure["category_id"] == classes["void/unknown"]

    teacher = contexts(errors, viewport=(1400, 1000))
    teacher.goto(f"{room.url}flags?token={TOKEN}")
    teacher.wait_for_selector(READY)
    expect(teacher.get_by_test_id("summary")).to_have_text(
        "3 flags (3 open, 0 decided) · 2 proposed classes (2 open)")
    expect(card(teacher, scooter).get_by_test_id("proposal-definition")).to_have_text("A standing electric scooter.")
    expect(card(teacher, kerb)).to_contain_text("Proposed by <b>Ben</b> (annotator-")  # the name, as text
    example = flag_card(card(teacher, scooter), scooter_outline["id"])
    expect(example.get_by_test_id("flag-reason")).to_have_text(reason)
    expect(example.get_by_test_id("flag-person")).to_contain_text("Amara")
    assert teacher.locator('img[src="x"]').count() == 0
    teacher.wait_for_function("""() => [...document.querySelectorAll('.flag-thumb')]
        .every((img) => img.complete && img.naturalWidth > 0 && img.naturalWidth <= 240)""")

    card(teacher, scooter).get_by_test_id("accept").click()
    expect(card(teacher, scooter).get_by_test_id("proposal-status")).to_have_text("Accepted: now the class e-scooter")
    card(teacher, kerb).get_by_test_id("merge-class").select_option(label="sidewalk")
    card(teacher, kerb).get_by_test_id("merge").click()
    expect(card(teacher, kerb).get_by_test_id("proposal-status")).to_have_text("Merged into sidewalk")
    flag_card(teacher, unsure["id"]).get_by_test_id("resolve-class").select_option(label="truck")
    flag_card(teacher, unsure["id"]).get_by_test_id("resolve").click()
    expect(flag_card(teacher, unsure["id"]).get_by_test_id("flag-resolution")).to_have_text("Reclassed as truck")
    expect(teacher.get_by_test_id("summary")).to_have_text("3 flags (0 open, 3 decided) · 2 proposed classes (0 open)")

    # What the server now says: a new class in the label set, every outline with its decided class.
    categories = {c["name"]: c for c in ben.page.request.get(f"{room.url}api/categories").json()["items"]}
    assert categories["e-scooter"]["definition"] == "A standing electric scooter."
    decided = {item["id"]: item for item in ben.page.request.get(f"{room.url}api/flags").json()["items"]}
    assert decided[scooter_outline["id"]]["category"]["name"] == "e-scooter"
    assert decided[scooter_outline["id"]]["resolution"] == "accepted"
    assert decided[kerb_outline["id"]]["category"]["name"] == "sidewalk"
    assert decided[kerb_outline["id"]]["guess"]["name"] == "sidewalk"
    assert decided[unsure["id"]]["category"]["name"] == "truck"

    # The room's view: the same flags, read-only, pseudonyms instead of names.
    amara.page.goto(f"{room.url}flags")
    amara.page.wait_for_selector(READY)
    expect(card(amara.page, scooter).get_by_test_id("proposal-status")).to_have_text(
        "Accepted: now the class e-scooter")
    expect(flag_card(amara.page, scooter_outline["id"]).get_by_test_id("flag-reason")).to_have_text(reason)
    assert amara.page.get_by_test_id("decide").count() == 0 and amara.page.get_by_test_id("resolve").count() == 0
    assert "Ben" not in amara.page.get_by_test_id("proposals").inner_text()

    with teacher.expect_download() as download:
        teacher.get_by_test_id("download-flags").click()
    with open(download.value.path(), encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(io.StringIO(handle.read())))
    assert sorted(row["resolution"] for row in rows) == ["accepted", "merged", "reclassed"]
    assert {row["name"] for row in rows} == {"Amara", "<b>Ben</b>"}
    assert_no_js_errors(errors)


def test_an_instructor_decision_that_fails_is_reported_on_the_page(room, contexts):
    from playwright.sync_api import expect

    errors: list[str] = []
    amara = Browser(contexts(errors, viewport=(1400, 1000)), room, "Amara")
    proposal = amara.propose("kerb", "", [])
    teacher = contexts(errors, viewport=(1400, 1000))
    teacher.goto(f"{room.url}flags?token={TOKEN}")
    teacher.wait_for_selector(READY)
    expect(card(teacher, proposal).get_by_test_id("proposal-definition")).to_have_text("No definition given.")
    # Someone else decides first (another tab): this page's button now meets a 409 and says so.
    response = teacher.request.post(f"{room.url}api/proposals/{proposal['id']}/reject", data={"note": "dup"},
                                    headers={"X-CSRFToken": teacher.locator('meta[name="csrf-token"]')
                                             .get_attribute("content")})
    assert response.status == 200, response.text()
    card(teacher, proposal).get_by_test_id("accept").click()
    expect(teacher.get_by_test_id("status")).to_contain_text("Not saved: proposal: proposal")
    expect(teacher.get_by_test_id("status")).to_contain_text("is already decided (rejected)")
    assert_no_js_errors(errors)
