"""Restorable snapshots: `annotator backup OUT` and `annotator restore IN`.

A backup is one ZIP file:

    manifest.json        format and app version, alembic revision, engine, when, row counts per table,
                         the size and sha256 of every other member (written last)
    tables/NAME.jsonl    every row of every table in annotator.store.models, one JSON object per line, columns
                         encoded by type (datetimes as UTC ISO 8601, bytes as base64, JSON as JSON)
    images.jsonl         the images manifest: per image row, its stored file's path, size and sha256
    images/PATH          the stored image files themselves (unless --no-images)

Every table is read in ONE read transaction (SQLite in WAL mode: one read transaction sees one snapshot
while the server keeps writing; PostgreSQL: REPEATABLE READ, READ ONLY), so a save and the labour events
that rode with it are in the backup together or not at all. The image files are read after that
transaction ends: they are content-addressed (the name is the hash of the original), so a path never
changes content. The file is written beside OUT under a temporary name and renamed when complete.

Restore checks the whole archive first (manifest, every member's checksum, the schema revision, every
image file), then writes the database in one transaction: all or nothing.

This is not the workshop's backup (annotator.store.workshop.write_backup): that one is an archive for people
(COCO, the ledger with names, a CSV); this one is a snapshot for machines, to put an installation back.

The pure parts (value and row encoding, the manifest, its checks) are plain functions at the top; the
database and file shell is below them.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any

from sqlalchemy import JSON, Column, DateTime, LargeBinary, Table, func, select, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

FORMAT = "annotator-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
IMAGES_MANIFEST = "images.jsonl"
TABLES_DIR = "tables/"
IMAGES_DIR = "images/"
BATCH = 1000  # rows per fetch and per INSERT
COPY_CHUNK = 1 << 20
# Tables whose rows mean someone's work is in the target: restore refuses to replace them without --force.
WORK_TABLES = ("annotation", "annotator", "labour_event", "class_proposal", "assignment")


class BackupError(Exception):
    """A backup that cannot be written, or an archive that cannot be restored; the message says why."""


# --- encoding values and rows (pure) -------------------------------------------------------------------


def column_kind(column: Column) -> str:
    """How a column's values travel: "datetime", "bytes", "json" or "plain" (str, int, float, bool)."""
    if isinstance(column.type, DateTime):
        return "datetime"
    if isinstance(column.type, LargeBinary):
        return "bytes"
    if isinstance(column.type, JSON):
        return "json"
    return "plain"


def encode_value(kind: str, value: Any) -> Any:
    """A column value as JSON. Datetimes become UTC ISO 8601 with the offset: SQLite hands back naive UTC,
    PostgreSQL aware values in the session's zone, and both must read the same in the other engine."""
    if value is None:
        return None
    if kind == "datetime":
        aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return aware.isoformat()
    if kind == "bytes":
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def decode_value(kind: str, value: Any, naive_datetimes: bool = False) -> Any:
    """The inverse of encode_value; `naive_datetimes` for SQLite, which keeps UTC wall time without a zone."""
    if value is None:
        return None
    if kind == "datetime":
        if not isinstance(value, str):
            raise ValueError(f"expected a date and time, got {value!r}")
        moment = datetime.fromisoformat(value)
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
        return moment.replace(tzinfo=None) if naive_datetimes else moment
    if kind == "bytes":
        return base64.b64decode(value, validate=True)
    return value


def encode_row(kinds: Mapping[str, str], row: Mapping[str, Any]) -> str:
    """One row as one JSON line (keys in column order); floats round-trip exactly through repr."""
    return json.dumps({name: encode_value(kind, row[name]) for name, kind in kinds.items()},
                      ensure_ascii=False, separators=(",", ":")) + "\n"


def decode_row(kinds: Mapping[str, str], line: str | bytes, naive_datetimes: bool = False) -> dict[str, Any]:
    """One JSON line back to column values; a missing or unknown column is an error, not a guess."""
    raw = json.loads(line)
    if not isinstance(raw, dict) or set(raw) != set(kinds):
        got = sorted(raw) if isinstance(raw, dict) else type(raw).__name__
        raise ValueError(f"expected the columns {sorted(kinds)}, got {got}")
    return {name: decode_value(kind, raw[name], naive_datetimes) for name, kind in kinds.items()}


# --- the manifest (pure) -------------------------------------------------------------------------------


def table_member(table_name: str) -> str:
    return f"{TABLES_DIR}{table_name}.jsonl"


def image_member(stored_path: str) -> str:
    return f"{IMAGES_DIR}{stored_path}"


def safe_relative_path(path: Any) -> bool:
    """A stored path restore may write under the image store: relative, forward slashes, no `..`."""
    if not isinstance(path, str) or not path or "\\" in path or "\x00" in path or ":" in path:
        return False
    parts = PurePosixPath(path).parts
    return not path.startswith("/") and all(part not in ("", ".", "..") for part in parts)


