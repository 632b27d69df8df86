"""Intelligent scissors: the features computed once per image are OpenCV's own, the outline follows the edges
between clicked points (on the sample scenes' ground truth and on a synthetic ring), and the work of a request
is bounded before it starts."""

from __future__ import annotations

import statistics
import time

import cv2
import numpy as np
import pytest

from annotator.core import masks
from annotator.core.assists import scissors
from annotator.core.assists.picture import picture_of
from annotator.core.refused import Refused
from tests.core.assists.conftest import iou_with, largest, scene


def clicks_along(mask: np.ndarray, count: int) -> list[list[float]]:
    """`count` points spread evenly along the outer edge of a mask, as a person clicks round an object."""
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    edge = max(contours, key=cv2.contourArea).reshape(-1, 2)
    step = len(edge) / count
    return [[float(x) + 0.5, float(y) + 0.5] for x, y in (edge[int(index * step)] for index in range(count))]


def straight_polygon_iou(points: list[list[float]], rle: masks.RLE, height: int, width: int) -> float:
    return masks.iou(masks.polygons_to_rle([[value for point in points for value in point]], height, width), rle)


def tool_with(features: scissors.EdgeFeatures) -> cv2.segmentation.IntelligentScissorsMB:
    tool = cv2.segmentation.IntelligentScissorsMB()
    tool.setEdgeFeatureCannyParameters(*scissors.CANNY_THRESHOLDS)
    tool.setGradientMagnitudeMaxLimit(scissors.GRADIENT_LIMIT)
    tool.applyImageFeatures(features.non_edge, features.direction, features.magnitude_cost)
    return tool


def test_the_features_kept_per_image_are_those_opencv_computes_itself(ring_scene):
    """applyImage's features cannot be read back; the paths they give must match those of ours."""
    picture, _ = ring_scene
    own = cv2.segmentation.IntelligentScissorsMB()
    own.setEdgeFeatureCannyParameters(*scissors.CANNY_THRESHOLDS)
    own.setGradientMagnitudeMaxLimit(scissors.GRADIENT_LIMIT)
    own.applyImage(cv2.cvtColor(picture.pixels, cv2.COLOR_RGB2BGR))
    ours = tool_with(scissors.edge_features(picture))
    for source, target in [((160, 50), (230, 120)), ((90, 120), (160, 190)), ((160, 90), (190, 120))]:
        own.buildMap(source)
        ours.buildMap(source)
        assert np.array_equal(own.getContour(target), ours.getContour(target))


def test_clicks_along_ground_truth_outlines_give_outlines_close_to_them_and_closer_than_straight_lines():
    ious, straight = [], []
    for thing in largest("car", 5) + largest("person", 5):
        picture = scene(thing.image_id)
        points = clicks_along(thing.mask, 8)  # measured: median IoU 0.88, the straight polygon's 0.77
        parts = scissors.outline_points(scissors.edge_features(picture), picture, points)
        ious.append(iou_with(parts, thing.rle, picture))
        straight.append(straight_polygon_iou(points, thing.rle, picture.height, picture.width))
    assert statistics.median(ious) >= 0.8, ious
    assert statistics.median(ious) > statistics.median(straight) + 0.05, (ious, straight)


def test_a_ring_clicked_at_eight_points_is_outlined_along_its_edge(ring_scene):
    picture, truth = ring_scene
    outer = np.zeros_like(truth)
    cv2.circle(outer, (160, 120), 70, 1, thickness=-1)
    parts = scissors.outline_points(scissors.edge_features(picture), picture, clicks_along(outer, 8))
    assert [part.hole for part in parts] == [False]
    assert iou_with(parts, masks.encode(outer), picture) > 0.95


def test_an_open_path_runs_from_the_first_point_to_the_last_through_the_others(ring_scene):
    picture, _ = ring_scene
    points = [[160.5, 50.5], [230.5, 120.5], [160.5, 190.5]]
    path = scissors.path_through(scissors.edge_features(picture), picture, points)
    pairs = list(zip(path[0::2], path[1::2], strict=True))
    assert pairs[0] == (160.5, 50.5) and pairs[-1] == (160.5, 190.5) and (230.5, 120.5) in pairs
    steps = np.abs(np.diff(np.asarray(pairs), axis=0)).max(axis=1)
    assert steps.max() == 1.0  # neighbouring pixels all along: no jumps


def test_each_segment_searches_only_the_window_round_its_points(ring_scene, monkeypatch):
    picture, _ = ring_scene
    features = scissors.edge_features(picture)
    sizes = []
    real = scissors._window

    def recording(start, end, shape):
        window = real(start, end, shape)
        sizes.append(window)
        return window

    monkeypatch.setattr(scissors, "_window", recording)
    scissors.outline_points(features, picture, [[150, 60], [170, 60], [170, 80]])
    assert sizes and all((right - left) * (bottom - top) < 70 * 70 for left, top, right, bottom in sizes)


@pytest.mark.parametrize(("points", "field", "message"), [
    ([[10, 10], [20, 10], [330, 10]], "points[2]", "point 3 (330, 10) lies outside the image (320 x 240)"),
    ([[10, 10], [20, 10], [20, -1]], "points[2]", "lies outside the image"),
    ([[0, 0], [319, 239], [0, 239]], "points", "points 1 and 2 are 399 px apart"),
])
def test_points_outside_the_image_or_too_far_apart_are_refused(ring_scene, points, field, message, monkeypatch):
    picture, _ = ring_scene
    monkeypatch.setattr(scissors, "MAX_SEGMENT", 300)
    with pytest.raises(Refused) as refused:
        scissors.check_points(points, picture)
    assert refused.value.field == field and message in refused.value.message


def test_too_many_points_and_too_much_searching_are_refused_before_any_search(ring_scene, monkeypatch):
    picture, _ = ring_scene
    with pytest.raises(Refused, match=f"at most {scissors.MAX_POINTS}"):
        scissors.check_points([[10, 10]] * (scissors.MAX_POINTS + 1), picture)
    monkeypatch.setattr(scissors, "MAX_SEARCH_PIXELS", 50_000)
    zigzag = [[20, 20], [300, 220]] * 3
    with pytest.raises(Refused, match=r"would search .* pixels, more than the 50,000 one request may"):
        scissors.outline_points(scissors.edge_features(picture), picture, zigzag)


def test_the_features_are_made_once_and_a_warm_outline_takes_milliseconds():
    thing = largest("car", 1)[0]
    picture = scene(thing.image_id)
    started = time.process_time()
    features = scissors.edge_features(picture)
    cold = time.process_time() - started
    points = clicks_along(thing.mask, 12)
    started = time.process_time()
    scissors.outline_points(features, picture, points)
    warm = time.process_time() - started
    assert cold < 1.0 and warm < 0.5, (cold, warm)


def test_a_featureless_picture_gives_a_straight_outline_not_an_error():
    picture = picture_of(np.full((100, 100, 3), 128, dtype=np.uint8))
    parts = scissors.outline_points(scissors.edge_features(picture), picture, [[20, 20], [80, 20], [50, 80]])
    assert len(parts) == 1 and not parts[0].hole
