"""geometry: what the save path does to a submitted outline, and tracing masks back into outlines.

An outline is refused with a message naming the part, or stored valid, inside the image and with the
mask, area and bbox that pycocotools itself computes from the stored parts.
"""

from __future__ import annotations

import json
import math
import time
import warnings

import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from pycocotools import mask as coco_mask
from shapely.geometry import Polygon, box

from annotator.core import geometry, masks
from annotator.core.geometry import GeometryError, Part, clipping, shape_from_parts
from annotator.core.geometry.rings import rounded_all

WIDTH, HEIGHT = 120, 90
# Deterministic in CI: the same examples every run, no example database written into the checkout.
PROPERTY = settings(max_examples=150, deadline=None, derandomize=True, database=None)

SQUARE = [10, 10, 30, 10, 30, 30, 10, 30]


def save(*rings: list[float], holes: tuple[list[float], ...] = (), width: int = WIDTH,
         height: int = HEIGHT) -> geometry.Shape:
    parts = [{"points": list(ring)} for ring in rings] + [{"points": list(ring), "hole": True} for ring in holes]
    return shape_from_parts(parts, width, height)


def refusal(parts: object, width: int = WIDTH, height: int = HEIGHT) -> str:
    with pytest.raises(GeometryError) as caught:
        shape_from_parts(parts, width, height)
    return str(caught.value)


def pairs_of(part: Part) -> list[tuple[float, float]]:
    return list(zip(part.points[0::2], part.points[1::2], strict=True))


# --- strategies -----------------------------------------------------------------------------------------


@st.composite
def star_polygons(draw: st.DrawFn, inside: bool = False) -> list[float]:
    """A simple polygon: vertices at increasing angles around a centre (a random radial star)."""
    count = draw(st.integers(3, 24))
    if inside:
        cx, cy = draw(st.floats(30, WIDTH - 30)), draw(st.floats(30, HEIGHT - 30))
        radii = st.floats(1, 29.9)
    else:
        cx, cy = draw(st.floats(-20, WIDTH + 20)), draw(st.floats(-20, HEIGHT + 20))
        radii = st.floats(0.5, 80)
    angles = sorted(draw(st.lists(st.floats(0, 2 * math.pi, exclude_max=True), min_size=count, max_size=count,
                                  unique=True)))
    points: list[float] = []
    for angle in angles:
        radius = draw(radii)
        points += [cx + radius * math.cos(angle), cy + radius * math.sin(angle)]
    return points


# Coordinates that collide often (image corners and edges, a few grid values) make collinear and touching rings.
coordinates = st.one_of(st.floats(-40, WIDTH + 40), st.sampled_from([0.0, 10.0, 45.0, 60.0, float(HEIGHT), WIDTH]))


@st.composite
def scribbles(draw: st.DrawFn) -> list[float]:
    """Arbitrary points in and around the image: bow-ties, spikes, repeats and collinear runs."""
    points = draw(st.lists(st.tuples(coordinates, coordinates), min_size=3, max_size=10))
    return [value for point in points for value in point]


@st.composite
def with_near_duplicates(draw: st.DrawFn, ring: st.SearchStrategy[list[float]]) -> list[float]:
    """A ring with some points repeated a hair away (closer than, and around, the stored precision)."""
    points = draw(ring)
    pairs = list(zip(points[0::2], points[1::2], strict=True))
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(pairs) - 1))
        dx, dy = (draw(st.sampled_from([0.0, 1e-9, 3e-4, -4e-4, 6e-4, 2e-3])) for _ in range(2))
        pairs.insert(index + 1, (pairs[index][0] + dx, pairs[index][1] + dy))
    return [value for pair in pairs for value in pair]


rings = st.one_of(star_polygons(), scribbles(),
                  with_near_duplicates(star_polygons()), with_near_duplicates(scribbles()))


@st.composite
def outlines(draw: st.DrawFn) -> list[dict]:
    """One to three outer rings, sometimes with a hole."""
    parts = [{"points": ring} for ring in draw(st.lists(rings, min_size=1, max_size=3))]
    if draw(st.booleans()):
        parts.append({"points": draw(st.one_of(star_polygons(), scribbles())), "hole": True})
    return parts


def stored_or_refused(parts: list[dict]) -> geometry.Shape:
    """The stored shape; a refusal is allowed (with a message) but then there is nothing more to check."""
    try:
        return shape_from_parts(parts, WIDTH, HEIGHT)
    except GeometryError as error:
        assert str(error)
        assume(False)
        raise


# --- refusals -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("points", [
    [0, 0, 10, 10],
    [5, 5, 5, 5, 5, 5, 5, 5],  # all points equal
    [0, 0, 10, 0, 0, 0, 10, 0],  # four points, two distinct
    [0, 0, 10, 0, 10, 0, 0, 0],  # a repeat and a closing repeat
])
def test_fewer_than_three_distinct_points_is_refused(points):
    assert refusal([{"points": points}]) == "part 1: fewer than three distinct points"


def test_the_refusal_names_the_part():
    assert refusal([{"points": SQUARE}, {"points": [1, 1, 1, 1, 1, 1]}]) == "part 2: fewer than three distinct points"


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf"), 10**400])
def test_non_finite_coordinates_are_refused(value):
    # 10**400 is what Python's json makes of a 401-digit integer: not representable as a float.
    assert refusal([{"points": [0, 0, value, 0, 10, 10]}]) == "part 1: point 2 is not a finite number"


