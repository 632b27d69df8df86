"""The workshop as the instructor runs it: settings, handing out images, whose work is visible, and the
backup written before anything is archived or reset.

Settings are one `Setting` row ("workshop"): how images are handed out (see `assignments`), whether
participants see each other's layers, and which images the workshop uses (None: every image).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from annotator.core import assignments
from annotator.core.refused import Refused
from annotator.core.schemas.export import ExportOptions
from annotator.core.schemas.workshop import WorkshopSettingsChange
from annotator.store import backup, ledger
from annotator.store.export_coco import CocoExport
from annotator.store.models import (
    Annotation,
    Annotator,
    Assignment,
    ClassProposal,
    Image,
    LabourEvent,
    LabourSession,
    Setting,
    db,
    utcnow,
)

SETTING_KEY = "workshop"
BACKUP_NAME = re.compile(r"^workshop-\d{8}-\d{6}(-\d+)?\.zip$")


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


def changed_settings(current: WorkshopSettings, change: WorkshopSettingsChange) -> WorkshopSettings:
    """`current` with the settings sent applied; the images named must exist."""
    image_ids = _known_images(change.image_ids) if "image_ids" in change.model_fields_set else current.image_ids
    return WorkshopSettings(
        assignment=current.assignment if change.assignment is None else change.assignment,
        share_layers=current.share_layers if change.share_layers is None else change.share_layers,
        image_ids=image_ids)


def _known_images(image_ids: list[int] | None) -> tuple[int, ...] | None:
    if image_ids is None:
        return None
    ids = tuple(dict.fromkeys(image_ids))  # keep the given order, drop repeats
    known = set(db.session.scalars(select(Image.id).where(Image.id.in_(ids), Image.deleted.is_(False))))
    missing = [i for i in ids if i not in known]
    if missing:
        raise Refused("image_ids", f"there is no image {missing[0]}", title="invalid settings")
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


def give_next_image(annotator: Annotator, current: int | None) -> assignments.NextImage:
    """Mark `current` finished for this person and hand them their next image (recorded as assigned)."""
    finished = db.session.get(Image, current) if current is not None else None
    if current is not None and (finished is None or finished.deleted):
        raise Refused("current", f"There is no image {current}.", 404, title="image not found")
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
    """The workshop's archive, in the data folder's backups/: an `annotator backup` snapshot (every table, the
    image files, a checksummed manifest), so `annotator restore` puts the room back, with an export for people
    under export/: a COCO export with each annotation's ledger, the labour report with names, the raw events."""
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    out = backup_dir() / f"workshop-{stamp}.zip"
    counter = 1
    while out.exists():
        counter += 1
        out = backup_dir() / f"workshop-{stamp}-{counter}.zip"
    backup.write_backup(out, export=_export())
    return out


def _export() -> Iterator[tuple[str, Iterable[bytes]]]:
    """The export's files, each read when its turn comes (after the snapshot)."""
    coco = CocoExport(ExportOptions(images="annotated", labour=True)).prepare()
    yield "annotations.json", coco.chunks()
    yield "labour.json", [json.dumps(ledger.report(names=True), indent=1).encode()]
    yield "events.csv", (line.encode() for line in ledger.events_csv(names=True))


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
