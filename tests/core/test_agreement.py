"""The agreement core on hand-made masks whose IoUs, classes and pixel counts are known exactly."""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from annotator.core import agreement, masks
from annotator.core.agreement import Outline, TruthObject
from annotator.core.agreement import pixels as per_pixel
from annotator.core.csv_cells import formula_safe

H, W = 40, 60
CLASSES = {1: "road", 5: "person", 6: "rider", 7: "car", 8: "truck"}


def box(x0: int, y0: int, x1: int, y1: int) -> masks.RLE:
    """Pixels x0 <= x < x1, y0 <= y < y1 of an H x W image."""
    mask = np.zeros((H, W), dtype=np.uint8)
    mask[y0:y1, x0:x1] = 1
    return masks.encode(mask)


def outline(id_: int, person: str, category: int, rle: masks.RLE) -> Outline:
    return Outline(id=id_, person=person, category_id=category, rle=rle)


def object_members(outlines: list[Outline], people: list[str]) -> list[list[int]]:
    """The annotation ids in each object of the report, objects in report order, members in people's order."""
    return [[member["annotation"] for member in obj["members"]]
            for obj in agreement.analyse(outlines, people, CLASSES)["objects"]]


def test_two_squares_overlapping_by_two_thirds_make_one_object_with_that_iou():
    # 10 x 10 each, shifted 2 columns: 80 shared pixels of 120 -> IoU 2/3.
    amara = outline(1, "amara", 7, box(0, 0, 10, 10))
    ben = outline(2, "ben", 7, box(2, 0, 12, 10))
    report = agreement.analyse([amara, ben], ["amara", "ben"], CLASSES)
    assert len(report["objects"]) == 1
    obj = report["objects"][0]
    assert obj["mean_iou"] == obj["min_iou"] == 0.667
    assert obj["iou_matrix"] == [[None, 0.667], [0.667, None]]
    assert [m["person"] for m in obj["members"]] == ["amara", "ben"]
    assert [m["area"] for m in obj["members"]] == [100, 100]
    assert obj["agreed_class"] and obj["category"] == "car" and obj["missing"] == []
    assert report["pairwise"] == [{"a": "amara", "b": "ben", "objects_both": 1, "only_a": 0, "only_b": 0,
                                   "mean_iou": 0.667}]
    assert report["confusions"] == []


def test_squares_overlapping_by_less_than_half_are_two_objects_each_missed_by_the_other():
    # 5 columns shared: 50 of 150 pixels -> IoU 1/3 < 0.5.
    report = agreement.analyse([outline(1, "amara", 7, box(0, 0, 10, 10)), outline(2, "ben", 7, box(5, 0, 15, 10))],
                               ["amara", "ben"], CLASSES)
    assert [[m["person"] for m in o["members"]] for o in report["objects"]] == [["amara"], ["ben"]]
    assert [o["missing"] for o in report["objects"]] == [["ben"], ["amara"]]
    assert [o["mean_iou"] for o in report["objects"]] == [None, None]  # one outline: nothing to compare
    assert report["pairwise"][0] == {"a": "amara", "b": "ben", "objects_both": 0, "only_a": 1, "only_b": 1,
                                     "mean_iou": None}


def test_an_iou_of_exactly_the_threshold_matches():
    # 10 x 10 and 10 x 5 inside it: IoU 50/100 = 0.5.
    report = agreement.analyse([outline(1, "a", 7, box(0, 0, 10, 10)), outline(2, "b", 7, box(0, 0, 10, 5))],
                               ["a", "b"], CLASSES)
    assert len(report["objects"]) == 1 and report["objects"][0]["mean_iou"] == 0.5


def test_one_person_never_has_two_outlines_in_one_object():
    # Ben outlines the same car twice: the second starts an object of its own, which Amara misses.
    outlines = [outline(1, "amara", 7, box(0, 0, 10, 10)), outline(2, "ben", 7, box(0, 0, 10, 10)),
                outline(3, "ben", 7, box(1, 0, 10, 10))]
    assert object_members(outlines, ["amara", "ben"]) == [[1, 2], [3]]


