"""The workshop as the instructor runs it: settings, handing out images, whose work is visible, and the
backup written before anything is archived or reset.

Settings are one `Setting` row ("workshop"): how images are handed out (see `assignments`), whether
participants see each other's layers, and which images the workshop uses (None: every image).
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from annotator.core import assignments
from annotator.core.schemas.export import ExportOptions
from annotator.core.zip_stream import ZipEntry, write_atomically, zip_stream
from annotator.store import ledger
from annotator.store.export_coco import CocoExport
from annotator.store.models import (
    Annotation,
    Annotator,
    Assignment,
    Category,
    ClassProposal,
    Image,
    LabourEvent,
    LabourSession,
    Setting,
    db,
    utcnow,
)

SETTING_KEY = "workshop"
MAX_WORKSHOP_IMAGES = 10_000
BACKUP_NAME = re.compile(r"^workshop-\d{8}-\d{6}(-\d+)?\.zip$")


class SettingsError(ValueError):
    """A settings change that cannot be stored; the message names the field."""


@dataclass(frozen=True)
class WorkshopSettings:
    assignment: str = "free"  # free | same | round_robin
    share_layers: bool = False  # participants see each other's outlines (and the agreement pages)
    image_ids: tuple[int, ...] | None = None  # the workshop's images in order; None: all, by id

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["image_ids"] = list(self.image_ids) if self.image_ids is not None else None
        return data


def load_settings() -> WorkshopSettings:
    row = db.session.get(Setting, SETTING_KEY)
    if row is None or not isinstance(row.value, dict):
        return WorkshopSettings()
    value = row.value
    ids = value.get("image_ids")
    return WorkshopSettings(assignment=value.get("assignment", "free"),
                            share_layers=bool(value.get("share_layers", False)),
                            image_ids=tuple(ids) if ids is not None else None)


def changed_settings(current: WorkshopSettings, payload: Any) -> WorkshopSettings:
    """`current` with the fields of a JSON payload applied, each checked (pure apart from image lookup)."""
    if not isinstance(payload, dict):
        raise SettingsError("body: expected a JSON object")
    unknown = set(payload) - {"assignment", "share_layers", "image_ids"}
    if unknown:
        raise SettingsError(f"{sorted(unknown)[0]}: not a workshop setting (assignment, share_layers, image_ids)")
    assignment = payload.get("assignment", current.assignment)
    if assignment not in assignments.MODES:
        raise SettingsError(f"assignment: must be one of {', '.join(assignments.MODES)}")
    share = payload.get("share_layers", current.share_layers)
    if not isinstance(share, bool):
        raise SettingsError("share_layers: must be true or false")
    image_ids = current.image_ids
    if "image_ids" in payload:
        image_ids = _image_ids(payload["image_ids"])
    return WorkshopSettings(assignment=assignment, share_layers=share, image_ids=image_ids)


def _image_ids(raw: Any) -> tuple[int, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or len(raw) > MAX_WORKSHOP_IMAGES:
        raise SettingsError(f"image_ids: a list of 1 to {MAX_WORKSHOP_IMAGES} image ids, or null for every image")
    if any(isinstance(i, bool) or not isinstance(i, int) for i in raw):
        raise SettingsError("image_ids: every id must be a whole number")
    ids = tuple(dict.fromkeys(raw))  # keep the given order, drop repeats
    known = set(db.session.scalars(select(Image.id).where(Image.id.in_(ids), Image.deleted.is_(False))))
    missing = [i for i in ids if i not in known]
    if missing:
        raise SettingsError(f"image_ids: there is no image {missing[0]}")
    return ids


def store_settings(settings: WorkshopSettings) -> None:
    row = db.session.get(Setting, SETTING_KEY)
    if row is None:
        db.session.add(Setting(key=SETTING_KEY, value=settings.to_dict()))
    else:
        row.value = settings.to_dict()
    try:
        db.session.commit()
    except IntegrityError:  # two first saves at once: the other one made the row
        db.session.rollback()
        db.session.get(Setting, SETTING_KEY).value = settings.to_dict()
        db.session.commit()


def workshop_mode() -> bool:
    """An instructor token is set: participants join with a name, admin actions need the token."""
    return bool(current_app.config["ANNOTATOR"].get("INSTRUCTOR_TOKEN"))


# --- handing out images ----------------------------------------------------------------------------


def workshop_images(settings: WorkshopSettings | None = None) -> list[int]:
    settings = settings or load_settings()
    live = list(db.session.scalars(select(Image.id).where(Image.deleted.is_(False)).order_by(Image.id)))
    if settings.image_ids is None:
        return live
    alive = set(live)
    return [i for i in settings.image_ids if i in alive]


def finished_images(annotator: Annotator) -> set[int]:
    return set(db.session.scalars(select(Assignment.image_id).where(
        Assignment.annotator_id == annotator.id, Assignment.done_at.is_not(None))))


def give_next_image(annotator: Annotator, current: int | None) -> assignments.NextImage:
    """Mark `current` finished for this person and hand them their next image (recorded as assigned)."""
    settings = load_settings()
    pool = workshop_images(settings)
    if current is not None and current in pool:
        _finish(annotator, current)
    mine = db.session.execute(select(Assignment.image_id, Assignment.done_at)
                              .where(Assignment.annotator_id == annotator.id).order_by(Assignment.id)).all()
    finished = {image for image, done in mine if done is not None}
    waiting = [image for image, done in mine if done is None]
    holders = dict(db.session.execute(select(Assignment.image_id, func.count())
                                      .group_by(Assignment.image_id)).all())
    chosen = assignments.next_image(settings.assignment, pool, finished, current, holders, waiting)
    if chosen.image_id is not None:
        _assign(annotator, chosen.image_id)
    return chosen


def _assign(annotator: Annotator, image_id: int) -> None:
    db.session.add(Assignment(annotator_id=annotator.id, image_id=image_id))
    try:
        db.session.commit()
    except IntegrityError:  # already assigned (a double click): nothing to add
        db.session.rollback()


def _finish(annotator: Annotator, image_id: int) -> None:
    now = utcnow()
    done = db.session.execute(update(Assignment).where(
        Assignment.annotator_id == annotator.id, Assignment.image_id == image_id, Assignment.done_at.is_(None))
        .values(done_at=now))
    if done.rowcount == 0:
        db.session.add(Assignment(annotator_id=annotator.id, image_id=image_id, done_at=now))
    try:
        db.session.commit()
    except IntegrityError:  # finished already (a double click)
        db.session.rollback()


def assigned_images(annotator: Annotator) -> list[tuple[int, bool]]:
    """The images handed to this person so far, in order, with whether each is finished."""
    return [(image, done is not None) for image, done in db.session.execute(
        select(Assignment.image_id, Assignment.done_at).where(Assignment.annotator_id == annotator.id)
        .order_by(Assignment.id))]


# --- backup, archive and reset ---------------------------------------------------------------------


def backup_dir() -> Path:
    path = Path(current_app.instance_path) / "backups"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_backup() -> Path:
    """Everything the workshop made, in one ZIP in the data folder's backups/: a COCO export with each
    annotation's ledger, the labour report with names, the raw events, and every row of the workshop's
    own tables (people, all annotations including deleted ones, flags, proposals, assignments, settings)."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = backup_dir() / f"workshop-{stamp}.zip"
    counter = 1
    while out.exists():
        counter += 1
        out = backup_dir() / f"workshop-{stamp}-{counter}.zip"
    coco = CocoExport(ExportOptions(images="annotated", labour=True)).prepare()
    entries = [
        ZipEntry("annotations.json", coco.chunks(), compress=True),
        ZipEntry("labour.json", [json.dumps(ledger.report(names=True), indent=1).encode()], compress=True),
        ZipEntry("events.csv", (line.encode() for line in ledger.events_csv(names=True)), compress=True),
        ZipEntry("workshop.json", [json.dumps(_table_dump(), indent=1, default=str).encode()], compress=True),
    ]
    write_atomically(out, zip_stream(entries))
    return out


