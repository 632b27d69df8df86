"""coco_import: parsing and validating COCO files from elsewhere, each problem named by its path."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import numpy as np
import pytest
from pycocotools import mask as coco_mask
from pydantic_core import PydanticCustomError

from annotator.core import coco_import, masks
from annotator.core.coco_import import (
    MAX_JSON_DEPTH,
    MIN_CONTAINERS,
    annotation_shape,
    base_name,
    category_colour,
    check_json_shape,
    load_json,
)
from annotator.core.refused import Refused
from annotator.core.schemas.coco import parse_coco, rle_counts_from_string


def ring_mask(height: int = 30, width: int = 40) -> np.ndarray:
    mask = np.zeros((height, width), dtype=np.uint8)
    mask[5:25, 5:35] = 1
    mask[10:20, 12:28] = 0  # the hole
    return mask


def compressed(mask: np.ndarray) -> dict[str, Any]:
    return masks.encode(mask)


def uncompressed(mask: np.ndarray) -> list[int]:
    """COCO's uncompressed counts: run lengths in column-major order, starting with zeros."""
    flat = mask.flatten(order="F")
    runs, current, length = [], 0, 0
    for value in flat:
        if value == current:
            length += 1
        else:
            runs.append(length)
            current, length = value, 1
    runs.append(length)
    return runs


def good_file() -> dict[str, Any]:
    return {
        "images": [{"id": 1, "file_name": "a.jpg", "width": 40, "height": 30},
                   {"id": 2, "file_name": "sub/b.jpg", "width": 40, "height": 30}],
        "categories": [{"id": 1, "name": "car", "supercategory": "vehicle"}, {"id": 7, "name": "Puddle"}],
        "annotations": [
            {"id": 10, "image_id": 1, "category_id": 1, "segmentation": [[1, 1, 10, 1, 10, 10]], "iscrowd": 0},
            {"id": 11, "image_id": 2, "category_id": 7, "segmentation": compressed(ring_mask())},
            {"id": 12, "image_id": 2, "category_id": 7, "iscrowd": 1,
             "segmentation": {"size": [30, 40], "counts": uncompressed(ring_mask())}},
        ],
    }


def problem(data: Any) -> str:
    with pytest.raises(Refused) as caught:
        parse_coco(data)
    assert (caught.value.status, caught.value.title) == (422, "invalid COCO file")
    assert str(caught.value).startswith(f"{caught.value.field}: " if caught.value.field else "")
    return str(caught.value)


def with_change(path: str, value: Any, delete: bool = False) -> dict[str, Any]:
    """good_file() with the value at a dotted path (`annotations.0.segmentation`) replaced or removed."""
    data = good_file()
    *parents, last = path.split(".")
    target: Any = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    key: Any = int(last) if isinstance(target, list) else last
    if delete:
        del target[key]
    else:
        target[key] = value
    return data


def test_a_good_file_becomes_plain_records():
    dataset = parse_coco(good_file())
    assert [(i.id, i.file_name, i.width, i.height) for i in dataset.images] == [(1, "a.jpg", 40, 30),
                                                                              (2, "sub/b.jpg", 40, 30)]
    assert [(c.id, c.name, c.supercategory) for c in dataset.categories] == [(1, "car", "vehicle"),
                                                                             (7, "Puddle", "none")]
    polygon, rle, crowd = dataset.annotations
    assert polygon.segmentation == [[1.0, 1.0, 10.0, 1.0, 10.0, 10.0]] and not polygon.is_rle
    assert rle.is_rle and rle.segmentation.counts == crowd.segmentation.counts == uncompressed(ring_mask())
    assert (polygon.iscrowd, rle.iscrowd, crowd.iscrowd) == (False, False, True)
    assert crowd.where == "annotations[2]"


