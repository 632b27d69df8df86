"""/api/images: the image library as JSON, and uploads."""

from __future__ import annotations

from flask import current_app, jsonify
from pydantic import BaseModel
from werkzeug.wrappers import Response

from annotator.core.images import ImageRejected
from annotator.core.schemas.images import ImagePage, ImageUpload
from annotator.store import library
from annotator.store.models import Image, db
from annotator.web.api import bp
from annotator.web.api.contract import contract
from annotator.web.api.serialise import image_to_dict
from annotator.web.auth import admin_required
from annotator.web.errors import ApiError


class ImageOut(BaseModel):
    id: int
    file_name: str
    width: int
    height: int
    annotations: int
    byte_size: int | None
    mime_type: str | None
    source: str | None
    created_at: str | None
    url: str
    thumbnail_url: str
    editor_url: str


class ImageList(BaseModel):
    items: list[ImageOut]
    total: int
    offset: int
    limit: int


class Rejected(BaseModel):
    file_name: str
    error: str


class Uploaded(BaseModel):
    items: list[ImageOut]
    duplicates: list[ImageOut]
    rejected: list[Rejected]


class ImageDeleted(BaseModel):
    deleted: int


@bp.get("/images")
@contract(query=ImagePage, ok=ImageList, tags=["images"])
def list_images(query: ImagePage) -> Response:
    """The gallery's images, a page at a time, with each one's annotation count."""
    limit = query.limit or current_app.config["ANNOTATOR"]["PAGE_SIZE"]
    offset = query.offset
    rows, total = library.list_images(offset, limit)
    return jsonify({"items": [image_to_dict(image, count) for image, count in rows],
                    "total": total, "offset": offset, "limit": limit})


@bp.get("/images/<int:image_id>")
@contract(ok=ImageOut, errors=[404], tags=["images"])
def get_image(image_id: int) -> Response:
    """One image, with its size, annotation count and addresses."""
    rows = library.image_with_count(image_id)
    if rows is None:
        raise ApiError(404, "image not found", f"There is no image {image_id}.")
    return jsonify(image_to_dict(*rows))


@bp.post("/images")
@admin_required
@contract(form=ImageUpload, ok=Uploaded, HTTP_201=Uploaded, errors=[422], tags=["images"])
def upload_images(form: ImageUpload) -> tuple[Response, int]:
    """Upload photos (instructor only): 201 if any was added, 200 if all were already there, 422 if none
    could be read; each refused file is named with its reason."""
    if form is None or not form.file:  # None from spectree: a body that is not a form at all
        raise ApiError(400, "no file sent", "Send one or more files in the multipart field 'file'.")
    created, duplicates, rejected = [], [], []
    for storage in form.file:
        name = library.clean_file_name(storage.filename or "unnamed")
        try:
            image, is_new = library.add_image(storage.read(), name, source="upload")
        except ImageRejected as exc:  # one bad file does not stop the others: named in the answer
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
@contract(ok=ImageDeleted, errors=[404], tags=["images"])
def delete_image(image_id: int) -> Response:
    """Take an image out of the gallery and the workshop. Its file, outlines and timings stay (exports of
    the labour record still count them); nothing is erased."""
    image = db.session.get(Image, image_id)
    if image is None or image.deleted:
        raise ApiError(404, "image not found", f"There is no image {image_id}.")
    image.deleted = True
    db.session.commit()
    return jsonify({"deleted": image_id})
