"""The front of `annotator serve`: waitress, set up to hold a room of browsers and shrug off slow clients.

Waitress as it comes holds 100 connections, closes an idle one after 120 s and waits for a half-sent request
as long as a byte arrives every 120 s. A browser keeps 6 connections open to a server it loads ES modules
from, so 17 browsers filled it (the 17th waited for others' connections to time out), and 100 connections
that each sent half a request silenced it for everyone. Here:

- up to 1,000 connections (500 on Windows, whose select() takes at most 512 sockets), fewer if the open-file
  limit is lower after raising its soft limit towards the hard one (POSIX); poll() rather than select(), so
  file descriptors above 1024 work on Linux and macOS;
- one address may hold at most CONNECTIONS_PER_ADDRESS (default 64) of them: a browser needs 6, a few
  browsers on one laptop a few dozen. A connection over the cap is answered 503 in the JSON error envelope
  and closed. Loopback addresses are not capped: this computer, or a reverse proxy in front of annotator
  through which the whole room arrives;
- a request whose headers have not all arrived 10 s after its first byte is cut off (slowloris); a kept-alive
  connection idle for 60 s is closed (a browser opens another when it needs one);
- when 80 % of the connections are taken, every second: half-sent requests older than 2 s are closed, then the
  connections idle longest (over 2 s) until under 80 % again, so the slots go to clients sending requests.

The policy (what to close, whom to admit) is plain functions; the classes below only apply it to waitress.
"""

from __future__ import annotations

import ipaddress
import json
import math
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer

CONNECTION_LIMIT = 1000
WINDOWS_CONNECTION_LIMIT = 500  # select() on Windows handles at most 512 sockets; the listener and trigger count
FILES_KEPT_FREE = 64  # open files left for the database, images being read, logs
WANTED_OPEN_FILES = 4096
CONNECTIONS_PER_ADDRESS = 64
IDLE_TIMEOUT_S = 60
HEADER_TIMEOUT_S = 10.0
PRESSURE_SHARE = 0.8
PRESSURE_TIMEOUT_S = 2.0
CHECK_INTERVAL_S = 1

K = TypeVar("K")


# --- the policy: pure -----------------------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (mapped or address).is_loopback


def address_key(host: str) -> str:
    """One key per client address (an IPv4 address seen as IPv6 is the IPv4 address)."""
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return host
    mapped = getattr(address, "ipv4_mapped", None)
    return str(mapped or address)


def admits(host: str, held: int, cap: int, loopback_uncapped: bool = True) -> bool:
    """May one more connection from `host`, which already holds `held`, be accepted? cap <= 0: no cap."""
    return cap <= 0 or held < cap or (loopback_uncapped and is_loopback(host))


@dataclass(frozen=True)
class ConnectionState:
    """What the front knows of one open connection, in seconds of time.time()."""

    last_activity: float
    request_started: float | None  # when the first byte of a request still being received came; None: none
    headers_complete: bool  # of that request
    busy: bool  # a request is being answered
    sending: bool  # an answer is still being sent


def should_close(state: ConnectionState, now: float, idle_timeout: float = IDLE_TIMEOUT_S,
                 header_timeout: float = HEADER_TIMEOUT_S) -> bool:
    """At any time: close a connection that sends its headers too slowly or has sat idle too long."""
    if state.busy:
        return False
    if state.request_started is not None and not state.headers_complete:
        return now - state.request_started > header_timeout
    return now - state.last_activity > idle_timeout  # idle, or a body (an upload) that stopped coming


def is_half_sent(state: ConnectionState, now: float, timeout: float) -> bool:
    return (not state.busy and state.request_started is not None and not state.headers_complete
            and now - state.request_started > timeout)


def is_idle(state: ConnectionState, now: float, timeout: float) -> bool:
    return (not state.busy and not state.sending and state.request_started is None
            and now - state.last_activity > timeout)


def choose_closings(states: Mapping[K, ConnectionState], now: float, open_count: int, limit: int,
                    idle_timeout: float = IDLE_TIMEOUT_S, header_timeout: float = HEADER_TIMEOUT_S,
                    pressure_timeout: float = PRESSURE_TIMEOUT_S) -> list[K]:
    """The connections to close now. Past PRESSURE_SHARE of `limit` (`open_count` counts every open socket):
    also every request half-sent for longer than `pressure_timeout`, then the connections idle longest
    (and longer than `pressure_timeout`), only as many as it takes to get back under the share: closing an
    idle kept-alive connection races the client reusing it, so as few as needed."""
    chosen = [key for key, state in states.items() if should_close(state, now, idle_timeout, header_timeout)]
    threshold = PRESSURE_SHARE * limit
    if open_count < threshold:
        return chosen
    taken = set(chosen)
    chosen += [key for key, state in states.items()
               if key not in taken and is_half_sent(state, now, pressure_timeout)]
    excess = math.ceil(open_count - len(chosen) - threshold + 1)
    if excess > 0:
        taken = set(chosen)
        idle = sorted(((key, state) for key, state in states.items()
                       if key not in taken and is_idle(state, now, pressure_timeout)),
                      key=lambda item: item[1].last_activity)
        chosen += [key for key, _state in idle[:excess]]
    return chosen


def connection_limit(open_files_soft_limit: int | None, platform: str = sys.platform) -> int:
    """How many connections to hold, given the open-file limit (None: none known, as on Windows)."""
    limit = WINDOWS_CONNECTION_LIMIT if platform == "win32" else CONNECTION_LIMIT
    if open_files_soft_limit is not None:
        limit = min(limit, open_files_soft_limit - FILES_KEPT_FREE)
    return max(limit, 16)


