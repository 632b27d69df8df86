"""Cross-site request forgery: every state-changing request needs the page's CSRF token, except a script's.

A request that proves itself with the instructor token in the `X-Instructor-Token` header cannot be forged
by another site: a cross-site page can neither read the token nor send a custom header without a CORS
preflight, which this app never grants. So such requests (a dataset builder's script uploading images or
importing COCO) skip the CSRF check. A cookie is sent by the browser on its own, so requests that rely on
the session or instructor cookie still need the token.
"""

from __future__ import annotations

import hmac

from flask import Flask, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from annotator.web.auth import TOKEN_HEADER, instructor_token


def sent_with_instructor_header() -> bool:
    token = instructor_token()
    given = request.headers.get(TOKEN_HEADER)
    return token is not None and given is not None and hmac.compare_digest(given.encode(), token.encode())


def init_app(app: Flask) -> None:
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False  # checked below, where the header can be considered first
    protection = CSRFProtect(app)

    @app.before_request
    def check_csrf() -> None:
        # Like Flask-WTF's own check: an address that routes nowhere is a 404, not a CSRF refusal.
        if request.endpoint and not sent_with_instructor_header():
            try:
                protection.protect()
            except AttributeError as exc:  # Flask-WTF reads form field names; a part without one has None
                raise CSRFError("The CSRF token is missing.") from exc
