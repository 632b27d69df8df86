"""/api/import/coco: COCO files made elsewhere, imported all or nothing (instructor only)."""

from __future__ import annotations

from flask import jsonify, request
from werkzeug.wrappers import Response

from .. import importing, library
from ..auth import admin_required
from ..coco_import import CocoImportError, CocoJsonError, load_json, parse_coco
from ..errors import ApiError
from . import bp


@bp.post("/import/coco")
@admin_required
def import_coco() -> tuple[Response, int]:
    # The body was already refused with 413 if its Content-Length exceeds MAX_CONTENT_LENGTH:
    # werkzeug checks that before reading a byte, so no oversized upload is ever held in memory.
    storage = request.files.get("file")
    if storage is None:
        raise ApiError(400, "no file sent", "Send the COCO JSON file in the multipart field 'file'.")
    import_file = library.clean_file_name(storage.filename or "upload.json")
    try:
        dataset = parse_coco(load_json(storage.read()))
    except CocoJsonError as exc:
        raise ApiError(400, "not a JSON file", f"{import_file}: {exc}") from None
    except CocoImportError as exc:
        raise ApiError(422, "invalid COCO file", str(exc)) from None
    try:
        summary = importing.import_coco(dataset, import_file)
    except importing.ImportConflict as exc:
        raise ApiError(409, "the import collided with another change", str(exc)) from None
    except importing.LibraryMismatch as exc:
        raise ApiError(422, "the COCO file does not match the image library", str(exc)) from None
    except CocoImportError as exc:
        raise ApiError(422, "invalid COCO file", str(exc)) from None
    return jsonify(summary.to_dict()), 201
