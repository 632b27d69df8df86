"""The data folder holds participants' names and timings: owner-only folders (0700) and files (0600)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.conftest import csrf_of, image_bytes, make_app, upload

# POSIX permissions (CI runs on Linux; Windows keeps its ACLs). SQLite: its files are the data folder's.
pytestmark = pytest.mark.parametrize("database_url", [None])


@pytest.fixture(autouse=True)
def login_umask():
    """Start from the usual login umask (022), as a fresh process has it: annotator must set its own. The
    test process's umask is put back afterwards."""
    before = os.umask(0o022)
    yield
    os.umask(before)


def modes(folder: Path) -> dict[str, int]:
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        if not path.is_symlink():
            found[path.relative_to(folder).as_posix()] = stat.S_IMODE(path.stat().st_mode)
    return found


def loose(folder: Path) -> dict[str, str]:
    """Everything in `folder` that is not exactly 0700 (folders) or 0600 (files)."""
    return {name: oct(mode) for name, mode in modes(folder).items()
            if mode != (0o700 if (folder / name).is_dir() else 0o600)}


def test_a_fresh_data_folder_is_private_after_saves_and_backups(data_dir, database_url, run, tmp_path):
    app = make_app(data_dir, database_url)
    client = app.test_client()
    headers = csrf_of(client)
    image_id = upload(client, headers, ("street.jpg", image_bytes(200, 100))).get_json()["items"][0]["id"]
    assert client.get(f"/images/{image_id}/thumbnail").status_code == 200
    saved = client.post(f"/api/images/{image_id}/annotations", headers=headers, json={
        "client_id": "polygon-0001", "category_id": 7, "parts": [{"points": [10, 10, 110, 10, 110, 60, 10, 60]}]})
    assert saved.status_code == 201
    written = modes(data_dir)
    assert {"annotator.sqlite3", "annotator.sqlite3-wal", "annotator.sqlite3-shm", "secret_key"} <= set(written)
    assert any(name.startswith("images/") for name in written) and any(
        name.startswith("thumbnails/") for name in written)
    assert loose(data_dir) == {}

    os.umask(0o022)
    assert run("workshop", "backup").exit_code == 0
    snapshot = tmp_path / "snapshot.zip"
    result = run("backup", str(snapshot))
    assert result.exit_code == 0, result.output
    assert any(name.startswith("backups/") for name in modes(data_dir))
    assert loose(data_dir) == {}
    assert stat.S_IMODE(snapshot.stat().st_mode) == 0o600
    assert "private" not in result.stderr  # nothing needed tightening


def test_an_old_world_readable_folder_is_tightened_at_start_and_says_so(data_dir, database_url, run, tmp_path):
    client = make_app(data_dir, database_url).test_client()
    assert upload(client, csrf_of(client), ("street.jpg", image_bytes(200, 100))).status_code == 201
    assert run("workshop", "backup").exit_code == 0
    for path in (data_dir, *data_dir.rglob("*")):  # as an older version left it: 0755 folders, 0644 files
        path.chmod(0o755 if path.is_dir() else 0o644)
    script = data_dir / "notes.sh"
    script.write_text("#!/bin/sh\n")
    script.chmod(0o755)
    outside = tmp_path / "elsewhere.txt"
    outside.write_text("not annotator's")
    outside.chmod(0o644)
    (data_dir / "link-out").symlink_to(outside)

    result = run("db", "current")
    assert result.exit_code == 0, result.output
    assert f"Made the data folder {data_dir.resolve()} private" in result.stderr
    assert result.stderr.count("private") == 1  # one line, not one per file
    assert loose(data_dir) == {"notes.sh": "0o700"}  # the owner keeps the execute bit, others lose everything
    assert stat.S_IMODE(outside.stat().st_mode) == 0o644  # a link is not followed out of the folder

    again = run("db", "current")
    assert again.exit_code == 0 and "private" not in again.stderr
    copied_in = data_dir / "backups" / "workshop-from-a-usb-stick.zip"  # the folder is private: only the top
    copied_in.write_bytes(b"PK")                                        # level and backups/ are checked now
    copied_in.chmod(0o644)
    third = run("db", "current")
    assert "took the group and others' access off 1 folder(s) and file(s)" in third.stderr
    assert stat.S_IMODE(copied_in.stat().st_mode) == 0o600