@pytest.mark.parametrize(("text", "message"), [
    (b"this is not json", "not valid JSON: Expecting value"),
    (b"{\"images\": [", "not valid JSON"),
    (b"\xff\xfe\xfa", "not valid JSON"),
    (b"[" * 100_000, "nested too deeply"),
    (b"{\"a\":" * 100_000, "nested too deeply"),
])
def test_what_is_not_json_says_so(text, message):
    with pytest.raises(Refused, match=re.escape(message)) as caught:
        load_json(text)
    assert (caught.value.status, caught.value.title, caught.value.field) == (400, "not a JSON file", "file")
    with pytest.raises(Refused, match=f"^upload.json: .*{re.escape(message)}"):
        load_json(text, source="upload.json")


def test_nan_is_read_so_that_validation_can_name_where_it_is():
    data = json.loads(json.dumps(good_file()).replace("[[1, 1, 10", "[[NaN, 1, 10"))
    assert problem(load_json(json.dumps(data))) == \
        "annotations[0].segmentation[0][0]: not a finite number (NaN or infinity)"


@pytest.mark.parametrize(("data", "message"), [
    ([], "the file must be a JSON object with 'images', 'categories' and 'annotations', not a list"),
    ("coco", "the file must be a JSON object with 'images', 'categories' and 'annotations', not the string 'coco'"),
    ({}, "images: missing; a COCO instance file needs 'images', 'categories' and 'annotations'"),
    ({"images": {}, "categories": [], "annotations": []}, "images: must be a list, not an object"),
    ({"images": [], "annotations": []}, "categories: missing"),
    ({"images": [], "categories": [], "annotations": None}, "annotations: must be a list, not null"),
])
def test_the_top_level_must_be_an_object_with_three_lists(data, message):
    assert problem(data).startswith(message)


@pytest.mark.parametrize(("path", "value", "delete", "message"), [
    ("images.1", "b.jpg", False, "images[1]: expected an object with id, file_name, width and height, "
                                 "not the string 'b.jpg'"),
    ("images.1.id", None, True, "images[1].id: missing"),
    ("images.1.id", "2", False, "images[1].id: must be a whole number, not the string '2'"),
    ("images.1.id", 1, False, "images[1].id: duplicate id 1 (also images[0])"),
    ("images.0.file_name", None, True, "images[0].file_name: missing or not a non-empty string"),
    ("images.0.file_name", 5, False, "images[0].file_name: missing or not a non-empty string"),
    ("images.0.file_name", "a\x00.jpg", False, "images[0].file_name: contains control characters"),
    ("images.0.file_name", "x" * 1025, False, "images[0].file_name: longer than 1024 characters"),
    ("images.1.file_name", "a.jpg", False, "images[1].file_name: 'a.jpg' is listed twice (also images[0])"),
    ("images.0.width", None, True, "images[0].width: missing"),
    ("images.0.width", 40.5, False, "images[0].width: must be a whole number, not the number 40.5"),
    ("images.0.height", True, False, "images[0].height: must be a whole number, not true"),
    ("images.0.height", 0, False, "images[0].height: must be at least 1, not 0"),
    ("categories.0", 3, False, "categories[0]: expected an object with id and name, not the number 3"),
    ("categories.1.id", 1, False, "categories[1].id: duplicate id 1 (also categories[0])"),
    ("categories.1.name", "", False, "categories[1].name: missing or not a non-empty string"),
    ("categories.1.name", "CAR", False, "categories[1].name: 'CAR' is listed twice (also categories[0])"),
    ("categories.1.name", "x" * 65, False, "categories[1].name: longer than 64 characters"),
    ("categories.0.supercategory", ["v"], False, "categories[0].supercategory: must be a string, not a list"),
    ("annotations.2", None, False, "annotations[2]: expected an object, not null"),
    ("annotations.1.id", 10, False, "annotations[1].id: duplicate id 10 (also annotations[0])"),
    ("annotations.0.image_id", None, True, "annotations[0].image_id: missing"),
    ("annotations.0.image_id", 3, False, "annotations[0].image_id: no image with id 3 in 'images'"),
    ("annotations.0.category_id", 2, False, "annotations[0].category_id: no category with id 2 in 'categories'"),
    ("annotations.0.iscrowd", 2, False, "annotations[0].iscrowd: must be 0 or 1"),
    ("annotations.0.iscrowd", "0", False, "annotations[0].iscrowd: must be 0 or 1"),
    ("annotations.0.segmentation", None, True, "annotations[0].segmentation: missing"),
])
def test_entries_are_checked_and_the_first_problem_is_named_by_its_path(path, value, delete, message):
    assert problem(with_change(path, value, delete)) == message


