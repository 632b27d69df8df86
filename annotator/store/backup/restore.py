"""Restoring a snapshot: `annotator restore IN`.

Restore checks the whole archive first (manifest, every member's checksum, the schema revision, every
image file), then places the image files, then writes the database in one transaction: all or nothing. A
failure takes back the files it placed. Members it does not need (the workshop archive's export/) are checked
like every other member and otherwise left alone.
"""

from __future__ import annotations

import contextlib
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from annotator.core.backup_format import (
    COPY_CHUNK,
    IMAGES_MANIFEST,
    MANIFEST,
    BackupError,
    HashingWriter,
    decode_row,
    digest_stream,
    image_member,
    listing,
    member_problems,
    parse_manifest,
    revision_problem,
    safe_relative_path,
    table_member,
    table_problems,
)
from annotator.store import database, library
from annotator.store.backup.tables import BATCH, column_kinds, known_revisions, model_tables
from annotator.store.models import db

# Tables whose rows mean someone's work is in the target: restore refuses to replace them without --force.
WORK_TABLES = ("annotation", "annotator", "labour_event", "class_proposal", "assignment")


@dataclass
class RestoreReport:
    tables: dict[str, int]  # name -> rows restored
    images_placed: int  # files copied from the archive into the image store
    images_present: int  # files already in the store (or --images-from) with the right checksum
    missing_images: list[str]  # allowed with allow_missing_images
    revision: str | None
    replaced: dict[str, int]  # rows of someone's work the target held before (--force)


@dataclass
class CheckedBackup:
    manifest: dict[str, Any]
    images: list[dict[str, Any]]  # the images manifest's entries


