"""The instructor's live view of the room."""

from __future__ import annotations

from . import bp  # noqa: F401
