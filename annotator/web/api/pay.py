"""/api/pay: the pay panel's settings (pay models, reference wages, the dated exchange-rate table).

Everyone may read them (the receipt page shows them to participants); only the instructor may change or
reset them. Stored whole, validated, as one `Setting` row ("pay"); absent that row, the shipped defaults.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

from flask import jsonify, request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from annotator.core import pay
from annotator.store import ledger
from annotator.store.models import Setting, db
from annotator.web.api import bp
from annotator.web.api import labour as labour_api
from annotator.web.api.contract import contract
from annotator.web.api.labour import LabourQuery
from annotator.web.auth import admin_required
from annotator.web.errors import ApiError

log = logging.getLogger(__name__)

SETTING_KEY = "pay"

# --- the contract: the shape of the settings (pay.validate_settings then checks their meaning: every currency
# in the rate table, hours stated for daily wages, ids unique, text not blank) ---------------------------------

Amount = Annotated[float, Field(ge=0, le=pay.MAX_VALUE, allow_inf_nan=False)]
PositiveAmount = Annotated[float, Field(gt=0, le=pay.MAX_VALUE, allow_inf_nan=False)]
Currency = Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="ISO 4217 code, listed in exchange_rates")]
Year = Annotated[int, Field(ge=pay.MIN_YEAR, le=pay.MAX_YEAR)]
Confidence = Literal[pay.CONFIDENCE]  # type: ignore[valid-type]
Note = Annotated[str, Field(max_length=pay.MAX_TEXT)]


class PayShape(BaseModel):
    # strict: "12" is not a wage; forbid: the settings are stored whole, and pay.validate_settings refuses
    # a field it does not know rather than keep it.
    model_config = ConfigDict(strict=True, extra="forbid")


class PayModel(PayShape):
    label: str = Field(min_length=1, max_length=pay.MAX_LABEL)
    value: Amount
    currency: Currency
    unit: Literal[tuple(pay.MODEL_UNITS.values())] = Field(  # type: ignore[valid-type]
        description="polygon, image or hour: the one its pay model is named after")
    source: str = Field(min_length=1, max_length=pay.MAX_SOURCE)
    year: Year
    confidence: Confidence
    derivation: Note | None = None
    note: Note | None = None


class PayModels(PayShape):
    per_polygon: PayModel
    per_image: PayModel
    hourly: PayModel


class ReferenceLine(PayShape):
    id: str = Field(min_length=1, max_length=pay.MAX_ID, pattern=r"^[a-z0-9][a-z0-9-]*$")
    label: str = Field(min_length=1, max_length=pay.MAX_LABEL)
    value: PositiveAmount
    currency: Currency
    per: Literal[pay.PERIODS]  # type: ignore[valid-type]
    hours: PositiveAmount | None = Field(default=None, description="working hours in one `per`; required unless "
                                                                   "per is hour (then 1 or left out)")
    source: str = Field(min_length=1, max_length=pay.MAX_SOURCE)
    year: Year
    confidence: Confidence
    kind: Literal[pay.KINDS]  # type: ignore[valid-type]
    derivation: Note | None = Field(default=None, description="how the hourly figure is made; required unless "
                                                              "per is hour")
    note: Note | None = None


class ExchangeRates(PayShape):
    base: Literal["USD"]
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$", description="the day the rates are from (YYYY-MM-DD)")
    source: str = Field(min_length=1, max_length=pay.MAX_SOURCE)
    confidence: Confidence
    usd_per_unit: dict[Currency, PositiveAmount] = Field(
        min_length=1, max_length=pay.MAX_CURRENCIES, description="US dollars per unit of each currency; USD is 1")


class PaySettingsBody(PayShape):
    version: Literal[1] | None = None
    model: Literal[pay.MODELS] = Field(description="the pay model the receipt shows first")  # type: ignore[valid-type]
    pay_models: PayModels
    reference_lines: list[ReferenceLine] = Field(max_length=pay.MAX_LINES)
    exchange_rates: ExchangeRates
    notes: list[Note] | None = Field(default=None, max_length=pay.MAX_NOTES)
    defaults: bool | None = Field(default=None, description="ignored: GET's answer may be sent back as it is")


class PaySettings(PaySettingsBody):
    version: Literal[1]
    notes: list[Note]
    defaults: bool = Field(description="true: the shipped defaults, nothing stored")


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
@contract(ok=PaySettings, tags=["pay"])
def get_pay() -> Response:
    """The pay settings the receipt uses: stored by the instructor, or the shipped defaults."""
    return _answer(*_current())


@bp.put("/pay")
@admin_required  # before the contract: a participant is refused whatever the body
@contract(json=PaySettingsBody, ok=PaySettings, tags=["pay"])
def put_pay() -> Response:
    """Replace the pay settings whole (instructor only); every figure needs its source, year and confidence."""
    body = {key: value for key, value in request.get_json().items() if key != "defaults"}  # echoed from GET
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


class Earned(BaseModel):
    model: str
    rate: float
    currency: str
    units: float
    amount: float
    active_hours: float
    effective_hourly: float | None
    amount_usd: float
    effective_hourly_usd: float | None
    pays: str = Field(description="what this model pays for")


class PayReceipt(BaseModel):
    model: str = Field(description="the model the receipt shows first")
    spent: dict[str, float] = Field(description="labour spent: active_ms, outlines, deleted, cancelled, "
                                                "cancelled_ms, unpaid_ms, images")
    paid: dict[str, float] = Field(description="work that would be paid: live closed polygons, their images "
                                               "and their own time (polygons_ms)")
    earnings: dict[str, Earned] = Field(description="per pay model")


@bp.get("/pay/earnings")
@contract(query=LabourQuery, ok=PayReceipt, errors=[403, 404], tags=["pay"])
def pay_earnings(query: LabourQuery) -> Response:
    """What a person's recorded work would earn under each pay model, labour spent apart from the work that
    would be paid (the receipt's pay panel does the same sums). A participant sees only their own."""
    report = ledger.report(labour_api._scope(query))  # who may see whose: as the summary
    settings, _ = _current()
    split = pay.work_split(report)
    return jsonify({"model": settings["model"], **split,
                    "earnings": {name: pay.pay_for(settings["pay_models"][name], split, settings["exchange_rates"])
                                 for name in pay.MODELS}})


@bp.delete("/pay")
@admin_required
@contract(ok=PaySettings, tags=["pay"])
def reset_pay() -> Response:
    """Forget the stored settings (instructor only): the shipped defaults apply again."""
    row = db.session.get(Setting, SETTING_KEY)
    if row is not None:
        db.session.delete(row)
        db.session.commit()
    return _answer(pay.load_defaults(), True)
