"""/api/labour/presets: the receipt's scale-up presets, every number with its source and confidence."""

from __future__ import annotations

import copy
import json
from importlib import resources

import pytest
from pydantic import ValidationError

from annotator.core.schemas.labour import Presets
from annotator.web.api.labour_presets import load_presets
from tests.conftest import make_app

SHIPPED = json.loads(resources.files("annotator").joinpath("data", "scale_presets.json").read_text("utf-8"))


def _figures(preset):
    for name in ("images", "objects_per_image", "vertices_per_object", "time_per_image"):
        if preset.get(name) is not None:
            yield preset[name]
    yield from preset.get("figures") or []


def test_serves_the_shipped_presets(client):
    response = client.get("/api/labour/presets")
    assert response.status_code == 200
    assert response.get_json() == SHIPPED
    assert [preset["id"] for preset in SHIPPED["presets"]] == [
        "cityscapes-fine", "coco", "mapillary-vistas", "manual-full-image"]


def test_a_participant_in_a_room_may_read_them(data_dir, database_url):
    room = make_app(data_dir, database_url, INSTRUCTOR_TOKEN="room-token-for-tests").test_client()
    assert room.get("/api/labour/presets").get_json() == SHIPPED


def test_every_figure_has_a_source_and_a_known_confidence():
    for preset in SHIPPED["presets"]:
        for figure in _figures(preset):
            assert figure["source"].strip() and figure["text"].strip(), preset["id"]
            assert figure["confidence"] in ("exact", "approximate", "secondary"), preset["id"]


def test_the_numbers_are_the_published_ones():
    """The values of docs/labour_figures.md (section A) and their sources; derived ones say how."""
    by_id = {preset["id"]: preset for preset in SHIPPED["presets"]}
    coco, cityscapes = by_id["coco"], by_id["cityscapes-fine"]
    assert coco["images"]["value"] == 328_000 and "Lin et al." in coco["images"]["source"]
    assert coco["time_per_image"]["seconds"] == pytest.approx(79 * 7.7)
    assert coco["time_per_image"]["confidence"] == "approximate" and "7.7" in coco["time_per_image"]["derivation"]
    assert cityscapes["images"]["value"] == 5_000 and "Cordts et al." in cityscapes["images"]["source"]
    assert cityscapes["time_per_image"]["seconds"] == 1.5 * 3600 and cityscapes["time_per_image"]["lower_bound"]
    mapillary = by_id["mapillary-vistas"]["time_per_image"]
    assert mapillary["seconds"] == 94 * 60 and mapillary["confidence"] == "secondary"
    manual = by_id["manual-full-image"]["time_per_image"]
    assert manual["seconds"] == 19 * 60 and "Google AI blog" in manual["source"]
    # No image count is published for these in the reference figures, so none is given.
    assert by_id["mapillary-vistas"]["images"] is None and by_id["manual-full-image"]["images"] is None


def test_objects_per_image_are_the_published_ones_and_no_vertex_count_is_made_up():
    """Scale-up multiplies the person's time per object by these: Cordts 2016 Table 2 (7.0 humans + 11.8
    vehicles, a lower bound of the polygons per image) and Lin 2014 §5 (7.7 instances per image)."""
    by_id = {preset["id"]: preset for preset in SHIPPED["presets"]}
    cityscapes = by_id["cityscapes-fine"]["objects_per_image"]
    assert cityscapes["value"] == pytest.approx(7.0 + 11.8) and cityscapes["lower_bound"] is True
    assert "Table 2" in cityscapes["source"] and cityscapes["confidence"] == "exact"
    coco = by_id["coco"]["objects_per_image"]
    assert coco["value"] == 7.7 and "§5" in coco["source"]
    # The reference figures publish no vertices per object for any of them.
    assert all(preset["vertices_per_object"] is None for preset in SHIPPED["presets"])


def test_the_sample_scenes_ground_truth_object_counts(data_dir, database_url):
    app = make_app(data_dir, database_url, LOAD_SAMPLES=True)
    client = app.test_client()
    client.get("/")  # the first request seeds the samples
    body = client.get("/api/labour/ground-truth").get_json()
    counts = {row["file_name"]: row["objects"] for row in body["images"]}
    truth = json.loads((resources.files("annotator").parent / "sample_images" / "ground_truth.json")
                       .read_text("utf-8")) if (resources.files("annotator").parent / "sample_images").is_dir() \
        else None
    assert counts["scene_01.jpg"] == 77 and len(counts) == 8
    if truth is not None:
        assert sum(counts.values()) == len(truth["annotations"])
    assert "ground truth" in body["source"]


def test_no_ground_truth_counts_for_uploaded_images(client):
    assert client.get("/api/labour/ground-truth").get_json()["images"] == []


def test_load_presets_validates_the_shipped_file():
    assert load_presets() == SHIPPED


@pytest.mark.parametrize(("path", "value"), [
    (("images", "source"), ""),
    (("time_per_image", "confidence"), "NOT VERIFIED"),
    (("images", "value"), -3),
    (("time_per_image", "seconds"), True),
    (("objects_per_image", "value"), 0),
    (("objects_per_image", "source"), " "),
])
def test_a_figure_without_its_number_or_source_is_refused(path, value):
    broken = copy.deepcopy(SHIPPED)
    broken["presets"][1][path[0]][path[1]] = value
    with pytest.raises(ValidationError) as error:
        Presets.model_validate(broken)
    assert [fault["loc"] for fault in error.value.errors()] == [("presets", 1, *path)]


def test_duplicate_ids_are_refused():
    broken = copy.deepcopy(SHIPPED)
    broken["presets"].append(copy.deepcopy(broken["presets"][0]))
    with pytest.raises(ValidationError, match="used twice") as error:
        Presets.model_validate(broken)
    assert error.value.errors()[0]["loc"] == ("presets", len(broken["presets"]) - 1, "id")