def test_an_outline_joins_the_seed_it_overlaps_most_and_objects_start_largest_first():
    left = outline(1, "amara", 7, box(0, 0, 20, 20))  # 400 px: seeds the first object
    right = outline(2, "amara", 7, box(20, 0, 38, 20))  # 360 px: seeds the second
    # Ben's box (342 px) overlaps both seeds; the right one more (IoU 266/436 against 76/666).
    ben = outline(3, "ben", 8, box(16, 0, 34, 19))
    assert object_members([ben, right, left], ["amara", "ben"]) == [[1], [2, 3]]


def test_comparing_with_the_seed_only():
    # Cleo overlaps Ben enough (IoU 0.6) but not the seed Amara (0.45): she starts her own object.
    amara = outline(1, "amara", 7, box(0, 0, 20, 10))  # 200 px
    ben = outline(2, "ben", 7, box(4, 0, 20, 10))  # 160 px, IoU with Amara 0.8
    cleo = outline(3, "cleo", 7, box(10, 0, 20, 9))  # 90 px: with Amara 90/200 = 0.45, with Ben 90/160 = 0.56
    assert object_members([amara, ben, cleo], ["amara", "ben", "cleo"]) == [[1, 2], [3]]


def test_class_confusions_are_counted_per_pair_of_people_per_object():
    cyclist = box(0, 0, 10, 20)
    outlines = [outline(1, "a", 6, cyclist), outline(2, "b", 6, cyclist), outline(3, "c", 5, cyclist),
                outline(4, "a", 7, box(30, 0, 50, 10)), outline(5, "b", 8, box(30, 0, 50, 10))]
    report = agreement.analyse(outlines, ["a", "b", "c"], CLASSES)
    assert report["confusions"] == [
        {"a": "person", "b": "rider", "count": 2, "objects": [1]},  # c against a and against b
        {"a": "car", "b": "truck", "count": 1, "objects": [2]},
    ]
    first = report["objects"][0]
    assert first["category"] == "rider" and not first["agreed_class"]
    assert first["classes"] == [{"category": "rider", "count": 2}, {"category": "person", "count": 1}]
    second = report["objects"][1]
    assert second["missing"] == ["c"]
    assert second["category"] == "car"  # a tie goes to the seed's class (the first, as they are the same size)


def test_pairwise_counts_objects_only_one_of_two_people_outlined():
    outlines = [outline(1, "a", 7, box(0, 0, 10, 10)), outline(2, "b", 7, box(0, 0, 10, 10)),
                outline(3, "a", 7, box(20, 0, 30, 10)), outline(4, "c", 1, box(40, 0, 50, 10))]
    pairs = {(p["a"], p["b"]): p for p in agreement.analyse(outlines, ["a", "b", "c"], CLASSES)["pairwise"]}
    assert pairs[("a", "b")] == {"a": "a", "b": "b", "objects_both": 1, "only_a": 1, "only_b": 0, "mean_iou": 1.0}
    assert pairs[("a", "c")]["only_a"] == 2 and pairs[("a", "c")]["only_b"] == 1
    assert pairs[("b", "c")]["objects_both"] == 0 and pairs[("b", "c")]["mean_iou"] is None


def test_people_without_outlines_are_reported_and_outlines_of_others_ignored():
    report = agreement.analyse([outline(1, "a", 7, box(0, 0, 10, 10)), outline(2, "stranger", 7, box(0, 0, 5, 5))],
                               ["a", "b"], CLASSES)
    assert report["people"] == [{"id": "a", "outlines": 1, "objects": 1}, {"id": "b", "outlines": 0, "objects": 0}]
    assert report["objects"][0]["missing"] == ["b"]


