"""samples: the synthetic driving scenes and their COCO ground truth, fresh and as committed."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO

from annotator import samples
from annotator.core.labels import DEFAULT_LABELS
from annotator.samples import render as samples_render
from tests.conftest import REPO_ROOT

SAMPLE_DIR = REPO_ROOT / "sample_images"
TRUTH_PATH = SAMPLE_DIR / "ground_truth.json"
# pycocotools 2.0.x decodes masks the numpy-1 way; numpy 2 warns (and copes). Nothing of ours to fix.
pytestmark = pytest.mark.filterwarnings(
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)

REQUIRED = {
    "road",
    "sidewalk",
    "sky",
    "building",
    "vegetation",
    "person",
    "rider",
    "bicycle",
    "pole",
    "traffic light",
    "traffic sign",
}


@pytest.fixture(scope="module")
def scenes() -> list[samples.Scene]:
    # rendering is the slow part (about 1.5 s a scene): do it once for the whole module
    return [samples.render_scene(i) for i in range(samples.SCENE_COUNT)]


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads(TRUTH_PATH.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def coco() -> COCO:
    return COCO(str(TRUTH_PATH))  # it prints progress; pytest captures that


@pytest.fixture(scope="module")
def masks(coco: COCO) -> dict[int, list[tuple[dict, np.ndarray]]]:
    by_image: dict[int, list[tuple[dict, np.ndarray]]] = {}
    for ann in coco.loadAnns(coco.getAnnIds()):
        by_image.setdefault(ann["image_id"], []).append((ann, coco.annToMask(ann).astype(bool)))
    return by_image


def _category_names(truth: dict) -> dict[int, str]:
    return {c["id"]: c["name"] for c in truth["categories"]}


def test_scene_indices_are_checked():
    assert samples.SCENE_COUNT >= 8
    with pytest.raises(IndexError):
        samples.render_scene(samples.SCENE_COUNT)
    with pytest.raises(IndexError):
        samples.render_scene(-1)


def test_rendering_the_same_scene_twice_gives_identical_pixels_and_truth(scenes):
    again = samples.render_scene(0)
    first = scenes[0]
    assert again.file_name == first.file_name == "scene_01.jpg"
    assert again.image.tobytes() == first.image.tobytes()
    assert [o.category for o in again.objects] == [o.category for o in first.objects]
    pairs = zip(again.objects, first.objects, strict=True)
    assert all(a.geometry.equals_exact(b.geometry, 0.0) for a, b in pairs)
    assert samples.build_ground_truth([again]) == samples.build_ground_truth([first])


def test_scenes_differ_from_each_other(scenes):
    means = [tuple(np.asarray(s.image, dtype=np.float32).mean(axis=(0, 1)).round(1)) for s in scenes]
    assert len(set(means)) == len(scenes)
    brightness = [sum(m) / 3 for m in means]
    assert max(brightness) - min(brightness) > 60  # night next to a bright day or fog


def test_committed_ground_truth_equals_a_fresh_build(scenes, committed):
    assert samples.build_ground_truth(scenes) == committed


def test_committed_images_decode_close_to_a_fresh_render(scenes):
    for scene in scenes:
        with Image.open(SAMPLE_DIR / scene.file_name) as stored:
            assert stored.format == "JPEG" and stored.mode == "RGB"
            assert "exif" not in stored.info
            diff = np.abs(np.asarray(stored, dtype=np.int16) - np.asarray(scene.image, dtype=np.int16))
        assert diff.mean() < 3.0, scene.file_name  # JPEG at quality 90 loses a little, nothing more


def test_at_least_eight_full_size_jpegs_are_shipped(committed):
    files = sorted(SAMPLE_DIR.glob("*.jpg"))
    assert len(files) >= 8
    for path in files:
        with Image.open(path) as image:
            assert image.size[0] >= 1280 and image.size[1] >= 720
        assert path.stat().st_size < 700 * 1024
    assert [img["file_name"] for img in committed["images"]] == [p.name for p in files]


def test_ground_truth_is_a_complete_coco_file(coco, committed):
    assert committed["info"]["generator"] == "annotator.samples"
    assert committed["info"]["description"] and committed["info"]["version"]
    assert len(committed["licenses"]) == 1
    assert [img["id"] for img in committed["images"]] == list(range(1, len(committed["images"]) + 1))
    assert all((img["width"], img["height"]) == (1280, 720) for img in committed["images"])
    assert [(c["id"], c["name"], c["supercategory"]) for c in committed["categories"]] == [
        (i, label.name, label.supercategory) for i, label in enumerate(DEFAULT_LABELS, start=1)
    ]
    ids = [ann["id"] for ann in committed["annotations"]]
    assert ids == list(range(1, len(ids) + 1))
    assert len(coco.getAnnIds()) == len(ids) and len(coco.getImgIds()) == len(committed["images"])


def test_every_annotation_has_a_matching_area_and_an_inside_bbox(coco, masks):
    for image_id, entries in masks.items():
        image = coco.loadImgs(image_id)[0]
        for ann, mask in entries:
            assert ann["iscrowd"] == 0
            assert ann["area"] == int(mask.sum()) > 0, ann["id"]
            rle = coco.annToRLE(ann)
            assert ann["area"] == int(mask_utils.area(rle))
            assert ann["bbox"] == [float(v) for v in mask_utils.toBbox(rle)]
            x, y, w, h = ann["bbox"]
            assert min(x, y) >= 0 and w > 0 and h > 0
            assert x + w <= image["width"] and y + h <= image["height"]


def test_segmentations_are_rounded_polygons_or_compressed_rle(committed):
    for ann in committed["annotations"]:
        segmentation = ann["segmentation"]
        if isinstance(segmentation, dict):
            assert segmentation["size"] == [720, 1280] and isinstance(segmentation["counts"], str)
        else:
            assert segmentation and all(len(poly) >= 6 and len(poly) % 2 == 0 for poly in segmentation)
            assert all(v == round(v, 2) for poly in segmentation for v in poly)


def test_each_scene_has_the_classes_a_driving_scene_needs(committed):
    names = _category_names(committed)
    for image in committed["images"]:
        anns = [a for a in committed["annotations"] if a["image_id"] == image["id"]]
        counts = Counter(names[a["category_id"]] for a in anns)
        assert not REQUIRED - set(counts), (image["file_name"], REQUIRED - set(counts))
        assert counts["car"] >= 3, image["file_name"]


def test_occlusion_splits_objects_and_holes_use_rle(committed):
    names = _category_names(committed)
    multi_part = [
        a
        for a in committed["annotations"]
        if isinstance(a["segmentation"], list) and len(a["segmentation"]) > 1
    ]
    assert any(names[a["category_id"]] == "car" for a in multi_part)  # a pole or a walker in front of a car
    rle = [a for a in committed["annotations"] if isinstance(a["segmentation"], dict)]
    assert any(names[a["category_id"]] == "bicycle" for a in rle)  # you can see through the wheels


def test_objects_overlap_only_along_rasterised_edges(masks):
    for image_id, entries in masks.items():
        stack = np.stack([mask for _, mask in entries])
        cover = stack.sum(axis=0, dtype=np.uint16)
        shared = cover > 1
        assert shared.mean() < 1e-4, image_id
        # no pixel lies inside two objects: every shared pixel is on the edge of at least one of them
        interior = stack.copy()
        interior[:, 1:, :] &= stack[:, :-1, :]
        interior[:, :-1, :] &= stack[:, 1:, :]
        interior[:, :, 1:] &= stack[:, :, :-1]
        interior[:, :, :-1] &= stack[:, :, 1:]
        assert not (interior.sum(axis=0, dtype=np.uint16) > 1).any(), image_id
        for ann, mask in entries:
            overlap = int((mask & shared).sum())
            assert overlap <= max(0.01 * mask.sum(), 2), (image_id, ann["id"], overlap)


def test_write_samples_writes_every_file_and_reports_progress(scenes, committed, tmp_path, monkeypatch):
    # write_samples looks render_scene up in its own module, not in the package that re-exports it
    monkeypatch.setattr(samples_render, "render_scene", lambda index: scenes[index])
    seen: list[str] = []
    written = samples.write_samples(tmp_path / "out", progress=seen.append)
    names = [s.file_name for s in scenes]
    assert seen == names
    assert [p.name for p in written] == [*names, "ground_truth.json"]
    assert json.loads((tmp_path / "out" / "ground_truth.json").read_text(encoding="utf-8")) == committed
    again = samples.write_samples(tmp_path / "again")
    for first, second in zip(written, again, strict=True):
        assert first.read_bytes() == second.read_bytes()  # fixed encoder settings, no timestamps


def test_module_entry_point_writes_into_the_given_folder(scenes, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(samples_render, "render_scene", lambda index: scenes[index])
    samples.main([str(tmp_path)])
    assert (tmp_path / "ground_truth.json").is_file()
    assert len(list(tmp_path.glob("scene_*.jpg"))) == samples.SCENE_COUNT
    assert "scene_08.jpg" in capsys.readouterr().out
