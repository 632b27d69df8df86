"""Joining a workshop, and the instructor's workshop page.

In workshop mode every page but /join sends a participant who has no name yet to /join first; the API
answers such a browser 401 "join first" instead."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, redirect, render_template, request, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from annotator.core import names
from annotator.store import workshop
from annotator.web import network, participants
from annotator.web.auth import is_instructor
from annotator.web.pages import bp


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never send someone on to another host after joining."""
    if not target:
        return url_for("pages.gallery")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("pages.gallery")
    return target


def room_address() -> dict[str, Any]:
    """What the workshop and live pages show the room: the address participants open (the first that
    `annotator serve` chose, else the one this page was opened at), its QR code, the other addresses."""
    recorded = current_app.config["ANNOTATOR"].get("PARTICIPANT_URLS")
    url = network.join_url(recorded, request.host_url)
    svg = network.qr_svg(url)
    return {"url": url, "others": list(recorded[1:]) if recorded else [],
            "qr_svg": Markup(svg) if svg else None,  # segno's geometry only: the address is never in it
            "this_computer_only": network.reaches_only_this_computer(url)}


@bp.app_context_processor
def viewer() -> dict[str, dict[str, bool]]:
    """What every page's menu needs to know about the person looking (no database access: error pages too)."""
    return {"viewer": {"instructor": is_instructor(), "workshop": participants.workshop_mode()}}


@bp.before_request
def send_newcomers_to_join() -> Response | None:
    if request.endpoint in ("pages.join", "pages.join_submit"):
        return None
    if participants.needs_to_join():
        return redirect(url_for("pages.join", next=request.full_path.rstrip("?")))
    return None


@bp.get("/join")
def join() -> str:
    return render_template("join.html", me=participants.joined_annotator(), error=None, name="",
                           next=_safe_next(request.args.get("next")))


@bp.post("/join")
def join_submit() -> Response | tuple[str, int]:
    """The plain form (works without scripts): join, or join again under another name."""
    target = _safe_next(request.form.get("next"))
    try:
        participants.join(request.form.get("name", ""))
    except names.InvalidName as exc:
        return render_template("join.html", me=participants.joined_annotator(), error=str(exc),
                               name=request.form.get("name", "")[:200], next=target), 422
    return redirect(target)


@bp.get("/workshop")
def workshop_page() -> str:
    if not is_instructor():
        abort(403, description="The workshop page is for the instructor: open the address with the token "
                               "printed by `annotator serve`.")
    settings = workshop.load_settings()
    return render_template("workshop.html", settings=settings.to_dict(),
                           workshop_mode=participants.workshop_mode(),
                           image_count=len(workshop.workshop_images(settings)), room_address=room_address())
