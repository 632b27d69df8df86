"""/api/import/coco: COCO files made elsewhere, imported all or nothing (instructor only)."""

from __future__ import annotations

from . import bp  # noqa: F401
