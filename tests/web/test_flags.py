"""Categories are decisions, over HTTP: flags on saves, class proposals, the instructor's decisions, the flags
list and its CSV, and the crop thumbnails. In workshop mode (a token), over SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
import json
import threading

import pytest
from flask import Flask
from flask.testing import FlaskClient
from PIL import Image as PILImage

from annotator.store import flags, library
from annotator.store.models import Category, db
from tests.conftest import INSTRUCTOR_TOKEN, add_image, csrf_of, image_bytes, join, make_app

SQUARE = [{"points": [100, 60, 160, 60, 160, 110, 100, 110]}]
CAR, TRUCK, BICYCLE, ROAD = 7, 8, 12, 1  # ids in the default label set
VOID = 27


class Person:
    """A joined participant's browser: their client and the CSRF header their requests carry."""

    def __init__(self, room: Flask, name: str) -> None:
        self.client = room.test_client()
        self.headers = join(self.client, name)
        self.made = 0

    def post(self, url: str, body: object = None):
        return self.client.post(url, headers=self.headers, json=body)

    def patch(self, annotation_id: int, body: dict):
        return self.client.patch(f"/api/annotations/{annotation_id}", headers=self.headers, json=body)

    def outline(self, image_id: int, **fields) -> dict:
        self.made += 1
        body = {"client_id": f"{id(self):x}-{self.made:04d}", "parts": SQUARE, **fields}
        if "category_id" not in fields and "flag" not in fields:
            body["category_id"] = CAR
        response = self.post(f"/api/images/{image_id}/annotations", body)
        assert response.status_code == 201, response.get_json()
        return response.get_json()["annotation"]


class Teacher(Person):
    """The instructor's browser: the token in its cookie (as `?token=` leaves it) and in the header."""

    def __init__(self, room: Flask) -> None:
        self.client = room.test_client()
        self.client.set_cookie("annotator_instructor", INSTRUCTOR_TOKEN)
        self.headers = {**csrf_of(self.client), "X-Instructor-Token": INSTRUCTOR_TOKEN}
        self.made = 0


@pytest.fixture
def image_id(room: Flask) -> int:
    return add_image(room, 320, 200, "street <b>1</b>.jpg", colour=(40, 90, 120))


@pytest.fixture
def amara(room: Flask) -> Person:
    return Person(room, "Amara")


@pytest.fixture
def ben(room: Flask) -> Person:
    return Person(room, "Ben")


@pytest.fixture
def teacher(room: Flask) -> Teacher:
    return Teacher(room)


def class_names(client: FlaskClient) -> dict[str, int]:
    return {item["name"]: item["id"] for item in client.get("/api/categories").get_json()["items"]}


def get_annotation(client: FlaskClient, image_id: int, annotation_id: int) -> dict:
    items = client.get(f"/api/images/{image_id}/annotations").get_json()["items"]
    return next(item for item in items if item["id"] == annotation_id)


# --- flags on saves ---------------------------------------------------------------------------------------


def test_a_new_outline_flagged_unsure_carries_void_and_keeps_the_guess(amara, image_id):
    made = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "car or van?"})
    assert made["category_id"] == VOID
    assert made["flag"] == {"kind": "unsure", "reason": "car or van?", "category_id": CAR, "resolution": None,
                            "proposal_id": None}
    assert get_annotation(amara.client, image_id, made["id"])["flag"]["category_id"] == CAR


def test_none_fits_needs_no_class_but_an_unflagged_outline_does(amara, image_id):
    made = amara.outline(image_id, flag={"kind": "none_fits", "reason": "an e-scooter"})
    assert made["category_id"] == VOID and made["flag"]["category_id"] is None
    refused = amara.post(f"/api/images/{image_id}/annotations", {"client_id": "no-class-0001", "parts": SQUARE})
    assert refused.status_code == 422 and refused.get_json()["detail"].startswith("category_id:")


def test_unflagged_outlines_say_flag_null(amara, image_id):
    assert amara.outline(image_id)["flag"] is None


def test_flagging_an_existing_outline_keeps_its_class_as_the_guess_and_bumps_the_version(amara, image_id):
    made = amara.outline(image_id, category_id=TRUCK)
    flagged = amara.patch(made["id"], {"version": 1, "flag": {"kind": "none_fits", "reason": "a tractor"}})
    assert flagged.status_code == 200, flagged.get_json()
    body = flagged.get_json()["annotation"]
    assert body["category_id"] == VOID and body["flag"]["category_id"] == TRUCK and body["version"] == 2


def test_while_flagged_a_class_change_moves_the_guess_and_the_class_stays_void(amara, image_id):
    made = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": ""})
    changed = amara.patch(made["id"], {"version": 1, "category_id": TRUCK}).get_json()["annotation"]
    assert changed["category_id"] == VOID and changed["flag"]["category_id"] == TRUCK
    # The editor may send the class it shows (void): that is not a guess.
    again = amara.patch(made["id"], {"version": 2, "category_id": VOID}).get_json()["annotation"]
    assert again["category_id"] == VOID and again["flag"]["category_id"] == TRUCK


