"""The instructor's live view of the room, polled by /live."""

from __future__ import annotations

from . import bp  # noqa: F401