def test_each_member_gets_its_mean_iou_with_the_others():
    outlines = [outline(1, "a", 7, box(0, 0, 10, 10)), outline(2, "b", 7, box(0, 0, 10, 10)),
                outline(3, "c", 7, box(0, 0, 10, 6))]  # c: 60/100 with each of the others
    members = agreement.analyse(outlines, ["a", "b", "c"], CLASSES)["objects"][0]["members"]
    assert [m["mean_iou"] for m in members] == [0.8, 0.8, 0.6]


def test_iou_matrix_is_every_pair_in_one_call():
    first, second, third = box(0, 0, 10, 10), box(2, 0, 12, 10), box(40, 0, 50, 10)
    matrix = masks.iou_matrix([first, second], [first, second, third])
    assert matrix.shape == (2, 3)
    assert np.allclose(matrix, [[1, 2 / 3, 0], [2 / 3, 1, 0]])
    assert matrix[0, 1] == masks.iou(first, second)
    assert masks.iou_matrix([], [first]).shape == (0, 1)


# --- per pixel -------------------------------------------------------------------------------------


def test_a_later_outline_is_painted_over_an_earlier_one_in_each_persons_map():
    # a's car, then a truck over its right half (given first, painted last); b's truck on the same half.
    outlines = [outline(2, "a", 8, box(5, 0, 10, 10)), outline(1, "a", 7, box(0, 0, 10, 10)),
                outline(3, "b", 8, box(5, 0, 10, 10))]
    pixels = agreement.pixel_agreement(outlines, W, H)
    assert (pixels.labelled[0, 7], pixels.top[0, 7], pixels.distinct[0, 7]) == (2, 2, 1)  # truck, truck
    assert (pixels.labelled[0, 2], pixels.distinct[0, 2]) == (1, 1) and pixels.labelled[20, 20] == 0


def test_disagreement_counts_at_chosen_pixels():
    outlines = [
        outline(1, "a", 7, box(0, 0, 20, 20)),
        outline(2, "b", 7, box(0, 0, 20, 20)),
        outline(3, "c", 8, box(10, 0, 20, 20)),  # c calls the right half a truck
        outline(4, "c", 1, box(0, 30, 60, 40)),  # only c labels the road
    ]
    pixels = agreement.pixel_agreement(outlines, W, H)
    assert pixels.people == 3
    # (x=5, y=5): a and b car, c nothing; (15, 5): car, car, truck; (30, 35): c's road; (50, 10): nobody.
    assert (pixels.labelled[5, 5], pixels.top[5, 5], pixels.distinct[5, 5]) == (2, 2, 1)
    assert (pixels.labelled[5, 15], pixels.top[5, 15], pixels.distinct[5, 15]) == (3, 2, 2)
    assert (pixels.labelled[35, 30], pixels.top[35, 30], pixels.distinct[35, 30]) == (1, 1, 1)
    assert (pixels.labelled[10, 50], pixels.distinct[10, 50]) == (0, 0)
    summary = pixels.summary()
    assert summary["labelled"] == 400 + 600 and summary["several_classes"] == 200
    assert summary["one_class"] == 800

    here = agreement.pixel_classes(outlines, CLASSES, 15, 5)
    assert here["people"] == 3 and here["labelled"] == 3 and here["unlabelled"] == 0
    assert [(c["category"], c["count"], c["people"]) for c in here["classes"]] == [
        ("car", 2, ["a", "b"]), ("truck", 1, ["c"])]
    left = agreement.pixel_classes(outlines, CLASSES, 5, 5)
    assert left["labelled"] == 2 and left["unlabelled"] == 1
    assert agreement.pixel_classes(outlines, CLASSES, 50, 10)["classes"] == []


def test_the_pixel_query_takes_each_persons_topmost_outline():
    outlines = [outline(1, "a", 7, box(0, 0, 10, 10)), outline(2, "a", 8, box(0, 0, 10, 10))]
    assert [(c["category"], c["count"]) for c in agreement.pixel_classes(outlines, CLASSES, 3, 3)["classes"]] == [
        ("truck", 1)]


