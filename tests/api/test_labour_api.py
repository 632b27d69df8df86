"""The labour ledger over HTTP: summary, raw events as CSV, the editor's per-polygon figures, replay, privacy."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from annotator import library
from annotator.models import LabourEvent, LabourSession, db
from tests.conftest import image_bytes, join, make_app

SQUARE = [{"points": [10, 10, 110, 10, 110, 60, 10, 60]}]


@pytest.fixture
def image_id(app) -> int:
    with app.app_context():
        image, _ = library.add_image(image_bytes(200, 100), "street.jpg", "upload")
        return image.id


def csrf(client) -> dict[str, str]:
    html = client.get("/join").get_data(as_text=True)
    return {"X-CSRFToken": html.split('name="csrf-token" content="')[1].split('"')[0]}


class Session:
    """One editor page: numbers its events and sends them the way the editor does."""

    def __init__(self, client, image_id: int, session_id: str, headers: dict[str, str] | None = None) -> None:
        self.client, self.image_id, self.session_id = client, image_id, session_id
        self.headers = headers or csrf(client)
        self.seq, self.t = 0, 0.0

    def event(self, gap: float, kind: str, annotation: str | None = None, **data) -> dict:
        self.t += gap
        self.seq += 1
        return {"seq": self.seq, "kind": kind, "t": self.t, **({"annotation": annotation} if annotation else {}),
                **({"data": data} if data else {})}

    def send(self, events: list[dict]):
        return self.client.post(f"/api/images/{self.image_id}/events", headers=self.headers,
                                json={"session_id": self.session_id, "sent_t": self.t, "events": events})

    def draw(self, client_id: str, search: float, clicks: list[float], close_after: float, category: int = 7):
        events = [self.event(search, "draw-start", client_id),
                  self.event(0, "vertex", client_id, provenance="click")]
        events += [self.event(gap, "vertex", client_id, provenance="click") for gap in clicks]
        events.append(self.event(close_after, "close", client_id, vertices=len(clicks) + 1))
        response = self.client.post(f"/api/images/{self.image_id}/annotations", headers=self.headers, json={
            "client_id": client_id, "category_id": category, "parts": SQUARE, "session_id": self.session_id,
            "sent_t": self.t, "events": events})
        assert response.status_code == 201, response.get_json()
        return response.get_json()["annotation"]


def test_the_summary_gives_each_polygon_its_draw_search_and_edit_time(client, image_id):
    page = Session(client, image_id, "session-one")
    page.send([page.event(0, "open")])
    car = page.draw("car-0001", search=4_000, clicks=[1_000, 1_000, 1_000], close_after=500)
    page.draw("road-0001", search=2_000, clicks=[600, 45_000, 600], close_after=400, category=1)
    moved = client.patch(f"/api/annotations/{car['id']}", headers=page.headers, json={
        "version": 1, "parts": SQUARE, "session_id": "session-one", "sent_t": page.t + 3_000,
        "events": [page.event(2_000, "select", "car-0001"), page.event(1_000, "move-vertex", "car-0001")]})
    assert moved.status_code == 200

    summary = client.get("/api/labour/summary.json").get_json()
    by_id = {row["annotation"]: row for row in summary["polygons"]}
    assert (by_id["car-0001"]["search_ms"], by_id["car-0001"]["draw_ms"], by_id["car-0001"]["edit_ms"]) == (
        4_000, 3_500, 3_000)
    road = by_id["road-0001"]
    assert road["draw_ms"] == 600 + 30_000 + 600 + 400 and road["idle_ms"] == 15_000
    assert (road["category"], road["clicks"], road["vertices"]) == ("road", 4, 4)
    totals = summary["totals"]
    assert totals["polygons"] == 2 and totals["total_ms"] == 4_000 + 3_500 + 3_000 + 2_000 + 31_600
    assert totals["active_ms"] == totals["total_ms"]  # no looking around after the last edit
    assert {row["category"] for row in summary["classes"]} == {"car", "road"}
    assert summary["images"][0]["image_id"] == image_id and summary["images"][0]["polygons"] == 2
    assert summary["people"][0]["person"].startswith("annotator-") and "name" not in summary["people"][0]
    assert "draw_ms" in summary["definitions"] and summary["idle_threshold_ms"] == 30_000


def test_deleted_polygons_still_count(client, image_id):
    page = Session(client, image_id, "session-one")
    page.send([page.event(0, "open")])
    car = page.draw("car-0001", search=1_000, clicks=[1_000, 1_000], close_after=1_000)
    client.delete(f"/api/annotations/{car['id']}", headers=page.headers, json={
        "version": 1, "session_id": "session-one", "sent_t": page.t + 500,
        "events": [page.event(500, "delete", "car-0001")]})
    row = client.get("/api/labour/summary.json").get_json()["polygons"][0]
    assert row["deleted"] is True and row["total_ms"] == 1_000 + 3_000 + 500 and row["deletes"] == 1


def test_the_idle_threshold_is_a_setting(data_dir, database_url, image_id):
    app = make_app(data_dir, database_url, IDLE_THRESHOLD_S=10)
    client = app.test_client()
    page = Session(client, image_id, "session-one")
    page.draw("car-0001", search=0, clicks=[1_000, 25_000], close_after=1_000)
    summary = client.get("/api/labour/summary.json").get_json()
    assert summary["idle_threshold_ms"] == 10_000 and summary["polygons"][0]["draw_ms"] == 12_000


def happened_earlier(app, session_id: str, seconds: float) -> None:
    """Move a session back in server time, as if its page had been open `seconds` ago: sessions of one person
    sent at the same moment overlap on the server's clock and share it."""
    with app.app_context():
        shift = timedelta(seconds=seconds)
        for event in db.session.scalars(select(LabourEvent).where(LabourEvent.session_id == session_id)):
            event.received_at -= shift
        db.session.get(LabourSession, session_id).opened_at -= shift
        db.session.commit()