@pytest.mark.parametrize("value", ["3", None, True, {"x": 1}])
def test_coordinates_that_are_not_numbers_are_refused(value):
    message = refusal([{"points": [0, 0, 10, 0, 10, value]}])
    assert message == "part 1: point 3 has a coordinate that is not a number"


@pytest.mark.parametrize("points", [[[0, 0], [10, 0], [10, 10]], [[0, 0], [10, 0], [10, 10], [0, 10]],
                                    [0, 0, 10, [0, 10], 10]])
def test_nested_lists_of_points_are_refused_as_not_flat(points):
    assert refusal([{"points": points}]) == "part 1: 'points' must be a flat list of numbers [x1, y1, x2, y2, ...]"


@pytest.mark.parametrize(("parts", "message"), [
    (None, "an outline needs at least one part"),
    ([], "an outline needs at least one part"),
    ({"points": SQUARE}, "an outline needs at least one part"),
    (["0,0,10,0,10,10"], "part 1: expected an object with 'points'"),
    ([{"pts": SQUARE}], "part 1: expected an object with 'points'"),
    ([{"points": "0 0 10 0 10 10"}], "part 1: 'points' must be a flat list of numbers [x1, y1, x2, y2, ...]"),
    ([{"points": SQUARE, "hole": "yes"}], "part 1: 'hole' must be true or false"),
    ([{"points": SQUARE}] * (geometry.MAX_PARTS + 1), f"too many parts (201); the limit is {geometry.MAX_PARTS}"),
])
def test_garbage_is_refused_with_a_message(parts, message):
    assert refusal(parts) == message


def test_an_odd_number_of_coordinates_is_refused():
    assert refusal([{"points": [0, 0, 10, 0, 10]}]) == "part 1: an odd number of coordinates (5)"


def test_more_vertices_than_the_limit_is_refused_across_parts():
    half = geometry.MAX_VERTICES // 2
    ring = [value for index in range(half) for value in (50 + 40 * math.cos(index), 45 + 40 * math.sin(index))]
    message = f"too many vertices; the limit is {geometry.MAX_VERTICES} per annotation"
    assert refusal([{"points": ring}, {"points": [*ring, 1, 1]}]) == message


def test_exactly_the_vertex_limit_is_accepted():
    count = geometry.MAX_VERTICES
    ring = [value for index in range(count) for value in
            (50 + 40 * math.cos(2 * math.pi * index / count), 45 + 40 * math.sin(2 * math.pi * index / count))]
    assert shape_from_parts([{"points": ring}], WIDTH, HEIGHT).vertex_count == count


def test_an_outline_entirely_outside_the_image_is_refused():
    message = refusal([{"points": [200, 200, 300, 200, 300, 300]}])
    assert message == "nothing of the outline is left (part 1: clipped to the image (3 point(s) outside))"


def test_points_on_one_line_enclose_no_area():
    assert refusal([{"points": [0, 0, 5, 5, 10, 10]}]) == "nothing of the outline is left (part 1: encloses no area)"


def test_an_outline_thinner_than_a_pixel_everywhere_is_refused_rather_than_stored_with_an_empty_mask():
    # 69 px long and 0.3 px wide: 20 px² of polygon, but it covers no pixel centre.
    message = refusal([{"points": [10.6, 10.1, 80, 10.1, 80, 10.4, 10.6, 10.4]}])
    assert message.startswith("the outline covers no pixel")


def test_a_hole_covering_the_whole_outline_leaves_no_pixel():
    parts = [{"points": SQUARE}, {"points": [0, 0, 40, 0, 40, 40, 0, 40], "hole": True}]
    assert refusal(parts).startswith("the outline covers no pixel")


# --- repairs --------------------------------------------------------------------------------------------


def test_a_clean_polygon_is_stored_as_drawn_without_repairs():
    shape = save([10.25, 10.5, 30.125, 10, 30, 29.75, 10, 30])
    assert shape.parts == (Part((10.25, 10.5, 30.125, 10.0, 30.0, 29.75, 10.0, 30.0)),)
    assert shape.repairs == ()


def test_a_repeated_closing_point_and_consecutive_repeats_are_dropped_silently():
    shape = save([10, 10, 30, 10, 30, 10, 30, 30, 10, 30, 10, 10])
    assert shape.parts == (Part((10.0, 10.0, 30.0, 10.0, 30.0, 30.0, 10.0, 30.0)),)
    assert shape.repairs == ()


def test_a_bow_tie_is_repaired_into_two_triangles_and_says_so():
    shape = save([10, 10, 30, 30, 30, 10, 10, 30])
    assert shape.repairs == ("part 1: repaired a self-intersection into 2 part(s)",)
    assert len(shape.parts) == 2
    assert sorted(Polygon(pairs_of(part)).area for part in shape.parts) == [100.0, 100.0]
    assert all(Polygon(pairs_of(part)).is_valid for part in shape.parts)


def test_points_outside_the_image_are_clipped_and_counted():
    shape = save([-10, -10, 50, -10, 50, 50, -10, 50])
    assert shape.repairs == ("part 1: clipped to the image (3 point(s) outside)",)
    assert shape.area == 50 * 50
    assert shape.bbox == [0.0, 0.0, 50.0, 50.0]
    assert Polygon(pairs_of(shape.parts[0])).equals(box(0, 0, 50, 50))


