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
# Every stored file passed images.prepare_image, so its type is one of these; anything else in the
# database (edited by hand, an old row) is sent as plain bytes rather than as what the row claims.
_SERVABLE_TYPES = {mime for mime, _suffix in images.ALLOWED_FORMATS.values()}
# An image opened on its own is a document: even a file that is also valid HTML (a PNG with a page
# after its end) may then run nothing, load nothing and never be sniffed into another type.
_IMAGE_HEADERS = {"X-Content-Type-Options": "nosniff",
                  "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox"}


def _image_response(response: Response) -> Response:
    response.headers.update(_IMAGE_HEADERS)
    return response


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
    mimetype = image.mime_type if image.mime_type in _SERVABLE_TYPES else "application/octet-stream"
    return _image_response(send_file(path, mimetype=mimetype, conditional=True, etag=image.sha256,
                                     max_age=_MAX_AGE))


@bp.get("/images/<int:image_id>/thumbnail")
def thumbnail(image_id: int) -> Response:
    image = _live_image(image_id)
    path = library.ensure_thumbnail(image)
    if path is None or images.resolve_inside(library.thumbnail_store(), path.relative_to(
            library.thumbnail_store()).as_posix()) is None:
        abort(404, description="The image file is missing from the image store.")
    return _image_response(send_file(path, mimetype=images.THUMBNAIL_MIME, conditional=True,
                                     etag=f"t-{image.sha256}", max_age=_MAX_AGE))
