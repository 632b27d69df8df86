"""The `annotator` command: serve, import-images, import-coco, export, labour, workshop, backup, restore,
thumbnails, labels, db, samples.

Every subcommand takes --data-dir / ANNOTATOR_DATA_DIR and --database-url / ANNOTATOR_DATABASE_URL,
so they all work on the same data. Long work shows a progress bar on stderr.
"""

from __future__ import annotations

from pathlib import Path

import click

from annotator.cli import backup, database, datasets, labour, library, samples, serve, workshop
from annotator.cli.options import data_location_options
from annotator.version import __version__


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="annotator")
@data_location_options
@click.pass_context
def main(ctx: click.Context, data_dir: Path | None, database_url: str | None) -> None:
    """annotator: outline driving scenes as COCO masks, with the labour behind every label kept.

    --data-dir and --database-url may come before the command's name or after it."""
    ctx.obj = {"DATA_DIR": data_dir, "DATABASE_URL": database_url}


for command in (serve.serve, library.import_images, datasets.import_coco, library.thumbnails, datasets.export,
                datasets.export_masks, library.labels, labour.labour, workshop.workshop_group, backup.backup,
                backup.restore, database.db_group, samples.samples):
    main.add_command(command)