def test_clearing_a_flag_restores_the_guess_or_takes_the_sent_class(amara, image_id):
    first = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "van?"})
    cleared = amara.patch(first["id"], {"version": 1, "flag": None}).get_json()["annotation"]
    assert cleared["category_id"] == CAR and cleared["flag"] is None
    second = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "van?"})
    cleared = amara.patch(second["id"], {"version": 1, "flag": None, "category_id": TRUCK}).get_json()["annotation"]
    assert cleared["category_id"] == TRUCK and cleared["flag"] is None
    third = amara.outline(image_id, flag={"kind": "none_fits", "reason": ""})
    cleared = amara.patch(third["id"], {"version": 1, "flag": None}).get_json()["annotation"]
    assert cleared["category_id"] == VOID and cleared["flag"] is None  # no guess: void, deliberately


def test_the_flag_can_change_kind_and_reason_while_open(amara, image_id):
    made = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "van?"})
    changed = amara.patch(made["id"], {"version": 1, "flag": {"kind": "none_fits", "reason": "a camper"}})
    assert changed.get_json()["annotation"]["flag"] == {"kind": "none_fits", "reason": "a camper", "category_id": CAR,
                                                        "resolution": None, "proposal_id": None}


@pytest.mark.parametrize(("flag", "detail"), [
    # The contract's shape checks (pydantic's wording), then the service's checks of meaning.
    ({"kind": "maybe", "reason": ""}, "flag.kind: Input should be 'none_fits' or 'unsure'"),
    ({"reason": "no kind"}, "flag.kind: Field required"),
    ("unsure", "flag: Input should be a valid dictionary"),
    ({"kind": "unsure", "reason": "x" * 501}, "flag.reason: String should have at most 500 characters"),
    ({"kind": "unsure", "reason": 12}, "flag.reason: Input should be a valid string"),
    ({"kind": "none_fits", "reason": "", "proposal_id": "3"}, "flag.proposal_id: Input should be a valid integer"),
    ({"kind": "none_fits", "reason": "", "proposal_id": 999}, "flag.proposal_id: there is no proposal 999"),
    # Too large for the database: once a 500 (SQLite cannot even bind it; PostgreSQL's INTEGER overflows).
    ({"kind": "none_fits", "reason": "", "proposal_id": 2**63},
     "flag.proposal_id: Input should be less than or equal to 2147483647"),
    ({"kind": "none_fits", "reason": "", "proposal_id": 2**31},
     "flag.proposal_id: Input should be less than or equal to 2147483647"),
])
def test_a_bad_flag_is_422_naming_the_field_and_nothing_is_saved(amara, image_id, flag, detail):
    response = amara.post(f"/api/images/{image_id}/annotations",
                          {"client_id": "bad-flag-0001", "category_id": CAR, "parts": SQUARE, "flag": flag})
    assert response.status_code == 422
    assert response.get_json()["detail"].startswith(detail), response.get_json()
    assert amara.client.get(f"/api/images/{image_id}/annotations").get_json()["items"] == []


def test_a_reason_is_kept_as_text_never_html_and_control_characters_go(amara, image_id):
    reason = "<script>alert('x')</script> & <img src=x onerror=alert(1)>\u0007\nsecond line"
    made = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": reason})
    assert made["flag"]["reason"] == "<script>alert('x')</script> & <img src=x onerror=alert(1)>\nsecond line"


def test_attributes_cannot_fake_a_flag(amara, image_id):
    made = amara.outline(image_id, category_id=CAR, attributes={"flag": "none_fits", "note": "kept"})
    assert made["flag"] is None and made["attributes"] == {"note": "kept"}


def test_the_void_class_is_made_again_when_the_label_set_lacks_it(amara, teacher, image_id):
    replaced = teacher.client.put("/api/categories", headers=teacher.headers,
                                  json={"labels": [{"name": "car"}, {"name": "truck"}]})
    assert replaced.status_code == 200 and "void/unknown" in replaced.get_json()["archived"]
    made = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": ""})
    classes = class_names(amara.client)
    assert made["category_id"] == classes["void/unknown"] == VOID  # the archived class, taken back


def test_the_void_class_is_created_on_a_database_that_never_had_it(data_dir, database_url):
    room = make_app(data_dir, database_url, INSTRUCTOR_TOKEN=INSTRUCTOR_TOKEN)
    with room.app_context():
        db.session.query(Category).filter(Category.name == "void/unknown").delete()
        db.session.commit()
        image = library.add_image(image_bytes(320, 200), "a.jpg", "upload")[0].id
    assert "void/unknown" not in class_names(room.test_client())
    made = Person(room, "Amara").outline(image, flag={"kind": "none_fits", "reason": ""})
    classes = list(room.test_client().get("/api/categories").get_json()["items"])
    void = next(c for c in classes if c["name"] == "void/unknown")
    assert made["category_id"] == void["id"] and void["colour"] == "#000000"
    assert void["display_order"] == max(c["display_order"] for c in classes)  # added at the end


