"""The flags page: flagged annotations, their reasons and class proposals, for the discussion.

A shell: the lists come from /api/flags and /api/proposals, which decide whose names the asker may see; the
instructor's page has the decision buttons, which the API refuses to anyone else anyway."""

from __future__ import annotations

from flask import render_template

from annotator.web.auth import is_instructor
from annotator.web.pages import bp


@bp.get("/flags")
def flags_page() -> str:
    return render_template("flags.html", instructor=is_instructor())
