"""Hostile COCO files through POST /api/import/coco and `annotator import-coco`, and SSRF.

Every malformed file is refused with a 4xx (exit status 1 on the command line) naming where its first
problem is, and imports nothing. The basics live beside this file: tests/web/test_coco_import.py (not
JSON, not UTF-8, 100,000 brackets, wrong top level, a dozen content errors, a 413 on Content-Length) and
tests/core/test_coco_import.py (every check of parse_coco by its path); these add the cases they leave out,
each through both the API and the CLI, the 50 MB nested-array files with their memory measured, a body
without a Content-Length, and the URLs a COCO file carries, which are never fetched.
"""

from __future__ import annotations

import json
import re
import threading
import tracemalloc
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from annotator.store import library as library_module
from tests.conftest import REPO_ROOT, make_app
from tests.web.test_coco_import import (
    DUSK,
    STREET,
    csrf_for,
    hand_made,
    post_coco,
    state,
    write_json,
)
from tests.web.test_hostile_images import peak_memory_of_cli


@pytest.fixture
def in_library(app) -> None:
    """The two images of the hand-made file, in the library."""
    with app.app_context():
        library_module.add_image(STREET, "street.jpg", "upload")
        library_module.add_image(DUSK, "dusk.png", "upload")


def changed(change: Callable[[dict[str, Any]], Any]) -> dict[str, Any]:
    data = hand_made()
    change(data)
    return data


def polygon(data: dict[str, Any], index: int, *values: Any) -> None:
    data["annotations"][index]["segmentation"] = [list(values)]


