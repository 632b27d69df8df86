"""The instructor's live view of the room: a projector-sized page that polls /api/workshop/live."""

from __future__ import annotations

from flask import current_app, render_template

from annotator.web.auth import admin_required
from annotator.web.pages import bp
from annotator.web.pages.workshop import room_address


@bp.get("/live")
@admin_required  # the page's error envelope renders as the error page with 403 for a participant
def live() -> str:
    return render_template("live.html", idle_threshold_s=current_app.config["ANNOTATOR"]["IDLE_THRESHOLD_S"],
                           room_address=room_address())
