"""`annotator db`: the schema's revision, for operators."""

from __future__ import annotations

import click
from flask import Flask

from annotator.cli.options import data_options


@click.group("db")
def db_group() -> None:
    """Database schema: upgrades run by themselves at start; these are for operators."""


@db_group.command("upgrade")
@click.argument("revision", default="head")
@data_options
def db_upgrade(app: Flask, revision: str) -> None:
    """Upgrade the schema to REVISION (default: the newest)."""
    from annotator.store import database

    click.echo(f"Database at revision {database.upgrade_schema(revision)}.")


@db_group.command("current")
@data_options
def db_current(app: Flask) -> None:
    """Print the schema revision of the database and the newest one this version knows."""
    from annotator.store import database
    from annotator.store.models import db

    with db.engine.connect() as connection:
        click.echo(f"current: {database.current_revision(connection)}  head: {database.head_revision()}")
