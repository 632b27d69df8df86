"""The `annotator` command: serve, import-images, import-coco, export, labour, workshop, backup, restore,
thumbnails, labels, db, samples.

Every subcommand takes --data-dir / ANNOTATOR_DATA_DIR and --database-url / ANNOTATOR_DATABASE_URL,
so they all work on the same data. Long work shows a progress bar on stderr.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask

from annotator import create_app
from annotator.version import __version__
from annotator.web import access, network


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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="annotator")
@data_location_options
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, database_url: str | None) -> None:
    """annotator: outline driving scenes as COCO masks, with the labour behind every label kept.

    --data-dir and --database-url may come before the command's name or after it."""
    ctx.obj = {"DATA_DIR": data_dir, "DATABASE_URL": database_url}


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; 0.0.0.0 serves the whole room.")
@click.option("--port", default=5000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on (0 picks a free one).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads of the WSGI server.")
@click.option("--instructor-token", envvar="ANNOTATOR_INSTRUCTOR_TOKEN",
              help="Token for admin actions [env ANNOTATOR_INSTRUCTOR_TOKEN]; made up at random when serving "
                   "beyond this computer without one.")
@data_options
def serve(app: Flask, host: str, port: int, threads: int, instructor_token: str | None) -> None:
    """Run the app on waitress, a production WSGI server for Linux, macOS and Windows."""
    import gc

    from annotator.web.wsgi_server import make_server

    # On loopback with no token: single-user mode. Anyone else on the network must not get admin rights.
    behind_proxy = app.config["ANNOTATOR"]["BEHIND_PROXY"]
    try:
        access.check_token(instructor_token)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--instructor-token") from None
    token = access.token_for_serving(host, instructor_token or app.config["ANNOTATOR"]["INSTRUCTOR_TOKEN"],
                                     behind_proxy)
    app.config["ANNOTATOR"]["INSTRUCTOR_TOKEN"] = token
    # Behind a proxy its X-Forwarded-* headers are kept for ProxyFix (create_app); else waitress drops them.
    server = make_server(app, host, port, threads,  # waitress, set up to hold a room: see wsgi_server.py
                         clear_untrusted_proxy_headers=not behind_proxy)
    addresses = network.addresses_for_host(host, network.interface_addresses())
    urls = [address.url(server.effective_port) for address in addresses]
    app.config["ANNOTATOR"]["PARTICIPANT_URLS"] = urls  # the workshop and live pages show the first, and its QR
    url = urls[0] if urls else network.this_computer(host).url(server.effective_port)
    click.echo(f"annotator {__version__} is serving {app.config['ANNOTATOR']['DATA_DIR']}")
    click.echo(f"Open {url} in a browser. Press Ctrl+C to stop.", err=False)
    if token:
        _echo_participant_addresses(host, addresses, server.effective_port)
        click.echo(f"Instructor: open {url}workshop?token={token} once on your own computer (keep this token "
                   "to yourself).")
    sys.stdout.flush()
    # What start-up built (the app, its models, the API document: 135,000 objects) lives until exit; left to
    # the collector, every full collection walks it again, a 70-90 ms pause of all threads under load.
    gc.freeze()
    warming = threading.Thread(target=_warm_ledger, args=(app,), name="warm-ledger", daemon=True)
    warming.start()
    try:
        server.run()
    except KeyboardInterrupt:
        click.echo("Stopped.")
    finally:
        server.close()
        warming.join(timeout=5)  # not past the database's closing, unless a huge ledger is still being read


def _warm_ledger(app: Flask) -> None:
    """Fill the labour ledger's caches while the room arrives, so the first dashboard after a restart is quick."""
    from annotator.store import ledger
    from annotator.store.models import db

    with app.app_context():
        try:
            ledger.warm()
        except Exception:  # a figure that cannot be worked out now is worked out (and reported) when asked for
            logging.getLogger(__name__).exception("could not fill the labour ledger's caches at start")
        finally:
            db.session.remove()


def _echo_participant_addresses(host: str, addresses: list[network.ParticipantAddress], port: int) -> None:
    if not addresses:
        click.echo("Warning: participants cannot reach this computer: it has no network address others can open "
                   "(only loopback, link-local or a virtual bridge such as docker0). Check that the Wi-Fi or cable is "
                   "connected to the room's network, then start again; or give --host this computer's address on "
                   "that network.")
        return
    click.echo("Workshop mode: participants open an address below and type a name to join (the workshop and live "
               "pages show the first one as a QR code).")
    for address in addresses:
        click.echo(f"Participants: open {address.url(port)}" + (f" ({address.interface})" if address.interface else ""))
    if access.is_loopback(host):
        click.echo(f"Note: {host} is reachable from this computer only; serve the room with --host 0.0.0.0.")


@main.command("import-images")
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


@main.command("import-coco")
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


@main.command()
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


@main.command()
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


@main.command("export-masks")
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


@main.group()
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


@main.group()
def labour() -> None:
    """The labour ledger: every polygon's draw, search and edit time, and the raw events."""


@labour.command("export")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--image", "image_id", type=int, help="Only this image's ledger.")
@click.option("--annotator", "who", metavar="PUBLIC_ID|PSEUDONYM|NAME", help="Only this person's ledger.")
@click.option("--names", is_flag=True, help="Show display names beside the pseudonyms (default: pseudonyms only).")
@data_options
def labour_export(app: Flask, out: Path, image_id: int | None, who: str | None, names: bool) -> None:
    """Write the ledger to OUT: the raw events if OUT ends in .csv, else the summary as JSON
    (per polygon, image, person, class and session; durations in milliseconds, named *_ms)."""
    from annotator.core.zip_stream import write_atomically
    from annotator.store import ledger
    from annotator.store.models import Image, db

    if image_id is not None and db.session.get(Image, image_id) is None:
        raise click.UsageError(f"there is no image {image_id}")
    annotator = ledger.find_annotator(who) if who else None
    if who and annotator is None:
        raise click.UsageError(f"no annotator goes by {who!r} (public id, pseudonym or display name)")
    scope = ledger.Scope(image_id=image_id, annotator_id=annotator.id if annotator else None)
    if out.suffix.lower() == ".csv":
        write_atomically(out, (line.encode("utf-8") for line in ledger.events_csv(scope, names=names)))
        click.echo(f"Wrote the raw labour events to {out}.")
        return
    summary = ledger.report(scope, names=names)
    write_atomically(out, [json.dumps(summary, indent=1, ensure_ascii=False).encode("utf-8")])
    totals = summary["totals"]
    click.echo(f"Wrote the labour summary to {out}: {totals['polygons']} polygon(s), "
               f"{totals['active_ms'] / 3_600_000:.2f} person-hour(s) of active time, {totals['people']} person(s).")


@labour.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def labour_verify(file: Path) -> None:
    """Recompute every labour figure of a COCO FILE exported with --labour (a .json, or an export ZIP) from
    the events it carries, with the app's own ledger, and report each figure that differs (exit 1), or that
    all match (exit 0). Needs no database: the file alone."""
    import zipfile

    from annotator.core.labour_file import LabourFileError, verify

    try:
        if zipfile.is_zipfile(file):
            with zipfile.ZipFile(file) as archive:
                text = archive.read("annotations.json").decode("utf-8")
        else:
            text = file.read_text(encoding="utf-8")
        verdict = verify(json.loads(text))
    except (KeyError, UnicodeDecodeError, json.JSONDecodeError, LabourFileError) as exc:
        message = f"{file} has no annotations.json" if isinstance(exc, KeyError) else str(exc)
        raise click.UsageError(f"cannot check {file}: {message}") from exc
    if verdict.ok:
        click.echo(f"all {verdict.checked} figures match: every labour figure in {file} follows from its events.")
        return
    for difference in verdict.differences:
        click.echo(str(difference))
    click.echo(f"{len(verdict.differences)} of {verdict.checked} figures differ from what the events give.", err=True)
    sys.exit(1)


@main.group("workshop")
def workshop_group() -> None:
    """The workshop: back up everything the room made, or start afresh (after a backup)."""


@workshop_group.command("backup")
@data_options
def workshop_backup(app: Flask) -> None:
    """Write a backup ZIP (COCO with timings, the labour ledger with names, raw events, flags and
    proposals) to the data folder's backups/, and print where it went."""
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


@main.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--images/--no-images", "include_images", default=True, show_default=True,
              help="Put the image files in the archive. Without them the archive holds only their sizes and "
                   "checksums, and restore needs the files in the target's data folder (or --images-from).")
