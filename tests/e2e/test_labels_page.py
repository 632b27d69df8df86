"""The label-set editor in Chromium, with the real mouse and keyboard: the instructor reaches it from the
workshop page, sees a class accepted on /flags, adds, renames, recolours, moves and archives classes, saves
once, and the API holds exactly those changes (the archived class keeps its id); both downloads load back
through PUT /api/categories (labels load's rule) and change nothing; an archived class comes back with its id."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.e2e.conftest import WORKSHOP_TOKEN, assert_no_js_errors

CAR, TRUCK, ROAD = 7, 8, 1  # ids in the default label set


def csrf(page) -> str:
    return page.locator('meta[name="csrf-token"]').get_attribute("content")


def accept_a_proposal(page, server) -> int:
    """A participant outlines an object and proposes "scooter" for it; the instructor accepts it (the API calls
    the /flags page makes). Answers the new class's id."""
    page.goto(server.url)
    assert page.request.post(f"{server.url}api/join", data={"name": "Amara"},
                             headers={"X-CSRFToken": csrf(page)}).status == 201
    saved = page.request.post(f"{server.url}api/images/1/annotations", headers={"X-CSRFToken": csrf(page)}, data={
        "client_id": "amara-scooter-1", "category_id": CAR, "parts": [{"points": [10, 10, 90, 10, 90, 90, 10, 90]}]})
    assert saved.status == 201, saved.text()
    proposed = page.request.post(f"{server.url}api/proposals", headers={"X-CSRFToken": csrf(page)}, data={
        "name": "scooter", "definition": "A standing electric scooter.",
        "annotation_ids": [saved.json()["annotation"]["id"]]})
    assert proposed.status == 201, proposed.text()
    page.context.clear_cookies()
    page.goto(f"{server.url}workshop?token={WORKSHOP_TOKEN}")
    accepted = page.request.post(f"{server.url}api/proposals/{proposed.json()['proposal']['id']}/accept",
                                 headers={"X-CSRFToken": csrf(page)}, data={"colour": "#12ab34"})
    assert accepted.status == 200, accepted.text()
    return next(item["id"] for item in page.request.get(f"{server.url}api/categories").json()["items"]
                if item["name"] == "scooter")


def stored(page, server) -> list[dict]:
    return [{key: item[key] for key in ("id", "name", "supercategory", "colour", "definition")}
            for item in page.request.get(f"{server.url}api/categories").json()["items"]]


def row(page, class_id: int):
    return page.locator(f'[data-testid="label-row"][data-id="{class_id}"]')


def put_file(page, server, labels: list) -> dict:
    answer = page.request.put(f"{server.url}api/categories", headers={"X-CSRFToken": csrf(page)},
                              data={"labels": labels})
    assert answer.status == 200, answer.text()
    return answer.json()