def open_archive(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except FileNotFoundError:
        raise BackupError(f"{path}: no such file") from None
    except (zipfile.BadZipFile, OSError) as exc:
        raise BackupError(f"{path} is not a readable ZIP file ({exc}): not an annotator backup, or a "
                          "truncated or damaged one") from None


def check_archive(archive: zipfile.ZipFile) -> CheckedBackup:
    """Read and verify everything before anything is written: the manifest, every member's size and
    sha256, the tables' columns and the schema revision. Raises BackupError naming the problems."""
    try:
        names = archive.namelist()
        if MANIFEST not in names:
            raise BackupError("not an annotator backup: the archive has no manifest.json")
        manifest = parse_manifest(archive.read(MANIFEST))
        digests = {name: _measure(archive, name) for name in names if name in manifest["members"]}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise BackupError(f"the archive is damaged ({exc})") from None
    problems = member_problems(manifest, names, digests)
    problems += table_problems(manifest, {table.name: list(column_kinds(table)) for table in model_tables()})
    if IMAGES_MANIFEST not in manifest["members"]:
        problems.append(f"{IMAGES_MANIFEST}: missing from the manifest")
    if problems:
        raise BackupError(listing("the backup failed its checks", problems))
    revision_error = revision_problem(manifest.get("alembic_revision"), database.head_revision(), known_revisions())
    if revision_error:
        raise BackupError(revision_error)
    images = []
    for number, line in enumerate(archive.read(IMAGES_MANIFEST).splitlines(), 1):
        try:
            entry = json.loads(line)
        except ValueError:
            raise BackupError(f"{IMAGES_MANIFEST} line {number} is not JSON") from None
        if not (isinstance(entry, dict) and safe_relative_path(entry.get("stored_path"))):
            raise BackupError(f"{IMAGES_MANIFEST} line {number}: no safe stored_path")
        images.append(entry)
    return CheckedBackup(manifest, images)


def _measure(archive: zipfile.ZipFile, name: str) -> tuple[int, str]:
    with archive.open(name) as handle:  # zipfile checks the CRC at the end: a damaged member raises
        digest = digest_stream(handle)
    return digest["size"], digest["sha256"]


def work_in_target(connection: Connection) -> dict[str, int]:
    """Rows of someone's work the target holds (annotations, people, events, proposals, assignments,
    images other than the bundled samples); empty if the target is as a first start leaves it."""
    tables = db.metadata.tables
    counts = {name: connection.scalar(select(func.count()).select_from(tables[name])) or 0 for name in WORK_TABLES}
    image = tables["image"]
    counts["image (not a sample)"] = connection.scalar(
        select(func.count()).select_from(image).where(image.c.source != "sample")) or 0
    return {name: count for name, count in counts.items() if count}


def _refusal(work: dict[str, int]) -> str:
    held = ", ".join(f"{count} {name} row(s)" for name, count in work.items())
    return (f"the target database is not empty ({held}); restore refuses to replace someone's work. Restore into "
            "a new data folder or database, or add --force to delete every row of this database and put the "
            "backup's in its place (image files already in the data folder are kept)")


def plan_images(entries: list[dict[str, Any]], archive_names: set[str], store: Path,
                images_from: Path | None) -> tuple[list[dict[str, Any]], list[str]]:
    """For each images-manifest entry: where its file comes from ("archive", "store" or "folder"), or
    a problem (missing, or a file of another size or checksum) when none has it."""
    plan, problems = [], []
    for entry in entries:
        stored_path, sha = entry["stored_path"], entry.get("sha256")
        if sha is None:
            problems.append(f"{stored_path} (image {entry.get('image_id')}): was already missing when the "
                            "backup was made")
            continue
        if image_member(stored_path) in archive_names:
            plan.append({**entry, "source": "archive"})
            continue
        found = None
        for source, root in (("store", store), ("folder", images_from)):
            candidate = root / stored_path if root is not None else None
            if candidate is not None and candidate.is_file():
                with candidate.open("rb") as handle:
                    digest = digest_stream(handle)
                if digest == {"size": entry["size"], "sha256": sha}:
                    found = {**entry, "source": source, "path": str(candidate)}
                    break
                problems.append(f"{stored_path} (image {entry.get('image_id')}): the file in {root} differs "
                                f"from the backup's (size {digest['size']}, sha256 {digest['sha256'][:12]}...)")
        if found:
            plan.append(found)
        elif not any(problem.startswith(f"{stored_path} ") for problem in problems):
            where = f"{store}" + (f" or {images_from}" if images_from else "")
            problems.append(f"{stored_path} (image {entry.get('image_id')}): not in the backup and not in {where}")
    return plan, problems


def restore(path: Path, force: bool = False, images_from: Path | None = None,
            allow_missing_images: bool = False) -> RestoreReport:
    """Put the backup at `path` into the app's database and image store. Needs an app context.

    Everything is checked first; then the image files are placed, then every table is emptied and
    refilled in one transaction. On any failure the database is untouched and files placed are removed."""
    store = library.image_store()
    db.session.remove()  # no session of ours may hold a lock on the target while we write
    with open_archive(path) as archive:
        checked = check_archive(archive)
        if not force:
            with db.engine.connect() as connection:
                work = work_in_target(connection)
            if work:
                raise BackupError(_refusal(work))
        plan, problems = plan_images(checked.images, set(archive.namelist()), store, images_from)
        if problems and not allow_missing_images:
            raise BackupError(listing("image files are missing or differ (bring them back, point "
                                      "--images-from at a folder that has them, or add --allow-missing-images "
                                      "to restore without them)", problems))
        placed, already = _place_images(archive, plan, store)
        try:
            replaced = _restore_rows(archive, checked.manifest, force)
        except BaseException:
            _take_back(placed)
            raise
    return RestoreReport(tables={name: info["rows"] for name, info in checked.manifest["tables"].items()},
                         images_placed=sum(1 for item in placed if item.is_file()),
                         images_present=already,
                         missing_images=problems, revision=checked.manifest["alembic_revision"], replaced=replaced)


def _place_images(archive: zipfile.ZipFile, plan: list[dict[str, Any]], store: Path) -> tuple[list[Path], int]:
    """Copy the files the plan takes from the archive (or --images-from) into the store; returns the
    files and folders created (so a failed restore can take them back) and how many were there already. A file
    already there with the right checksum is left alone (the store is content-addressed)."""
    placed: list[Path] = []
    already = 0
    try:
        for item in plan:
            if item["source"] == "store":
                already += 1
                continue
            target = store / item["stored_path"]
            if target.is_file():
                with target.open("rb") as handle:
                    if digest_stream(handle) == {"size": item["size"], "sha256": item["sha256"]}:
                        already += 1
                        continue
            for folder in [store, *(store / f for f in reversed(target.relative_to(store).parents[:-1]))]:
                if not folder.is_dir():  # noted, so a failed restore leaves no empty folders behind
                    folder.mkdir()
                    placed.append(folder)
            partial = target.with_name(f".{target.name}.{os.getpid()}.part")
            try:
                with _open_source(archive, item) as source, partial.open("wb") as handle:
                    writer = HashingWriter(handle)
                    while chunk := source.read(COPY_CHUNK):
                        writer.write(chunk)
                if writer.digest() != {"size": item["size"], "sha256": item["sha256"]}:
                    raise BackupError(f"{item['stored_path']}: the file's checksum differs from the images manifest")
                os.replace(partial, target)
                placed.append(target)
            finally:
                partial.unlink(missing_ok=True)
    except BaseException:
        _take_back(placed)
        raise
    return placed, already


def _take_back(placed: list[Path]) -> None:
    """Remove the files and folders a failed restore made, newest first."""
    for path in reversed(placed):
        with contextlib.suppress(OSError):
            path.rmdir() if path.is_dir() else path.unlink()


def _open_source(archive: zipfile.ZipFile, item: dict[str, Any]) -> IO[bytes]:
    if item["source"] == "archive":
        return archive.open(image_member(item["stored_path"]))
    return Path(item["path"]).open("rb")  # the caller's `with` closes it


def _restore_rows(archive: zipfile.ZipFile, manifest: dict[str, Any], force: bool) -> dict[str, int]:
    """Empty every table and insert the backup's rows, in one transaction; reset PostgreSQL's sequences."""
    tables = model_tables()
    with db.engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            connection.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock now, not halfway through
        else:  # PostgreSQL: nobody reads a half-restored table or writes between the check and the insert
            connection.execute(text("LOCK TABLE " + ", ".join(t.name for t in tables) + " IN ACCESS EXCLUSIVE MODE"))
        try:
            work = work_in_target(connection)  # again, inside the transaction: nobody slipped in since
            if work and not force:
                raise BackupError(_refusal(work))
            for table in reversed(tables):
                connection.execute(table.delete())
            for table in tables:
                _insert_table(connection, archive, table, manifest["tables"][table.name]["rows"], sqlite)
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection, tables)
            connection.commit()
        except SQLAlchemyError as exc:
            connection.rollback()
            raise BackupError(f"the database refused the backup's rows, nothing was restored "
                              f"({type(exc).__name__}: {str(exc).splitlines()[0][:300]})") from None
        except BaseException:
            connection.rollback()
            raise
    return work