@data_options
def backup(app: Flask, out: Path, include_images: bool) -> None:
    """Write a restorable snapshot of everything to the ZIP file OUT, safely while the server runs.

    Every table is read in one transaction, so the snapshot is consistent (a save and its timing events
    are in it together or not at all); the file appears under OUT's name only when complete. Restore it
    with `annotator restore OUT`. (The workshop's `workshop backup` is a different thing: an archive for
    people to read, which cannot be restored.)
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


@main.command()
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


@main.group("db")
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


@main.group()
def samples() -> None:
    """The bundled sample driving scenes."""


@samples.command("render")
@click.argument("out_dir", required=False, type=click.Path(file_okay=False, path_type=Path))
def samples_render(out_dir: Path | None) -> None:
    """Regenerate the sample scenes and ground_truth.json into OUT_DIR (default: the shipped folder).
    The generator is deterministic: the same files every time."""
    from annotator import samples as sample_scenes
    from annotator.paths import shipped_dir

    target = out_dir or shipped_dir("sample_images")
    with click.progressbar(length=sample_scenes.SCENE_COUNT, label="Rendering", file=sys.stderr) as bar:
        written = sample_scenes.write_samples(target, progress=lambda _name: bar.update(1))
    click.echo(f"Wrote {len(written)} file(s) to {target}.")
