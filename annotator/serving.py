"""Image files by id: originals and thumbnails, with ETags so browsers re-use what they have.

Paths come from the database, never from the URL, and are checked to stay inside the store."""

from __future__ import annotations

from flask import Blueprint, abort, send_file
from werkzeug.wrappers import Response

from . import images, library
from .models import Image, db

bp = Blueprint("serving", __name__)

# Content-addressed files never change under the same id, so browsers may keep them a day.
_MAX_AGE = 86400


def _live_image(image_id: int) -> Image:
    image = db.session.get(Image, image_id)
    if image is None or image.deleted:
        abort(404, description=f"There is no image {image_id}.")
    return image


@bp.get("/images/<int:image_id>")
def original(image_id: int) -> Response:
    image = _live_image(image_id)
    path = images.resolve_inside(library.image_store(), image.stored_path)
    if path is None:
        abort(404, description="The image file is missing from the image store.")
    return send_file(path, mimetype=image.mime_type, conditional=True, etag=image.sha256, max_age=_MAX_AGE)


@bp.get("/images/<int:image_id>/thumbnail")
def thumbnail(image_id: int) -> Response:
    image = _live_image(image_id)
    path = library.ensure_thumbnail(image)
    if path is None or images.resolve_inside(library.thumbnail_store(), path.relative_to(
            library.thumbnail_store()).as_posix()) is None:
        abort(404, description="The image file is missing from the image store.")
    return send_file(path, mimetype=images.THUMBNAIL_MIME, conditional=True, etag=f"t-{image.sha256}",
                     max_age=_MAX_AGE)