def test_the_heat_map_is_clear_where_nobody_labelled_green_where_all_agree_and_red_where_split():
    outlines = [outline(1, "a", 7, box(0, 0, 20, 10)), outline(2, "b", 7, box(0, 0, 10, 10)),
                outline(3, "b", 8, box(10, 0, 20, 10))]
    rgba = agreement.heat_rgba(agreement.pixel_agreement(outlines, W, H))
    assert rgba.shape == (H, W, 4) and rgba.dtype == np.uint8
    assert rgba[30, 30, 3] == 0
    assert tuple(rgba[5, 5, :3]) == tuple(agreement.GREEN)  # car, car
    assert tuple(rgba[5, 15, :3]) == tuple(agreement.RED)  # car, truck: the majority is half
    assert rgba[5, 5, 3] == 220  # everyone labelled it: the most opaque
    png = agreement.png(rgba)
    assert png.startswith(b"\x89PNG")


def test_no_outlines_give_an_empty_map():
    pixels = agreement.pixel_agreement([], W, H)
    assert pixels.people == 0 and int(pixels.labelled.sum()) == 0
    assert pixels.summary()["mean_majority_share"] is None
    assert int(agreement.heat_rgba(pixels)[..., 3].sum()) == 0


@settings(max_examples=60, deadline=None)
@given(arrays(np.uint8, st.tuples(st.integers(1, 30), st.integers(1, 30)), elements=st.integers(0, 1)))
def test_runs_decoded_with_numpy_match_pycocotools(mask):
    rle = masks.encode(mask)
    assert per_pixel._runs(rle).tolist() == masks._runs(rle)
    height, width = mask.shape
    flat = np.zeros(width * height, dtype=np.int32)
    per_pixel._paint(flat, rle, 3)
    assert np.array_equal(per_pixel._as_image(flat, width, height), mask.astype(np.int32) * 3)
    ys, xs = np.nonzero(mask)
    for y, x in list(zip(ys, xs, strict=True))[:5]:
        assert per_pixel._covers(rle, int(x), int(y))


def test_painting_many_runs_uses_the_index_path_and_matches_decoding():
    stripes = np.zeros((H, W), dtype=np.uint8)
    stripes[5:30, ::2] = 1  # 30 columns: many runs
    flat = np.zeros(W * H, dtype=np.int32)
    per_pixel._paint(flat, masks.encode(stripes), 9)
    assert np.array_equal(per_pixel._as_image(flat, W, H), stripes.astype(np.int32) * 9)


# --- ground truth ----------------------------------------------------------------------------------

COCO = {
    "images": [{"id": 4, "file_name": "scene.jpg", "width": W, "height": H},
               {"id": 5, "file_name": "other.jpg", "width": W, "height": H}],
    "categories": [{"id": 1, "name": "car"}, {"id": 2, "name": "person"}],
    "annotations": [
        {"id": 10, "image_id": 4, "category_id": 1, "segmentation": [[0, 0, 10, 0, 10, 10, 0, 10]]},
        {"id": 11, "image_id": 4, "category_id": 2, "segmentation": masks.encode(
            np.pad(np.ones((10, 10), np.uint8), ((0, H - 10), (30, W - 40))))},
        {"id": 12, "image_id": 5, "category_id": 1, "segmentation": [[0, 0, 5, 0, 5, 5]]},
    ],
}


def test_ground_truth_is_found_by_file_name_and_size():
    truth = agreement.truth_for_image(COCO, "scene.jpg", W, H)
    assert [(t.id, t.category) for t in truth] == [(10, "car"), (11, "person")]
    assert masks.area(truth[1].rle) == 100
    assert agreement.truth_for_image(COCO, "scene.jpg", W + 1, H) is None
    assert agreement.truth_for_image(COCO, "missing.jpg", W, H) is None


