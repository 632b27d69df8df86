"""Hostile names and labels in Chromium: text that would run if any page treated it as HTML, on every page.

A workshop server is seeded through the API with payloads that set `window.__pwned` (or load an image
from "x") if they ever became markup: two participants' display names, the label set's names,
supercategories and definitions (the editor's tooltips), a COCO-imported class, an image's file name,
proposals and their definitions, a flag reason and a decision note, and `javascript:` addresses where a
name could become a link. Then the instructor and a participant visit every page: gallery, editor (class
list and tooltips, polygon list, layers panel, flag panel with a selected polygon), labour dashboard (tables
and chart labels), receipts, replay, live view (after a poll), agreement, flags, workshop, join.

After each page: no dialog opened, window.__pwned is undefined, no request went to "x", the browser reported
no Content-Security-Policy violation (which would mean markup got in and only the policy stopped it), and
the hostile text is on screen literally where the page shows names.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.conftest import image_bytes
from tests.e2e.conftest import WORKSHOP_TOKEN, LiveServer, assert_no_js_errors, join_through_the_form

IMG = '<img src=x onerror="window.__pwned=1">'  # 38 characters: fits a display name (40)
SCRIPT = "<script>window.__pwned=1</script>"
SVG = "<svg onload=window.__pwned=1>"
LINK = "javascript:window.__pwned=1"
FILE_NAME = f"{IMG}.jpg"
WIDTH, HEIGHT = 640, 480
SQUARE = [120, 100, 320, 100, 320, 260, 120, 260]
OTHER_SQUARE = [130, 110, 330, 110, 330, 270, 130, 270]

pytestmark = pytest.mark.slow


class Instructor:
    """The instructor's HTTP session for seeding: the token cookie (as ?token= leaves it), CSRF, the header."""

    def __init__(self, server: LiveServer) -> None:
        self.url, self.http = server.url, requests.Session()
        page = self.http.get(f"{server.url}?token={WORKSHOP_TOKEN}")
        self.headers = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1),
                        "X-Instructor-Token": WORKSHOP_TOKEN}

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.http.request(method, self.url + path, headers=self.headers, **kwargs)
        assert response.status_code in (200, 201), f"{method} {path}: {response.status_code} {response.text}"
        return response.json()


class Participant:
    """A participant's browser: joined through the form, then talking to the API as the editor does."""

    def __init__(self, page: Any, server: LiveServer, name: str) -> None:
        self.page, self.url = page, server.url
        join_through_the_form(page, server, name)
        self.csrf = page.locator('meta[name="csrf-token"]').get_attribute("content")
        self.made, self.seq, self.t = 0, 0, 0.0

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = self.page.request.post(self.url + path, data=body, headers={"X-CSRFToken": self.csrf})
        assert response.status in (200, 201), f"POST {path}: {response.status} {response.text()}"
        return response.json()

    def draw(self, image_id: int, points: list[int], **fields: Any) -> dict[str, Any]:
        """A saved outline with the labour events the editor sends, so the dashboards have figures."""
        self.made += 1
        client_id, session = f"hostile-{id(self):x}-{self.made}", f"session-{id(self):x}"
        events = [self.event("draw-start", client_id),
                  *(self.event("vertex", client_id, point=points[2 * i:2 * i + 2], provenance="click", index=i)
                    for i in range(4)),
                  self.event("close", client_id)]
        return self.post(f"api/images/{image_id}/annotations", {
            "client_id": client_id, "parts": [{"points": points}], "session_id": session, "sent_t": self.t,
            "events": events, **fields})["annotation"]

    def event(self, kind: str, annotation: str, **data: Any) -> dict[str, Any]:
        self.seq, self.t = self.seq + 1, self.t + 700.0
        return {"seq": self.seq, "kind": kind, "t": self.t, "annotation": annotation,
                **({"data": data} if data else {})}

    def pseudonym(self) -> str:
        return self.page.request.get(f"{self.url}api/me").json()["annotator"]


