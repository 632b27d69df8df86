"""GET /api/workshop/live and the /live page: instructor only; who is active, on which image, objects, and the
ledger's human time, equal to the full ledger's figures; names as data, never markup."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, update

from annotator.store import library
from annotator.store.ledger import CACHE_KEY
from annotator.store.models import Annotation, LabourEvent, LabourSession, db, utcnow
from tests.conftest import INSTRUCTOR_TOKEN, image_bytes, join

SQUARE = [{"points": [10, 10, 110, 10, 110, 60, 10, 60]}]
TOKEN = {"X-Instructor-Token": INSTRUCTOR_TOKEN}


@pytest.fixture
def images(room) -> tuple[int, int]:
    with room.app_context():
        street, _ = library.add_image(image_bytes(200, 100, colour=(10, 20, 30)), "street.jpg", "upload")
        dusk, _ = library.add_image(image_bytes(200, 100, colour=(90, 20, 30)), "dusk.png", "upload")
        return street.id, dusk.id


class EditorPage:
    """One editor page of one participant: numbers its events and sends them as the editor does."""

    def __init__(self, client, headers: dict[str, str], image_id: int, session_id: str) -> None:
        self.client, self.headers, self.image_id, self.session_id = client, headers, image_id, session_id
        self.seq, self.t = 0, 0.0
        self.send([self.event(0, "open")])

    def event(self, gap: float, kind: str, annotation: str | None = None, **data) -> dict:
        self.t += gap
        self.seq += 1
        return {"seq": self.seq, "kind": kind, "t": self.t, **({"annotation": annotation} if annotation else {}),
                **({"data": data} if data else {})}

    def send(self, events: list[dict]) -> None:
        response = self.client.post(f"/api/images/{self.image_id}/events", headers=self.headers,
                                    json={"session_id": self.session_id, "sent_t": self.t, "events": events})
        assert response.status_code == 201, response.get_json()

    def draw(self, client_id: str, search: float, gaps: list[float]) -> dict:
        events = [self.event(search, "draw-start", client_id), self.event(0, "vertex", client_id, provenance="click")]
        events += [self.event(gap, "vertex", client_id, provenance="click") for gap in gaps]
        events.append(self.event(500, "close", client_id))
        response = self.client.post(f"/api/images/{self.image_id}/annotations", headers=self.headers, json={
            "client_id": client_id, "category_id": 7, "parts": SQUARE, "session_id": self.session_id,
            "sent_t": self.t, "events": events})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["annotation"]


def live(client) -> dict:
    response = client.get("/api/workshop/live", headers=TOKEN)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_name(answer: dict) -> dict[str, dict]:
    return {person["name"]: person for person in answer["people"]}


def test_only_the_instructor_sees_the_room(room, images):
    participant = room.test_client()
    join(participant, "Amara")
    refused = participant.get("/api/workshop/live")
    assert refused.status_code == 403 and refused.get_json()["error"] == "instructor only"
    page = participant.get("/live")
    assert page.status_code == 403 and "text/html" in page.content_type
    assert "instructor only" in page.get_data(as_text=True) and 'data-testid="live"' not in page.get_data(as_text=True)
    assert room.test_client().get("/api/workshop/live", headers={"X-Instructor-Token": "wrong"}).status_code == 403

    instructor = room.test_client()
    assert instructor.get("/live", headers=TOKEN).status_code == 200
    assert [person["name"] for person in live(instructor)["people"]] == ["Amara"]


def test_single_user_mode_needs_no_token(client):
    assert client.get("/live").status_code == 200
    answer = client.get("/api/workshop/live").get_json()
    assert answer["people"] == [] and answer["totals"] == {"people": 0, "active_now": 0, "objects": 0,
                                                           "active_ms": 0, "clamped_ms": 0}


def test_the_room_after_people_join_and_save(room, images):
    street, dusk = images
    amara, bo, cy = room.test_client(), room.test_client(), room.test_client()
    amara_page = EditorPage(amara, join(amara, "Amara"), street, "amara-street-1")
    amara_page.draw("amara-car-1", search=3_000, gaps=[1_000, 1_000, 1_000])
    amara_page.draw("amara-car-2", search=2_000, gaps=[800, 45_000, 800])
    bo_headers = join(bo, "Bo")
    EditorPage(bo, bo_headers, street, "bo-street-1").draw("bo-car-1", search=4_000, gaps=[1_000, 1_000])
    bo_dusk = EditorPage(bo, bo_headers, dusk, "bo-dusk-1")  # Bo moved on to the dusk scene: no object there yet
    bo_dusk.send([bo_dusk.event(5_000, "zoom"), bo_dusk.event(1_000, "pan")])
    join(cy, "Cy")

    instructor = room.test_client()
    answer = live(instructor)
    people = by_name(answer)
    assert list(people) == ["Amara", "Bo", "Cy"]
    assert people["Amara"]["status"] == "active" and people["Amara"]["image"] == {
        "id": street, "file_name": "street.jpg", "thumbnail_url": f"/images/{street}/thumbnail"}
    assert (people["Amara"]["objects"], people["Amara"]["objects_on_image"]) == (2, 2)
    assert people["Bo"]["image"]["id"] == dusk and (people["Bo"]["objects"], people["Bo"]["objects_on_image"]) == (1, 0)
    assert people["Cy"] == {**people["Cy"], "status": "joined", "image": None, "last_seen_s": None, "objects": 0,
                            "active_ms": 0}
    assert all(person["id"].startswith("annotator-") for person in answer["people"])
    assert 0 <= people["Amara"]["last_seen_s"] < 30 and answer["idle_threshold_s"] == 30 and "now" in answer

    # Human time is the ledger's: per person and in total, as the labour summary computes it from every event.
    assert people["Amara"]["active_ms"] == 3_000 + 3_500 + 2_000 + 800 + 30_000 + 800 + 500
    summary = instructor.get("/api/labour/summary.json?names=1", headers=TOKEN).get_json()
    ledger_people = {row["name"]: row["active_ms"] for row in summary["people"]}
    assert {name: people[name]["active_ms"] for name in ledger_people} == ledger_people
    assert answer["totals"] == {"people": 3, "active_now": 2, "objects": 3, "active_ms": summary["totals"]["active_ms"],
                              "clamped_ms": 0}


def test_each_poll_reads_only_the_events_added_since_the_last(room, images):
    street, dusk = images
    amara, bo = room.test_client(), room.test_client()
    amara_page = EditorPage(amara, join(amara, "Amara"), street, "amara-street-1")
    amara_page.draw("amara-car-1", search=1_000, gaps=[1_000, 1_000])
    bo_page = EditorPage(bo, join(bo, "Bo"), dusk, "bo-dusk-1")
    bo_page.draw("bo-car-1", search=1_000, gaps=[1_000, 1_000])
    instructor = room.test_client()
    live(instructor)
    cache = room.extensions[CACHE_KEY]
    assert cache.recomputed == ["amara-street-1", "bo-dusk-1"]
    live(instructor)
    assert cache.recomputed == []
    bo_page.draw("bo-car-2", search=2_000, gaps=[1_000, 1_000])
    answer = live(instructor)
    assert cache.recomputed == ["bo-dusk-1"]  # only the session that changed is read again
    assert by_name(answer)["Bo"]["active_ms"] == (1_000 + 2_500) + (2_000 + 2_500)
    summary = instructor.get("/api/labour/summary.json", headers=TOKEN).get_json()
    assert answer["totals"]["active_ms"] == summary["totals"]["active_ms"]


def test_a_zoom_sent_before_the_polygon_it_interrupted_is_put_in_its_place(room, images):
    """The editor holds a polygon's events until its save, while a zoom made during the drawing goes out on its
    own first: the server stores seqs out of order, and the live figures still equal the ledger's."""
    street, _dusk = images
    amara = room.test_client()
    page = EditorPage(amara, join(amara, "Amara"), street, "amara-street-1")
    instructor = room.test_client()
    live(instructor)
    drawing = [page.event(2_000, "draw-start", "amara-car-1"), page.event(0, "vertex", "amara-car-1"),
               page.event(1_000, "vertex", "amara-car-1")]
    page.send([page.event(40_000, "zoom")])
    assert live(instructor)["totals"]["active_ms"] == 30_000  # open -> zoom, as far as the server knows
    drawing += [page.event(1_000, "vertex", "amara-car-1"), page.event(500, "close", "amara-car-1")]
    response = amara.post(f"/api/images/{street}/annotations", headers=page.headers, json={
        "client_id": "amara-car-1", "category_id": 7, "parts": SQUARE, "session_id": page.session_id,
        "sent_t": page.t, "events": drawing})
    assert response.status_code == 201, response.get_json()
    answer = live(instructor)
    assert room.extensions[CACHE_KEY].recomputed == ["amara-street-1"]
    summary = instructor.get("/api/labour/summary.json", headers=TOKEN).get_json()
    assert answer["totals"]["active_ms"] == summary["totals"]["active_ms"] == 2_000 + 1_000 + 30_000 + 1_000 + 500


