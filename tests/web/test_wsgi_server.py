"""The serve front (annotator/web/wsgi_server.py): its policy as plain functions, then a real RoomServer on
loopback, its event loop pumped by the test, with raw sockets as clients.

- admission: a cap per client address, loopback (this computer, a reverse proxy) uncapped;
- closing: a request whose headers are not in within the header timeout, an idle kept-alive connection after
  the idle timeout, both sooner when most connections are taken; never one being answered;
- the connection limit: 1,000 (500 on Windows), lower when the open-file limit is;
- on the wire: the connection over the cap is answered 503 in the JSON error envelope and closed, and one
  more is admitted once one closes; a half-sent request is cut off; under pressure idle connections go.
"""

from __future__ import annotations

import contextlib
import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from annotator.web import wsgi_server
from annotator.web.wsgi_server import (
    ConnectionState,
    admits,
    choose_closings,
    connection_limit,
    make_server,
    should_close,
)

# --- policy --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "held", "cap", "expected"), [
    ("192.168.1.20", 0, 64, True),
    ("192.168.1.20", 63, 64, True),
    ("192.168.1.20", 64, 64, False),
    ("fe80::1", 64, 64, False),
    ("192.168.1.20", 500, 0, True),  # 0: no cap
    ("127.0.0.1", 500, 64, True),  # loopback: a reverse proxy carries the whole room
    ("::1", 500, 64, True),
    ("::ffff:127.0.0.1", 500, 64, True),
    ("::ffff:10.0.0.5", 64, 64, False),
])
def test_admits_up_to_the_cap_per_address_except_loopback(host: str, held: int, cap: int, expected: bool) -> None:
    assert admits(wsgi_server.address_key(host), held, cap) is expected


def test_loopback_can_be_capped_too() -> None:
    assert not admits("127.0.0.1", 3, 3, loopback_uncapped=False)


def test_an_ipv4_address_seen_as_ipv6_is_one_address() -> None:
    assert wsgi_server.address_key("::ffff:10.0.0.5") == wsgi_server.address_key("10.0.0.5") == "10.0.0.5"


def state(last_activity: float = 0.0, request_started: float | None = None, headers_complete: bool = False,
          busy: bool = False, sending: bool = False) -> ConnectionState:
    return ConnectionState(last_activity, request_started, headers_complete, busy, sending)


@pytest.mark.parametrize(("connection", "now", "expected"), [
    (state(last_activity=100), 159, False),  # idle 59 s: kept
    (state(last_activity=100), 161, True),  # idle 61 s: closed
    (state(last_activity=109, request_started=100), 109.5, False),  # headers trickling in for 9.5 s
    (state(last_activity=110, request_started=100), 110.5, True),  # 10.5 s and still no end: slowloris
    (state(last_activity=150, request_started=100, headers_complete=True), 160, False),  # an upload
    (state(last_activity=100, request_started=100, headers_complete=True), 161, True),  # a stalled one
    (state(last_activity=0, request_started=0, busy=True), 1000, False),  # being answered: never
])
def test_should_close(connection: ConnectionState, now: float, expected: bool) -> None:
    assert should_close(connection, now) is expected


ROOM = {  # at now = 100
    "idle 30 s": state(last_activity=70),
    "idle 10 s": state(last_activity=90),
    "idle 1 s": state(last_activity=99),
    "sending": state(last_activity=80, sending=True),
    "answering": state(last_activity=0, request_started=0, busy=True),
    "half-sent 3 s": state(last_activity=99, request_started=97),
    "half-sent 1 s": state(last_activity=99.5, request_started=99),
    "uploading": state(last_activity=99, request_started=90, headers_complete=True),
}


def test_below_the_pressure_share_only_the_usual_timeouts_close() -> None:
    assert choose_closings(ROOM, 100, open_count=79, limit=100) == []
    assert choose_closings(ROOM, 170, open_count=79, limit=100) == [
        "idle 30 s", "idle 10 s", "idle 1 s", "sending", "half-sent 3 s", "half-sent 1 s", "uploading"]


def test_under_pressure_half_sent_requests_go_then_the_longest_idle_until_under_the_share() -> None:
    assert choose_closings(ROOM, 100, open_count=80, limit=100) == ["half-sent 3 s"]  # 79 left: enough
    assert choose_closings(ROOM, 100, open_count=81, limit=100) == ["half-sent 3 s", "idle 30 s"]
    assert choose_closings(ROOM, 100, open_count=95, limit=100) == ["half-sent 3 s", "idle 30 s", "idle 10 s"]


def test_connection_limit_follows_the_platform_and_the_open_file_limit() -> None:
    assert connection_limit(20_000, "linux") == 1000
    assert connection_limit(None, "win32") == 500  # select() takes 512 sockets there
    assert connection_limit(256, "darwin") == 256 - wsgi_server.FILES_KEPT_FREE  # macOS's default soft limit
    assert connection_limit(20, "linux") == 16


def test_refusal_is_a_complete_http_answer_in_the_error_envelope() -> None:
    head, body = wsgi_server.refusal(64).split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 503 ")
    assert f"Content-Length: {len(body)}".encode() in head
    assert set(json.loads(body)) == {"error", "detail"}


