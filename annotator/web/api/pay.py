"""/api/pay: the pay panel's settings (pay models, reference wages, the dated exchange-rate table).

Everyone may read them (the receipt page shows them to participants); only the instructor may change or
reset them. The settings' model is the domain's (annotator/core/schemas/pay.py): every rule is there, so a
body that passes is stored whole (annotator/store/pay.py); absent a stored one, the shipped defaults.
"""

from __future__ import annotations

from typing import Any, Literal

from flask import jsonify
from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from annotator.core import pay
from annotator.core.schemas.labour import LabourQuery
from annotator.core.schemas.pay import MODELS, Note, PaySettings, PaySettingsBody
from annotator.store import ledger
from annotator.store import pay as pay_store
from annotator.web.api import bp
from annotator.web.api import labour as labour_api
from annotator.web.api.contract import contract
from annotator.web.auth import admin_required


class PaySettingsAnswer(PaySettings):
    version: Literal[1]
    notes: list[Note]
    defaults: bool = Field(description="true: the shipped defaults, nothing stored")


def _answer(settings: dict[str, Any], defaults: bool) -> Response:
    return jsonify({**settings, "defaults": defaults})


@bp.get("/pay")
@contract(ok=PaySettingsAnswer, tags=["pay"])
def get_pay() -> Response:
    """The pay settings the receipt uses: stored by the instructor, or the shipped defaults."""
    return _answer(*pay_store.current())


@bp.put("/pay")
@admin_required  # before the contract: a participant is refused whatever the body
@contract(json=PaySettingsBody, ok=PaySettingsAnswer, tags=["pay"])
def put_pay(json: PaySettingsBody) -> Response:
    """Replace the pay settings whole (instructor only); every figure needs its source, year and confidence.
    `defaults`, as GET answers it, may be sent back: it is ignored."""
    return _answer(pay_store.store(json), False)


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
    settings, _ = pay_store.current()
    split = pay.work_split(report)
    return jsonify({"model": settings["model"], **split,
                    "earnings": {name: pay.pay_for(settings["pay_models"][name], split, settings["exchange_rates"])
                                 for name in MODELS}})


@bp.delete("/pay")
@admin_required
@contract(ok=PaySettingsAnswer, tags=["pay"])
def reset_pay() -> Response:
    """Forget the stored settings (instructor only): the shipped defaults apply again."""
    pay_store.forget()
    return _answer(pay.load_defaults(), True)
