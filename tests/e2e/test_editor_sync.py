"""Saving from the editor when things go wrong, in headless Chromium against a real `annotator serve`:
the server stopped and started again mid-session, a reload with saves still pending, and annotations
changed or deleted behind the editor's back (409). Real mouse and keyboard; what counts is what the server
holds afterwards (exactly once: no lost and no duplicated annotations or labour events).
"""

from __future__ import annotations

import re
import socket
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import requests

from annotator.core import labour_file
from tests.e2e.conftest import (
    LiveServer,
    assert_no_js_errors,
    start_annotator_server,
)
from tests.e2e.editor_driver import (
    READY,
    SAVED,
    SQUARE,
    assert_ring,
    categories,
    click,
    drag,
    draw,
    inside,
    only,
    open_editor,
    ring,
    state,
    stored,
    wait_saved,
)

pytestmark = pytest.mark.e2e

IMAGE_ID = 1  # a sample scene, 1280 x 720
TRIANGLE = [(150.0, 120.0), (330.0, 140.0), (240.0, 280.0)]
PENTAGON = [(850.0, 150.0), (1000.0, 160.0), (1050.0, 300.0), (950.0, 380.0), (830.0, 290.0)]
OFFLINE = "() => window.annotatorEditor.state().saveState === 'offline'"
RETRY_TIMEOUT = 45_000  # ms: the backoff tops out at 10 s; the rest is room for a loaded machine


# --- a server on a port of our choosing (start_server always asks for --port 0) ---------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve_on(port: int, data_dir: Path, log_dir: Path, load_samples: bool = True) -> LiveServer:
    """`annotator serve --port PORT --data-dir DATA_DIR`, waited for; the caller stops it."""
    return start_annotator_server(data_dir, log_dir, load_samples=load_samples, port=port)


@pytest.fixture
def fixed_port_servers(tmp_path: Path):
    """start(label) -> a server on one port and one data folder kept for the whole test."""
    port = free_port()
    data_dir = tmp_path / "data"
    started: list[LiveServer] = []

    def start(label: str) -> LiveServer:
        for attempt in range(50):  # the port may linger for a moment after the previous server
            try:
                server = serve_on(port, data_dir, tmp_path / f"logs-{label}-{attempt}")
                break
            except RuntimeError as error:
                if "address already in use" not in str(error).lower() or attempt == 49:
                    raise
                time.sleep(0.2)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
        print(f"{server.url} on {server.data_dir}\n{server.output()}")


@pytest.fixture(autouse=True)
def js_error_stacks(request: pytest.FixtureRequest) -> None:
    """Print each uncaught error's stack (pytest shows it when a test fails): js_errors keeps only the text."""
    if "page" in request.fixturenames:
        request.getfixturevalue("page").on("pageerror", lambda error: print(f"pageerror: {error.stack}"))


# --- helpers -----------------------------------------------------------------------------------------


def behind_the_editors_back(server: LiveServer) -> tuple[requests.Session, str]:
    """Another browser: its own session cookie and CSRF token, from the gallery page."""
    other = requests.Session()
    page = other.get(server.url, timeout=10)
    page.raise_for_status()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', page.text).group(1)
    return other, token


def server_items(server: LiveServer, image_id: int = IMAGE_ID) -> list[dict[str, Any]]:
    answer = requests.get(f"{server.url}api/images/{image_id}/annotations", timeout=10)
    answer.raise_for_status()
    return answer.json()["items"]


def labour_by_client_id(server: LiveServer) -> dict[str, list[dict[str, Any]]]:
    """Each live annotation's labour events from the COCO export, keyed by the editor's client id."""
    export = requests.get(f"{server.url}api/export/coco?labour=1", timeout=30)
    export.raise_for_status()
    audit = labour_file.verify(export.json())  # the file recomputes itself, as `annotator labour verify` does
    assert audit.ok, audit.differences
    client_ids = {item["id"]: item["client_id"] for item in server_items(server)}
    result: dict[str, list[dict[str, Any]]] = {}
    for annotation in export.json()["annotations"]:
        assert annotation["id"] in client_ids, annotation
        result[client_ids[annotation["id"]]] = annotation["attributes"]["labour"]
    return result


def assert_drawn_once(ledger: list[dict[str, Any]], vertices: int) -> None:
    """One draw of `vertices` clicks and one close on the record; no (session, seq) twice."""
    keys = Counter((event["session"], event["seq"]) for event in ledger)
    assert all(count == 1 for count in keys.values()), f"an event is on the record twice: {ledger}"
    kinds = Counter(event["kind"] for event in ledger)
    assert kinds["draw-start"] == 1, ledger
    assert kinds["vertex"] == vertices, ledger
    assert kinds["close"] == 1, ledger


def eventually(read, done, timeout: float = 15.0):
    """Read until `done(value)`, for what the page sends on its own time (the labour left by a previous page)."""
    deadline = time.monotonic() + timeout
    while True:
        value = read()
        if done(value) or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def wait_message(page, text: str) -> str:
    page.wait_for_function("(text) => document.getElementById('message').textContent.includes(text)", arg=text)
    return page.locator("#message").inner_text()


