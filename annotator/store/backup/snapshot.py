"""Writing a snapshot: `annotator backup OUT`, and the workshop's archive (the same snapshot with an export
for people beside it).

Every table is read in ONE read transaction (SQLite in WAL mode: one read transaction sees one snapshot
while the server keeps writing; PostgreSQL: REPEATABLE READ, READ ONLY), so a save and the labour events
that rode with it are in the backup together or not at all. The image files are read after that
transaction ends: they are content-addressed (the name is the hash of the original), so a path never
changes content. The file is written beside OUT under a temporary name and renamed when complete.
"""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from annotator.core import images
from annotator.core.backup_format import (
    COPY_CHUNK,
    IMAGES_MANIFEST,
    MANIFEST,
    HashingWriter,
    build_manifest,
    digest_stream,
    encode_row,
    export_member,
    image_member,
    safe_relative_path,
    table_member,
)
from annotator.store import database, library
from annotator.store.backup.tables import BATCH, column_kinds, model_tables
from annotator.store.models import db
from annotator.version import __version__


@dataclass
class BackupReport:
    path: Path
    bytes: int
    tables: dict[str, int]  # name -> rows
    images: int
    images_included: bool
    images_bytes: int
    missing_images: list[str] = field(default_factory=list)
    export: list[str] = field(default_factory=list)  # the export's members, if any


@contextlib.contextmanager
def snapshot_transaction(connection: Connection) -> Iterator[None]:
    """One read transaction for every query inside: the same snapshot of the whole database.

    SQLite's Python driver does not begin a transaction before a SELECT (each would see the newest data),
    so BEGIN is explicit; in WAL mode the first read fixes the snapshot and writers carry on meanwhile."""
    if connection.dialect.name == "sqlite":
        connection.exec_driver_sql("BEGIN")
    try:
        yield
    finally:
        connection.rollback()  # read-only: nothing to keep


def snapshot_connection(connection: Connection) -> Connection:
    """The connection set up for a snapshot: on PostgreSQL REPEATABLE READ and READ ONLY (a snapshot
    taken at the first query; no need for SERIALIZABLE DEFERRABLE, which could wait on busy writers)."""
    if connection.dialect.name == "postgresql":
        return connection.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return connection

def dump_tables(connection: Connection, archive: zipfile.ZipFile, members: dict[str, dict[str, Any]],
                after_table: Callable[[str], None] | None = None
                ) -> tuple[str | None, dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Write every table's rows into `archive`, all read in one snapshot. Returns the schema revision,
    the tables' counts and columns, and the image rows' ids and stored paths for the images manifest.
    `after_table(name)` runs after each table (tests interleave writes there)."""
    tables: dict[str, dict[str, Any]] = {}
    image_rows: list[dict[str, Any]] = []
    with snapshot_transaction(connection):
        revision = database.current_revision(connection)  # the first read: it fixes the snapshot
        for table in model_tables():
            kinds = column_kinds(table)
            name = table_member(table.name)
            count = 0
            with archive.open(name, "w", force_zip64=True) as handle:
                writer = HashingWriter(handle)
                query = select(table).order_by(*table.primary_key.columns)
                for row in connection.execution_options(yield_per=BATCH).execute(query).mappings():
                    writer.write(encode_row(kinds, row).encode("utf-8"))
                    count += 1
                    if table.name == "image":
                        image_rows.append({"id": row["id"], "stored_path": row["stored_path"]})
            members[name] = writer.digest()
            tables[table.name] = {"rows": count, "columns": list(kinds)}
            if after_table is not None:
                after_table(table.name)
    return revision, tables, image_rows


def write_backup(out: Path, include_images: bool = True, after_table: Callable[[str], None] | None = None,
                 export: Iterable[tuple[str, Iterable[bytes]]] = ()) -> BackupReport:
    """Write a snapshot of the app's database (and its image files) to `out`. Needs an app context.

    `export`: files for people to read, as (name, chunks), put under export/ after the snapshot and listed
    in the manifest with their checksums; restore leaves them alone. They are read after the snapshot's
    transaction, so a save landing in between may be in them and not in the snapshot."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    members: dict[str, dict[str, Any]] = {}
    store = library.image_store()
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
            with db.engine.connect() as plain:
                created_at = datetime.now(UTC)  # before the snapshot: every save acknowledged by now is in it
                revision, tables, image_rows = dump_tables(snapshot_connection(plain), archive, members,
                                                           after_table)
            entries, missing = _write_images(archive, store, image_rows, include_images, members)
            with archive.open(IMAGES_MANIFEST, "w", force_zip64=True) as handle:
                writer = HashingWriter(handle)
                for entry in entries:
                    writer.write((json.dumps(entry, separators=(",", ":")) + "\n").encode("utf-8"))
                members[IMAGES_MANIFEST] = writer.digest()
            exported = _write_export(archive, export, members)
            images_info = {"included": include_images, "count": len(entries),
                           "bytes": sum(entry["size"] or 0 for entry in entries), "missing": missing}
            manifest = build_manifest(app_version=__version__, revision=revision, created_at=created_at,
                                      engine=db.engine.dialect.name, tables=tables, members=members,
                                      images=images_info, export=exported)
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())  # on disk before it takes OUT's name
        os.replace(partial, out)
        _fsync_folder(out.parent)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(path=out, bytes=out.stat().st_size, tables={n: t["rows"] for n, t in tables.items()},
                        images=len(entries), images_included=include_images,
                        images_bytes=images_info["bytes"], missing_images=missing, export=exported)


def _write_export(archive: zipfile.ZipFile, export: Iterable[tuple[str, Iterable[bytes]]],
                  members: dict[str, dict[str, Any]]) -> list[str]:
    """The export's files into the archive, compressed, each measured as it is written."""
    names = []
    for name, chunks in export:
        member = export_member(name)
        if member in members:
            raise ValueError(f"the export names {name!r} twice")
        with archive.open(member, "w", force_zip64=True) as handle:
            writer = HashingWriter(handle)
            for chunk in chunks:
                writer.write(chunk)
        members[member] = writer.digest()
        names.append(member)
    return names


def _write_images(archive: zipfile.ZipFile, store: Path, image_rows: list[dict[str, Any]], include: bool,
                  members: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The images manifest's entries (and, if `include`, the files into the archive, stored as they are:
    JPEG, PNG and WebP do not compress further). A file missing from the store is listed, not fatal."""
    entries: list[dict[str, Any]] = []
    missing: list[str] = []
    written: set[str] = set()
    for row in image_rows:
        path = images.resolve_inside(store, row["stored_path"]) if safe_relative_path(row["stored_path"]) else None
        if path is None:
            missing.append(row["stored_path"])
            entries.append({"image_id": row["id"], "stored_path": row["stored_path"], "size": None, "sha256": None})
            continue
        name = image_member(row["stored_path"])
        with path.open("rb") as source:
            if include and name not in written:
                info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_STORED
                info.file_size = path.stat().st_size
                with archive.open(info, "w", force_zip64=True) as handle:
                    writer = HashingWriter(handle)
                    while chunk := source.read(COPY_CHUNK):
                        writer.write(chunk)
                members[name] = digest = writer.digest()
                written.add(name)
            else:
                digest = digest_stream(source)
        entries.append({"image_id": row["id"], "stored_path": row["stored_path"], **digest})
    return entries, missing

def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on Windows; the rename is still atomic there
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

