"""Workshop settings, joining, assignments ("next image"), and backups before archive or reset."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any, Literal

from flask import jsonify, url_for
from pydantic import BaseModel, Field
from werkzeug.wrappers import Response

from annotator.core import assignments
from annotator.core.schemas.workshop import JoinBody, WorkshopNextBody, WorkshopResetBody, WorkshopSettingsChange
from annotator.store import workshop
from annotator.store.annotations import pseudonym
from annotator.web import participants
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.auth import admin_required, is_instructor
from annotator.web.errors import ApiError

# --- the answers (the requests' models are the domain's: annotator/core/schemas/workshop.py) --------------


class Joined(BaseModel):
    annotator: str = Field(description="the pseudonym the API names this person by")
    display_name: str


class WorkshopSettingsOut(BaseModel):
    assignment: Literal[assignments.MODES]  # type: ignore[valid-type]
    share_layers: bool
    image_ids: list[int] | None


class AssignedImage(BaseModel):
    image_id: int
    finished: bool


class WorkshopMe(BaseModel):
    annotator: str
    display_name: str | None
    assigned: list[AssignedImage]


class WorkshopState(BaseModel):
    settings: WorkshopSettingsOut
    workshop_mode: bool
    instructor: bool
    images: int = Field(description="how many images the workshop uses")
    me: WorkshopMe | None = Field(description="the person behind this browser, once joined")


class NextImageAnswer(BaseModel):
    image_id: int | None = Field(description="null: every image is finished")
    url: str | None
    remaining: int
    message: str
    finished_url: str | None = Field(default=None, description="when every image is finished: the page that "
                                                              "says what the work amounted to")


class BackupItem(BaseModel):
    name: str
    bytes: int
    written_at: str
    url: str


class BackupList(BaseModel):
    items: list[BackupItem]


class BackupMade(BaseModel):
    backup: str
    url: str
    bytes: int


class ResetCounts(BaseModel):
    annotations: int
    events: int
    people: int
    proposals: int


class ResetDone(BaseModel):
    backup: str
    url: str
    removed: ResetCounts


@bp.post("/join")
@contract(json=JoinBody, ok=Joined, status=201, tags=["workshop"])
def join(json: JoinBody) -> tuple[Response, int]:
    """Join under a display name; this browser is that participant from now on."""
    person = participants.join(json.name)  # a name that cannot be used: 422 "invalid name" (core/names.py)
    return jsonify({"annotator": pseudonym(person), "display_name": person.display_name}), 201


def _settings_answer() -> Response:
    settings = workshop.load_settings()
    me = participants.joined_annotator()
    answer: dict[str, Any] = {
        "settings": settings.to_dict(),
        "workshop_mode": participants.workshop_mode(),
        "instructor": is_instructor(),
        "images": len(workshop.workshop_images(settings)),
        "me": None,
    }
    if me is not None:
        mine = workshop.assigned_images(me)
        answer["me"] = {"annotator": pseudonym(me), "display_name": me.display_name,
                        "assigned": [{"image_id": image, "finished": done} for image, done in mine]}
    return jsonify(answer)


@bp.get("/workshop")
@contract(ok=WorkshopState, tags=["workshop"])
def get_workshop() -> Response:
    """The workshop's settings, and what this browser has been handed so far."""
    return _settings_answer()


# The instructor-only views check the instructor before the body (admin_required above contract): a
# participant is refused 403 whatever the body holds.


@bp.put("/workshop")
@admin_required
@contract(json=WorkshopSettingsChange, ok=WorkshopState, tags=["workshop"])
def put_workshop(json: WorkshopSettingsChange) -> Response:
    """Change the settings given; those left out keep their value."""
    workshop.store_settings(workshop.changed_settings(workshop.load_settings(), json))
    return _settings_answer()


@bp.post("/workshop/next")
@contract(json=WorkshopNextBody, ok=NextImageAnswer, errors=[404], tags=["workshop"])
def next_image(json: WorkshopNextBody) -> Response:
    """Finish the current image and go to the next one this person should label."""
    chosen = workshop.give_next_image(participants.current_annotator(), json.current)
    if chosen.image_id is None:
        return jsonify({"image_id": None, "url": None, "remaining": chosen.remaining,
                        "message": "You have finished every image of this workshop. Thank you!",
                        "finished_url": url_for("pages.finished")})
    return jsonify({"image_id": chosen.image_id, "url": url_for("pages.editor", image_id=chosen.image_id),
                    "remaining": chosen.remaining, "message": f"{chosen.remaining} image(s) left to do."})


@bp.get("/workshop/backups")
@admin_required
@contract(ok=BackupList, tags=["workshop"])
def list_backups() -> Response:
    """The workshop backups written so far, newest first."""
    return jsonify({"items": [{**item, "url": url_for("api.download_backup", name=item["name"])}
                              for item in workshop.list_backups()]})


@bp.post("/workshop/backups")
@admin_required
@contract(ok=BackupMade, status=201, tags=["workshop"])
def make_backup() -> tuple[Response, int]:
    """Archive: a full backup of the workshop so far, which keeps going."""
    path = workshop.write_backup()
    return jsonify({"backup": path.name, "url": url_for("api.download_backup", name=path.name),
                    "bytes": path.stat().st_size}), 201


@bp.get("/workshop/backups/<name>")
@admin_required
@contract(errors=[404], tags=["workshop"])
def download_backup(name: str) -> Response:
    """One backup, as an application/zip download."""
    path = workshop.backup_path(name)
    if path is None:
        raise ApiError(404, "backup not found", f"There is no backup called {name!r}.")
    # Sent as chunks that close the file when read to the end: the contract's wrapper reads the whole answer
    # (spectree's get_data), which leaves a send_file answer's file open.
    return Response(_chunks(path), mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="{path.name}"',  # BACKUP_NAME: no quotes, no slashes
        "Content-Length": str(path.stat().st_size)})


def _chunks(path: Path, size: int = 1 << 16) -> Iterator[bytes]:
    with path.open("rb") as handle:
        while chunk := handle.read(size):
            yield chunk


@bp.post("/workshop/reset")
@admin_required
@contract(json=WorkshopResetBody, ok=ResetDone, tags=["workshop"])
def reset_workshop() -> Response:
    """Back everything up, then clear the room's work. Needs {"confirm": "reset"}: never by accident (the
    contract refuses anything else, 422 "not confirmed")."""
    report = workshop.reset()
    return jsonify({"backup": report.backup.name,
                    "url": url_for("api.download_backup", name=report.backup.name),
                    "removed": {"annotations": report.annotations, "events": report.events,
                                "people": report.people, "proposals": report.proposals}})
