"""The pure parts of annotator.store.flags: flag payloads, the flag's state after saves and decisions, proposal names,
CSV cells, and the crop's box maths."""

from __future__ import annotations

import csv
import io

import pytest

from annotator.core.csv_cells import formula_safe
from annotator.store import flags
from annotator.store.flags import FlagError, FlagRequest, FlagState

VOID, CAR, TRUCK = 27, 7, 8


def test_parse_flag_reads_kind_reason_and_whether_a_proposal_was_sent():
    assert flags.parse_flag(None) is None
    assert flags.parse_flag({"kind": "unsure", "reason": "  van?  "}) == FlagRequest("unsure", "van?", None, False)
    assert flags.parse_flag({"kind": "none_fits", "proposal_id": None}) == FlagRequest("none_fits", "", None, True)
    echoed = {"kind": "none_fits", "reason": "", "proposal_id": 4, "category_id": 3, "resolution": None}
    assert flags.parse_flag(echoed) == FlagRequest("none_fits", "", 4, True)


@pytest.mark.parametrize(("raw", "field"), [
    ([], "flag"), ({"kind": ["unsure"]}, "flag.kind"), ({"kind": "Unsure"}, "flag.kind"),
    ({"kind": "unsure", "reason": "r" * 501}, "flag.reason"), ({"kind": "unsure", "proposal_id": True},
                                                               "flag.proposal_id"),
    ({"kind": "unsure", "proposal_id": 0}, "flag.proposal_id"),
])
def test_parse_flag_names_the_bad_field(raw, field):
    with pytest.raises(FlagError) as caught:
        flags.parse_flag(raw)
    assert caught.value.field == field and caught.value.status == 422


def test_clean_text_drops_control_characters_and_keeps_markup_as_text():
    assert flags.clean_text("<b>a</b>\u0000\u200b\n b ", "f", 50) == "<b>a</b>\n b"
    assert flags.clean_text(" a \n  b ", "f", 50, one_line=True) == "a b"
    with pytest.raises(FlagError, match="f: must not be empty"):
        flags.clean_text(" \u0007 ", "f", 50, required=True)


def test_setting_a_flag_keeps_the_sent_or_current_class_as_the_guess():
    plain = FlagState(CAR)
    assert flags.saved_state(plain, VOID, flag_given=True, request=FlagRequest("unsure", "r")) == FlagState(
        VOID, "unsure", "r", CAR)
    assert flags.saved_state(plain, VOID, category_id=TRUCK, flag_given=True,
                             request=FlagRequest("none_fits", "")).guess_id == TRUCK
    new = FlagState(None)
    assert flags.saved_state(new, VOID, flag_given=True, request=FlagRequest("none_fits", "")) == FlagState(
        VOID, "none_fits", "", None)
    on_void = FlagState(VOID)
    assert flags.saved_state(on_void, VOID, flag_given=True, request=FlagRequest("unsure", "")).guess_id is None


def test_while_open_a_class_moves_the_guess_but_void_does_not():
    state = FlagState(VOID, "unsure", "r", CAR, None, 3)
    assert flags.saved_state(state, VOID, category_id=TRUCK) == FlagState(VOID, "unsure", "r", TRUCK, None, 3)
    assert flags.saved_state(state, VOID, category_id=VOID) == state
    assert flags.saved_state(state, VOID) == state


def test_a_changed_flag_keeps_its_proposal_unless_one_is_sent():
    state = FlagState(VOID, "none_fits", "", CAR, None, 3)
    assert flags.saved_state(state, VOID, flag_given=True, request=FlagRequest("unsure", "x")).proposal_id == 3
    assert flags.saved_state(state, VOID, flag_given=True,
                             request=FlagRequest("unsure", "x", None, True)).proposal_id is None
    assert flags.saved_state(state, VOID, flag_given=True,
                             request=FlagRequest("unsure", "x", 5, True)).proposal_id == 5


def test_clearing_restores_the_sent_class_then_the_guess_then_void():
    state = FlagState(VOID, "unsure", "r", CAR, None, 3)
    assert flags.saved_state(state, VOID, flag_given=True) == FlagState(CAR)
    assert flags.saved_state(state, VOID, category_id=TRUCK, flag_given=True) == FlagState(TRUCK)
    assert flags.saved_state(FlagState(VOID, "none_fits"), VOID, flag_given=True) == FlagState(VOID)
    assert flags.saved_state(FlagState(CAR), VOID, flag_given=True) == FlagState(CAR)  # nothing to clear


def test_a_decided_flag_is_the_instructors():
    decided = FlagState(TRUCK, "unsure", "r", CAR, "reclassed", None)
    assert flags.saved_state(decided, VOID, category_id=TRUCK) == decided
    assert flags.saved_state(decided, VOID, flag_given=True, request=FlagRequest("unsure", "r")) == decided
    for kwargs in ({"flag_given": True}, {"flag_given": True, "request": FlagRequest("unsure", "other")},
                   {"flag_given": True, "request": FlagRequest("unsure", "r", 4, True)}):
        with pytest.raises(FlagError) as caught:
            flags.saved_state(decided, VOID, **kwargs)
        assert (caught.value.field, caught.value.status) == ("flag", 409)
    with pytest.raises(FlagError) as caught:
        flags.saved_state(decided, VOID, category_id=CAR)
    assert (caught.value.field, caught.value.status) == ("category_id", 409)
    assert flags.saved_state(decided, VOID, category_id=CAR, instructor=True).category_id == CAR