# --- decided flags are the instructor's -----------------------------------------------------------------


def test_a_decided_flag_cannot_be_changed_by_its_author(amara, teacher, image_id):
    made = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "van?"})
    resolved = teacher.post(f"/api/annotations/{made['id']}/resolve", {"category_id": TRUCK})
    assert resolved.status_code == 200
    version = resolved.get_json()["annotation"]["version"]
    for body, field in (({"flag": None}, "flag"), ({"flag": {"kind": "none_fits", "reason": "x"}}, "flag"),
                        ({"category_id": CAR}, "category_id")):
        refused = amara.patch(made["id"], {"version": version, **body})
        assert refused.status_code == 409, refused.get_json()
        assert refused.get_json()["detail"].startswith(f"{field}: the instructor has decided")
    # Resending what it has, or moving the outline, is fine.
    same = amara.patch(made["id"], {"version": version, "category_id": TRUCK, "parts": SQUARE,
                                    "flag": {"kind": "unsure", "reason": "van?"}})
    assert same.status_code == 200, same.get_json()
    assert same.get_json()["annotation"]["category_id"] == TRUCK
    assert same.get_json()["annotation"]["flag"]["resolution"] == "reclassed"


# --- proposals --------------------------------------------------------------------------------------------


def test_a_proposal_links_the_persons_outlines_as_flagged_examples(amara, image_id):
    plain = amara.outline(image_id, category_id=BICYCLE)
    unsure = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "scooter?"})
    response = amara.post("/api/proposals", {"name": "  e-scooter ", "definition": "A standing electric scooter.",
                                             "annotation_ids": [plain["id"], unsure["id"]]})
    assert response.status_code == 201, response.get_json()
    proposal = response.get_json()["proposal"]
    assert (proposal["name"], proposal["definition"], proposal["status"]) == (
        "e-scooter", "A standing electric scooter.", "open")
    assert [e["annotation_id"] for e in proposal["examples"]] == [plain["id"], unsure["id"]]
    assert proposal["examples"][0]["thumbnail_url"] == f"/api/annotations/{plain['id']}/crop.png"
    linked = get_annotation(amara.client, image_id, plain["id"])
    assert linked["category_id"] == VOID and linked["version"] == 2
    assert linked["flag"] == {"kind": "none_fits", "reason": "", "category_id": BICYCLE, "resolution": None,
                              "proposal_id": proposal["id"]}
    kept = get_annotation(amara.client, image_id, unsure["id"])["flag"]
    assert (kept["kind"], kept["reason"], kept["proposal_id"]) == ("unsure", "scooter?", proposal["id"])


def test_an_edit_landing_while_a_proposal_is_made_is_not_overwritten(amara, image_id, monkeypatch):
    """The proposal has read its example; the person's edit (another request) commits before it writes. One
    of the two must be refused: here the proposal, with 409, and the edit's class stays."""
    example = amara.outline(image_id, category_id=BICYCLE)
    editor = Person.__new__(Person)  # the same person's second tab: same cookie, its own request
    editor.client, editor.headers = amara.client, amara.headers
    real_void_category = flags.void_category

    def void_category_then_an_edit_lands():
        void = real_void_category()
        outcome: list[int] = []
        thread = threading.Thread(target=lambda: outcome.append(
            editor.patch(example["id"], {"version": 1, "category_id": TRUCK}).status_code))
        thread.start()
        thread.join()
        assert outcome == [200]
        return void

    monkeypatch.setattr(flags, "void_category", void_category_then_an_edit_lands)
    response = amara.post("/api/proposals", {"name": "e-scooter", "annotation_ids": [example["id"]]})
    assert response.status_code == 409 and "changed a moment ago" in response.get_json()["detail"]
    stored = get_annotation(amara.client, image_id, example["id"])
    assert (stored["category_id"], stored["version"], stored["flag"]) == (TRUCK, 2, None)


def test_an_outline_joins_a_proposal_through_its_flag(amara, ben, image_id):
    proposal = amara.post("/api/proposals", {"name": "kerb", "definition": ""}).get_json()["proposal"]
    made = ben.outline(image_id, flag={"kind": "none_fits", "reason": "edge", "proposal_id": proposal["id"]})
    assert made["flag"]["proposal_id"] == proposal["id"]
    examples = amara.client.get("/api/proposals").get_json()["items"][0]["examples"]
    assert [e["annotation_id"] for e in examples] == [made["id"]]
    # Leaving proposal_id out keeps it; null detaches the outline.
    kept = ben.patch(made["id"], {"version": 1, "flag": {"kind": "none_fits", "reason": "kerb edge"}})
    assert kept.get_json()["annotation"]["flag"]["proposal_id"] == proposal["id"]
    detached = ben.patch(made["id"], {"version": 2, "flag": {"kind": "none_fits", "reason": "", "proposal_id": None}})
    assert detached.get_json()["annotation"]["flag"]["proposal_id"] is None