def _table_dump() -> dict[str, Any]:
    def rows(model: type) -> list[dict[str, Any]]:
        columns = [column.key for column in model.__table__.columns]
        return [{key: getattr(row, key) for key in columns} for row in db.session.scalars(select(model)
                                                                                          .order_by(*model.__table__.primary_key))]

    return {"format": "annotator workshop backup 1", "written_at": utcnow().isoformat(),
            "settings": load_settings().to_dict(),
            "people": rows(Annotator), "categories": rows(Category), "annotations": rows(Annotation),
            "class_proposals": rows(ClassProposal), "assignments": rows(Assignment)}


def list_backups() -> list[dict[str, Any]]:
    found = []
    for path in sorted(backup_dir().glob("workshop-*.zip"), reverse=True):
        if BACKUP_NAME.match(path.name):
            stat = path.stat()
            found.append({"name": path.name, "bytes": stat.st_size,
                          "written_at": datetime.fromtimestamp(stat.st_mtime, UTC).isoformat()})
    return found


def backup_path(name: str) -> Path | None:
    """The backup called `name`, only if it is one of ours (never a path the asker made up)."""
    if not BACKUP_NAME.match(name):
        return None
    path = backup_dir() / name
    return path if path.is_file() else None


@dataclass(frozen=True)
class ResetReport:
    backup: Path
    annotations: int
    events: int
    people: int
    proposals: int


def reset() -> ResetReport:
    """Start the room afresh: back everything up first, then remove the participants' work, flags,
    proposals, assignments and the people themselves. Images, the label set (classes accepted from
    proposals included), settings and imported annotations (no author) stay."""
    backup = write_backup()
    people_work = Annotation.annotator_id.is_not(None)
    counts = {
        "annotations": db.session.scalar(select(func.count()).select_from(Annotation).where(people_work)),
        "events": db.session.scalar(select(func.count()).select_from(LabourEvent)),
        "people": db.session.scalar(select(func.count()).select_from(Annotator)),
        "proposals": db.session.scalar(select(func.count()).select_from(ClassProposal)),
    }
    db.session.execute(delete(LabourEvent))
    db.session.execute(delete(LabourSession))
    db.session.execute(delete(Assignment))
    db.session.execute(delete(Annotation).where(people_work))
    db.session.execute(update(Annotation).values(proposal_id=None))
    db.session.execute(delete(ClassProposal))
    db.session.execute(delete(Annotator))
    db.session.commit()
    return ResetReport(backup=backup, **counts)
