"""Image files by id: originals and thumbnails, with ETags so browsers re-use what they have; and the static
files (style sheets, the editor's ES modules) under a versioned address a browser keeps for a year.

Image paths come from the database, never from the URL, and are checked to stay inside the store.

Static files: pages link them as /static/<fingerprint>/..., the fingerprint a hash of every static file, so
an address never names two contents and may be cached as immutable. The editor's modules import each other
by relative address ("./store.js"), so the fingerprint carries through to every import with no build step:
opening the editor again costs no static request at all (before, 25 revalidations, each a 304). The plain
/static/... addresses still answer, revalidated by ETag on every use, for anything that links them directly.
"""

from __future__ import annotations

import functools
import hashlib
from pathlib import Path

from flask import Blueprint, abort, current_app, send_file, send_from_directory
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

from annotator.core import images
from annotator.store import library
from annotator.store.models import Image, db

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


STATIC_MAX_AGE = 365 * 86400


def static_fingerprint(folder: Path) -> str:
    """A short hash of every file under `folder` (names and contents)."""
    files = sorted(path for path in folder.rglob("*") if path.is_file())
    return _fingerprint(folder, tuple((path.relative_to(folder).as_posix(), path.stat().st_mtime_ns,
                                       path.stat().st_size) for path in files))


@functools.lru_cache(maxsize=8)
def _fingerprint(folder: Path, listing: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for name, _mtime, _size in listing:  # the listing (with times) only decides when to hash again
        digest.update(name.encode() + b"\0" + (folder / name).read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def static_url_path(folder: Path) -> str:
    """Where Flask serves `folder`, and so where url_for('static', ...) points."""
    return f"/static/{static_fingerprint(folder)}"


def _versioned_static(filename: str) -> Response:
    response = send_from_directory(current_app.static_folder, filename, max_age=STATIC_MAX_AGE)
    response.cache_control.immutable = True
    return response


@bp.record_once
def _serve_static_as_immutable(state: BlueprintSetupState) -> None:
    state.app.view_functions["static"] = _versioned_static


@bp.get("/static/<path:filename>")
def static_file(filename: str) -> Response:
    """The same files at their plain address: no-cache, so always revalidated (ETag: a 304 when unchanged)."""
    return send_from_directory(current_app.static_folder, filename, max_age=None)


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