@pytest.mark.parametrize(("body", "detail"), [
    ({"name": "   ", "definition": ""}, "name: must not be empty"),
    ({"definition": "no name"}, "name: Field required"),
    ({"name": "x" * 65}, "name: String should have at most 64 characters"),
    ({"name": "CAR"}, "name: there is already a class called 'car'"),
    ({"name": "Void/Unknown"}, "name: there is already a class called 'void/unknown'"),
    ({"name": "kerb", "definition": "d" * 501}, "definition: String should have at most 500 characters"),
    ({"name": "kerb", "annotation_ids": "1"}, "annotation_ids: Input should be a valid list"),
    ({"name": "kerb", "annotation_ids": [True]}, "annotation_ids[0]: Input should be a valid integer"),
    ({"name": "kerb", "annotation_ids": [424242]}, "annotation_ids[0]: there is no annotation 424242"),
])
def test_a_bad_proposal_is_422_naming_the_field(amara, body, detail):
    response = amara.post("/api/proposals", body)
    assert response.status_code == 422 and response.get_json()["detail"].startswith(detail), response.get_json()
    assert amara.client.get("/api/proposals").get_json()["items"] == []


def test_the_same_idea_twice_is_pointed_to_the_open_proposal(amara, ben):
    first = amara.post("/api/proposals", {"name": "Kerb"}).get_json()["proposal"]
    again = ben.post("/api/proposals", {"name": "kerb"})
    assert again.status_code == 422
    assert again.get_json()["detail"] == (f"name: 'Kerb' is already proposed (proposal {first['id']}): add your "
                                          "outline to it as an example")


def test_examples_must_be_ones_own_outlines(amara, ben, image_id):
    bens = ben.outline(image_id)
    response = amara.post("/api/proposals", {"name": "kerb", "annotation_ids": [bens["id"]]})
    assert response.status_code == 403 and "is not yours" in response.get_json()["detail"]
    assert get_annotation(ben.client, image_id, bens["id"])["flag"] is None


def test_a_refusal_of_the_store_names_its_field_and_keeps_its_title(amara, ben, teacher, image_id):
    """The store's refusals (checks that need the database) reach the envelope through one exception: the
    title and status each had, the detail naming the field, and the field on its own for the page."""
    bens = ben.outline(image_id)
    not_yours = amara.post("/api/proposals", {"name": "kerb", "annotation_ids": [bens["id"]]})
    assert (not_yours.status_code, not_yours.get_json()["error"], not_yours.get_json()["field"]) == (
        403, "not yours", "annotation_ids[0]")
    proposal = amara.post("/api/proposals", {"name": "kerb"}).get_json()["proposal"]
    assert teacher.post(f"/api/proposals/{proposal['id']}/reject", {}).status_code == 200
    twice = teacher.post(f"/api/proposals/{proposal['id']}/reject", {})
    assert (twice.status_code, twice.get_json()["error"], twice.get_json()["field"]) == (
        409, "already decided", "proposal")
    late = amara.post(f"/api/images/{image_id}/annotations", {
        "client_id": "late-example-02", "parts": SQUARE,
        "flag": {"kind": "none_fits", "reason": "", "proposal_id": proposal["id"]}})
    assert (late.status_code, late.get_json()["error"], late.get_json()["field"]) == (
        422, "invalid annotation", "flag.proposal_id")


def test_proposals_name_people_by_pseudonym_and_only_the_instructor_sees_names(amara, ben, teacher):
    amara.post("/api/proposals", {"name": "kerb", "definition": "The raised edge."})
    seen_by_ben = ben.client.get("/api/proposals").get_json()["items"][0]
    assert seen_by_ben["proposed_by"].startswith("annotator-") and seen_by_ben["proposed_by_name"] is None
    seen_by_teacher = teacher.client.get("/api/proposals").get_json()["items"][0]
    assert seen_by_teacher["proposed_by_name"] == "Amara"
    assert seen_by_teacher["proposed_by"] == seen_by_ben["proposed_by"]


def test_a_browser_that_has_not_joined_is_asked_to(room):
    client = room.test_client()
    for url in ("/api/flags", "/api/proposals", "/api/flags.csv", "/api/proposals.csv"):
        assert client.get(url).status_code == 401
    assert client.post("/api/proposals", headers=csrf_of(client), json={"name": "kerb"}).status_code == 401


# --- the instructor decides --------------------------------------------------------------------------------


