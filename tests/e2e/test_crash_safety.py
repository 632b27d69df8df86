"""Crash safety: a real `annotator serve` killed with SIGKILL in the middle of a burst of saves.

Several clients (each its own browser: cookies, CSRF token, labour session) create polygons with their
labour events and edit them as fast as the server answers. Once enough saves are acknowledged, the server
process itself is killed with SIGKILL (no cleanup, no atexit, requests half-done), started again on the same
data folder and database. On SQLite and PostgreSQL alike, the state the kill left is read straight from the
database before anything starts again, and checked:

- every save that got a 2xx is there exactly once, as answered: same row id, version, outline, class and
  image (or one version further, if the same client's next edit was committed but its answer was lost);
- the events of every save are stored all or nothing, and those of an acknowledged save all, exactly once
  (session, seq, outline, kind and the editor's clock);
- every outline belongs to the browser that drew it, and nothing points at a missing row;
- on SQLite, `PRAGMA integrity_check` says ok and `PRAGMA foreign_key_check` finds nothing;
- starting the server again changes none of it;
- each client then resends its unanswered save as the editor would (same client id, same events, same base
  version), and one answered create: every polygon ends as exactly one row at its last intended state,
  every event exactly once.

SQLite runs in WAL mode with synchronous=NORMAL (annotator/store/database.py): a commit has reached the operating
system (the WAL file) before the answer is sent, so a process crash loses nothing acknowledged; only a
power loss or kernel crash may lose the last commits, which this test does not (and cannot) simulate.

Run: `python -m pytest -q -s tests/e2e/test_crash_safety.py` (-s prints the figures).
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, text

from tests.conftest import image_bytes
from tests.e2e.conftest import LiveServer

pytestmark = pytest.mark.slow

CLIENTS = 6
ACKNOWLEDGED_BEFORE_KILL = 150  # saves answered 2xx, across all clients, before the kill
BURST_DEADLINE_S = 120.0  # a bound on the burst, should the server never get that far
CATEGORY = 7  # one of the default classes
IMAGE_SIZE = (640, 480)


# --- clients ---------------------------------------------------------------------------------------------


class Browser:
    """One person's browser: a cookie jar and the CSRF token a page gave it. `like` shares another's
    cookies (the same person in a second tab or against a second server process)."""

    def __init__(self, url: str, like: Browser | None = None) -> None:
        self.url = url
        self.http = requests.Session()
        if like is not None:
            self.http.cookies.update(like.http.cookies)
        page = self.http.get(url, timeout=30)
        page.raise_for_status()
        self.headers = {"X-CSRFToken": re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)}

    def send(self, method: str, path: str, body: dict[str, Any], url: str | None = None) -> requests.Response:
        return self.http.request(method, f"{url or self.url}{path}", json=body, headers=self.headers, timeout=60)


class Labour:
    """An editor page's labour session: events numbered in order on a clock that moves 1 ms per event."""

    def __init__(self, session_id: str) -> None:
        self.session_id, self.seq, self.t = session_id, 0, 0.0

    def events(self, annotation: str, *kinds: str) -> dict[str, Any]:
        """The labour fields of a save: `kinds` as events of `annotation`, sent now."""
        batch = []
        for kind in kinds:
            self.seq += 1
            self.t += 1.0
            batch.append({"seq": self.seq, "kind": kind, "t": self.t, "annotation": annotation})
        return {"session_id": self.session_id, "sent_t": self.t, "events": batch}


def rectangle(x: int, y: int, w: int, h: int) -> list[dict[str, Any]]:
    return [{"points": [x, y, x + w, y, x + w, y + h, x, y + h]}]


def bbox_of(parts: list[dict[str, Any]]) -> list[float]:
    xs, ys = parts[0]["points"][0::2], parts[0]["points"][1::2]
    return [min(xs), min(ys), max(xs) - min(xs), max(ys) - min(ys)]


def upload_image(browser: Browser, colour: tuple[int, int, int] = (90, 90, 90)) -> int:
    """One image through the gallery's upload (single-user mode on loopback: the user is the instructor)."""
    answer = browser.http.post(f"{browser.url}api/images", headers=browser.headers, timeout=60,
                               files={"file": ("street.jpg", image_bytes(*IMAGE_SIZE, colour=colour), "image/jpeg")})
    assert answer.status_code == 201, answer.text
    return answer.json()["items"][0]["id"]


# --- the database, read directly -------------------------------------------------------------------------


def engine_for(data_dir: Path, database_url: str | None):
    url = database_url or f"sqlite:///{data_dir / 'annotator.sqlite3'}"
    return create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


