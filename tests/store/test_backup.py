"""`annotator backup` and `annotator restore` through the command line (click's runner), on SQLite and
PostgreSQL and from one to the other.

What "restored" means here, exactly: (1) the COCO export with labour (`annotator export --labour`) of
the restored installation equals the original's as parsed JSON, apart from `info.date_created` (the
time of the export itself; byte-equality would fail on that one value and nothing else), and (2) a
backup of the restored installation holds byte-identical table files (tables/*.jsonl): every row of
every table, deleted annotations, flags, people, settings and the raw ledger included, with the same
ids, timestamps to the microsecond and floats to the last bit, whichever engine each side runs on.
"""

from __future__ import annotations

import hashlib
import json
import uuid
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from annotator.cli import main
from annotator.core import backup_format
from annotator.store import backup, ledger
from annotator.store.backup import snapshot as snapshots
from annotator.store.backup.tables import model_tables
from annotator.store.models import (
    Annotation,
    Annotator,
    Assignment,
    ClassProposal,
    Image,
    LabourEvent,
    Setting,
    db,
)
from tests.conftest import POSTGRES_URL, make_app, require
from tests.web.test_export import CAR, PERSON, T0, build_scene


@dataclass
class Installation:
    data_dir: Path
    url: str
    engine: str


@pytest.fixture(autouse=True)
def _plain_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # Every command gets its data folder and database as options: nothing leaks from the environment.
    for name in ("ANNOTATOR_DATA_DIR", "ANNOTATOR_DATABASE_URL", "ANNOTATOR_INSTRUCTOR_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ANNOTATOR_LOAD_SAMPLES", "false")


@pytest.fixture
def installations(tmp_path: Path) -> Iterator[Callable[[str], Installation]]:
    """A factory of empty installations: new("sqlite") or new("postgresql") (a fresh schema, dropped after)."""
    schemas: list[str] = []
    admin = None

    def new(engine: str) -> Installation:
        nonlocal admin
        data_dir = tmp_path / f"{engine}-{uuid.uuid4().hex[:6]}"
        if engine == "sqlite":
            return Installation(data_dir, f"sqlite:///{data_dir / 'annotator.sqlite3'}", engine)
        require(bool(POSTGRES_URL), "ANNOTATOR_TEST_POSTGRES_URL is not set")
        admin = admin or create_engine(POSTGRES_URL.replace("postgresql://", "postgresql+psycopg://", 1))
        schema = f"test_{uuid.uuid4().hex[:12]}"
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        schemas.append(schema)
        separator = "&" if "?" in POSTGRES_URL else "?"
        return Installation(data_dir, f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}", engine)

    yield new
    if admin is not None:
        with admin.begin() as connection:
            for schema in schemas:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def cli(place: Installation, *args: str) -> Result:
    return CliRunner().invoke(main, [*args, "--data-dir", str(place.data_dir), "--database-url", place.url],
                              catch_exceptions=False)


def build_installation(app: Flask) -> None:
    """The export tests' scene (three images, two people, a hole, repairs, an archived class, a deleted
    outline, an imported one, the ledger of two sessions) and a workshop's extras: a participant with a
    name key, a flagged outline tied to a class proposal, an assignment, workshop settings."""
    scene = build_scene(app)
    with app.app_context():
        amara = Annotator(public_id=str(uuid.uuid4()), display_name="Amara", name_key="amara", created_at=T0)
        db.session.add(amara)
        db.session.flush()
        proposal = ClassProposal(name="e-scooter", definition="two small wheels, standing rider",
                                 annotator_id=amara.id, created_at=T0)
        db.session.add(proposal)
        db.session.flush()
        flagged = db.session.get(Annotation, scene.ids["person_bob"])
        flagged.flag, flagged.flag_reason, flagged.flag_category_id = "unsure", "behind glass?", PERSON
        flagged.proposal_id = proposal.id
        db.session.add(Assignment(annotator_id=amara.id, image_id=scene.images["street"], assigned_at=T0,
                                  done_at=T0 + timedelta(seconds=90, microseconds=123_456)))
        db.session.add(Setting(key="workshop", value={"assignment": "same", "share_layers": True,
                                                      "image_ids": [scene.images["street2"], scene.images["street"]]}))
        db.session.add(LabourEvent(image_id=scene.images["street2"], annotator_id=amara.id, session_id="s-amara",
                                   seq=1, kind="vertex", client_time_ms=0.1 + 0.2, sent_ms=1234.5678901234567,
                                   annotation_client_id=scene.client_ids["person_bob"],
                                   received_at=T0 + timedelta(microseconds=7), data={"point": [1.5, 2.25], "é": "ü"}))
        db.session.commit()
        ledger.recount_sessions()  # written straight into the table: its session opened as a first batch would


