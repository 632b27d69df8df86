"""URL converters: an `<int:...>` id in a URL is one the database's integer columns can hold.

Flask's own int converter takes any number of digits, so /api/images/99999999999999999999 reached the
database and failed there (a 500) instead of being a 404 like any other id that does not exist.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.routing import IntegerConverter

from annotator.core.schemas.common import LARGEST_ID


class DatabaseId(IntegerConverter):
    """An id too large for the column cannot name a row: it becomes 0, which no row has, so the view answers
    404 as for any other missing id. (A converter `max` would make werkzeug answer 405 instead.)"""

    def to_python(self, value: str) -> Any:
        number = super().to_python(value)
        return number if number <= LARGEST_ID else 0


def init_app(app: Flask) -> None:
    """Call before any route is added: rules pick their converter when they are made."""
    app.url_map.converters["int"] = DatabaseId