def raise_open_file_limit(wanted: int = WANTED_OPEN_FILES) -> int | None:
    """Raise the soft limit on open files towards `wanted` (never past the hard limit); the limit now in
    force, or None where there is none to raise (Windows)."""
    try:
        import resource
    except ImportError:
        return None
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    for target in (wanted, 10240, 4096, 2048):  # macOS refuses more than OPEN_MAX (10240) even when hard is higher
        if hard != resource.RLIM_INFINITY:
            target = min(target, hard)
        if target <= soft:
            break
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            break
        except (ValueError, OSError):
            continue
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def refusal(cap: int) -> bytes:
    body = json.dumps({"error": "too many connections",
                       "detail": f"This address already holds {cap} connections to the server. Close other "
                                 "tabs or browsers pointed at it, then reload."}).encode()
    return (b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b"Retry-After: 5\r\nContent-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body)


# --- the shell: waitress ---------------------------------------------------------------------------------------


class RoomChannel(HTTPChannel):
    """Waitress's connection, noting when the request it is receiving began, and counted per address."""

    request_started: float | None = None
    counted_as: str | None = None

    def received(self, data: bytes) -> bool:
        before = self.request
        result = super().received(data)
        if self.request is None:
            self.request_started = None
        elif self.request is not before:
            self.request_started = time.time()
        return result

    def state(self) -> ConnectionState:
        request = self.request
        return ConnectionState(last_activity=self.last_activity,
                               request_started=self.request_started if request is not None else None,
                               headers_complete=bool(request is not None and request.headers_finished),
                               busy=bool(self.requests), sending=bool(self.total_outbufs_len))

    def has_unread_input(self) -> bool:
        """Has the client sent something not read yet? A connection that looked idle may have just been reused:
        closing it now would throw the request away (a reset, which a browser retries but a script may not)."""
        try:
            return bool(self.socket.recv(1, socket.MSG_PEEK))
        except OSError:  # nothing waiting (BlockingIOError), or the connection is gone
            return False

    def del_channel(self, map: Any = None) -> None:
        super().del_channel(map)
        if self.counted_as is not None:
            self.server.forget(self.counted_as)
            self.counted_as = None


class RoomServer(TcpWSGIServer):
    """Waitress's TCP server with a cap per client address and the closing policy above."""

    channel_class = RoomChannel
    per_address_cap = CONNECTIONS_PER_ADDRESS
    loopback_uncapped = True
    header_timeout = HEADER_TIMEOUT_S
    pressure_timeout = PRESSURE_TIMEOUT_S

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.held: Counter[str] = Counter()
        self.held_lock = threading.Lock()
        super().__init__(*args, **kwargs)

    def forget(self, key: str) -> None:
        with self.held_lock:
            self.held[key] -= 1
            if self.held[key] <= 0:
                del self.held[key]

    def handle_accept(self) -> None:
        try:
            accepted = self.accept()
            if accepted is None:
                return
            conn, addr = accepted
            self.set_socket_options(conn)
        except OSError:  # the client left before we got to it (as waitress's own handle_accept allows)
            return
        addr = self.fix_addr(addr)
        key = address_key(str(addr[0])) if isinstance(addr, tuple) else str(addr)
        with self.held_lock:
            admitted = admits(key, self.held[key], self.per_address_cap, self.loopback_uncapped)
            if admitted:
                self.held[key] += 1
        if not admitted:
            try:
                conn.setblocking(False)
                conn.send(refusal(self.per_address_cap))
            except OSError:
                pass
            conn.close()
            return
        channel = self.channel_class(self, conn, addr, self.adj, map=self._map)
        channel.counted_as = key

    def maintenance(self, now: float) -> None:
        channels = {fd: channel for fd, channel in list(self.active_channels.items())
                    if isinstance(channel, RoomChannel)}
        states = {fd: channel.state() for fd, channel in channels.items()}
        for fd in choose_closings(states, now, len(self._map), self.adj.connection_limit,
                                  idle_timeout=self.adj.channel_timeout, header_timeout=self.header_timeout,
                                  pressure_timeout=self.pressure_timeout):
            if states[fd].request_started is None and channels[fd].has_unread_input():
                continue  # not idle after all: a request has just come in on it
            channels[fd].will_close = True


def make_server(app: Any, host: str, port: int, threads: int, **options: Any) -> RoomServer:
    """The waitress server `annotator serve` runs: bound and listening, not yet serving (call .run()).
    `options` override waitress adjustments (tests)."""
    from waitress.adjustments import Adjustments
    from waitress.task import ThreadedTaskDispatcher

    settings: dict[str, Any] = dict(
        host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True,
        # waitress would otherwise buffer bodies up to 1 GB before Flask refuses them: stop at our limit.
        max_request_body_size=app.config["MAX_CONTENT_LENGTH"] + 1024 * 1024,
        connection_limit=connection_limit(raise_open_file_limit()), channel_timeout=IDLE_TIMEOUT_S,
        cleanup_interval=CHECK_INTERVAL_S,
        asyncore_use_poll=True,  # ignored on Windows, which has no poll(): select() there (hence its lower limit)
    )
    settings.update(options)
    adj = Adjustments(**settings)
    # A name may resolve to several addresses (localhost: 127.0.0.1 and ::1): serve the first, IPv4 if any.
    sockinfo = next((info for info in adj.listen if info[0] == socket.AF_INET), adj.listen[0])
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(adj.threads)
    server = RoomServer(app, map={}, dispatcher=dispatcher, adj=adj, sockinfo=sockinfo)
    server.per_address_cap = app.config["ANNOTATOR"].get("CONNECTIONS_PER_ADDRESS", CONNECTIONS_PER_ADDRESS)
    return server
