"""/api/labour and the per-image labour views: the ledger's figures and raw events.

The instructor (or the single user) sees everyone's, under pseudonyms unless `names=1`; a participant sees
and downloads their own record only.
"""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, stream_with_context
from pydantic import BaseModel, Field, create_model

from annotator.core import labour
from annotator.core.schemas.labour import ImageLabourQuery, LabourQuery, ReplayQuery
from annotator.store import ledger
from annotator.store.models import Image, db
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.auth import is_instructor
from annotator.web.errors import ApiError
from annotator.web.participants import current_annotator

# The questions' models are the domain's (annotator/core/schemas/labour.py); the views check that the image and
# the person exist.

# --- the answers: the figures' names come from annotator.core.labour, so a figure added there is documented here --

_MS = {name: (float, ...) for name in (*labour.DURATIONS, "total_ms", "idle_ms")}
_COUNTS = {name: (int, ...) for name in labour.COUNT_FIELDS}

LabourFigures = create_model(
    "LabourFigures", __doc__="Sums and distribution of a group of polygons (milliseconds, counts).",
    polygons=(int, ...), vertices=(int, ...), median_ms=(float | None, ...), mean_ms=(float | None, ...),
    fastest_ms=(float | None, ...), slowest_ms=(float | None, ...), **_MS, **_COUNTS)
PolygonLabour = create_model(
    "PolygonLabour", __doc__="One polygon's labour over every session that touched it.",
    annotation=(str, Field(description="the polygon's client id")), hidden_ms=(float, ...), closed=(bool, ...),
    cancelled=(int, ...), sessions=(list[str], ...), first_ms=(float | None, ...),
    closed_at_ms=(float | None, ...), **_MS, **_COUNTS)
EditorPolygonLabour = create_model(
    "EditorPolygonLabour", __doc__="What the editor's polygon list shows of one polygon.",
    **{name: (float, ...) for name in ("total_ms", *labour.DURATIONS)},
    **{name: (int, ...) for name in ("clicks", "vertices_placed", "traced", "snapped", "followed", "edits",
                                     "undos", "redos")})


class Named(BaseModel):
    person: str = Field(description="pseudonym, or `imported`")
    name: str | None = Field(default=None, description="display name, only with names=1")


class LabourPolygon(PolygonLabour, Named):  # type: ignore[misc, valid-type]
    id: int
    image_id: int
    file_name: str
    category: str
    category_id: int
    colour: str
    deleted: bool
    vertices: int


class LabourSession(Named):
    session: str
    image_id: int
    events: int
    wall_ms: float
    active_ms: float
    draw_ms: float
    search_ms: float
    edit_ms: float
    other_ms: float
    idle_ms: float
    hidden_ms: float
    zooms: int
    pans: int
    started_ms: float | None
    ended_ms: float | None
    clamped_ms: float = Field(description="claimed by the page's clock beyond the server's time since the session "
                                          "opened plus the clock lead: stored, not counted")
    clamp_reason: str | None
    overlap_ms: float = Field(description="counted, but credited to another of the person's sessions at the same "
                                          "moments")


class LabourPerson(LabourFigures, Named):  # type: ignore[misc, valid-type]
    active_ms: float | None = None
    other_ms: float | None = None
    session_idle_ms: float | None = None
    hidden_ms: float | None = None
    clamped_ms: float | None = None
    overlap_ms: float | None = None
    sessions: int | None = None


class LabourImage(LabourFigures):  # type: ignore[misc, valid-type]
    image_id: int
    file_name: str | None
    active_ms: float


class LabourClass(LabourFigures):  # type: ignore[misc, valid-type]
    category: str
    category_id: int
    colour: str


class LabourTotals(LabourFigures):  # type: ignore[misc, valid-type]
    active_ms: float
    other_ms: float
    session_idle_ms: float
    hidden_ms: float
    clamped_ms: float
    overlap_ms: float
    clamped_sessions: int
    sessions: int
    people: int
    images: int
    cancelled_drawings: int
    cancelled_ms: float


class CumulativePoint(BaseModel):
    at_ms: float = Field(description="wall clock, epoch milliseconds")
    hours: float = Field(description="person-hours of closed polygons so far")


