"""The database as a backup sees it: this version's tables in dependency order, how each column's values
travel, and its schema revisions."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Column, DateTime, LargeBinary, Table

from annotator.store import database
from annotator.store.models import db

BATCH = 1000  # rows per fetch and per INSERT


def model_tables() -> list[Table]:
    """Every table of annotator.store.models in dependency order (a row's references come first); not alembic's."""
    return list(db.metadata.sorted_tables)


def column_kind(column: Column) -> str:
    """How a column's values travel: "datetime", "bytes", "json" or "plain" (str, int, float, bool)."""
    if isinstance(column.type, DateTime):
        return "datetime"
    if isinstance(column.type, LargeBinary):
        return "bytes"
    if isinstance(column.type, JSON):
        return "json"
    return "plain"


def column_kinds(table: Table) -> dict[str, str]:
    return {column.name: column_kind(column) for column in table.columns}


def known_revisions() -> list[str]:
    """This version's schema revisions, oldest first."""
    script = ScriptDirectory.from_config(database.alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]