def test_people_are_scored_against_ground_truth_one_to_one():
    truth = [TruthObject(10, "car", box(0, 0, 10, 10)), TruthObject(11, "person", box(30, 0, 40, 10)),
             TruthObject(12, "sign", box(50, 30, 52, 32))]
    outlines = [
        outline(1, "a", 7, box(0, 0, 10, 8)),  # the car, IoU 0.8, right class
        outline(2, "a", 7, box(0, 0, 10, 9)),  # also the car, IoU 0.9: this one wins the match
        outline(3, "a", 6, box(30, 0, 40, 10)),  # the person called a rider: IoU 1, wrong class
        outline(4, "b", 8, box(0, 0, 10, 10)),  # b: the car called a truck
        outline(5, "b", 1, box(0, 20, 60, 30)),  # b: road, not in ground truth
    ]
    report = agreement.analyse(outlines, ["a", "b", "c"], CLASSES, truth)["ground_truth"]
    assert report["matches"] == [
        {"gt": 10, "gt_category": "car", "person": "a", "annotation": 2, "category": "car", "class_match": True,
         "iou": 0.9},
        {"gt": 10, "gt_category": "car", "person": "b", "annotation": 4, "category": "truck", "class_match": False,
         "iou": 1.0},
        {"gt": 11, "gt_category": "person", "person": "a", "annotation": 3, "category": "rider",
         "class_match": False, "iou": 1.0},
    ]
    people = {p["person"]: p for p in report["people"]}
    assert people["a"] == {"person": "a", "outlines": 3, "matched": 2, "class_matches": 1, "unmatched_outlines": 1,
                           "missed": 1, "mean_iou": 0.95, "coverage": 0.667, "area_coverage": round(200 / 204, 3)}
    assert people["b"]["matched"] == 1 and people["b"]["unmatched_outlines"] == 1
    assert people["c"] == {"person": "c", "outlines": 0, "matched": 0, "class_matches": 0, "unmatched_outlines": 0,
                           "missed": 3, "mean_iou": None, "coverage": 0.0, "area_coverage": 0.0}
    objects = {o["id"]: o for o in report["objects"]}
    assert objects[10]["found_by"] == 2 and objects[10]["mean_iou"] == 0.95
    assert objects[12]["found_by"] == 0 and objects[12]["mean_iou"] is None and objects[12]["area"] == 4


def test_without_ground_truth_the_report_says_none():
    assert agreement.analyse([], [], CLASSES)["ground_truth"] is None
    assert agreement.analyse([], ["a"], CLASSES, [])["ground_truth"]["people"][0]["coverage"] is None


# --- CSV -------------------------------------------------------------------------------------------


def test_the_csv_has_a_row_per_pair_per_object_misses_with_iou_zero_and_ground_truth_rows():
    truth = [TruthObject(10, "car", box(0, 0, 10, 10))]
    outlines = [outline(1, "a", 7, box(0, 0, 10, 10)), outline(2, "b", 8, box(2, 0, 12, 10)),
                outline(3, "a", 1, box(30, 0, 40, 10))]
    report = agreement.analyse(outlines, ["a", "b"], CLASSES, truth)
    labels = {"a": "=HYPERLINK(\"x\")", "b": "Ben"}
    rows = list(csv.reader(io.StringIO("".join(agreement.csv_text(agreement.csv_rows(3, report, labels))))))
    assert rows[0] == list(agreement.CSV_COLUMNS)
    assert rows[1:] == [
        ["3", "pair", "1", "a", "'=HYPERLINK(\"x\")", "b", "Ben", "car", "truck", "0.667"],
        ["3", "pair", "2", "a", "'=HYPERLINK(\"x\")", "b", "Ben", "road", "", "0.0"],
        ["3", "ground_truth", "gt-10", "a", "'=HYPERLINK(\"x\")", "ground truth", "", "car", "car", "1.0"],
        ["3", "ground_truth", "gt-10", "b", "Ben", "ground truth", "", "truck", "car", "0.667"],
    ]


@pytest.mark.parametrize(("value", "safe"), [("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@SUM", "'@SUM"),
                                             ("\tx", "'\tx"), ("Amara", "Amara"), (None, ""), (0.5, 0.5),
                                             (float("nan"), "")])
def test_csv_cells_never_start_a_formula(value, safe):
    assert formula_safe(value) == safe