@pytest.fixture
def scooter(amara, ben, image_id) -> dict:
    """A proposal with one example from Amara and one from Ben."""
    first = amara.outline(image_id, category_id=BICYCLE, flag={"kind": "none_fits", "reason": "standing on it"})
    proposal = amara.post("/api/proposals", {"name": "scooter", "definition": "A kick or electric scooter.",
                                             "annotation_ids": [first["id"]]}).get_json()["proposal"]
    second = ben.outline(image_id, flag={"kind": "none_fits", "reason": "", "proposal_id": proposal["id"]})
    return {"proposal": proposal, "ids": [first["id"], second["id"]]}


ADMIN_CALLS = [
    ("accept", {"colour": "#12ab34"}),
    ("merge", {"category_id": BICYCLE}),
    ("reject", {"note": "too rare"}),
]


@pytest.mark.parametrize(("action", "body"), ADMIN_CALLS)
def test_only_the_instructor_decides_on_a_proposal(amara, scooter, action, body):
    response = amara.post(f"/api/proposals/{scooter['proposal']['id']}/{action}", body)
    assert response.status_code == 403 and response.get_json()["error"] == "instructor only"
    assert amara.client.get("/api/proposals").get_json()["items"][0]["status"] == "open"


def test_only_the_instructor_resolves_a_flag(amara, scooter):
    response = amara.post(f"/api/annotations/{scooter['ids'][0]}/resolve", {"category_id": BICYCLE})
    assert response.status_code == 403 and response.get_json()["error"] == "instructor only"


