"""One error shape: JSON `{"error": ..., "detail": ...}` under /api, a plain page elsewhere."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask.globals import request_ctx
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from annotator.core.refused import Refused
from annotator.store.models import db

log = logging.getLogger(__name__)


class ApiError(Exception):
    """Raise from an API view to answer with the error envelope."""

    def __init__(self, status: int, error: str, detail: Any = None, *, headers: dict[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(error)
        self.status, self.error, self.detail, self.extra = status, error, detail, extra
        self.headers = headers or {}  # e.g. Retry-After on a 429


def _wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def _respond(status: int, error: str, detail: Any, **extra: Any):
    if _wants_json():
        return jsonify({"error": error, "detail": detail, **extra}), status
    if request_ctx.url_adapter is None:  # a Host header Werkzeug cannot route (e.g. a label over 63 characters)
        return Response(f"{status} {error}: {detail}\n", status=status, mimetype="text/plain")
    return render_template("error.html", status=status, error=error, detail=detail), status


def init_app(app: Flask) -> None:
    @app.errorhandler(ApiError)
    def api_error(exc: ApiError):
        body, status = _respond(exc.status, exc.error, exc.detail, **exc.extra)
        return body, status, exc.headers

    @app.errorhandler(Refused)
    def refused(exc: Refused):
        db.session.rollback()  # a refused write leaves nothing half-done in the session
        extra = {"field": exc.field, **exc.extra} if exc.field else dict(exc.extra)
        retry_after = extra.pop("retry_after", None)  # a 429's wait in seconds: a header, as HTTP says
        body, status = _respond(exc.status, exc.title, exc.message, **extra)
        return body, status, {"Retry-After": str(retry_after)} if retry_after else {}

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError):
        return _respond(400, "CSRF check failed", f"{exc.description} Reload the page and try again.")

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        response = _respond(exc.code or 500, exc.name, exc.description)
        if exc.code == 405 and exc.valid_methods:  # keep the Allow header HTTP requires
            response[0].headers["Allow"] = ", ".join(exc.valid_methods)
        return response

    @app.errorhandler(Exception)
    def unexpected_error(exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _respond(500, "Internal Server Error", "Something went wrong on the server; it has been logged.")