@dataclass
class Stored:
    """What the database holds: each annotation row by client id, and how often each event is stored."""

    rows: dict[str, dict[str, Any]]
    events: Counter  # (session, seq, annotation client id, kind, client time) -> rows holding it
    row_count: int
    event_images: set[int]


def stored_state(data_dir: Path, database_url: str | None) -> Stored:
    """Every annotation row (id, client id, version, outline, class, image, deleted) and every labour event,
    read directly from the database (no server running, or beside it)."""
    engine = engine_for(data_dir, database_url)
    try:
        with engine.connect() as connection:
            rows = [{"id": row.id, "client_id": row.client_id, "version": row.version, "parts": _json(row.parts),
                     "bbox": _json(row.bbox), "category_id": row.category_id, "annotator_id": row.annotator_id,
                     "deleted": bool(row.deleted), "image_id": row.image_id}
                    for row in connection.execute(text(
                        "SELECT id, client_id, version, parts, bbox, category_id, annotator_id, deleted, image_id"
                        " FROM annotation"))]
            events = list(connection.execute(text(
                "SELECT session_id, seq, annotation_client_id, kind, client_time_ms, image_id FROM labour_event")))
    finally:
        engine.dispose()
    return Stored(rows={row["client_id"]: row for row in rows},
                  events=Counter((event.session_id, event.seq, event.annotation_client_id, event.kind,
                                  float(event.client_time_ms)) for event in events),
                  row_count=len(rows), event_images={event.image_id for event in events})


def stored_rows(data_dir: Path, database_url: str | None) -> tuple[list[dict[str, Any]], Counter]:
    """Every annotation row, and how often each (session, seq, annotation client id) is stored."""
    stored = stored_state(data_dir, database_url)
    events: Counter = Counter()
    for (session_id, seq, client_id, _kind, _t), count in stored.events.items():
        events[(session_id, seq, client_id)] += count
    return list(stored.rows.values()), events


def sqlite_checks(data_dir: Path) -> tuple[list[Any], list[Any]]:
    """PRAGMA integrity_check and foreign_key_check on the data folder's SQLite file."""
    connection = sqlite3.connect(data_dir / "annotator.sqlite3")
    try:
        return (connection.execute("PRAGMA integrity_check").fetchall(),
                connection.execute("PRAGMA foreign_key_check").fetchall())
    finally:
        connection.close()


def orphans(data_dir: Path, database_url: str | None) -> int:
    """Rows pointing at nothing, counted the same way on either database."""
    engine = engine_for(data_dir, database_url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(
                "SELECT (SELECT count(*) FROM annotation WHERE image_id NOT IN (SELECT id FROM image))"
                " + (SELECT count(*) FROM labour_event WHERE image_id NOT IN (SELECT id FROM image))"
                " + (SELECT count(*) FROM annotation WHERE annotator_id IS NOT NULL"
                "    AND annotator_id NOT IN (SELECT id FROM annotator))")).scalar_one()
    finally:
        engine.dispose()


# --- the burst --------------------------------------------------------------------------------------------


@dataclass
class Save:
    """One save as sent, and its answer (None: no answer came; it may or may not have been committed)."""

    client_id: str
    method: str
    path: str
    body: dict[str, Any]
    bbox: list[float]
    version: int  # the version this save makes
    status: int | None = None
    answer: dict[str, Any] | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def event_keys(self) -> list[tuple[str, int, str, str, float]]:
        """Each event as stored: session, seq, annotation client id, kind and the editor's clock."""
        return [(self.body["session_id"], event["seq"], event["annotation"], event["kind"], float(event["t"]))
                for event in self.body["events"]]


@dataclass
class Client:
    """One browser saving as fast as the server answers: create a polygon, edit it twice, next polygon."""

    number: int
    browser: Browser
    image_id: int
    labour: Labour
    saves: list[Save] = field(default_factory=list)
    error: BaseException | None = None

    def next_save(self) -> Save:
        count = len(self.saves)
        polygon, step = divmod(count, 3)
        client_id = f"crash-{self.number}-{polygon:04d}"
        x, y = 10 + 20 * (polygon % 25), 10 + 60 * self.number
        bbox = [x, y, 15 + 10 * step, 40]
        parts = rectangle(*bbox)
        if step == 0:
            body = {"client_id": client_id, "category_id": CATEGORY, "parts": parts,
                    **self.labour.events(client_id, "draw-start", "vertex", "vertex", "vertex", "close")}
            return Save(client_id, "POST", f"api/images/{self.image_id}/annotations", body, bbox, 1)
        created = self.saves[-step].answer["annotation"]
        base = self.saves[-1].answer["annotation"]["version"]
        body = {"version": base, "parts": parts, **self.labour.events(client_id, "move-vertex")}
        return Save(client_id, "PATCH", f"api/annotations/{created['id']}", body, bbox, base + 1)

    def run(self, acknowledged: Callable[[], None], stop: threading.Event) -> None:
        try:
            while not stop.is_set():
                save = self.next_save()
                self.saves.append(save)
                try:
                    response = self.browser.send(save.method, save.path, save.body)
                    answer = response.json()
                except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                    return  # the server is gone, perhaps half-way through its answer: this save is unanswered
                save.status, save.answer = response.status_code, answer
                assert save.acknowledged, (save, response.text)
                acknowledged()
        except BaseException as error:  # reported by the test
            self.error = error

    @property
    def unanswered(self) -> Save | None:
        return self.saves[-1] if self.saves and self.saves[-1].status is None else None


