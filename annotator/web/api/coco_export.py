"""/api/export/coco and /api/export/masks.zip: the dataset as a streamed download (instructor only).

Options are checked (the contract, then what needs the database when the export is prepared) and the image
list read before the response starts, so a bad option is refused with the error envelope; after that the body
streams from batched queries and is never built in memory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, jsonify, stream_with_context
from pydantic import BaseModel, Field

from annotator.core.schemas.export import ExportOptions, MasksExportOptions
from annotator.store.export_coco import CocoExport
from annotator.store.export_masks import MasksExport
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.auth import admin_required


def _download(chunks, mimetype: str, stem: str, suffix: str) -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}{suffix}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export/coco")
@admin_required
@contract(query=ExportOptions, tags=["export"])
def export_coco(query: ExportOptions) -> Response:
    """The dataset as COCO JSON (application/json), or with zip=1 a ZIP (application/zip) holding it and the
    image files; streamed as an attachment."""
    run = CocoExport(query).prepare()  # an option the data cannot honour is refused here, before any output
    if run.options.zip:
        return _download(run.zip_chunks(), "application/zip", "annotator-coco", ".zip")
    return _download((chunk.encode("utf-8") for chunk in run.json_chunks()), "application/json",
                     "annotator-coco", ".json")


class ExportPreview(BaseModel):
    images: int = Field(description="images the export lists")
    outlines: int = Field(description="outlines chosen (with annotators=latest, older ones included)")
    people: int = Field(description="people whose outlines are chosen")
    classes: int = Field(description="classes those outlines use")
    image_bytes: int = Field(description="bytes of the image files a ZIP carries (0 without zip)")
    options: dict[str, Any] = Field(description="the options as the export's info records them")


@bp.get("/export/preview")
@admin_required
@contract(query=ExportOptions, ok=ExportPreview, tags=["export"])
def export_preview(query: ExportOptions) -> Response:
    """What an export with these options will hold, before it starts (the export page's summary)."""
    return jsonify(CocoExport(query).prepare().preview())


@bp.get("/export/masks.zip")
@admin_required
@contract(query=MasksExportOptions, tags=["export"])
def export_masks(query: MasksExportOptions) -> Response:
    """Semantic label maps as a streamed ZIP (application/zip): labels/*.png, colour/*.png, classes.json,
    images.json."""
    run = MasksExport(ExportOptions(images=query.images, annotators=query.annotators)).prepare()
    run.check_label_ids()
    return _download(run.masks_zip_chunks(), "application/zip", "annotator-masks", ".zip")
