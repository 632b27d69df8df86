"""/api/debrief: what the debrief page (/debrief) shows at the end of a workshop.

The instructor's, until they share it with the room (PUT /api/debrief/share); then any participant who joined
may read it too, without names. The figures are the labour ledger's report, the same as GET
/api/labour/summary.json gives the instructor (store/debrief.py passes them through); the time-lapse is the
room's outlines with the moments they were drawn, bounded in size (core/debrief.py).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, url_for
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from annotator.store import debrief as debrief_store
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.api.labour import LabourClass, LabourTotals
from annotator.web.auth import admin_required, is_instructor
from annotator.web.errors import ApiError
from annotator.web.participants import current_annotator


def may_view() -> bool:
    """The instructor may; a participant who joined may once the debrief is shared (401 if they have not joined);
    anyone else is refused as every instructor-only view refuses them. True for the instructor."""
    if is_instructor():
        return True
    if not debrief_store.is_shared():
        raise ApiError(403, "instructor only", "The debrief is the instructor's until they share it with the room.")
    current_annotator()  # 401 "join first" for a browser without a name
    return False


# --- the answers ------------------------------------------------------------------------------------------------


class DebriefPolygon(BaseModel):
    image_id: int
    category_id: int
    deleted: bool
    closed: bool
    vertices: int
    total_ms: float


class DebriefCancelled(BaseModel):
    total_ms: float


class DebriefImageRef(BaseModel):
    image_id: int


class DebriefFigures(BaseModel):
    """The room's labour report, reduced to what the debrief shows: totals and classes as the summary has them,
    outlines and cancelled drawings with only what the pace and the pay are worked out from."""

    idle_threshold_ms: float
    definitions: dict[str, str] = Field(description="the labour definitions, as in the summary")
    totals: LabourTotals  # type: ignore[valid-type]
    classes: list[LabourClass]  # type: ignore[valid-type]
    polygons: list[DebriefPolygon] = Field(description="every outline drawn (deleted ones too), without person")
    cancelled: list[DebriefCancelled]
    images: list[DebriefImageRef] = Field(description="the images with labour on them")
    names: list[str] | None = Field(description="the display names of everyone with labour on record, for the "
                                                "credits: the instructor's view only (null for participants)")
    shared: bool = Field(description="participants may open the debrief")


class DebriefPart(BaseModel):
    points: list[float] = Field(description="[x1, y1, x2, y2, ...] in image pixels, simplified, whole pixels")
    hole: bool


class DebriefOutline(BaseModel):
    id: int
    image_id: int
    category: str
    colour: str
    deleted: bool = Field(description="deleted later: its labour was spent all the same")
    first_ms: float = Field(description="its first vertex on the server's clock (epoch ms)")
    closed_at_ms: float = Field(description="its close on the server's clock (epoch ms)")
    parts: list[DebriefPart]


class DebriefTile(BaseModel):
    id: int
    file_name: str
    width: int
    height: int
    outlines: int = Field(description="timed outlines on it (before any sampling)")
    thumbnail_url: str


class DebriefCounts(BaseModel):
    outlines: int = Field(description="outlines in the report")
    timed: int = Field(description="of them, with a close on the server's clock")
    shown: int
    images: int
    images_shown: int


class DebriefTimeline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start_ms: float | None
    end_ms: float | None
    images: list[DebriefTile]
    outlines: list[DebriefOutline] = Field(description="in the order they were closed")
    counts: DebriefCounts
    limits: dict[str, int] = Field(description="outlines, images and vertices per outline at most")
    note: str | None = Field(description="what was left out and why")


class DebriefShareBody(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")

    shared: bool = Field(description="true: participants who joined may open the debrief (read-only, no names)")


class DebriefShare(BaseModel):
    shared: bool


# --- the views --------------------------------------------------------------------------------------------------


@bp.get("/debrief")
@contract(ok=DebriefFigures, errors=[403], tags=["debrief"])
def debrief_figures() -> Response:
    """The room's labour figures for the debrief (instructor; participants too once it is shared): the same
    totals and classes as GET /api/labour/summary.json, names only for the instructor."""
    instructor = may_view()
    return jsonify(debrief_store.room_figures(names=instructor))


@bp.get("/debrief/timeline")
@contract(ok=DebriefTimeline, errors=[403], tags=["debrief"])
def debrief_timeline() -> Response:
    """Every timed outline of the room, simplified, with its first vertex and its close on the server's clock,
    on the images holding the most of them: the debrief's time-lapse. Bounded; `note` says what was left out."""
    may_view()
    answer: dict[str, Any] = debrief_store.timeline()
    for image in answer["images"]:
        image["thumbnail_url"] = url_for("serving.thumbnail", image_id=image["id"])
    return jsonify(answer)


@bp.put("/debrief/share")
@admin_required
@contract(json=DebriefShareBody, ok=DebriefShare, tags=["debrief"])
def debrief_share() -> Response:
    """Share the debrief with the room, or stop (instructor only)."""
    return jsonify({"shared": debrief_store.set_shared(request.get_json()["shared"])})
