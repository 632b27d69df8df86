"""The library's commands: import-images, thumbnails, and the label set (`labels show`, `labels load`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask

from annotator.cli.options import data_options, progress


@click.command("import-images")
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--recursive", "-r", is_flag=True, help="Also import from sub-folders.")
@data_options
def import_images(app: Flask, folder: Path, recursive: bool) -> None:
    """Add the JPEG, PNG and WebP photos in FOLDER to the library.

    Files without an image extension (a licence text, a README) are passed over with a note. Duplicates
    (same content) are skipped; an image file that is corrupt, not really an image or a decompression bomb
    is reported by name and skipped while the rest are imported: then the exit status is 1.
    """
    from annotator.core import images
    from annotator.store import library

    found = images.find_candidate_files(folder, recursive)
    files = [path for path in found if images.has_image_suffix(path)]
    others = [path for path in found if not images.has_image_suffix(path)]
    if others:
        shown = ", ".join(path.relative_to(folder).as_posix() for path in others[:5])
        more = f" and {len(others) - 5} more" if len(others) > 5 else ""
        click.echo(f"Passed over {len(others)} file(s) without an image extension: {shown}{more}.")
    if not files:
        click.echo(f"No image files found in {folder}{'' if recursive else ' (try --recursive)'}.")
        return
    with progress(files, "Importing", show=lambda path: path.name) as bar:
        report = library.import_files(bar, folder, on_file=None)
    click.echo(f"Imported {len(report.added)} image(s); {len(report.duplicates)} already in the library; "
               f"{len(report.rejected)} skipped.")
    for name, reason in report.rejected:
        click.echo(f"  skipped {name}: {reason}", err=True)
    if report.rejected:
        sys.exit(1)


@click.command()
@click.option("--force", is_flag=True, help="Remake every thumbnail, not only missing ones.")
@data_options
def thumbnails(app: Flask, force: bool) -> None:
    """Make the gallery thumbnails that are missing (or all of them with --force)."""
    from sqlalchemy import select

    from annotator.store import library
    from annotator.store.models import Image, db

    all_images = list(db.session.scalars(select(Image).order_by(Image.id)))
    missing = []
    with progress(all_images, "Thumbnails", show=lambda image: image.file_name) as bar:
        for image in bar:
            if library.ensure_thumbnail(image, force=force) is None:
                missing.append(image)
    click.echo(f"Thumbnails ready for {len(all_images) - len(missing)} image(s).")
    for image in missing:
        click.echo(f"  image {image.id} ({image.file_name}): original file missing from the store", err=True)


@click.group()
def labels() -> None:
    """Show or replace the label set."""


@labels.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON (loadable with `labels load`).")
@data_options
def labels_show(app: Flask, as_json: bool) -> None:
    """List the active classes in display order."""
    from annotator.store import library

    categories = library.active_categories()
    if as_json:
        click.echo(json.dumps([{"name": c.name, "supercategory": c.supercategory, "colour": c.colour,
                                "definition": c.definition} for c in categories], indent=2, ensure_ascii=False))
        return
    for category in categories:
        click.echo(f"{category.id:>3}  {category.colour}  {category.name:<16} {category.supercategory:<13} "
                   f"{category.definition}")


@labels.command("load")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@data_options
def labels_load(app: Flask, file: Path) -> None:
    """Make the classes in FILE (JSON or YAML) the label set. Classes missing from FILE are archived,
    not deleted: annotations keep them, and their COCO ids stay."""
    from annotator.core.refused import Refused
    from annotator.core.schemas.labels import load_label_file
    from annotator.store import library

    try:
        new_labels = load_label_file(file)
    except Refused as exc:
        raise click.ClickException(str(exc)) from exc
    change = library.replace_label_set(new_labels)
    click.echo(f"Label set loaded: {len(new_labels)} class(es); added {len(change.added)}, "
               f"updated {len(change.updated)}, archived {len(change.archived)}.")
    for name in change.archived:
        click.echo(f"  archived {name}")
