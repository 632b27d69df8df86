"""A room against a real `annotator serve`: the serve front (annotator/web/wsgi_server.py) holds it.

- 30 people, each in their own Chromium context (6 kept-alive connections each), join through the form
  together, then open the editor one after another, every editor ready within 5 s, all left open. Waitress
  as it came held 100 connections: the 17th browser waited for others' connections to time out (120 s).
- 200 connections that each send half a request and hold it (slowloris) do not stop the server answering a
  normal request within 2 s. Waitress as it came stopped answering anyone.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.e2e.conftest import LiveServer, assert_no_js_errors
from tests.e2e.editor_driver import READY

pytestmark = pytest.mark.e2e

ROOM = 30
READY_WITHIN_S = 5.0
HALF_OPEN = 200


def join_together(pages: list[Any], server: LiveServer) -> None:
    """Everyone joins through the form at once, as a room does (join_through_the_form's steps, interleaved)."""
    for page in pages:
        page.goto(server.url, wait_until="commit")
    for number, page in enumerate(pages):
        page.wait_for_load_state()
        assert "/join" in page.url
        page.locator("input[name=name]").click()
        page.keyboard.type(f"Person {number + 1:02d}")
        page.keyboard.press("Enter")
    for number, page in enumerate(pages):
        try:
            page.wait_for_url(server.url)
            page.wait_for_load_state()
        except Exception as exc:  # Playwright's TimeoutError (15 s): say who
            pytest.fail(f"browser {number + 1} of {len(pages)} could not join ({type(exc).__name__})")


def test_thirty_browsers_join_and_open_the_editor_in_turn_each_ready_within_5_s(
        room: LiveServer, contexts: Callable[..., Any]) -> None:
    errors: list[str] = []
    pages = [contexts(errors, viewport=(800, 600)) for _ in range(ROOM)]
    join_together(pages, room)
    waits: list[float] = []
    for person, page in enumerate(pages):
        started = time.monotonic()
        try:
            page.goto(f"{room.url}annotate/{person % 8 + 1}", timeout=READY_WITHIN_S * 1000)
            page.wait_for_function(READY, timeout=READY_WITHIN_S * 1000)
        except Exception as exc:  # Playwright's TimeoutError: say who, after how many
            pytest.fail(f"browser {person + 1} of {ROOM}: editor not ready within {READY_WITHIN_S:.0f} s "
                        f"({type(exc).__name__}); the ones before took {[round(w, 2) for w in waits]} s")
        waits.append(time.monotonic() - started)
    assert max(waits) < READY_WITHIN_S
    assert_no_js_errors(errors)


def test_a_request_is_answered_within_2_s_while_200_connections_hold_half_a_request(
        empty_live_server: LiveServer) -> None:
    where = urlsplit(empty_live_server.url)
    held: list[socket.socket] = []
    try:
        for _ in range(HALF_OPEN):
            conn = socket.create_connection((where.hostname, where.port), timeout=5)
            conn.sendall(f"GET / HTTP/1.1\r\nHost: {where.netloc}\r\nX-Slow: ".encode())
            held.append(conn)
        time.sleep(0.5)  # the server has taken them all in (or stopped accepting)
        started = time.monotonic()
        try:
            answer = requests.get(f"{empty_live_server.url}api/images", timeout=5)
        except requests.RequestException as exc:
            pytest.fail(f"no answer while {HALF_OPEN} half-sent requests are held: {exc}")
        elapsed = time.monotonic() - started
        assert answer.status_code == 200
        assert elapsed < 2.0, f"answered after {elapsed:.2f} s"
    finally:
        for conn in held:
            conn.close()
