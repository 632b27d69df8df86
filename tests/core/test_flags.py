"""annotator.core.flags and annotator.core.schemas.flags: what a flag request may carry, the flag's state after
saves and decisions, proposal names, and the lists as CSV."""

from __future__ import annotations

import csv
import io

import pytest
from pydantic import ValidationError

from annotator.core import flags
from annotator.core.csv_cells import formula_safe
from annotator.core.flags import FlagState
from annotator.core.refused import Refused
from annotator.core.schemas.flags import Flag, FlagResolve, ProposalAccept, ProposalCreate, tidy_text

VOID, CAR, TRUCK = 27, 7, 8


def flag(kind: str, reason: str, *proposal: int | None) -> Flag:
    """A parsed flag; a third argument sends `proposal_id` (None detaches)."""
    return Flag(kind=kind, reason=reason, **({"proposal_id": proposal[0]} if proposal else {}))


def test_a_flag_reads_kind_reason_and_whether_a_proposal_was_sent():
    plain = Flag.model_validate({"kind": "unsure", "reason": "  van?  "})
    assert (plain.kind, plain.reason, plain.proposal_id, plain.proposal_given) == ("unsure", "van?", None, False)
    detached = Flag.model_validate({"kind": "none_fits", "proposal_id": None})
    assert (detached.reason, detached.proposal_given) == ("", True)
    assert Flag.model_validate({"kind": "unsure", "reason": None}).reason == ""
    # The editor may echo the object it received: the server's keys are ignored.
    echoed = Flag.model_validate({"kind": "none_fits", "reason": "", "proposal_id": 4, "category_id": 3,
                                  "resolution": None})
    assert (echoed.proposal_id, echoed.proposal_given) == (4, True)


@pytest.mark.parametrize(("raw", "field"), [
    ([], ()), ({"kind": ["unsure"]}, ("kind",)), ({"kind": "Unsure"}, ("kind",)),
    ({"kind": "unsure", "reason": "r" * 501}, ("reason",)),
    ({"kind": "unsure", "proposal_id": True}, ("proposal_id",)),
    ({"kind": "unsure", "proposal_id": 0}, ("proposal_id",)),
    ({"kind": "unsure", "proposal_id": 2**31}, ("proposal_id",)),  # larger than any id: not looked up
])
def test_a_bad_flag_names_the_field(raw, field):
    with pytest.raises(ValidationError) as caught:
        Flag.model_validate(raw)
    assert caught.value.errors()[0]["loc"] == field


def test_text_is_tidied_control_characters_go_and_markup_stays_text():
    assert tidy_text("<b>a</b>\u0000\u200b\n b ") == "<b>a</b>\n b"
    assert tidy_text(" a \n  b ", one_line=True) == "a b"
    assert Flag.model_validate({"kind": "unsure", "reason": "<i>x</i>\u0007\nline "}).reason == "<i>x</i>\nline"
    assert ProposalCreate.model_validate({"name": "  e-\nscooter "}).name == "e- scooter"
    with pytest.raises(ValidationError, match="must not be empty"):
        ProposalCreate.model_validate({"name": " \u0007 "})


def test_decisions_carry_notes_and_colours_as_text_that_fits():
    accept = ProposalAccept.model_validate({"supercategory": " vehicle\n ", "note": None})
    assert (accept.colour, accept.supercategory, accept.note) == (None, "vehicle", "")
    for bad in ({"colour": "red"}, {"colour": "#aabbcc\n"}, {"note": "n" * 501}, {"supercategory": 7}):
        with pytest.raises(ValidationError):
            ProposalAccept.model_validate(bad)


def test_setting_a_flag_keeps_the_sent_or_current_class_as_the_guess():
    plain = FlagState(CAR)
    assert flags.saved_state(plain, VOID, flag_given=True, request=flag("unsure", "r")) == FlagState(
        VOID, "unsure", "r", CAR)
    assert flags.saved_state(plain, VOID, category_id=TRUCK, flag_given=True,
                             request=flag("none_fits", "")).guess_id == TRUCK
    new = FlagState(None)
    assert flags.saved_state(new, VOID, flag_given=True, request=flag("none_fits", "")) == FlagState(
        VOID, "none_fits", "", None)
    on_void = FlagState(VOID)
    assert flags.saved_state(on_void, VOID, flag_given=True, request=flag("unsure", "")).guess_id is None


