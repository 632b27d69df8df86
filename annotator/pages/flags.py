"""The flags page: flagged annotations, their reasons and class proposals, for the discussion."""

from __future__ import annotations

from . import bp  # noqa: F401
