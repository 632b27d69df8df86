"""Who is labelling: joining with a display name, and the person behind this browser.

Single-user mode (no instructor token) needs no joining: the person at the laptop becomes "Local user" on
first need. In workshop mode (a token is set) a participant joins with a name of their choosing; the
instructor, recognised by the token, gets an "Instructor" identity of their own. The browser keeps its
person in the signed session cookie, so it comes back to the same participant.

Names are whatever people type, shown as text only (templates escape, scripts use textContent). Two people
who type the same name are told apart: "Amara", "Amara (2)", case-insensitively.
"""

from __future__ import annotations

import re
import unicodedata
import uuid

from flask import session
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .auth import instructor_token, is_instructor
from .errors import ApiError
from .models import Annotator, db

SESSION_KEY = "annotator_public_id"
MAX_NAME_LENGTH = 40
_SPACES = re.compile(r"\s+")


class InvalidName(ValueError):
    """A display name that cannot be used; the message says why."""


def clean_name(raw: object) -> str:
    """A display name as typed, tidied: control and format characters removed, spaces collapsed."""
    if not isinstance(raw, str):
        raise InvalidName("Type a name: any name you like, it is only shown in this workshop.")
    kept = "".join(ch for ch in unicodedata.normalize("NFC", raw)
                   if unicodedata.category(ch)[0] != "C" or ch in "\t\n ")
    name = _SPACES.sub(" ", kept).strip()
    if not name:
        raise InvalidName("Type a name: any name you like, it is only shown in this workshop.")
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidName(f"Keep the name to {MAX_NAME_LENGTH} characters.")
    return name


def numbered(name: str, number: int) -> str:
    """The shown form of the `number`th person to pick `name`: the first keeps it as typed."""
    return name if number == 1 else f"{name} ({number})"


def name_key(shown: str) -> str:
    return shown.casefold()


def workshop_mode() -> bool:
    """A token is set: participants join with a name, admin actions need the token."""
    return instructor_token() is not None


def join(raw_name: object) -> Annotator:
    """A new participant under `raw_name`, numbered if someone already has it; remembered by this browser.

    The unique `name_key` settles two people joining with one name at the same instant: the loser of the
    race tries the next number."""
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
    """The person this browser joined as, if any (never makes one)."""
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
    instructing = workshop_mode()
    annotator = Annotator(public_id=str(uuid.uuid4()),
                          display_name="Instructor" if instructing else "Local user",
                          role="instructor" if instructing else "participant")
    db.session.add(annotator)
    db.session.commit()
    _remember(annotator)
    return annotator


def leave() -> None:
    """Forget who this browser is (to join again under another name); their work stays theirs."""
    session.pop(SESSION_KEY, None)


def _remember(annotator: Annotator) -> None:
    session[SESSION_KEY] = annotator.public_id
    session.permanent = True
