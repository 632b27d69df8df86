"""Which of this computer's addresses a room can open (annotator/web/network.py), from made-up interface lists."""

from __future__ import annotations

from annotator.web.network import (
    ParticipantAddress,
    addresses_for_host,
    join_url,
    participant_addresses,
    reaches_only_this_computer,
    this_computer,
)

# A laptop as a stock Debian or Ubuntu lists it: loopback, a docker bridge, Wi-Fi with IPv4 and IPv6, a VPN.
LAPTOP = [
    ("lo", "127.0.0.1"), ("lo", "::1"),
    ("docker0", "172.17.0.1"), ("br-5f2a1c", "172.18.0.1"), ("veth12ab", "fe80::1c2d:3eff:fe4f:5a6b%veth12ab"),
    ("tailscale0", "100.101.102.103"),
    ("wlan0", "2a02:8108:1:2::23"), ("wlan0", "fd00::23"), ("wlan0", "fe80::aa:bb:cc%wlan0"),
    ("wlan0", "192.168.1.23"),
    ("enp0s31f6", "169.254.12.34"),  # a cable with no DHCP: link-local only
]


def test_the_room_s_wifi_comes_first_then_other_ipv4_then_ipv6_unique_local_then_global():
    assert participant_addresses(LAPTOP) == [
        ParticipantAddress("wlan0", "192.168.1.23"),
        ParticipantAddress("tailscale0", "100.101.102.103"),
        ParticipantAddress("wlan0", "fd00::23"),
        ParticipantAddress("wlan0", "2a02:8108:1:2::23"),
    ]


def test_loopback_link_local_and_virtual_bridges_are_left_out():
    left_out = [("lo", "127.0.0.1"), ("lo", "::1"), ("eth0", "169.254.1.1"), ("eth0", "fe80::1%eth0"),
                ("docker0", "172.17.0.1"), ("br-1a2b3c", "172.18.0.1"), ("virbr0", "192.168.122.1"),
                ("vboxnet0", "192.168.56.1"), ("vEthernet (WSL)", "172.28.0.1"), ("vmnet8", "192.168.200.1"),
                ("eth0", "0.0.0.0"), ("eth0", "224.0.0.251"), ("eth0", "::ffff:192.168.1.5"), ("eth0", "not an ip")]
    assert participant_addresses(left_out) == []


def test_every_private_range_counts_as_the_lan_and_keeps_the_system_s_order():
    interfaces = [("eth1", "203.0.113.9"), ("eth0", "10.0.0.5"), ("wlan0", "172.20.1.2"), ("wlan1", "172.32.0.1"),
                  ("usb0", "192.168.42.129")]
    assert [a.address for a in participant_addresses(interfaces)] == [
        "10.0.0.5", "172.20.1.2", "192.168.42.129",  # 172.16/12 ends at 172.31: 172.32 is not private
        "203.0.113.9", "172.32.0.1"]


def test_an_address_on_two_interfaces_is_listed_once_and_a_real_bridge_named_br0_is_kept():
    interfaces = [("br0", "192.168.1.5"), ("eth0", "192.168.1.5")]
    assert participant_addresses(interfaces) == [ParticipantAddress("br0", "192.168.1.5")]


def test_the_socket_s_family_decides_which_addresses_can_be_opened():
    # waitress on 0.0.0.0 answers IPv4 only, on :: IPv6 only (it sets IPV6_V6ONLY).
    assert [a.address for a in addresses_for_host("0.0.0.0", LAPTOP)] == ["192.168.1.23", "100.101.102.103"]
    assert [a.address for a in addresses_for_host("", LAPTOP)] == ["192.168.1.23", "100.101.102.103"]
    assert [a.address for a in addresses_for_host("::", LAPTOP)] == ["fd00::23", "2a02:8108:1:2::23"]


def test_a_specific_host_is_itself_with_its_interface_when_known():
    assert addresses_for_host("192.168.1.23", LAPTOP) == [ParticipantAddress("wlan0", "192.168.1.23")]
    assert addresses_for_host("fd00:0::23", LAPTOP) == [ParticipantAddress("wlan0", "fd00::23")]
    assert addresses_for_host("10.9.9.9", LAPTOP) == [ParticipantAddress("", "10.9.9.9")]
    assert addresses_for_host("annotator.local", LAPTOP) == [ParticipantAddress("", "annotator.local")]


def test_a_machine_with_loopback_only_has_nothing_for_the_room_and_its_own_browser_uses_loopback():
    assert addresses_for_host("0.0.0.0", [("lo", "127.0.0.1"), ("lo", "::1")]) == []
    assert this_computer("0.0.0.0").url(5000) == "http://127.0.0.1:5000/"
    assert this_computer("::").url(5000) == "http://[::1]:5000/"


def test_urls_put_ipv6_addresses_in_brackets():
    assert ParticipantAddress("wlan0", "192.168.1.23").url(5000) == "http://192.168.1.23:5000/"
    assert ParticipantAddress("wlan0", "fd00::23").url(8080) == "http://[fd00::23]:8080/"


def test_the_join_address_is_the_first_recorded_one_else_the_page_s_own():
    assert join_url(["http://192.168.1.23:5000/", "http://100.101.102.103:5000/"],
                    "http://127.0.0.1:5000/") == "http://192.168.1.23:5000/"
    assert join_url(None, "http://annotator.example:8000/") == "http://annotator.example:8000/"
    assert join_url([], "http://127.0.0.1:5000/") == "http://127.0.0.1:5000/"


def test_loopback_addresses_reach_this_computer_only():
    for url in ("http://127.0.0.1:5000/", "http://localhost/", "http://[::1]:5000/", "http://127.0.1.1:5000/"):
        assert reaches_only_this_computer(url), url
    for url in ("http://192.168.1.23:5000/", "http://[fd00::23]:5000/", "http://annotator.example/"):
        assert not reaches_only_this_computer(url), url
