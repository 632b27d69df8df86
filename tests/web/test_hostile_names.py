"""Hostile names and labels: every place a person or the instructor puts text that is later shown.

Each place gets the same four strings: a script tag, an attribute break-out with an onerror handler, text
with a right-to-left override (U+202E), and 10,000 characters. The rule, checked for each:
- markup is stored exactly as given: it is text, never refused for looking like HTML;
- the right-to-left override is kept as given in the instructor's own data (label sets, COCO files) and
  dropped from what participants type (display names, proposals, flag reasons, decision notes) and from file
  names, where it can make one name pass for another ("invoice<RLO>gnp.exe" shows as "invoiceexe.png");
- 10,000 characters are refused with 422 naming the field and its limit, except image file names, which are
  shortened to 255 characters keeping the extension (a photo is not refused for its name);
- never a 500.
Then every server-rendered page that shows them (gallery, editor, labour dashboard and receipts, replay, live
view, agreement, flags, workshop, join, error pages) is fetched by the instructor and by a participant: the
markup appears only escaped (HTML entities, or \\u003c in the JSON data blocks), never as a tag.
tests/e2e/test_hostile_names.py checks the same in Chromium, where the scripts render the rest.
"""

from __future__ import annotations

import io
import json
import re
import uuid
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from sqlalchemy import select

from annotator.store.library import clean_file_name
from annotator.store.models import Annotation, Annotator, Category, ClassProposal, Image, db
from tests.conftest import INSTRUCTOR_TOKEN, csrf_of, image_bytes

RLO = "\u202e"
HOSTILE = {
    "script": "<script>alert(1)</script>",
    "onerror": '"><img src=x onerror=alert(1)>',
    "rtl": f"invoice{RLO}gnp.exe",
    "long": "x" * 10_000,
}
MARKUP = ("script", "onerror")
TAGS = ("<script>alert(1)", "<img src=x onerror")  # what must never reach a page unescaped
SQUARE = [{"points": [5, 5, 40, 5, 40, 30, 5, 30]}]


def typed_by_a_participant(text: str) -> str:
    """What participants' text keeps: everything but control and format characters (the RTL override)."""
    return text.replace(RLO, "")


class Browser:
    """One person's browser: a client and the headers its scripts send."""

    def __init__(self, app: Flask, name: str | None = None) -> None:
        self.client = app.test_client()
        if name is None:  # the instructor: the token in its cookie (as ?token= leaves it) and header
            self.client.get(f"/?token={INSTRUCTOR_TOKEN}")
            self.headers = {**csrf_of(self.client), "X-Instructor-Token": INSTRUCTOR_TOKEN}
        else:
            self.headers = csrf_of(self.client)
            assert self.post("/api/join", {"name": name}).status_code == 201

    def post(self, url: str, body: Any, method: str = "POST"):
        return self.client.open(url, method=method, json=body, headers=self.headers)

    def upload(self, file_name: str, colour: tuple[int, int, int] = (90, 90, 90)):
        """As Chromium sends a file: the name's quotes and line breaks percent-encoded in the multipart header."""
        boundary = uuid.uuid4().hex
        quoted = file_name.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{quoted}"\r\n'
                "Content-Type: image/jpeg\r\n\r\n").encode() + image_bytes(colour=colour) + \
            f"\r\n--{boundary}--\r\n".encode()
        return self.client.post("/api/images", data=body, headers=self.headers,
                                content_type=f"multipart/form-data; boundary={boundary}")

    def outline(self, image_id: int, **fields: Any):
        body = {"client_id": uuid.uuid4().hex[:16], "parts": SQUARE, "category_id": 7, **fields}
        return self.post(f"/api/images/{image_id}/annotations", body)


@pytest.fixture
def teacher(room: Flask) -> Browser:
    return Browser(room)


@pytest.fixture
def amara(room: Flask) -> Browser:
    return Browser(room, "Amara")