def test_points_on_the_image_border_are_inside():
    shape = save([0, 0, WIDTH, 0, WIDTH, HEIGHT, 0, HEIGHT])
    assert shape.repairs == ()
    assert shape.area == WIDTH * HEIGHT
    assert shape.bbox == [0.0, 0.0, float(WIDTH), float(HEIGHT)]


@pytest.mark.parametrize("far", [1e308, -1e308, 1.7976931348623157e308, 1e200, 1e15, 2e9])
def test_huge_finite_coordinates_are_clipped_exactly_without_overflow(far):
    # 1e308 is finite and accepted; GEOS overflows on it (1e308 - -1e308 is inf), so it is clipped first.
    size = abs(far)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow RuntimeWarning from shapely either
        shape = save([-size, -size, size, -size, 0, size])  # a triangle around the whole image
    assert shape.area == WIDTH * HEIGHT
    assert shape.repairs == ("part 1: clipped to the image (3 point(s) outside)",)
    assert all(0 <= x <= WIDTH and 0 <= y <= HEIGHT for part in shape.parts for x, y in pairs_of(part))


def test_a_huge_bow_tie_keeps_the_half_of_it_that_crosses_the_image():
    # The triangle (0, 0), (5e307, 5e307), (0, 1e308) covers the image above its diagonal y = x.
    shape = save([0, 0, 1e308, 1e308, 1e308, 0, 0, 1e308])
    assert len(shape.parts) == 1
    assert Polygon(pairs_of(shape.parts[0])).equals(Polygon([(0, 0), (HEIGHT, HEIGHT), (0, HEIGHT)]))


def test_a_huge_edge_crossing_the_image_is_clipped_where_it_really_crosses():
    # Far to the left and up to the right: the edge from (-1e308, 0) to (1e9 + 1, 100) is level at y ~ 100.
    shape = save([-1e308, 0, 1e9 + 1, 100, 1e9 + 1, 0])
    assert shape.area == WIDTH * HEIGHT


def test_slivers_are_dropped_and_named():
    shape = save(SQUARE, [50, 50, 60, 50, 60, 50.05])
    assert shape.repairs == ("part 2: dropped a sliver of 0.25 px²",)
    assert len(shape.parts) == 1


def test_a_sliver_left_by_clipping_is_dropped():
    shape = save(SQUARE, [-10, 40, 0.04, 40, 0.04, 60, -10, 60])  # 0.04 px of it inside the image
    assert shape.repairs == ("part 2: clipped to the image (2 point(s) outside)",
                             "part 2: dropped a sliver of 0.80 px²")
    assert len(shape.parts) == 1


def star_ring(points: int, step: int) -> list[float]:
    """The regular star polygon {points/step} as one ring: it crosses itself points * (step - 1) times."""
    angles = [2 * math.pi * (index * step % points) / points for index in range(points)]
    return [value for angle in angles for value in (60 + 40 * math.cos(angle), 45 + 40 * math.sin(angle))]


def test_many_slivers_of_one_part_are_named_in_one_line():
    shape = save(star_ring(101, 5))  # 404 crossings: 203 pieces, 202 of them slivers at the tips
    assert shape.repairs == ("part 1: repaired a self-intersection into 203 part(s)",
                             "part 1: dropped 202 slivers of up to 0.39 px²")


def test_an_outline_crossing_itself_more_than_the_limit_is_refused_rather_than_repaired():
    # Repairing is superlinear in crossings (seconds for a few thousand); a slip of the hand crosses a few times.
    assert geometry.MAX_CROSSINGS == 500
    message = refusal([{"points": star_ring(101, 6)}])  # 505 crossings
    assert message == "part 1: the outline crosses itself more than 500 times, too often to repair; redraw it"


def test_the_crossing_limit_is_per_outline_not_per_part():
    save(star_ring(101, 5))  # 404 crossings: repaired
    message = refusal([{"points": star_ring(101, 5)}, {"points": star_ring(101, 5)}])
    assert message == "part 2: the outline crosses itself more than 500 times, too often to repair; redraw it"


def test_a_scribble_of_thousands_of_crossings_is_refused_quickly():
    rng = np.random.default_rng(3)
    # ~10^7 crossings; within 150 px so that its edges stay under MAX_PERIMETER and the crossings are what stop it
    points = rng.uniform(0, 150, geometry.MAX_VERTICES * 2).tolist()
    start = time.perf_counter()
    with pytest.raises(GeometryError, match="crosses itself more than 500 times"):
        shape_from_parts([{"points": points}], 2048, 2048)
    assert time.perf_counter() - start < 2  # ~0.15 s; repairing it would take hours


def test_a_lone_sliver_is_refused_with_the_reason():
    message = refusal([{"points": [0, 0, 10, 0, 10, 0.05]}])
    assert message == "nothing of the outline is left (part 1: dropped a sliver of 0.25 px²)"


def test_a_hole_reduces_the_area_and_is_kept_as_a_hole_part():
    shape = save([0, 0, 20, 0, 20, 20, 0, 20], holes=([5, 5, 15, 5, 15, 15, 5, 15],))
    assert shape.area == 400 - 100
    assert shape.has_holes and [part.hole for part in shape.parts] == [False, True]
    assert shape.bbox == [0.0, 0.0, 20.0, 20.0]
    assert masks.decode(shape.rle)[10, 10] == 0


def test_a_hole_outside_every_outer_part_changes_nothing():
    shape = save(SQUARE, holes=([50, 50, 60, 50, 60, 60],))
    assert shape.area == 400