@pytest.fixture
def original(app: Flask, data_dir: Path, database_url: str | None) -> Installation:
    build_installation(app)
    engine = "postgresql" if database_url else "sqlite"
    return Installation(data_dir, database_url or f"sqlite:///{data_dir / 'annotator.sqlite3'}", engine)


def exported(place: Installation, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / f"export-{uuid.uuid4().hex[:6]}.json"
    result = cli(place, "export", str(out), "--labour")
    assert result.exit_code == 0, result.output
    audit = CliRunner().invoke(main, ["labour", "verify", str(out)], catch_exceptions=False)
    assert audit.exit_code == 0 and audit.output.startswith("all "), audit.output  # it audits itself
    dataset = json.loads(out.read_text(encoding="utf-8"))
    del dataset["info"]["date_created"]  # the moment of the export, not of the data
    return dataset


def backed_up(place: Installation, out: Path, *options: str) -> Path:
    result = cli(place, "backup", str(out), *options)
    assert result.exit_code == 0, result.output
    return out


def table_files(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith(backup_format.TABLES_DIR)}


def other(engine: str) -> str:
    return "sqlite" if engine == "postgresql" else "postgresql"


# --- a restore gives the same installation back ------------------------------------------------------------


@pytest.mark.parametrize("target_engine", ["same", "other"])
def test_restore_gives_back_the_same_export_and_every_row(original, installations, tmp_path, target_engine):
    snapshot = backed_up(original, tmp_path / "snapshot.zip")
    target = installations(original.engine if target_engine == "same" else other(original.engine))

    restored = cli(target, "restore", str(snapshot))
    assert restored.exit_code == 0, restored.output
    assert "3 image(s)" in restored.output and "3 image file(s) placed" in restored.output

    first, second = exported(original, tmp_path), exported(target, tmp_path)
    assert second == first
    assert len(first["annotations"]) == 8 and any("labour" in a["attributes"] for a in first["annotations"])
    # Every row of every table, byte for byte, including what the export leaves out.
    assert table_files(backed_up(target, tmp_path / "again.zip")) == table_files(snapshot)
    # The restored image files are the original ones.
    for image in first["images"]:
        with make_app(original.data_dir, original.url).app_context():
            stored = db.session.get(Image, image["id"]).stored_path
        restored_file, original_file = target.data_dir / "images" / stored, original.data_dir / "images" / stored
        assert restored_file.read_bytes() == original_file.read_bytes()


def test_the_restored_installation_takes_new_work_after_the_restored_ids(original, installations, tmp_path):
    # PostgreSQL's sequences must move past the restored ids, or the next save collides with a restored row.
    target = installations(original.engine)
    assert cli(target, "restore", str(backed_up(original, tmp_path / "s.zip"))).exit_code == 0
    app = make_app(target.data_dir, target.url)
    client = app.test_client()
    page = client.get("/").get_data(as_text=True)
    token = page.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    with app.app_context():
        highest = db.session.scalar(select(Annotation.id).order_by(Annotation.id.desc()).limit(1))
        image_id = db.session.scalar(select(Image.id).limit(1))
    response = client.post(f"/api/images/{image_id}/annotations", headers={"X-CSRFToken": token},
                           json={"client_id": "after-restore-1", "category_id": CAR,
                                 "parts": [{"points": [10, 10, 60, 10, 60, 60, 10, 60]}]})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["annotation"]["id"] == highest + 1


def test_without_images_restore_finds_them_in_the_target_or_another_folder(original, installations, tmp_path):
    snapshot = backed_up(original, tmp_path / "light.zip", "--no-images")
    with zipfile.ZipFile(snapshot) as archive:
        assert not [name for name in archive.namelist() if name.startswith(backup_format.IMAGES_DIR)]
        listed = [json.loads(line) for line in archive.read(backup_format.IMAGES_MANIFEST).splitlines()]
    assert len(listed) == 3 and all(len(entry["sha256"]) == 64 and entry["size"] > 0 for entry in listed)

    target = installations(original.engine)
    refused = cli(target, "restore", str(snapshot))
    assert refused.exit_code == 1
    assert "image files are missing" in refused.output and listed[0]["stored_path"] in refused.output
    assert "Nothing was restored" in refused.output

    from_folder = cli(target, "restore", str(snapshot), "--images-from", str(original.data_dir / "images"))
    assert from_folder.exit_code == 0, from_folder.output
    assert exported(target, tmp_path) == exported(original, tmp_path)


def test_force_replaces_a_target_that_has_work(original, tmp_path):
    snapshot = backed_up(original, tmp_path / "s.zip")
    before = exported(original, tmp_path)
    with make_app(original.data_dir, original.url).app_context():  # work done after the backup
        db.session.execute(Annotation.__table__.update().values(deleted=True))
        db.session.commit()
    assert exported(original, tmp_path)["annotations"] == []

    refused = cli(original, "restore", str(snapshot))
    assert refused.exit_code == 1
    assert "not empty" in refused.output and "--force" in refused.output
    assert exported(original, tmp_path)["annotations"] == []  # untouched

    forced = cli(original, "restore", str(snapshot), "--force")
    assert forced.exit_code == 0, forced.output
    assert "replaced:" in forced.output
    assert exported(original, tmp_path) == before


# --- refusals: a clear message, a non-zero status, and nothing changed ----------------------------------------


@contextmanager
def rewritten(source: Path, out: Path, change: Callable[[str, bytes], bytes | None]) -> Iterator[Path]:
    """A copy of the archive with some members changed (None drops one), keeping the original manifest
    unless `change` rewrites it too."""
    with zipfile.ZipFile(source) as archive, zipfile.ZipFile(out, "w") as copy:
        for info in archive.infolist():
            data = change(info.filename, archive.read(info.filename))
            if data is not None:
                copy.writestr(info, data)
    yield out


def flip_in_stored_member(data: bytes, member: bytes) -> bytes:
    at = data.index(member) + len(member) + 200
    return data[:at] + bytes([data[at] ^ 0xFF]) + data[at + 1:]


def target_state(place: Installation) -> tuple[dict[str, list[tuple]], list[str]]:
    """Every row of the target and every file in its image store: what a refused restore must not touch."""
    if not place.data_dir.exists():
        return {}, []
    with make_app(place.data_dir, place.url).app_context():
        rows = {table.name: [tuple(row) for row in db.session.execute(select(table).order_by(
            *table.primary_key.columns))] for table in model_tables()}
    files = sorted(str(p.relative_to(place.data_dir)) for p in (place.data_dir / "images").rglob("*"))
    return rows, files


def refusals(snapshot: Path, tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """name -> (a damaged or wrong archive, what the message must say)."""
    whole = snapshot.read_bytes()
    cases: dict[str, tuple[Path, str]] = {}
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(whole[: len(whole) * 2 // 3])
    cases["truncated"] = (truncated, "not a readable ZIP file")
    text_file = tmp_path / "notes.zip"
    text_file.write_text("just some notes\n")
    cases["not a zip"] = (text_file, "not a readable ZIP file")
    other_zip = tmp_path / "other.zip"
    with zipfile.ZipFile(other_zip, "w") as archive:
        archive.writestr("annotations.json", "{}")
    cases["a zip but not a backup"] = (other_zip, "no manifest.json")
    # A stored image member with one byte flipped: zip's own CRC catches it as the member is measured.
    damaged = tmp_path / "damaged.zip"
    damaged.write_bytes(flip_in_stored_member(whole, backup_format.IMAGES_DIR.encode()))
    cases["a damaged member"] = (damaged, "damaged")

    def edit_annotation(name: str, data: bytes) -> bytes:
        return data.replace(b'"iscrowd":false', b'"iscrowd":true', 1) if name.endswith("annotation.jsonl") else data

    with rewritten(snapshot, tmp_path / "edited.zip", edit_annotation) as edited:
        cases["a member edited (valid zip, checksum differs)"] = (edited, "checksum mismatch")

    def revision(value: str) -> Callable[[str, bytes], bytes]:
        def change(name: str, data: bytes) -> bytes:
            if name != backup_format.MANIFEST:
                return data
            return json.dumps({**json.loads(data), "alembic_revision": value}).encode()
        return change

    with rewritten(snapshot, tmp_path / "newer.zip", revision("0099_from_the_future")) as newer:
        cases["a newer schema"] = (newer, "newer than this annotator knows")
    with rewritten(snapshot, tmp_path / "older.zip", revision("0002")) as older:
        cases["an older schema"] = (older, "is older than this annotator's")
    with rewritten(snapshot, tmp_path / "dropped.zip",
                   lambda name, data: None if name.endswith("labour_event.jsonl") else data) as dropped:
        cases["a member missing"] = (dropped, "missing from the archive")
    with rewritten(snapshot, tmp_path / "noimage.zip",
                   lambda name, data: None if name.startswith(backup_format.IMAGES_DIR) else data) as no_image:
        cases["an image file missing"] = (no_image, "missing from the archive")

    def forged(name: str, data: bytes) -> bytes:
        if name != backup_format.MANIFEST:
            return data
        return json.dumps({**json.loads(data), "format": "something-else"}).encode()

    with rewritten(snapshot, tmp_path / "forged.zip", forged) as other_format:
        cases["another format"] = (other_format, "does not describe an annotator backup")
    return cases


def test_a_bad_archive_is_refused_clearly_and_changes_nothing(original, installations, tmp_path):
    snapshot = backed_up(original, tmp_path / "snapshot.zip")
    target = installations(original.engine)
    assert cli(target, "labels", "show").exit_code == 0  # a first start: the default label set, no work
    before = target_state(target)
    for case, (archive, message) in refusals(snapshot, tmp_path).items():
        result = cli(target, "restore", str(archive))
        assert result.exit_code == 1, (case, result.output)
        assert message in result.output, (case, result.output)
        assert "Nothing was restored." in result.output, case
        assert "Traceback" not in result.output, case
        assert target_state(target) == before, case
    # ... and the same target takes the good snapshot.
    assert cli(target, "restore", str(snapshot)).exit_code == 0
    assert target_state(target) != before


def test_a_restore_that_fails_in_the_database_leaves_no_rows_and_no_files(original, installations, tmp_path):
    # A forged archive whose checksums are right but whose rows the database refuses (a duplicate
    # primary key in the last table): the transaction rolls back and the placed image files go again.
    snapshot = backed_up(original, tmp_path / "snapshot.zip")
    with zipfile.ZipFile(snapshot) as archive:
        manifest = json.loads(archive.read(backup_format.MANIFEST))
        members = {name: archive.read(name) for name in archive.namelist() if name != backup_format.MANIFEST}
    last = backup_format.table_member(model_tables()[-1].name)
    first_line = members[last].splitlines(keepends=True)[0]
    members[last] += first_line
    manifest["tables"][model_tables()[-1].name]["rows"] += 1
    for name, data in members.items():
        manifest["members"][name] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        archive.writestr(backup_format.MANIFEST, json.dumps(manifest))

    target = installations(original.engine)
    assert cli(target, "labels", "show").exit_code == 0
    before = target_state(target)
    result = cli(target, "restore", str(forged))
    assert result.exit_code == 1, result.output
    assert "the database refused the backup's rows" in result.output
    assert target_state(target) == before


# --- the snapshot is one transaction --------------------------------------------------------------------------


def half_saved(path: Path, client_id: str) -> bool:
    """Whether the snapshot holds one half of a save (the annotation without its events, or the events
    without the annotation): a torn snapshot."""
    with zipfile.ZipFile(path) as archive:
        annotations = {json.loads(line)["client_id"] for line in archive.read("tables/annotation.jsonl").splitlines()}
        events = {json.loads(line)["annotation_client_id"]
                  for line in archive.read("tables/labour_event.jsonl").splitlines()}
    return (client_id in annotations) != (client_id in events)


def save_with_events(app: Flask, client_id: str) -> None:
    """What one save does, from another connection: an annotation and its events, in one commit."""
    with Session(db.engine) as session, session.begin():
        image_id = session.scalar(select(Image.id).limit(1))
        session.add(Annotation(client_id=client_id, image_id=image_id, category_id=CAR, parts=[{"points": [
            0, 0, 9, 0, 9, 9]}], bbox=[0, 0, 9, 9], attributes={}))
        session.add(LabourEvent(image_id=image_id, session_id=f"s-{client_id}", seq=1, kind="close",
                                annotation_client_id=client_id, client_time_ms=5.0, data={}))


@pytest.mark.parametrize("snapshot", ["one transaction", "a transaction per table"])
def test_a_save_committed_between_two_tables_is_in_the_snapshot_whole_or_not_at_all(
        app, original, tmp_path, monkeypatch, snapshot):
    """The ledger's table and the annotations' are read one after the other; a save committed in between
    adds to both. In one transaction neither half is seen; reading each table on its own (the mistake this
    guards against) shows one half of the save without the other, and the check below catches that."""
    if snapshot == "a transaction per table":
        monkeypatch.setattr(snapshots, "snapshot_connection", lambda connection: connection)
        monkeypatch.setattr(snapshots, "snapshot_transaction", lambda connection: _no_transaction())
    order = [table.name for table in model_tables()]
    first = min("annotation", "labour_event", key=order.index)

    def interleave(table: str) -> None:
        if table == first:
            save_with_events(app, "between-tables-1")

    with app.app_context():
        backup.write_backup(tmp_path / "b.zip", include_images=False, after_table=interleave)
        assert db.session.scalar(select(Annotation.id).where(Annotation.client_id == "between-tables-1"))
    assert half_saved(tmp_path / "b.zip", "between-tables-1") == (snapshot == "a transaction per table")


@contextmanager
def _no_transaction() -> Iterator[None]:
    yield


def test_backup_replaces_out_only_when_complete(original, tmp_path, monkeypatch):
    # A crash halfway (here: an image file that cannot be read) leaves the previous backup under OUT's
    # name and no partial file beside it.
    out = backed_up(original, tmp_path / "b.zip")
    previous = out.read_bytes()

    def fail(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("disk on fire")

    monkeypatch.setattr(snapshots, "_write_images", fail)
    result = cli(original, "backup", str(out))
    assert result.exit_code == 1 and "disk on fire" in result.output
    assert out.read_bytes() == previous
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".b.zip")) == []

