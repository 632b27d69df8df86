"""Saves built to stall the room (issue 14): each is answered within seconds, 422 naming the limit or stored
within the limits, and what was stored its owner can save again unchanged."""

from __future__ import annotations

import time

import pytest

from annotator.core import geometry
from tests.conftest import add_image
from tests.core.test_geometry import clipped_comb_and_circle, reaching_star, sine_band

WIDTH, HEIGHT = 640, 480


@pytest.fixture
def image_id(app) -> int:
    return add_image(app, WIDTH, HEIGHT)


@pytest.fixture
def save(client, csrf_headers, image_id):
    def post(parts: list, client_id: str = "pathological-0001"):
        return client.post(f"/api/images/{image_id}/annotations", headers=csrf_headers,
                           json={"client_id": client_id, "category_id": 7, "parts": parts})

    return post


def test_a_10000_point_star_reaching_1e308_is_answered_in_under_5_s_with_the_limit_named(save):
    # Before: 13-23 s of a worker thread, then stored with 15,000 vertices (201).
    start = time.perf_counter()
    response = save([{"points": reaching_star()}])
    elapsed = time.perf_counter() - start
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    body = response.get_json()
    assert body["field"] == "parts" and body["error"] == "invalid annotation"
    assert body["detail"] == ("part 1: clipped to the image it has 15,000 vertices, over the limit of "
                              "10,000 per annotation; leave out the points outside the image")
    assert elapsed < 5


def test_an_outline_stored_after_repairs_is_saved_again_unchanged_by_its_owner(save, client, csrf_headers):
    # Clipping takes it from 9,802 to 10,202 vertices: before, stored so, and its owner's unchanged save was 422.
    created = save(clipped_comb_and_circle())
    assert created.status_code == 201, created.get_data(as_text=True)[:300]
    annotation = created.get_json()["annotation"]
    assert annotation["vertex_count"] <= geometry.MAX_VERTICES
    assert any(repair.startswith("simplified from 10,202") for repair in created.get_json()["repairs"])
    again = client.patch(f"/api/annotations/{annotation['id']}", headers=csrf_headers,
                         json={"version": annotation["version"], "parts": annotation["parts"]})
    assert again.status_code == 200, again.get_data(as_text=True)[:300]
    assert again.get_json()["annotation"]["parts"] == annotation["parts"]
    assert again.get_json()["annotation"]["area"] == annotation["area"]


def test_an_outline_repaired_into_more_parts_than_the_limit_is_a_422_not_stored(save, client, image_id):
    # Before: stored with 251 parts, which no save can carry (at most 200).
    response = save([{"points": sine_band(lenses=251, samples=4, lens_width=2.5)}])
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "falls into 251 parts, over the limit of 200" in response.get_json()["detail"]
    assert client.get(f"/api/images/{image_id}/annotations").get_json()["items"] == []
