"""HTML pages, one module per area: gallery and editor, labour, workshop (join, instructor's pages),
agreement, flags. Pages are shells; their figures come from the JSON API."""

from flask import Blueprint

bp = Blueprint("pages", __name__)

from annotator.web.pages import agreement, debrief, export, finished, flags, gallery, labels, labour, live, workshop  # noqa: E402, F401 - registers the routes on bp
