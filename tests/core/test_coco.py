"""coco (COCO entries, the report, latest-per-object, streamed JSON) and semantic (label maps): pure."""

from __future__ import annotations

import io
import json

import numpy as np
import pytest
from PIL import Image as PILImage

from annotator.core import geometry, masks, semantic
from annotator.core.coco import (
    Candidate,
    FileNamer,
    Note,
    annotation_segmentation,
    archive_name,
    coco_annotation,
    json_chunks,
    labour_ledger,
    latest_per_object,
    pseudonym,
    unique_file_names,
)
from annotator.core.refused import Refused

OUTER = {"points": [0, 0, 10, 0, 10, 10], "hole": False}
HOLE = {"points": [2, 2, 4, 2, 4, 4], "hole": True}


def square(x0: float, y0: float, x1: float, y1: float) -> list[float]:
    return [x0, y0, x1, y0, x1, y1, x0, y1]


def record(parts, record_id: int = 41, width: int = 30, height: int = 20, **extra):
    shape = geometry.shape_from_parts(parts, width, height)
    return {"id": record_id, "image_id": 7, "category_id": 2, "parts": [p.to_dict() for p in shape.parts],
            "rle_counts": shape.rle["counts"], "iscrowd": False, "attributes": {}, **extra}


def test_images_sharing_a_name_get_distinct_names_in_order():
    images = [{"id": 3, "file_name": "a.jpg"}, {"id": 5, "file_name": "A.jpg"}, {"id": 9, "file_name": "a.jpg"},
              {"id": 10, "file_name": "noext"}, {"id": 11, "file_name": "noext"}]
    assert unique_file_names(images) == {3: "a.jpg", 5: "A-2.jpg", 9: "a-3.jpg", 10: "noext", 11: "noext-2"}


def test_file_names_stay_inside_the_archive():
    assert archive_name("../../etc/passwd") == "etc/passwd"
    assert archive_name("/abs/./x.jpg") == "abs/x.jpg"
    assert archive_name("a\\b.jpg") == "a/b.jpg"
    assert archive_name("..") == "unnamed"
    namer = FileNamer()
    assert [namer.name(n) for n in ["v1.0/photo", "v1.0/photo", "more/dusk.webp"]] == [
        "v1.0/photo", "v1.0/photo-2", "more/dusk.webp"]


def test_polygon_parts_become_flat_lists_and_holes_use_the_stored_rle():
    assert annotation_segmentation([OUTER], None, 20, 30) == [[0.0, 0.0, 10.0, 0.0, 10.0, 10.0]]
    assert annotation_segmentation([OUTER, HOLE], "abc", 20, 30) == {"size": [20, 30], "counts": "abc"}
    assert annotation_segmentation([OUTER], "abc", 20, 30, mode="rle") == {"size": [20, 30], "counts": "abc"}


def test_coco_annotation_computes_area_and_bbox_from_the_mask():
    entry, notes = coco_annotation(record([{"points": square(2, 3, 12, 8)}], annotator="0123456789abcdef"), 20, 30)
    assert notes == []
    assert entry["segmentation"] == [square(2, 3, 12, 8)]
    assert entry["area"] == 50.0 and entry["bbox"] == [2.0, 3.0, 10.0, 5.0]
    assert entry["attributes"] == {"annotator": "annotator-01234567", "vertex_count": 4}
    assert pseudonym("0123456789abcdef") == "annotator-01234567"


def test_a_hole_in_polygon_mode_is_written_as_rle_and_noted():
    holed = record([{"points": square(0, 0, 20, 20)}, {"points": square(5, 5, 10, 10), "hole": True}])
    entry, notes = coco_annotation(holed, 20, 30, "polygon")
    assert isinstance(entry["segmentation"], dict)
    mask = masks.decode(entry["segmentation"])
    assert mask[7, 7] == 0 and mask[2, 2] == 1 and entry["area"] == 400 - 25
    assert [note.message.split(":")[0] for note in notes] == ["has 1 hole(s), which COCO polygons cannot carry"]
    rle_entry, rle_notes = coco_annotation(holed, 20, 30, "rle")
    assert rle_entry["segmentation"] == entry["segmentation"] and rle_notes == []


