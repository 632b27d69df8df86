"""The single-user rule (who is "this computer") and the token rule, as pure functions."""

from __future__ import annotations

import stat

import pytest

from annotator.store import private_files
from annotator.web import access


@pytest.mark.parametrize("host", ["localhost", "LocalHost", "127.0.0.1", "127.8.9.10", "::1", "[::1]",
                                  "::ffff:127.0.0.1"])
def test_loopback_names_and_addresses(host):
    assert access.is_loopback(host)


@pytest.mark.parametrize("host", ["", None, "0.0.0.0", "::", "192.168.1.20", "10.0.0.1", "::ffff:10.0.0.1",
                                  "attacker.example", "localhost.attacker.example", "127.0.0.1.nip.io",
                                  "localhost.", "[::1", "example.com:80"])
def test_anything_else_is_not_loopback(host):
    assert not access.is_loopback(host)


@pytest.mark.parametrize(("header", "host"), [
    ("localhost", "localhost"), ("localhost:5000", "localhost"), ("127.0.0.1:80", "127.0.0.1"),
    ("[::1]", "[::1]"), ("[::1]:5000", "[::1]"), ("attacker.example:5000", "attacker.example"),
    ("", ""), (None, "")])
def test_the_host_of_a_host_header(header, host):
    assert access.host_of(header) == host


@pytest.mark.parametrize("header", ["localhost", "localhost:5000", "127.0.0.1", "127.0.0.1:5000", "[::1]",
                                    "[::1]:5000"])
def test_single_user_mode_is_for_this_computer_asking_for_itself(header):
    assert access.single_user_allowed("127.0.0.1", header, behind_proxy=False)
    assert access.single_user_allowed("::1", header, behind_proxy=False)


@pytest.mark.parametrize(("peer", "header"), [
    ("127.0.0.1", "attacker.example"),        # DNS rebinding: a loopback peer, a foreign name
    ("127.0.0.1", "attacker.example:5000"),
    ("127.0.0.1", "rebind.127.0.0.1.nip.io:5000"),
    ("127.0.0.1", None),                      # no Host at all: fail closed
    ("192.168.1.20", "localhost:5000"),       # another machine, whatever it claims
    ("192.168.1.20", "192.168.1.10:5000"),
    (None, "localhost")])
def test_single_user_mode_refuses_anyone_else(peer, header):
    assert not access.single_user_allowed(peer, header, behind_proxy=False)


def test_behind_a_proxy_single_user_mode_is_never_allowed():
    assert not access.single_user_allowed("127.0.0.1", "localhost:5000", behind_proxy=True)


def test_serve_needs_a_token_unless_only_this_computer_can_reach_it():
    assert not access.needs_token("127.0.0.1", behind_proxy=False)
    assert not access.needs_token("localhost", behind_proxy=False)
    assert access.needs_token("0.0.0.0", behind_proxy=False)
    assert access.needs_token("192.168.1.10", behind_proxy=False)
    assert access.needs_token("127.0.0.1", behind_proxy=True)


def test_the_token_for_serving():
    assert access.token_for_serving("127.0.0.1", None, behind_proxy=False) is None
    assert access.token_for_serving("0.0.0.0", "a-chosen-token-long-enough", behind_proxy=False) == \
        "a-chosen-token-long-enough"
    made = access.token_for_serving("0.0.0.0", None, behind_proxy=False)
    assert made is not None and len(made) >= 32
    assert access.token_for_serving("127.0.0.1", None, behind_proxy=True) is not None


@pytest.mark.parametrize("token", ["t", "teacher", "s3cret-token", "x" * 15])
def test_a_short_token_is_refused(token):
    with pytest.raises(ValueError, match="at least 16 characters"):
        access.check_token(token)


@pytest.mark.parametrize("token", [None, "x" * 16, "teacher-token-for-tests"])
def test_a_long_token_or_none_is_accepted(token):
    access.check_token(token)


@pytest.mark.parametrize(("mode", "private"), [
    (0o644, 0o600), (0o755, 0o700), (0o600, 0o600), (0o777, 0o700), (0o640, 0o600),
    (stat.S_IFREG | 0o664, 0o600)])
def test_the_private_mode_keeps_the_owners_bits_only(mode, private):
    assert private_files.private_mode(mode) == private
