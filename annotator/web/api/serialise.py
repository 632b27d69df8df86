"""Models -> JSON-ready dicts, shared by the API and the pages."""

from __future__ import annotations

from typing import Any

from flask import url_for

from annotator.core.times import iso_utc
from annotator.store.models import Category, Image


def image_to_dict(image: Image, annotation_count: int) -> dict[str, Any]:
    return {
        "id": image.id,
        "file_name": image.file_name,
        "width": image.width,
        "height": image.height,
        "annotations": annotation_count,
        "byte_size": image.byte_size,
        "mime_type": image.mime_type,
        "source": image.source,
        "created_at": iso_utc(image.created_at),
        "url": url_for("serving.original", image_id=image.id),
        "thumbnail_url": url_for("serving.thumbnail", image_id=image.id),
        "editor_url": url_for("pages.editor", image_id=image.id),
    }


def category_to_dict(category: Category) -> dict[str, Any]:
    return {
        "id": category.id,
        "name": category.name,
        "supercategory": category.supercategory,
        "colour": category.colour,
        "definition": category.definition,
        "display_order": category.display_order,
    }