def test_an_empty_mask_is_skipped_with_a_note_and_repairs_are_reported():
    empty = {"id": 5, "image_id": 7, "category_id": 2, "parts": [OUTER],
             "rle_counts": masks.empty_rle(20, 30)["counts"]}
    entry, notes = coco_annotation(empty, 20, 30)
    assert entry is None and notes == [Note(notes[0].message, 5)] and notes[0].message.startswith("empty mask")
    repaired = record([{"points": square(0, 0, 40, 10)}])
    repaired["attributes"] = {"repairs": ["part 1: clipped to the image (2 point(s) outside)"], "source": "import"}
    entry, notes = coco_annotation(repaired, 20, 30)
    assert entry["attributes"]["source"] == "import" and "annotator" not in entry["attributes"]
    assert [str(note) for note in notes] == [
        "annotation 41: repaired when imported: part 1: clipped to the image (2 point(s) outside)"]


def test_a_row_without_a_stored_mask_gets_one_from_its_parts():
    entry, _ = coco_annotation({"id": 1, "image_id": 7, "category_id": 2, "parts": [
        {"points": square(1, 1, 5, 5)}], "rle_counts": None}, 20, 30, "rle")
    assert entry["area"] == 16.0 and masks.decode(entry["segmentation"])[2, 2] == 1
    broken, notes = coco_annotation({"id": 2, "image_id": 7, "category_id": 2, "parts": [{"points": [1, 1]}],
                                     "rle_counts": None}, 20, 30)
    assert broken is None and "cannot be turned into a mask" in notes[0].message


def test_labour_stays_out_unless_given():
    stale = record([{"points": square(1, 1, 5, 5)}])
    stale["attributes"] = {"labour": ["old"]}
    assert "labour" not in coco_annotation(stale, 20, 30)[0]["attributes"]
    stale["labour"] = [{"kind": "start"}]
    assert coco_annotation(stale, 20, 30)[0]["attributes"]["labour"] == [{"kind": "start"}]


def rle_of(polygon: list[float]) -> masks.RLE:
    return masks.polygons_to_rle([polygon], 100, 100)


def test_latest_keeps_the_newest_outline_per_object_and_leaves_distinct_objects():
    car_old = Candidate(1, 7, annotator=1, updated=1, rle=rle_of(square(10, 10, 50, 50)))
    car_new = Candidate(2, 7, annotator=2, updated=2, rle=rle_of(square(12, 11, 52, 51)))
    other_car = Candidate(3, 7, annotator=1, updated=0, rle=rle_of(square(60, 60, 90, 90)))
    person_same_place = Candidate(4, 5, annotator=1, updated=0, rle=rle_of(square(10, 10, 50, 50)))
    assert latest_per_object([car_old, car_new, other_car, person_same_place]) == {2, 3, 4}
    assert latest_per_object([car_old, Candidate(2, 7, 2, 0, car_new.rle)]) == {1}


def test_latest_below_the_iou_threshold_is_another_object():
    first = Candidate(1, 7, 1, 1, rle_of(square(0, 0, 40, 40)))
    half_over = Candidate(2, 7, 2, 2, rle_of(square(20, 0, 60, 40)))  # IoU 1/3
    assert latest_per_object([first, half_over]) == {1, 2}


def test_latest_matches_one_outline_per_person_to_an_object():
    # Bob drew one big car; Alice (earlier) drew two overlapping cars both like it: one of hers is kept.
    bob = Candidate(1, 7, annotator=2, updated=5, rle=rle_of(square(10, 10, 60, 50)))
    alice_a = Candidate(2, 7, annotator=1, updated=1, rle=rle_of(square(10, 10, 60, 50)))
    alice_b = Candidate(3, 7, annotator=1, updated=2, rle=rle_of(square(12, 10, 60, 48)))
    assert latest_per_object([bob, alice_a, alice_b]) == {1, 2}