# (case, the file, the start of the detail: where and what). Each is refused whole, API and CLI alike.
MALFORMED: list[tuple[str, Callable[[], Any], str]] = [
    # wrong types and missing keys
    ("annotations missing", lambda: changed(lambda d: d.pop("annotations")),
     "annotations: missing; a COCO instance file needs"),
    ("categories an object", lambda: changed(lambda d: d.update(categories={"1": "car"})),
     "categories: must be a list, not an object"),
    ("annotation a string", lambda: changed(lambda d: d["annotations"].__setitem__(2, "oops")),
     "annotations[2]: expected an object, not the string 'oops'"),
    ("image id a float", lambda: changed(lambda d: d["images"][0].update(id=101.0)),
     "images[0].id: must be a whole number, not the number 101.0"),
    ("image height NaN", lambda: changed(lambda d: d["images"][1].update(height=float("nan"))),
     "images[1].height: must be a whole number, not the number nan"),
    ("negative width", lambda: changed(lambda d: d["images"][0].update(width=-200)),
     "images[0].width: must be at least 1, not -200"),
    ("category without a name", lambda: changed(lambda d: d["categories"][1].pop("name")),
     "categories[1].name: missing or not a non-empty string"),
    ("iscrowd 'yes'", lambda: changed(lambda d: d["annotations"][0].update(iscrowd="yes")),
     "annotations[0].iscrowd: must be 0 or 1"),
    ("segmentation null", lambda: changed(lambda d: d["annotations"][0].update(segmentation=None)),
     "annotations[0].segmentation: must be a list of polygons or an RLE object"),
    # dangling and duplicate ids
    ("annotation of a missing image", lambda: changed(lambda d: d["annotations"][1].update(image_id=999)),
     "annotations[1].image_id: no image with id 999 in 'images'"),
    ("duplicate category ids", lambda: changed(lambda d: d["categories"][2].update(id=3)),
     "categories[2].id: duplicate id 3 (also categories[0])"),
    ("duplicate annotation ids", lambda: changed(lambda d: d["annotations"][4].update(id=1)),
     "annotations[4].id: duplicate id 1 (also annotations[0])"),
    # numbers that are not numbers
    ("NaN coordinate", lambda: changed(lambda d: polygon(d, 0, 20, 20, float("nan"), 20, 80, 60)),
     "annotations[0].segmentation[0][2]: not a finite number (NaN or infinity)"),
    ("Infinity coordinate", lambda: changed(lambda d: polygon(d, 0, 20, 20, 80, float("-inf"), 80, 60)),
     "annotations[0].segmentation[0][3]: not a finite number (NaN or infinity)"),
    ("1e400 coordinate", lambda: json.dumps(hand_made()).replace("[[20, 20, 80, 20", "[[20, 20, 1e400, 20"),
     "annotations[0].segmentation[0][2]: not a finite number (NaN or infinity)"),
    ("coordinate a string", lambda: changed(lambda d: polygon(d, 0, 20, "20", 80, 20, 80, 60)),
     "annotations[0].segmentation[0][1]: expected a number, not the string '20'"),
    # polygons of the wrong shape, or too many
    ("odd-length polygon", lambda: changed(lambda d: polygon(d, 0, 20, 20, 80, 20, 80)),
     "annotations[0].segmentation[0]: an odd number of coordinates (5)"),
    ("points as pairs", lambda: changed(lambda d: polygon(d, 0, [20, 20], [80, 20], [80, 60])),
     "annotations[0].segmentation[0][0]: expected a number, not a list"),
    ("201 polygons", lambda: changed(lambda d: d["annotations"][0].update(
        segmentation=[[20, 20, 80, 20, 80, 60]] * 201)),
     "annotations[0].segmentation: 201 polygons; the limit is 200 per annotation"),
    ("10,001 points", lambda: changed(lambda d: polygon(d, 0, *([20, 20, 80, 20] * 5_000 + [80, 60]))),
     "annotations[0].segmentation: more than 10000 points in one annotation"),
    # RLE with bad counts
    ("RLE runs cover far more than the image", lambda: changed(lambda d: d["annotations"][4].update(
        segmentation={"size": [120, 160], "counts": [0, 10**12]})),
     "annotations[4].segmentation.counts: the runs cover 1000000000000 pixels, not the image's 120 x 160"),
    ("RLE negative run", lambda: changed(lambda d: d["annotations"][4].update(
        segmentation={"size": [120, 160], "counts": [19_205, -5]})),
     "annotations[4].segmentation.counts[1]: run lengths must be whole numbers, 0 or more"),
    ("RLE counts a number", lambda: changed(lambda d: d["annotations"][4].update(
        segmentation={"size": [120, 160], "counts": 19_200})),
     "annotations[4].segmentation.counts: must be a string (compressed) or a list of run lengths"),
    ("RLE compressed run too long", lambda: changed(lambda d: d["annotations"][3].update(
        segmentation={"size": [120, 160], "counts": "oooooooo0"})),
     "annotations[3].segmentation.counts: a run in the compressed counts is too long to be real"),
    ("RLE without size", lambda: changed(lambda d: d["annotations"][3]["segmentation"].pop("size")),
     "annotations[3].segmentation: an RLE object needs 'size' [height, width] and 'counts'"),
    # names
    ("category name of 10,000 characters", lambda: changed(lambda d: d["categories"][2].update(name="p" * 10_000)),
     "categories[2].name: longer than 64 characters"),
    ("NUL in a file name", lambda: changed(lambda d: d["images"][0].update(file_name="street\x00.jpg")),
     "images[0].file_name: contains control characters"),
    ("lone surrogate in a class name", lambda: json.dumps(hand_made()).replace('"puddle"', '"\\ud800puddle"'),
     "categories[2].name: is not valid Unicode (a lone surrogate escape"),
    ("lone surrogate in a file name", lambda: json.dumps(hand_made()).replace('"street.jpg"', '"\\udfffstreet.jpg"'),
     "images[0].file_name: is not valid Unicode (a lone surrogate escape"),
]

