"""Workshop settings, joining, assignments ("next image"), and backups before archive or reset."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request, send_file, url_for
from werkzeug.wrappers import Response

from .. import participants, workshop
from ..annotation_store import pseudonym
from ..auth import admin_required, is_instructor
from ..errors import ApiError
from ..models import Image, db
from . import bp

RESET_CONFIRMATION = "reset"


def _json_object() -> dict[str, Any]:
    if not request.is_json:
        raise ApiError(415, "JSON body expected", "Send application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "malformed JSON", "The request body must be a JSON object.")
    return body


@bp.post("/join")
def join() -> tuple[Response, int]:
    """Join under a display name; this browser is that participant from now on."""
    body = _json_object()
    try:
        person = participants.join(body.get("name"))
    except participants.InvalidName as exc:
        raise ApiError(422, "invalid name", str(exc)) from exc
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
def get_workshop() -> Response:
    return _settings_answer()


@bp.put("/workshop")
@admin_required
def put_workshop() -> Response:
    try:
        settings = workshop.changed_settings(workshop.load_settings(), _json_object())
    except workshop.SettingsError as exc:
        raise ApiError(422, "invalid settings", str(exc)) from exc
    workshop.store_settings(settings)
    return _settings_answer()


@bp.post("/workshop/next")
def next_image() -> Response:
    """Finish the current image and go to the next one this person should label."""
    body = _json_object() if request.content_length else {}
    current = body.get("current")
    if current is not None and (isinstance(current, bool) or not isinstance(current, int)):
        raise ApiError(422, "invalid request", "current: must be an image id or null")
    if current is not None:
        image = db.session.get(Image, current)
        if image is None or image.deleted:
            raise ApiError(404, "image not found", f"There is no image {current}.")
    chosen = workshop.give_next_image(participants.current_annotator(), current)
    if chosen.image_id is None:
        return jsonify({"image_id": None, "url": None, "remaining": chosen.remaining,
                        "message": "You have finished every image of this workshop. Thank you!"})
    return jsonify({"image_id": chosen.image_id, "url": url_for("pages.editor", image_id=chosen.image_id),
                    "remaining": chosen.remaining, "message": f"{chosen.remaining} image(s) left to do."})


@bp.get("/workshop/backups")
@admin_required
def list_backups() -> Response:
    return jsonify({"items": [{**item, "url": url_for("api.download_backup", name=item["name"])}
                              for item in workshop.list_backups()]})


@bp.post("/workshop/backups")
@admin_required
def make_backup() -> tuple[Response, int]:
    """Archive: a full backup of the workshop so far, which keeps going."""
    path = workshop.write_backup()
    return jsonify({"backup": path.name, "url": url_for("api.download_backup", name=path.name),
                    "bytes": path.stat().st_size}), 201


@bp.get("/workshop/backups/<name>")
@admin_required
def download_backup(name: str) -> Response:
    path = workshop.backup_path(name)
    if path is None:
        raise ApiError(404, "backup not found", f"There is no backup called {name!r}.")
    return send_file(path, mimetype="application/zip", as_attachment=True, download_name=path.name)


@bp.post("/workshop/reset")
@admin_required
def reset_workshop() -> Response:
    """Back everything up, then clear the room's work. Needs {"confirm": "reset"}: never by accident."""
    if _json_object().get("confirm") != RESET_CONFIRMATION:
        raise ApiError(422, "not confirmed", f'Send {{"confirm": "{RESET_CONFIRMATION}"}} to reset; a backup is '
                       "written first.")
    report = workshop.reset()
    return jsonify({"backup": report.backup.name,
                    "url": url_for("api.download_backup", name=report.backup.name),
                    "removed": {"annotations": report.annotations, "events": report.events,
                                "people": report.people, "proposals": report.proposals}})
