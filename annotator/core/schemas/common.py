"""Types shared by the features' input models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

LARGEST_ID = 2**31 - 1  # the largest id an integer column holds: PostgreSQL's INTEGER; SQLite's is wider

RowId = Annotated[int, Field(ge=1, le=LARGEST_ID)]  # the id of a stored row (image, class, annotation...)


def field_path(loc: Any) -> str:
    """`annotations[3].segmentation[0]` for pydantic's error location ('annotations', 3, 'segmentation', 0)."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path