def test_the_editor_gets_each_polygons_time_and_the_other_sessions_total(client, image_id):
    first = Session(client, image_id, "session-one")
    first.draw("car-0001", search=1_000, clicks=[1_000, 1_000], close_after=1_000)
    happened_earlier(client.application, "session-one", 600)  # one page after the other, not two at once
    second = Session(client, image_id, "session-two", first.headers)
    second.draw("car-0002", search=500, clicks=[500, 500], close_after=500)
    figures = client.get(f"/api/images/{image_id}/labour?session=session-two").get_json()
    # no "open" event: the first vertex starts each session's clock, so neither has search time
    assert figures["polygons"]["car-0001"]["total_ms"] == 3_000 and figures["polygons"]["car-0001"]["clicks"] == 3
    assert figures["active_ms"] == 4_500 and figures["other_sessions_active_ms"] == 3_000
    refused = client.get(f"/api/images/{image_id}/labour?session=<b>")
    assert refused.status_code == 422 and refused.get_json()["fields"][0]["field"] == "session"
    assert client.get("/api/images/999/labour").status_code == 404


def test_the_raw_events_download_as_csv_in_order(client, image_id):
    page = Session(client, image_id, "session-one")
    page.send([page.event(0, "open", width=200, height=100)])
    page.draw("car-0001", search=1_000, clicks=[1_000, 1_000], close_after=1_000)
    response = client.get("/api/labour/events.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    assert [row["kind"] for row in rows] == ["open", "draw-start", "vertex", "vertex", "vertex", "close"]
    assert [float(row["t_ms"]) for row in rows] == [0, 1_000, 1_000, 2_000, 3_000, 4_000]
    assert rows[0]["data"] == '{"height": 100, "width": 200}' and rows[2]["annotation"] == "car-0001"
    assert rows[0]["person"].startswith("annotator-") and "name" not in rows[0]


def test_the_replay_puts_events_on_the_labour_clock(client, image_id):
    page = Session(client, image_id, "session-one")
    page.draw("car-0001", search=1_000, clicks=[1_000, 90_000], close_after=1_000)
    page.draw("car-0002", search=1_000, clicks=[1_000, 1_000], close_after=1_000)
    whole = client.get(f"/api/images/{image_id}/replay").get_json()
    assert whole["duration_ms"] == 0 + 1_000 + 30_000 + 1_000 + 1_000 + 3_000
    one = client.get(f"/api/images/{image_id}/replay?annotation=car-0002").get_json()
    assert [(e["at_ms"], e["kind"]) for e in one["events"]][:2] == [(0, "draw-start"), (0, "vertex")]
    assert one["duration_ms"] == 3_000


@pytest.fixture
def room(data_dir, database_url, image_id):
    app = make_app(data_dir, database_url, INSTRUCTOR_TOKEN="teacher")
    alice, bob = app.test_client(), app.test_client()
    for client, name in ((alice, "alice"), (bob, "bob")):
        page = Session(client, image_id, f"session-{name}", headers=join(client, name))
        page.draw(f"poly-{name}-1", search=1_000, clicks=[1_000, 1_000], close_after=1_000)
    return app, alice, bob


def test_a_participant_sees_only_their_own_record(room):
    _, alice, _ = room
    mine = alice.get("/api/labour/summary.json").get_json()
    assert [row["annotation"] for row in mine["polygons"]] == ["poly-alice-1"]
    rows = list(csv.DictReader(io.StringIO(alice.get("/api/labour/events.csv").get_data(as_text=True))))
    assert {row["session"] for row in rows} == {"session-alice"}
    other = mine["people"][0]["person"]
    assert alice.get(f"/api/labour/summary.json?annotator={other}").status_code == 200


def test_only_the_instructor_sees_everyone_and_opts_in_to_names(room):
    _, alice, bob = room
    bob_pseudonym = bob.get("/api/labour/summary.json").get_json()["people"][0]["person"]
    refused = alice.get(f"/api/labour/summary.json?annotator={bob_pseudonym}")
    assert refused.status_code == 403 and refused.get_json()["error"] == "instructor only"
    assert alice.get("/api/labour/summary.json?names=1").status_code == 403
    assert alice.get("/api/labour/events.csv?names=1").status_code == 403
    teacher = {"X-Instructor-Token": "teacher"}
    everyone = alice.get("/api/labour/summary.json", headers=teacher).get_json()
    assert len(everyone["polygons"]) == 2 and all("name" not in person for person in everyone["people"])
    named = alice.get("/api/labour/summary.json?names=1", headers=teacher).get_json()
    assert {person["name"] for person in named["people"]} == {"alice", "bob"}
    csv_text = alice.get("/api/labour/events.csv?names=1", headers=teacher).get_data(as_text=True)
    assert csv_text.splitlines()[0].endswith("person,name,data")


@pytest.mark.parametrize(("query", "status"), [
    ("image=abc", 422), ("image=999", 404), ("names=maybe", 422), ("annotator=nobody", 404),
    ("image=99999999999", 422),  # past the id column: was a 500 on PostgreSQL ("integer out of range")
    (f"annotator={'x' * 201}", 422)])
def test_bad_parameters_get_a_clear_4xx(client, image_id, query, status):
    response = client.get(f"/api/labour/summary.json?{query}")
    assert response.status_code == status and response.get_json()["detail"]
    if status == 422:
        assert query.split("=")[0] in response.get_json()["detail"]
    assert client.get(f"/api/labour/events.csv?{query}").status_code == status


def test_an_empty_image_parameter_means_every_image(client, image_id):
    assert client.get("/api/labour/summary.json?image=").get_json() == client.get("/api/labour/summary.json").get_json()


def test_the_cli_exports_the_summary_and_the_raw_events(run, client, image_id, tmp_path):
    page = Session(client, image_id, "session-one")
    page.send([page.event(0, "open")])
    page.draw("car-0001", search=2_000, clicks=[1_000, 1_000], close_after=1_000)
    summary_file, events_file = tmp_path / "labour.json", tmp_path / "events.csv"
    result = run("labour", "export", str(summary_file))
    assert result.exit_code == 0, result.output
    assert "1 polygon(s)" in result.output
    summary = json.loads(summary_file.read_text())
    assert summary == client.get("/api/labour/summary.json").get_json() | {"names": False}
    assert run("labour", "export", str(events_file), "--image", str(image_id)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(events_file.read_text())))
    assert len(rows) == 6 and rows[-1]["kind"] == "close"
    refused = run("labour", "export", str(events_file), "--annotator", "nobody")
    assert refused.exit_code != 0 and "no annotator goes by 'nobody'" in refused.output
