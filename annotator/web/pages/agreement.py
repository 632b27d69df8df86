"""The agreement page: how several people's outlines of one image compare.

A shell like the other pages: the figures come from /api/images/<id>/agreement, which decides what the asker
may see; the page refuses early (403) a participant to whom the instructor has not shared the layers."""

from __future__ import annotations

from flask import abort, render_template

from annotator.store import library
from annotator.web import participants
from annotator.web.api.serialise import image_to_dict
from annotator.web.auth import is_instructor
from annotator.web.pages import bp


@bp.get("/agreement/<int:image_id>")
def agreement_page(image_id: int) -> str:
    found = library.image_with_count(image_id)
    if found is None:
        abort(404, description=f"There is no image {image_id}.")
    if not participants.others_visible():
        abort(403, description="Not shared yet: the instructor has not shared everyone's outlines. "
                               "This page opens once they do.")
    return render_template("agreement.html", image=image_to_dict(*found), instructor=is_instructor())
