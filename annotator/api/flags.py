"""Flags on annotations and class proposals: raise, list, decide."""

from __future__ import annotations

from . import bp  # noqa: F401
