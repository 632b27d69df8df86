"""The JSON API, one module per resource, all under /api."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import annotations, categories, coco_export, coco_import, images, labour, labour_presets, pay  # noqa: E402, F401 - registers the routes on bp