def select(page, points) -> None:
    page.keyboard.press("v")
    click(page, inside(points))
    assert state(page)["selectedId"] is not None


# --- the server goes away and comes back ------------------------------------------------------------


def test_server_stopped_and_started_again_gets_everything_exactly_once(fixed_port_servers, page, js_errors) -> None:
    first = fixed_port_servers("first")
    open_editor(page, first)
    draw(page, SQUARE)
    saved = only(stored(page, first))
    assert saved["version"] == 1

    first.stop()
    draw(page, TRIANGLE)
    draw(page, PENTAGON, close="enter")
    select(page, SQUARE)
    drag(page, SQUARE[2], (730.0, 480.0))
    page.wait_for_function(OFFLINE)
    now = state(page)
    assert now["saveState"] == "offline" and now["pendingSaves"] == 3, now
    assert page.locator("#save-state").inner_text().startswith("Offline")
    assert len(now["annotations"]) == 3

    second = fixed_port_servers("second")
    assert second.url == first.url  # the page's origin is unchanged
    page.wait_for_function(SAVED, timeout=RETRY_TIMEOUT)  # the next timed retry gets through
    assert state(page)["pendingSaves"] == 0

    items = server_items(second)
    assert len(items) == 3, items
    assert len({item["client_id"] for item in items}) == 3
    by_client = {item["client_id"]: item for item in items}
    mine = {annotation["clientId"]: annotation for annotation in state(page)["annotations"]}
    assert set(by_client) == set(mine)
    square = by_client[saved["client_id"]]
    assert square["id"] == saved["id"] and square["version"] == 2
    assert_ring(ring(square), [SQUARE[0], SQUARE[1], (730.0, 480.0), SQUARE[3]])
    outlines = sorted(len(ring(item)) for item in items)
    assert outlines == [3, 4, 5]
    for client_id, item in by_client.items():
        assert (mine[client_id]["id"], mine[client_id]["version"]) == (item["id"], item["version"])

    ledger = labour_by_client_id(second)
    assert set(ledger) == set(by_client)
    for client_id, item in by_client.items():
        assert_drawn_once(ledger[client_id], len(ring(item)) if client_id != saved["client_id"] else 4)
    assert Counter(event["kind"] for event in ledger[saved["client_id"]])["move-vertex"] == 1
    sessions = {event["session"] for events in ledger.values() for event in events}
    assert len(sessions) == 1  # one page load
    assert_no_js_errors(js_errors)


class Unreachable:
    """page.route handler: every API request but GETs fails as if the server were down; counts the creates."""

    def __init__(self) -> None:
        self.creates = 0

    def __call__(self, route) -> None:
        if route.request.method == "GET":
            route.continue_()
            return
        if route.request.method == "POST" and route.request.url.endswith("/annotations"):
            self.creates += 1
        route.abort("connectionrefused")


def wait_for_third_attempt(page, unreachable: Unreachable) -> None:
    """Tries at about 0, 1 and 3 s have failed: the next timed retry is 4 s away."""
    deadline = time.monotonic() + 15
    while unreachable.creates < 3:
        assert time.monotonic() < deadline, f"{unreachable.creates} tries"
        page.wait_for_timeout(50)  # time must pass: the backoff's own pauses


@pytest.mark.parametrize("how", ["badge", "online-event"])
def test_retry_now_without_waiting_for_the_backoff(live_server, page, js_errors, how) -> None:
    open_editor(page, live_server)
    unreachable = Unreachable()
    page.route(re.compile(r".*/api/.*"), unreachable)
    draw(page, SQUARE)
    page.wait_for_function(OFFLINE)
    wait_for_third_attempt(page, unreachable)
    assert state(page)["saveState"] == "offline"
    page.unroute_all()
    if how == "badge":
        page.locator("#save-state").click()
    else:  # the browser going offline and online again fires 'online'
        page.context.set_offline(True)
        page.context.set_offline(False)
    page.wait_for_function(SAVED, timeout=2_500)  # well before the timer's 4 s
    assert unreachable.creates == 3
    assert_ring(ring(only(server_items(live_server))), SQUARE)
    assert_no_js_errors(js_errors)


# --- reloading with saves pending --------------------------------------------------------------------


def refuse_changes(route) -> None:
    """The API answers GETs (so the editor can start) and nothing else: as good as offline for saves."""
    if route.request.method == "GET":
        route.continue_()
    else:
        route.abort()