@pytest.mark.parametrize(("segmentation", "message"), [
    ("polygon", "annotations[0].segmentation: must be a list of polygons or an RLE object with 'size' and "
                "'counts', not the string 'polygon'"),
    ([], "annotations[0].segmentation: an empty list of polygons"),
    ([1, 2, 3, 4, 5, 6], "annotations[0].segmentation[0]: a polygon must be a flat list of numbers "
                         "[x1, y1, x2, y2, ...], not the number 1"),
    ([["1", "2", "3", "4", "5", "6"]], "annotations[0].segmentation[0][0]: expected a number, not the string '1'"),
    ([[[1, 2], [3, 4], [5, 6]]], "annotations[0].segmentation[0][0]: expected a number, not a list "
                                 "(polygons are flat lists [x1, y1, x2, y2, ...])"),
    ([[[[[[[]]]]]]], "annotations[0].segmentation[0][0]: expected a number, not a list"),
    ([[1, 1, 10, 1, 10, 10], [1, 2, 3, 4, 5, 6, 7]], "annotations[0].segmentation[1]: an odd number of "
                                                     "coordinates (7)"),
    ([[1, 1, 10, 1]], "annotations[0].segmentation[0]: a polygon needs at least 3 points, this has 2"),
    ([[1, 1, 10, float("nan"), 10, 10]], "annotations[0].segmentation[0][3]: not a finite number (NaN or infinity)"),
    ([[1, 1, 10, float("inf"), 10, 10]], "annotations[0].segmentation[0][3]: not a finite number"),
    ([[1, 1, 10, 1, True, 10]], "annotations[0].segmentation[0][4]: expected a number, not true"),
    ([[0, 0, 1, 0, 1, 1]] * 201, "annotations[0].segmentation: 201 polygons; the limit is 200 per annotation"),
    ([list(range(20_002))], "annotations[0].segmentation: more than 10000 points in one annotation"),
    ({"counts": "abc"}, "annotations[0].segmentation: an RLE object needs 'size' [height, width] and 'counts'"),
    ({"size": [30], "counts": "abc"}, "annotations[0].segmentation.size: must be [height, width], two whole numbers"),
    ({"size": [40, 30], "counts": [1200]}, "annotations[0].segmentation.size: [40, 30] does not match the "
                                           "image's [height, width], [30, 40]"),
    ({"size": [30, 40], "counts": 1200}, "annotations[0].segmentation.counts: must be a string (compressed) or "
                                         "a list of run lengths, not the number 1200"),
    ({"size": [30, 40], "counts": [600, -1, 601]}, "annotations[0].segmentation.counts[1]: run lengths must be "
                                                   "whole numbers, 0 or more"),
    ({"size": [30, 40], "counts": [600, 1.5]}, "annotations[0].segmentation.counts[1]: run lengths"),
    ({"size": [30, 40], "counts": [600, 500]}, "annotations[0].segmentation.counts: the runs cover 1100 pixels, "
                                               "not the image's 30 x 40 = 1200"),
    ({"size": [30, 40], "counts": "~~~~"}, "annotations[0].segmentation.counts: character 0 ('~') cannot occur"),
    ({"size": [30, 40], "counts": "0000o"}, "annotations[0].segmentation.counts: the compressed counts end in "
                                            "the middle of a number"),
    ({"size": [30, 40], "counts": "1"}, "annotations[0].segmentation.counts: the runs cover 1 pixels"),
    ({"size": [30, 40], "counts": "oooooooo0"}, "annotations[0].segmentation.counts: a run in the compressed "
                                                "counts is too long to be real"),
])
def test_segmentations_of_the_wrong_shape_are_named(segmentation, message):
    assert problem(with_change("annotations.0.segmentation", segmentation)).startswith(message)


