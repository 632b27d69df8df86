"""GET /api/debrief, GET /api/debrief/timeline and PUT /api/debrief/share, and the /debrief page: the instructor's
until shared, then a joined participant's too (read-only, no names); the figures are the labour summary's; the
time-lapse's outlines carry their drawing times and bounded shapes."""

from __future__ import annotations

import pytest

from annotator.store import library
from annotator.web.api.debrief import DebriefFigures, DebriefTimeline
from tests.conftest import INSTRUCTOR_TOKEN, csrf_of, image_bytes, join
from tests.web.test_live_api import EditorPage

TOKEN = {"X-Instructor-Token": INSTRUCTOR_TOKEN}
WIGGLY = [{"points": [value for step in range(200) for value in (100 + step * 4, 100 + (step % 2) * 30)]
           + [900, 400, 100, 400]}]  # 202 vertices


@pytest.fixture
def drawn_room(room):
    """Two participants' outlines on two images: Amara two cars (one deleted later), Bo a car with 202 vertices."""
    with room.app_context():
        street = library.add_image(image_bytes(1000, 500, colour=(10, 20, 30)), "street.jpg", "upload")[0].id
        dusk = library.add_image(image_bytes(1000, 500, colour=(90, 20, 30)), "dusk.png", "upload")[0].id
    amara, bo = room.test_client(), room.test_client()
    amara_headers = join(amara, "Amara")
    amara_page = EditorPage(amara, amara_headers, street, "amara-street-1")
    amara_page.draw("amara-car-1", search=3_000, gaps=[1_000, 1_000, 1_000])
    doomed = amara_page.draw("amara-car-2", search=2_000, gaps=[800, 900, 800])
    deleted = amara.delete(f"/api/annotations/{doomed['id']}", headers=amara_headers, json={"version": 1})
    assert deleted.status_code == 200, deleted.get_json()
    bo_headers = join(bo, "Bo <b>Okonkwo</b>")
    bo_page = EditorPage(bo, bo_headers, dusk, "bo-dusk-1")
    response = bo.post(f"/api/images/{dusk}/annotations", headers=bo_headers, json={
        "client_id": "bo-car-1", "category_id": 7, "parts": WIGGLY, "session_id": bo_page.session_id,
        "sent_t": bo_page.t + 6_000, "events": [bo_page.event(2_000, "draw-start", "bo-car-1"),
                                                 bo_page.event(0, "vertex", "bo-car-1", provenance="click"),
                                                 bo_page.event(4_000, "close", "bo-car-1")]})
    assert response.status_code == 201, response.get_json()
    return {"room": room, "street": street, "dusk": dusk, "amara": amara, "bo": bo}


def test_the_debrief_figures_are_the_labour_summary_s(drawn_room):
    instructor = drawn_room["room"].test_client()
    summary = instructor.get("/api/labour/summary.json", headers=TOKEN).get_json()
    answer = instructor.get("/api/debrief", headers=TOKEN)
    assert answer.status_code == 200, answer.get_json()
    figures = answer.get_json()
    DebriefFigures.model_validate(figures)
    assert figures["totals"] == summary["totals"] and figures["classes"] == summary["classes"]
    assert figures["definitions"] == summary["definitions"]
    assert figures["idle_threshold_ms"] == summary["idle_threshold_ms"]
    assert figures["polygons"] == [{name: row[name] for name in ("image_id", "category_id", "deleted", "closed",
                                                                  "vertices", "total_ms")}
                                   for row in summary["polygons"]]
    assert figures["images"] == [{"image_id": row["image_id"]} for row in summary["images"]]
    assert figures["cancelled"] == [{"total_ms": row["total_ms"]} for row in summary["cancelled"]]
    assert figures["totals"]["polygons"] == 3 and figures["totals"]["people"] == 2
    # The credits: the instructor's view only, names as data (the page sets them as text).
    assert figures["names"] == ["Amara", "Bo <b>Okonkwo</b>"] and figures["shared"] is False
    assert not any("person" in row or "annotation" in row for row in figures["polygons"])


