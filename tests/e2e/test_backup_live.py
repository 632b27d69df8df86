"""`annotator backup` while a real `annotator serve` takes saves from several editors at once, then
`annotator restore` into a new data folder: the snapshot is one moment of the database.

Four writer threads act as four editors (one session each): create an outline with the labour events
of drawing it, then edit it twice, each edit with its own events, and on to the next outline. Every
save and the events riding on it commit together, so in any consistent snapshot an annotation at
version v has exactly the events sent with its saves 1..v, and no event is there without its save.
The backup runs as a subprocess in the middle of the burst.
"""

from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from annotator.core import labour_file
from tests.e2e.conftest import WORKSHOP_TOKEN, LiveServer, run_annotator

pytestmark = pytest.mark.slow

WRITERS = 4
CAR = 7  # in the default label set
EDITS_PER_OUTLINE = 2  # versions 1 (create), 2 and 3


@dataclass
class Save:
    client_id: str
    version: int  # the version this save makes
    events: frozenset[tuple[str, int]]  # (session, seq) sent with it
    sent_at: float  # time.monotonic() when the request left
    acked_at: float | None = None  # when its 200/201 came back


@dataclass
class Editor:
    """One editor page: its own browser session, labour session and clock."""

    server: LiveServer
    number: int
    saves: list[Save] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.http = requests.Session()
        page = self.http.get(self.server.url)
        self.headers = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)}
        joined = self.http.post(f"{self.server.url}api/join", headers=self.headers,
                                json={"name": f"Writer {self.number}"})
        assert joined.status_code == 201, joined.text
        # One person, one page, one image: a person's sessions are credited together (their time is a union),
        # so sessions overlapping in time would share moments, and a snapshot cut through them credit otherwise.
        self.session_id = f"live-backup-session-{self.number}"
        self.seq, self.start = 0, time.monotonic()

    def _events(self, client_id: str, kinds: list[str]) -> list[dict[str, Any]]:
        events = []
        for kind in kinds:
            self.seq += 1
            events.append({"seq": self.seq, "kind": kind, "t": self._now(), "annotation": client_id,
                           "data": {"writer": self.number}})
        return events

    def _now(self) -> float:
        return round((time.monotonic() - self.start) * 1000, 3)

    def _send(self, method: str, path: str, client_id: str, version: int, body: dict[str, Any],
              kinds: list[str]) -> dict[str, Any] | None:
        events = self._events(client_id, kinds)
        save = Save(client_id, version, frozenset((self.session_id, e["seq"]) for e in events), time.monotonic())
        self.saves.append(save)
        response = self.http.request(method, f"{self.server.url}api/{path}", headers=self.headers, timeout=60,
                                     json={**body, "session_id": self.session_id, "sent_t": self._now(),
                                           "events": events})
        if response.status_code not in (200, 201):
            self.errors.append(f"{method} {path}: {response.status_code} {response.text[:300]}")
            return None
        save.acked_at = time.monotonic()
        return response.json()["annotation"]

    def work(self, stop: threading.Event) -> None:
        outline = 0
        while not stop.is_set() and not self.errors:
            outline += 1
            client_id = f"live-w{self.number}-o{outline:05d}"
            image = self.number  # this writer's page (a labour session is one image's)
            x, y = 40 + (outline % 50) * 20, 40 + self.number * 120
            square = [x, y, x + 60, y, x + 60, y + 50, x, y + 50]
            made = self._send("POST", f"images/{image}/annotations", client_id, 1,
                              {"client_id": client_id, "category_id": CAR, "parts": [{"points": square}]},
                              ["draw-start", "vertex", "vertex", "vertex", "vertex", "close"])
            for version in range(2, 2 + EDITS_PER_OUTLINE):
                if made is None or stop.is_set():
                    break
                square = [value + 3 for value in square]
                made = self._send("PATCH", f"annotations/{made['id']}", client_id, version,
                                  {"version": made["version"], "parts": [{"points": square}]},
                                  ["edit-start", "vertex-move", "edit-end"])


def tables_of(archive_path: Path) -> dict[str, list[dict[str, Any]]]:
    with zipfile.ZipFile(archive_path) as archive:
        return {name[len("tables/"):-len(".jsonl")]: [json.loads(line) for line in archive.read(name).splitlines()]
                for name in archive.namelist() if name.startswith("tables/")}


def table_bytes(archive_path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(archive_path) as archive:
        return {name: archive.read(name) for name in archive.namelist() if name.startswith("tables/")}


def annotator_ok(args: list[str], data_dir: Path) -> str:
    result = run_annotator(args, data_dir)
    assert result.returncode == 0, f"{args}: {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def backup_of(data_dir: Path, out: Path, *options: str) -> Path:
    annotator_ok(["backup", str(out), *options], data_dir)
    return out


def export_annotations(data_dir: Path, out: Path) -> dict[int, dict[str, Any]]:
    annotator_ok(["export", str(out), "--labour"], data_dir)
    dataset = json.loads(out.read_text(encoding="utf-8"))
    audit = labour_file.verify(dataset)  # the file recomputes itself, as `annotator labour verify` does
    assert audit.ok, audit.differences
    return {a["id"]: a for a in dataset["annotations"]}


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.05)


