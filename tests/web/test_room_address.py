"""The join address on the instructor's workshop and live pages: the address `annotator serve` chose (else the one
the page was opened at) in large type, and a QR code of it that a phone reads. The QR code is checked by
decoding it (zxing-cpp) from the modules the SVG draws, not by comparing it with segno's own output."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image, ImageDraw

from tests.conftest import INSTRUCTOR_TOKEN, join, make_app

TOKEN = {"X-Instructor-Token": INSTRUCTOR_TOKEN}
LAN, VPN = "http://192.168.1.23:5000/", "http://100.101.102.103:5000/"


def qr_text(page: str) -> str:
    """Decode the page's QR code: paint the dark modules its SVG path draws, then read the picture."""
    svg = re.search(r'data-testid="room-address-qr">\s*(<svg .*?</svg>)', page, re.S).group(1)
    size = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    path = re.search(r'<path stroke="#000" d="([^"]+)"', svg).group(1)
    scale = 8
    picture = Image.new("L", (size * scale, size * scale), 255)
    draw = ImageDraw.Draw(picture)
    x = y = 0.0
    for command, first, second in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path):
        if command == "M":
            x, y = float(first), float(second)
        elif command == "m":
            x, y = x + float(first), y + float(second)
        else:  # h: a horizontal stroke one module wide along the row's middle line
            row = int(y)
            draw.rectangle([x * scale, row * scale, (x + float(first)) * scale - 1, (row + 1) * scale - 1], fill=0)
            x += float(first)
    found = zxingcpp.read_barcodes(picture)
    assert len(found) == 1 and found[0].format == zxingcpp.BarcodeFormat.QRCode, found
    return found[0].text


def shown_url(page: str) -> str:
    return html.unescape(re.search(r'data-testid="room-address-url">([^<]*)<', page).group(1))


@pytest.fixture
def served_room(data_dir: Path, database_url: str | None):
    """A workshop whose server found the room's Wi-Fi and a VPN (as `annotator serve --host 0.0.0.0` records)."""
    return make_app(data_dir, database_url, INSTRUCTOR_TOKEN=INSTRUCTOR_TOKEN, PARTICIPANT_URLS=[LAN, VPN])


@pytest.mark.parametrize("path", ["/workshop", "/live"])
def test_the_instructor_s_pages_show_the_address_serve_chose_and_a_qr_code_of_it(served_room, path):
    participant = served_room.test_client()
    join(participant, "Amara")
    refused = participant.get(path)
    assert refused.status_code == 403 and 'data-testid="room-address' not in refused.get_data(as_text=True)

    response = served_room.test_client().get(path, headers=TOKEN)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert shown_url(page) == LAN
    assert qr_text(page) == LAN
    assert VPN in re.search(r'data-testid="room-address-others">(.*?)</p>', page, re.S).group(1)
    assert 'data-testid="room-address-local"' not in page


def test_without_an_address_from_serve_the_page_shows_the_one_it_was_opened_at(room):
    # Another WSGI server (or a reverse proxy in front): nothing recorded, the browser's own address is it.
    page = room.test_client().get("/live", headers=TOKEN, base_url="http://annotator.example:8000/")
    text = page.get_data(as_text=True)
    assert shown_url(text) == qr_text(text) == "http://annotator.example:8000/"
    assert 'data-testid="room-address-local"' not in text


def test_an_address_that_reaches_this_computer_only_says_so(room, client):
    text = room.test_client().get("/workshop", headers=TOKEN, base_url="http://127.0.0.1:5000/").get_data(as_text=True)
    assert shown_url(text) == qr_text(text) == "http://127.0.0.1:5000/"
    assert "works on this computer only" in text and "--host 0.0.0.0" in text
    # Single-user mode (loopback, no token) has no room to show an address to.
    for path in ("/workshop", "/live"):
        response = client.get(path)
        assert response.status_code == 200 and 'data-testid="room-address"' not in response.get_data(as_text=True)


def test_the_address_is_shown_as_text_never_as_markup(data_dir, database_url):
    # serve's addresses come from the interfaces and the fallback from a Host header Werkzeug has checked;
    # were there ever markup in one, the page shows it as typed.
    odd = 'http://a"><b id="bold">b</b>/'
    app = make_app(data_dir, database_url, INSTRUCTOR_TOKEN=INSTRUCTOR_TOKEN, PARTICIPANT_URLS=[odd, odd])
    for path in ("/workshop", "/live"):
        text = app.test_client().get(path, headers=TOKEN).get_data(as_text=True)
        assert '<b id="bold">' not in text
        assert shown_url(text) == odd and qr_text(text) == odd
