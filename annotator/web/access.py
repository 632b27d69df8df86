"""Who may use single-user mode, and what an instructor token must be: one rule for `annotator serve` and
for `create_app` (which a WSGI server such as `waitress-serve --call annotator:create_app` builds directly).

Single-user mode (no instructor token) makes whoever is at the computer the instructor. That is only safe for
this computer itself: a request must come from a loopback peer AND name a loopback host. The Host check is
what stops DNS rebinding: a page on an attacker's domain that re-points its name at 127.0.0.1 reaches the
app from a loopback peer, but its requests still say `Host: attacker.example`. Behind a reverse proxy every
request arrives from the proxy, often over loopback, so single-user mode is never offered there.

Pure functions: no Flask, no request.
"""

from __future__ import annotations

import ipaddress
import secrets

MIN_TOKEN_LENGTH = 16  # characters; a generated token is 32 (token_urlsafe(24): 192 bits)

REFUSAL_TITLE = "only for this computer"
REFUSAL_DETAIL = ("This annotator runs in single-user mode, which is only for the computer it runs on: open it "
                  "there at http://localhost:PORT/. To serve a room, start it with "
                  "`annotator serve --host 0.0.0.0`, which sets an instructor token and lets participants join "
                  "by name (or set ANNOTATOR_INSTRUCTOR_TOKEN).")
PROXY_REFUSAL_DETAIL = ("Behind a reverse proxy (ANNOTATOR_BEHIND_PROXY) annotator serves a room and needs an "
                        "instructor token: set ANNOTATOR_INSTRUCTOR_TOKEN (at least "
                        f"{MIN_TOKEN_LENGTH} characters).")


def is_loopback(host: str | None) -> bool:
    """True for a name or address that can only mean this computer: `localhost`, 127.0.0.0/8, ::1 (also in
    brackets, or IPv4-mapped as ::ffff:127.0.0.1). Any other name, even one that resolves to 127.0.0.1 today,
    is False: DNS is the attacker's to change."""
    if not host:
        return False
    host = host.strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if host.lower() == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def host_of(host_header: str | None) -> str:
    """The host part of a Host header: `localhost:5000` -> `localhost`, `[::1]:5000` -> `[::1]`."""
    value = (host_header or "").strip()
    if value.startswith("["):
        end = value.find("]")
        return value[: end + 1] if end != -1 else value
    if value.count(":") == 1:  # host:port; an unbracketed IPv6 address (several colons) is left whole
        return value.split(":", 1)[0]
    return value


def single_user_allowed(peer_address: str | None, host_header: str | None, behind_proxy: bool) -> bool:
    """May this request use single-user mode? Only from this computer, addressed to this computer."""
    return not behind_proxy and is_loopback(peer_address) and is_loopback(host_of(host_header))


def needs_token(bind_host: str, behind_proxy: bool) -> bool:
    """Must `annotator serve` on `bind_host` have an instructor token (made up if none was given)? Yes unless
    only this computer can reach it."""
    return behind_proxy or not is_loopback(bind_host)


def token_for_serving(bind_host: str, given: str | None, behind_proxy: bool) -> str | None:
    """The token to serve with: the one given, else a random one when the server is reachable by others,
    else None (single-user mode)."""
    if given:
        return given
    return secrets.token_urlsafe(24) if needs_token(bind_host, behind_proxy) else None


def check_token(token: str | None) -> None:
    """Refuse a chosen token too short to resist guessing (ValueError says why); None means no token."""
    if token is not None and len(token) < MIN_TOKEN_LENGTH:
        raise ValueError(f"the instructor token (--instructor-token / ANNOTATOR_INSTRUCTOR_TOKEN) must be at least "
                         f"{MIN_TOKEN_LENGTH} characters long, not {len(token)}; leave it unset when serving the "
                         "room and `annotator serve` makes up a strong one")
