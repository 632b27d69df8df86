"""The labour ledger over HTTP: summary, raw events as CSV, the editor's per-polygon figures, replay, privacy."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from annotator.store.models import LabourEvent, LabourSession, db
from tests.conftest import csrf_of, join, make_app

SQUARE = [{"points": [10, 10, 110, 10, 110, 60, 10, 60]}]


class Session:
    """One editor page: numbers its events and sends them the way the editor does."""

    def __init__(self, client, image_id: int, session_id: str, headers: dict[str, str] | None = None) -> None:
        self.client, self.image_id, self.session_id = client, image_id, session_id
        self.headers = headers or csrf_of(client)
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
    app = make_app(data_dir, database_url, INSTRUCTOR_TOKEN="teacher-token-for-tests")
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
    teacher = {"X-Instructor-Token": "teacher-token-for-tests"}
    everyone = alice.get("/api/labour/summary.json", headers=teacher).get_json()
    assert len(everyone["polygons"]) == 2 and all("name" not in person for person in everyone["people"])
    named = alice.get("/api/labour/summary.json?names=1", headers=teacher).get_json()
    assert {person["name"] for person in named["people"]} == {"alice", "bob"}
    csv_text = alice.get("/api/labour/events.csv?names=1", headers=teacher).get_data(as_text=True)
    assert csv_text.splitlines()[0].endswith("person,name,data")


def test_a_participant_cannot_tell_whether_a_name_exists(room, image_id):
    """`?annotator=` answers "no such person" and "not yours" alike for a participant: the same 403."""
    _, alice, bob = room
    bob_pseudonym = bob.get("/api/labour/summary.json").get_json()["people"][0]["person"]
    for path in ("/api/labour/summary.json", "/api/labour/events.csv", f"/api/images/{image_id}/replay"):
        answers = [alice.get(f"{path}?annotator={who}") for who in ("bob", bob_pseudonym, "nobody-by-this-name")]
        assert [answer.status_code for answer in answers] == [403, 403, 403], path
        assert answers[0].get_json() == answers[1].get_json() == answers[2].get_json()
        assert alice.get(f"{path}?annotator=alice").status_code == 200
        teacher = {"X-Instructor-Token": "teacher-token-for-tests"}
        missing = alice.get(f"{path}?annotator=nobody-by-this-name", headers=teacher)
        assert missing.status_code == 404 and missing.get_json()["error"] == "not found"


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


# --- the ledger tells the truth: the server's clock, one's own work, a bounded ledger -------------------------

TEACHER = {"X-Instructor-Token": "teacher-token-for-tests"}


def editor_session(client, image_id: int) -> str:
    """The labour session the editor page was given by the server (as main.js reads it)."""
    page = client.get(f"/annotate/{image_id}")
    assert page.status_code == 200
    data = json.loads(page.get_data(as_text=True).split('id="editor-data">')[1].split("</script>")[0])
    assert data["labour_session"]["opened_ms"] > 0
    return data["labour_session"]["id"]


@pytest.fixture
def workshop(data_dir, database_url, image_id):
    app = make_app(data_dir, database_url, INSTRUCTOR_TOKEN="teacher-token-for-tests")
    amara, bo = app.test_client(), app.test_client()
    return app, (amara, join(amara, "amara")), (bo, join(bo, "bo"))


def test_hours_made_up_in_one_first_batch_are_stored_clamped_and_shown(workshop, image_id):
    """5,000 events 29 s apart in the first batch of a session, seconds after the page opened: 40 hours claimed.
    The first batch skipped the clock check, and the live view showed the person active for 40 h."""
    _app, (amara, headers), _ = workshop
    started = time.time()
    session_id = editor_session(amara, image_id)
    events = [{"seq": seq, "kind": "zoom", "t": seq * 29_000} for seq in range(1, 5_001)]
    response = amara.post(f"/api/images/{image_id}/events", headers=headers,
                          json={"session_id": session_id, "sent_t": 5_000 * 29_000, "events": events})
    assert response.status_code == 201 and response.get_json()["events_stored"] == 5_000  # stored, not refused
    summary = amara.get("/api/labour/summary.json", headers=TEACHER).get_json()
    elapsed_ms = (time.time() - started) * 1000
    person, session, totals = summary["people"][0], summary["sessions"][0], summary["totals"]
    assert person["active_ms"] <= elapsed_ms + 60_000
    assert person["clamped_ms"] >= 4_999 * 29_000 - elapsed_ms - 60_000  # the excess is visible ...
    assert session["clamped_ms"] == person["clamped_ms"] == totals["clamped_ms"] and totals["clamped_sessions"] == 1
    assert "the server saw only" in session["clamp_reason"]  # ... and says why
    live = amara.get("/api/workshop/live", headers=TEACHER).get_json()
    shown = live["people"][0]
    assert shown["active_ms"] <= elapsed_ms + 60_000 and shown["clamped_ms"] == person["clamped_ms"]


def test_a_session_id_the_server_never_issued_is_opened_at_its_first_batch(client, image_id):
    page = Session(client, image_id, "queued-offline-batch")
    response = page.send([page.event(0, "open"), page.event(3_600_000, "zoom")])  # an hour claimed at once
    assert response.status_code == 201
    session = client.get("/api/labour/summary.json").get_json()["sessions"][0]
    assert session["active_ms"] <= 60_000 and session["clamped_ms"] >= 3_600_000 - 60_000 - 5_000


def test_events_naming_someone_elses_polygon_are_refused_and_nothing_is_stored(workshop, image_id):
    app, (amara, amara_headers), (bo, bo_headers) = workshop
    Session(amara, image_id, editor_session(amara, image_id), amara_headers).draw(
        "amara-car-1", search=1_000, clicks=[1_000, 1_000], close_after=1_000)
    shared = amara.put("/api/workshop", json={"share_layers": True}, headers={**amara_headers, **TEACHER})
    assert shared.status_code == 200
    layers = bo.get(f"/api/images/{image_id}/annotations").get_json()["items"]
    assert [item["client_id"] for item in layers] == ["amara-car-1"]  # Bo sees Amara's polygon ...
    before = amara.get("/api/labour/summary.json").get_json()["polygons"][0]

    page = Session(bo, image_id, editor_session(bo, image_id), bo_headers)
    stolen = [page.event(1_000, "select", "amara-car-1")] + [
        page.event(1_000, "move-vertex", "amara-car-1") for _ in range(58)]
    refused = page.send(stolen)  # ... and may not add time to it
    assert refused.status_code == 403
    assert refused.get_json()["error"] == "not your annotation" and "amara-car-1" in refused.get_json()["detail"]
    on_save = bo.post(f"/api/images/{image_id}/annotations", headers=bo_headers, json={
        "client_id": "bo-car-1", "category_id": 7, "parts": SQUARE, "session_id": page.session_id,
        "sent_t": page.t + 1_000, "events": [page.event(500, "draw-start", "bo-car-1"),
                                             page.event(500, "move-vertex", "amara-car-1")]})
    assert on_save.status_code == 403 and on_save.get_json()["error"] == "not your annotation"
    assert bo.get(f"/api/images/{image_id}/annotations").get_json()["items"][0]["client_id"] == "amara-car-1"
    after = amara.get("/api/labour/summary.json").get_json()["polygons"][0]
    assert after == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LabourEvent)
                                 .where(LabourEvent.session_id == page.session_id)) == 0
    own = page.send([page.event(500, "draw-start", "bo-draft-1"), page.event(0, "vertex", "bo-draft-1")])
    assert own.status_code == 201  # a drawing in progress (no stored annotation yet) is one's own work


def test_a_session_is_its_openers_only(workshop, image_id):
    _app, (amara, _amara_headers), (bo, bo_headers) = workshop
    amaras = editor_session(amara, image_id)
    page = Session(bo, image_id, amaras, bo_headers)
    refused = page.send([page.event(0, "zoom")])
    assert refused.status_code == 403 and refused.get_json()["error"] == "not your session"


def test_a_full_session_gets_429_with_retry_after_and_a_new_page_starts_afresh(data_dir, database_url, image_id):
    app = make_app(data_dir, database_url, MAX_EVENTS_PER_SESSION=10)
    client = app.test_client()
    page = Session(client, image_id, editor_session(client, image_id))
    assert page.send([page.event(100, "zoom") for _ in range(8)]).status_code == 201
    full = page.send([page.event(100, "zoom") for _ in range(3)])
    assert full.status_code == 429 and int(full.headers["Retry-After"]) > 0
    assert full.get_json()["error"] == "too many events" and "10" in full.get_json()["detail"]
    on_save = client.post(f"/api/images/{image_id}/annotations", headers=page.headers, json={
        "client_id": "car-0001", "category_id": 7, "parts": SQUARE, "session_id": page.session_id,
        "sent_t": page.t + 500, "events": [page.event(100, "draw-start", "car-0001") for _ in range(3)]})
    assert on_save.status_code == 429 and "Retry-After" in on_save.headers
    assert client.get(f"/api/images/{image_id}/annotations").get_json()["items"] == []  # no outline without its record
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(LabourEvent)) == 8
    fresh = Session(client, image_id, editor_session(client, image_id), page.headers)
    assert fresh.send([fresh.event(100, "zoom") for _ in range(3)]).status_code == 201


def test_warming_the_ledger_at_start_leaves_nothing_for_the_first_summary_to_compute(data_dir, database_url,
                                                                                     client, image_id):
    """After a restart (a fresh app: empty caches), `serve` warms the ledger; the first summary reads nothing."""
    from annotator.store import ledger

    Session(client, image_id, "session-one").draw("car-0001", search=2_000, clicks=[500, 500], close_after=300)
    restarted = make_app(data_dir, database_url)
    with restarted.app_context():
        ledger.warm()
        assert ledger.part_cache().recomputed == ["session-one"]
    summary = restarted.test_client().get("/api/labour/summary.json")
    assert summary.status_code == 200 and summary.get_json()["totals"]["polygons"] == 1
    with restarted.app_context():
        assert ledger.part_cache().recomputed == []  # all from the warmed cache
