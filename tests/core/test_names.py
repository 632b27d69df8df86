"""Display names: tidied, limited, and numbered when two people pick the same one."""

from __future__ import annotations

import pytest

from annotator.core.names import MAX_NAME_LENGTH, InvalidName, clean_name, name_key, numbered


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


# --- look-alike and impostor names (issue 14) -----------------------------------------------------------------

CYRILLIC_A = "\u0410"  # looks like Latin A
BRAILLE_BLANK = "\u2800"
HANGUL_FILLER = "\u3164"


@pytest.mark.parametrize("look_alike", [
    CYRILLIC_A + "mara",  # a Cyrillic capital A
    "Am\u0430ra",  # a Cyrillic small a
    "\uff21\uff4d\uff41\uff52\uff41",  # full-width letters
    "AMARA",
])
def test_names_that_look_alike_share_a_key(look_alike):
    assert name_key(look_alike) == name_key("Amara")


def test_names_that_look_different_keep_different_keys():
    assert len({name_key(name) for name in ("Amara", "Amina", "Amara (2)", "Zoë", "Zoe")}) == 5


@pytest.mark.parametrize("blank", [
    BRAILLE_BLANK, HANGUL_FILLER, "\u115f", "\u1160", "\uffa0", "\ufe0f", "\U000e0041", "\u0301\u0301",
    BRAILLE_BLANK + " " + HANGUL_FILLER, "\u200b" + BRAILLE_BLANK,
])
def test_names_that_show_as_blank_are_refused(blank):
    with pytest.raises(InvalidName, match="Type a name"):
        clean_name(blank)


@pytest.mark.parametrize(("typed", "kept"), [
    ("Amara" + BRAILLE_BLANK, "Amara"),
    (HANGUL_FILLER + "Amara", "Amara"),
    ("Ama\ufe0fra", "Amara"),  # a variation selector
    ("Ama\u034fra", "Amara"),  # combining grapheme joiner
])
def test_blank_showing_characters_are_stripped_from_names(typed, kept):
    assert clean_name(typed) == kept


@pytest.mark.parametrize("impostor", [
    "Instructor", "instructor", "INSTRUCTOR", "lnstructor", "\u0406nstructor", "Instructor 2", "Instructor!",
    "Instructora", "Formatrice", "Kursleiter", "Kurs Leiter", "Mwalimu", "mkufunzi", "Tagapagturo", "Teacher",
])
def test_names_that_pass_for_the_instructor_are_refused(impostor):
    with pytest.raises(InvalidName, match="kept for the workshop's instructor"):
        clean_name(impostor)


@pytest.mark.parametrize("name", ["Instructor Amara's neighbour", "Mwalimu Juma", "Ingrid", "Liam"])
def test_names_containing_a_title_or_similar_letters_are_fine(name):
    assert clean_name(name) == name
