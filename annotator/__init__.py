"""annotator: segmentation annotation for driving scenes that keeps the labour visible."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask

from annotator.version import __version__  # noqa: F401  (re-exported: annotator.__version__)


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings -> data folder -> database (migrated, seeded) -> blueprints.

    `test_config` overrides settings and Flask config keys alike (tests, CLI options).
    """
    from annotator import config
    from annotator.paths import shipped_dir
    from annotator.store import database, library, private_files
    from annotator.web import access, auth, csrf, errors, json_bodies, rate_limits, routing, security_headers
    from annotator.web.api import bp as api_bp
    from annotator.web.api import contract
    from annotator.web.pages import bp as pages_bp
    from annotator.web.serving import bp as serving_bp
    from annotator.web.serving import static_url_path

    settings = config.load_settings(test_config)
    access.check_token(settings["INSTRUCTOR_TOKEN"] or None)
    data_dir = settings["DATA_DIR"]
    tightened = private_files.make_private(data_dir)  # owner-only umask from here on, and an old folder tightened
    if tightened:
        logging.getLogger(__name__).warning(private_files.tightened_message(data_dir, tightened))

    # The data folder is Flask's instance folder: everything the installation owns lives there.
    app = Flask(
        __name__,
        instance_path=str(data_dir),
        static_folder=str(shipped_dir("static")),
        static_url_path=static_url_path(shipped_dir("static")),  # versioned: browsers keep the files a year
        template_folder=str(shipped_dir("templates")),
    )
    app.config.update(
        SECRET_KEY=config.load_or_create_secret_key(data_dir),
        SQLALCHEMY_DATABASE_URI=settings["DATABASE_URL"],
        MAX_CONTENT_LENGTH=settings["MAX_UPLOAD_MB"] * 1024 * 1024,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=None,  # a workshop tab stays open for hours
        ANNOTATOR=settings,
    )
    app.config.update({k: v for k, v in (test_config or {}).items() if k.isupper() and k not in settings})
    if settings["BEHIND_PROXY"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # One proxy in front: its X-Forwarded-For/-Proto/-Host are believed (the last hop's only), so
        # request.is_secure is true on HTTPS and the session and instructor cookies are marked Secure.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]

    json_bodies.init_app(app)
    app.json.sort_keys = False  # keep the documented key order in API answers
    routing.init_app(app)
    database.init_app(app)
    errors.init_app(app)
    rate_limits.init_app(app)
    auth.init_app(app)
    # After auth: a wrong token in the header (which skips the CSRF check when right) still counts as a guess.
    csrf.init_app(app)
    security_headers.init_app(app)
    app.register_blueprint(pages_bp)
    app.register_blueprint(serving_bp)
    app.register_blueprint(api_bp, url_prefix="/api")
    contract.init_app(app)

    with app.app_context():
        database.upgrade_schema()
        library.seed_first_start(load_samples=settings["LOAD_SAMPLES"])
    return app
