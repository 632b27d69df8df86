"""`annotator backup` and `annotator restore`: a restorable snapshot of everything, and putting it back."""

from __future__ import annotations

from pathlib import Path

import click
from flask import Flask

from annotator.cli.options import data_options


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--images/--no-images", "include_images", default=True, show_default=True,
              help="Put the image files in the archive. Without them the archive holds only their sizes and "
                   "checksums, and restore needs the files in the target's data folder (or --images-from).")
@data_options
def backup(app: Flask, out: Path, include_images: bool) -> None:
    """Write a restorable snapshot of everything to the ZIP file OUT, safely while the server runs.

    Every table is read in one transaction, so the snapshot is consistent (a save and its timing events
    are in it together or not at all); the file appears under OUT's name only when complete. Restore it
    with `annotator restore OUT`. (`workshop backup` writes the same snapshot, with an export for people
    beside it.)
    """
    from annotator.store import backup as backups

    try:
        report = backups.write_backup(out, include_images=include_images)
    except OSError as exc:
        raise click.ClickException(f"could not write {out}: {exc}") from exc
    rows = sum(report.tables.values())
    images = (f"{report.images} image file(s) ({report.images_bytes / 1e6:.1f} MB) included"
              if report.images_included else f"{report.images} image file(s) listed, not included")
    click.echo(f"Backup written: {report.path} ({report.bytes / 1e6:.1f} MB): {rows} row(s) in "
               f"{len(report.tables)} table(s), {report.tables.get('annotation', 0)} annotation(s), "
               f"{report.tables.get('labour_event', 0)} labour event(s); {images}.")
    for path in report.missing_images:
        click.echo(f"  warning: image file {path} is missing from the data folder; the backup lists it as "
                   "missing", err=True)


@click.command()
@click.argument("backup_file", metavar="IN", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Restore even if the target already holds annotations, people or imported images: every "
                   "row of the target database is deleted and replaced by the backup's (image files already "
                   "in the data folder are kept).")
@click.option("--images-from", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="A folder laid out like a data folder's images/ to take image files from, for a backup "
                   "made with --no-images.")
@click.option("--allow-missing-images", is_flag=True,
              help="Restore even if some image files are missing or differ (they are listed).")
@data_options
def restore(app: Flask, backup_file: Path, force: bool, images_from: Path | None, allow_missing_images: bool) -> None:
    """Put the snapshot IN (from `annotator backup`) into this data folder and database.

    The target must hold no one's work yet (a new data folder or database), unless --force. Everything
    is checked first: the archive's checksums, the schema revision (only a backup of this version's
    schema is restored), every image file. Then the database is written in one transaction: all or
    nothing. A backup from SQLite restores into PostgreSQL and the other way round. Stop the server
    of the target while restoring.
    """
    from annotator.store import backup as backups

    try:
        report = backups.restore(backup_file, force=force, images_from=images_from,
                                 allow_missing_images=allow_missing_images)
    except backups.BackupError as exc:
        raise click.ClickException(f"{backup_file}: {exc}\nNothing was restored.") from None
    click.echo(f"Restored {backup_file}: {sum(report.tables.values())} row(s), "
               f"{report.tables.get('annotation', 0)} annotation(s), {report.tables.get('labour_event', 0)} "
               f"labour event(s), {report.tables.get('image', 0)} image(s) (schema {report.revision}); "
               f"{report.images_placed} image file(s) placed, {report.images_present} already present.")
    if report.replaced:
        click.echo("  replaced: " + ", ".join(f"{count} {name} row(s)" for name, count in report.replaced.items()))
    for problem in report.missing_images:
        click.echo(f"  missing image: {problem}", err=True)
