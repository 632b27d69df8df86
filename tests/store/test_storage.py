"""Storage: schema from migrations, first-start seeding, SQLite settings (the secret key: test_security.py)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import func, select, text

from annotator.core.labels import DEFAULT_LABELS
from annotator.store import library
from annotator.store.models import Base, Category, Image, db
from tests.conftest import image_bytes, make_app


def test_migrations_build_exactly_the_schema_the_models_describe(app):
    with app.app_context(), db.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert differences == []


def test_first_start_loads_the_default_label_set_with_stable_ids(app):
    with app.app_context():
        categories = library.active_categories()
    assert [(c.id, c.name) for c in categories] == [(i + 1, label.name) for i, label in enumerate(DEFAULT_LABELS)]
    supercategories = {c.supercategory for c in categories}
    assert supercategories == {"flat", "human", "vehicle", "construction", "object", "nature", "sky", "void"}
    assert len({c.colour for c in categories}) == len(categories)  # each class its own colour


def test_a_restart_neither_migrates_again_nor_seeds_twice(app, data_dir, database_url):
    with app.app_context():
        db.session.get(Category, 1).definition = "Changed by the educator."
        db.session.commit()
    again = make_app(data_dir, database_url)
    with again.app_context():
        assert db.session.scalar(select(func.count(Category.id))) == len(DEFAULT_LABELS)
        assert db.session.get(Category, 1).definition == "Changed by the educator."


def test_first_start_imports_the_sample_scenes_once(data_dir, database_url):
    app = make_app(data_dir, database_url, LOAD_SAMPLES=True)
    with app.app_context():
        images = list(db.session.scalars(select(Image).order_by(Image.id)))
        assert len(images) >= 8 and all(image.source == "sample" for image in images)
        assert images[0].file_name == "scene_01.jpg" and (images[0].width, images[0].height) >= (1280, 720)
        db.session.delete(images[-1])
        db.session.commit()
    again = make_app(data_dir, database_url, LOAD_SAMPLES=True)  # the user's deletion stands
    with again.app_context():
        assert db.session.scalar(select(func.count(Image.id))) == len(images) - 1


def test_sqlite_runs_in_wal_mode_with_foreign_keys(data_dir):
    app = make_app(data_dir, None)
    with app.app_context(), db.engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    assert (data_dir / "annotator.sqlite3").exists()


def test_processes_starting_together_on_one_database_share_one_schema_and_library(tmp_path, database_url):
    """Several processes may serve one database: the schema is made once, the library is shared."""
    import subprocess
    import sys

    shared = database_url or f"sqlite:///{tmp_path / 'shared.sqlite3'}"
    script = ("import sys; from annotator import create_app; "
              "create_app({'DATA_DIR': sys.argv[1], 'DATABASE_URL': sys.argv[2], 'LOAD_SAMPLES': False})")
    starts = [subprocess.Popen([sys.executable, "-c", script, str(tmp_path / f"node{n}"), shared],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for n in range(3)]
    for process in starts:
        _, errors = process.communicate(timeout=120)
        assert process.returncode == 0, errors.decode(errors="replace")
    first, second = make_app(tmp_path / "node0", shared), make_app(tmp_path / "node1", shared)
    with first.app_context():
        library.add_image(image_bytes(), "seen-by-all.jpg", "upload")
    with second.app_context():
        assert [image.file_name for image in db.session.scalars(select(Image))] == ["seen-by-all.jpg"]
        assert db.session.scalar(select(func.count(Category.id))) == len(DEFAULT_LABELS)


def test_the_labour_session_migration_opens_the_sessions_already_in_the_ledger(app):
    """Sessions stored before the server opened them are opened at their first batch, with their counts."""
    from datetime import UTC, datetime

    from alembic import command
    from sqlalchemy import text

    from annotator.store import database, library
    from tests.conftest import image_bytes

    with app.app_context():
        image_id = library.add_image(image_bytes(), "street.jpg", "upload")[0].id
        db.session.commit()
        db.session.remove()
        with db.engine.connect() as connection:
            command.downgrade(database.alembic_config(connection), "0003")
            connection.commit()
            for row_id, session, at in ((1, "old-page", 9), (2, "old-page", 7), (3, "other-page", 30)):
                connection.execute(text(
                    "INSERT INTO labour_event (id, image_id, session_id, seq, kind, client_time_ms, received_at, "
                    "data) VALUES (:id, :image, :session, :id, 'zoom', 0, :at, '{}')"),
                    {"id": row_id, "image": image_id, "session": session,
                     "at": datetime(2026, 12, 6, 9, 0, at, tzinfo=UTC)})
            connection.commit()
        assert database.upgrade_schema() == database.head_revision()
        sessions = {row.id: row for row in db.session.execute(text(
            "SELECT id, image_id, opened_at, events, last_event_id FROM labour_session"))}
        assert sessions["old-page"].events == 2 and sessions["old-page"].last_event_id == 2
        assert str(sessions["old-page"].opened_at).startswith("2026-12-06 09:00:07")  # its first batch
        assert sessions["other-page"].events == 1 and sessions["other-page"].image_id == image_id