def test_while_open_a_class_moves_the_guess_but_void_does_not():
    state = FlagState(VOID, "unsure", "r", CAR, None, 3)
    assert flags.saved_state(state, VOID, category_id=TRUCK) == FlagState(VOID, "unsure", "r", TRUCK, None, 3)
    assert flags.saved_state(state, VOID, category_id=VOID) == state
    assert flags.saved_state(state, VOID) == state


def test_a_changed_flag_keeps_its_proposal_unless_one_is_sent():
    state = FlagState(VOID, "none_fits", "", CAR, None, 3)
    assert flags.saved_state(state, VOID, flag_given=True, request=flag("unsure", "x")).proposal_id == 3
    assert flags.saved_state(state, VOID, flag_given=True,
                             request=flag("unsure", "x", None, True)).proposal_id is None
    assert flags.saved_state(state, VOID, flag_given=True,
                             request=flag("unsure", "x", 5, True)).proposal_id == 5


def test_clearing_restores_the_sent_class_then_the_guess_then_void():
    state = FlagState(VOID, "unsure", "r", CAR, None, 3)
    assert flags.saved_state(state, VOID, flag_given=True) == FlagState(CAR)
    assert flags.saved_state(state, VOID, category_id=TRUCK, flag_given=True) == FlagState(TRUCK)
    assert flags.saved_state(FlagState(VOID, "none_fits"), VOID, flag_given=True) == FlagState(VOID)
    assert flags.saved_state(FlagState(CAR), VOID, flag_given=True) == FlagState(CAR)  # nothing to clear


def test_a_decided_flag_is_the_instructors():
    decided = FlagState(TRUCK, "unsure", "r", CAR, "reclassed", None)
    assert flags.saved_state(decided, VOID, category_id=TRUCK) == decided
    assert flags.saved_state(decided, VOID, flag_given=True, request=flag("unsure", "r")) == decided
    for kwargs in ({"flag_given": True}, {"flag_given": True, "request": flag("unsure", "other")},
                   {"flag_given": True, "request": flag("unsure", "r", 4, True)}):
        with pytest.raises(Refused) as caught:
            flags.saved_state(decided, VOID, **kwargs)
        assert (caught.value.field, caught.value.status) == ("flag", 409)
    with pytest.raises(Refused) as caught:
        flags.saved_state(decided, VOID, category_id=CAR)
    assert (caught.value.field, caught.value.status) == ("category_id", 409)
    assert flags.saved_state(decided, VOID, category_id=CAR, instructor=True).category_id == CAR


def test_a_single_resolution_is_kept_when_it_is_the_guess():
    assert flags.resolution_for(FlagState(VOID, "unsure", "", CAR), CAR) == "kept"
    assert flags.resolution_for(FlagState(VOID, "unsure", "", CAR), TRUCK) == "reclassed"
    assert flags.resolution_for(FlagState(VOID, "none_fits", "", None), TRUCK) == "reclassed"


def test_a_proposal_name_is_new_and_not_too_long():
    flags.check_new_class_name("e-scooter", ["car"], [(4, "kerb")])
    with pytest.raises(Refused, match="name: there is already a class called 'Car'") as caught:
        flags.check_new_class_name("cAR", ["Car"], [])
    assert (caught.value.field, caught.value.status) == ("name", 422)
    with pytest.raises(Refused, match=r"'Kerb' is already proposed \(proposal 4\)"):
        flags.check_new_class_name("KERB", [], [(4, "Kerb")])
    with pytest.raises(ValidationError, match="at most 64 characters"):
        ProposalCreate.model_validate({"name": "k" * 65})


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


def test_an_id_too_large_for_the_database_is_refused_before_it_is_looked_up():
    with pytest.raises(ValidationError, match="less than or equal to 2147483647"):
        FlagResolve.model_validate({"category_id": 2**31})
    assert FlagResolve.model_validate({"category_id": 2**31 - 1}).category_id == 2**31 - 1


def test_a_proposal_colour_looks_like_a_colour():
    colours = {flags.proposal_colour(n) for n in range(1, 20)}
    assert len(colours) == 19 and all(len(c) == 7 and c.startswith("#") for c in colours)
