"""The gallery of images and the editor page for one image."""

from __future__ import annotations

import math
import secrets
from typing import Any

from flask import abort, current_app, render_template, request

from annotator.store import library, workshop
from annotator.store.models import LabourSession, db, utcnow
from annotator.web import participants
from annotator.web.api.serialise import category_to_dict, image_to_dict
from annotator.web.auth import is_instructor
from annotator.web.pages import bp


@bp.get("/")
def gallery() -> str:
    """Every image, or in a workshop that hands images out, the images this participant was given."""
    page_size = current_app.config["ANNOTATOR"]["PAGE_SIZE"]
    page = request.args.get("page", "1")
    page = int(page) if page.isdigit() and 0 < int(page) < 10**7 else 1
    settings = workshop.load_settings()
    me = participants.joined_annotator()
    participant = participants.workshop_mode() and not is_instructor()
    handed_out = participant and settings.assignment != "free" and me is not None
    if handed_out:
        given = [found for image_id, _ in workshop.assigned_images(me)
                 if (found := library.image_with_count(image_id)) is not None]
        rows, total = given[(page - 1) * page_size:page * page_size], len(given)
    else:
        rows, total = library.list_images((page - 1) * page_size, page_size)
    pages = max(1, math.ceil(total / page_size))
    if page > pages:
        abort(404, description=f"The gallery has {pages} page(s).")
    cards = [image_to_dict(image, count) for image, count in rows]
    return render_template("gallery.html", cards=cards, page=page, pages=pages, total=total,
                           page_size=page_size, page_links=_page_window(page, pages),
                           max_upload_mb=current_app.config["ANNOTATOR"]["MAX_UPLOAD_MB"],
                           can_upload=is_instructor(), me=me if participant else None, handed_out=handed_out,
                           assignment=settings.assignment, compare=participants.others_visible())


def _page_window(page: int, pages: int, radius: int = 2) -> list[int | None]:
    """Page numbers to link: first, last, and a window around the current one; None marks a gap."""
    wanted = {1, pages, *range(max(1, page - radius), min(pages, page + radius) + 1)}
    links: list[int | None] = []
    for number in sorted(wanted):
        if links and links[-1] is not None and number - links[-1] > 1:
            links.append(None)
        links.append(number)
    return links


@bp.get("/annotate/<int:image_id>")
def editor(image_id: int) -> str:
    found = library.image_with_count(image_id)
    if found is None:
        abort(404, description=f"There is no image {image_id}.")
    image = image_to_dict(*found)
    categories = [category_to_dict(category) for category in library.active_categories()]
    return render_template("editor.html", image=image, categories=categories, compare=participants.others_visible(),
                           idle_threshold_ms=current_app.config["ANNOTATOR"]["IDLE_THRESHOLD_S"] * 1000,
                           labour_session=_open_labour_session(image_id))


def _open_labour_session(image_id: int) -> dict[str, Any] | None:
    """The server opens the page's labour session: its id, and the server's clock now, which bounds the time
    the session's events may claim (see annotator/core/labour/). None for a participant who has not joined yet
    (the page sends them to join; a session id it makes up is opened at its first batch)."""
    if participants.needs_to_join():
        return None
    opened = LabourSession(id=secrets.token_urlsafe(18), annotator_id=participants.current_annotator().id,
                           image_id=image_id, opened_at=utcnow(), events=0, last_event_id=0)
    db.session.add(opened)
    db.session.commit()
    return {"id": opened.id, "opened_ms": round(opened.opened_at.timestamp() * 1000)}
