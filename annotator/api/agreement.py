"""Agreement between people on one image: figures, CSV, the disagreement map."""

from __future__ import annotations

from . import bp  # noqa: F401