def test_statuses_follow_the_last_event_and_deleted_objects_do_not_count(room, images):
    street, _dusk = images
    people = {name: room.test_client() for name in ("Amara", "Bo", "Cy")}
    saved = {}
    for name, client in people.items():
        page = EditorPage(client, join(client, name), street, f"{name.lower()}-page-1")
        saved[name] = (page, page.draw(f"{name.lower()}-car-1", search=1_000, gaps=[1_000, 1_000]))
    page, annotation = saved["Cy"]
    response = people["Cy"].delete(f"/api/annotations/{annotation['id']}", headers=page.headers, json={
        "version": 1, "session_id": page.session_id, "sent_t": page.t + 700,
        "events": [page.event(700, "delete", annotation["client_id"])]})
    assert response.status_code == 200
    with room.app_context():
        for session, ago in (("bo-page-1", 120), ("cy-page-1", 900)):  # their pages were open that long ago
            db.session.execute(update(LabourEvent).where(LabourEvent.session_id == session)
                               .values(received_at=utcnow() - timedelta(seconds=ago)))
            db.session.execute(update(LabourSession).where(LabourSession.id == session)
                               .values(opened_at=utcnow() - timedelta(seconds=ago + 60)))
        db.session.commit()
    answer = live(room.test_client())
    shown = by_name(answer)
    assert [shown[name]["status"] for name in ("Amara", "Bo", "Cy")] == ["active", "idle", "away"]
    assert 119 <= shown["Bo"]["last_seen_s"] <= 130
    assert [shown[name]["objects"] for name in ("Amara", "Bo", "Cy")] == [1, 1, 0]
    assert shown["Cy"]["active_ms"] == 3_500 + 700  # the deleted outline's labour stays
    assert answer["totals"]["active_now"] == 1 and answer["totals"]["objects"] == 2


