"""The labour pages: dashboard, receipt and replay.

They are shells: their figures come from /api/labour and /api/images/<id>/replay, which decide whose
figures the asker may see."""

from __future__ import annotations

from flask import abort, render_template, request

from annotator.store import library
from annotator.web.api.serialise import image_to_dict
from annotator.web.auth import is_instructor
from annotator.web.pages import bp


@bp.get("/labour")
def labour_dashboard() -> str:
    return render_template("labour_dashboard.html", instructor=is_instructor())


@bp.get("/receipt")
def labour_receipt() -> str:
    return render_template("labour_receipt.html", instructor=is_instructor(),
                           annotator=request.args.get("annotator", "")[:200])


@bp.get("/replay/<int:image_id>")
def labour_replay(image_id: int) -> str:
    found = library.image_with_count(image_id)
    if found is None:
        abort(404, description=f"There is no image {image_id}.")
    annotation = request.args.get("annotation", "")[:64]
    return render_template("labour_replay.html", image=image_to_dict(*found), annotation=annotation)