def test_overlapping_outer_parts_are_a_union():
    shape = save([0, 0, 20, 0, 20, 20, 0, 20], [10, 0, 30, 0, 30, 20, 10, 20])
    assert shape.area == 600


def test_a_ring_wound_three_times_keeps_its_centre_inside_the_pocket():
    # Three nested squares drawn as one spiral ring: the repair (even-odd) makes an annulus with a pocket and
    # an island in the pocket. A mask of "outer parts minus holes" must not subtract the island with the pocket.
    ring = [10, 10, 70, 10, 70, 70, 10, 70, 20, 20, 60, 20, 60, 60, 20, 60, 30, 30, 50, 30, 50, 50, 30, 50]
    shape = save(ring)
    mask = masks.decode(shape.rle)
    assert (mask[40, 65], mask[40, 55], mask[40, 40]) == (1, 0, 1)  # annulus, pocket, island: rows are y
    assert shape.repairs == ("part 1: repaired a self-intersection into 2 part(s)",)
    repaired = shapely.make_valid(Polygon(list(zip(ring[0::2], ring[1::2], strict=True))))
    assert shape.area == pytest.approx(repaired.area, rel=0.03)
    assert all(Polygon(pairs_of(part)).is_valid for part in shape.parts)


def test_a_near_duplicate_point_that_makes_a_ring_touch_itself_once_rounded_is_repaired():
    # (5.0, 0.0004) rounds onto the first edge: stored as drawn, the ring would touch itself there.
    shape = save([0, 0, 10, 0, 10, 10, 5, 10.0004, 5, 0.0004, 0, 10])
    assert shape.repairs == ("part 1: repaired a self-intersection into 2 part(s)",)
    assert all(Polygon(pairs_of(part)).is_valid for part in shape.parts)


# --- properties of everything stored -------------------------------------------------------------------


def coco_area(shape: geometry.Shape) -> int:
    """The area pycocotools computes from the stored parts alone: merged outer parts minus merged holes."""
    outer = coco_mask.merge(coco_mask.frPyObjects([list(part.points) for part in shape.parts if not part.hole],
                                                  HEIGHT, WIDTH))
    hole_rings = [list(part.points) for part in shape.parts if part.hole]
    if not hole_rings:
        return int(coco_mask.area(outer))
    holes = coco_mask.merge(coco_mask.frPyObjects(hole_rings, HEIGHT, WIDTH))
    return int(coco_mask.area(outer)) - int(coco_mask.area(coco_mask.merge([outer, holes], intersect=True)))


@PROPERTY
@given(outlines())
def test_the_stored_area_is_what_pycocotools_computes_from_the_stored_parts(parts):
    shape = stored_or_refused(parts)
    assert shape.area == coco_area(shape) > 0
    assert shape.area == int(masks.decode(shape.rle).sum())


@PROPERTY
@given(outlines())
def test_every_stored_part_is_a_valid_polygon_inside_the_image(parts):
    shape = stored_or_refused(parts)
    frame = box(0, 0, WIDTH, HEIGHT)
    for part in shape.parts:
        pairs = pairs_of(part)
        polygon = Polygon(pairs)
        assert len(set(pairs)) >= 3
        assert polygon.is_valid, shapely.is_valid_reason(polygon)
        assert frame.covers(polygon)
        assert polygon.area >= geometry.DEFAULT_MIN_AREA
        assert all(value == round(value, geometry.COORDINATE_DECIMALS) for value in part.points)


@PROPERTY
@given(outlines())
def test_saving_a_stored_outline_again_changes_nothing(parts):
    shape = stored_or_refused(parts)
    again = shape_from_parts(json.loads(json.dumps([part.to_dict() for part in shape.parts])), WIDTH, HEIGHT)
    assert again.parts == shape.parts
    assert again.rle == shape.rle
    assert again.repairs == ()


@PROPERTY
@given(outlines())
def test_the_bbox_lies_inside_the_image_and_the_outline(parts):
    shape = stored_or_refused(parts)
    x, y, width, height = shape.bbox
    assert width > 0 and height > 0
    assert 0 <= x <= x + width <= WIDTH and 0 <= y <= y + height <= HEIGHT
    left, top, right, bottom = shapely.union_all(
        [Polygon(pairs_of(part)) for part in shape.parts if not part.hole]).bounds
    assert left - 1 <= x and top - 1 <= y and x + width <= right + 1 and y + height <= bottom + 1


@PROPERTY
@given(st.lists(star_polygons(), min_size=1, max_size=3))
def test_the_bbox_reaches_every_part_of_the_outline_at_least_two_pixels_wide(rings):
    # Not every vertex: the tip of a spike narrower than a pixel covers no pixel centre, so no mask pixel, and
    # can lie far outside the bbox. Wherever a disc of radius 1 fits, a pixel centre is covered.
    shape = stored_or_refused([{"points": ring} for ring in rings])
    outline = shapely.union_all([Polygon(pairs_of(part)) for part in shape.parts])
    fat = outline.buffer(-1).buffer(1)
    assume(not fat.is_empty)
    x, y, width, height = shape.bbox
    left, top, right, bottom = fat.bounds
    assert x - 1.25 <= left and y - 1.25 <= top and right <= x + width + 1.25 and bottom <= y + height + 1.25


