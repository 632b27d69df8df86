"""Joining a workshop, and the instructor's workshop page."""

from __future__ import annotations

from . import bp  # noqa: F401
