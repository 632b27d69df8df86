"""Who is labelling: joining with a display name, and the person behind this browser.

Single-user mode (no instructor token) needs no joining: the person at the laptop becomes "Local user" on
first need, the same person in every browser of this computer. In workshop mode (a token is set) a
participant joins with a name of their choosing; the instructor, recognised by the token, gets an
"Instructor" identity of their own. The browser keeps its person in the signed session cookie, so it comes
back to the same participant.

Names are whatever people type, shown as text only (templates escape, scripts use textContent), less the
characters that show as nothing. Two people whose names look alike are told apart: "Amara" and "Amara (2)"
when the second typed a Cyrillic A (U+0410), compared by their Unicode TR39 confusable skeleton without
regard to case. Names that show as blank are refused, and so are names that would pass for the instructor
("Instructor", "INSTRUCTOR", "lnstructor"...).
"""

from __future__ import annotations

import re
import unicodedata
import uuid

from disarm import skeleton_key
from flask import request, session
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from . import rate_limits
from .auth import instructor_token, is_instructor
from .errors import ApiError
from .models import Annotator, db

SESSION_KEY = "annotator_public_id"
SINGLE_USER_ROLE = "single-user"
SINGLE_USER_NAME = "Local user"
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


class InvalidName(ValueError):
    """A display name that cannot be used; the message says why."""


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


def workshop_mode() -> bool:
    """A token is set: participants join with a name, admin actions need the token."""
    return instructor_token() is not None


def join(raw_name: object) -> Annotator:
    """A new participant under `raw_name`, numbered if someone already has it; remembered by this browser.

    The unique `name_key` settles two people joining with one name at the same instant: the loser of the
    race tries the next number. Joins are limited per client address (429 past RATE_JOINS), refused ones too."""
    rate_limits.check("joins", request.remote_addr or "unknown")
    name = clean_name(raw_name)
    taken = {key for (key,) in db.session.execute(
        select(Annotator.name_key).where(Annotator.name_key.is_not(None)))}
    number = 1
    while True:
        shown = numbered(name, number)
        number += 1
        if name_key(shown) in taken:
            continue
        annotator = Annotator(public_id=str(uuid.uuid4()), display_name=shown, name_key=name_key(shown))
        db.session.add(annotator)
        try:
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
            continue
        _remember(annotator)
        return annotator


def joined_annotator() -> Annotator | None:
    """The person this browser joined as, if any (never makes one). In single-user mode every browser on this
    computer is the single user."""
    if not workshop_mode():
        return single_user(create=False)
    public_id = session.get(SESSION_KEY)
    if not public_id:
        return None
    return db.session.scalar(select(Annotator).where(Annotator.public_id == public_id))


def needs_to_join() -> bool:
    """A participant's browser in workshop mode that has no name yet."""
    return workshop_mode() and not is_instructor() and joined_annotator() is None


def current_annotator() -> Annotator:
    """The person behind this browser. Made on first need in single-user mode and for the instructor;
    a workshop participant who has not joined is refused (401) and the pages send them to /join."""
    found = joined_annotator()
    if found is not None:
        return found
    if needs_to_join():
        raise ApiError(401, "join first", "Open the workshop's address and type a name to join.")
    if not workshop_mode():
        return single_user(create=True)
    annotator = Annotator(public_id=str(uuid.uuid4()), display_name="Instructor", role="instructor")
    db.session.add(annotator)
    db.session.commit()
    _remember(annotator)
    return annotator


def single_user(create: bool) -> Annotator | None:
    """Single-user mode's one person. The laptop's owner may use several browsers or profiles: they are still
    one person, so the receipt, the dashboard and the ledger count one. The oldest such row wins, so two
    browsers' first requests racing to make it still end up as the same person."""
    found = db.session.scalar(select(Annotator).where(Annotator.role == SINGLE_USER_ROLE)
                              .order_by(Annotator.id).limit(1))
    if found is not None or not create:
        return found
    # An installation from before this rule made a "Local user" per browser: the first of them is the one.
    found = db.session.scalar(select(Annotator).where(Annotator.display_name == SINGLE_USER_NAME,
                                                      Annotator.role == "participant", Annotator.name_key.is_(None))
                              .order_by(Annotator.id).limit(1))
    if found is None:
        found = Annotator(public_id=str(uuid.uuid4()), display_name=SINGLE_USER_NAME)
        db.session.add(found)
    found.role = SINGLE_USER_ROLE
    db.session.commit()
    return single_user(create=False)


def leave() -> None:
    """Forget who this browser is (to join again under another name); their work stays theirs."""
    session.pop(SESSION_KEY, None)


def _remember(annotator: Annotator) -> None:
    session[SESSION_KEY] = annotator.public_id
    session.permanent = True
