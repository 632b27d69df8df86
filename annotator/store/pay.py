"""The pay settings as stored: one `Setting` row ("pay"), whole, or none (then the shipped defaults apply)."""

from __future__ import annotations

import logging
from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError

from annotator.core import pay
from annotator.core.schemas.pay import PaySettings
from annotator.store.models import Setting, db

log = logging.getLogger(__name__)

SETTING_KEY = "pay"


def current() -> tuple[dict[str, Any], bool]:
    """The stored settings, or the defaults (True) when none are stored or the stored ones no longer pass
    the settings' model (say, after an upgrade changed the rules): participants then see sourced defaults,
    not junk."""
    row = db.session.get(Setting, SETTING_KEY)
    if row is not None:
        try:
            return PaySettings.model_validate(row.value).as_stored(), False
        except ValidationError as exc:
            log.warning("stored pay settings are invalid (%s); serving the defaults", exc)
    return pay.load_defaults(), True


def store(settings: PaySettings) -> dict[str, Any]:
    """Insert or replace the row; if another process inserted it first, replace theirs (last write wins).
    Returns the settings as stored."""
    value = settings.as_stored()
    row = db.session.get(Setting, SETTING_KEY)
    if row is None:
        db.session.add(Setting(key=SETTING_KEY, value=value))
        try:
            db.session.commit()
            return value
        except IntegrityError:
            db.session.rollback()
            row = db.session.get(Setting, SETTING_KEY)
    row.value = value
    db.session.commit()
    return value


def forget() -> None:
    """Remove the stored settings: the shipped defaults apply again."""
    row = db.session.get(Setting, SETTING_KEY)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