def build_manifest(*, app_version: str, revision: str | None, created_at: datetime, engine: str,
                   tables: Mapping[str, Mapping[str, Any]], members: Mapping[str, Mapping[str, Any]],
                   images: Mapping[str, Any]) -> dict[str, Any]:
    """The manifest: what made the backup, what it holds, and a checksum for every other member.

    `tables`: name -> {"rows": n, "columns": [...]}; `members`: zip name -> {"size": n, "sha256": hex};
    `images`: {"included": bool, "count": n, "bytes": n, "missing": [paths unreadable at backup time]}."""
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "app_version": app_version,
            "alembic_revision": revision, "created_at": created_at.astimezone(UTC).isoformat(),
            "engine": engine, "tables": {name: dict(info) for name, info in tables.items()},
            "images": dict(images), "members": {name: dict(info) for name, info in members.items()}}


def parse_manifest(raw: bytes) -> dict[str, Any]:
    """manifest.json's bytes -> the manifest, or BackupError if it is not one this version can read."""
    try:
        manifest = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BackupError(f"manifest.json is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("manifest.json does not describe an annotator backup")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise BackupError(f"manifest.json has no valid format_version ({version!r})")
    if version > FORMAT_VERSION:
        raise BackupError(f"the backup uses format {version}, newer than this annotator reads "
                          f"({FORMAT_VERSION}); restore it with the annotator version that wrote it "
                          f"({manifest.get('app_version', 'unknown')}) or a newer one")
    for key, kind in (("tables", dict), ("members", dict), ("images", dict)):
        if not isinstance(manifest.get(key), kind):
            raise BackupError(f"manifest.json lacks its {key!r} section")
    for name, info in manifest["members"].items():
        if not (isinstance(info, dict) and isinstance(info.get("size"), int)
                and isinstance(info.get("sha256"), str) and re.fullmatch(r"[0-9a-f]{64}", info["sha256"])):
            raise BackupError(f"manifest.json: the entry for {name!r} has no valid size and sha256")
    return manifest


def member_problems(manifest: Mapping[str, Any], archive_names: Iterable[str],
                    digests: Mapping[str, tuple[int, str]]) -> list[str]:
    """What is wrong between the manifest and the archive: members missing, unlisted, or whose size or
    sha256 (as measured: `digests` name -> (size, sha256)) differs from the manifest's. Empty if none."""
    listed = manifest["members"]
    present = set(archive_names) - {MANIFEST}
    problems = [f"{name}: missing from the archive" for name in sorted(set(listed) - present)]
    problems += [f"{name}: in the archive but not in the manifest" for name in sorted(present - set(listed))]
    for name in sorted(set(listed) & present):
        if name not in digests:
            continue
        size, sha = digests[name]
        if size != listed[name]["size"] or sha != listed[name]["sha256"]:
            problems.append(f"{name}: checksum mismatch (the file was changed or damaged)")
    return problems


def table_problems(manifest: Mapping[str, Any], expected: Mapping[str, list[str]]) -> list[str]:
    """The manifest's tables against this version's: the same names, each with the same columns."""
    tables = manifest["tables"]
    problems = [f"table {name}: missing from the backup" for name in sorted(set(expected) - set(tables))]
    problems += [f"table {name}: unknown to this annotator" for name in sorted(set(tables) - set(expected))]
    for name in sorted(set(expected) & set(tables)):
        info = tables[name]
        if not isinstance(info, dict) or sorted(info.get("columns") or []) != sorted(expected[name]):
            problems.append(f"table {name}: its columns differ from this annotator's schema")
        elif not isinstance(info.get("rows"), int) or table_member(name) not in manifest["members"]:
            problems.append(f"table {name}: no row count or no member in the manifest")
    return problems


def revision_problem(snapshot: Any, head: str | None, known: list[str]) -> str | None:
    """Why a snapshot of schema `snapshot` cannot go into a database at `head`, or None if it can.

    `known` lists this version's revisions oldest first. Only the same revision is restored: a newer one
    has columns this version does not know; an older one is refused too (rather than restored and
    upgraded), with the way to do it, since restore writes rows straight into today's tables."""
    if snapshot == head:
        return None
    if snapshot not in known:
        return (f"the backup's schema revision {snapshot!r} is newer than this annotator knows (newest: {head}); "
                "restore it with the annotator version that wrote it, or a newer one")
    return (f"the backup's schema revision {snapshot} is older than this annotator's ({head}); restore it with "
            "the annotator version that wrote it (its app_version is in manifest.json), start that version "
            "once with this one to upgrade the database, then back it up again")


# --- writing a backup ----------------------------------------------------------------------------------


@dataclass
class BackupReport:
    path: Path
    bytes: int
    tables: dict[str, int]  # name -> rows
    images: int
    images_included: bool
    images_bytes: int
    missing_images: list[str] = field(default_factory=list)


def model_tables() -> list[Table]:
    """Every table of annotator.store.models in dependency order (a row's references come first); not alembic's."""
    from annotator.store.models import db

    return list(db.metadata.sorted_tables)


def known_revisions() -> list[str]:
    """This version's schema revisions, oldest first."""
    from alembic.script import ScriptDirectory

    from annotator.store import database

    script = ScriptDirectory.from_config(database.alembic_config())
    return [revision.revision for revision in reversed(list(script.walk_revisions()))]


def column_kinds(table: Table) -> dict[str, str]:
    return {column.name: column_kind(column) for column in table.columns}


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


class _HashingWriter:
    """Writes to a zip member while measuring it, so the manifest's checksum is of what was written."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.sha, self.size = handle, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.sha.update(data)
        self.size += len(data)

    def digest(self) -> dict[str, Any]:
        return {"size": self.size, "sha256": self.sha.hexdigest()}


def dump_tables(connection: Connection, archive: zipfile.ZipFile, members: dict[str, dict[str, Any]],
                after_table: Callable[[str], None] | None = None
                ) -> tuple[str | None, dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Write every table's rows into `archive`, all read in one snapshot. Returns the schema revision,
    the tables' counts and columns, and the image rows' ids and stored paths for the images manifest.
    `after_table(name)` runs after each table (tests interleave writes there)."""
    from annotator.store import database

    tables: dict[str, dict[str, Any]] = {}
    image_rows: list[dict[str, Any]] = []
    with snapshot_transaction(connection):
        revision = database.current_revision(connection)  # the first read: it fixes the snapshot
        for table in model_tables():
            kinds = column_kinds(table)
            name = table_member(table.name)
            count = 0
            with archive.open(name, "w", force_zip64=True) as handle:
                writer = _HashingWriter(handle)
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


def write_backup(out: Path, include_images: bool = True,
                 after_table: Callable[[str], None] | None = None) -> BackupReport:
    """Write a snapshot of the app's database (and its image files) to `out`. Needs an app context."""
    from annotator.store import library
    from annotator.store.models import db
    from annotator.version import __version__

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
                writer = _HashingWriter(handle)
                for entry in entries:
                    writer.write((json.dumps(entry, separators=(",", ":")) + "\n").encode("utf-8"))
                members[IMAGES_MANIFEST] = writer.digest()
            images_info = {"included": include_images, "count": len(entries),
                           "bytes": sum(entry["size"] or 0 for entry in entries), "missing": missing}
            manifest = build_manifest(app_version=__version__, revision=revision, created_at=created_at,
                                      engine=db.engine.dialect.name, tables=tables, members=members,
                                      images=images_info)
            archive.writestr(MANIFEST, json.dumps(manifest, indent=1, ensure_ascii=False))
        with partial.open("rb+") as handle:
            os.fsync(handle.fileno())  # on disk before it takes OUT's name
        os.replace(partial, out)
        _fsync_folder(out.parent)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(path=out, bytes=out.stat().st_size, tables={n: t["rows"] for n, t in tables.items()},
                        images=len(entries), images_included=include_images,
                        images_bytes=images_info["bytes"], missing_images=missing)


def _write_images(archive: zipfile.ZipFile, store: Path, image_rows: list[dict[str, Any]], include: bool,
                  members: dict[str, dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """The images manifest's entries (and, if `include`, the files into the archive, stored as they are:
    JPEG, PNG and WebP do not compress further). A file missing from the store is listed, not fatal."""
    from annotator.core import images

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
                    writer = _HashingWriter(handle)
                    while chunk := source.read(COPY_CHUNK):
                        writer.write(chunk)
                members[name] = digest = writer.digest()
                written.add(name)
            else:
                digest = _digest_stream(source)
        entries.append({"image_id": row["id"], "stored_path": row["stored_path"], **digest})
    return entries, missing


def _digest_stream(handle: IO[bytes]) -> dict[str, Any]:
    sha, size = hashlib.sha256(), 0
    while chunk := handle.read(COPY_CHUNK):
        sha.update(chunk)
        size += len(chunk)
    return {"size": size, "sha256": sha.hexdigest()}


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on Windows; the rename is still atomic there
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# --- restoring -----------------------------------------------------------------------------------------


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
    from annotator.store import database

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
        raise BackupError(_listing("the backup failed its checks", problems))
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
        digest = _digest_stream(handle)
    return digest["size"], digest["sha256"]


def _listing(headline: str, problems: list[str], limit: int = 20) -> str:
    shown = "\n".join(f"  {problem}" for problem in problems[:limit])
    more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{headline}:\n{shown}{more}"


def work_in_target(connection: Connection) -> dict[str, int]:
    """Rows of someone's work the target holds (annotations, people, events, proposals, assignments,
    images other than the bundled samples); empty if the target is as a first start leaves it."""
    from annotator.store.models import db

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
                    digest = _digest_stream(handle)
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
    from annotator.store import library
    from annotator.store.models import db

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
            raise BackupError(_listing("image files are missing or differ (bring them back, point "
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
                    if _digest_stream(handle) == {"size": item["size"], "sha256": item["sha256"]}:
                        already += 1
                        continue
            for folder in [store, *(store / f for f in reversed(target.relative_to(store).parents[:-1]))]:
                if not folder.is_dir():  # noted, so a failed restore leaves no empty folders behind
                    folder.mkdir()
                    placed.append(folder)
            partial = target.with_name(f".{target.name}.{os.getpid()}.part")
            try:
                with _open_source(archive, item) as source, partial.open("wb") as handle:
                    writer = _HashingWriter(handle)
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
    from annotator.store.models import db

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