def seed(room: LiveServer, amara: Participant, ben: Participant) -> dict[str, Any]:
    teacher = Instructor(room)
    upload = teacher.call("POST", "api/images",
                          files={"file": (FILE_NAME, io.BytesIO(image_bytes(WIDTH, HEIGHT)), "image/jpeg")})
    image = upload["items"][0]
    assert image["file_name"] == FILE_NAME
    teacher.call("PUT", "api/categories", json={"labels": [
        {"name": SCRIPT, "supercategory": IMG, "definition": f"{LINK} {IMG}"},
        {"name": IMG, "supercategory": SVG, "definition": SCRIPT},
        "car", "void/unknown"]})
    coco = {"images": [{"id": 1, "file_name": FILE_NAME, "width": WIDTH, "height": HEIGHT}],
            "categories": [{"id": 1, "name": SVG, "supercategory": LINK}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                             "segmentation": [[400, 300, 500, 300, 500, 400]]}]}
    teacher.call("POST", "api/import/coco",
                 files={"file": ("coco.json", io.BytesIO(json.dumps(coco).encode()), "application/json")})
    teacher.call("PUT", "api/workshop", json={"share_layers": True})
    classes = {c["name"]: c["id"] for c in teacher.call("GET", "api/categories")["items"]}
    assert {SCRIPT, IMG, SVG} <= set(classes)

    drawn = amara.draw(image["id"], SQUARE, category_id=classes[SCRIPT], attributes={"note": IMG})
    flagged = amara.draw(image["id"], OTHER_SQUARE, flag={"kind": "none_fits", "reason": IMG})
    proposal = amara.post("api/proposals", {"name": LINK, "definition": SCRIPT, "annotation_ids": [flagged["id"]]})
    ben.draw(image["id"], OTHER_SQUARE, category_id=classes[IMG])
    ben.draw(image["id"], SQUARE, category_id=classes[SCRIPT])
    rejected = ben.post("api/proposals", {"name": f"{SVG} (2)", "definition": IMG})["proposal"]
    teacher.call("POST", f"api/proposals/{rejected['id']}/reject", json={"note": SCRIPT})
    return {"image": image, "classes": classes, "drawn": drawn, "flagged": flagged, "proposal": proposal["proposal"],
            "amara": amara.pseudonym(), "ben": ben.pseudonym()}


# --- watching a page for anything that runs ----------------------------------------------------------------


