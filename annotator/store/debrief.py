"""The debrief's data: the room's figures from the labour ledger (`ledger.report`, the same report as GET
/api/labour/summary.json), the stored outlines for the time-lapse, and whether the instructor has shared the
debrief with the room (one `Setting` row, "debrief", so every app process agrees)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from annotator.core import debrief
from annotator.store import ledger
from annotator.store.models import Annotation, Image, Setting, db

SETTING_KEY = "debrief"
IN_CHUNK = 500  # ids per IN (...) list


def is_shared() -> bool:
    """Has the instructor let participants open the debrief (read-only, without names)?"""
    row = db.session.get(Setting, SETTING_KEY)
    return bool(row is not None and isinstance(row.value, dict) and row.value.get("shared"))


def set_shared(shared: bool) -> bool:
    """Share the debrief with the room or stop sharing it; last write wins between processes."""
    row = db.session.get(Setting, SETTING_KEY)
    if row is None:
        db.session.add(Setting(key=SETTING_KEY, value={"shared": shared}))
        try:
            db.session.commit()
            return shared
        except IntegrityError:
            db.session.rollback()
            row = db.session.get(Setting, SETTING_KEY)
    row.value = {"shared": shared}
    db.session.commit()
    return shared


def room_figures(*, names: bool) -> dict[str, Any]:
    """The whole room's report as the debrief shows it; with `names`, the people's display names (instructor)."""
    report = ledger.report(names=names)
    shown = [person["name"] for person in report["people"] if person.get("name")] if names else None
    return {**debrief.room_figures(report, shown), "shared": is_shared()}


def timeline(*, max_outlines: int = debrief.MAX_OUTLINES, max_images: int = debrief.MAX_IMAGES,
             max_points: int = debrief.MAX_POINTS) -> dict[str, Any]:
    """Every timed outline of the room with its shape, for the time-lapse (bounds: `debrief.choose`); only the
    chosen outlines' shapes are read."""
    polygons = ledger.report()["polygons"]
    image_ids = sorted({row["image_id"] for row in polygons})
    images: dict[int, dict[str, Any]] = {}
    for start in range(0, len(image_ids), IN_CHUNK):
        for row in db.session.execute(select(Image.id, Image.file_name, Image.width, Image.height)
                                      .where(Image.id.in_(image_ids[start:start + IN_CHUNK]),
                                             Image.deleted.is_(False))):
            images[row.id] = {"file_name": row.file_name, "width": row.width, "height": row.height}
    selection = debrief.choose(polygons, images, max_outlines=max_outlines, max_images=max_images)
    ids = [row["id"] for row in selection.chosen]
    parts: dict[int, Any] = {}
    for start in range(0, len(ids), IN_CHUNK):
        parts.update(db.session.execute(
            select(Annotation.id, Annotation.parts).where(Annotation.id.in_(ids[start:start + IN_CHUNK]))).all())
    return debrief.timeline(selection, parts, images, max_points=max_points)
