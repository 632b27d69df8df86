"""The dataset in and out: import-coco, export (COCO) and export-masks (label maps)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask

from annotator.cli.options import data_options


@click.command("import-coco")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--images", "images_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder to add the file's images from when the library lacks them.")
@data_options
def import_coco(app: Flask, file: Path, images_dir: Path | None) -> None:
    """Import the annotations of a COCO instance FILE, all or nothing.

    Images are matched to the library by file name (exact, then by base name if that is unambiguous)
    and must have the size the file gives; with --images, missing ones are added from DIR first.
    Categories are matched by name, ignoring case; missing ones are created. Polygons stay polygons,
    RLE masks are traced into editable polygons with their holes. A file with any problem imports
    nothing: the first problem is named and the command exits with status 1.
    """
    from annotator.core.coco_import import load_json
    from annotator.core.refused import Refused
    from annotator.core.schemas.coco import parse_coco
    from annotator.store import coco_import as importing
    from annotator.store import library

    import_file = library.clean_file_name(file.name)
    try:
        dataset = parse_coco(load_json(file.read_bytes()))
        with click.progressbar(length=len(dataset.annotations), label="Importing annotations", file=sys.stderr,
                               show_pos=True) as bar:
            summary = importing.import_coco(dataset, import_file, images_dir, on_annotation=lambda: bar.update(1))
    except Refused as exc:
        raise click.ClickException(f"{file.name}: {exc}. Nothing was imported.") from None
    created = ", ".join(summary.categories_created) or "none"
    click.echo(f"Imported {summary.annotations_imported} annotation(s) from {file.name}: "
               f"{summary.images_matched} image(s) matched, {summary.images_added} added; "
               f"categories created: {created}; {summary.repairs} repair(s).")
    for original_id, repairs in summary.repaired[:20]:
        click.echo(f"  annotation {original_id}: {'; '.join(repairs)}")
    if len(summary.repaired) > 20:
        click.echo(f"  ... and {len(summary.repaired) - 20} more repaired annotation(s)")


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--segmentation", type=click.Choice(["polygon", "rle"]), default="polygon", show_default=True,
              help="Outlines as COCO polygons, or every mask as RLE. In polygon mode an outline with holes "
                   "is written as RLE (and reported), since COCO polygons cannot carry holes.")
@click.option("--images", "image_choice", default="all", show_default=True, metavar="all|annotated|ID,ID,...",
              help="Which images: all, only those with annotations, or a list of image ids.")
@click.option("--annotators", default="everyone", show_default=True,
              metavar="everyone|latest|PUBLIC_ID|NAME",
              help="Whose outlines: everyone's, one annotator's (public id, export pseudonym or display name), "
                   "or `latest`: per object (same image and class, mask IoU >= 0.5) the most recently updated.")
@click.option("--labour/--no-labour", default=False, show_default=True,
              help="Put each annotation's labour ledger events in its attributes.labour.")
@click.option("--zip", "as_zip", is_flag=True, help="Write a ZIP with images/ and annotations.json.")
@data_options
def export(app: Flask, out: Path, segmentation: str, image_choice: str, annotators: str, labour: bool,
           as_zip: bool) -> None:
    """Write the dataset as a COCO instance file OUT (or a ZIP with the images beside it).

    What the export cannot carry as asked (a hole in polygon mode, a repair made when an outline was
    saved, an empty mask, a missing image file) is listed below the summary and in the file's report.
    """
    from annotator.core.refused import Refused
    from annotator.core.schemas.common import parse_as
    from annotator.core.schemas.export import ExportOptions
    from annotator.core.zip_stream import write_atomically
    from annotator.store.export_coco import CocoExport

    try:
        options = parse_as(ExportOptions, {"segmentation": segmentation, "images": image_choice,
                                           "annotators": annotators, "labour": labour, "zip": as_zip},
                           title="cannot export")
        run = CocoExport(options).prepare()
    except Refused as exc:
        raise click.UsageError(str(exc)) from exc
    with click.progressbar(length=run.work_total, label="Exporting", file=sys.stderr, show_pos=True) as bar:
        run.on_progress = bar.update
        write_atomically(out, run.chunks())
    click.echo(run.summary(out))
    for note in run.notes:
        click.echo(f"  {note}", err=True)


@click.command("export-masks")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--images", "image_choice", default="all", show_default=True, metavar="all|annotated|ID,ID,...",
              help="Which images: all, only those with annotations, or a list of image ids.")
@click.option("--annotators", default="everyone", show_default=True,
              metavar="everyone|latest|PUBLIC_ID|NAME", help="Whose outlines are drawn (as for `export`).")
@data_options
def export_masks(app: Flask, out_dir: Path, image_choice: str, annotators: str) -> None:
    """Write semantic label maps into OUT_DIR: labels/NAME.png (8-bit, pixel = class id, 0 = unlabelled;
    later outlines drawn over earlier ones), colour/NAME.png (class colours), classes.json, images.json.

    Class ids above 255 do not fit an 8-bit PNG: such an export is refused, naming the classes.
    """
    from annotator.core.refused import Refused
    from annotator.core.schemas.common import parse_as
    from annotator.core.schemas.export import ExportOptions
    from annotator.store.export_masks import MasksExport, write_mask_folder

    try:
        options = parse_as(ExportOptions, {"images": image_choice, "annotators": annotators}, title="cannot export")
        run = MasksExport(options).prepare()
        run.check_label_ids()
    except Refused as exc:
        raise click.UsageError(str(exc)) from exc
    with click.progressbar(length=run.work_total, label="Exporting masks", file=sys.stderr, show_pos=True) as bar:
        run.on_progress = bar.update
        count = write_mask_folder(out_dir, run.mask_files())
    click.echo(f"Wrote {count} file(s) to {out_dir}: label maps of {len(run.images)} image(s) from "
               f"{run.annotations_written} annotation(s).")
    for note in run.notes:
        click.echo(f"  {note}", err=True)
