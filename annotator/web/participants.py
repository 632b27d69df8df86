"""Who is labelling: joining with a display name, and the person behind this browser.

Single-user mode (no instructor token) needs no joining: the person at the laptop becomes "Local user" on
first need, the same person in every browser of this computer. In workshop mode (a token is set) a
participant joins with a name of their choosing; the instructor, recognised by the token, gets an
"Instructor" identity of their own. The browser keeps its person in the signed session cookie, so it comes
back to the same participant. The rules for names themselves are in annotator.core.names.
"""

from __future__ import annotations

import uuid

from flask import request, session
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from annotator.core.names import clean_name, name_key, numbered
from annotator.store import workshop
from annotator.store.models import Annotator, db
from annotator.web import rate_limits
from annotator.web.auth import is_instructor
from annotator.web.errors import ApiError

SESSION_KEY = "annotator_public_id"
SINGLE_USER_ROLE = "single-user"
SINGLE_USER_NAME = "Local user"


def others_visible() -> bool:
    """May this browser see other people's outlines? The instructor always; participants once shared."""
    return is_instructor() or workshop.load_settings().share_layers


def workshop_mode() -> bool:
    """A token is set: participants join with a name, admin actions need the token."""
    return workshop.workshop_mode()


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


def _remember(annotator: Annotator) -> None:
    session[SESSION_KEY] = annotator.public_id
    session.permanent = True
