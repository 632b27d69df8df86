"""The backup's format, as plain functions: what an `annotator backup` ZIP holds, how rows travel in it, and
the checks restore runs on it before anything is written.

    manifest.json        format and app version, alembic revision, engine, when, row counts per table,
                         the size and sha256 of every other member (written last)
    tables/NAME.jsonl    every row of every table in annotator.store.models, one JSON object per line, columns
                         encoded by type (datetimes as UTC ISO 8601, bytes as base64, JSON as JSON)
    images.jsonl         the images manifest: per image row, its stored file's path, size and sha256
    images/PATH          the stored image files themselves (unless --no-images)
    export/NAME          optional, for people rather than restore: the workshop's archive puts its export here
                         (COCO with each annotation's ledger, the labour report with names, the raw events)

Every member is listed in the manifest with its size and sha256, so restore notices any change or damage.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import IO, Any

FORMAT = "annotator-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
IMAGES_MANIFEST = "images.jsonl"
TABLES_DIR = "tables/"
IMAGES_DIR = "images/"
EXPORT_DIR = "export/"
COPY_CHUNK = 1 << 20


class BackupError(Exception):
    """A backup that cannot be written, or an archive that cannot be restored; the message says why."""


# --- encoding values and rows --------------------------------------------------------------------------


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


# --- the manifest and its checks ---------------------------------------------------------------------------------


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
                   images: Mapping[str, Any], export: Iterable[str] = ()) -> dict[str, Any]:
    """The manifest: what made the backup, what it holds, and a checksum for every other member.

    `tables`: name -> {"rows": n, "columns": [...]}; `members`: zip name -> {"size": n, "sha256": hex};
    `images`: {"included": bool, "count": n, "bytes": n, "missing": [paths unreadable at backup time]};
    `export`: the export's members (restore leaves them alone; their checksums are in `members`)."""
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "app_version": app_version,
            "alembic_revision": revision, "created_at": created_at.astimezone(UTC).isoformat(),
            "engine": engine, "tables": {name: dict(info) for name, info in tables.items()},
            "images": dict(images), "export": list(export),
            "members": {name: dict(info) for name, info in members.items()}}


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

def export_member(name: str) -> str:
    """Where a file of the export travels: under export/, a plain file name (no folders, nothing hidden)."""
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise BackupError(f"{name!r} is not a plain file name for the backup's export")
    return f"{EXPORT_DIR}{name}"


def listing(headline: str, problems: list[str], limit: int = 20) -> str:
    """Problems as an indented list under a headline, at most `limit` of them."""
    shown = "\n".join(f"  {problem}" for problem in problems[:limit])
    more = f"\n  ... and {len(problems) - limit} more" if len(problems) > limit else ""
    return f"{headline}:\n{shown}{more}"


# --- checksums -----------------------------------------------------------------------------------------


class HashingWriter:
    """Writes to a zip member while measuring it, so the manifest's checksum is of what was written."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle, self.sha, self.size = handle, hashlib.sha256(), 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        self.sha.update(data)
        self.size += len(data)

    def digest(self) -> dict[str, Any]:
        return {"size": self.size, "sha256": self.sha.hexdigest()}


def digest_stream(handle: IO[bytes]) -> dict[str, Any]:
    """The size and sha256 of what `handle` holds, read to the end."""
    sha, size = hashlib.sha256(), 0
    while chunk := handle.read(COPY_CHUNK):
        sha.update(chunk)
        size += len(chunk)
    return {"size": size, "sha256": sha.hexdigest()}
