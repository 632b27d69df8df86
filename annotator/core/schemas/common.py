"""Types shared by the features' input models."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

LARGEST_ID = 2**31 - 1  # the largest id an integer column holds: PostgreSQL's INTEGER; SQLite's is wider

RowId = Annotated[int, Field(ge=1, le=LARGEST_ID)]  # the id of a stored row (image, class, annotation...)
