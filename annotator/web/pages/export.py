"""The export page: the COCO export's options, what it will hold, a progress bar and the report after.

A shell like the other pages: the summary comes from /api/export/preview and the file from /api/export/coco
(or /api/export/masks.zip), streamed; both decide who may export (the instructor; everyone in single-user
mode)."""

from __future__ import annotations

from flask import render_template

from annotator.web.auth import admin_required
from annotator.web.pages import bp


@bp.get("/export")
@admin_required  # the error envelope renders as the error page with 403 for a participant
def export_page() -> str:
    return render_template("export.html")