def test_a_single_resolution_is_kept_when_it_is_the_guess():
    assert flags.resolution_for(FlagState(VOID, "unsure", "", CAR), CAR) == "kept"
    assert flags.resolution_for(FlagState(VOID, "unsure", "", CAR), TRUCK) == "reclassed"
    assert flags.resolution_for(FlagState(VOID, "none_fits", "", None), TRUCK) == "reclassed"


def test_a_proposal_name_is_new_one_line_and_not_too_long():
    assert flags.proposal_name("  e-\nscooter ", ["car"], []) == "e- scooter"
    with pytest.raises(FlagError, match="there is already a class called 'Car'"):
        flags.proposal_name("cAR", ["Car"], [])
    with pytest.raises(FlagError, match=r"'Kerb' is already proposed \(proposal 4\)"):
        flags.proposal_name("KERB", [], [(4, "Kerb")])
    with pytest.raises(FlagError, match="at most 64 characters"):
        flags.proposal_name("k" * 65, [], [])


@pytest.mark.parametrize(("value", "cell"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@A1", "'@A1"), ("\tx", "'\tx"), ("a=b", "a=b"),
    (None, ""), (3, 3),
])
def test_csv_cells_are_never_formulas(value, cell):
    assert formula_safe(value) == cell


def test_the_flags_csv_leaves_out_names_unless_asked():
    item = {"id": 1, "image_id": 2, "image_file_name": "a.jpg", "kind": "unsure", "reason": "=cmd",
            "guess": None, "category": {"name": "void/unknown"}, "resolution": None, "proposal": None,
            "annotator": "annotator-1", "annotator_name": "Amara"}
    anonymous = list(csv.DictReader(io.StringIO(flags.flags_csv([item], names=False))))
    assert anonymous == [{"annotation_id": "1", "image_id": "2", "image_file_name": "a.jpg", "kind": "unsure",
                          "reason": "'=cmd", "guess": "", "class": "void/unknown", "resolution": "open",
                          "proposal_id": "", "proposal": "", "person": "annotator-1"}]
    named = list(csv.DictReader(io.StringIO(flags.flags_csv([item], names=True))))
    assert named[0]["name"] == "Amara"


def test_the_crop_box_adds_a_margin_and_stays_inside_the_image():
    assert flags.crop_box([100, 50, 100, 40], 1280, 720) == (80, 30, 220, 110)
    # At an edge the box slides back inside rather than being cut short.
    assert flags.crop_box([0, 0, 100, 40], 1280, 720) == (0, 0, 140, 80)
    # A tiny object gets at least 64 px around its centre.
    assert flags.crop_box([500, 300, 4, 4], 1280, 720) == (470, 270, 534, 334)
    # An image smaller than the minimum is the whole image.
    assert flags.crop_box([2, 2, 10, 10], 30, 20) == (0, 0, 30, 20)


def test_the_crop_is_scaled_to_240_px_enlarging_small_crops_at_most_four_times():
    big = (0, 0, 960, 480)
    assert flags.crop_scale(big) == 0.25 and flags.crop_size(big, 0.25) == (240, 120)
    small = (0, 0, 30, 20)
    assert flags.crop_scale(small) == 4.0 and flags.crop_size(small, 4.0) == (120, 80)


def test_the_crop_rings_are_in_crop_pixels_holes_included():
    parts = [{"points": [100, 50, 200, 50, 200, 90], "hole": False}, {"points": [1, 2, 3, 4], "hole": True}]
    assert flags.crop_rings(parts, (80, 30, 220, 110), 2.0) == [[(40.0, 40.0), (240.0, 40.0), (240.0, 120.0)]]


def test_dark_class_colours_are_outlined_in_yellow():
    assert flags.outline_colour("#000000") == "#ffd400"
    assert flags.outline_colour("#00008e") == "#ffd400"
    assert flags.outline_colour("#dcdc00") == "#dcdc00"
    assert flags.outline_colour("nonsense") == "#ffd400"
    # Matched whole: Python's `$` also matches before a final newline, and PIL cannot draw "#aabbcc\n".
    assert flags.outline_colour("#aabbcc\n") == "#ffd400"


def test_an_id_too_large_for_the_database_is_refused_before_it_is_looked_up():
    with pytest.raises(FlagError, match=r"category_id: 2147483648 is larger than any id"):
        flags.whole_id(2**31, "category_id")
    assert flags.whole_id(2**31 - 1, "category_id") == 2**31 - 1


def test_a_proposal_colour_looks_like_a_colour():
    colours = {flags.proposal_colour(n) for n in range(1, 20)}
    assert len(colours) == 19 and all(len(c) == 7 and c.startswith("#") for c in colours)