# (case, the file's bytes, the start of the detail): not JSON as far as the import goes; a 400.
NOT_READ: list[tuple[str, bytes, str]] = [
    ("empty file", b"", "not valid JSON: Expecting value"),
    ("trailing garbage", json.dumps(hand_made()).encode() + b" ]]", "not valid JSON: Extra data"),
    ("a 5,000-digit id", json.dumps(hand_made()).replace('"id": 101', '"id": ' + "9" * 5_000, 1).encode(),
     "not valid JSON: Exceeds the limit"),
    ("65 levels inside a valid file", json.dumps({**hand_made(), "info": json.loads("[" * 64 + "]" * 64)}).encode(),
     "not read: arrays or objects are nested too deeply (more than 64 levels"),
]


@pytest.mark.parametrize(("case", "content", "detail"), MALFORMED, ids=[c[0] for c in MALFORMED])
def test_a_malformed_file_is_refused_naming_where_through_the_api_and_the_cli_and_nothing_is_imported(
        app, client, csrf_headers, in_library, run, tmp_path, case, content, detail):
    data = content()
    body = data if isinstance(data, str) else json.dumps(data)
    before = state(app)
    response = post_coco(client, csrf_headers, body.encode())
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"] == "invalid COCO file"
    assert response.get_json()["detail"].startswith(detail), response.get_json()["detail"]
    assert state(app) == before
    result = run("import-coco", str(write_json(tmp_path / "in", body)))
    assert result.exit_code == 1 and result.stdout == ""
    assert f"Error: coco.json: {detail}" in result.stderr and "Nothing was imported." in result.stderr
    assert state(app) == before


@pytest.mark.parametrize(("case", "content", "detail"), NOT_READ, ids=[c[0] for c in NOT_READ])
def test_a_file_that_cannot_be_read_is_a_400_and_exit_1_naming_the_file(
        app, client, csrf_headers, in_library, run, tmp_path, case, content, detail):
    before = state(app)
    response = post_coco(client, csrf_headers, content, name="upload.json")
    assert response.status_code == 400
    assert response.get_json()["detail"].startswith(f"upload.json: {detail}"), response.get_json()["detail"]
    path = tmp_path / "upload.json"
    path.write_bytes(content)
    result = run("import-coco", str(path))
    assert result.exit_code == 1 and f"Error: upload.json: {detail}" in result.stderr
    assert state(app) == before


def test_a_valid_file_in_utf16_or_with_a_byte_order_mark_is_read(app, client, csrf_headers, in_library):
    text = json.dumps(hand_made())
    assert post_coco(client, csrf_headers, text.encode("utf-16")).status_code == 201
    assert post_coco(client, csrf_headers, b"\xef\xbb\xbf" + text.encode()).status_code == 201


# --- 50 MB of nested arrays -----------------------------------------------------------------------------

SIZE = 50_000_000  # under the default upload limit of 50 MiB with the multipart framing


