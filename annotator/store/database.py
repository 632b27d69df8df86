"""Database wiring: engine settings, SQLite pragmas, and schema migrations run at start."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from filelock import FileLock
from flask import Flask
from sqlalchemy import event, text
from sqlalchemy.engine import Connection, Engine

from annotator.paths import MIGRATIONS_DIR
from annotator.store.models import db

log = logging.getLogger(__name__)

# Any constant works; it only has to be the same in every process sharing a PostgreSQL database.
_MIGRATION_LOCK_ID = 0x616E6E6F
# Alembic keeps the running migration in module globals, so one process migrates one thing at a time.
_in_process = threading.Lock()


def init_app(app: Flask) -> None:
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    options = app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if url.startswith("sqlite"):
        options.setdefault("connect_args", {"timeout": 30})
    else:
        options.setdefault("pool_pre_ping", True)
    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the gallery read while a save writes; foreign keys are off by default in SQLite.
    # synchronous=NORMAL: a commit has been written to the WAL file (the operating system holds it) before the
    # save is answered, so killing the server process loses no answered save (tests/e2e/test_crash_safety.py);
    # only a power cut or kernel crash may roll back the last commits (FULL would fsync every commit for that).
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(connection: Connection | None = None) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def upgrade_schema(revision: str = "head") -> str | None:
    """Create or upgrade the schema; safe when several processes start at once.

    Must run inside an app context. Returns the revision the database is at afterwards.
    """
    engine: Engine = db.engine
    with _in_process, _sqlite_file_lock(engine), engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            # Serialise concurrent starts across processes and machines; released below.
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _MIGRATION_LOCK_ID})
            connection.commit()
        try:
            if revision == "head" and current_revision(connection) == head_revision():
                return head_revision()
            command.upgrade(alembic_config(connection), revision)
            connection.commit()
            return current_revision(connection)
        finally:
            if engine.dialect.name == "postgresql":
                connection.rollback()
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _MIGRATION_LOCK_ID})
                connection.commit()


@contextlib.contextmanager
def _sqlite_file_lock(engine: Engine) -> Iterator[None]:
    """SQLite has no advisory locks: a lock file beside the database serialises migrating processes."""
    database = engine.url.database if engine.dialect.name == "sqlite" else None
    if not database or database == ":memory:":
        yield
        return
    with FileLock(str(Path(database).with_name(Path(database).name + ".migrate-lock")), timeout=120):
        yield