@PROPERTY
@given(st.floats(-30, WIDTH + 10), st.floats(-30, HEIGHT + 10), st.floats(1.5, 60), st.floats(1.5, 60))
def test_every_vertex_of_a_rectangle_lies_in_the_bbox_within_a_pixel(left, top, width, height):
    shape = stored_or_refused([{"points": [left, top, left + width, top, left + width, top + height,
                                           left, top + height]}])
    x, y, w, h = shape.bbox
    for part in shape.parts:
        for px, py in pairs_of(part):
            assert x - 1 <= px <= x + w + 1 and y - 1 <= py <= y + h + 1
            assert 0 <= px <= WIDTH and 0 <= py <= HEIGHT


@PROPERTY
@given(star_polygons(inside=True))
def test_a_valid_polygon_inside_the_image_comes_back_unchanged_to_a_hundredth_of_a_pixel(ring):
    pairs = list(zip(ring[0::2], ring[1::2], strict=True))
    polygon = Polygon([(round(x, 3), round(y, 3)) for x, y in pairs])
    assume(polygon.is_valid and polygon.area >= geometry.DEFAULT_MIN_AREA and len(set(polygon.exterior.coords)) > 3)
    assume(Polygon(pairs).is_valid and len({(round(x, 3), round(y, 3)) for x, y in pairs}) == len(pairs))
    try:
        shape = save(ring)
    except GeometryError as error:  # a thin polygon of area >= 1 px² can still miss every pixel centre
        assert str(error).startswith("the outline covers no pixel")
        assume(False)
    assert shape.repairs == ()
    (part,) = shape.parts
    assert np.allclose(part.points, ring, atol=0.01, rtol=0)
    # ... and through JSON, as the API and the database carry it.
    assert Part(tuple(json.loads(json.dumps(part.to_dict()))["points"])) == part


# --- IoU ------------------------------------------------------------------------------------------------


@PROPERTY
@given(outlines(), outlines())
def test_iou_is_symmetric_in_0_1_and_1_for_identical_shapes(first_parts, second_parts):
    first, second = stored_or_refused(first_parts), stored_or_refused(second_parts)
    assert geometry.iou(first.rle, second.rle) == geometry.iou(second.rle, first.rle)
    assert 0.0 <= geometry.iou(first.rle, second.rle) <= 1.0
    assert geometry.iou(first.rle, first.rle) == 1.0


def test_iou_of_disjoint_shapes_is_zero_and_of_nested_ones_the_area_ratio():
    small, large, elsewhere = save(SQUARE), save([0, 0, 40, 0, 40, 40, 0, 40]), save([60, 60, 80, 60, 80, 80])
    assert geometry.iou(small.rle, elsewhere.rle) == 0.0
    assert geometry.iou(small.rle, large.rle) == pytest.approx(400 / 1600)


# --- tracing masks into outlines ------------------------------------------------------------------------


def traced_mask(parts: list[Part], height: int, width: int) -> np.ndarray:
    return masks.decode(geometry.mask_of_parts(parts, width, height))


@st.composite
def blob_masks(draw: st.DrawFn) -> np.ndarray:
    """Discs and boxes, some cut out again (holes), and targets: islands in holes in islands."""
    height, width = draw(st.integers(8, 48)), draw(st.integers(8, 64))
    rows, columns = np.mgrid[0:height, 0:width]
    mask = np.zeros((height, width), dtype=bool)
    for _ in range(draw(st.integers(1, 6))):
        cy, cx = draw(st.floats(-3, height + 3)), draw(st.floats(-3, width + 3))
        ry, rx = draw(st.floats(0.4, height / 2)), draw(st.floats(0.4, width / 2))
        if draw(st.booleans()):
            shape = ((rows + 0.5 - cy) / ry) ** 2 + ((columns + 0.5 - cx) / rx) ** 2 <= 1
        else:
            shape = (abs(rows + 0.5 - cy) <= ry) & (abs(columns + 0.5 - cx) <= rx)
        mask = mask & ~shape if draw(st.integers(0, 2)) == 0 else mask | shape
    if draw(st.booleans()):  # a target: nested rings, so islands sit inside holes (inside islands...)
        cy, cx = draw(st.floats(0, height)), draw(st.floats(0, width))
        radii = [draw(st.floats(1, 4)) for _ in range(draw(st.integers(3, 5)))]  # ring widths, innermost first
        radii = list(np.cumsum(radii))[::-1]
        for level, radius in enumerate(radii):
            disc = (rows + 0.5 - cy) ** 2 + (columns + 0.5 - cx) ** 2 <= radius**2
            mask = mask | disc if level % 2 == 0 else mask & ~disc
    for _ in range(draw(st.integers(0, 3))):  # one-pixel features: specks and one-pixel gaps
        mask[draw(st.integers(0, height - 1)), draw(st.integers(0, width - 1))] ^= True
    return mask.astype(np.uint8)


def noise_masks(max_side: int = 20) -> st.SearchStrategy[np.ndarray]:
    """Every pixel random: diagonal contacts, one-pixel holes and islands, and the borders everywhere."""
    shapes = st.tuples(st.integers(1, max_side), st.integers(1, max_side))
    return shapes.flatmap(lambda shape: arrays(np.uint8, shape, elements=st.integers(0, 1)))


