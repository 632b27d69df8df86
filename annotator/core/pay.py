"""What the work is worth: measured time turned into money under pay models people actually meet.

Pure: plain data in, plain data out; no Flask, no database. The API stores and serves the settings;
the receipt page's pay panel does the same arithmetic in the browser for its "what if" rate.

Why it is built this way:

- Every figure carries its source, year and confidence (exact / approximate / secondary, as in
  docs/labour_figures.md), because a pay figure without provenance invites being made up. Rows the
  reference file marks NOT VERIFIED are never accepted: the settings' model (core/schemas/pay.py) only
  knows the three levels.
- Money needs a date and a currency, so conversion goes through one dated exchange-rate table shipped with
  the settings (`exchange_rates`), never a live rate that would change the comparison from one day to the next.
- Reference wages published per day or per month become hourly only through a stated number of hours
  (`hours`), and the line says how in `derivation`; the arithmetic here does nothing the data does not state.
- A piece rate (per polygon, per image) and an hourly rate are different kinds of pay: only the measured
  active time turns the first into an effective hourly wage, which is what the reference lines compare with.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from importlib import resources
from typing import Any

from annotator.core.schemas.pay import MODEL_UNITS, PaySettings

SHOWN_BY_DEFAULT = frozenset({"exact", "approximate"})
MS_PER_HOUR = 3_600_000


def load_defaults() -> dict[str, Any]:
    """The shipped settings (annotator/data/pay_defaults.json), parsed as the instructor's are, so a bad edit to
    the file fails loudly (pydantic's ValidationError naming the field).

    Read through importlib.resources so it works the same from a checkout, an installed wheel or a zip."""
    text = resources.files("annotator").joinpath("data", "pay_defaults.json").read_text(encoding="utf-8")
    return PaySettings.model_validate(json.loads(text)).as_stored()


# --- arithmetic ---------------------------------------------------------------------------------------------------


def _usd_per_unit(rates: Mapping[str, Any]) -> Mapping[str, float]:
    """Accept the whole exchange_rates table or just its usd_per_unit mapping."""
    inner = rates.get("usd_per_unit")
    return inner if isinstance(inner, Mapping) else rates


def to_usd(amount: float, currency: str, rates: Mapping[str, Any]) -> float:
    """`amount` of `currency` in US dollars at the table's dated rate; KeyError for a currency it lacks
    (better than silently comparing unconverted money)."""
    return amount * float(_usd_per_unit(rates)[currency])


def earnings(model: Mapping[str, Any], active_ms: float, polygons: int, images: int,
             rates: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """What the measured work earns under one pay model, and the effective hourly wage that implies.

    A piece rate pays per polygon or per image whatever the time; an hourly rate pays the active time. The
    effective hourly wage is the amount over the active hours, None when no time was measured (no wage can
    be read from zero hours). With `rates`, the hourly wage is also given in US dollars for comparison."""
    unit = model["unit"]
    if unit not in MODEL_UNITS.values():
        raise ValueError(f"unit: must be one of {', '.join(MODEL_UNITS.values())}")
    for name, value in (("active_ms", active_ms), ("polygons", polygons), ("images", images)):
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
            raise ValueError(f"{name}: must be a finite number, 0 or more")
    rate = float(model["value"])
    hours = active_ms / MS_PER_HOUR
    units = {"polygon": polygons, "image": images, "hour": hours}[unit]
    amount = rate * units
    effective = amount / hours if hours > 0 else None
    result: dict[str, Any] = {
        "model": unit, "rate": rate, "currency": model["currency"], "units": units, "amount": amount,
        "active_hours": hours, "effective_hourly": effective,
        "source": model.get("source"), "year": model.get("year"), "confidence": model.get("confidence"),
    }
    if rates is not None:
        result["amount_usd"] = to_usd(amount, model["currency"], rates)
        result["effective_hourly_usd"] = None if effective is None else to_usd(effective, model["currency"], rates)
    return result


# --- labour spent and work that would be paid -------------------------------------------------------------------

# What each model pays for, said on the receipt: a piece rate pays results (the outlines still there, closed);
# an hourly rate pays the time, deleted and cancelled work included.
PAYS = {
    "polygon": "each live, closed outline (deleted outlines and cancelled drawings earn nothing)",
    "image": "each image with at least one live, closed outline",
    "hour": "every hour of active time, deleted and cancelled work included",
}


def work_split(report: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """From a labour report (annotator/store/ledger/ `report()`): the labour spent (all active time, every outline
    drawn, deleted ones and cancelled drawings included) and the work that would be paid (live, closed
    outlines, the images holding them, and their own time). pay_model.js `workSplit` is the same."""
    totals = report.get("totals") or {}
    polygons = list(report.get("polygons") or [])
    cancelled = list(report.get("cancelled") or [])
    def is_live(row: Mapping[str, Any]) -> bool:
        return not row.get("deleted") and bool(row.get("closed", True))

    live = [row for row in polygons if is_live(row)]
    return {
        "spent": {"active_ms": float(totals.get("active_ms") or 0.0), "outlines": len(polygons),
                  "deleted": sum(1 for row in polygons if row.get("deleted")),
                  "cancelled": len(cancelled),
                  "cancelled_ms": round(sum(float(row.get("total_ms") or 0.0) for row in cancelled), 1),
                  "unpaid_ms": round(sum(float(row.get("total_ms") or 0.0) for row in cancelled)
                                     + sum(float(row.get("total_ms") or 0.0) for row in polygons
                                           if not is_live(row)), 1),
                  "images": len(report.get("images") or [])},
        "paid": {"polygons": len(live), "images": len({row.get("image_id") for row in live}),
                 "polygons_ms": round(sum(float(row.get("total_ms") or 0.0) for row in live), 1)},
    }


def pay_for(model: Mapping[str, Any], split: Mapping[str, Mapping[str, Any]],
            rates: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """`earnings` under one model for a `work_split`: a piece rate paid on the paid work only, the hours on all
    the labour spent; the effective wage is always over all the time spent (the time the person gave)."""
    spent, paid = split["spent"], split["paid"]
    result = earnings(model, spent["active_ms"], paid["polygons"], paid["images"], rates)
    result["pays"] = PAYS[model["unit"]]
    return result
