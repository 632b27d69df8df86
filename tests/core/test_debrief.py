"""core/debrief.py: the debrief's figures are the report's own, and the time-lapse stays bounded in size whatever
the room drew (outlines, images and vertices capped, the outlines spread evenly over time, what was left out said)."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.core import debrief

CIRCLE = [{"points": [value for step in range(1000)
                      for value in (500 + 400 * math.cos(step / 500 * math.pi),
                                    300 + 250 * math.sin(step / 500 * math.pi))], "hole": False}]


def row(number: int, image_id: int = 1, closed: float | None = 1_000.0, first: float | None = 500.0) -> dict:
    return {"id": number, "image_id": image_id, "category": "car", "category_id": 7, "colour": "#0000ff",
            "deleted": False, "closed": True, "vertices": 4, "total_ms": 2_000.0, "first_ms": first,
            "closed_at_ms": closed, "annotation": f"poly-{number}", "person": "annotator-1"}


def test_the_figures_are_the_report_s_without_anyone_in_them():
    report = {"idle_threshold_ms": 30_000.0, "definitions": {"clicks": "Vertices placed by hand."},
              "totals": {"polygons": 2, "active_ms": 9_000.0}, "classes": [{"category": "car", "mean_ms": 2_000.0}],
              "polygons": [row(1), row(2, image_id=2)], "cancelled": [{"annotation": "poly-9", "total_ms": 300.0}],
              "images": [{"image_id": 1, "file_name": "a.jpg"}, {"image_id": 2, "file_name": "b.jpg"}],
              "people": [{"person": "annotator-1", "name": "Bo"}]}
    figures = debrief.room_figures(report, ["bo", "Amara", "Álvaro"])
    assert figures["totals"] == report["totals"] and figures["classes"] == report["classes"]
    assert figures["polygons"][0] == {"image_id": 1, "category_id": 7, "deleted": False, "closed": True,
                                      "vertices": 4, "total_ms": 2_000.0}
    assert figures["cancelled"] == [{"total_ms": 300.0}] and figures["images"] == [{"image_id": 1}, {"image_id": 2}]
    assert figures["names"] == ["Amara", "bo", "Álvaro"]
    assert debrief.room_figures(report)["names"] is None
    assert "annotator-1" not in json.dumps(debrief.room_figures(report))


def test_a_thousand_vertex_outline_keeps_its_shape_in_thirty_two():
    parts = debrief.simplified_parts(CIRCLE)
    points = parts[0]["points"]
    assert 8 <= len(points) // 2 <= debrief.MAX_POINTS
    xs, ys = points[::2], points[1::2]
    assert (min(xs), max(xs)) == (100, 900) and (min(ys), max(ys)) == (50, 550)
    assert all(isinstance(value, int) for value in points)


def test_holes_go_before_the_outline_loses_its_shape():
    hole = {"points": [value for step in range(100) for value in (500 + 50 * math.cos(step / 50 * math.pi),
                                                                  300 + 50 * math.sin(step / 50 * math.pi))],
            "hole": True}
    parts = debrief.simplified_parts([CIRCLE[0], hole], max_points=12)
    assert sum(len(part["points"]) // 2 for part in parts) <= 12 and not any(part["hole"] for part in parts)
    assert debrief.simplified_parts([{"points": [1, 1, 1, 1, 2, 2]}]) == []  # fewer than three distinct points


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 4000), st.floats(0, 3000)), min_size=3, max_size=400),
       st.integers(3, 60))
def test_no_outline_passes_its_vertex_budget(pairs, budget):
    parts = debrief.simplified_parts([{"points": [value for pair in pairs for value in pair]}], max_points=budget)
    assert sum(len(part["points"]) // 2 for part in parts) <= budget
    assert all(len(part["points"]) >= 6 for part in parts)


def test_a_long_workshop_is_sampled_evenly_over_its_time_on_the_busiest_images():
    polygons = [row(number, image_id=1 + number % 60, closed=1_000.0 * number, first=1_000.0 * number - 500)
                for number in range(1, 10_001)]
    polygons += [row(20_000, closed=None, first=None), row(20_001, image_id=999)]  # no close; a removed image
    images = {image_id: {"file_name": f"{image_id}.jpg", "width": 1000, "height": 600} for image_id in range(1, 61)}
    selection = debrief.choose(polygons, images, max_outlines=3_000, max_images=48)
    assert len(selection.chosen) == 3_000 and len(selection.images) == 48
    closes = [item["closed_at_ms"] for item in selection.chosen]
    assert closes == sorted(closes) and closes[0] <= 13_000 and closes[-1] >= 9_990_000
    per_tenth = [sum(1 for close in closes if tenth * 1_000_000 < close <= (tenth + 1) * 1_000_000)
                 for tenth in range(10)]
    assert min(per_tenth) >= 280, per_tenth  # spread over the whole time, not the first 3,000
    timeline = debrief.timeline(selection, {item["id"]: CIRCLE for item in selection.chosen}, images)
    assert timeline["counts"] == {"outlines": 10_002, "timed": 10_000, "shown": 3_000, "images": 60,
                                  "images_shown": 48}
    assert "2 of 10002 outlines have no time" in timeline["note"] and "48 images with the most" in timeline["note"]
    assert "3000 of their" in timeline["note"] and timeline["limits"] == {"outlines": 3_000, "images": 48, "points": 32}
    size = len(json.dumps(timeline))
    assert size < 1_500_000, size  # bounded


def test_an_outline_without_a_first_vertex_time_starts_at_its_close():
    selection = debrief.choose([row(1, first=None), row(2, first=1_500.0)], [1])
    timeline = debrief.timeline(selection, {1: CIRCLE, 2: CIRCLE}, {1: {"file_name": "a.jpg", "width": 1000,
                                                                        "height": 600}})
    assert [(item["first_ms"], item["closed_at_ms"]) for item in timeline["outlines"]] == [(1_000.0, 1_000.0),
                                                                                           (1_000.0, 1_000.0)]
    assert timeline["start_ms"] == 1_000.0 and timeline["note"] is None
    assert timeline["images"] == [{"id": 1, "file_name": "a.jpg", "width": 1000, "height": 600, "outlines": 2}]