def burst_then_kill(server: LiveServer, clients: list[Client]) -> tuple[int, float]:
    """Run the clients until ACKNOWLEDGED_BEFORE_KILL saves are answered, then SIGKILL the server process.
    Returns the server's pid and the moment of the kill (time.monotonic)."""
    pid = server.process.pid
    # The process killed is the Python process running waitress itself, not a shell or launcher around it.
    assert b"serve" in Path(f"/proc/{pid}/cmdline").read_bytes()
    count, enough = [0], threading.Event()
    lock = threading.Lock()

    def acknowledged() -> None:
        with lock:
            count[0] += 1
            if count[0] >= ACKNOWLEDGED_BEFORE_KILL:
                enough.set()

    stop = threading.Event()
    threads = [threading.Thread(target=client.run, args=(acknowledged, stop), daemon=True) for client in clients]
    for thread in threads:
        thread.start()
    reached = enough.wait(BURST_DEADLINE_S)
    os.kill(pid, signal.SIGKILL)
    killed_at = time.monotonic()
    stop.set()
    for thread in threads:
        thread.join(timeout=60)
    server.process.wait(timeout=10)
    assert reached, f"only {count[0]} saves were answered within {BURST_DEADLINE_S:.0f} s"
    for client in clients:
        assert client.error is None, client.error
    assert server.process.returncode == -signal.SIGKILL
    return pid, killed_at


def outline(parts: list[dict[str, Any]]) -> list[list[float]]:
    """The points of each part, as numbers (the stored parts also carry `hole`)."""
    return [[float(value) for value in part["points"]] for part in parts]


def check_nothing_acknowledged_was_lost(stored: Stored, acknowledged: list[Save], unanswered: list[Save],
                                        image_id: int) -> int:
    """Every save answered 2xx is in `stored` exactly once: its row at the answered version with the answered
    outline, class and image (or at the version of the same client's next edit, committed with its answer
    lost), and each of its events once. An unanswered save is there whole or not at all. Returns how many
    unanswered saves had been committed."""
    assert stored.row_count == len(stored.rows), "two rows share a client id"
    assert [key for key, count in stored.events.items() if count > 1] == []
    last_acknowledged: dict[str, Save] = {}
    for save in acknowledged:
        last_acknowledged[save.client_id] = save
        assert [stored.events[key] for key in save.event_keys] == [1] * len(save.event_keys), save
    late_commits = 0  # unanswered saves the server had committed: only their answers were lost
    for save in unanswered:
        row = stored.rows.get(save.client_id)
        committed = row is not None and row["version"] == save.version
        late_commits += committed
        # The events of a save are committed with it or not at all.
        assert [key in stored.events for key in save.event_keys] == [committed] * len(save.event_keys), (save, row)
        if committed:
            assert (row["bbox"], outline(row["parts"])) == (save.bbox, outline(save.body["parts"])), (row, save)
    for client_id, save in last_acknowledged.items():
        row, answered = stored.rows[client_id], save.answer["annotation"]
        assert (answered["version"], answered["image_id"], answered["category_id"]) == (save.version, image_id,
                                                                                        CATEGORY)
        assert row["id"] == answered["id"], (row, answered)
        if not any(other.client_id == client_id and row["version"] == other.version for other in unanswered):
            assert ({key: row[key] for key in ("version", "bbox", "parts", "category_id", "image_id", "deleted")}
                    == {key: answered[key] for key in ("version", "bbox", "parts", "category_id", "image_id",
                                                        "deleted")}), (row, answered)
    assert len(stored.rows) == len(last_acknowledged) + sum(
        1 for save in unanswered if save.method == "POST" and save.client_id in stored.rows)
    # Every outline has its author. The server runs in single-user mode, where every browser on this computer is
    # the one user: all of them are that person's, the kill and the restart notwithstanding.
    authors = {client_id.rsplit("-", 1)[0]: set() for client_id in stored.rows}
    for client_id, row in stored.rows.items():
        authors[client_id.rsplit("-", 1)[0]].add(row["annotator_id"])
    assert all(len(ids) == 1 and None not in ids for ids in authors.values()), authors
    assert len(set().union(*authors.values())) == 1, authors
    return late_commits