def test_only_the_first_problem_is_named():
    data = with_change("annotations.2.image_id", 99)
    data["annotations"][1]["segmentation"] = "nonsense"
    assert problem(data).startswith("annotations[1].segmentation:")


def test_a_large_value_is_never_echoed_back():
    message = problem(with_change("annotations.0.segmentation", "y" * 10_000))
    assert "yyyy" not in message and message.endswith("not a string")


@pytest.mark.parametrize("seed", range(5))
def test_compressed_counts_decode_as_pycocotools_encodes_them(seed):
    rng = np.random.default_rng(seed)
    mask = (rng.random((37, 53)) > 0.6).astype(np.uint8)
    mask[:, 20:] = mask[:, 20:] * (seed % 2)  # long runs too, for multi-character numbers
    encoded = coco_mask.encode(np.asfortranarray(mask))["counts"].decode("ascii")
    assert rle_counts_from_string(encoded) == uncompressed(mask)


def reference_decode(text: str) -> list[int]:
    """pycocotools' rleFrString character by character, with the bounds checks: what the numpy decoder must
    match, runs and first problem alike."""
    runs: list[int] = []
    position = 0
    while position < len(text):
        value, shift, more = 0, 0, True
        while more:
            if position >= len(text):
                raise ValueError("the compressed counts end in the middle of a number")
            code = ord(text[position])
            if not 48 <= code <= 111:
                raise ValueError(f"character {position} ({text[position]!r}) cannot occur in compressed COCO counts")
            code -= 48
            value |= (code & 0x1F) << shift
            more = bool(code & 0x20)
            position, shift = position + 1, shift + 5
            if shift > 35:
                raise ValueError("a run in the compressed counts is too long to be real")
            if not more and code & 0x10:
                value -= 1 << shift
        value += runs[-2] if len(runs) > 2 else 0
        if value < 0:
            raise ValueError(f"run {len(runs)} of the compressed counts is negative")
        runs.append(value)
    return runs


def test_compressed_counts_decode_as_a_reader_in_order_would_and_name_the_same_first_problem():
    rng = np.random.default_rng(7)
    strange = ["~", " ", "/", "p", "\u00e9", "\ud800"]  # outside the 64 characters, "p" just past them
    seen = set()
    for _ in range(5_000):
        # Mostly characters that end a run (48-79) or go on (80-111), now and then one that cannot occur.
        text = "".join(str(rng.choice(strange)) if r < 0.02 else chr(int(rng.integers(80, 112))) if r < 0.4
                       else chr(int(rng.integers(48, 80))) for r in rng.random(int(rng.integers(0, 15))))
        try:
            expected: Any = reference_decode(text)
        except ValueError as exc:
            expected = str(exc)
        try:
            decoded: Any = rle_counts_from_string(text)
        except PydanticCustomError as exc:
            decoded = exc.context["problem"]
        assert decoded == expected, text
        seen.add(next((kind for kind in ("middle", "cannot occur", "too long", "negative")
                       if isinstance(expected, str) and kind in expected), "runs"))
    assert seen == {"runs", "middle", "cannot occur", "too long", "negative"}  # every outcome was met


def test_large_runs_decode_across_several_characters():
    mask = np.zeros((720, 1280), dtype=np.uint8)
    mask[100:600, 200:1000] = 1
    assert rle_counts_from_string(masks.encode(mask)["counts"]) == uncompressed(mask)


def test_polygons_become_a_shape_as_drawn_and_repairs_are_listed():
    dataset = parse_coco(with_change("annotations.0.segmentation", [[1, 1, 10, 1, 10, 10], [30, 5, 45, 5, 30, 20]]))
    shape = annotation_shape(dataset.annotations[0], 40, 30)
    assert shape.parts[0].points == (1.0, 1.0, 10.0, 1.0, 10.0, 10.0)
    assert any("clipped to the image" in repair for repair in shape.repairs)


