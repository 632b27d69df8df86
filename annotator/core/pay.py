"""What the work is worth: measured time turned into money under pay models people actually meet.

Pure: plain data in, plain data out; no Flask, no database. The API stores and serves the settings;
the receipt page's pay panel does the same arithmetic in the browser for its "what if" rate.

Why it is built this way:

- Every figure carries its source, year and confidence (exact / approximate / secondary, as in
  docs labour_figures.md), because a pay figure without provenance invites being made up. Rows the
  reference file marks NOT VERIFIED are never accepted: `validate_settings` only knows the three levels.
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
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

MODELS = ("per_polygon", "per_image", "hourly")
MODEL_UNITS = {"per_polygon": "polygon", "per_image": "image", "hourly": "hour"}
CONFIDENCE = ("exact", "approximate", "secondary")
SHOWN_BY_DEFAULT = frozenset({"exact", "approximate"})
KINDS = ("minimum wage", "living wage", "micro-task earnings")
PERIODS = ("hour", "day", "week", "month")
MAX_LINES = 40
MAX_CURRENCIES = 40
MAX_NOTES = 20
MAX_LABEL = 160
MAX_SOURCE = 500
MAX_TEXT = 500
MAX_ID = 64
MAX_VALUE = 1e12
MIN_YEAR, MAX_YEAR = 1900, 2100
MS_PER_HOUR = 3_600_000

_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def load_defaults() -> dict[str, Any]:
    """The shipped settings (annotator/data/pay_defaults.json), validated so a bad edit to the file fails loudly.

    Read through importlib.resources so it works the same from a checkout, an installed wheel or a zip."""
    text = resources.files("annotator").joinpath("data", "pay_defaults.json").read_text(encoding="utf-8")
    return validate_settings(json.loads(text))


# --- validation -------------------------------------------------------------------------------------------------


def _fail(field: str, message: str) -> ValueError:
    return ValueError(f"{field}: {message}")


def _mapping(raw: Any, field: str, required: Sequence[str], optional: Sequence[str] = ()) -> Mapping[str, Any]:
    """An object with exactly these keys; `field` "" is the top level, whose keys are named alone."""
    if not isinstance(raw, Mapping):
        raise _fail(field or "settings", "must be an object")
    prefix = f"{field}." if field else ""
    unknown = sorted(set(raw) - set(required) - set(optional), key=str)
    if unknown:
        raise _fail(f"{prefix}{str(unknown[0])[:40]}", "unknown field")
    for name in required:
        if name not in raw or raw[name] is None:
            raise _fail(f"{prefix}{name}", "required")
    return raw


def _number(raw: Any, field: str, *, positive: bool = False) -> float:
    # bool is an int in Python, but `true` is not a wage.
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise _fail(field, "must be a number")
    value = float(raw)
    if not math.isfinite(value):
        raise _fail(field, "must be a finite number")
    if value < 0 or (positive and value == 0):
        raise _fail(field, "must be greater than 0" if positive else "must be 0 or more")
    if value > MAX_VALUE:
        raise _fail(field, f"must be at most {MAX_VALUE:g}")
    return value


def _text(raw: Any, field: str, limit: int, *, required: bool = True) -> str:
    if not isinstance(raw, str):
        raise _fail(field, "must be text")
    value = raw.strip()
    if required and not value:
        raise _fail(field, "required")
    if len(value) > limit:
        raise _fail(field, f"at most {limit} characters")
    return value


def _year(raw: Any, field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or not MIN_YEAR <= raw <= MAX_YEAR:
        raise _fail(field, f"must be a whole year between {MIN_YEAR} and {MAX_YEAR}")
    return raw


def _choice(raw: Any, field: str, allowed: Sequence[str]) -> str:
    if raw not in allowed:
        raise _fail(field, f"must be one of {', '.join(allowed)}")
    return raw


def _currency(raw: Any, field: str, known: Mapping[str, float]) -> str:
    if not isinstance(raw, str) or raw not in known:
        raise _fail(field, f"unknown currency {str(raw)[:10]!r}: add it to exchange_rates.usd_per_unit first")
    return raw


def _optional_texts(raw: Mapping[str, Any], field: str, names: Sequence[str]) -> dict[str, str]:
    out = {}
    for name in names:
        if raw.get(name) not in (None, ""):
            out[name] = _text(raw[name], f"{field}.{name}", MAX_TEXT)
    return out


def _validate_rates(raw: Any) -> dict[str, Any]:
    field = "exchange_rates"
    table = _mapping(raw, field, ("base", "date", "source", "confidence", "usd_per_unit"))
    if table["base"] != "USD":
        raise _fail(f"{field}.base", "must be USD (every comparison is made in US dollars)")
    date = _text(table["date"], f"{field}.date", 10)
    if not _DATE.match(date):
        raise _fail(f"{field}.date", "must be a date YYYY-MM-DD: a rate without a date cannot be checked")
    rates_raw = table["usd_per_unit"]
    if not isinstance(rates_raw, Mapping) or not rates_raw:
        raise _fail(f"{field}.usd_per_unit", "must be an object of currency codes and rates")
    if len(rates_raw) > MAX_CURRENCIES:
        raise _fail(f"{field}.usd_per_unit", f"at most {MAX_CURRENCIES} currencies")
    rates: dict[str, float] = {}
    for code, value in rates_raw.items():
        if not isinstance(code, str) or not _CURRENCY.match(code):
            raise _fail(f"{field}.usd_per_unit", f"{str(code)[:10]!r} is not a three-letter currency code")
        rates[code] = _number(value, f"{field}.usd_per_unit.{code}", positive=True)
    if rates.get("USD") != 1.0:
        raise _fail(f"{field}.usd_per_unit.USD", "must be 1")
    return {"base": "USD", "date": date, "source": _text(table["source"], f"{field}.source", MAX_SOURCE),
            "confidence": _choice(table["confidence"], f"{field}.confidence", CONFIDENCE), "usd_per_unit": rates}


def _validate_model(raw: Any, name: str, rates: Mapping[str, float]) -> dict[str, Any]:
    field = f"pay_models.{name}"
    model = _mapping(raw, field, ("label", "value", "currency", "unit", "source", "year", "confidence"),
                     ("derivation", "note"))
    if model["unit"] != MODEL_UNITS[name]:
        raise _fail(f"{field}.unit", f"must be {MODEL_UNITS[name]!r}")
    return {"label": _text(model["label"], f"{field}.label", MAX_LABEL),
            "value": _number(model["value"], f"{field}.value"),
            "currency": _currency(model["currency"], f"{field}.currency", rates),
            "unit": MODEL_UNITS[name],
            "source": _text(model["source"], f"{field}.source", MAX_SOURCE),
            "year": _year(model["year"], f"{field}.year"),
            "confidence": _choice(model["confidence"], f"{field}.confidence", CONFIDENCE),
            **_optional_texts(model, field, ("derivation", "note"))}


def _validate_line(raw: Any, index: int, rates: Mapping[str, float]) -> dict[str, Any]:
    field = f"reference_lines[{index}]"
    line = _mapping(raw, field, ("id", "label", "value", "currency", "per", "source", "year", "confidence", "kind"),
                    ("hours", "derivation", "note"))
    line_id = _text(line["id"], f"{field}.id", MAX_ID)
    if not _ID.match(line_id):
        raise _fail(f"{field}.id", "lower-case letters, digits and hyphens only")
    per = _choice(line["per"], f"{field}.per", PERIODS)
    out: dict[str, Any] = {
        "id": line_id,
        "label": _text(line["label"], f"{field}.label", MAX_LABEL),
        "value": _number(line["value"], f"{field}.value", positive=True),
        "currency": _currency(line["currency"], f"{field}.currency", rates),
        "per": per,
        "source": _text(line["source"], f"{field}.source", MAX_SOURCE),
        "year": _year(line["year"], f"{field}.year"),
        "confidence": _choice(line["confidence"], f"{field}.confidence", CONFIDENCE),
        "kind": _choice(line["kind"], f"{field}.kind", KINDS),
    }
    if per != "hour":
        # A daily or monthly wage is only hourly through a stated number of hours, and the line must say so.
        if line.get("hours") is None:
            raise _fail(f"{field}.hours", f"required when per is {per!r}: the working hours in one {per}")
        out["hours"] = _number(line["hours"], f"{field}.hours", positive=True)
        if not line.get("derivation"):
            raise _fail(f"{field}.derivation", f"required when per is {per!r}: say how the hourly figure is made")
    elif line.get("hours") is not None and _number(line["hours"], f"{field}.hours", positive=True) != 1:
        raise _fail(f"{field}.hours", "must be 1 (or left out) when per is 'hour'")
    out.update(_optional_texts(line, field, ("derivation", "note")))
    return out


def validate_settings(raw: Any) -> dict[str, Any]:
    """Check a whole settings object and return a clean copy; raise ValueError naming the first bad field.

    The instructor edits these through the API, and what is stored is shown to every participant, so nothing
    is accepted without its source and year, numbers are finite and not negative, every currency is in the
    dated exchange-rate table, and text is bounded."""
    settings = _mapping(raw, "", ("model", "pay_models", "reference_lines", "exchange_rates"),
                        ("version", "notes"))
    if settings.get("version", 1) != 1:
        raise _fail("version", "must be 1")
    table = _validate_rates(settings["exchange_rates"])
    rates = table["usd_per_unit"]
    models_raw = _mapping(settings["pay_models"], "pay_models", MODELS)
    models = {name: _validate_model(models_raw[name], name, rates) for name in MODELS}
    lines_raw = settings["reference_lines"]
    if not isinstance(lines_raw, list):
        raise _fail("reference_lines", "must be a list")
    if len(lines_raw) > MAX_LINES:
        raise _fail("reference_lines", f"at most {MAX_LINES} reference lines")
    lines = [_validate_line(line, index, rates) for index, line in enumerate(lines_raw)]
    seen: set[str] = set()
    for index, line in enumerate(lines):
        if line["id"] in seen:
            raise _fail(f"reference_lines[{index}].id", f"{line['id']!r} is used twice")
        seen.add(line["id"])
    notes_raw = settings.get("notes") or []
    if not isinstance(notes_raw, list) or len(notes_raw) > MAX_NOTES:
        raise _fail("notes", f"must be a list of at most {MAX_NOTES} texts")
    notes = [_text(note, f"notes[{index}]", MAX_TEXT) for index, note in enumerate(notes_raw)]
    return {"version": 1, "model": _choice(settings["model"], "model", MODELS), "pay_models": models,
            "reference_lines": lines, "exchange_rates": table, "notes": notes}


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
    """From a labour report (annotator/store/ledger.py `report()`): the labour spent (all active time, every outline
    drawn, deleted ones and cancelled drawings included) and the work that would be paid (live, closed
    outlines, the images holding them, and their own time). pay_panel.js `workSplit` is the same."""
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
