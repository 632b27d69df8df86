"""The JSON API, one module per resource, all under /api."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import (  # noqa: E402, F401 - registers the routes on bp
    agreement,
    annotations,
    categories,
    coco_export,
    coco_import,
    flags,
    images,
    labour,
    labour_presets,
    live,
    pay,
    workshop,
)