def test_the_instructor_edits_saves_exports_and_restores_the_label_set(room, contexts, tmp_path: Path):
    from playwright.sync_api import expect

    errors: list[str] = []
    page = contexts(errors, viewport=(1366, 900))
    scooter = accept_a_proposal(page, room)
    before = stored(page, room)
    page.get_by_test_id("labels-link").click()
    page.wait_for_url(re.compile(r"/labels$"))
    expect(page.get_by_test_id("label-row")).to_have_count(len(before))
    expect(row(page, scooter).get_by_test_id("label-name")).to_have_value("scooter")  # the accepted proposal
    expect(page.get_by_test_id("labels-save")).to_be_disabled()

    # Add a class with the keyboard.
    page.get_by_test_id("labels-add-name").click()
    page.keyboard.type("bollard")
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("label-row").last.get_by_test_id("label-name")).to_have_value("bollard")
    # Rename car.
    row(page, CAR).get_by_test_id("label-name").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("automobile")
    # Recolour it (the native picker is the browser's own window: its value is set as the picker would).
    row(page, CAR).get_by_test_id("label-colour").fill("#123456")
    # Move truck up with the mouse, then scooter up with the keyboard from its name field.
    row(page, TRUCK).get_by_test_id("label-up").click()
    row(page, scooter).get_by_test_id("label-name").click()
    page.keyboard.press("Alt+ArrowUp")
    expect(row(page, scooter).get_by_test_id("label-name")).to_be_focused()  # focus follows the moved row
    # Archive road.
    row(page, ROAD).get_by_test_id("label-archive").click()
    expect(page.get_by_test_id("label-archived-name")).to_have_text(["road"])

    changes = page.get_by_test_id("labels-changes")
    expect(changes.get_by_test_id("change-added")).to_have_text(["Add bollard"])
    expect(changes.get_by_test_id("change-renamed")).to_have_text(["Rename car to automobile"])
    expect(changes.get_by_test_id("change-edited")).to_have_text(["Change automobile"])
    expect(changes.get_by_test_id("change-archived")).to_have_text([re.compile(r"^Archive road")])
    page.get_by_test_id("labels-save").click()
    expect(page.get_by_test_id("labels-status")).to_contain_text("Saved.")

    expected = [dict(entry) for entry in before if entry["id"] != ROAD]
    car = next(entry for entry in expected if entry["id"] == CAR)
    car.update(name="automobile", colour="#123456")
    truck = next(i for i, entry in enumerate(expected) if entry["id"] == TRUCK)
    expected.insert(truck - 1, expected.pop(truck))
    last = expected.pop()  # scooter, added at the end when accepted, moved above the class before it
    assert last["id"] == scooter
    expected.insert(len(expected) - 1, last)
    after = stored(page, room)
    new = after.pop()
    assert (new["name"], new["id"]) == ("bollard", max(entry["id"] for entry in before) + 1)
    assert after == expected
    archived = page.request.get(f"{room.url}api/categories/archived").json()["items"]
    assert [(item["id"], item["name"]) for item in archived] == [(ROAD, "road")]  # kept, with its id
    expect(page.get_by_test_id("labels-save")).to_be_disabled()

    # Both downloads are label files that load back (labels load's rule, through PUT) with no change.
    saved = stored(page, room)
    for kind in ("json", "yaml"):
        with page.expect_download() as waiting:
            page.get_by_test_id(f"labels-export-{kind}").click()
        target = tmp_path / waiting.value.suggested_filename
        waiting.value.save_as(target)
        assert target.name == f"labels.{kind}"
        read = page.request.post(f"{room.url}api/categories/file", headers={"X-CSRFToken": csrf(page)},
                                 data={"text": target.read_text(encoding="utf-8"), "format": kind})
        assert read.status == 200, read.text()
        if kind == "json":
            assert read.json()["labels"] == json.loads(target.read_text(encoding="utf-8"))["labels"]
        answer = put_file(page, room, read.json()["labels"])
        assert (answer["added"], answer["updated"], answer["archived"]) == ([], [], []), kind
        assert stored(page, room) == saved

    # Restore road: it comes back at the end with its id.
    page.get_by_test_id("label-restore").click()
    expect(changes.get_by_test_id("change-restored")).to_have_text(["Restore road"])
    page.get_by_test_id("labels-save").click()
    expect(page.get_by_test_id("labels-status")).to_contain_text("Saved.")
    assert stored(page, room)[-1]["id"] == ROAD
    expect(page.get_by_test_id("labels-archived-empty")).to_be_visible()

    # Import a YAML file: the page shows what it would change (labels load's rule: matched by name, case aside;
    # the rest archived), saves nothing until asked, and undoing brings the stored set back.
    chosen = tmp_path / "workshop.yaml"
    chosen.write_text("labels:\n  - name: Automobile\n    colour: '#654321'\n  - bollard\n  - kerb\n", encoding="utf-8")
    page.get_by_test_id("labels-import").set_input_files(str(chosen))
    expect(page.get_by_test_id("labels-status")).to_contain_text("Read workshop.yaml")
    expect(changes.get_by_test_id("change-added")).to_have_text(["Add kerb"])
    expect(changes.get_by_test_id("change-renamed")).to_have_text(["Rename automobile to Automobile"])
    expect(changes.get_by_test_id("change-archived")).to_have_count(len(saved) + 1 - 2)
    expect(page.get_by_test_id("label-row")).to_have_count(3)
    assert stored(page, room)[-1]["id"] == ROAD  # nothing saved yet
    page.get_by_test_id("labels-revert").click()
    expect(page.get_by_test_id("label-row")).to_have_count(len(saved) + 1)
    expect(page.get_by_test_id("labels-save")).to_be_disabled()

    # A refusal is shown next to the field it names, and nothing is saved.
    bollard = row(page, new["id"])
    bollard.get_by_test_id("label-name").click()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.press("Space")
    page.get_by_test_id("labels-save").click()
    expect(bollard.get_by_test_id("label-error")).to_contain_text("at least 1 character")
    expect(bollard.get_by_test_id("label-name")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("labels-problem")).to_contain_text(f"Not saved: class {len(saved)} (name)")
    assert stored(page, room)[len(saved) - 1]["name"] == "bollard"
    assert_no_js_errors(errors)