def nested(kind: str) -> bytes:
    if kind == "deep":  # one array inside another, 25 million deep
        return b"[" * (SIZE // 2) + b"]" * (SIZE // 2)
    if kind == "wide and deep":  # nests 500 deep side by side: the parser's recursion limit never trips
        unit = b"[" * 500 + b"]" * 500
        return b"[" + b",".join([unit] * (SIZE // (len(unit) + 1))) + b"]"
    if kind == "wide and shallow":  # 60 deep, within any depth limit: only the count of arrays gives it away
        unit = b"[" * 60 + b"]" * 60
        return b'{"images": [], "categories": [], "annotations": [], "info": [' + b",".join(
            [unit] * (SIZE // (len(unit) + 1))) + b"]}"
    assert kind == "empty arrays"  # 16 million of them, side by side
    return b"[" + b"[]," * (SIZE // 3 - 1) + b"[]]"


NESTED = ["deep", "wide and deep", "wide and shallow", "empty arrays"]
MEMORY_BOUND_MB = 200  # extra peak memory allowed; parsing any of these would take gigabytes


@pytest.fixture(scope="module")
def nested_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("nested")
    files = {}
    for kind in NESTED:
        files[kind] = folder / f"{kind.replace(' ', '-')}.json"
        files[kind].write_bytes(nested(kind))
    return files


@pytest.mark.parametrize("kind", NESTED)
def test_api_refuses_50_mb_of_nested_arrays_without_eating_memory(data_dir, nested_files, kind):
    app = make_app(data_dir, None)  # SQLite only: the file is refused before the database is reached
    client = app.test_client()
    csrf_headers = csrf_for(client)
    body = nested_files[kind].read_bytes()
    assert len(body) >= SIZE - 1_000
    before = state(app)
    tracemalloc.start()
    try:
        response = post_coco(client, csrf_headers, body)
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert response.status_code == 400, response.get_json()
    assert re.search(r"not read: (arrays or objects are nested too deeply|more than [\d,]+ arrays and objects)",
                     response.get_json()["detail"])
    # The request's body is read whole once (50 MB) and the multipart body is built in the test (50 MB more):
    # the bound leaves the scan itself a few MB, where json.loads would take gigabytes.
    assert peak / 1e6 < MEMORY_BOUND_MB, f"{peak / 1e6:.0f} MB"
    assert state(app) == before


def test_cli_refuses_50_mb_of_nested_arrays_without_eating_memory(nested_files, tmp_path):
    """`annotator import-coco` in its own process: peak resident memory against the same command on a small
    malformed file. (SQLite only: the database is never reached.)"""
    small = write_json(tmp_path / "small", {"images": []})
    baseline = peak_memory_of_cli(["import-coco", str(small)], tmp_path / "data", None)
    assert "categories: missing" in baseline["stderr"]
    peaks = {}
    for kind in ("wide and deep", "empty arrays"):
        output = peak_memory_of_cli(["import-coco", str(nested_files[kind])], tmp_path / "data", None)
        assert "not read:" in output["stderr"] and "Nothing was imported." in output["stderr"], output
        peaks[kind] = output["peak_mb"] - baseline["peak_mb"]
    assert max(peaks.values()) < MEMORY_BOUND_MB, peaks


# --- bodies beyond the upload limit ---------------------------------------------------------------------


class EndlessBody:
    """A request body that would go on for `size` bytes, made as it is read; counts what was read."""

    def __init__(self, size: int) -> None:
        self.size, self.read_bytes = size, 0
        self.head = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="huge.json"\r\n'
                     b"Content-Type: application/json\r\n\r\n[")

    def read(self, n: int = -1) -> bytes:
        n = 65_536 if n is None or n < 0 else min(n, 1 << 20)
        n = min(n, self.size - self.read_bytes)
        start, self.read_bytes = self.read_bytes, self.read_bytes + n
        if start < len(self.head):
            return (self.head + b"0," * n)[start:start + n]
        return b"0," * (n // 2) + b"0" * (n % 2)

    def readline(self, limit: int = -1) -> bytes:
        return self.read(limit if limit and limit > 0 else 65_536)


def test_a_body_without_a_content_length_is_cut_off_at_the_upload_limit(data_dir, database_url):
    app = make_app(data_dir, database_url, MAX_UPLOAD_MB=1)
    client = app.test_client()
    headers = csrf_for(client)
    body = EndlessBody(2 * 1024**3)  # 2 GB, streamed (chunked transfer: no Content-Length to refuse it by)
    # As a WSGI server passes a chunked body on: no length, the stream ends where the body does.
    response = client.post("/api/import/coco", headers=headers, content_type="multipart/form-data; boundary=x",
                           environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True,
                                              "CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked"})
    assert response.status_code == 413 and response.get_json()["error"] == "Request Entity Too Large"
    assert body.read_bytes <= 1024 * 1024 + (1 << 20), body.read_bytes  # the limit, and one read past it
    assert state(app)[2] == 0


# --- SSRF: a COCO file's URLs are never fetched ------------------------------------------------------------


@pytest.fixture
def listener() -> Iterator[tuple[str, list[str]]]:
    """A web server on loopback that records every request made to it; its base URL and the request paths."""
    seen: list[str] = []

    class Recorder(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.end_headers()
            self.wfile.write(STREET)

        do_HEAD = do_POST = do_GET

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()
    thread.join()


def with_urls(base: str) -> dict[str, Any]:
    data = hand_made()
    for image in data["images"]:
        name = image["file_name"].rsplit("/", 1)[-1]
        image.update(coco_url=f"{base}/coco/{name}", flickr_url=f"{base}/flickr/{name}",
                     url=f"{base}/url/{name}")
    data["info"]["url"] = f"{base}/info"
    data["licenses"] = [{"id": 1, "name": "x", "url": f"{base}/license"}]
    return data


def test_api_import_of_a_file_with_image_urls_fetches_nothing(app, client, csrf_headers, in_library, listener):
    base, seen = listener
    response = post_coco(client, csrf_headers, with_urls(base))
    assert response.status_code == 201 and response.get_json()["annotations_imported"] == 5
    # Images missing from the library are not looked for at their URLs either: refused, nothing fetched.
    missing = with_urls(base)
    missing["images"][0].update(file_name="elsewhere.jpg", id=101)
    refused = post_coco(client, csrf_headers, missing)
    assert refused.status_code == 422 and "'elsewhere.jpg' is not in the library" in refused.get_json()["detail"]
    assert seen == []


def test_cli_import_with_a_folder_takes_images_from_the_folder_never_from_urls(run, app, tmp_path, listener):
    base, seen = listener
    photos = tmp_path / "photos"
    photos.mkdir()
    (photos / "street.jpg").write_bytes(STREET)
    (photos / "dusk.png").write_bytes(DUSK)
    data = with_urls(base)
    data["images"][0]["file_name"] = f"{base}/street.jpg"  # a URL as the file name: only its base name is used
    result = run("import-coco", str(write_json(tmp_path / "in", data)), "--images", str(photos))
    assert result.exit_code == 0, result.output
    assert "Imported 5 annotation(s)" in result.stdout
    absent = with_urls(base)  # nothing in the folder for these names: refused, not downloaded
    absent["images"][0]["file_name"] = "not-here.jpg"
    result = run("import-coco", str(write_json(tmp_path / "in2", absent)), "--images", str(tmp_path / "in"))
    assert result.exit_code == 1 and "'not-here.jpg' is not in the library, nor in" in result.stderr
    assert seen == []


def test_an_uploaded_svg_pointing_at_a_url_is_refused_without_fetching_it(client, csrf_headers, listener):
    from tests.conftest import upload

    base, seen = listener
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
           f'<image xlink:href="{base}/svg.png" width="10" height="10"/></svg>').encode()
    response = upload(client, csrf_headers, ("remote.png", svg))
    assert response.status_code == 422 and "not an image" in response.get_json()["detail"]
    assert seen == []


HTTP_CLIENTS = re.compile(r"^\s*(import|from)\s+(requests|httpx|aiohttp|urllib3|urllib\.request|http\.client|"
                          r"pycurl|ftplib|smtplib)\b|urlopen\(|create_connection\(", re.MULTILINE)


def test_the_app_has_no_way_to_fetch_a_url():
    """The SSRF guard at its root: no module of the app imports an HTTP client or opens a connection, so no
    URL given by a user (a COCO file's coco_url, an SVG's href) can be fetched by the server."""
    offenders = [f"{path.relative_to(REPO_ROOT)}: {match.group(0).strip()}"
                 for path in sorted((REPO_ROOT / "annotator").rglob("*.py"))
                 for match in HTTP_CLIENTS.finditer(path.read_text(encoding="utf-8"))]
    assert offenders == []