# --- on the wire ---------------------------------------------------------------------------------------------


def tiny_app() -> Flask:
    app = Flask(__name__)
    app.config.update(MAX_CONTENT_LENGTH=1024 * 1024, ANNOTATOR={"CONNECTIONS_PER_ADDRESS": 3})

    @app.get("/")
    def hello() -> str:
        return "hello"

    return app


@pytest.fixture
def server() -> Iterator[Any]:
    front = make_server(tiny_app(), "127.0.0.1", 0, threads=2, connection_limit=10)
    front.loopback_uncapped = False  # every client here is on loopback: cap it as if it were the room
    yield front
    front.task_dispatcher.shutdown()
    for channel in list(front._map.values()):
        channel.close()


def pump(server: Any, seconds: float) -> None:
    """Run the server's event loop for a while (it checks its connections once a second)."""
    until = time.monotonic() + seconds
    while time.monotonic() < until:
        server.asyncore.loop(timeout=0.05, map=server._map, use_poll=True, count=1)


def connect(server: Any) -> socket.socket:
    conn = socket.create_connection(("127.0.0.1", server.effective_port), timeout=2)
    pump(server, 0.1)
    return conn


def closed_by_server(conn: socket.socket) -> bool:
    conn.settimeout(0.01)
    try:
        return conn.recv(1024) == b""
    except TimeoutError:
        return False
    except ConnectionResetError:
        return True


def get(server: Any, conn: socket.socket) -> bytes:
    conn.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = b""
    until = time.monotonic() + 5
    while b"hello" not in answer and time.monotonic() < until:
        pump(server, 0.05)
        conn.settimeout(0.01)
        with contextlib.suppress(TimeoutError):
            answer += conn.recv(4096)
    return answer


def test_one_connection_over_the_cap_is_answered_503_and_closed(server: Any) -> None:
    held = [connect(server) for _ in range(3)]
    over = connect(server)
    over.settimeout(2)
    answer = over.recv(4096)
    assert answer.startswith(b"HTTP/1.1 503 ")
    assert json.loads(answer.split(b"\r\n\r\n", 1)[1])["error"] == "too many connections"
    assert over.recv(4096) == b""
    assert b"hello" in get(server, held[0])  # those admitted are served
    held[1].close()
    pump(server, 0.2)
    again = connect(server)
    assert b"hello" in get(server, again)  # a slot freed is a slot given
    for conn in [*held, over, again]:
        conn.close()


def test_a_request_whose_headers_trickle_in_is_cut_off(server: Any) -> None:
    server.header_timeout = 0.5
    slow = connect(server)
    slow.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nX-Slow: ")
    idle = connect(server)
    pump(server, 2.2)
    assert closed_by_server(slow)
    assert not closed_by_server(idle)  # idle, not slow: kept for the idle timeout
    assert b"hello" in get(server, idle)
    slow.close()
    idle.close()


def test_under_pressure_the_longest_idle_connections_are_closed_until_under_the_share(server: Any) -> None:
    server.pressure_timeout = 0.5
    server.per_address_cap = 0
    idle = [connect(server) for _ in range(7)]  # with the listener and the trigger 9 of 10: over 80 %
    time.sleep(0.6)  # all idle for longer than the timeout under pressure
    pump(server, 1.2)
    assert [closed_by_server(conn) for conn in idle] == [True, True] + [False] * 5  # the first two: 7 of 10 left
    assert b"hello" in get(server, idle[2])
    fresh = connect(server)
    assert b"hello" in get(server, fresh)
    for conn in [*idle, fresh]:
        conn.close()


def test_under_pressure_a_connection_reused_just_now_is_not_closed_under_its_request(server: Any) -> None:
    server.pressure_timeout = 0.2
    server.per_address_cap = 0
    idle = [connect(server) for _ in range(7)]  # 9 of 10 taken
    time.sleep(0.5)
    server.next_channel_cleanup = 0  # the check runs before the loop reads what the client sends next
    assert b"hello" in get(server, idle[0])
    for conn in idle:
        conn.close()


def test_the_open_file_soft_limit_is_raised_towards_the_hard_limit() -> None:
    """In a child process (the limit is per process): soft 256, as macOS starts with, then raised."""
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from annotator.web import wsgi_server\n"
        "try:\n"
        "    import resource\n"
        "except ImportError:\n"
        "    print(wsgi_server.raise_open_file_limit()); sys.exit()\n"
        "soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)\n"
        "resource.setrlimit(resource.RLIMIT_NOFILE, (256, hard))\n"
        "raised = wsgi_server.raise_open_file_limit()\n"
        "assert raised == resource.getrlimit(resource.RLIMIT_NOFILE)[0]\n"
        "print(raised, hard)\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout.split()
    if out == ["None"]:  # Windows: no open-file limit to raise
        return
    raised, hard = int(out[0]), int(out[1])
    assert raised == min(wsgi_server.WANTED_OPEN_FILES, hard if hard >= 0 else wsgi_server.WANTED_OPEN_FILES)
