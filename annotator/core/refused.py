"""The one way the domain says no: which input field, why, and the HTTP status the web layer answers with.

The core and the store raise `Refused`; annotator/web/errors.py turns it into the error envelope, so no view
translates exceptions of its own.
"""

from __future__ import annotations

from typing import Any

# The envelope's "error" title for each status when the raiser names none.
DEFAULT_TITLES = {400: "bad request", 401: "join first", 403: "forbidden", 404: "not found", 409: "conflict",
                  413: "too large", 422: "invalid input", 429: "too many requests"}


class Refused(Exception):
    """An input or action the rules refuse. `field` names the input (dotted for nested ones, "" for the request
    as a whole); `extra` adds fields to the answer (for example the current annotation on a conflict)."""

    def __init__(self, field: str, message: str, status: int = 422, *, title: str | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.field, self.message, self.status = field, message, status
        self.title = title or DEFAULT_TITLES.get(status, "refused")
        self.extra = extra