def assert_traces_exactly(mask: np.ndarray) -> None:
    height, width = mask.shape
    parts = geometry.mask_to_parts(mask)
    for part in parts:
        polygon = Polygon(pairs_of(part))
        assert polygon.is_valid, shapely.is_valid_reason(polygon)
        assert box(0, 0, width, height).covers(polygon)
    if not mask.any():
        assert parts == []
        return
    np.testing.assert_array_equal(traced_mask(parts, height, width), mask)
    # ... and through the save path, as an imported RLE annotation is stored.
    shape = shape_from_parts([part.to_dict() for part in parts], width, height)
    np.testing.assert_array_equal(masks.decode(shape.rle), mask)
    assert shape.repairs == ()


@PROPERTY
@given(blob_masks())
def test_a_traced_blob_mask_rasterises_back_to_the_same_mask(mask):
    assert_traces_exactly(mask)


@PROPERTY
@given(noise_masks())
def test_a_traced_random_mask_rasterises_back_to_the_same_mask(mask):
    assert_traces_exactly(mask)


def test_tracing_keeps_an_island_inside_a_hole():
    mask = np.zeros((12, 12), dtype=np.uint8)
    mask[1:11, 1:11] = 1
    mask[3:9, 3:9] = 0
    mask[5:7, 5:7] = 1
    parts = geometry.mask_to_parts(mask)
    np.testing.assert_array_equal(traced_mask(parts, 12, 12), mask)
    assert sum(part.hole for part in parts) >= 2  # the pocket, cut around the island


def test_tracing_an_empty_mask_gives_no_parts():
    assert geometry.mask_to_parts(np.zeros((4, 4), dtype=np.uint8)) == []


def test_tracing_a_full_mask_gives_the_image_frame():
    (part,) = geometry.mask_to_parts(np.ones((3, 5), dtype=np.uint8))
    assert Polygon(pairs_of(part)).equals(box(0, 0, 5, 3))


def test_tracing_simplifies_staircases():
    rows, columns = np.mgrid[0:200, 0:200]
    disc = (((rows + 0.5 - 100) ** 2 + (columns + 0.5 - 100) ** 2) <= 90**2).astype(np.uint8)
    parts = geometry.mask_to_parts(disc)
    (staircase,) = geometry.mask_to_parts(disc, simplify=0)
    assert len(parts) == 1 and parts[0].vertex_count < 0.8 * staircase.vertex_count
    np.testing.assert_array_equal(traced_mask(parts, 200, 200), disc)


# --- COCO segmentations --------------------------------------------------------------------------------


def test_polygon_segmentations_become_parts_as_they_are():
    parts = geometry.segmentation_to_parts([[0, 0, 10, 0, 10, 10], [20, 20, 30, 20, 30, 30]], 40, 40)
    assert parts == [Part((0.0, 0.0, 10.0, 0.0, 10.0, 10.0)), Part((20.0, 20.0, 30.0, 20.0, 30.0, 30.0))]


def test_compressed_and_uncompressed_rle_segmentations_trace_the_same_mask():
    mask = np.zeros((6, 8), dtype=np.uint8)
    mask[1:5, 2:7] = 1
    mask[2:4, 4] = 0
    compressed = masks.encode(mask)
    flat = mask.flatten(order="F")
    runs, value, length = [], 0, 0
    for pixel in flat:
        if pixel != value:
            runs.append(length)
            value, length = pixel, 0
        length += 1
    runs.append(length)
    uncompressed = {"size": [6, 8], "counts": [int(run) for run in runs]}
    for segmentation in (compressed, uncompressed):
        parts = geometry.segmentation_to_parts(segmentation, 6, 8)
        np.testing.assert_array_equal(traced_mask(parts, 6, 8), mask)


@pytest.mark.parametrize(("segmentation", "message"), [
    ({"size": [6, 9], "counts": "PP0"}, "RLE size [6, 9] does not match the image (6 x 8)"),
    ({"size": [8, 6], "counts": [48]}, "RLE size [8, 6] does not match the image (6 x 8)"),
    ({"size": (6, 8), "counts": [48]}, "RLE size (6, 8) does not match the image (6 x 8)"),
    ({"size": [6, 8], "counts": [40]}, "RLE counts cover 40 pixels, not the image's 48"),
    ({"size": [6, 8], "counts": [40, -2, 10]}, "RLE counts must be a string or a list of non-negative whole numbers"),
    ({"size": [6, 8], "counts": [40.0, 8]}, "RLE counts must be a string or a list of non-negative whole numbers"),
    ({"size": [6, 8], "counts": 48}, "RLE counts must be a string or a list of non-negative whole numbers"),
    ({"size": [6, 8]}, "segmentation must be a list of polygons or an RLE object with 'size' and 'counts'"),
    ("0 0 10 0 10 10", "segmentation must be a list of polygons or an RLE object with 'size' and 'counts'"),
])
def test_segmentations_that_do_not_fit_the_image_are_refused(segmentation, message):
    with pytest.raises(GeometryError) as caught:
        geometry.segmentation_to_parts(segmentation, 6, 8)
    assert str(caught.value) == message


def test_compressed_counts_that_overrun_the_image_are_refused_not_decoded_out_of_bounds():
    too_long = masks.encode(np.ones((50, 50), dtype=np.uint8))["counts"]
    with pytest.raises(GeometryError, match="RLE cannot be decoded"):
        geometry.segmentation_to_parts({"size": [2, 2], "counts": too_long}, 2, 2)