def test_accepting_adds_the_class_and_gives_it_to_every_linked_outline(amara, ben, teacher, scooter, image_id):
    before = {i: get_annotation(teacher.client, image_id, i)["version"] for i in scooter["ids"]}
    response = teacher.post(f"/api/proposals/{scooter['proposal']['id']}/accept",
                            {"colour": "#12AB34", "supercategory": "vehicle"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["annotations_changed"] == 2 and body["proposal"]["status"] == "accepted"
    categories = {c["name"]: c for c in ben.client.get("/api/categories").get_json()["items"]}
    scooter_class = categories["scooter"]
    assert (scooter_class["colour"], scooter_class["supercategory"], scooter_class["definition"]) == (
        "#12ab34", "vehicle", "A kick or electric scooter.")
    assert body["proposal"]["category_id"] == scooter_class["id"]
    for annotation_id in scooter["ids"]:
        after = get_annotation(teacher.client, image_id, annotation_id)
        assert after["category_id"] == scooter_class["id"] and after["flag"]["resolution"] == "accepted"
        assert after["version"] == before[annotation_id] + 1
    # The author's editor still holds the old version: its next save is refused and it reloads.
    stale = amara.patch(scooter["ids"][0], {"version": before[scooter["ids"][0]], "parts": SQUARE})
    assert stale.status_code == 409


def test_accepting_without_a_colour_picks_one_and_an_archived_class_of_that_name_comes_back(
        amara, teacher, image_id):
    kerb = {"name": "Kerb", "colour": "#010203"}
    teacher.client.put("/api/categories", headers=teacher.headers,
                       json={"labels": [{"name": "car"}, kerb, {"name": "void/unknown"}]})
    teacher.client.put("/api/categories", headers=teacher.headers,
                       json={"labels": [{"name": "car"}, {"name": "void/unknown"}]})
    old_id = db_class_id(teacher, "Kerb", archived=True)
    proposal = amara.post("/api/proposals", {"name": "kerb", "definition": "Raised edge."}).get_json()["proposal"]
    accepted = teacher.post(f"/api/proposals/{proposal['id']}/accept", {})
    assert accepted.status_code == 200, accepted.get_json()
    classes = {c["name"]: c for c in amara.client.get("/api/categories").get_json()["items"]}
    assert classes["Kerb"]["id"] == old_id and classes["Kerb"]["definition"] == "Raised edge."

    other = amara.post("/api/proposals", {"name": "bollard"}).get_json()["proposal"]
    assert teacher.post(f"/api/proposals/{other['id']}/accept", {}).status_code == 200
    colour = {c["name"]: c for c in amara.client.get("/api/categories").get_json()["items"]}["bollard"]["colour"]
    assert len(colour) == 7 and colour.startswith("#")


def db_class_id(teacher: Teacher, name: str, archived: bool) -> int:
    with teacher.client.application.app_context():
        category = db.session.query(Category).filter(Category.name == name).one()
        assert category.archived is archived
        return category.id


def test_accepting_a_name_that_became_a_class_meanwhile_is_409(amara, teacher):
    proposal = amara.post("/api/proposals", {"name": "kerb"}).get_json()["proposal"]
    labels = [{"name": c} for c in class_names(teacher.client)] + [{"name": "KERB"}]
    assert teacher.client.put("/api/categories", headers=teacher.headers, json={"labels": labels}).status_code == 200
    response = teacher.post(f"/api/proposals/{proposal['id']}/accept", {})
    assert response.status_code == 409 and "merge the proposal into it" in response.get_json()["detail"]


def test_merging_gives_the_linked_outlines_that_class(teacher, scooter, image_id):
    response = teacher.post(f"/api/proposals/{scooter['proposal']['id']}/merge",
                            {"category_id": BICYCLE, "note": "A scooter is a bicycle here."})
    assert response.status_code == 200, response.get_json()
    proposal = response.get_json()["proposal"]
    assert (proposal["status"], proposal["category_id"], proposal["decision_note"]) == (
        "merged", BICYCLE, "A scooter is a bicycle here.")
    for annotation_id in scooter["ids"]:
        after = get_annotation(teacher.client, image_id, annotation_id)
        assert after["category_id"] == BICYCLE and after["flag"]["resolution"] == "merged"
    assert "scooter" not in class_names(teacher.client)


@pytest.mark.parametrize(("body", "detail"), [
    ({}, "category_id: Field required"),
    ({"category_id": "3"}, "category_id: Input should be a valid integer"),
    ({"category_id": 2**63}, "category_id: Input should be less than or equal to 2147483647"),
    ({"category_id": 9999}, "category_id: there is no active class 9999"),
    ({"category_id": VOID}, "category_id: merging into void/unknown is rejecting"),
])
def test_merging_needs_a_real_class(teacher, scooter, body, detail):
    response = teacher.post(f"/api/proposals/{scooter['proposal']['id']}/merge", body)
    assert response.status_code == 422 and response.get_json()["detail"].startswith(detail)


@pytest.mark.parametrize(("body", "detail"), [
    ({"colour": "red"}, "colour: String should match pattern"),
    # Python's `$` matches before a final newline: this one was once stored as the new class's colour.
    ({"colour": "#aabbcc\n"}, "colour: String should match pattern"),
    ({"colour": "#aabbcc", "note": "n" * 501}, "note: String should have at most 500 characters"),
    ({"supercategory": 7}, "supercategory: Input should be a valid string"),
])
def test_a_bad_accept_is_422_and_the_proposal_stays_open(teacher, scooter, body, detail):
    response = teacher.post(f"/api/proposals/{scooter['proposal']['id']}/accept", body)
    assert response.status_code == 422 and response.get_json()["detail"].startswith(detail), response.get_json()
    assert teacher.client.get("/api/proposals").get_json()["items"][0]["status"] == "open"


@pytest.mark.parametrize("action", ["accept", "reject"])
@pytest.mark.parametrize("body", [False, 0, [], ""])
def test_a_decision_body_that_is_not_an_object_is_422(teacher, scooter, action, body):
    response = teacher.post(f"/api/proposals/{scooter['proposal']['id']}/{action}", body)
    assert response.status_code == 422 and response.get_json()["detail"].startswith("body:"), response.get_json()
    assert teacher.client.get("/api/proposals").get_json()["items"][0]["status"] == "open"


def test_rejecting_keeps_the_outlines_void_and_on_the_flags_list_as_decided(ben, teacher, scooter, image_id):
    response = teacher.post(f"/api/proposals/{scooter['proposal']['id']}/reject", {"note": "Too rare."})
    assert response.status_code == 200 and response.get_json()["proposal"]["status"] == "rejected"
    flags = {item["id"]: item for item in ben.client.get("/api/flags").get_json()["items"]}
    for annotation_id in scooter["ids"]:
        assert flags[annotation_id]["resolution"] == "rejected"
        assert flags[annotation_id]["category"]["name"] == "void/unknown"
        assert get_annotation(teacher.client, image_id, annotation_id)["category_id"] == VOID


@pytest.mark.parametrize("first", ["accept", "merge", "reject"])
@pytest.mark.parametrize("second", ["accept", "merge", "reject"])
def test_deciding_twice_is_409(teacher, scooter, first, second):
    bodies = dict(ADMIN_CALLS)
    url = f"/api/proposals/{scooter['proposal']['id']}"
    assert teacher.post(f"{url}/{first}", bodies[first]).status_code == 200
    again = teacher.post(f"{url}/{second}", bodies[second])
    assert again.status_code == 409 and "already decided" in again.get_json()["detail"]


def test_deciding_an_unknown_proposal_is_404(teacher):
    assert teacher.post("/api/proposals/999/accept", {}).status_code == 404


def test_a_decided_proposal_takes_no_more_examples(amara, teacher, scooter, image_id):
    teacher.post(f"/api/proposals/{scooter['proposal']['id']}/reject", {})
    response = amara.post(f"/api/images/{image_id}/annotations", {
        "client_id": "late-example-01", "parts": SQUARE,
        "flag": {"kind": "none_fits", "reason": "", "proposal_id": scooter["proposal"]["id"]}})
    assert response.status_code == 422
    assert response.get_json()["detail"] == (f"flag.proposal_id: proposal {scooter['proposal']['id']} (scooter) is "
                                             "already decided (rejected)")


def test_resolving_one_flag_keeps_or_reclasses_it(amara, teacher, image_id):
    guessed = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "van?"})
    other = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "truck?"})
    kept = teacher.post(f"/api/annotations/{guessed['id']}/resolve", {"category_id": CAR})
    assert kept.status_code == 200, kept.get_json()
    body = kept.get_json()["annotation"]
    assert body["category_id"] == CAR and body["flag"]["resolution"] == "kept" and body["version"] == 2
    reclassed = teacher.post(f"/api/annotations/{other['id']}/resolve", {"category_id": TRUCK}).get_json()
    assert reclassed["annotation"]["category_id"] == TRUCK
    assert reclassed["annotation"]["flag"]["resolution"] == "reclassed"
    twice = teacher.post(f"/api/annotations/{other['id']}/resolve", {"category_id": CAR})
    assert twice.status_code == 409 and "already decided (reclassed)" in twice.get_json()["detail"]


