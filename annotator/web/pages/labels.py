"""The label-set editor: add, rename, recolour, reorder, define, archive and restore classes; import and export
the label file.

A shell like the other pages: the set comes from /api/categories (and /api/categories/archived), and is saved
whole with one `PUT /api/categories`, the rule `annotator labels load` follows. Instructor only (everyone in
single-user mode), as the API decides."""

from __future__ import annotations

from flask import render_template

from annotator.web.auth import admin_required
from annotator.web.pages import bp


@bp.get("/labels")
@admin_required  # the error envelope renders as the error page with 403 for a participant
def labels_page() -> str:
    return render_template("labels.html")
