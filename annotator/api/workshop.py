"""Workshop settings, joining, assignments, reset and archive."""

from __future__ import annotations

from . import bp  # noqa: F401
