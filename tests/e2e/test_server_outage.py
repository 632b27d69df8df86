"""The server disappears for 30 s in the middle of a session (SIGKILL: no goodbye), while the person goes
on drawing and editing in the real editor (headless Chromium, real mouse and keyboard). The editor says it
is offline and keeps the work queued; the server comes back on the same port and data folder, and the
queued work arrives exactly once: each outline once, at the right geometry and version, each labour event
once, and the editor says everything is saved.

Run: `python -m pytest -q -s tests/e2e/test_server_outage.py` (-s prints the figures).
"""

from __future__ import annotations

import os
import re
import signal
import time
from collections import Counter

import pytest

from tests.e2e.conftest import assert_no_js_errors
from tests.e2e.editor_driver import SAVED, SQUARE, assert_ring, drag, draw, only, ring, state, stored
from tests.e2e.test_editor_sync import (  # noqa: F401 - fixed_port_servers is a fixture
    OFFLINE,
    PENTAGON,
    TRIANGLE,
    assert_drawn_once,
    fixed_port_servers,
    labour_by_client_id,
    select,
    server_items,
)

pytestmark = pytest.mark.slow

OUTAGE_S = 30.0  # how long the server stays away at least, counted from the kill
# The restart begins this long after the first save that failed: between the editor's timed retries at 31 s
# and 61 s with the old 30 s cap (a 28 s wait with the server up: the test fails), and before the one at 35 s
# with the 10 s cap. Without it the test would pass or fail by whether the restart beat the retry at 31 s.
RESTART_AFTER_FIRST_FAILURE_S = 32.0
MOVED_CORNER = (730.0, 480.0)  # where the square's third corner is dragged while the server is down
MOVED_TIP = (250.0, 330.0)  # where the triangle's third vertex is dragged, later in the outage
# Once the server is back, the next timed retry must reach it: at most the backoff's longest pause (10 s,
# static/js/editor/sync.js BACKOFF_MAX_MS) plus the request itself.
BACK_WITHIN_MS = 20_000


def test_a_30_s_outage_queues_the_work_and_it_arrives_once_when_the_server_returns(
        fixed_port_servers, page, js_errors) -> None:  # noqa: F811 - the fixture imported above
    from playwright.sync_api import expect

    first = fixed_port_servers("before")
    page.goto(f"{first.url}annotate/1")
    page.wait_for_function("() => window.annotatorEditor && window.annotatorEditor.state().ready")
    badge = page.locator("#save-state")
    draw(page, SQUARE)
    square = only(stored(page, first))
    assert square["version"] == 1
    expect(badge).to_have_text("All saved")

    failed_at: list[float] = []  # when saves found nobody there
    page.on("requestfailed", lambda request: "/api/" in request.url and failed_at.append(time.monotonic()))
    os.kill(first.process.pid, signal.SIGKILL)  # the server process itself: `python -m annotator serve`
    killed_at = time.monotonic()
    first.process.wait(timeout=10)

    # The person carries on: two new outlines and an edit of a saved one, all while nobody answers.
    draw(page, TRIANGLE)
    draw(page, PENTAGON, close="enter")
    select(page, SQUARE)
    drag(page, SQUARE[2], MOVED_CORNER)
    page.wait_for_function(OFFLINE)
    expect(badge).to_have_text(re.compile(r"^Offline: will retry \(3\)$"))
    queued = state(page)["pendingSaves"]
    assert queued == 3

    # Half-way through, another edit of an outline the server has never seen: it must arrive as one create.
    page.wait_for_timeout(max(0.0, OUTAGE_S / 2 - (time.monotonic() - killed_at)) * 1000)
    page.keyboard.press("Escape")
    select(page, TRIANGLE)
    drag(page, TRIANGLE[2], MOVED_TIP)
    restart_at = max(killed_at + OUTAGE_S, failed_at[0] + RESTART_AFTER_FIRST_FAILURE_S)
    page.wait_for_timeout(max(0.0, restart_at - time.monotonic()) * 1000)
    tries = len(failed_at)
    now = state(page)
    assert (now["saveState"], now["pendingSaves"]) == ("offline", 3), now  # still queued: never given up
    expect(badge).to_have_text(re.compile(r"^Offline"))

    second = fixed_port_servers("after")  # the same port and data folder
    back_at = time.monotonic()
    outage = back_at - killed_at
    assert second.url == first.url
    page.wait_for_function(SAVED, timeout=BACK_WITHIN_MS)
    arrived_after = time.monotonic() - back_at
    expect(badge).to_have_text("All saved")

    items = server_items(second)
    by_client = {item["client_id"]: item for item in items}
    assert len(items) == len(by_client) == 3, items  # each outline once
    mine = {annotation["clientId"]: annotation for annotation in state(page)["annotations"]}
    assert set(mine) == set(by_client)
    moved_square = by_client.pop(square["client_id"])
    assert (moved_square["id"], moved_square["version"]) == (square["id"], 2)  # one edit: one version up
    assert_ring(ring(moved_square), [SQUARE[0], SQUARE[1], MOVED_CORNER, SQUARE[3]])
    by_size = {len(ring(item)): item for item in by_client.values()}
    assert sorted(by_size) == [3, 5]
    assert by_size[3]["version"] == by_size[5]["version"] == 1  # created once, with the latest outline
    assert_ring(ring(by_size[3]), [TRIANGLE[0], TRIANGLE[1], MOVED_TIP])
    assert_ring(ring(by_size[5]), PENTAGON)
    for client_id, item in {**by_client, square["client_id"]: moved_square}.items():
        assert (mine[client_id]["id"], mine[client_id]["version"]) == (item["id"], item["version"])

    ledger = labour_by_client_id(second)
    assert_drawn_once(ledger[square["client_id"]], 4)
    assert Counter(event["kind"] for event in ledger[square["client_id"]])["move-vertex"] == 1
    assert_drawn_once(ledger[by_size[3]["client_id"]], 3)
    assert Counter(event["kind"] for event in ledger[by_size[3]["client_id"]])["move-vertex"] == 1
    assert_drawn_once(ledger[by_size[5]["client_id"]], 5)
    assert len({event["session"] for events in ledger.values() for event in events}) == 1  # one page load
    assert_no_js_errors(js_errors)
    print(f"\nserver away {outage:.1f} s (SIGKILL to restarted); {queued} saves queued in the browser; "
          f"{tries} requests failed meanwhile (edits and timed retries); "
          f"all saved {arrived_after:.1f} s after the server was back")
