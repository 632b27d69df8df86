"""/api/export/coco and /api/export/masks.zip: the dataset as a streamed download (instructor only).

Options are checked and the image list read before the response starts, so a bad option is a 400 with
the error envelope; after that the body streams from batched queries and is never built in memory.
"""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Response, request, stream_with_context

from ..auth import admin_required
from ..errors import ApiError
from ..export import Export, ExportError, ExportOptions, parse_images, parse_segmentation
from . import bp

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}
_COCO_ARGS = {"segmentation", "images", "annotators", "labour", "zip"}
_MASK_ARGS = {"images", "annotators"}


def _flag(name: str) -> bool:
    value = request.args.get(name, "").strip().lower()
    if value not in _TRUE | _FALSE:
        raise ApiError(400, f"'{name}' must be true or false", f"got {value[:50]!r}")
    return value in _TRUE


def _check_args(allowed: set[str]) -> None:
    # A misspelt option would otherwise export something other than what was asked for, silently.
    unknown = sorted(set(request.args) - allowed)
    if unknown:
        raise ApiError(400, "unknown option", f"{', '.join(unknown)}; the options are {', '.join(sorted(allowed))}")


def _download(chunks, mimetype: str, stem: str, suffix: str) -> Response:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    response = Response(stream_with_context(chunks), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{stem}-{stamp}{suffix}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/export/coco")
@admin_required
def export_coco() -> Response:
    """`?segmentation=polygon|rle&images=all|annotated|1,5,9&annotators=everyone|latest|ID&labour=1&zip=1`"""
    _check_args(_COCO_ARGS)
    try:
        options = ExportOptions(
            segmentation=parse_segmentation(request.args.get("segmentation", "polygon")),
            images=parse_images(request.args.get("images", "all")),
            annotators=request.args.get("annotators", "everyone"),
            labour=_flag("labour"), with_images=_flag("zip"))
        run = Export(options).prepare()
    except ExportError as exc:
        raise ApiError(400, "cannot export", str(exc)) from None
    if options.with_images:
        return _download(run.zip_chunks(), "application/zip", "annotator-coco", ".zip")
    return _download((chunk.encode("utf-8") for chunk in run.json_chunks()), "application/json",
                     "annotator-coco", ".json")


@bp.get("/export/masks.zip")
@admin_required
def export_masks() -> Response:
    """Semantic label maps: labels/*.png, colour/*.png, classes.json, images.json (`?images=&annotators=`)."""
    _check_args(_MASK_ARGS)
    try:
        run = Export(ExportOptions(images=parse_images(request.args.get("images", "all")),
                                   annotators=request.args.get("annotators", "everyone"))).prepare()
        run.check_label_ids()
    except ExportError as exc:
        raise ApiError(400, "cannot export", str(exc)) from None
    return _download(run.masks_zip_chunks(), "application/zip", "annotator-masks", ".zip")