def test_sigkill_mid_burst_loses_no_acknowledged_save_and_retries_make_no_duplicates(
        start_server: Callable[..., LiveServer], database_url: str | None) -> None:
    extra_env = {"ANNOTATOR_DATABASE_URL": database_url} if database_url else {}
    server = start_server(load_samples=False, extra_env=extra_env)
    data_dir = server.data_dir
    first = Browser(server.url)
    image_id = upload_image(first)
    clients = [Client(number, Browser(server.url), image_id, Labour(f"crash-session-{number}"))
               for number in range(CLIENTS)]

    burst_then_kill(server, clients)
    saves = [save for client in clients for save in client.saves]
    acknowledged = [save for save in saves if save.acknowledged]
    unanswered = [client.unanswered for client in clients if client.unanswered is not None]
    assert len(acknowledged) + len(unanswered) == len(saves)
    assert unanswered, "the kill came between requests: no save was under way"

    # The state the crash left, read before anything starts again: on SQLite the file as the killed process
    # left it; on PostgreSQL what the server kept of the killed process's transactions.
    if database_url is None:
        assert sqlite_checks(data_dir) == ([("ok",)], [])
    at_kill = stored_state(data_dir, database_url)
    late_commits = check_nothing_acknowledged_was_lost(at_kill, acknowledged, unanswered, image_id)
    assert orphans(data_dir, database_url) == 0

    restarted_at = time.monotonic()
    again = start_server(load_samples=False, data_dir=data_dir, extra_env=extra_env)
    up_after = time.monotonic() - restarted_at
    assert stored_state(data_dir, database_url) == at_kill  # starting again changed no stored work
    # The clients carry on against the restarted server: same cookies (the secret key is in the data folder).
    for client in clients:
        client.browser.url = again.url

    # The clients resend what got no answer, as the editor does: same client id, same events, same base version.
    retried_at = time.monotonic()
    for save in unanswered:
        response = next(client for client in clients if client.unanswered is save).browser.send(
            save.method, save.path, save.body)
        if save.method == "POST":
            assert response.status_code in (200, 201), response.text
        elif response.status_code == 409:  # the edit had arrived: the server holds exactly it
            assert response.json()["annotation"]["version"] == save.version, response.text
            assert bbox_of(response.json()["annotation"]["parts"]) == save.bbox
        else:
            assert response.status_code == 200, response.text
    retried_in = time.monotonic() - retried_at
    # A resend of a create that was answered (its answer lost on the way back, say) changes nothing either.
    for client in clients:
        create = next(save for save in reversed(client.saves) if save.method == "POST" and save.acknowledged)
        response = client.browser.send(create.method, create.path, create.body)
        assert (response.status_code, response.json()["events_stored"]) == (200, 0), response.text
        assert response.json()["annotation"]["id"] == create.answer["annotation"]["id"]

    final = stored_state(data_dir, database_url)
    intended = {save.client_id: save for save in saves}  # each polygon's last save, acknowledged or resent
    assert sorted(final.rows) == sorted(intended) and final.row_count == len(intended)
    for client_id, row in final.rows.items():
        save = intended[client_id]
        assert (row["version"], row["bbox"], outline(row["parts"]), row["deleted"], row["image_id"]) == (
            save.version, save.bbox, outline(save.body["parts"]), False, image_id), (row, save)
    sent = Counter(key for save in saves for key in save.event_keys)
    assert final.events == sent and final.event_images == {image_id}  # every event of every save, exactly once
    assert orphans(data_dir, database_url) == 0
    if database_url is None:
        assert sqlite_checks(again.data_dir) == ([("ok",)], [])

    print(f"\n[{'postgresql' if database_url else 'sqlite'}] {len(saves)} saves sent by {CLIENTS} clients: "
          f"{len(acknowledged)} acknowledged, {len(unanswered)} in flight at SIGKILL "
          f"({late_commits} of them committed before the kill, answer lost); all {len(unanswered)} resent "
          f"after restart in {retried_in:.2f} s; server started again and answering in {up_after:.1f} s; "
          f"{final.row_count} polygons, {sum(final.events.values())} events, each exactly once")