class LabourReport(BaseModel):
    idle_threshold_ms: float
    clock_lead_ms: float
    definitions: dict[str, str]
    names: bool
    totals: LabourTotals
    polygons: list[LabourPolygon]
    cancelled: list[PolygonLabour]  # type: ignore[valid-type]
    images: list[LabourImage]
    people: list[LabourPerson]
    classes: list[LabourClass]
    sessions: list[LabourSession]
    cumulative: list[CumulativePoint]


class ImageLabour(BaseModel):
    idle_threshold_ms: float
    polygons: dict[str, EditorPolygonLabour]  # type: ignore[valid-type]
    active_ms: float
    other_sessions_active_ms: float


class ReplayStep(BaseModel):
    at_ms: float = Field(description="labour time since the first event, idle gaps capped")
    session: str
    seq: int
    kind: str
    annotation: str | None
    data: dict[str, Any]


class Replay(BaseModel):
    image_id: int
    idle_threshold_ms: float
    annotation: str | None
    duration_ms: float
    events: list[ReplayStep]


# --- the views ------------------------------------------------------------------------------------------------


def _image_id(image_id: int | None) -> int | None:
    if image_id is not None and db.session.get(Image, image_id) is None:
        raise ApiError(404, "not found", f"There is no image {image_id}.")
    return image_id


def _whose(wanted: str | None) -> int | None:
    """Whose events: anyone's for the instructor (or the one named by `annotator=`), else the asker's own.

    A participant naming anyone but themselves gets the same 403 whether that person exists or not, so the
    parameter cannot be used to find out who is in the room; the instructor gets 404 for a name no one has."""
    me = current_annotator()
    if wanted in (None, "", "me"):
        return None if is_instructor() and wanted != "me" else me.id
    found = ledger.find_annotator(wanted)
    if is_instructor():
        if found is None:
            raise ApiError(404, "not found", "No annotator goes by that id, pseudonym or name.")
        return found.id
    if found is None or found.id != me.id:
        raise ApiError(403, "instructor only", "Only the instructor sees other people's timings.")
    return found.id


def _names(names: bool) -> bool:
    if names and not is_instructor():
        raise ApiError(403, "instructor only", "Only the instructor may export names; exports use pseudonyms.")
    return names


def _scope(query: LabourQuery) -> ledger.Scope:
    return ledger.Scope(image_id=_image_id(query.image), annotator_id=_whose(query.annotator))


@bp.get("/labour/summary.json")
@contract(query=LabourQuery, ok=LabourReport, errors=[404], tags=["labour"])
def labour_summary(query: LabourQuery) -> Response:
    """Every labour figure of the scope: per polygon, image, person, class and session, totals, cumulative
    hours. Durations in milliseconds (`*_ms`), wall-clock moments in epoch milliseconds."""
    scope = _scope(query)
    return Response(ledger.report_json(scope, names=_names(query.names)), mimetype="application/json")


@bp.get("/labour/events.csv")
@contract(query=LabourQuery, errors=[404], tags=["labour"])
def labour_events(query: LabourQuery) -> Response:
    """The raw labour events as text/csv, by image, session and seq; `data` as JSON text."""
    scope = _scope(query)
    lines = ledger.events_csv(scope, names=_names(query.names))
    return Response(stream_with_context(lines), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="labour-events.csv"'})


@bp.get("/images/<int:image_id>/labour")
@contract(query=ImageLabourQuery, ok=ImageLabour, errors=[404], tags=["labour"])
def image_labour(image_id: int, query: ImageLabourQuery) -> Response:
    """Each polygon's time and clicks for the editor's list; `session` leaves the asking page's own out of
    `other_sessions_active_ms`, which the page adds to its live count."""
    _image_id(image_id)
    mine = None if is_instructor() else current_annotator().id
    return jsonify(ledger.image_figures(image_id, mine, query.session))


@bp.get("/images/<int:image_id>/replay")
@contract(query=ReplayQuery, ok=Replay, errors=[404], tags=["labour"])
def image_replay(image_id: int, query: ReplayQuery) -> Response:
    """The image's labour events on the labour clock, for the replay page."""
    _image_id(image_id)
    return jsonify(ledger.replay(image_id, _whose(query.annotator), query.annotation))