def test_resolving_needs_a_flag_and_a_class(amara, teacher, image_id):
    plain = amara.outline(image_id)
    assert teacher.post(f"/api/annotations/{plain['id']}/resolve", {"category_id": CAR}).status_code == 409
    flagged = amara.outline(image_id, flag={"kind": "none_fits", "reason": ""})
    bad = teacher.post(f"/api/annotations/{flagged['id']}/resolve", {"category_id": "car"})
    assert bad.status_code == 422 and bad.get_json()["detail"].startswith("category_id:")
    assert teacher.post("/api/annotations/999/resolve", {"category_id": CAR}).status_code == 404


def test_a_proposal_decision_leaves_individually_resolved_flags_alone(teacher, scooter, image_id):
    teacher.post(f"/api/annotations/{scooter['ids'][1]}/resolve", {"category_id": ROAD})
    response = teacher.post(f"/api/proposals/{scooter['proposal']['id']}/merge", {"category_id": BICYCLE})
    assert response.get_json()["annotations_changed"] == 1
    assert get_annotation(teacher.client, image_id, scooter["ids"][1])["category_id"] == ROAD


# --- the flags list and its CSV -----------------------------------------------------------------------------


def test_the_flags_list_shows_everyones_flags_with_names_only_for_the_instructor(amara, ben, teacher, scooter,
                                                                                   image_id):
    unsure = ben.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "<b>van</b>?"})
    ben.outline(image_id)  # not flagged: not listed
    items = amara.client.get("/api/flags").get_json()["items"]
    assert [item["id"] for item in items] == [*scooter["ids"], unsure["id"]]
    last = items[-1]
    assert last == {
        "id": unsure["id"], "image_id": image_id, "image_file_name": "street <b>1</b>.jpg", "kind": "unsure",
        "reason": "<b>van</b>?", "guess": {"id": CAR, "name": "car", "colour": "#00008e", "archived": False},
        "category": {"id": VOID, "name": "void/unknown", "colour": "#000000", "archived": False},
        "resolution": None, "proposal": None, "annotator": last["annotator"], "annotator_name": None,
        "version": 1, "updated_at": last["updated_at"], "thumbnail_url": f"/api/annotations/{unsure['id']}/crop.png",
        "editor_url": f"/annotate/{image_id}"}
    assert last["annotator"].startswith("annotator-")
    assert items[0]["proposal"] == {"id": scooter["proposal"]["id"], "name": "scooter", "status": "open"}
    named = teacher.client.get("/api/flags").get_json()["items"]
    assert [item["annotator_name"] for item in named] == ["Amara", "Ben", "Ben"]


def test_deleted_outlines_leave_the_flags_list(amara, image_id):
    made = amara.outline(image_id, flag={"kind": "none_fits", "reason": ""})
    amara.client.delete(f"/api/annotations/{made['id']}", headers=amara.headers, json={"version": 1})
    assert amara.client.get("/api/flags").get_json()["items"] == []


