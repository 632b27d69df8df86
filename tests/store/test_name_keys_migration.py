"""Migration 0004 on a database made by 0003: name keys become skeletons, look-alikes numbered; and back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from alembic import command

from annotator.config import normalise_database_url
from annotator.store.database import alembic_config
from tests.conftest import make_app

CYRILLIC_AMARA = "\u0410mara"
PEOPLE = [("Amara", "amara"), (CYRILLIC_AMARA, CYRILLIC_AMARA.casefold()), ("Juma", "juma"), ("Instructor", None)]


def _engine(data_dir: Path, database_url: str | None) -> sa.Engine:
    data_dir.mkdir(parents=True, exist_ok=True)
    return sa.create_engine(normalise_database_url(database_url or f"sqlite:///{data_dir / 'annotator.sqlite3'}"))


def _people(engine: sa.Engine) -> list[tuple[str, str | None]]:
    with engine.connect() as connection:
        return [tuple(row) for row in connection.execute(
            sa.text("SELECT display_name, name_key FROM annotator ORDER BY id"))]


def _tables(engine: sa.Engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names())


def test_upgrading_rekeys_names_by_skeleton_and_numbers_look_alikes(data_dir, database_url):
    engine = _engine(data_dir, database_url)
    with engine.connect() as connection:
        command.upgrade(alembic_config(connection), "0003")
        connection.commit()
    with engine.begin() as connection:
        for name, key in PEOPLE:  # as 0003's code keyed them: the Cyrillic name did not collide
            connection.execute(sa.text(
                "INSERT INTO annotator (public_id, display_name, role, created_at, name_key) "
                "VALUES (:public_id, :name, :role, :created_at, :key)"),
                {"public_id": str(uuid.uuid4()), "name": name, "key": key, "created_at": datetime.now(UTC),
                 "role": "participant" if key else "instructor"})
    engine.dispose()

    make_app(data_dir, database_url)  # starting the app upgrades to head

    assert _people(engine) == [("Amara", "amara"), (CYRILLIC_AMARA + " (2)", "amara (2)"), ("Juma", "juma"),
                               ("Instructor", None)]
    assert "rate_limit_counter" in _tables(engine)

    with engine.connect() as connection:
        command.downgrade(alembic_config(connection), "0003")
        connection.commit()
    assert _people(engine) == [("Amara", "amara"), (CYRILLIC_AMARA + " (2)", CYRILLIC_AMARA.casefold() + " (2)"),
                               ("Juma", "juma"), ("Instructor", None)]
    assert "rate_limit_counter" not in _tables(engine)
    engine.dispose()
