"""/api/pay: the pay panel's settings (pay models, reference wages, the dated exchange-rate table).

Everyone may read them (the receipt page shows them to participants); only the instructor may change or
reset them. Stored whole, validated, as one `Setting` row ("pay"); absent that row, the shipped defaults.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import jsonify, request
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from .. import pay
from ..auth import admin_required
from ..errors import ApiError
from ..models import Setting, db
from . import bp

log = logging.getLogger(__name__)

SETTING_KEY = "pay"


def _current() -> tuple[dict[str, Any], bool]:
    """The stored settings, or the defaults (True) when none are stored or the stored ones no longer pass
    validation (say, after an upgrade changed the rules): participants then see sourced defaults, not junk."""
    row = db.session.get(Setting, SETTING_KEY)
    if row is not None:
        try:
            return pay.validate_settings(row.value), False
        except ValueError as exc:
            log.warning("stored pay settings are invalid (%s); serving the defaults", exc)
    return pay.load_defaults(), True


def _answer(settings: dict[str, Any], defaults: bool) -> Response:
    return jsonify({**settings, "defaults": defaults})


@bp.get("/pay")
def get_pay() -> Response:
    return _answer(*_current())


@bp.put("/pay")
@admin_required
def put_pay() -> Response:
    if not request.is_json:
        raise ApiError(415, "JSON body expected", "Send the pay settings as application/json.")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "malformed JSON", "The request body is not valid JSON.")
    if isinstance(body, dict):
        body = {key: value for key, value in body.items() if key != "defaults"}  # echoed back from GET
    try:
        settings = pay.validate_settings(body)
    except ValueError as exc:
        raise ApiError(422, "invalid pay settings", str(exc)) from exc
    _store(settings)
    return _answer(settings, False)


def _store(settings: dict[str, Any]) -> None:
    """Insert or replace the row; if another process inserted it first, replace theirs (last write wins)."""
    row = db.session.get(Setting, SETTING_KEY)
    if row is None:
        db.session.add(Setting(key=SETTING_KEY, value=settings))
        try:
            db.session.commit()
            return
        except IntegrityError:
            db.session.rollback()
            row = db.session.get(Setting, SETTING_KEY)
    row.value = settings
    db.session.commit()


@bp.delete("/pay")
@admin_required
def reset_pay() -> Response:
    row = db.session.get(Setting, SETTING_KEY)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
    return _answer(pay.load_defaults(), True)
