"""The image library's inputs: a page of the gallery, and an upload of photos.

What makes a file an image of the library (its header, its pixels) is `annotator.core.images.prepare_image`,
refused per file with `ImageRejected`; these models check the request around the files.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from annotator.core.schemas.common import LARGEST_ID

MAX_LIMIT = 500  # images per page
MAX_FILES_PER_UPLOAD = 50


class ImagePage(BaseModel):
    model_config = ConfigDict(extra="ignore")  # a query string is text: "48" is a number here

    limit: int | None = Field(default=None, ge=1, le=MAX_LIMIT, description="default: the gallery's page size")
    offset: int = Field(default=0, ge=0, le=LARGEST_ID)


def _as_list(value: Any) -> Any:
    return value if isinstance(value, list) else [value]


def _a_file(value: Any) -> Any:
    # A multipart file part has a name and a stream (werkzeug's FileStorage); a text field is a str.
    if isinstance(value, list):
        raise ValueError(f"one file expected, not {len(value)}")
    if not (hasattr(value, "filename") and hasattr(value, "read")):
        raise ValueError("must be a file (multipart), not a text field")
    return value


UploadedFile = Annotated[Any, BeforeValidator(_a_file), WithJsonSchema({"type": "string", "format": "binary"})]


class ImageUpload(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Optional here so that a form without files gets the plainer 400 "no file sent" from the view.
    file: Annotated[list[UploadedFile], BeforeValidator(_as_list), Field(max_length=MAX_FILES_PER_UPLOAD)] | None = \
        Field(default=None, description=f"one or more JPEG, PNG or WebP photos, at most {MAX_FILES_PER_UPLOAD}")
