"""HTML pages, one module per area: gallery, editor, labour, workshop (join, instructor's pages), live,
debrief, agreement, flags, labels, export. Pages are shells; their figures come from the JSON API."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from annotator.web.pages import (  # noqa: E402, F401 - registers the routes on bp
    agreement,
    debrief,
    editor,
    export,
    finished,
    flags,
    gallery,
    labels,
    labour,
    live,
    workshop,
)
