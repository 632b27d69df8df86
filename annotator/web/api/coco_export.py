"""/api/export/coco and /api/export/masks.zip: the dataset as a streamed download (instructor only).

Options are checked and the image list read before the response starts, so a bad option is refused with
the error envelope; after that the body streams from batched queries and is never built in memory.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from flask import Response, jsonify, stream_with_context
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from annotator.core import coco
from annotator.store.export import IMAGE_CHOICES, Export, ExportError, ExportOptions, parse_images
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.auth import admin_required
from annotator.web.errors import ApiError

# --- the contract: the options (the export then checks that the images and the person exist) --------------


def _trimmed_lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _blank_is_false(value: Any) -> Any:
    return False if isinstance(value, str) and not value.strip() else _trimmed_lower(value)


Flag = Annotated[bool, BeforeValidator(_blank_is_false)]
IMAGES_PATTERN = rf"(?i)^\s*(?:{'|'.join(IMAGE_CHOICES)}|[0-9]+(?:\s*,\s*[0-9]+)*)\s*$"


class MasksExportQuery(BaseModel):
    # forbid: a misspelt option would otherwise export something other than what was asked for, silently.
    model_config = ConfigDict(strict=False, extra="forbid")

    images: str = Field(default="all", pattern=IMAGES_PATTERN,
                        description="all, annotated (by the chosen annotators), or image ids like 1,5,9")
    annotators: str = Field(default="everyone", max_length=200,
                            description="everyone, latest (each object's newest outline), or one person's public "
                                        "id, export pseudonym or display name")


class CocoExportQuery(MasksExportQuery):
    segmentation: Annotated[Literal[coco.SEGMENTATION_MODES], BeforeValidator(_trimmed_lower)] = Field(  # type: ignore[valid-type]
        default="polygon", description="polygon (holed outlines as RLE) or rle for every outline")
    labour: Flag = Field(default=False, description="each annotation's ledger events in attributes.labour")
    zip: Flag = Field(default=False, description="a ZIP with the image files beside annotations.json")


def _download(chunks, mimetype: str, stem: str, suffix: str) -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}{suffix}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export/coco")
@admin_required
@contract(query=CocoExportQuery, tags=["export"])
def export_coco(query: CocoExportQuery) -> Response:
    """The dataset as COCO JSON (application/json), or with zip=1 a ZIP (application/zip) holding it and the
    image files; streamed as an attachment."""
    run = _prepared(query)
    if run.options.with_images:
        return _download(run.zip_chunks(), "application/zip", "annotator-coco", ".zip")
    return _download((chunk.encode("utf-8") for chunk in run.json_chunks()), "application/json",
                     "annotator-coco", ".json")


def _prepared(query: CocoExportQuery) -> Export:
    """The export the query asks for, resolved against the database; a bad option is 400 before any output."""
    try:
        options = ExportOptions(segmentation=query.segmentation, images=parse_images(query.images),
                                annotators=query.annotators, labour=query.labour, with_images=query.zip)
        return Export(options).prepare()
    except ExportError as exc:
        raise ApiError(400, "cannot export", str(exc)) from None


class ExportPreview(BaseModel):
    images: int = Field(description="images the export lists")
    outlines: int = Field(description="outlines chosen (with annotators=latest, older ones included)")
    people: int = Field(description="people whose outlines are chosen")
    classes: int = Field(description="classes those outlines use")
    image_bytes: int = Field(description="bytes of the image files a ZIP carries (0 without zip)")
    options: dict[str, Any] = Field(description="the options as the export's info records them")


@bp.get("/export/preview")
@admin_required
@contract(query=CocoExportQuery, ok=ExportPreview, tags=["export"])
def export_preview(query: CocoExportQuery) -> Response:
    """What an export with these options will hold, before it starts (the export page's summary)."""
    return jsonify(_prepared(query).preview())


@bp.get("/export/masks.zip")
@admin_required
@contract(query=MasksExportQuery, tags=["export"])
def export_masks(query: MasksExportQuery) -> Response:
    """Semantic label maps as a streamed ZIP (application/zip): labels/*.png, colour/*.png, classes.json,
    images.json."""
    try:
        run = Export(ExportOptions(images=parse_images(query.images), annotators=query.annotators)).prepare()
        run.check_label_ids()
    except ExportError as exc:
        raise ApiError(400, "cannot export", str(exc)) from None
    return _download(run.masks_zip_chunks(), "application/zip", "annotator-masks", ".zip")
