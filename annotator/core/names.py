"""Display names as people type them: tidied, refused when they show as nothing or pass for the instructor,
and keyed so that names that look alike are told apart.

Names are whatever people type, shown as text only (templates escape, scripts use textContent), less the
characters that show as nothing. Two people whose names look alike are told apart: "Amara" and "Amara (2)"
when the second typed a Cyrillic A (U+0410), compared by their Unicode TR39 confusable skeleton without
regard to case. Names that show as blank are refused, and so are names that would pass for the instructor
("Instructor", "INSTRUCTOR", "lnstructor"...).
"""

from __future__ import annotations

import re
import unicodedata

from disarm import skeleton_key

from annotator.core.refused import Refused

MAX_NAME_LENGTH = 40
# The unique name_key column holds 220 characters; a skeleton can be far longer than its name (U+FDFA is one
# character that NFKC spells out in 18), and " (999)" may follow.
MAX_KEY_LENGTH = 200
_SPACES = re.compile(r"\s+")
_TYPE_A_NAME = "Type a name: any name you like, it is only shown in this workshop."

# Characters that show as nothing, or as blank space though Unicode does not call them spaces, so a name made of
# them looks empty and a name ending in one looks like another's. Default_Ignorable_Code_Point (Unicode 15.1
# DerivedCoreProperties.txt; Python's unicodedata does not expose it), which holds the Hangul fillers U+115F,
# U+1160, U+3164, U+FFA0, the variation selectors and the tag characters...
_DEFAULT_IGNORABLE = ((0x00AD, 0x00AD), (0x034F, 0x034F), (0x061C, 0x061C), (0x115F, 0x1160), (0x17B4, 0x17B5),
                      (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x3164, 0x3164),
                      (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF0, 0xFFF8),
                      (0x1BCA0, 0x1BCA3), (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF))
# ...and symbols drawn blank: braille pattern blank, musical null notehead, Khitan small script filler.
_BLANK_GLYPHS = frozenset({0x2800, 0x1D159, 0x16FE4})

# The instructor's title in each language the interface is planned in: a participant may not take it, so
# nobody can pass for the instructor in the live view or the layers list. Compared by skeleton, letters only
# ("Instructor 2", "INSTRUCTOR!" and "Instructor" with a Cyrillic I, U+0406, are all refused).
INSTRUCTOR_TITLES = (
    "instructor", "teacher",  # en
    "instructora", "profesor", "profesora",  # es
    "formateur", "formatrice", "instructeur", "instructrice",  # fr
    "kursleiter", "kursleiterin", "ausbilder", "ausbilderin",  # de
    "mwalimu", "mkufunzi",  # sw
    "tagapagturo",  # fil
)


class InvalidName(Refused):
    """A display name that cannot be used; the message says why (the API answers 422 "invalid name")."""

    def __init__(self, message: str) -> None:
        super().__init__("name", message, 422, title="invalid name")


def clean_name(raw: object) -> str:
    """A display name as typed, tidied: control, format and blank-showing characters removed, spaces collapsed.

    Refused (InvalidName, saying why): not text, nothing visible left, too long, or the instructor's title."""
    if not isinstance(raw, str):
        raise InvalidName(_TYPE_A_NAME)
    kept = "".join(ch for ch in unicodedata.normalize("NFC", raw)
                   if ch in "\t\n " or (unicodedata.category(ch)[0] != "C" and not shows_as_nothing(ch)))
    name = _SPACES.sub(" ", kept).strip()
    # Something must be drawn: a letter, digit, punctuation or symbol (combining marks alone are not).
    if not any(unicodedata.category(ch)[0] in "LNPS" for ch in name) or not name_key(name).strip():
        raise InvalidName(_TYPE_A_NAME)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidName(f"Keep the name to {MAX_NAME_LENGTH} characters.")
    if len(name_key(name)) > MAX_KEY_LENGTH:
        raise InvalidName("Keep the name shorter: some of its characters stand for several letters each.")
    if passes_for_instructor(name):
        raise InvalidName(f"“{name}” is kept for the workshop's instructor, so that nobody can pass for them: "
                          "type your own name.")
    return name


def shows_as_nothing(ch: str) -> bool:
    """A character that is drawn as nothing or as blank (not counting ordinary spaces)."""
    code = ord(ch)
    return code in _BLANK_GLYPHS or any(low <= code <= high for low, high in _DEFAULT_IGNORABLE)


def passes_for_instructor(name: str) -> bool:
    """Whether `name`'s letters look like the instructor's title in one of the interface's languages."""
    return _letters(name_key(name)) in _INSTRUCTOR_KEYS


def numbered(name: str, number: int) -> str:
    """The shown form of the `number`th person to pick `name`: the first keeps it as typed."""
    return name if number == 1 else f"{name} ({number})"


def name_key(shown: str) -> str:
    """What two names that look alike share: the TR39 confusable skeleton after NFKC, case-folded.

    "Amara", "AMARA", "Amara" with a Cyrillic A (U+0410) and full-width "Amara" all key as "amara"; digits join the
    letters they look like (TR39's 1/l and 0/O), as a reader cannot tell them apart either. TR39 reads capital I
    as l but leaves small i alone; without regard to case, "Iris" is "iris", so small i is read as l too."""
    return skeleton_key(unicodedata.normalize("NFKC", shown), digit_policy="tr39").replace("i", "l")


def _letters(key: str) -> str:
    return "".join(ch for ch in key if ch.isalpha())


_INSTRUCTOR_KEYS = frozenset(_letters(name_key(title)) for title in INSTRUCTOR_TITLES)
