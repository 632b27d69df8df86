"""Display names: tidied, limited, and numbered when two people pick the same one."""

from __future__ import annotations

import pytest

from annotator.participants import MAX_NAME_LENGTH, InvalidName, clean_name, name_key, numbered


@pytest.mark.parametrize(("typed", "kept"), [
    ("Amara", "Amara"),
    ("  Amara   Okafor ", "Amara Okafor"),
    ("Zoë", "Zoë"),
    ("Ana\u200b\u202eMaria", "AnaMaria"),  # zero-width and bidi-override characters are dropped
    ("<script>alert(1)</script>", "<script>alert(1)</script>"),  # kept as typed: shown as text, never HTML
])
def test_names_are_tidied_but_otherwise_kept_as_typed(typed, kept):
    assert clean_name(typed) == kept


@pytest.mark.parametrize("typed", ["", "   ", "\u200b", None, 42, ["Amara"], "x" * (MAX_NAME_LENGTH + 1)])
def test_unusable_names_are_refused_with_a_reason(typed):
    with pytest.raises(InvalidName):
        clean_name(typed)


def test_the_second_person_with_a_name_gets_a_number():
    assert numbered("Amara", 1) == "Amara"
    assert numbered("Amara", 2) == "Amara (2)"


def test_names_are_told_apart_without_regard_to_case():
    assert name_key("AMARA") == name_key("amara")
