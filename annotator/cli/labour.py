"""`annotator labour`: write the labour ledger out, or check a labour export against its own events."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import Flask

from annotator.cli.options import data_options


@click.group()
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