def test_the_csv_files_are_formula_safe_and_carry_names_only_for_the_instructor(amara, ben, teacher, image_id):
    ben.client.get("/api/me")
    made = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "=HYPERLINK(\"http://x\")"})
    amara.post("/api/proposals", {"name": "@sum(1)", "definition": "+cmd|' /C calc'!A0",
                                  "annotation_ids": [made["id"]]})
    response = ben.client.get("/api/flags.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="flags.csv"' in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert "name" not in rows[0]
    assert rows[0]["reason"] == "'=HYPERLINK(\"http://x\")" and rows[0]["proposal"] == "'@sum(1)"
    assert (rows[0]["kind"], rows[0]["guess"], rows[0]["class"], rows[0]["resolution"]) == (
        "unsure", "car", "void/unknown", "open")
    proposals = list(csv.DictReader(io.StringIO(ben.client.get("/api/proposals.csv").get_data(as_text=True))))
    assert proposals[0]["name"] == "'@sum(1)" and proposals[0]["definition"] == "'+cmd|' /C calc'!A0"
    assert proposals[0]["example_annotation_ids"] == str(made["id"]) and "proposed_by_name" not in proposals[0]
    named = list(csv.DictReader(io.StringIO(teacher.client.get("/api/flags.csv").get_data(as_text=True))))
    assert named[0]["name"] == "Amara"
    named = list(csv.DictReader(io.StringIO(teacher.client.get("/api/proposals.csv").get_data(as_text=True))))
    assert named[0]["proposed_by_name"] == "Amara"


# --- crops --------------------------------------------------------------------------------------------------


def test_a_crop_is_a_png_of_at_most_240_px_with_an_etag_on_the_version(amara, ben, teacher, image_id):
    made = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": ""})
    response = ben.client.get(f"/api/annotations/{made['id']}/crop.png")  # flagged: anyone in the room
    assert response.status_code == 200 and response.mimetype == "image/png"
    picture = PILImage.open(io.BytesIO(response.data))
    assert picture.format == "PNG" and max(picture.size) == 240 and min(picture.size) >= 100
    assert response.headers["Cache-Control"] == "no-cache"
    etag = response.headers["ETag"]
    assert ben.client.get(f"/api/annotations/{made['id']}/crop.png",
                          headers={"If-None-Match": etag}).status_code == 304
    teacher.post(f"/api/annotations/{made['id']}/resolve", {"category_id": TRUCK})
    fresh = ben.client.get(f"/api/annotations/{made['id']}/crop.png", headers={"If-None-Match": etag})
    assert fresh.status_code == 200 and fresh.headers["ETag"] != etag


def test_the_crop_draws_the_outline(amara, image_id):
    made = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": ""})
    picture = PILImage.open(io.BytesIO(amara.client.get(f"/api/annotations/{made['id']}/crop.png").data))
    colours = {colour for _count, colour in picture.convert("RGB").getcolors(1 << 16)}
    assert (255, 212, 0) in colours  # void is black: drawn in bright yellow
    assert (40, 90, 120) in colours or any(abs(r - 40) + abs(g - 90) + abs(b - 120) < 12 for r, g, b in colours)


def test_others_unflagged_outlines_have_no_crop_for_a_participant(amara, ben, teacher, image_id):
    made = amara.outline(image_id, category_id=CAR)
    assert amara.client.get(f"/api/annotations/{made['id']}/crop.png").status_code == 200
    assert ben.client.get(f"/api/annotations/{made['id']}/crop.png").status_code == 403
    assert teacher.client.get(f"/api/annotations/{made['id']}/crop.png").status_code == 200
    amara.client.delete(f"/api/annotations/{made['id']}", headers=amara.headers, json={"version": 1})
    assert amara.client.get(f"/api/annotations/{made['id']}/crop.png").status_code == 404


# --- the page and the export ----------------------------------------------------------------------------------


def test_the_flags_page_renders_no_name_or_reason_as_html(room, image_id):
    evil = Person(room, "<script>alert('name')</script>")
    evil.outline(image_id, flag={"kind": "none_fits", "reason": "<script>alert('reason')</script>"})
    evil.post("/api/proposals", {"name": "<script>alert('p')</script>", "definition": "<img src=x onerror=alert(1)>"})
    for viewer in (evil.client, Teacher(room).client):
        page = viewer.get("/flags")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert "<script>alert" not in html and "onerror=alert" not in html
        assert 'type="module"' in html and "js/flags/page.js" in html


def test_the_flags_page_offers_decisions_only_to_the_instructor(room, amara):
    assert 'data-instructor="false"' in amara.client.get("/flags").get_data(as_text=True)
    assert 'data-instructor="true"' in Teacher(room).client.get("/flags").get_data(as_text=True)
    newcomer = room.test_client().get("/flags")
    assert newcomer.status_code == 302 and newcomer.headers["Location"].startswith("/join")


def test_the_coco_export_carries_each_flag_in_its_attributes(amara, teacher, scooter, image_id):
    unsure = amara.outline(image_id, category_id=CAR, flag={"kind": "unsure", "reason": "van?"})
    amara.outline(image_id, category_id=CAR)
    teacher.post(f"/api/proposals/{scooter['proposal']['id']}/reject", {})
    response = teacher.client.get("/api/export/coco", headers=teacher.headers)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    exported = json.loads(response.get_data(as_text=True))
    by_id = {a["id"]: a for a in exported["annotations"]}
    assert by_id[unsure["id"]]["attributes"]["flag"] == {"kind": "unsure", "reason": "van?", "resolution": None,
                                                         "guess_category_id": CAR}
    assert by_id[unsure["id"]]["category_id"] == VOID
    assert by_id[scooter["ids"][0]]["attributes"]["flag"] == {
        "kind": "none_fits", "reason": "standing on it", "resolution": "rejected", "guess_category_id": BICYCLE}
    assert sum("flag" in a["attributes"] for a in exported["annotations"]) == 3
