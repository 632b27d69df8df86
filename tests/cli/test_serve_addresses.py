"""What `annotator serve` tells the room: every address participants can open, from the network interfaces,
the room's own network first; a warning when there is none. The interfaces are made up (ifaddr answers with
the test's list) and waitress is replaced by a server that returns at once, so nothing listens."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import ifaddr
import pytest

from annotator.web import wsgi_server

PORT = 5123


class ServerThatReturnsAtOnce:
    """Stands in for wsgi_server.make_server: keeps the app it was given, and run() returns as Ctrl+C would."""

    made: list[ServerThatReturnsAtOnce] = []

    def __init__(self, app: Any, host: str = "", port: int = 0, threads: int = 0, **options: Any) -> None:
        self.app, self.options, self.effective_port = app, {"host": host, **options}, PORT
        ServerThatReturnsAtOnce.made.append(self)

    def run(self) -> None:
        return None

    def close(self) -> None:
        return None


def adapter(name: str, *addresses: str) -> ifaddr.Adapter:
    ips = [ifaddr.IP((address, 0, 0) if ":" in address else address, 64 if ":" in address else 24, name)
           for address in addresses]  # ifaddr gives IPv6 as (address, flowinfo, scope_id)
    return ifaddr.Adapter(name, name, ips)


LAPTOP = [adapter("lo", "127.0.0.1", "::1"), adapter("docker0", "172.17.0.1"),
          adapter("tailscale0", "100.101.102.103"),
          adapter("wlan0", "fd00::23", "fe80::aa:bb:cc", "192.168.1.23")]


@pytest.fixture
def serve(run: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """serve(interfaces, *options) -> (click's result, the app serve configured)."""
    monkeypatch.setattr(wsgi_server, "make_server", ServerThatReturnsAtOnce)
    ServerThatReturnsAtOnce.made.clear()

    def invoke(interfaces: list[ifaddr.Adapter], *options: str) -> tuple[Any, Any]:
        monkeypatch.setattr(ifaddr, "get_adapters", lambda: interfaces)
        result = run("serve", "--port", str(PORT), *options)
        assert result.exit_code == 0, result.output
        return result, ServerThatReturnsAtOnce.made[-1].app

    yield invoke
    gc.unfreeze()  # serve froze this test process's heap before its (instant) run


def lines(output: str, start: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith(start)]


def test_serving_the_room_prints_every_address_participants_can_open_lan_first(serve):
    result, app = serve(LAPTOP, "--host", "0.0.0.0")
    assert lines(result.output, "Participants:") == [
        f"Participants: open http://192.168.1.23:{PORT}/ (wlan0)",
        f"Participants: open http://100.101.102.103:{PORT}/ (tailscale0)",
    ]  # not loopback, link-local, docker0's bridge, nor IPv6 (waitress on 0.0.0.0 answers IPv4 only)
    assert f"Open http://192.168.1.23:{PORT}/ in a browser." in result.output
    assert lines(result.output, "Instructor:")[0].startswith(f"Instructor: open http://192.168.1.23:{PORT}/workshop?token=")
    assert "Warning" not in result.output
    # The workshop and live pages show the first as a QR code.
    assert app.config["ANNOTATOR"]["PARTICIPANT_URLS"] == [f"http://192.168.1.23:{PORT}/",
                                                           f"http://100.101.102.103:{PORT}/"]
    page = app.test_client().get("/live", headers={"X-Instructor-Token": app.config["ANNOTATOR"]["INSTRUCTOR_TOKEN"]})
    assert f'data-testid="room-address-url">http://192.168.1.23:{PORT}/<' in page.get_data(as_text=True)


def test_serving_on_ipv6_prints_the_ipv6_addresses_in_brackets(serve):
    result, _app = serve(LAPTOP, "--host", "::")
    assert lines(result.output, "Participants:") == [f"Participants: open http://[fd00::23]:{PORT}/ (wlan0)"]


def test_a_computer_the_room_cannot_reach_says_so_and_what_to_check(serve):
    result, app = serve([adapter("lo", "127.0.0.1", "::1"), adapter("docker0", "172.17.0.1"),
                         adapter("eth0", "169.254.7.7")], "--host", "0.0.0.0")
    warning = lines(result.output, "Warning:")
    assert len(warning) == 1 and "participants cannot reach this computer" in warning[0]
    assert "Wi-Fi" in warning[0] and "--host" in warning[0]
    assert lines(result.output, "Participants:") == []
    # This computer's own browser still gets in, and the instructor's link says where.
    assert f"Open http://127.0.0.1:{PORT}/ in a browser." in result.output
    assert f"Instructor: open http://127.0.0.1:{PORT}/workshop?token=" in result.output
    assert app.config["ANNOTATOR"]["PARTICIPANT_URLS"] == []


def test_serving_one_address_prints_that_address_with_its_interface(serve):
    result, app = serve(LAPTOP, "--host", "192.168.1.23")
    assert lines(result.output, "Participants:") == [f"Participants: open http://192.168.1.23:{PORT}/ (wlan0)"]
    assert app.config["ANNOTATOR"]["PARTICIPANT_URLS"] == [f"http://192.168.1.23:{PORT}/"]


def test_a_workshop_on_loopback_is_told_the_room_cannot_reach_it(serve):
    alone, _app = serve(LAPTOP)  # single-user mode: nobody to tell
    assert f"Open http://127.0.0.1:{PORT}/ in a browser." in alone.output
    assert "Participants" not in alone.output and "token" not in alone.output

    result, _app = serve(LAPTOP, "--instructor-token", "a-token-long-enough-for-a-room")
    assert lines(result.output, "Participants:") == [f"Participants: open http://127.0.0.1:{PORT}/ (lo)"]
    assert "reachable from this computer only" in result.output and "--host 0.0.0.0" in result.output
