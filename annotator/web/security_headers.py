"""Response headers that make a slip elsewhere harmless, and cookies fit for HTTPS.

- `X-Content-Type-Options: nosniff` on everything: an uploaded file is never guessed into HTML or script.
- A Content-Security-Policy on every response: scripts only from this site's own files, so text that ever
  slipped into a page unescaped (`<script>`, `onerror=`, a `javascript:` link) would still not run. The
  templates keep to it: module scripts from /static and JSON data blocks (`type="application/json"`), no
  inline script and no inline event handlers (a test checks the templates).
- `Referrer-Policy: same-origin`: addresses (an image id, a page) are not told to other sites.
- The session cookie carries `Secure` when the request came over HTTPS (as the WSGI server reports it), so
  a deployment behind TLS never sends it in clear, while plain-HTTP workshops on a room's network keep
  working (auth.py does the same for the instructor's cookie).
"""

from __future__ import annotations

from flask import Flask, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.wrappers import Response

CONTENT_SECURITY_POLICY = "; ".join((
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
))


def add_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


class SessionCookieSecureOnHttps(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with Secure set per request: the session cookie is written after every
    after_request handler has run, so it cannot be patched there."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def init_app(app: Flask) -> None:
    app.session_interface = SessionCookieSecureOnHttps()
    app.after_request(add_headers)
