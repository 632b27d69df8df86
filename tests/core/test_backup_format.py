"""annotator.core.backup_format: values and rows as they travel in a backup, and the manifest's checks."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone

import pytest

from annotator.core import backup_format

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def test_values_round_trip_whatever_the_engine_hands_back():
    naive = datetime(2026, 3, 1, 9, 0, 0, 123_456)  # SQLite: naive UTC
    aware = datetime(2026, 3, 1, 10, 0, 0, 123_456, tzinfo=timezone(timedelta(hours=1)))  # PostgreSQL
    assert backup_format.encode_value("datetime", naive) == backup_format.encode_value("datetime", aware) == \
        "2026-03-01T09:00:00.123456+00:00"
    assert backup_format.decode_value("datetime", "2026-03-01T09:00:00.123456+00:00") == naive.replace(tzinfo=UTC)
    assert backup_format.decode_value("datetime", "2026-03-01T09:00:00.123456+00:00", naive_datetimes=True) == naive
    assert backup_format.decode_value("bytes", backup_format.encode_value("bytes", b"\x00\xff")) == b"\x00\xff"
    kinds = {"id": "plain", "x": "plain", "data": "json", "at": "datetime"}
    row = {"id": 7, "x": 0.1 + 0.2, "data": {"b": [1.5, None], "a": "é"}, "at": None}
    assert backup_format.decode_row(kinds, backup_format.encode_row(kinds, row)) == row
    with pytest.raises(ValueError, match="expected the columns"):
        backup_format.decode_row(kinds, '{"id": 1}')


def test_manifest_checks_name_every_problem():
    manifest = backup_format.parse_manifest(json.dumps(backup_format.build_manifest(
        app_version="0.1.0", revision="0003", created_at=T0, engine="sqlite",
        tables={"t": {"rows": 1, "columns": ["id"]}}, images={"included": False, "count": 0, "bytes": 0},
        members={"tables/t.jsonl": {"size": 3, "sha256": "a" * 64}, "images.jsonl": {"size": 0, "sha256": "b" * 64}},
    )).encode())
    assert backup_format.member_problems(manifest, ["manifest.json", "tables/t.jsonl", "images.jsonl"],
                                  {"tables/t.jsonl": (3, "a" * 64), "images.jsonl": (0, "b" * 64)}) == []
    assert backup_format.member_problems(manifest, ["tables/t.jsonl", "extra"], {"tables/t.jsonl": (3, "c" * 64)}) == [
        "images.jsonl: missing from the archive", "extra: in the archive but not in the manifest",
        "tables/t.jsonl: checksum mismatch (the file was changed or damaged)"]
    assert backup_format.table_problems(manifest, {"t": ["id"]}) == []
    assert backup_format.table_problems(manifest, {"t": ["id", "name"], "u": ["id"]}) == [
        "table u: missing from the backup", "table t: its columns differ from this annotator's schema"]
    assert backup_format.revision_problem("0003", "0003", ["0001", "0002", "0003"]) is None
    assert "newer" in backup_format.revision_problem("0004", "0003", ["0001", "0002", "0003"])
    assert "older" in backup_format.revision_problem("0002", "0003", ["0001", "0002", "0003"])
    with pytest.raises(backup_format.BackupError, match="newer than this annotator reads"):
        backup_format.parse_manifest(json.dumps({**manifest, "format_version": 99}).encode())
    for path in ("../x.jpg", "/etc/passwd", "a/../../b", "c:/x", "a\\b", ""):
        assert not backup_format.safe_relative_path(path), path
    assert backup_format.safe_relative_path("ab/abcdef.jpg")
