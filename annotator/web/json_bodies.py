"""Reading JSON request bodies as the RFC defines JSON, and safely.

Python's json module reads `NaN` and `Infinity`, which are not JSON and would slip non-finite numbers past
every check that trusts a float; and a body nested a few thousand levels deep exhausts the parser's stack
(RecursionError: a 500). Both are refused as malformed bodies here, for every endpoint at once.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider


def _not_json(constant: str) -> Any:
    raise ValueError(f"{constant} is not a JSON number")


class StrictJSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        kwargs.setdefault("parse_constant", _not_json)
        try:
            return super().loads(s, **kwargs)
        except RecursionError as exc:
            raise ValueError("the JSON is nested too deeply") from exc


def init_app(app: Flask) -> None:
    app.json = StrictJSONProvider(app)