def test_reload_with_a_pending_create_sends_it_exactly_once(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    page.route(re.compile(r".*/api/.*"), refuse_changes)
    draw(page, SQUARE)
    page.wait_for_function(OFFLINE)
    assert state(page)["pendingSaves"] == 1
    client_id = only(state(page)["annotations"])["clientId"]

    page.reload()
    page.wait_for_function(READY)
    page.wait_for_function(OFFLINE)  # still refused: kept in the browser
    assert [a["clientId"] for a in state(page)["annotations"]] == [client_id]

    page.unroute_all()
    page.wait_for_function(SAVED, timeout=RETRY_TIMEOUT)
    item = only(stored(page, live_server))
    assert item["client_id"] == client_id and item["version"] == 1
    assert_ring(ring(item), SQUARE)

    # The first page's events went out with nothing (refused); they wait in localStorage for the next
    # page load, which sends them once.
    page.reload()
    page.wait_for_function(READY)
    ledger = eventually(lambda: labour_by_client_id(live_server)[client_id],
                        lambda events: sum(event["kind"] == "close" for event in events) >= 1)
    assert_drawn_once(ledger, len(SQUARE))
    assert only(stored(page, live_server))["version"] == 1
    assert_no_js_errors(js_errors)


def test_reload_after_a_create_whose_answer_was_lost_makes_no_duplicate(live_server, page, js_errors) -> None:
    def answer_lost(route) -> None:
        if route.request.method == "POST" and "/annotations" in route.request.url:
            route.fetch()  # the server stores it...
            route.abort()  # ...but the answer never reaches the page
        else:
            route.continue_()

    open_editor(page, live_server)
    page.route(re.compile(r".*/api/.*"), answer_lost)
    draw(page, SQUARE)
    page.wait_for_function(OFFLINE)
    client_id = only(state(page)["annotations"])["clientId"]
    assert len(server_items(live_server)) == 1  # already there

    page.reload()  # the resend on the new page is let through: the server finds the first create
    page.unroute_all()
    page.wait_for_function(READY)
    page.wait_for_function(SAVED, timeout=RETRY_TIMEOUT)
    item = only(server_items(live_server))
    assert item["client_id"] == client_id and item["version"] == 1
    assert (only(state(page)["annotations"])["id"], only(state(page)["annotations"])["version"]) == (item["id"], 1)
    assert_drawn_once(labour_by_client_id(live_server)[client_id], len(SQUARE))
    assert_no_js_errors(js_errors)


# --- changed or deleted behind the editor's back ------------------------------------------------------


def test_changed_elsewhere_then_edited_here_shows_the_servers_version(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    draw(page, SQUARE)
    item = only(stored(page, live_server))
    classes = categories(page, live_server)
    assert item["category_id"] == classes[0]["id"]
    other_class = classes[3]["id"]

    other, token = behind_the_editors_back(live_server)
    answer = other.patch(f"{live_server.url}api/annotations/{item['id']}", headers={"X-CSRFToken": token},
                         json={"version": 1, "category_id": other_class}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["annotation"]["version"] == 2

    select(page, SQUARE)
    assert only(state(page)["annotations"])["categoryId"] == classes[0]["id"]  # the editor does not know yet
    drag(page, SQUARE[1], (720.0, 280.0))
    assert "changed elsewhere" in wait_message(page, "changed elsewhere")
    page.wait_for_function(SAVED)
    mine = only(state(page)["annotations"])
    assert mine["categoryId"] == other_class and mine["version"] == 2
    assert_ring(ring(mine), SQUARE)  # their version, not the drag
    held = only(server_items(live_server))
    assert (held["version"], held["category_id"]) == (2, other_class)
    assert_ring(ring(held), SQUARE)
    assert page.locator("#polygon-list .polygon-class").inner_text() == classes[3]["name"]

    # The editor carries on from the server's version: the next edit saves normally.
    drag(page, SQUARE[1], (720.0, 280.0))
    wait_saved(page)
    held = only(server_items(live_server))
    assert (held["version"], held["category_id"]) == (3, other_class)
    assert_ring(ring(held), [SQUARE[0], (720.0, 280.0), SQUARE[2], SQUARE[3]])
    assert_no_js_errors(js_errors)


def test_deleted_elsewhere_then_edited_here_disappears_with_a_message(live_server, page, js_errors) -> None:
    open_editor(page, live_server)
    draw(page, SQUARE)
    draw(page, TRIANGLE)
    items = stored(page, live_server)
    square = next(item for item in items if len(ring(item)) == 4)

    other, token = behind_the_editors_back(live_server)
    answer = other.delete(f"{live_server.url}api/annotations/{square['id']}", headers={"X-CSRFToken": token},
                          json={"version": 1}, timeout=10)
    assert answer.status_code == 200, answer.text
    assert answer.json()["annotation"]["deleted"] is True

    select(page, SQUARE)
    drag(page, SQUARE[1], (720.0, 280.0))
    page.wait_for_function("() => window.annotatorEditor.state().annotations.length === 1")
    page.wait_for_function(SAVED)
    message = page.locator("#message").inner_text()
    assert state(page)["selectedId"] is None
    assert page.locator("#polygon-list li").count() == 1
    assert len(ring(only(server_items(live_server)))) == 3  # the triangle is untouched
    assert "deleted elsewhere" in message
    assert_no_js_errors(js_errors)