@pytest.fixture
def image_id(teacher: Browser) -> int:
    response = teacher.upload("street.jpg")
    assert response.status_code == 201
    return response.get_json()["items"][0]["id"]


def refused(response, field: str, limit: int) -> bool:
    """422 whose error body names the field and its limit."""
    text = json.dumps(response.get_json())
    return response.status_code == 422 and field in text and str(limit) in text


def stored(app: Flask, query) -> Any:
    with app.app_context():
        return db.session.scalar(query)


# --- stored as given, or refused past a stated limit ------------------------------------------------------


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_display_name(room, kind):
    person = room.test_client()
    response = person.post("/api/join", json={"name": HOSTILE[kind]}, headers=csrf_of(person))
    if kind == "long":
        assert refused(response, "name", 40)  # a name shown on cards and tables: 40 characters
        assert stored(room, select(Annotator.id)) is None
        return
    expected = typed_by_a_participant(HOSTILE[kind])
    assert response.status_code == 201 and response.get_json()["display_name"] == expected
    assert stored(room, select(Annotator.display_name)) == expected


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_label_in_the_label_set(room, teacher, kind):
    for field, limit in (("name", 64), ("supercategory", 64), ("definition", 500)):
        label = {"name": "car", "supercategory": "vehicle", "definition": "A car.", field: HOSTILE[kind]}
        response = teacher.post("/api/categories", {"labels": [label]}, method="PUT")
        if kind == "long":
            assert refused(response, field, limit), field
            assert stored(room, select(Category.id).where(Category.archived.is_(True))) is None  # nothing changed
            continue
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["items"][0][field] == HOSTILE[kind]  # the instructor's own text, as given
        assert stored(room, select(getattr(Category, field)).where(Category.archived.is_(False))) == HOSTILE[kind]


def test_a_label_with_control_characters_is_refused_naming_the_field(teacher):
    """A NUL cannot be stored in PostgreSQL (it was a 500 there) and no control character belongs in a name."""
    for field in ("name", "supercategory"):
        for bad in ("car\x00", "car\x1b[31m", "two\nlines"):
            label = {"name": "car", field: bad}
            response = teacher.post("/api/categories", {"labels": [label]}, method="PUT")
            assert response.status_code == 422 and f"{field}: contains control characters" in \
                response.get_json()["detail"], (field, bad)
    response = teacher.post("/api/categories", {"labels": [{"name": "car", "definition": "One.\nTwo."}]},
                            method="PUT")
    assert response.status_code == 200  # line breaks are fine in a definition