class Watch:
    """What a page did that hostile text could cause: dialogs, requests to "x", CSP violations."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.attacker_requests: list[str] = []
        self.violations: list[str] = []
        page.on("dialog", self._dialog)
        page.on("request", self._request)
        page.on("console", self._console)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _request(self, request: Any) -> None:
        if re.search(r"/x(?:[?#]|$)", request.url) or request.url.startswith("javascript:"):
            self.attacker_requests.append(request.url)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(message.text)

    def check(self, page: Any, where: str) -> None:
        assert page.evaluate("() => window.__pwned") is None, f"{where}: a payload ran"
        assert self.dialogs == [], f"{where}: dialogs opened: {self.dialogs}"
        assert self.attacker_requests == [], f"{where}: requests to the attacker's address: {self.attacker_requests}"
        assert self.violations == [], f"{where}: markup got in, only the policy stopped it: {self.violations}"


def text_on_screen(page: Any) -> str:
    """Everything the page shows as text, tooltips (title attributes) included."""
    return page.evaluate("""() => document.body.innerText + "\\n" +
        [...document.querySelectorAll("[title]")].map((node) => node.title).join("\\n")""")


def shows(page: Any, where: str, *texts: str) -> None:
    shown = text_on_screen(page)
    for text in texts:
        assert text in shown, f"{where}: {text!r} is not on screen literally"


def no_markup_from_text(page: Any, where: str) -> None:
    """No element the payloads would make exists: no <img src=x>, no <svg onload>, no inline handler, no
    javascript: link, no script without a src but our JSON data blocks."""
    found = page.evaluate("""() => [
        ...[...document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload]')].map((n) => n.outerHTML),
        ...[...document.querySelectorAll('a[href^="javascript:" i]')].map((n) => n.outerHTML),
        ...[...document.querySelectorAll('script:not([src]):not([type="application/json"])')].map((n) => n.outerHTML),
    ]""")
    assert found == [], f"{where}: elements made from text: {found}"


def visit(page: Any, watch: Watch, server: LiveServer, path: str, ready: Callable[[Any], None],
          *shown: str) -> None:
    from playwright.sync_api import expect

    response = page.goto(server.url + path)
    assert response is not None and response.status == 200, f"{path}: {response and response.status}"
    ready(page)
    expect(page.locator("body")).to_be_visible()
    no_markup_from_text(page, path)
    shows(page, path, *shown)
    watch.check(page, path)


def state_is(selector: str, *states: str) -> Callable[[Any], None]:
    def ready(page: Any) -> None:
        page.wait_for_function(
            "([selector, states]) => states.includes(document.querySelector(selector)?.dataset.state)",
            arg=[selector, list(states)])
    return ready


def loaded(page: Any) -> None:
    page.wait_for_load_state("networkidle")


def dashboard_with_names_and_numbers(page: Any) -> None:
    """The instructor's dashboard with "Show names" ticked and every chart's numbers table open."""
    dashboard_ready = state_is('[data-testid="labour-dashboard"]', "ready")
    dashboard_ready(page)
    page.get_by_test_id("show-names").check()
    page.wait_for_selector(f'[data-testid="table-people"] td[data-key="name"] >> text="{SVG}"')
    dashboard_ready(page)
    for toggle in page.get_by_test_id("toggle-numbers").all():
        toggle.click()


EDITOR_READY = "() => window.annotatorEditor !== undefined && window.annotatorEditor.state().ready"


def editor_ready(page: Any) -> None:
    page.wait_for_function(EDITOR_READY)
    page.wait_for_load_state("networkidle")


# --- the test ------------------------------------------------------------------------------------------------


def test_hostile_names_and_labels_never_run_on_any_page(room, contexts):
    from playwright.sync_api import expect

    errors: list[str] = []
    amara = Participant(contexts(errors, viewport=(1400, 1000)), room, IMG)
    ben = Participant(contexts(errors, viewport=(1400, 1000)), room, SVG)
    seeded = seed(room, amara, ben)
    image_id = seeded["image"]["id"]

    # --- the instructor, on every page ---
    teacher = contexts(errors, viewport=(1400, 1000))
    watch = Watch(teacher)
    teacher.goto(f"{room.url}?token={WORKSHOP_TOKEN}")
    visit(teacher, watch, room, "", loaded, FILE_NAME)

    visit(teacher, watch, room, f"annotate/{image_id}", editor_ready, FILE_NAME, SCRIPT, IMG, SVG,
          f"{LINK} {IMG}")
    expect(teacher.locator("#layers-panel")).to_be_visible()
    expect(teacher.locator(".layer-row .layer-name", has_text=SVG)).to_be_visible()  # Ben's layer, by name
    expect(teacher.locator(".layer-row .layer-name", has_text=IMG)).to_be_visible()  # Amara's
    button = teacher.locator(f'.class-button[data-category-id="{seeded["classes"][SCRIPT]}"]')
    expect(button).to_have_attribute("title", f"{LINK} {IMG}")  # the definition, as the tooltip's text
    button.hover()
    watch.check(teacher, "editor: class tooltip")

    visit(teacher, watch, room, "labour", dashboard_with_names_and_numbers, IMG, SVG, SCRIPT, FILE_NAME)
    for canvas in teacher.locator("canvas").all():  # chart labels and tooltips are drawn, never markup
        if canvas.is_visible():
            canvas.hover()
    watch.check(teacher, "labour: chart tooltips")
    visit(teacher, watch, room, f"receipt?annotator={seeded['amara']}", loaded, IMG, SCRIPT)
    visit(teacher, watch, room, f"receipt?annotator={SCRIPT}", loaded)  # reflected from the address
    visit(teacher, watch, room, f"replay/{image_id}?annotation={seeded['drawn']['client_id']}",
          state_is("#replay", "ready"), FILE_NAME)

    with teacher.expect_response(lambda r: "/api/workshop/live" in r.url):  # the first poll ...
        teacher.goto(f"{room.url}live")
    with teacher.expect_response(lambda r: "/api/workshop/live" in r.url):  # ... and the next one
        pass
    visit_current(teacher, watch, "live", IMG, SVG)

    visit(teacher, watch, room, f"agreement/{image_id}", state_is("#agreement", "ready"), FILE_NAME, IMG, SVG)
    visit(teacher, watch, room, "flags", state_is('[data-testid="flags-page"]', "ready"), LINK, SCRIPT, IMG,
          f"{SVG} (2)")
    visit(teacher, watch, room, "workshop", loaded)
    visit(teacher, watch, room, f"join?next={LINK}", loaded)
    expect(teacher.get_by_role("link", name="Carry on")).not_to_have_attribute("href", re.compile("javascript"))

    # --- a participant: her own pages, others' shared layers, the flag panel on her flagged outline ---
    page = amara.page
    watch = Watch(page)
    visit(page, watch, room, "", loaded, IMG, FILE_NAME)
    visit(page, watch, room, f"annotate/{image_id}", editor_ready, FILE_NAME, SCRIPT, IMG, SVG)
    expect(page.locator(".layer-row:not(.mine) .layer-name", has_text=SVG)).to_be_visible()
    page.locator("#polygon-list li").last.locator("button").first.click()  # select the flagged outline
    expect(page.locator("#flag-panel")).to_be_visible()
    expect(page.locator("#proposal-linked")).to_contain_text(f"proposal no. {seeded['proposal']['id']}")
    expect(page.locator("#polygon-list .polygon-flag")).to_have_attribute("title", re.compile(re.escape(IMG)))
    no_markup_from_text(page, "editor: flag panel")
    watch.check(page, "editor: flag panel")
    visit(page, watch, room, "labour", state_is('[data-testid="labour-dashboard"]', "ready"), SCRIPT)
    visit(page, watch, room, "receipt", loaded, IMG, SCRIPT)
    visit(page, watch, room, "flags", state_is('[data-testid="flags-page"]', "ready"), LINK, SCRIPT, IMG)
    visit(page, watch, room, f"agreement/{image_id}", state_is("#agreement", "ready", "forbidden"))
    visit(page, watch, room, "join", loaded, IMG)

    assert_no_js_errors(errors)
    assert WORKSHOP_TOKEN not in room.stderr_path.read_text(errors="replace")  # never logged


def visit_current(page: Any, watch: Watch, where: str, *shown: str) -> None:
    no_markup_from_text(page, where)
    shows(page, where, *shown)
    watch.check(page, where)
