"""labels: the default set and loading a replacement."""

from __future__ import annotations

from pathlib import Path

import pytest

from annotator.core.labels import DEFAULT_LABELS, LabelSetError, load_label_file, parse_labels

CITYSCAPES = ["road", "sidewalk", "parking", "rail track", "person", "rider", "car", "truck", "bus", "train",
              "motorcycle", "bicycle", "caravan", "trailer", "building", "wall", "fence", "guard rail", "bridge",
              "tunnel", "pole", "traffic light", "traffic sign", "vegetation", "terrain", "sky", "void/unknown"]


def test_default_set_is_the_cityscapes_classes_each_defined_in_one_sentence():
    assert [label.name for label in DEFAULT_LABELS] == CITYSCAPES
    for label in DEFAULT_LABELS:
        assert label.definition.endswith(".") and label.definition.count(". ") == 0, label.name
    assert len({label.colour for label in DEFAULT_LABELS}) == len(DEFAULT_LABELS)


def test_a_minimal_file_gets_colours_and_defaults(tmp_path: Path):
    path = tmp_path / "labels.yml"
    path.write_text("labels:\n  - car\n  - name: puddle\n    definition: Standing water.\n")
    labels = load_label_file(path)
    assert [(label.name, label.supercategory) for label in labels] == [("car", "none"), ("puddle", "none")]
    assert labels[1].definition == "Standing water." and labels[0].colour != labels[1].colour


def test_american_spelling_of_colour_is_accepted():
    assert parse_labels([{"name": "car", "color": "#AABBCC"}])[0].colour == "#aabbcc"


@pytest.mark.parametrize(("data", "message"), [
    ([], "non-empty list"),
    ({"name": "car"}, "non-empty list"),
    ([{"name": ""}], "'name' must be a non-empty string"),
    ([42], "expected a mapping"),
    ([{"name": "car"}, {"name": "Car"}], "duplicate name 'Car'"),
    ([{"name": "car", "colour": "blue"}], "colour must look like #rrggbb"),
    ([{"name": "x" * 65}], "longer than 64"),
    ([{"name": "car", "definition": ["a"]}], "must be text"),
])
def test_bad_label_sets_are_refused_naming_the_problem(data, message):
    with pytest.raises(LabelSetError, match=message):
        parse_labels(data)


def test_unreadable_or_malformed_files_are_refused(tmp_path: Path):
    broken = tmp_path / "labels.json"
    broken.write_text("[{")
    with pytest.raises(LabelSetError, match=r"labels\.json is not valid JSON"):
        load_label_file(broken)
    with pytest.raises(LabelSetError, match="cannot read"):
        load_label_file(tmp_path / "missing.json")
