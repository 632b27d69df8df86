"""/api/export/coco: the dataset as a COCO download."""

from __future__ import annotations

from . import bp  # noqa: F401