def test_a_label_set_reads_the_same_from_the_api_and_from_a_file(room, teacher, run, tmp_path):
    """One model for both: text trimmed before its length is checked (a padded name of 64 characters fits), a
    blank supercategory is "none", and both refuse the same names, naming the same place."""
    labels = [{"name": f"  {'p' * 64}  ", "supercategory": "  ", "definition": " One.\nTwo. "}, "car"]
    response = teacher.post("/api/categories", {"labels": labels}, method="PUT")
    assert response.status_code == 200, response.get_json()
    through_the_api = [(c["name"], c["supercategory"], c["definition"]) for c in response.get_json()["items"]]
    assert through_the_api[0] == ("p" * 64, "none", "One.\nTwo.")
    path = tmp_path / "labels.json"
    path.write_text(json.dumps(list(reversed(labels))), encoding="utf-8")
    assert run("labels", "load", str(path)).exit_code == 0
    loaded = [(c["name"], c["supercategory"], c["definition"])
              for c in teacher.client.get("/api/categories").get_json()["items"]]
    assert loaded == list(reversed(through_the_api))
    duplicate = [{"name": "car"}, {"name": " CAR "}]
    refused_by_the_api = teacher.post("/api/categories", {"labels": duplicate}, method="PUT").get_json()["detail"]
    path.write_text(json.dumps(duplicate), encoding="utf-8")
    result = run("labels", "load", str(path))
    assert result.exit_code == 1 and refused_by_the_api in result.output + result.stderr
    assert refused_by_the_api == "labels: duplicate name 'CAR' at labels[1] (also labels[0]; case does not count)"


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_label_file_loaded_from_the_command_line(room, run, tmp_path, kind):
    path = tmp_path / "labels.json"
    path.write_text(json.dumps([{"name": HOSTILE[kind], "supercategory": HOSTILE[kind],
                                 "definition": HOSTILE[kind][:500]}]), encoding="utf-8")
    result = run("labels", "load", str(path))
    if kind == "long":
        assert result.exit_code != 0 and "name: String should have at most 64 characters" in result.output + \
            result.stderr
        return
    assert result.exit_code == 0, result.output
    assert stored(room, select(Category.name).where(Category.archived.is_(False))) == HOSTILE[kind]
    assert stored(room, select(Category.supercategory).where(Category.archived.is_(False))) == HOSTILE[kind]


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_class_proposal(room, amara, kind):
    for field, limit, other in (("name", 64, {"definition": "Two wheels."}), ("definition", 500, {"name": "moped"})):
        response = amara.post("/api/proposals", {**other, field: HOSTILE[kind]})
        if kind == "long":
            assert refused(response, field, limit), field
            assert stored(room, select(ClassProposal.id)) is None
            continue
        assert response.status_code == 201, response.get_json()
        expected = typed_by_a_participant(HOSTILE[kind])
        assert response.get_json()["proposal"][field] == expected
        made = response.get_json()["proposal"]["id"]
        assert stored(room, select(getattr(ClassProposal, field)).where(ClassProposal.id == made)) == expected


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_flag_reason(room, amara, image_id, kind):
    response = amara.outline(image_id, flag={"kind": "unsure", "reason": HOSTILE[kind]})
    if kind == "long":
        assert refused(response, "flag.reason", 500)
        assert stored(room, select(Annotation.id)) is None
        return
    assert response.status_code == 201, response.get_json()
    assert stored(room, select(Annotation.flag_reason)) == typed_by_a_participant(HOSTILE[kind])


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_decision_note(room, amara, teacher, kind):
    assert amara.post("/api/proposals", {"name": "scooter"}).status_code == 201
    response = teacher.post("/api/proposals/1/reject", {"note": HOSTILE[kind]})
    if kind == "long":
        assert refused(response, "note", 500)
        assert stored(room, select(ClassProposal.status)) == "open"
        return
    assert response.status_code == 200, response.get_json()
    assert stored(room, select(ClassProposal.decision_note)) == typed_by_a_participant(HOSTILE[kind])


@pytest.mark.parametrize("kind", HOSTILE)
def test_an_uploaded_file_name(room, teacher, kind):
    """Kept as the browser sent it, but a file name is a name: the last segment of a path ("</script>" has a
    slash), no control or format characters, at most 255 characters with the extension kept."""
    given = HOSTILE[kind] + ".jpg"
    response = teacher.upload(given)
    assert response.status_code == 201, response.get_json()
    expected = clean_file_name(given)
    assert response.get_json()["items"][0]["file_name"] == expected
    assert stored(room, select(Image.file_name)) == expected
    assert {"script": "script>.jpg", "onerror": given, "rtl": "invoicegnp.exe.jpg"}.get(kind, expected) == expected
    assert len(expected) <= 255 and expected.endswith(".jpg")


@pytest.mark.parametrize("kind", HOSTILE)
def test_annotation_attributes(room, amara, image_id, kind):
    response = amara.outline(image_id, attributes={"note": HOSTILE[kind], HOSTILE[kind][:64]: "key"})
    if kind == "long":
        assert refused(response, "attributes.note", 2000)
        assert stored(room, select(Annotation.id)) is None
        return
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["annotation"]["attributes"]["note"] == HOSTILE[kind]
    assert stored(room, select(Annotation.attributes)) == {"note": HOSTILE[kind], HOSTILE[kind]: "key"}