def test_a_backup_taken_mid_burst_is_one_consistent_moment(start_server, tmp_path):
    # Four people in a workshop, each saving as fast as their editor can: not the rate limits' business.
    server = start_server(load_samples=True, extra_env={"ANNOTATOR_INSTRUCTOR_TOKEN": WORKSHOP_TOKEN,
                                                        "ANNOTATOR_RATE_SAVES": "off", "ANNOTATOR_RATE_EVENTS": "off"})
    editors = [Editor(server, number) for number in range(1, WRITERS + 1)]
    stop = threading.Event()
    threads = [threading.Thread(target=editor.work, args=(stop,), daemon=True) for editor in editors]
    for thread in threads:
        thread.start()

    def acked() -> int:
        return sum(1 for editor in editors for save in list(editor.saves) if save.acked_at is not None)

    try:
        wait_until(lambda: acked() >= 40, "the first 40 saves")
        snapshot = tmp_path / "snapshot.zip"
        backup_started = time.monotonic()
        output = annotator_ok(["backup", str(snapshot)], server.data_dir)
        backup_ended = time.monotonic()
        after_backup = acked()
        wait_until(lambda: acked() >= after_backup + 20, "20 saves after the backup")
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert [error for editor in editors for error in editor.errors] == []
    assert "Backup written" in output
    saves = [save for editor in editors for save in editor.saves]
    # The backup really ran in the middle of the burst: saves were acknowledged while it ran.
    assert any(save.acked_at and backup_started < save.acked_at < backup_ended for save in saves)

    snap = tables_of(snapshot)
    sent: dict[tuple[str, int], Save] = {(save.client_id, save.version): save for save in saves}
    in_snapshot = {row["client_id"]: row for row in snap["annotation"]}
    events_by_outline: dict[str, set[tuple[str, int]]] = {}
    for event in snap["labour_event"]:
        events_by_outline.setdefault(event["annotation_client_id"], set()).add((event["session_id"], event["seq"]))

    # No torn save: an outline at version v has exactly the events of its saves 1..v, and no events
    # belong to an outline the snapshot lacks.
    assert set(events_by_outline) <= set(in_snapshot)
    for client_id, row in in_snapshot.items():
        assert (client_id, row["version"]) in sent, f"{client_id} v{row['version']} was never sent"
        expected = set().union(*(sent[(client_id, v)].events for v in range(1, row["version"] + 1)))
        assert events_by_outline.get(client_id, set()) == expected, f"{client_id} v{row['version']} is torn"
    # Every save acknowledged before the backup started is in it (at that version or a later one).
    for save in saves:
        if save.acked_at is not None and save.acked_at < backup_started:
            assert save.client_id in in_snapshot, f"acknowledged save {save.client_id} is missing"
            assert in_snapshot[save.client_id]["version"] >= save.version
    # ... and the snapshot did not simply wait for the burst to end: later saves are not in it.
    assert len(in_snapshot) < len({save.client_id for save in saves if save.acked_at})

    # One moment of the original: with the writers stopped, compare with the database as it ended up.
    # SQLite hands out ids in commit order (one writer at a time), so the snapshot holds exactly the
    # original's rows up to its highest ids, each as it is now unless edited since (a higher version).
    final = tables_of(backup_of(server.data_dir, tmp_path / "final.zip", "--no-images"))
    last_event = max(event["id"] for event in snap["labour_event"])
    final_events = {event["id"]: event for event in final["labour_event"]}
    assert snap["labour_event"] == [final_events[i] for i in sorted(final_events) if i <= last_event]
    last_annotation = max(row["id"] for row in snap["annotation"])
    final_rows = {row["id"]: row for row in final["annotation"] if row["id"] <= last_annotation}
    assert sorted(final_rows) == sorted(row["id"] for row in snap["annotation"])
    edited_since = set()
    for row in snap["annotation"]:
        if row["version"] == final_rows[row["id"]]["version"]:
            assert row == final_rows[row["id"]]
        else:
            assert row["version"] < final_rows[row["id"]]["version"]
            edited_since.add(row["id"])
    assert len(edited_since) <= WRITERS  # only the outline each editor was busy with

    # Restore into a new data folder: a sound database holding exactly the snapshot.
    restored_dir = tmp_path / "restored"
    assert "Restored" in annotator_ok(["restore", str(snapshot)], restored_dir)
    with sqlite3.connect(restored_dir / "annotator.sqlite3") as connection:
        assert connection.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    assert table_bytes(backup_of(restored_dir, tmp_path / "again.zip", "--no-images")) == table_bytes(snapshot)
    # The restored export equals the original's, outline for outline, for every outline not edited since
    # the snapshot (timings and ledger included); the rest are the earlier versions the snapshot holds.
    restored_export = export_annotations(restored_dir, tmp_path / "restored.json")
    original_export = export_annotations(server.data_dir, tmp_path / "original.json")
    assert set(restored_export) == set(final_rows)
    for annotation_id, annotation in restored_export.items():
        if annotation_id not in edited_since:
            assert annotation == original_export[annotation_id]
