"""Concurrent writers on one database: two `annotator serve` processes on one PostgreSQL database (and, on
SQLite, one process whose worker threads race each other).

Each round, two clients send at the same moment (a threading.Barrier releases both requests together):
- both edit the same polygon from the same base version: exactly one gets 200 and the other 409 with the
  winner's version, the stored outline is the winner's, the version rises by exactly one, and only the
  winner's labour events are stored (the loser's come again with its next save, as the editor does);
- the same person's save of a new polygon reaches both processes at once under the same client id (a retry
  that overtook the first try): one row, answers 201 and 200 naming the same annotation, events once.

Run: `ANNOTATOR_TEST_POSTGRES_URL=... python -m pytest -q -s tests/e2e/test_concurrent_writers.py`.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from functools import partial
from typing import Any

import pytest
import requests

from tests.e2e.conftest import LiveServer
from tests.e2e.test_crash_safety import (
    CATEGORY,
    Browser,
    Labour,
    bbox_of,
    rectangle,
    stored_rows,
    upload_image,
)

pytestmark = pytest.mark.slow

EDIT_ROUNDS = 100
CREATE_ROUNDS = 50
DELETE_ROUNDS = 20


def at_once(*calls: Callable[[], requests.Response]) -> list[requests.Response]:
    """Run the calls in threads released together by a barrier; their responses, in order."""
    barrier = threading.Barrier(len(calls))
    answers: list[Any] = [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        try:
            answers[index] = calls[index]()
        except BaseException as error:  # re-raised below, in the test's thread
            answers[index] = error

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    for answer in answers:
        if not isinstance(answer, requests.Response):
            raise AssertionError(f"a request did not complete: {answer!r}")
    return answers


@pytest.fixture
def servers(start_server: Callable[..., LiveServer], database_url: str | None) -> list[LiveServer]:
    """PostgreSQL: two processes on one database (and one data folder: its secret key makes one browser's
    cookie good at both). SQLite: one process twice, whose eight worker threads race each other."""
    extra_env = {"ANNOTATOR_DATABASE_URL": database_url} if database_url else {}
    first = start_server(load_samples=False, extra_env=extra_env)
    if database_url is None:
        return [first, first]
    return [first, start_server(load_samples=False, data_dir=first.data_dir, extra_env=extra_env)]


def test_two_edits_of_one_polygon_at_once_make_one_winner_and_one_409(servers: list[LiveServer],
                                                                    database_url: str | None) -> None:
    one, two = Browser(servers[0].url), Browser(servers[1].url)  # two people (single-user mode: both may edit)
    image_id = upload_image(one)
    labour = [Labour("writer-session-one"), Labour("writer-session-two")]
    client_id = "contested-polygon"
    created = one.send("POST", f"api/images/{image_id}/annotations", {
        "client_id": client_id, "category_id": CATEGORY, "parts": rectangle(100, 100, 50, 50),
        **labour[0].events(client_id, "draw-start", "close")})
    assert created.status_code == 201, created.text
    annotation_id, version = created.json()["annotation"]["id"], 1
    expected_events = Counter({("writer-session-one", 1, client_id): 1, ("writer-session-one", 2, client_id): 1})
    outcomes: Counter = Counter()
    for round_ in range(EDIT_ROUNDS):
        # Each person moves the polygon somewhere of their own: whose outline is stored shows who won.
        x = 100 + 4 * (round_ % 100)  # a new place every round, inside the 640 x 480 image
        wanted = [[x, 100, 50, 50], [x, 300, 50, 50]]
        bodies = [{"version": version, "parts": rectangle(*wanted[who]),
                   **labour[who].events(client_id, "move-vertex")} for who in (0, 1)]
        answers = at_once(*(partial(browser.send, "PATCH", f"api/annotations/{annotation_id}", body)
                            for browser, body in zip((one, two), bodies, strict=True)))
        statuses = [answer.status_code for answer in answers]
        assert sorted(statuses) == [200, 409], [answer.text for answer in answers]
        winner, loser = statuses.index(200), statuses.index(409)
        outcomes["process one won" if winner == 0 else "process two won"] += 1
        won, told = answers[winner].json()["annotation"], answers[loser].json()["annotation"]
        assert won["version"] == version + 1
        assert bbox_of(won["parts"]) == wanted[winner]
        # The loser is shown what the winner saved, so the editor can show it and say so.
        assert (told["version"], bbox_of(told["parts"])) == (version + 1, wanted[winner])
        version += 1
        expected_events[(bodies[winner]["session_id"], bodies[winner]["events"][0]["seq"], client_id)] += 1
        current = [item for item in one.http.get(f"{servers[1].url}api/images/{image_id}/annotations",
                                                 timeout=30).json()["items"] if item["client_id"] == client_id]
        assert [(item["version"], bbox_of(item["parts"])) for item in current] == [(version, wanted[winner])]

    rows, events = stored_rows(servers[0].data_dir, database_url)
    assert [(row["client_id"], row["version"]) for row in rows] == [(client_id, EDIT_ROUNDS + 1)]
    assert events == expected_events  # the winners' events, once each; none of the losers'
    print(f"\n[{'postgresql, 2 processes' if database_url else 'sqlite, 1 process'}] {EDIT_ROUNDS} rounds of "
          f"two simultaneous edits: {EDIT_ROUNDS} x (200 + 409), {dict(outcomes)}; version 1 -> {version}")


def test_an_edit_and_a_delete_at_once_make_one_winner_and_one_409(servers: list[LiveServer],
                                                                  database_url: str | None) -> None:
    one, two = Browser(servers[0].url), Browser(servers[1].url)
    image_id = upload_image(one)
    outcomes: Counter = Counter()
    for round_ in range(DELETE_ROUNDS):
        client_id = f"doomed-polygon-{round_:03d}"
        created = one.send("POST", f"api/images/{image_id}/annotations", {
            "client_id": client_id, "category_id": CATEGORY, "parts": rectangle(20 * round_, 10, 15, 40)})
        assert created.status_code == 201, created.text
        path = f"api/annotations/{created.json()['annotation']['id']}"
        moved = {"version": 1, "parts": rectangle(20 * round_, 200, 15, 40)}
        edit, delete = at_once(partial(one.send, "PATCH", path, moved),
                               partial(two.send, "DELETE", path, {"version": 1}))
        assert sorted([edit.status_code, delete.status_code]) == [200, 409], (edit.text, delete.text)
        deleted = delete.status_code == 200
        outcomes["delete won" if deleted else "edit won"] += 1
        loser = (edit if deleted else delete).json()["annotation"]
        assert (loser["version"], loser["deleted"]) == (2, deleted)  # the loser is shown the winner's state
        rows, _ = stored_rows(servers[0].data_dir, database_url)
        row = next(row for row in rows if row["client_id"] == client_id)
        assert (row["version"], row["deleted"]) == (2, deleted)
        assert row["bbox"] == [20 * round_, 10 if deleted else 200, 15, 40]  # a delete keeps the outline it had
    print(f"\n[{'postgresql, 2 processes' if database_url else 'sqlite, 1 process'}] {DELETE_ROUNDS} rounds of an "
          f"edit and a delete at once: {DELETE_ROUNDS} x (200 + 409), {dict(outcomes)}")


def test_one_create_sent_to_both_at_once_makes_one_row(servers: list[LiveServer],
                                                       database_url: str | None) -> None:
    first = Browser(servers[0].url)
    # The same person: the same cookie, once the server knows who it is (as after the editor's first GET).
    assert first.http.get(f"{first.url}api/me", timeout=30).status_code == 200
    second = Browser(servers[1].url, like=first)
    image_id = upload_image(first)
    labour = Labour("twin-session")
    outcomes: Counter = Counter()
    for round_ in range(CREATE_ROUNDS):
        client_id = f"twin-polygon-{round_:03d}"
        place = (20 * (round_ % 30), 10 + 50 * (round_ // 30))
        body = {"client_id": client_id, "category_id": CATEGORY, "parts": rectangle(*place, 15, 40),
                **labour.events(client_id, "draw-start", "vertex", "vertex", "close")}
        answers = at_once(*(partial(browser.send, "POST", f"api/images/{image_id}/annotations", body)
                            for browser in (first, second)))
        statuses = [answer.status_code for answer in answers]
        assert sorted(statuses) == [200, 201], [answer.text for answer in answers]
        outcomes["process one created" if statuses[0] == 201 else "process two created"] += 1
        made = [answer.json()["annotation"] for answer in answers]
        assert made[0]["id"] == made[1]["id"] and made[0]["version"] == made[1]["version"] == 1
        # The answer that found the row says how many events it stored: none (the first had stored them).
        assert sorted(answer.json()["events_stored"] for answer in answers) == [0, 4]

    rows, events = stored_rows(servers[0].data_dir, database_url)
    assert sorted(row["client_id"] for row in rows) == [f"twin-polygon-{n:03d}" for n in range(CREATE_ROUNDS)]
    assert len(events) == 4 * CREATE_ROUNDS and set(events.values()) == {1}
    print(f"\n[{'postgresql, 2 processes' if database_url else 'sqlite, 1 process'}] {CREATE_ROUNDS} rounds of "
          f"one create sent twice at once: {CREATE_ROUNDS} x (201 + 200), one row each; {dict(outcomes)}")