def test_an_attribute_key_past_64_characters_is_refused(room, amara, image_id):
    response = amara.outline(image_id, attributes={HOSTILE["long"]: "value"})
    assert refused(response, "attributes", 64)
    assert stored(room, select(Annotation.id)) is None


def coco_file(name: str, supercategory: str) -> dict[str, Any]:
    return {"images": [{"id": 1, "file_name": "street.jpg", "width": 64, "height": 48}],
            "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                             "segmentation": [SQUARE[0]["points"]], "bbox": [5, 5, 35, 25], "area": 875}],
            "categories": [{"id": 1, "name": name, "supercategory": supercategory}]}


def import_coco(teacher: Browser, dataset: dict[str, Any]):
    return teacher.client.post("/api/import/coco", headers=teacher.headers, content_type="multipart/form-data",
                               data={"file": (io.BytesIO(json.dumps(dataset).encode()), "dataset.json")})


@pytest.mark.parametrize("kind", HOSTILE)
def test_a_category_from_an_imported_coco_file(room, teacher, image_id, kind):
    for field, name in (("name", HOSTILE[kind]), ("supercategory", "moped")):
        names = {"name": name, "supercategory": "vehicle", field: HOSTILE[kind]}
        response = import_coco(teacher, coco_file(**names))
        if kind == "long":
            assert refused(response, f"categories[0].{field}", 64), field
            assert stored(room, select(Annotation.id)) is None
            continue
        assert response.status_code == 201, response.get_json()
        created = stored(room, select(Category).where(Category.name == names["name"]))
        assert created is not None and getattr(created, field) == HOSTILE[kind]  # the file's own names, as given


# --- shown only escaped on every server-rendered page ------------------------------------------------------


def seed_everything(room: Flask, teacher: Browser, text: str) -> dict[str, Any]:
    """The hostile text in every place at once: a participant named with it, a class, a supercategory and
    a definition, a COCO-imported class, a proposal, a flag reason, a decision note, an attribute, an image's
    file name. Returns what pages should show."""
    uploaded = teacher.upload(f"{text}.jpg", colour=(10, 200, 30))
    assert uploaded.status_code == 201
    image = uploaded.get_json()["items"][0]
    assert teacher.upload("street.jpg").status_code == 201
    label = {"name": text, "supercategory": text, "definition": text}
    assert teacher.post("/api/categories", {"labels": [label, "car", "void/unknown"]}, method="PUT").status_code == 200
    categories = {c["name"]: c["id"] for c in teacher.client.get("/api/categories").get_json()["items"]}
    assert import_coco(teacher, coco_file(f"{text} (COCO)", text)).status_code == 201
    person = Browser(room, text)
    made = person.outline(image["id"], category_id=categories[text], attributes={"note": text})
    assert made.status_code == 201, made.get_json()
    proposal = person.post("/api/proposals", {"name": f"{text} (new)", "definition": text})
    assert proposal.status_code == 201, proposal.get_json()
    flagged = person.outline(image["id"], flag={"kind": "none_fits", "reason": text,
                                                "proposal_id": proposal.get_json()["proposal"]["id"]})
    assert flagged.status_code == 201, flagged.get_json()
    for other in (person, teacher):  # everyone's work on the image, so the agreement page has pairs to show
        assert other.outline(image["id"], category_id=categories["car"]).status_code == 201
    reject = teacher.post(f"/api/proposals/{proposal.get_json()['proposal']['id']}/reject", {"note": text})
    assert reject.status_code == 200
    annotation = made.get_json()["annotation"]
    return {"person": person, "image": image, "annotation": annotation,
            "pseudonym": person.client.get("/api/me").get_json()["annotator"]}