def test_a_hole_outside_the_outline_is_dropped_and_the_repair_says_so():
    outer = {"points": [10, 10, 60, 10, 60, 60, 10, 60]}
    inside = {"points": [20, 20, 30, 20, 30, 30, 20, 30], "hole": True}
    beside = {"points": [80, 80, 90, 80, 90, 90, 80, 90], "hole": True}
    shape = geometry.shape_from_parts([outer, inside, beside], 100, 100)
    assert [part.hole for part in shape.parts] == [False, True]
    assert shape.area == 50 * 50 - 10 * 10
    assert shape.repairs == ("hole 2: lies outside the outline and cuts nothing: dropped",)


# --- geometry that cannot stall the room (issue 14) -----------------------------------------------------------


def reaching_star(count: int = 10_000, near: float = 100, far: float = 1e308, width: int = 640,
                  height: int = 480) -> list[float]:
    """A ring around the image centre whose vertices alternate `near` and `far` px from it: 13-23 s to save
    before the clipping came first, and stored with 15,000 vertices."""
    points = []
    for index in range(count):
        angle = 2 * math.pi * index / count
        radius = near if index % 2 == 0 else far
        points += [width / 2 + radius * math.cos(angle), height / 2 + radius * math.sin(angle)]
    return points


def sine_band(lenses: int, samples: int, amplitude: float = 20.0, lens_width: float = 8.0,
              top: float = 50.0) -> list[float]:
    """Out along y = top + a sin(pi x / w) and back along y = top - a sin(pi x / w): a ring crossing itself
    at every x = k w, so that repairing it gives `lenses` lens-shaped parts. `samples` points per lens per way,
    placed off the crossings so that each is a proper crossing."""
    step = lens_width / samples
    xs = [1 + (index + 0.5) * step for index in range(lenses * samples)]
    out = [(x, top + amplitude * math.sin(math.pi * (x - 1) / lens_width)) for x in xs]
    back = [(x, top - amplitude * math.sin(math.pi * (x - 1) / lens_width)) for x in reversed(xs)]
    return [value for point in out + back for value in point]


def cpu_seconds_of(call) -> tuple[object, float]:
    """What `call` returns or raises, and the CPU time this thread spent on it (load on the machine aside)."""
    start = time.thread_time()
    try:
        result: object = call()
    except GeometryError as error:
        result = error
    return result, time.thread_time() - start


def test_a_star_reaching_out_to_1e308_is_clipped_first_and_refused_at_once_over_the_vertex_limit():
    # Before: its 15,000 clipped edges were searched for crossings (17 million pairs of overlapping boxes)
    # for 13-23 s, and it was stored over the limit, unsaveable by its owner.
    result, seconds = cpu_seconds_of(lambda: shape_from_parts([{"points": reaching_star()}], 640, 480))
    assert isinstance(result, GeometryError)
    assert str(result) == ("part 1: clipped to the image it has 15,000 vertices, over the limit of 10,000 per "
                           "annotation; leave out the points outside the image")
    assert seconds < 1.0  # ~0.1 s


def test_clipping_far_points_in_floats_lands_where_exact_arithmetic_does():
    # Only edges with both ends past FAR need exact arithmetic; from a near end floats are exact enough.
    from fractions import Fraction

    rng = np.random.default_rng(14)
    for _ in range(2_000):
        near = tuple(rng.uniform(-50, 700, 2))
        far = tuple(rng.choice([-1, 1], 2) * 10.0 ** rng.uniform(9.5, 308, 2))
        start, end = (near, far) if rng.random() < 0.5 else (far, near)
        axis, limit = int(rng.integers(2)), float(rng.choice([0, 640 if rng.random() < 0.5 else 480]))
        if (start[axis] < limit) == (end[axis] < limit):
            continue
        (x0, y0), (x1, y1) = ((Fraction(float(start[axis])), Fraction(float(start[1 - axis]))),
                              (Fraction(float(end[axis])), Fraction(float(end[1 - axis]))))
        exact = y0 + (Fraction(limit) - x0) / (x1 - x0) * (y1 - y0)
        got = clipping._crossing(start, end, axis, limit)
        assert abs(Fraction(got) - exact) <= max(1e-6, 1e-12 * abs(float(exact)))


def test_an_edge_from_the_frame_to_a_point_far_out_and_barely_aside_is_clipped_without_overflow():
    # Its slope, 1e308 / 0.5, is past the largest float: the crossing is found as a fraction of the way instead.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        shape = save([0, 10, -0.5, 1e308, 50, 10])
    assert shape.area == 50 * (HEIGHT - 10)
    assert Polygon(pairs_of(shape.parts[0])).equals(box(0, 10, 50, HEIGHT))


def test_rounding_many_coordinates_at_once_gives_what_round_gives_each():
    # The stored value must not depend on which path rounded it: a re-save rounds the stored value again.
    rng = np.random.default_rng(7)
    values = (rng.uniform(-5_000, 5_000, 50_000).tolist() + [k / 1000 + 0.0005 for k in range(-20_000, 20_000)]
              + [k / 2000 for k in range(-4_000, 4_000)] + rng.uniform(-1e12, 1e12, 2_000).tolist()
              + [1e308, -1e308, 2.0 ** 52 + 1, -0.0, 999_999_999.9995, 1e9 + 0.0005])
    assert rounded_all(values) == [round(value, geometry.COORDINATE_DECIMALS) for value in values]


