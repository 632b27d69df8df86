"""labels: the default set and loading a replacement."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from annotator.core.labels import DEFAULT_LABELS
from annotator.core.refused import Refused
from annotator.core.schemas.labels import load_label_file, parse_label_set

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
    assert parse_label_set([{"name": "car", "color": "#AABBCC"}])[0].colour == "#aabbcc"


@pytest.mark.parametrize(("data", "message"), [
    ([], "labels: List should have at least 1 item"),
    ({"name": "car"}, "labels: Field required"),
    ([{"name": " "}], "labels[0].name: String should have at least 1 character"),
    ([42], "labels[0]: Input should be a valid dictionary"),
    ([{"name": "car"}, {"name": "Car"}], "labels: duplicate name 'Car' at labels[1] (also labels[0]"),
    ([{"name": "car", "colour": "blue"}], "labels[0].colour: must look like #rrggbb"),
    ([{"name": "x" * 65}], "labels[0].name: String should have at most 64 characters"),
    ([{"name": "car", "definition": ["a"]}], "labels[0].definition: Input should be a valid string"),
    ([{"name": "car", "supercategory": "a\tb"}], "labels[0].supercategory: contains control characters"),
])
def test_bad_label_sets_are_refused_naming_the_problem(data, message):
    with pytest.raises(Refused, match=re.escape(message)) as caught:
        parse_label_set(data)
    assert (caught.value.status, caught.value.title) == (422, "invalid label set")


def test_names_are_trimmed_before_their_length_is_checked_and_line_breaks_fit_only_a_definition():
    label, = parse_label_set([{"name": f" {'x' * 64} ", "supercategory": " ", "definition": " One.\nTwo. "}])
    assert (label.name, label.supercategory, label.definition) == ("x" * 64, "none", "One.\nTwo.")


def test_unreadable_or_malformed_files_are_refused(tmp_path: Path):
    broken = tmp_path / "labels.json"
    broken.write_text("[{")
    with pytest.raises(Refused, match=r"labels\.json is not valid JSON"):
        load_label_file(broken)
    with pytest.raises(Refused, match="cannot read"):
        load_label_file(tmp_path / "missing.json")