def data_block(html: str, element_id: str) -> str:
    """The text of a <script type="application/json"> data block: inert, read by the page's module."""
    return re.search(rf'<script type="application/json" id="{element_id}">(.*?)</script>', html, re.S).group(1)


def pages(seeded: dict[str, Any], text: str) -> list[str]:
    image_id = seeded["image"]["id"]
    return ["/", f"/annotate/{image_id}", f"/agreement/{image_id}", f"/replay/{image_id}",
            f"/replay/{image_id}?annotation={seeded['annotation']['client_id']}", "/labour", "/receipt",
            f"/receipt?annotator={seeded['pseudonym']}", "/live", "/flags", "/workshop", "/join", "/finished",
            # text that comes back in the address: reflected, never run
            f"/receipt?annotator={text}", f"/replay/{image_id}?annotation={text}", f"/join?next={text}",
            "/join?next=javascript:alert(1)", f"/annotate/999999?x={text}", f"/{text}"]


@pytest.mark.parametrize("kind", ["script", "onerror", "rtl"])
def test_every_page_shows_the_text_only_escaped(room, teacher, kind):
    text = HOSTILE[kind]
    seeded = seed_everything(room, teacher, text)
    shown = clean_file_name(f"{text}.jpg")
    image_page = f"/annotate/{seeded['image']['id']}"
    expected_on = {  # what the server renders itself (the scripts render the rest from the JSON API)
        image_page: [str(escape(shown))],
        f"/agreement/{seeded['image']['id']}": [str(escape(shown))],
        f"/replay/{seeded['image']['id']}": [str(escape(shown))],
    }
    for viewer, client in (("instructor", teacher.client), ("participant", seeded["person"].client)):
        for path in pages(seeded, text):
            response = client.get(path)
            html = response.get_data(as_text=True)
            assert response.status_code in (200, 302, 403, 404), (viewer, path, response.status_code)
            for tag in TAGS:
                assert tag not in html, (viewer, path, tag)
            if response.status_code == 200:
                for fragment in expected_on.get(path, []):
                    assert fragment in html, (viewer, path, fragment)
            assert 'href="javascript:' not in html, (viewer, path)
        gallery = client.get("/").get_data(as_text=True)
        assert str(escape(shown)) in gallery  # the file name, as text
        editor = json.loads(data_block(client.get(image_page).get_data(as_text=True), "editor-data"))
        category = next(c for c in editor["categories"] if c["name"] == text)  # the class, intact in the data
        assert category["supercategory"] == text and category["definition"] == text
    mine = seeded["person"].client.get("/").get_data(as_text=True)
    assert f'data-testid="my-name">{escape(typed_by_a_participant(text))}<' in mine
    joined = seeded["person"].client.get("/join").get_data(as_text=True)
    assert f"<strong>{escape(typed_by_a_participant(text))}</strong>" in joined
    finished = seeded["person"].client.get("/finished").get_data(as_text=True)
    assert f'data-testid="finished-name">{escape(typed_by_a_participant(text))}<' in finished


def test_the_join_form_keeps_a_refused_name_as_text(room):
    """A refused name comes back in the form's value attribute: escaped, so it cannot break out of it."""
    person = room.test_client()
    page = person.get("/join").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = person.post("/join", data={"name": HOSTILE["onerror"] * 3, "csrf_token": token})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "<img src=x onerror" not in html and str(escape(HOSTILE["onerror"])) in html


def test_an_api_error_that_quotes_the_text_is_json_and_not_sniffable(room, amara):
    """Error details quote what was sent ("there is already a class called ..."): as JSON, never HTML."""
    response = amara.post("/api/proposals", {"name": "car"})
    assert response.status_code == 422 and response.mimetype == "application/json"
    response = amara.post("/api/proposals", {"name": HOSTILE["script"]})
    assert response.status_code == 201 and response.mimetype == "application/json"
    again = amara.post("/api/proposals", {"name": HOSTILE["script"]})
    assert again.status_code == 422 and again.mimetype == "application/json"
