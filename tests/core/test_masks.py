"""masks: the pycocotools boundary. Plain RLE dicts in and out, the same numbers COCO itself computes."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask

from annotator.core import masks

# Deterministic in CI: the same examples every run, no example database written into the checkout.
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)


def small_masks(max_side: int = 16) -> st.SearchStrategy[np.ndarray]:
    shapes = st.tuples(st.integers(1, max_side), st.integers(1, max_side))
    return shapes.flatmap(lambda shape: arrays(np.uint8, shape, elements=st.integers(0, 1)))


def test_a_polygon_becomes_compressed_rle_with_string_counts_that_survives_json():
    rle = masks.polygons_to_rle([[0, 0, 10, 0, 10, 10, 0, 10]], 20, 30)
    assert rle["size"] == [20, 30]
    assert isinstance(rle["counts"], str)
    assert json.loads(json.dumps(rle)) == rle
    assert masks.area(rle) == 100
    assert masks.bbox(rle) == [0.0, 0.0, 10.0, 10.0]


def test_overlapping_polygons_are_unioned_not_added():
    rle = masks.polygons_to_rle([[0, 0, 10, 0, 10, 10, 0, 10], [5, 0, 15, 0, 15, 10, 5, 10]], 20, 30)
    assert masks.area(rle) == 150
    assert masks.bbox(rle) == [0.0, 0.0, 15.0, 10.0]


def test_no_polygons_is_the_empty_mask():
    rle = masks.polygons_to_rle([], 4, 5)
    assert masks.area(rle) == 0
    assert masks.decode(rle).shape == (4, 5)
    assert rle == masks.empty_rle(4, 5)


@pytest.mark.parametrize("polygon", [[0, 0, 10, 0], [0, 0, 10, 0, 10], []])
def test_a_polygon_of_fewer_than_three_points_is_refused(polygon):
    with pytest.raises(ValueError, match="at least three"):
        masks.polygons_to_rle([polygon], 20, 30)


def test_a_four_number_polygon_is_never_read_as_a_bbox():
    # pycocotools' frPyObjects takes [x, y, w, h] for a bbox; a polygon that short must not slip through.
    with pytest.raises(ValueError):
        masks.polygons_to_rle([[1, 1, 5, 5]], 20, 30)


def test_decode_gives_zeros_and_ones_of_the_image_shape_without_warnings():
    mask = np.zeros((7, 9), dtype=np.uint8)
    mask[2:5, 3:8] = 1
    decoded = masks.decode(masks.encode(mask))
    assert decoded.dtype == np.uint8 and decoded.shape == (7, 9)
    assert set(np.unique(decoded)) <= {0, 1}
    np.testing.assert_array_equal(decoded, mask)


def test_encode_accepts_boolean_and_c_ordered_masks():
    mask = np.zeros((5, 6), dtype=bool)
    mask[1, 2:] = True
    np.testing.assert_array_equal(masks.decode(masks.encode(mask)), mask.astype(np.uint8))


def test_uncompressed_rle_is_accepted_and_compressed():
    uncompressed = {"size": [3, 4], "counts": [2, 3, 7]}  # column-major runs: 2 off, 3 on, 7 off
    compressed = masks.to_compressed(uncompressed)
    assert isinstance(compressed["counts"], str)
    decoded = masks.decode(uncompressed)
    assert decoded.sum() == 3
    np.testing.assert_array_equal(decoded, masks.decode(compressed))
    assert decoded.flatten(order="F").tolist() == [0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]


def test_compressed_rle_with_bytes_counts_comes_back_as_a_string():
    native = coco_mask.encode(np.asfortranarray(np.ones((3, 3), dtype=np.uint8)))
    assert isinstance(native["counts"], bytes)
    assert isinstance(masks.to_compressed(native)["counts"], str)


def test_subtract_removes_the_holes_pixels_only():
    outer = masks.polygons_to_rle([[0, 0, 10, 0, 10, 10, 0, 10]], 12, 12)
    holes = masks.polygons_to_rle([[2, 2, 4, 2, 4, 4, 2, 4], [8, 8, 12, 8, 12, 12, 8, 12]], 12, 12)
    result = masks.subtract(outer, holes)
    assert masks.area(result) == 100 - 4 - 4  # the second hole is half outside the outer part
    assert not (masks.decode(result) & masks.decode(holes)).any()


def test_iou_of_two_empty_masks_is_zero_not_nan():
    empty = masks.empty_rle(5, 5)
    assert masks.iou(empty, empty) == 0.0


def test_iou_of_half_overlapping_squares():
    first = masks.polygons_to_rle([[0, 0, 10, 0, 10, 10, 0, 10]], 20, 20)
    second = masks.polygons_to_rle([[5, 0, 15, 0, 15, 10, 5, 10]], 20, 20)
    assert masks.iou(first, second) == pytest.approx(50 / 150)


@PROPERTY
@given(small_masks())
def test_encode_then_decode_is_the_identity(mask):
    rle = masks.encode(mask)
    np.testing.assert_array_equal(masks.decode(rle), mask)
    assert masks.area(rle) == int(mask.sum())


@PROPERTY
@given(small_masks())
def test_bbox_is_the_tightest_box_around_the_pixels(mask):
    x, y, width, height = masks.bbox(masks.encode(mask))
    rows, columns = np.nonzero(mask)
    if not len(rows):
        assert (x, y, width, height) == (0, 0, 0, 0)
        return
    assert (x, y) == (columns.min(), rows.min())
    assert (x + width, y + height) == (columns.max() + 1, rows.max() + 1)


@PROPERTY
@given(small_masks(), st.data())
def test_iou_is_symmetric_bounded_and_one_for_identical_masks(first, data):
    second = data.draw(arrays(np.uint8, first.shape, elements=st.integers(0, 1)))
    a, b = masks.encode(first), masks.encode(second)
    assert masks.iou(a, b) == masks.iou(b, a)
    assert 0.0 <= masks.iou(a, b) <= 1.0
    union = int((first | second).sum())
    assert masks.iou(a, b) == pytest.approx(int((first & second).sum()) / union if union else 0.0)
    if first.any():
        assert masks.iou(a, a) == 1.0
        assert masks.iou(a, masks.encode(1 - first)) == 0.0  # disjoint


@PROPERTY
@given(small_masks(), st.data())
def test_subtract_is_set_difference(first, data):
    second = data.draw(arrays(np.uint8, first.shape, elements=st.integers(0, 1)))
    difference = masks.decode(masks.subtract(masks.encode(first), masks.encode(second)))
    np.testing.assert_array_equal(difference, first & (1 - second))
