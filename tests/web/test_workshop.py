"""Workshop mode through HTTP: joining, settings, handing out images, layers, backups and reset."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from annotator.cli import main
from annotator.core import labour_file
from annotator.store import library
from annotator.store.models import Annotation, Annotator, LabourEvent, db
from tests.conftest import INSTRUCTOR_TOKEN, csrf_of, image_bytes, join, make_app

SQUARE = [{"points": [10, 10, 40, 10, 40, 40, 10, 40]}]


@pytest.fixture
def images(room: Flask) -> list[int]:
    with room.app_context():
        return [library.add_image(image_bytes(colour=(10 * i, 50, 90)), f"scene-{i}.jpg", "upload")[0].id
                for i in range(4)]


def outline(client: FlaskClient, headers: dict, image_id: int, client_id: str) -> dict:
    response = client.post(f"/api/images/{image_id}/annotations", headers=headers,
                           json={"client_id": client_id, "category_id": 7, "parts": SQUARE})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["annotation"]


def settings(instructor, **changes) -> dict:
    client, headers = instructor
    response = client.put("/api/workshop", json=changes, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["settings"]


# --- joining -----------------------------------------------------------------------------------------


def test_a_newcomer_is_sent_to_the_join_page_and_comes_back_after(room):
    client = room.test_client()
    sent = client.get("/annotate/1?x=1")
    assert sent.status_code == 302 and sent.headers["Location"].startswith("/join?next=/annotate/1")
    page = client.get("/join?next=/annotate/1").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    joined = client.post("/join", data={"name": "Amara", "next": "/annotate/1", "csrf_token": token})
    assert joined.status_code == 302 and joined.headers["Location"] == "/annotate/1"
    assert client.get("/api/me").get_json()["display_name"] == "Amara"


def test_the_api_asks_a_browser_that_has_not_joined_to_join(room, images):
    client = room.test_client()
    response = client.post(f"/api/images/{images[0]}/annotations", headers=csrf_of(client),
                           json={"client_id": "poly-00000001", "category_id": 7, "parts": SQUARE})
    assert response.status_code == 401 and response.get_json()["error"] == "join first"


def test_the_same_browser_returns_to_the_same_participant(room):
    client = room.test_client()
    join(client, "Amara")
    first = client.get("/api/me").get_json()
    assert client.get("/api/me").get_json() == first
    assert client.get("/").status_code == 200  # no second trip to /join


def test_two_people_with_the_same_name_are_told_apart(room):
    names = []
    for typed in ("Amara", "amara", "Amara"):
        client = room.test_client()
        join(client, typed)
        names.append(client.get("/api/me").get_json()["display_name"])
    assert names == ["Amara", "amara (2)", "Amara (3)"]


def test_look_alike_names_are_numbered_like_the_same_name(room):
    names = []
    # Latin, Cyrillic A (U+0410), a braille blank after it (U+2800), full-width letters
    for typed in ("Amara", "\u0410mara", "Amara\u2800", "\uff21\uff4d\uff41\uff52\uff41"):
        client = room.test_client()
        join(client, typed)
        names.append(client.get("/api/me").get_json()["display_name"])
    assert names == ["Amara", "\u0410mara (2)", "Amara (3)", "\uff21\uff4d\uff41\uff52\uff41 (4)"]


@pytest.mark.parametrize("name", ["\u2800", "\u3164", "\u115f\u1160", "\uffa0", "\ufe0f\ufe0f", "\u3164 \u2800"])
def test_a_name_that_shows_as_blank_is_refused(room, name):
    client = room.test_client()
    response = client.post("/api/join", json={"name": name}, headers=csrf_of(client))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"] == "invalid name"
    assert response.get_json()["detail"].startswith("Type a name")
    with room.app_context():
        assert db.session.query(Annotator).count() == 0


def test_a_name_whose_letters_spell_out_too_long_is_refused_not_a_server_error(room):
    client = room.test_client()  # U+FDFA is one character that NFKC spells out in 18: 720 in the key
    response = client.post("/api/join", json={"name": "\ufdfa" * 40}, headers=csrf_of(client))
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["detail"].startswith("Keep the name shorter")


@pytest.mark.parametrize("name", ["Instructor", "instructor", "\u0406nstructor", "lnstructor", "Instructor (2)",
                                  "Formateur", "Kursleiterin", "Mwalimu"])
def test_a_name_that_passes_for_the_instructor_is_refused(room, name):
    client = room.test_client()
    response = client.post("/api/join", json={"name": name}, headers=csrf_of(client))
    assert response.status_code == 422, response.get_json()
    assert "kept for the workshop's instructor" in response.get_json()["detail"]
    with room.app_context():
        assert db.session.query(Annotator).count() == 0


@pytest.mark.parametrize(("name", "error", "detail"), [
    # The contract's shape checks name the field (pydantic's wording)...
    ("", "invalid request", "name: String should have at least 1 character"),
    (17, "invalid request", "name: Input should be a valid string"),
    (None, "invalid request", "name: Input should be a valid string"),
    ("x" * 41, "invalid request", "name: String should have at most 40 characters"),
    # ...then the name is tidied and checked for meaning.
    ("   ", "invalid name", "Type a name"),
    ("\u200b\u202e", "invalid name", "Type a name"),  # only format characters: nothing left to show
])
def test_an_unusable_name_is_refused_and_nobody_joins(room, name, error, detail):
    client = room.test_client()
    response = client.post("/api/join", json={"name": name}, headers=csrf_of(client))
    assert response.status_code == 422 and response.get_json()["error"] == error
    assert response.get_json()["detail"].startswith(detail), response.get_json()
    with room.app_context():
        assert db.session.query(Annotator).count() == 0


def test_the_join_form_says_what_is_wrong_and_keeps_the_page(room):
    client = room.test_client()
    page = client.get("/join").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = client.post("/join", data={"name": "   ", "csrf_token": token})
    assert response.status_code == 422 and "Type a name" in response.get_data(as_text=True)


def test_after_joining_the_browser_is_not_sent_to_another_site(room):
    client = room.test_client()
    page = client.get("/join").get_data(as_text=True)
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    for target in ("https://evil.example/", "//evil.example/", "/\\evil.example"):
        response = client.post("/join", data={"name": "Amara", "next": target, "csrf_token": token})
        assert response.headers["Location"] == "/"


def test_a_name_is_shown_as_text_never_as_html(room):
    client = room.test_client()
    join(client, '<img src=x onerror="alert(1)">')
    html = client.get("/").get_data(as_text=True) + client.get("/join").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x onerror=" in html


def test_single_user_mode_needs_no_joining(client):
    assert client.get("/").status_code == 200
    assert client.get("/api/me").get_json()["display_name"] == "Local user"


# --- settings ----------------------------------------------------------------------------------------


def test_everyone_can_read_the_settings_and_only_the_instructor_can_change_them(room, instructor, images):
    participant = room.test_client()
    headers = join(participant, "Amara")
    assert participant.get("/api/workshop").get_json()["settings"]["assignment"] == "free"
    refused = participant.put("/api/workshop", json={"assignment": "same"}, headers=headers)
    assert refused.status_code == 403
    assert settings(instructor, assignment="same", image_ids=[images[2], images[0]]) == {
        "assignment": "same", "share_layers": False, "image_ids": [images[2], images[0]]}


@pytest.mark.parametrize(("change", "field"), [
    ({"assignment": "lottery"}, "assignment"),
    ({"share_layers": "yes"}, "share_layers"),
    ({"image_ids": []}, "image_ids"),
    ({"image_ids": [1, "2"]}, "image_ids"),
    ({"image_ids": [99999]}, "image_ids: there is no image 99999"),
    ({"colour": "red"}, "colour: Extra inputs are not permitted"),
    ({"assignment": None}, "assignment"),
    ({"share_layers": 1}, "share_layers"),
    ({"image_ids": [2**63]}, "image_ids[0]: Input should be less than or equal to 2147483647"),
])
def test_bad_settings_are_refused_naming_the_field(instructor, images, change, field):
    client, headers = instructor
    response = client.put("/api/workshop", json=change, headers=headers)
    body = response.get_json()
    # the contract names the fields in its detail; the store's refusal (an image that is not there) in `field`
    named = f"{body['field']}: {body['detail']}" if "field" in body else body["detail"]
    assert response.status_code == 422 and field in named
    assert client.get("/api/workshop").get_json()["settings"]["assignment"] == "free"


# --- handing out images ------------------------------------------------------------------------------


def next_image(client: FlaskClient, headers: dict, current: int | None) -> int | None:
    response = client.post("/api/workshop/next", json={"current": current}, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()["image_id"]


def test_in_same_mode_everyone_walks_the_same_images_in_order(room, instructor, images):
    settings(instructor, assignment="same", image_ids=[images[1], images[3]])
    for name in ("Amara", "Bo"):
        client = room.test_client()
        headers = join(client, name)
        first = next_image(client, headers, None)
        second = next_image(client, headers, first)
        assert (first, second) == (images[1], images[3])
        last = client.post("/api/workshop/next", json={"current": second}, headers=headers).get_json()
        assert last["image_id"] is None and "finished every image" in last["message"]
        assert last["finished_url"] == "/finished"


def test_round_robin_spreads_the_room_over_the_images(room, instructor, images):
    settings(instructor, assignment="round_robin")
    firsts = []
    for name in ("A", "B", "C", "D", "E"):
        client = room.test_client()
        firsts.append(next_image(client, join(client, name), None))
    assert sorted(firsts[:4]) == sorted(images) and firsts[4] == images[0]


def test_a_participant_sees_only_the_images_handed_to_them(room, instructor, images):
    settings(instructor, assignment="round_robin")
    client = room.test_client()
    headers = join(client, "Amara")
    assert 'data-testid="no-images-yet"' in client.get("/").get_data(as_text=True)
    given = next_image(client, headers, None)
    gallery = client.get("/").get_data(as_text=True)
    assert gallery.count('class="card"') == 1 and f'data-image-id="{given}"' in gallery


def test_next_image_refuses_an_unknown_current_image(room, images):
    client = room.test_client()
    headers = join(client, "Amara")
    missing = client.post("/api/workshop/next", json={"current": 999}, headers=headers)
    assert missing.status_code == 404 and missing.get_json()["error"] == "image not found"
    assert client.post("/api/workshop/next", json={"current": "1"}, headers=headers).status_code == 422
    assert client.post("/api/workshop/next", json={"current": 2**63}, headers=headers).status_code == 422


@pytest.mark.parametrize("body", [False, 0, [], ""])
def test_next_image_refuses_a_body_that_is_not_an_object(room, images, body):
    """schemathesis found `false` was a 500: the contract's check reads a falsy body as {}, and the view then
    asked `false` for its "current"."""
    client = room.test_client()
    headers = join(client, "Amara")
    response = client.post("/api/workshop/next", json=body, headers=headers)
    assert response.status_code == 422 and response.get_json()["detail"].startswith("body:"), response.get_json()


# --- layers ------------------------------------------------------------------------------------------


def test_participants_see_only_their_own_layer_until_the_instructor_shares(room, instructor, images):
    amara, bo = room.test_client(), room.test_client()
    amara_headers, bo_headers = join(amara, "Amara"), join(bo, "Bo")
    outline(amara, amara_headers, images[0], "amara-poly-1")
    outline(bo, bo_headers, images[0], "bo-poly-0001")

    def seen(client) -> dict[str, bool]:
        items = client.get(f"/api/images/{images[0]}/annotations").get_json()["items"]
        return {item["client_id"]: item["mine"] for item in items}

    assert seen(amara) == {"amara-poly-1": True}
    settings(instructor, share_layers=True)
    assert seen(amara) == {"amara-poly-1": True, "bo-poly-0001": False}
    shared = amara.get(f"/api/images/{images[0]}/annotations").get_json()["items"]
    assert {item["owner"]["name"] for item in shared} == {"Amara", "Bo"}
    settings(instructor, share_layers=False)
    assert seen(bo) == {"bo-poly-0001": True}


def test_the_instructor_sees_every_layer_without_sharing(room, instructor, images):
    amara = room.test_client()
    outline(amara, join(amara, "Amara"), images[0], "amara-poly-1")
    client, _ = instructor
    items = client.get(f"/api/images/{images[0]}/annotations",
                       headers={"X-Instructor-Token": INSTRUCTOR_TOKEN}).get_json()["items"]
    assert [(item["client_id"], item["mine"]) for item in items] == [("amara-poly-1", False)]


# --- backups, archive, reset -------------------------------------------------------------------------


def test_archive_writes_a_full_backup_and_the_workshop_goes_on(room, instructor, images):
    amara = room.test_client()
    drawn = amara.post(f"/api/images/{images[0]}/annotations", headers=join(amara, "Amara"), json={
        "client_id": "amara-poly-1", "category_id": 7, "parts": SQUARE, "session_id": "amara-page-1", "sent_t": 4000,
        "events": [{"seq": 1, "kind": "open", "t": 0}, {"seq": 2, "kind": "draw-start", "t": 2500,
                                                        "annotation": "amara-poly-1"},
                   {"seq": 3, "kind": "close", "t": 4000, "annotation": "amara-poly-1"}]})
    assert drawn.status_code == 201, drawn.get_json()
    client, headers = instructor
    made = client.post("/api/workshop/backups", json={}, headers=headers)
    assert made.status_code == 201
    listed = client.get("/api/workshop/backups", headers=headers).get_json()["items"]
    assert [item["name"] for item in listed] == [made.get_json()["backup"]]
    archive = zipfile.ZipFile(io.BytesIO(client.get(listed[0]["url"], headers=headers).data))
    # An `annotator backup` snapshot (tables, image files, a manifest checksumming every member) ...
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["format"] == "annotator-backup" and manifest["images"]["included"] is True
    assert set(archive.namelist()) == {"manifest.json", *manifest["members"]}
    people = [json.loads(line) for line in archive.read("tables/annotator.jsonl").splitlines()]
    assert [person["display_name"] for person in people] == ["Amara"]
    # ... with the export for people beside it.
    assert manifest["export"] == ["export/annotations.json", "export/labour.json", "export/events.csv"]
    coco = json.loads(archive.read("export/annotations.json"))
    assert len(coco["annotations"]) == 1
    assert coco["annotations"][0]["attributes"]["timings"]["search_ms"] == 2500.0
    assert labour_file.verify(coco).ok  # the archive's COCO audits itself like any labour export
    assert "Amara" in archive.read("export/events.csv").decode()
    assert amara.get(f"/api/images/{images[0]}/annotations").get_json()["items"]  # nothing removed


def test_reset_needs_confirming_and_backs_up_before_it_clears(room, instructor, images):
    amara = room.test_client()
    headers = join(amara, "Amara")
    outline(amara, headers, images[0], "amara-poly-1")
    client, teacher = instructor
    unconfirmed = client.post("/api/workshop/reset", json={}, headers=teacher)
    assert unconfirmed.status_code == 422
    mistyped = client.post("/api/workshop/reset", json={"confirm": "Reset"}, headers=teacher)
    assert mistyped.status_code == 422 and mistyped.get_json()["error"] == "not confirmed"
    assert mistyped.get_json()["detail"].startswith('confirm: Send {"confirm": "reset"}')
    done = client.post("/api/workshop/reset", json={"confirm": "reset"}, headers=teacher).get_json()
    assert done["removed"]["annotations"] == 1 and done["removed"]["people"] >= 1
    backup = zipfile.ZipFile(io.BytesIO(client.get(done["url"], headers=teacher).data))
    assert len(json.loads(backup.read("export/annotations.json"))["annotations"]) == 1
    with room.app_context():
        assert db.session.query(Annotation).count() == 0 and db.session.query(LabourEvent).count() == 0
    assert amara.get("/").status_code == 302  # the participant joins again


def test_the_archive_a_reset_wrote_is_restored_by_annotator_restore(room, instructor, images, tmp_path,
                                                                     monkeypatch):
    """One backup format: the workshop's archive goes back with `annotator restore`, into a new data folder,
    image files included, and the outlines are there again, with their authors."""
    amara = room.test_client()
    headers = join(amara, "Amara")
    made = outline(amara, headers, images[0], "amara-poly-1")
    client, teacher = instructor
    done = client.post("/api/workshop/reset", json={"confirm": "reset"}, headers=teacher).get_json()
    archive = tmp_path / done["backup"]
    archive.write_bytes(client.get(done["url"], headers=teacher).data)  # as the instructor downloads it

    elsewhere = tmp_path / "restored"
    for name in ("ANNOTATOR_DATA_DIR", "ANNOTATOR_DATABASE_URL", "ANNOTATOR_INSTRUCTOR_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    restored = CliRunner().invoke(main, ["restore", str(archive), "--data-dir", str(elsewhere)],
                                  catch_exceptions=False)
    assert restored.exit_code == 0, restored.output
    assert "image file(s) placed" in restored.output

    again = make_app(elsewhere, None, INSTRUCTOR_TOKEN=INSTRUCTOR_TOKEN)
    teacher_again = again.test_client()
    teacher_again.set_cookie("annotator_instructor", INSTRUCTOR_TOKEN)
    items = teacher_again.get(f"/api/images/{images[0]}/annotations").get_json()["items"]
    assert [(item["client_id"], item["parts"], item["owner"]["name"]) for item in items] == [
        ("amara-poly-1", made["parts"], "Amara")]
    assert teacher_again.get(f"/images/{images[0]}").status_code == 200  # the file came with it


def test_a_backup_name_cannot_reach_outside_the_backups_folder(instructor):
    client, headers = instructor
    for name in ("..%2Fannotator.sqlite3", "secret_key", "workshop-20260101-000000.zip"):
        assert client.get(f"/api/workshop/backups/{name}", headers=headers).status_code == 404


# --- label set and images ----------------------------------------------------------------------------


def test_the_instructor_replaces_the_label_set_and_left_out_classes_are_archived(instructor):
    client, headers = instructor
    before = {c["name"] for c in client.get("/api/categories").get_json()["items"]}
    response = client.put("/api/categories", headers=headers, json={"labels": [
        {"name": "car", "definition": "A car."}, {"name": "pothole", "colour": "#123456"}]})
    assert response.status_code == 200
    body = response.get_json()
    assert body["added"] == ["pothole"] and set(body["archived"]) == before - {"car"}
    assert [c["name"] for c in client.get("/api/categories").get_json()["items"]] == ["car", "pothole"]


def test_a_bad_label_set_is_refused_and_nothing_changes(instructor):
    client, headers = instructor
    before = client.get("/api/categories").get_json()
    response = client.put("/api/categories", headers=headers, json={"labels": [{"name": "car", "colour": "red"}]})
    assert response.status_code == 422 and "colour" in response.get_json()["detail"]
    assert client.get("/api/categories").get_json() == before


def test_deleting_an_image_hides_it_but_keeps_its_outlines(room, instructor, images):
    amara = room.test_client()
    outline(amara, join(amara, "Amara"), images[0], "amara-poly-1")
    client, headers = instructor
    assert client.delete(f"/api/images/{images[0]}", headers=headers).status_code == 200
    assert client.get(f"/api/images/{images[0]}").status_code == 404
    assert client.delete(f"/api/images/{images[0]}", headers=headers).status_code == 404
    with room.app_context():
        assert db.session.query(Annotation).count() == 1


def test_the_command_line_backs_up_and_resets(run, app, client, csrf_headers, data_dir):
    with app.app_context():
        image_id = library.add_image(image_bytes(), "scene.jpg", "upload")[0].id
    outline(client, csrf_headers, image_id, "local-poly-1")
    backed_up = run("workshop", "backup")
    assert backed_up.exit_code == 0 and "Backup written:" in backed_up.output
    assert len(list((data_dir / "backups").glob("workshop-*.zip"))) == 1
    reset = run("workshop", "reset", "--yes")
    assert reset.exit_code == 0 and "Removed 1 outlines" in reset.output
    assert len(list((data_dir / "backups").glob("workshop-*.zip"))) == 2
    assert client.get(f"/api/images/{image_id}/annotations").get_json()["items"] == []


def test_reset_from_the_command_line_asks_first(run):
    refused = run("workshop", "reset")  # no terminal answer: click aborts
    assert refused.exit_code != 0 and "Aborted" in refused.output
