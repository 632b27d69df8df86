"""Where participants reach this server: the addresses of this computer's network interfaces that people in
the room can open, best first, and the join address shown as a QR code on the workshop and live pages.

`participant_addresses` is the pure choice (tested with made-up interface lists); `interface_addresses` is
the thin shell that asks the operating system (through ifaddr, which works on Linux, macOS and Windows).
Looking the host name up instead (socket.gethostbyname) answers 127.0.1.1 on a stock Debian or Ubuntu.
"""

from __future__ import annotations

import functools
import ipaddress
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

# Private IPv4 ranges of home, school and office networks (RFC 1918): what a room's Wi-Fi hands out.
_LAN_IPV4 = tuple(ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
_UNIQUE_LOCAL_IPV6 = ipaddress.ip_network("fc00::/7")

# Bridges that exist only inside this computer (containers, virtual machines): no phone in the room can reach
# them, so they are left out rather than printed for people to try. Matched on the name's start, any case.
VIRTUAL_INTERFACE_PREFIXES = ("docker", "br-", "veth", "virbr", "vnet", "lxcbr", "lxdbr", "vboxnet", "vmnet",
                              "podman", "cni", "flannel", "cali", "vethernet", "virtualbox", "vmware")

# What `--host` means "every interface" for, and which address family the listening socket then serves
# (waitress listens on "::" for IPv6 only: it sets IPV6_V6ONLY).
WILDCARD_HOSTS = {"0.0.0.0": 4, "": 4, "::": 6}


@dataclass(frozen=True)
class ParticipantAddress:
    """An address of this computer, and the interface it belongs to ("" when not known)."""

    interface: str
    address: str

    def url(self, port: int) -> str:
        host = f"[{self.address}]" if ":" in self.address else self.address
        return f"http://{host}:{port}/"


def is_virtual_interface(name: str) -> bool:
    return name.lower().startswith(VIRTUAL_INTERFACE_PREFIXES)


def _rank(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> int | None:
    """0 LAN IPv4, 1 other IPv4, 2 unique-local IPv6, 3 other IPv6; None for one nobody else can open."""
    if (address.is_loopback or address.is_link_local or address.is_unspecified or address.is_multicast
            or address.is_reserved):
        return None
    if address.version == 4:
        return 0 if any(address in net for net in _LAN_IPV4) else 1
    if address.ipv4_mapped is not None or address.is_site_local:
        return None
    return 2 if address in _UNIQUE_LOCAL_IPV6 else 3


def participant_addresses(interfaces: Iterable[tuple[str, str]], family: int | None = None
                          ) -> list[ParticipantAddress]:
    """The addresses people in the room can open, from (interface name, address) pairs: private IPv4 (the
    room's Wi-Fi) first, then other IPv4 (a VPN's 100.64/10, a public one), then IPv6 unique-local, then
    other IPv6; interfaces keep their given order within a rank. Loopback, link-local (169.254/16,
    fe80::/10), multicast and virtual bridges (VIRTUAL_INTERFACE_PREFIXES) are left out, and so is each
    address after its first appearance. `family` 4 or 6 keeps only that IP version (what the socket serves)."""
    ranked: list[tuple[int, int, ParticipantAddress]] = []
    seen: set[str] = set()
    for order, (name, text) in enumerate(interfaces):
        try:
            address = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone ("%eth0") is no part of it
        except ValueError:
            continue
        rank = _rank(address)
        if rank is None or is_virtual_interface(name) or (family and address.version != family):
            continue
        if str(address) in seen:
            continue
        seen.add(str(address))
        ranked.append((rank, order, ParticipantAddress(name, str(address))))
    return [chosen for _rank_, _order, chosen in sorted(ranked, key=lambda item: item[:2])]


def addresses_for_host(host: str, interfaces: Iterable[tuple[str, str]]) -> list[ParticipantAddress]:
    """Where participants open a server listening on `host`: for a wildcard (0.0.0.0, ::, "") every usable
    interface address of the socket's family, best first (possibly none); otherwise `host` itself, with the
    interface that carries it when there is one."""
    if host in WILDCARD_HOSTS:
        return participant_addresses(interfaces, WILDCARD_HOSTS[host])
    try:
        wanted = str(ipaddress.ip_address(host))
    except ValueError:
        return [ParticipantAddress("", host)]  # a name such as localhost or the computer's
    for name, text in interfaces:
        if text.split("%", 1)[0] == wanted:
            return [ParticipantAddress(name, wanted)]
    return [ParticipantAddress("", wanted)]


def this_computer(host: str) -> ParticipantAddress:
    """Loopback in the family a wildcard `host` listens on: where this computer's own browser still gets in."""
    return ParticipantAddress("", "::1" if WILDCARD_HOSTS.get(host) == 6 else "127.0.0.1")


def interface_addresses() -> list[tuple[str, str]]:
    """(interface name, address) for every address of every network interface, as the system lists them."""
    import ifaddr

    pairs: list[tuple[str, str]] = []
    try:
        adapters = ifaddr.get_adapters()
    except OSError:  # no way to list them: serve says participants cannot reach it, and what to check
        return []
    for adapter in adapters:
        name = adapter.nice_name or adapter.name  # on Windows `name` is a GUID, `nice_name` says "Wi-Fi"
        for ip in adapter.ips:
            pairs.append((name, ip.ip if isinstance(ip.ip, str) else ip.ip[0]))  # IPv6 comes as a tuple
    return pairs


# --- the join address on the instructor's pages -------------------------------------------------------------


def join_url(recorded: Sequence[str] | None, host_url: str) -> str:
    """The address to show the room: the first one `annotator serve` chose, else the one this page was
    opened at (under another WSGI server, or in tests)."""
    return recorded[0] if recorded else host_url


def reaches_only_this_computer(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@functools.lru_cache(maxsize=16)  # ~20 ms to draw; the same few addresses every time
def qr_svg(url: str) -> str | None:
    """A QR code of `url` as an inline <svg> (no size: the page's CSS sizes it), dark on white with the
    standard 4-module quiet zone; None for an address too long for any QR code. Always a full QR code: phone
    cameras do not read Micro QR. Only the modules' geometry is in it, never the text of `url`."""
    import segno

    try:
        code = segno.make_qr(url, error="m")
    except segno.DataOverflowError:
        return None
    return code.svg_inline(omitsize=True, dark="#000", light="#fff", svgclass="room-address-code", lineclass=None)
