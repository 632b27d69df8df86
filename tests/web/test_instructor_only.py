"""Every admin endpoint refuses a workshop participant with 403, and the list of them is deliberate."""

from __future__ import annotations

import re

import pytest
from flask import Flask

from tests.conftest import join

# Changing this set is a decision about who may do what: say why in the commit.
INSTRUCTOR_ONLY = {
    ("PUT", "/api/categories"),
    ("POST", "/api/images"),
    ("DELETE", "/api/images/<int:image_id>"),
    ("POST", "/api/import/coco"),
    ("GET", "/api/export/coco"),
    ("GET", "/api/export/preview"),
    ("GET", "/api/export/masks.zip"),
    ("PUT", "/api/pay"),
    ("DELETE", "/api/pay"),
    ("PUT", "/api/workshop"),
    ("PUT", "/api/debrief/share"),
    ("GET", "/api/workshop/backups"),
    ("POST", "/api/workshop/backups"),
    ("GET", "/api/workshop/backups/<name>"),
    ("POST", "/api/workshop/reset"),
    ("GET", "/api/workshop/live"),
    ("GET", "/live"),
    ("GET", "/export"),
    ("GET", "/labels"),  # the label-set editor: it edits what PUT /api/categories replaces
    ("GET", "/api/categories/archived"),
    ("POST", "/api/categories/file"),  # reads a label file for the editor; saves nothing, but only it needs it
    ("POST", "/api/proposals/<int:proposal_id>/accept"),
    ("POST", "/api/proposals/<int:proposal_id>/merge"),
    ("POST", "/api/proposals/<int:proposal_id>/reject"),
    ("POST", "/api/annotations/<int:annotation_id>/resolve"),
}


def guarded_routes(app: Flask) -> set[tuple[str, str]]:
    found = set()
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if getattr(view, "instructor_only", False):
            found |= {(method, rule.rule) for method in rule.methods - {"HEAD", "OPTIONS"}}
    return found


def concrete(path: str) -> str:
    return re.sub(r"<(?:int:)?[a-z_]+>", lambda m: "1" if m.group(0).startswith("<int:") else "x", path)


def test_the_guarded_endpoints_are_exactly_the_instructor_only_list(room):
    assert guarded_routes(room) == INSTRUCTOR_ONLY


@pytest.mark.parametrize(("method", "path"), sorted(INSTRUCTOR_ONLY))
def test_a_participant_is_refused_every_admin_endpoint(room, method, path):
    participant = room.test_client()
    headers = join(participant, "Amara")
    response = participant.open(concrete(path), method=method, headers=headers, json={})
    assert response.status_code == 403, (method, path, response.get_data(as_text=True)[:300])
    if path.startswith("/api/"):
        assert response.get_json()["error"] == "instructor only"


@pytest.mark.parametrize("path", ["/api/labour/summary.json", "/api/labour/events.csv"])
def test_a_participant_is_refused_everyone_elses_timings_and_names(room, path):
    amara, bo = room.test_client(), room.test_client()
    join(amara, "Amara")
    join(bo, "Bo")
    bo_pseudonym = bo.get("/api/me").get_json()["annotator"]
    assert amara.get(f"{path}?annotator={bo_pseudonym}").status_code == 403
    assert amara.get(f"{path}?names=1").status_code == 403
    assert amara.get(path).status_code == 200  # their own record


@pytest.mark.parametrize(("method", "path"), sorted(INSTRUCTOR_ONLY))
def test_the_instructor_gets_past_the_guard(room, instructor, method, path):
    client, headers = instructor
    response = client.open(concrete(path), method=method, headers=headers, json={})
    assert response.status_code != 403, (method, path, response.get_data(as_text=True)[:300])


@pytest.mark.parametrize("page", ["/workshop"])
def test_a_participant_is_refused_the_instructors_pages(room, page):
    participant = room.test_client()
    join(participant, "Amara")
    assert participant.get(page).status_code == 403
