"""The editor page for one image; it opens the page's labour session on the server's clock."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template

from annotator.store import annotations, library
from annotator.web import participants
from annotator.web.api.serialise import category_to_dict, image_to_dict
from annotator.web.pages import bp


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
    opened = annotations.open_labour_session(participants.current_annotator().id, image_id)
    return {"id": opened.id, "opened_ms": round(opened.opened_at.timestamp() * 1000)}