@pytest.mark.parametrize("index", [1, 2])
def test_rle_compressed_or_not_is_traced_into_polygons_with_the_hole_and_the_same_mask(index):
    annotation = parse_coco(good_file()).annotations[index]
    shape = annotation_shape(annotation, 40, 30)
    assert [part.hole for part in shape.parts] == [False, True]
    assert masks.iou(shape.rle, masks.encode(ring_mask())) == 1.0
    assert shape.area == int(ring_mask().sum())


def test_geometry_problems_found_while_shaping_name_the_annotation_and_polygon():
    data = with_change("annotations.0.segmentation", [[1, 1, 10, 1, 10, 10], [3, 3, 3, 3, 3, 3]])
    with pytest.raises(Refused) as caught:
        annotation_shape(parse_coco(data).annotations[0], 40, 30)
    assert str(caught.value) == "annotations[0].segmentation: polygon [1]: fewer than three distinct points"


def test_a_polygon_wholly_outside_the_image_is_named():
    data = with_change("annotations.0.segmentation", [[100, 100, 110, 100, 110, 110]])
    with pytest.raises(Refused, match=r"^annotations\[0\]\.segmentation: nothing of the outline is left"):
        annotation_shape(parse_coco(data).annotations[0], 40, 30)


def test_an_empty_rle_mask_is_named():
    data = with_change("annotations.1.segmentation", {"size": [30, 40], "counts": [1200]})
    with pytest.raises(Refused, match=r"^annotations\[1\]\.segmentation: the RLE mask is empty$"):
        annotation_shape(parse_coco(data).annotations[1], 40, 30)


def test_parsing_does_not_change_the_input():
    data = good_file()
    before = copy.deepcopy(data)
    parse_coco(data)
    assert data == before


def test_base_names_and_colours():
    assert base_name("images/train/a.jpg") == "a.jpg" and base_name("C:\\data\\b.png") == "b.png"
    assert base_name("c.jpg") == "c.jpg"
    assert re.fullmatch(r"#[0-9a-f]{6}", category_colour("puddle"))
    assert category_colour("Puddle") == category_colour("puddle") != category_colour("pothole")


# --- what is read at all: check_json_shape, before json.loads ----------------------------------------------


def nest(levels: int) -> bytes:
    return b"[" * levels + b"]" * levels


def test_nesting_up_to_the_limit_is_read_and_one_more_level_is_refused_naming_the_byte():
    check_json_shape(nest(MAX_JSON_DEPTH))
    with pytest.raises(Refused, match=rf"nested too deeply \(more than {MAX_JSON_DEPTH} levels, at byte "
                                            rf"{MAX_JSON_DEPTH}; a COCO file needs 5\)"):
        check_json_shape(nest(MAX_JSON_DEPTH + 1))


def test_brackets_inside_strings_do_not_count_whatever_their_escapes(monkeypatch: pytest.MonkeyPatch):
    # Tiny chunks, so that escapes and strings run across chunk boundaries everywhere.
    monkeypatch.setattr(coco_import, "_SCAN_CHUNK", 3)
    doc = {"name": "[[[[" * 100 + '\\"' + "{{{{" * 100, "paths": ["C:\\\\", "\\\\\\\"[[[", '"]]]'] * 30,
           "ok": [[[1]]]}
    text = json.dumps(doc)
    check_json_shape(text.encode())
    assert load_json(text) == doc
    with pytest.raises(Refused, match="nested too deeply"):
        check_json_shape(json.dumps({"s": '\\"[', "deep": json.loads(nest(MAX_JSON_DEPTH))}).encode())


def test_a_file_denser_in_arrays_than_any_coco_file_is_refused_before_parsing():
    small = b"[" + b"[]," * (MIN_CONTAINERS - 2) + b"[]]"  # a small file may be dense
    check_json_shape(small)
    dense = b"[" + b"[]," * MIN_CONTAINERS + b"[]]"
    with pytest.raises(Refused, match=r"more than 100,000 arrays and objects in 300,004 bytes"):
        check_json_shape(dense)
    # Polygons of three points, 17 bytes an array: denser than real COCO files, still read.
    check_json_shape(json.dumps({**good_file(), "polygons": [[1.5, 2.5, 3.5]] * 200_000}).encode())
