"""The instructor's live view of the room, polled by /live: GET /api/workshop/live.

A thin shell: annotator/store/live.py makes the figures; the view adds the thumbnails' addresses.
"""

from __future__ import annotations

from typing import Literal

from flask import jsonify, url_for
from pydantic import BaseModel, Field

from annotator.core import live as room
from annotator.store import live
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.auth import admin_required


class LiveImage(BaseModel):
    id: int
    file_name: str
    thumbnail_url: str


class LivePerson(BaseModel):
    id: str = Field(description="pseudonym")
    name: str
    status: Literal[room.STATUSES]  # type: ignore[valid-type]
    image: LiveImage | None = Field(description="the image of their latest labour event")
    last_seen_s: float | None = Field(description="seconds since their latest labour event; null: none yet")
    objects: int
    objects_on_image: int
    active_ms: float = Field(description="credited time: the union of their sessions on the server's clock")
    clamped_ms: float = Field(description="time their sessions' clocks claimed beyond what the server saw pass: "
                                          "stored, shown, not counted")


class LiveTotals(BaseModel):
    people: int
    active_now: int
    objects: int
    active_ms: float = Field(description="everyone's, sessions of no known person included")
    clamped_ms: float


class LiveRoom(BaseModel):
    now: str
    idle_threshold_s: float
    people: list[LivePerson]
    totals: LiveTotals


@bp.get("/workshop/live")
@admin_required
@contract(ok=LiveRoom, tags=["workshop"])
def workshop_live():
    """The room right now (instructor only): each person's status, image, objects and active time."""
    figures = live.live_figures()
    for person in figures["people"]:
        if person["image"] is not None:
            person["image"]["thumbnail_url"] = url_for("serving.thumbnail", image_id=person["image"]["id"])
    return jsonify(figures)
