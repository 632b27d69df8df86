"""`annotator serve` as a user runs it: a production WSGI server that says where to point the browser."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest


def fetch(url: str | urllib.request.Request) -> tuple[int, dict[str, str], bytes]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, dict(response.headers), response.read()


def test_serve_runs_on_waitress_and_prints_the_url_to_open(empty_live_server):
    assert empty_live_server.url.startswith("http://127.0.0.1:")
    status, headers, body = fetch(empty_live_server.url)
    assert status == 200 and headers["Server"] == "waitress"
    assert b"No images yet" in body
    assert str(empty_live_server.data_dir) in empty_live_server.stdout_path.read_text()
    assert (empty_live_server.data_dir / "annotator.sqlite3").exists()


def test_serving_the_room_prints_an_address_others_can_reach(start_server):
    server = start_server(load_samples=False, host="0.0.0.0")
    assert "0.0.0.0" not in server.url  # the printed address is one a browser can open
    port = server.url.rsplit(":", 1)[1].rstrip("/")
    status, headers, _ = fetch(f"http://127.0.0.1:{port}/api/images")  # listening on every interface
    assert status == 200 and headers["Content-Type"] == "application/json"
    # Serving a room without a token makes one up: others on the network must not get admin rights.
    printed = server.stdout_path.read_text()
    assert f"{server.url}workshop?token=" in printed and "type a name to join" in printed


def test_serving_only_this_computer_needs_no_instructor_token(empty_live_server):
    assert "token" not in empty_live_server.stdout_path.read_text()


def test_the_served_app_refuses_a_rebound_name_and_answers_its_own(empty_live_server):
    """DNS rebinding against the real server: a loopback peer whose Host is another site's name gets 403."""
    rebound = urllib.request.Request(f"{empty_live_server.url}api/workshop/backups",
                                     headers={"Host": "attacker.example:5000"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(rebound, timeout=10)
    assert refused.value.code == 403
    assert json.loads(refused.value.read())["error"] == "only for this computer"
    port = empty_live_server.url.rsplit(":", 1)[1].rstrip("/")
    own = urllib.request.Request(f"{empty_live_server.url}api/workshop/backups", headers={"Host": f"localhost:{port}"})
    status, _, _ = fetch(own)
    assert status == 200
