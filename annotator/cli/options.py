"""What every data command shares: --data-dir and --database-url (on the group or the command), a ready app,
and a progress bar on stderr."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from annotator import create_app


def data_location_options(command: Callable) -> Callable:
    """--data-dir and --database-url: on the group and on every command, so either place works."""
    command = click.option("--database-url", envvar="ANNOTATOR_DATABASE_URL",
                           help="Database URL (default: SQLite in the data folder) [env ANNOTATOR_DATABASE_URL]."
                           )(command)
    return click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path), envvar="ANNOTATOR_DATA_DIR",
                        help="Folder for the database, images and thumbnails [env ANNOTATOR_DATA_DIR].")(command)


def data_options(command: Callable) -> Callable:
    """Add --data-dir and --database-url to a command and hand it a ready app as `app`."""

    @data_location_options
    @functools.wraps(command)
    def wrapper(data_dir: Path | None, database_url: str | None, **kwargs: Any) -> Any:
        # Given before the command name (`annotator --data-dir D serve`), the group holds them.
        given = click.get_current_context().find_root().obj or {}
        data_dir = data_dir or given.get("DATA_DIR")
        database_url = database_url or given.get("DATABASE_URL")
        try:
            _make_private(data_dir)  # before create_app, which would log the same change less readably
            app = create_app({"DATA_DIR": data_dir, "DATABASE_URL": database_url})
        except ValueError as exc:  # a malformed setting: say which
            raise click.UsageError(str(exc)) from exc
        with app.app_context():
            try:
                return command(app=app, **kwargs)
            finally:
                from annotator.store.models import db

                db.session.remove()  # give back the session's connection, then close the pool's
                db.engine.dispose()

    return wrapper


def _make_private(data_dir: Path | None) -> None:
    from annotator import config
    from annotator.store import private_files

    folder = config.load_settings({"DATA_DIR": data_dir})["DATA_DIR"]
    changed = private_files.make_private(folder)
    if changed:
        click.echo(private_files.tightened_message(folder, changed), err=True)


def progress(items: Any, label: str, show: Callable[[Any], str] | None = None) -> Any:
    return click.progressbar(items, label=label, file=sys.stderr, show_pos=True,
                             item_show_func=(lambda item: show(item) if item is not None else "") if show else None)