def _insert_table(connection: Connection, archive: zipfile.ZipFile, table: Table, expected_rows: int,
                  naive_datetimes: bool) -> None:
    kinds = column_kinds(table)
    batch: list[dict[str, Any]] = []
    count = 0
    with archive.open(table_member(table.name)) as handle:
        for number, line in enumerate(handle, 1):
            try:
                batch.append(decode_row(kinds, line, naive_datetimes))
            except ValueError as exc:
                raise BackupError(f"{table_member(table.name)} line {number}: {exc}") from None
            count += 1
            if len(batch) >= BATCH:
                connection.execute(table.insert(), batch)
                batch = []
    if batch:
        connection.execute(table.insert(), batch)
    if count != expected_rows:
        raise BackupError(f"{table_member(table.name)}: {count} rows, the manifest says {expected_rows}")


def _reset_sequences(connection: Connection, tables: list[Table]) -> None:
    """Rows came with their ids, which PostgreSQL's sequences did not hand out: move each sequence past
    the largest id, or the next save would collide with a restored row."""
    for table in tables:
        for column in table.primary_key.columns:
            if column.autoincrement is False or column.type.python_type is not int:
                continue
            connection.execute(text(
                f"SELECT setval(pg_get_serial_sequence(:table, :column), "
                f"COALESCE((SELECT MAX({column.name}) FROM {table.name}), 0) + 1, false)"),
                {"table": table.name, "column": column.name})
