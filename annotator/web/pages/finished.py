"""The page a participant reaches when every image handed to them is done: what their hour amounted to, the way
to their receipt, and what happens next (instead of a line in the toolbar)."""

from __future__ import annotations

import math

from flask import render_template

from annotator.store import ledger
from annotator.web import participants
from annotator.web.pages import bp


def _duration(ms: float) -> str:
    """A duration as every page of the browser prints it (static/js/common/format.js, in English): to a tenth of
    a second under a minute, to the second under an hour, to the minute beyond; zero tails left off."""
    tenths = math.floor(ms / 100 + 0.5)  # JavaScript's Math.round: halves up
    if tenths < 600:
        return f"{tenths // 10}{f'.{tenths % 10}' if tenths % 10 else ''} sec"
    seconds = math.floor(ms / 1000 + 0.5)
    if seconds < 3600:
        minutes, seconds = divmod(seconds, 60)
        return f"{minutes} min" + (f" {seconds:02d} sec" if seconds else "")
    hours, minutes = divmod(math.floor(ms / 60_000 + 0.5), 60)
    return f"{hours:,} hr" + (f" {minutes:02d} min" if minutes else "")


@bp.get("/finished")
def finished() -> str:
    me = participants.joined_annotator()
    totals = ledger.report(ledger.Scope(annotator_id=me.id))["totals"] if me is not None else None
    headline = None
    if totals is not None and (totals["polygons"] or totals["active_ms"]):
        headline = {"objects": totals["polygons"], "vertices": totals["vertices_placed"],
                    "clicks": totals["clicks"], "time": _duration(totals["active_ms"])}
    return render_template("finished.html", me=me, headline=headline)
