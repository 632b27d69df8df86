"""The debrief (/debrief): the room's work added up, for the projector at the end of a workshop.

The instructor's page; once they share it (the switch on the page, PUT /api/debrief/share), any participant who
joined may open it too, read-only and without names, at the address and QR code the page then shows. A shell:
its figures come from /api/debrief, /api/debrief/timeline, /api/labour/presets and /api/pay."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from markupsafe import Markup

from annotator.store import debrief as debrief_store
from annotator.web import network
from annotator.web.auth import is_instructor
from annotator.web.pages import bp


def share_address() -> dict[str, object]:
    """Where participants open the shared debrief: the room's join address with /debrief, and its QR code."""
    base = network.join_url(current_app.config["ANNOTATOR"].get("PARTICIPANT_URLS"), request.host_url)
    url = base.rstrip("/") + "/debrief"
    svg = network.qr_svg(url)
    return {"url": url, "qr_svg": Markup(svg) if svg else None}  # segno's geometry only, never the text


@bp.get("/debrief")
def debrief() -> str:
    instructor = is_instructor()
    shared = debrief_store.is_shared()
    if not instructor and not shared:
        abort(403, description="The debrief is the instructor's page until they share it with the room: ask "
                               "them to switch on “Participants may open this page” on it.")
    return render_template("debrief.html", instructor=instructor, shared=shared,
                           share=share_address() if instructor else None)
