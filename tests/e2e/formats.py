"""The pages' number formats (static/js/common/format.js, English pages), restated in Python so the browser
tests can say what a page must show, and read a shown duration back."""

from __future__ import annotations

import math
import re
from decimal import ROUND_HALF_UP, Decimal

NONE = "–"
NBSP = "\u00a0"  # Intl puts it between a currency code and its amount

SECOND = 1000
MINUTE = 60_000
HOUR = 3_600_000


def js_round(value: float) -> int:
    """JavaScript's Math.round: halves go up (Python's round() goes to even)."""
    return math.floor(value + 0.5)


def duration_step(ms: float) -> int:
    """A tenth of a second under a minute, a second under an hour, else a minute (of the value rounded so)."""
    size = abs(ms)
    if js_round(size / 100) * 100 < MINUTE:
        return 100
    if js_round(size / SECOND) * SECOND < HOUR:
        return SECOND
    return MINUTE


def duration(ms: float | None) -> str:
    """formatDuration: "5 sec", "7.2 sec", "3 min 07 sec", "2 min", "1 hr 02 min", "2 hr"."""
    if ms is None:
        return NONE
    step = duration_step(ms)
    rounded = js_round(abs(ms) / step) * step
    sign = "-" if ms < 0 and rounded > 0 else ""
    if rounded < MINUTE:
        tenths = rounded // 100
        return f"{sign}{tenths // 10}{'' if tenths % 10 == 0 else f'.{tenths % 10}'} sec"
    if rounded < HOUR:
        minutes, seconds = divmod(rounded // SECOND, 60)
        return f"{sign}{minutes} min" + (f" {seconds:02d} sec" if seconds else "")
    hours, minutes = divmod(rounded // MINUTE, 60)
    return f"{sign}{hours:,} hr" + (f" {minutes:02d} min" if minutes else "")


def read_duration(text: str) -> float:
    """A shown duration back in milliseconds: "3 min 07 sec" -> 187000.0."""
    units = {"sec": SECOND, "min": MINUTE, "hr": HOUR}
    parts = re.findall(r"(-?[\d,]+(?:\.\d)?) (sec|min|hr)\b", text)
    assert parts and re.fullmatch(r"-?[\d,.]+ (sec|min|hr)( \d\d (min|sec))?", text.strip()), text
    sign = -1 if text.strip().startswith("-") else 1
    return sign * sum(abs(float(value.replace(",", ""))) * units[unit] for value, unit in parts)


def number(value: float, digits: int) -> str:
    """formatNumber: grouped, `digits` decimals, halves away from zero from the shortest decimal of the float
    (as ICU rounds; Python's own format rounds the binary value half to even)."""
    rounded = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return f"{rounded:,.{digits}f}"


def hours(value: float) -> str:
    """formatHours (person-hours): 3 decimals under 1, 2 under 10, 1 under 1000, else none."""
    size = abs(value)
    return number(value, 3 if size < 1 else 2 if size < 10 else 1 if size < 1000 else 0)


def money(value: float, currency: str) -> str:
    """formatMoney: the code, then the amount with two significant digits below 0.1 ("USD 0.0028")."""
    digits = 2
    if 0 < abs(value) < 0.1:
        digits = min(6, 1 - math.floor(math.log10(abs(value))))
    return f"{currency}{NBSP}{number(value, digits)}"
