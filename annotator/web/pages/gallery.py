"""The gallery: every image, or the images a workshop handed this participant."""

from __future__ import annotations

import math

from flask import abort, current_app, render_template, request

from annotator.store import library, workshop
from annotator.web import participants
from annotator.web.api.serialise import image_to_dict
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