def test_a_valid_star_within_the_image_is_stored_without_counting_crossings():
    # 10,000 edges whose boxes overlap in millions of pairs: GEOS's validity check is enough to know it has
    # no crossings (counting them pair by pair took ~3 s).
    shape, seconds = cpu_seconds_of(lambda: shape_from_parts([{"points": reaching_star(4_000, 60, 200)}], 640, 480))
    assert isinstance(shape, geometry.Shape) and shape.repairs == () and shape.vertex_count == 4_000
    assert seconds < 1.5  # ~0.2 s


def test_a_flawed_star_of_long_overlapping_edges_is_refused_before_its_repair_could_run_for_seconds():
    # One crossing, but 5,000 edges side by side: make_valid alone took 2.5 s of CPU; it was stored.
    points = reaching_star(5_000, 5, 100, 640, 480)
    points[2:4], points[6:8] = points[6:8], points[2:4]  # two spikes swapped: they cross
    result, seconds = cpu_seconds_of(lambda: shape_from_parts([{"points": points}], 640, 480))
    assert isinstance(result, GeometryError)
    assert str(result).startswith("part 1: the outline meets itself, and its long edges run across each other "
                                  "too much to repair it in good time")
    assert "over the limit of 1,000,000" in str(result)
    assert seconds < 0.5  # ~0.02 s: the overlaps are counted by sorting, not pair by pair


def test_a_few_crossings_among_short_edges_are_still_repaired():
    shape = save(star_ring(101, 5))  # 404 crossings, 101 short-ish edges: far below MAX_EDGE_OVERLAPS
    assert shape.repairs[0] == "part 1: repaired a self-intersection into 203 part(s)"


def test_an_outline_whose_edges_are_too_long_in_all_is_refused_before_its_mask_is_drawn():
    # A comb of 10,000 vertices across a 4000 x 4000 image: 20,000,000 px of edges, 2.2 s of CPU to rasterise.
    teeth = geometry.MAX_VERTICES // 4 - 1
    points: list[float] = []
    for tooth in range(teeth):
        x = 1 + tooth * 1.5
        points += [x, 3998, x, 1, x + 0.75, 1, x + 0.75, 3998]
    points += [3999, 3999, 1, 3999]
    result, seconds = cpu_seconds_of(lambda: shape_from_parts([{"points": points}], 4000, 4000))
    assert isinstance(result, GeometryError)
    assert "px long in all, over the limit of 1,000,000 px per annotation" in str(result)
    assert seconds < 0.5


def test_a_save_past_its_cpu_budget_is_refused_at_the_next_step_rather_than_run_on():
    # The pure code checks the deadline between bounded steps; nothing interrupts a thread.
    ring = reaching_star(4_000, 60, 200)  # ~0.2 s of CPU: well past a budget of 0.02 s
    result, seconds = cpu_seconds_of(lambda: shape_from_parts([{"points": ring}], 640, 480, cpu_budget=0.02))
    assert isinstance(result, GeometryError)
    assert str(result) == ("the outline is too complex to check within 0.02 s of computing; simplify it or draw it "
                           "in fewer points")
    assert seconds < 1.5
    assert geometry.CPU_BUDGET <= 3  # "a few seconds"


def test_a_repair_into_more_parts_than_the_limit_is_refused_not_stored_unsaveable():
    # 250 proper crossings (under MAX_CROSSINGS) make 251 lens-shaped parts: stored, its owner could not save
    # it again (at most 200 parts).
    ring = sine_band(lenses=251, samples=4)
    message = refusal([{"points": ring}], width=2100, height=100)
    assert message == ("repaired, the outline falls into 251 parts, over the limit of 200; "
                       "redraw it crossing itself less")


def clipped_comb_and_circle() -> list[dict[str, object]]:
    """9,802 vertices as drawn; 10,202 once clipped (each of the comb's points outside becomes two on the
    frame), as two parts each under the limit: the whole is simplified to fit."""
    circle = [value for index in range(9_000) for value in
              (400 + 200 * math.cos(2 * math.pi * index / 9_000), 240 + 200 * math.sin(2 * math.pi * index / 9_000))]
    comb: list[float] = []
    for tooth in range(400):
        comb += [-1, 10 + tooth, 2, 10.5 + tooth]
    comb += [5, 410, 5, 10]
    return [{"points": circle}, {"points": comb}]


def test_an_outline_over_the_vertex_limit_after_clipping_is_simplified_to_fit_keeping_its_mask():
    parts = clipped_comb_and_circle()
    shape = shape_from_parts(parts, 640, 480)
    assert shape.vertex_count <= geometry.MAX_VERTICES  # before: 10,202 stored
    assert shape.repairs[-1].startswith("simplified from 10,202 to ")
    assert "(no edge moved more than 0.005 px) to keep within the limit of 10,000" in shape.repairs[-1]
    clipped_comb = Polygon(pairs_of(Part(tuple(parts[1]["points"])))).intersection(box(0, 0, 640, 480))
    comb_points = [value for point in clipped_comb.exterior.coords[:-1] for value in point]
    exact = masks.polygons_to_rle([parts[0]["points"], comb_points], 480, 640)
    assert masks.iou(shape.rle, exact) > 0.999


def test_an_outline_simplified_to_fit_is_stored_as_its_owner_can_save_it_again_unchanged():
    shape = shape_from_parts(clipped_comb_and_circle(), 640, 480)
    again = shape_from_parts(json.loads(json.dumps([part.to_dict() for part in shape.parts])), 640, 480)
    assert again.parts == shape.parts and again.rle == shape.rle and again.repairs == ()
