"""Cells for CSV files that people open in spreadsheets (pure).

Spreadsheet programs run a cell starting with = + - @ (or a tab or carriage return) as a formula, so a
name or reason typed as `=HYPERLINK(...)` would become a live link: such cells are written as text."""

from __future__ import annotations

import math
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(value: Any) -> Any:
    """`value` as a cell: formula-like text quoted, None and non-finite numbers empty, anything else as is."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return "'" + value
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    return value