def test_labour_ledger_orders_sessions_by_first_arrival_then_seq():
    events = [{"session": "zz", "seq": 2, "kind": "b", "t_ms": 2.0, "received": 5.0, "data": {"x": 1}},
              {"session": "aa", "seq": 1, "kind": "c", "t_ms": 9.0, "received": 9.0},
              {"session": "nn", "seq": 1, "kind": "d", "t_ms": 3.0, "received": None},
              {"session": "zz", "seq": 1, "kind": "a", "t_ms": 1.0, "received": 4.0}]
    # Each keeps its data and the server's receive time, so the file can be audited; unknown times go last.
    assert labour_ledger(events) == [
        {"session": "zz", "seq": 1, "kind": "a", "t_ms": 1.0, "received_ms": 4.0},
        {"session": "zz", "seq": 2, "kind": "b", "t_ms": 2.0, "data": {"x": 1}, "received_ms": 5.0},
        {"session": "aa", "seq": 1, "kind": "c", "t_ms": 9.0, "received_ms": 9.0},
        {"session": "nn", "seq": 1, "kind": "d", "t_ms": 3.0, "received_ms": None}]


def test_json_chunks_make_one_document_with_the_report_last_and_complete():
    notes: list[Note] = []

    def annotation_batches():
        yield [{"id": 1}]
        notes.append(Note("late news", image_id=3))  # a note found while streaming still reaches the report
        yield []
        yield [{"id": 2}, {"id": 3}]

    chunks = list(json_chunks([[{"id": 3}], []], [{"id": 1, "name": "car", "supercategory": "v", "colour": "#fff"}],
                              annotation_batches(), lambda: ({"description": "t"}, notes)))
    assert len(chunks) > 3
    document = json.loads("".join(chunks))
    assert list(document) == ["images", "categories", "annotations", "licenses", "info", "report"]
    assert document["categories"] == [{"id": 1, "name": "car", "supercategory": "v"}]
    assert [a["id"] for a in document["annotations"]] == [1, 2, 3]
    assert document["report"] == document["info"]["report"] == [{"image_id": 3, "message": "late news"}]
    empty = json.loads("".join(json_chunks([], [], [], lambda: ({}, []))))
    assert empty["images"] == [] and empty["annotations"] == [] and empty["report"] == []


# --- semantic label maps -------------------------------------------------------------------------------


def test_label_map_draws_later_outlines_over_earlier_ones_and_leaves_the_rest_zero():
    road = masks.polygons_to_rle([square(0, 5, 10, 10)], 10, 10)
    car = masks.polygons_to_rle([square(2, 2, 6, 8)], 10, 10)
    labels = semantic.label_map(10, 10, [(1, road), (7, car)])
    assert labels.dtype == np.uint8
    assert labels[6, 3] == 7 and labels[6, 8] == 1 and labels[1, 1] == 0
    assert semantic.label_map(10, 10, [(7, car), (1, road)])[6, 3] == 1


def test_ids_a_byte_cannot_hold_are_refused_by_name():
    semantic.check_label_ids([(1, "road"), (255, "last")])
    with pytest.raises(Refused, match=r"'lamp' \(id 256\) cannot be written") as refused:
        semantic.check_label_ids([(3, "car"), (256, "lamp")])
    assert (refused.value.status, refused.value.title) == (400, "cannot export")
    with pytest.raises(Refused):
        semantic.label_map(4, 4, [(300, masks.empty_rle(4, 4))])


def test_colour_preview_legend_and_png():
    categories = [{"id": 7, "name": "car", "supercategory": "vehicle", "colour": "#00008e"},
                  {"id": 2, "name": "old", "supercategory": "none", "colour": "bad", "archived": True}]
    labels = np.array([[0, 7], [2, 0]], dtype=np.uint8)
    colours = semantic.colour_map(labels, semantic.palette(categories))
    assert colours[0, 1].tolist() == [0, 0, 142] and colours[0, 0].tolist() == [0, 0, 0]
    assert colours[1, 0].tolist() == [128, 128, 128]
    legend = semantic.legend(categories)["classes"]
    assert [entry["id"] for entry in legend] == [0, 2, 7] and legend[1]["archived"] is True
    decoded = np.asarray(PILImage.open(io.BytesIO(semantic.png_bytes(labels))))
    assert decoded.tolist() == labels.tolist()
    assert np.asarray(PILImage.open(io.BytesIO(semantic.png_bytes(colours)))).shape == (2, 2, 3)
    assert [semantic.label_file_name(n) for n in ["a.jpg", "x/b.webp", "noext", ".hidden"]] == [
        "a.png", "x/b.png", "noext.png", ".hidden.png"]
