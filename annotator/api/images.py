"""/api/images: the image library as JSON, and uploads."""

from __future__ import annotations

from flask import current_app, jsonify, request
from werkzeug.wrappers import Response

from .. import library
from ..auth import admin_required
from ..errors import ApiError
from ..images import ImageRejected
from ..models import Image, db
from . import bp
from .serialise import image_to_dict

MAX_LIMIT = 500
MAX_FILES_PER_UPLOAD = 50


def _int_arg(name: str, default: int, minimum: int, maximum: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"'{name}' must be a whole number", f"got {raw[:50]!r}") from None
    if not minimum <= value <= maximum:
        raise ApiError(400, f"'{name}' out of range", f"{name} must be between {minimum} and {maximum}")
    return value


@bp.get("/images")
def list_images() -> Response:
    limit = _int_arg("limit", current_app.config["ANNOTATOR"]["PAGE_SIZE"], 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 2**31 - 1)
    rows, total = library.list_images(offset, limit)
    return jsonify({"items": [image_to_dict(image, count) for image, count in rows],
                    "total": total, "offset": offset, "limit": limit})


@bp.get("/images/<int:image_id>")
def get_image(image_id: int) -> Response:
    rows = library.image_with_count(image_id)
    if rows is None:
        raise ApiError(404, "image not found", f"There is no image {image_id}.")
    return jsonify(image_to_dict(*rows))


@bp.post("/images")
@admin_required
def upload_images() -> tuple[Response, int]:
    files = request.files.getlist("file")
    if not files:
        raise ApiError(400, "no file sent", "Send one or more files in the multipart field 'file'.")
    if len(files) > MAX_FILES_PER_UPLOAD:
        raise ApiError(400, "too many files", f"At most {MAX_FILES_PER_UPLOAD} files per upload.")
    created, duplicates, rejected = [], [], []
    for storage in files:
        name = library.clean_file_name(storage.filename or "unnamed")
        try:
            image, is_new = library.add_image(storage.read(), name, source="upload")
        except ImageRejected as exc:
            rejected.append({"file_name": name, "error": str(exc)})
            continue
        (created if is_new else duplicates).append(image_to_dict(image, library.annotation_count(image.id)))
    db.session.commit()
    if not created and not duplicates:
        detail = "; ".join(f"{item['file_name']}: {item['error']}" for item in rejected)
        raise ApiError(422, "no image could be imported", detail, rejected=rejected)
    body = {"items": created, "duplicates": duplicates, "rejected": rejected}
    return jsonify(body), 201 if created else 200


@bp.delete("/images/<int:image_id>")
@admin_required
def delete_image(image_id: int) -> Response:
    """Take an image out of the gallery and the workshop. Its file, outlines and timings stay (exports of
    the labour record still count them); nothing is erased."""
    image = db.session.get(Image, image_id)
    if image is None or image.deleted:
        raise ApiError(404, "image not found", f"There is no image {image_id}.")
    image.deleted = True
    db.session.commit()
    return jsonify({"deleted": image_id})
