"""The agreement page: how several people's outlines of one image compare."""

from __future__ import annotations

from . import bp  # noqa: F401
