"""coco: building a COCO instance dict from plain records."""

from __future__ import annotations

from annotator.coco import annotation_segmentation, build_coco, coco_info, unique_file_names


def test_images_sharing_a_name_get_distinct_names_in_order():
    images = [{"id": 3, "file_name": "a.jpg"}, {"id": 5, "file_name": "A.jpg"}, {"id": 9, "file_name": "a.jpg"},
              {"id": 10, "file_name": "noext"}, {"id": 11, "file_name": "noext"}]
    assert unique_file_names(images) == {3: "a.jpg", 5: "A-2.jpg", 9: "a-3.jpg", 10: "noext", 11: "noext-2"}


def test_polygon_parts_become_flat_lists_and_holes_use_the_stored_rle():
    outer = {"points": [0, 0, 10, 0, 10, 10], "hole": False}
    hole = {"points": [2, 2, 4, 2, 4, 4], "hole": True}
    assert annotation_segmentation([outer], None, 20, 30) == [[0.0, 0.0, 10.0, 0.0, 10.0, 10.0]]
    assert annotation_segmentation([outer, hole], "abc", 20, 30) == {"size": [20, 30], "counts": "abc"}


def test_build_coco_has_every_required_key_and_keeps_ids():
    dataset = build_coco(
        [{"id": 7, "file_name": "s.jpg", "width": 30, "height": 20}],
        [{"id": 2, "name": "car", "supercategory": "vehicle"}],
        [{"id": 41, "image_id": 7, "category_id": 2, "parts": [{"points": [0, 0, 10, 0, 10, 10]}],
          "area": 50, "bbox": [0, 0, 10, 10], "iscrowd": False}],
        coco_info("test"))
    assert set(dataset) == {"info", "licenses", "images", "categories", "annotations"}
    annotation = dataset["annotations"][0]
    assert (annotation["id"], annotation["image_id"], annotation["category_id"], annotation["iscrowd"]) == (41, 7, 2, 0)
    assert dataset["images"][0] == {"id": 7, "file_name": "s.jpg", "width": 30, "height": 20}
