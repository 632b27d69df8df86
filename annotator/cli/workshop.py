"""`annotator workshop`: the room's archive, and starting afresh."""

from __future__ import annotations

import click
from flask import Flask

from annotator.cli.options import data_options


@click.group("workshop")
def workshop_group() -> None:
    """The workshop: back up everything the room made, or start afresh (after a backup)."""


@workshop_group.command("backup")
@data_options
def workshop_backup(app: Flask) -> None:
    """Write the workshop's archive to the data folder's backups/ and print where it went: an `annotator
    backup` snapshot (restore it with `annotator restore`) with an export for people in export/ (COCO with
    timings, the labour ledger with names, raw events)."""
    from annotator.store import workshop

    path = workshop.write_backup()
    click.echo(f"Backup written: {path} ({path.stat().st_size // 1024} KB)")


@workshop_group.command("reset")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@data_options
def workshop_reset(app: Flask, yes: bool) -> None:
    """Back everything up, then remove every participant and their outlines, timings, flags and
    proposals. Images and the label set stay."""
    from annotator.store import workshop

    if not yes:
        click.confirm("Back up, then remove everyone's work from this workshop?", abort=True)
    report = workshop.reset()
    click.echo(f"Backup written: {report.backup}")
    click.echo(f"Removed {report.annotations} outlines, {report.events} timing events, {report.people} people "
               f"and {report.proposals} class proposals.")