def test_the_time_lapse_has_every_outline_with_its_drawing_times(drawn_room):
    instructor = drawn_room["room"].test_client()
    summary = instructor.get("/api/labour/summary.json", headers=TOKEN).get_json()
    answer = instructor.get("/api/debrief/timeline", headers=TOKEN)
    assert answer.status_code == 200, answer.get_json()
    timeline = answer.get_json()
    DebriefTimeline.model_validate(timeline)
    by_id = {row["id"]: row for row in summary["polygons"]}
    assert [outline["id"] for outline in timeline["outlines"]] == [
        row["id"] for row in sorted(summary["polygons"], key=lambda row: (row["closed_at_ms"], row["id"]))]
    for outline in timeline["outlines"]:
        row = by_id[outline["id"]]
        assert (outline["closed_at_ms"], outline["first_ms"]) == (row["closed_at_ms"], row["first_ms"])
        assert outline["first_ms"] <= outline["closed_at_ms"]
        assert (outline["deleted"], outline["colour"], outline["category"]) == (row["deleted"], row["colour"],
                                                                               row["category"])
        assert 3 <= sum(len(part["points"]) // 2 for part in outline["parts"]) <= timeline["limits"]["points"]
    assert [outline["deleted"] for outline in timeline["outlines"]].count(True) == 1
    # Bo's 202 vertices are simplified to the limit, still spanning the outline.
    wiggly = next(outline for outline in timeline["outlines"] if outline["image_id"] == drawn_room["dusk"])
    xs = wiggly["parts"][0]["points"][::2]
    assert 3 <= len(xs) <= 32 and min(xs) == 100 and max(xs) >= 896
    assert timeline["images"] == [
        {"id": drawn_room["street"], "file_name": "street.jpg", "width": 1000, "height": 500, "outlines": 2,
         "thumbnail_url": f"/images/{drawn_room['street']}/thumbnail"},
        {"id": drawn_room["dusk"], "file_name": "dusk.png", "width": 1000, "height": 500, "outlines": 1,
         "thumbnail_url": f"/images/{drawn_room['dusk']}/thumbnail"}]
    assert timeline["counts"] == {"outlines": 3, "timed": 3, "shown": 3, "images": 2, "images_shown": 2}
    assert timeline["note"] is None
    assert timeline["start_ms"] == min(o["first_ms"] for o in timeline["outlines"])
    assert timeline["end_ms"] == max(o["closed_at_ms"] for o in timeline["outlines"])


@pytest.mark.parametrize("path", ["/api/debrief", "/api/debrief/timeline"])
def test_the_debrief_is_the_instructor_s_until_shared(drawn_room, path):
    room, amara = drawn_room["room"], drawn_room["amara"]
    refused = amara.get(path)
    assert refused.status_code == 403 and refused.get_json()["error"] == "instructor only"
    assert room.test_client().get(path).status_code == 403  # not joined, not shared: as any instructor-only view
    assert room.test_client().get(path, headers={"X-Instructor-Token": "wrong-token-for-tests"}).status_code == 403
    page = amara.get("/debrief")
    assert page.status_code == 403 and 'data-testid="debrief"' not in page.get_data(as_text=True)

    instructor = room.test_client()
    shared = instructor.put("/api/debrief/share", headers={**csrf_of(instructor), **TOKEN}, json={"shared": True})
    assert shared.status_code == 200 and shared.get_json() == {"shared": True}

    seen = amara.get(path)
    assert seen.status_code == 200
    if path == "/api/debrief":
        mine, theirs = seen.get_json(), instructor.get(path, headers=TOKEN).get_json()
        assert mine["names"] is None and theirs["names"] == ["Amara", "Bo <b>Okonkwo</b>"]
        assert {**mine, "names": None} == {**theirs, "names": None} and mine["shared"] is True
    stranger = room.test_client()
    csrf_of(stranger)
    not_joined = stranger.get(path)
    assert not_joined.status_code == 401 and not_joined.get_json()["error"] == "join first"
    page = amara.get("/debrief").get_data(as_text=True)
    assert 'data-testid="debrief"' in page and 'data-testid="share-toggle"' not in page
    assert 'data-testid="credits"' not in page
    assert stranger.get("/debrief").status_code == 302  # sent to /join first, as on every page

    instructor.put("/api/debrief/share", headers={**csrf_of(instructor), **TOKEN}, json={"shared": False})
    assert amara.get(path).status_code == 403


def test_only_the_instructor_shares_the_debrief(drawn_room):
    room, amara = drawn_room["room"], drawn_room["amara"]
    refused = amara.put("/api/debrief/share", headers=csrf_of(amara), json={"shared": True})
    assert refused.status_code == 403 and refused.get_json()["error"] == "instructor only"
    instructor = room.test_client()
    headers = {**csrf_of(instructor), **TOKEN}
    for body in ({"shared": "yes"}, {}, {"shared": True, "names": True}, [True]):
        bad = instructor.put("/api/debrief/share", headers=headers, json=body)
        assert bad.status_code == 422 and bad.get_json()["error"] == "invalid request", body
    assert instructor.get("/api/debrief", headers=TOKEN).get_json()["shared"] is False
    page = instructor.get("/debrief", headers=TOKEN).get_data(as_text=True)
    assert 'data-testid="share-toggle"' in page and "/debrief</strong>" in page  # the address to open, once shared


def test_single_user_mode_needs_no_token(client):
    figures = client.get("/api/debrief").get_json()
    assert figures["totals"]["polygons"] == 0 and figures["polygons"] == [] and figures["names"] == []
    timeline = client.get("/api/debrief/timeline").get_json()
    assert timeline["outlines"] == [] and timeline["start_ms"] is None and timeline["note"] is None
    page = client.get("/debrief")
    assert page.status_code == 200 and 'data-testid="share-toggle"' not in page.get_data(as_text=True)
