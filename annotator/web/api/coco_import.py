"""/api/import/coco: COCO files made elsewhere, imported all or nothing (instructor only)."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from pydantic import BaseModel, ConfigDict, Field
from werkzeug.wrappers import Response

from annotator.core.coco_import import load_json
from annotator.core.schemas.coco import parse_coco
from annotator.core.schemas.images import UploadedFile
from annotator.store import coco_import as importing
from annotator.store import library
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.auth import admin_required
from annotator.web.errors import ApiError


class CocoUpload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    file: UploadedFile | None = Field(default=None, description="a COCO instance file (JSON)")


class RepairedAnnotation(BaseModel):
    original_id: Any
    repairs: list[str]


class CocoImported(BaseModel):
    import_file: str
    images_matched: int
    images_added: int
    categories_created: int
    annotations_imported: int
    repairs: int
    repaired_annotations: list[RepairedAnnotation]


@bp.post("/import/coco")
@admin_required
@contract(form=CocoUpload, ok=CocoImported, status=201, errors=[409, 422], tags=["import and export"])
def import_coco(form: CocoUpload) -> tuple[Response, int]:
    """Import a COCO file made elsewhere, all or nothing (instructor only); images must be in the library."""
    # The body was already refused with 413 if its Content-Length exceeds MAX_CONTENT_LENGTH:
    # werkzeug checks that before reading a byte, so no oversized upload is ever held in memory.
    # spectree passes None for a body that is not a form at all (the annotation is its model, not a union).
    storage = form.file if form is not None else None
    if storage is None:
        raise ApiError(400, "no file sent", "Send the COCO JSON file in the multipart field 'file'.")
    import_file = library.clean_file_name(storage.filename or "upload.json")
    # Refused (not JSON 400, invalid 422, not matching the library 422, a collision 409) answers by itself.
    summary = importing.import_coco(parse_coco(load_json(storage.read(), source=import_file)), import_file)
    return jsonify(summary.to_dict()), 201