def test_a_reset_empties_the_room(room, images):
    street, _dusk = images
    amara = room.test_client()
    EditorPage(amara, join(amara, "Amara"), street, "amara-street-1").draw("amara-car-1", 1_000, [1_000, 1_000])
    instructor = room.test_client()
    assert live(instructor)["totals"]["active_ms"] == 3_500
    with room.app_context():  # what the workshop's reset does to the ledger and the work
        db.session.execute(delete(LabourEvent))
        db.session.execute(delete(LabourSession))
        db.session.execute(delete(Annotation))
        db.session.commit()
    answer = live(instructor)
    assert answer["totals"]["active_ms"] == 0 and answer["totals"]["objects"] == 0
    assert by_name(answer)["Amara"]["status"] == "joined"


def test_names_are_data_never_markup(room, images):
    street, _dusk = images
    name = '<img src=x onerror="alert(1)">&amp;'
    mallory = room.test_client()
    EditorPage(mallory, join(mallory, name), street, "mallory-page-1")
    instructor = room.test_client()
    response = instructor.get("/api/workshop/live", headers=TOKEN)
    assert response.content_type == "application/json"  # never sniffed as HTML; the name comes back exactly
    assert [person["name"] for person in response.get_json()["people"]] == [name]
    html = instructor.get("/live", headers=TOKEN).get_data(as_text=True)
    assert "<img src=x" not in html and "onerror" not in html  # the page is a shell: names arrive as JSON
