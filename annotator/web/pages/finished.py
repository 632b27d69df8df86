"""The page a participant reaches when every image handed to them is done: what their hour amounted to, the way
to their receipt, and what happens next (instead of a line in the toolbar)."""

from __future__ import annotations

from flask import render_template

from annotator.store import ledger
from annotator.web import participants
from annotator.web.pages import bp


def _duration(ms: float) -> str:
    seconds = round(ms / 1000)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


@bp.get("/finished")
def finished() -> str:
    me = participants.joined_annotator()
    totals = ledger.report(ledger.Scope(annotator_id=me.id))["totals"] if me is not None else None
    headline = None
    if totals is not None and (totals["polygons"] or totals["active_ms"]):
        headline = {"objects": totals["polygons"], "vertices": totals["vertices_placed"],
                    "clicks": totals["clicks"], "time": _duration(totals["active_ms"])}
    return render_template("finished.html", me=me, headline=headline)
