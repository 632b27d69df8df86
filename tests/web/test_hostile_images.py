"""Hostile image files and file names, through the upload API and `annotator import-images`.

Each file is either refused with a message naming it and the reason, leaving nothing behind (no file in
the data folder, no row), or accepted safely. The basics live beside this file: tests/web/test_images.py
(a bad file next to a good one, a 12,000 x 10,000 bomb, empty and truncated files, a 413, `../` and NUL in
an upload's name), tests/web/test_serving.py (path traversal in URLs, stored paths leaving the store) and
tests/core/test_images.py (prepare_image case by case).
"""

from __future__ import annotations

import functools
import io
import json
import os
import struct
import subprocess
import sys
import zlib
from collections.abc import Callable
from pathlib import Path

from PIL import Image as PILImage
from sqlalchemy import select

from annotator.core import images as images_module
from annotator.store import library
from annotator.store.models import Image, db
from tests.conftest import image_bytes, make_app

GOOD = image_bytes(64, 48, colour=(10, 120, 200))


# --- hostile files, made cheaply ---------------------------------------------------------------------


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


@functools.cache
def bomb_png(width: int, height: int) -> bytes:
    """A valid black 1-bit PNG of width x height, a few kilobytes on disk: the rows are compressed one by
    one, so making it never holds the bitmap either."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte, then the pixels
    data = b"".join(compressor.compress(row) for _ in range(height)) + compressor.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", data) + _chunk(b"IEND", b"")


def jpeg_declaring(width: int, height: int) -> bytes:
    """A small JPEG whose frame header claims width x height."""
    data = bytearray(image_bytes(16, 16))
    sof = data.index(b"\xff\xc0")
    data[sof + 5:sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_canvas(width: int, height: int) -> bytes:
    """An animated WebP of two 8 x 8 frames on a canvas of width x height (the decoder allocates the canvas)."""
    frames = [PILImage.new("RGB", (8, 8), (i * 90, 0, 0)) for i in range(2)]
    buffer = io.BytesIO()
    frames[0].save(buffer, "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    data = bytearray(buffer.getvalue())
    assert data[12:16] == b"VP8X"
    data[24:27], data[27:30] = (width - 1).to_bytes(3, "little"), (height - 1).to_bytes(3, "little")
    return bytes(data)


def exif_jpeg(kind: int, count: int, value: bytes, entries: int = 1) -> bytes:
    """A 64 x 48 JPEG whose EXIF holds one Orientation entry of TIFF type `kind` (3 SHORT, 4 LONG, 8 SSHORT,
    9 SLONG, 2 ASCII, 5 RATIONAL); `entries` may claim more entries than there are."""
    data = image_bytes(64, 48)
    tiff = (b"II*\x00" + struct.pack("<IH", 8, entries) + struct.pack("<HHI", 0x0112, kind, count)
            + value.ljust(4, b"\x00") + b"\x00" * 4)
    app1 = b"Exif\x00\x00" + tiff
    return data[:2] + b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1 + data[2:]


def truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
       b"<script>alert(document.cookie)</script></svg>")
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
POLYGLOT = image_bytes(32, 32, "PNG", colour=(1, 2, 3)) + HTML  # a real PNG with a page after its end

LIMIT = 100_000_000  # the default of ANNOTATOR_MAX_IMAGE_PIXELS

# (case, file name, content, what the refusal says): each refused by the API and by the CLI.
REFUSED: list[tuple[str, str, Callable[[], bytes], str]] = [
    ("20000x20000 png", "bomb.png", lambda: bomb_png(20_000, 20_000),
     f"too large: 20000 x 20000 pixels is over the limit of {LIMIT:,} pixels (possible decompression bomb)"),
    ("jpeg claiming 30000x30000", "bomb.jpg", lambda: jpeg_declaring(30_000, 30_000),
     "too large: 30000 x 30000 pixels is over the limit"),
    ("webp canvas 16000x7000", "canvas.webp", lambda: webp_canvas(16_000, 7_000),
     "too large: 16000 x 7000 pixels is over the limit"),
    ("truncated jpeg", "cut.jpg", lambda: truncated(image_bytes(400, 300)), "corrupt or truncated image"),
    ("truncated png", "cut.png", lambda: truncated(image_bytes(400, 300, "PNG")), "corrupt or truncated image"),
    ("png signature then junk", "junk.png", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 40,
     "corrupt or truncated image"),
    ("svg named .png", "logo.png", lambda: SVG, "not an image Pillow can read (JPEG, PNG or WebP expected)"),
    ("html named .png", "page.png", lambda: HTML, "not an image Pillow can read (JPEG, PNG or WebP expected)"),
    ("gif named .jpg", "anim.jpg", lambda: b"GIF89a" + b"\x00" * 30, "not a JPEG, PNG or WebP image (found GIF)"),
    ("0 bytes", "empty.png", lambda: b"", "the file is empty"),
]

# (case, content): accepted byte for byte, at the size the pixels have, the bad tag ignored.
ABSURD_EXIF: list[tuple[str, Callable[[], bytes]]] = [
    ("orientation 9999", lambda: exif_jpeg(3, 1, struct.pack("<H", 9999))),
    ("orientation -1 (SSHORT)", lambda: exif_jpeg(8, 1, struct.pack("<h", -1))),
    ("orientation -1 (SLONG)", lambda: exif_jpeg(9, 1, struct.pack("<i", -1))),
    ("orientation 2**32-1", lambda: exif_jpeg(4, 1, struct.pack("<I", 2**32 - 1))),
    ("orientation as text '6'", lambda: exif_jpeg(2, 2, b"6\x00")),
    ("orientation a rational past the end", lambda: exif_jpeg(5, 1, struct.pack("<I", 10_000))),
    ("a billion orientation values", lambda: exif_jpeg(3, 2**30, struct.pack("<I", 40))),
]


def upload(client, headers, *files: tuple[str, bytes]):
    from tests.conftest import upload as plain_upload

    return plain_upload(client, headers, *files)


def stored_files(data_dir: Path) -> list[str]:
    """Every file the image library wrote: originals, thumbnails, and any temporary file left behind."""
    return sorted(path.relative_to(data_dir).as_posix() for folder in ("images", "thumbnails")
                  for path in (data_dir / folder).rglob("*") if path.is_file())


def rows(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            select(Image.file_name, Image.stored_path, Image.mime_type).order_by(Image.id))]


def expected_files(*contents: bytes, suffix: str = ".jpg") -> list[str]:
    files = []
    for content in contents:
        sha = images_module.prepare_image(content, LIMIT).sha256
        files += [f"images/{sha[:2]}/{sha}{suffix}", f"thumbnails/{sha[:2]}/{sha}.jpg"]
    return sorted(files)


# --- refused files --------------------------------------------------------------------------------------


def test_api_refuses_each_hostile_file_by_name_and_reason_keeps_the_good_one_and_stores_nothing_of_them(
        app, client, csrf_headers, data_dir):
    hostile = [(name, content()) for _case, name, content, _reason in REFUSED]
    response = upload(client, csrf_headers, ("good.jpg", GOOD), *hostile)
    assert response.status_code == 201
    body = response.get_json()
    assert [item["file_name"] for item in body["items"]] == ["good.jpg"]
    assert [item["file_name"] for item in body["rejected"]] == [name for _c, name, _content, _r in REFUSED]
    for (case, _name, _content, reason), rejected in zip(REFUSED, body["rejected"], strict=True):
        assert rejected["error"].startswith(reason), (case, rejected["error"])
    assert [row[0] for row in rows(app)] == ["good.jpg"]
    assert stored_files(data_dir) == expected_files(GOOD)


def test_api_upload_of_hostile_files_alone_is_a_422_naming_each_and_storing_nothing(app, client, csrf_headers,
                                                                                    data_dir):
    response = upload(client, csrf_headers, *[(name, content()) for _c, name, content, _r in REFUSED])
    assert response.status_code == 422
    detail = response.get_json()["detail"]
    for case, name, _content, reason in REFUSED:
        assert f"{name}: {reason}" in detail, case
    assert rows(app) == [] and stored_files(data_dir) == []


def test_cli_refuses_every_hostile_file_by_name_and_reason_and_imports_the_good_one(run, app, data_dir, tmp_path):
    folder = tmp_path / "hostile"
    folder.mkdir()
    (folder / "good.jpg").write_bytes(GOOD)
    for _case, name, content, _reason in REFUSED:
        (folder / name).write_bytes(content())
    result = run("import-images", str(folder))
    assert result.exit_code == 1
    assert f"Imported 1 image(s); 0 already in the library; {len(REFUSED)} skipped." in result.stdout
    for _case, name, _content, reason in REFUSED:
        assert f"  skipped {name}: {reason}" in result.stderr, name
    assert [row[0] for row in rows(app)] == ["good.jpg"]
    assert stored_files(data_dir) == expected_files(GOOD)


BOMBS = [case for case in REFUSED if "too large" in case[3]]


def test_a_bomb_is_refused_on_its_declared_size_before_pillow_parses_or_decodes_it(client, csrf_headers,
                                                                                  monkeypatch):
    # Pillow's own guard would refuse some of these too, but only after parsing them, with a message that
    # does not say how large they are, and for the WebP only after making the canvas's decoder.
    opened: list[object] = []
    real_open = PILImage.open
    monkeypatch.setattr(PILImage, "open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    for case, name, content, reason in BOMBS:
        response = upload(client, csrf_headers, (name, content()))
        assert response.status_code == 422 and reason in response.get_json()["detail"], case
    assert opened == []


def test_the_pixel_limit_is_a_setting_for_the_api_and_the_cli(data_dir, database_url, run, tmp_path, monkeypatch):
    app = make_app(data_dir, database_url, MAX_IMAGE_PIXELS=10_000)
    client = app.test_client()
    from tests.conftest import csrf_of

    headers = csrf_of(client)
    assert upload(client, headers, ("square.png", image_bytes(100, 100, "PNG"))).status_code == 201
    refused = upload(client, headers, ("wide.png", image_bytes(101, 100, "PNG")))
    assert refused.status_code == 422
    assert refused.get_json()["detail"] == ("wide.png: too large: 101 x 100 pixels is over the limit of 10,000 "
                                            "pixels (possible decompression bomb)")
    folder = tmp_path / "cli"
    folder.mkdir()
    (folder / "tall.jpg").write_bytes(image_bytes(50, 201))
    monkeypatch.setenv("ANNOTATOR_MAX_IMAGE_PIXELS", "10000")
    result = run("import-images", str(folder))
    assert result.exit_code == 1 and "skipped tall.jpg: too large: 50 x 201 pixels" in result.stderr


def test_refusing_bombs_takes_no_memory_for_their_pixels(tmp_path):
    """`annotator import-images` in its own process on the bombs above (400 MP, 900 MP and a 112 MP canvas):
    its peak resident memory stays within 64 MB of the same command on one small photo. (SQLite only: the
    database plays no part in refusing a file.)"""
    bombs, small = tmp_path / "bombs", tmp_path / "small"
    bombs.mkdir()
    small.mkdir()
    for _case, name, content, _reason in BOMBS:
        (bombs / name).write_bytes(content())
    (small / "good.jpg").write_bytes(GOOD)
    peaks = {}
    for folder in (small, bombs):
        output = peak_memory_of_cli(["import-images", str(folder)], tmp_path / f"data-{folder.name}", None)
        assert f"{len(BOMBS) if folder == bombs else 0} skipped" in output["stdout"]
        peaks[folder.name] = output["peak_mb"]
    assert peaks["bombs"] - peaks["small"] < 64, peaks


PEAK_SCRIPT = """
import io, json, sys
from contextlib import redirect_stderr, redirect_stdout
from annotator.cli import main
out, err = io.StringIO(), io.StringIO()
with redirect_stdout(out), redirect_stderr(err):
    try:
        main(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
    except Exception as exc:
        print(f"Error: {exc}", file=err)
peak = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"stdout": out.getvalue(), "stderr": err.getvalue(), "peak_mb": peak / 1024}))
"""


def peak_memory_of_cli(args: list[str], data_dir: Path, database_url: str | None) -> dict:
    """Run `annotator ARGS` in a fresh process; its output and its peak resident memory (VmHWM, which,
    unlike getrusage's ru_maxrss, starts afresh at exec rather than at the forking test's size)."""
    env = {**os.environ, "ANNOTATOR_DATA_DIR": str(data_dir), "ANNOTATOR_LOAD_SAMPLES": "false"}
    if database_url:
        env["ANNOTATOR_DATABASE_URL"] = database_url
    done = subprocess.run([sys.executable, "-c", PEAK_SCRIPT, *args], env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- accepted safely ------------------------------------------------------------------------------------


def test_absurd_exif_orientation_is_ignored_and_the_photo_kept_as_it_is(client, csrf_headers):
    for case, content in ABSURD_EXIF:
        data = content()
        response = upload(client, csrf_headers, ("exif.jpg", data))
        assert response.status_code == 201, (case, response.get_json())
        item = response.get_json()["items"][0]
        assert (item["width"], item["height"]) == (64, 48), case  # not turned
        assert client.get(item["url"]).data == data, case  # stored byte for byte
        assert client.get(item["thumbnail_url"]).status_code == 200, case


def test_cli_imports_photos_with_absurd_exif_as_they_are(run, app, tmp_path):
    folder = tmp_path / "exif"
    folder.mkdir()
    for number, (_case, content) in enumerate(ABSURD_EXIF):
        (folder / f"{number}.jpg").write_bytes(content())
    result = run("import-images", str(folder))
    assert result.exit_code == 0 and "skipped" not in result.stderr
    # Several crafted files differ only in their EXIF: each is its own file, none turned.
    with app.app_context():
        sizes = {(image.width, image.height) for image in db.session.scalars(select(Image))}
    assert sizes == {(64, 48)}


def test_a_valid_png_that_is_also_html_is_only_ever_served_as_an_inert_image(client, csrf_headers):
    # Stored as given (its checksum identifies it), but served as image/png, never sniffed, and sandboxed
    # should a browser open it on its own.
    item = upload(client, csrf_headers, ("page.html", POLYGLOT)).get_json()["items"][0]
    for url in (item["url"], item["thumbnail_url"]):
        response = client.get(url)
        assert response.status_code == 200
        assert response.mimetype in {"image/png", "image/jpeg"}
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    assert client.get(item["url"]).mimetype == "image/png"


def test_the_type_served_is_the_one_found_in_the_content_never_the_name_or_the_uploaders_claim(
        client, csrf_headers):
    body = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="drawing.svg"\r\n'
            b"Content-Type: image/svg+xml\r\n\r\n" + image_bytes(20, 20, "PNG") + b"\r\n--x--\r\n")
    response = client.post("/api/images", data=body, headers=csrf_headers,
                           content_type="multipart/form-data; boundary=x")
    item = response.get_json()["items"][0]
    assert item["file_name"] == "drawing.svg"
    served = client.get(item["url"])
    assert served.mimetype == "image/png" and served.headers["X-Content-Type-Options"] == "nosniff"


def test_a_stored_type_other_than_an_image_type_is_served_as_plain_bytes(app, client):
    for number, claimed in enumerate(["text/html", "image/svg+xml", "application/javascript"]):
        with app.app_context():
            image, _ = library.add_image(image_bytes(colour=(number * 100, 0, 0)), "a.jpg", "upload")
            image.mime_type = claimed  # a row edited by hand, or from some older version
            db.session.commit()
            image_id = image.id
        response = client.get(f"/images/{image_id}")
        assert response.status_code == 200
        assert response.mimetype == "application/octet-stream", claimed
        assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- file names -------------------------------------------------------------------------------------------

# (case, the name sent in the multipart header, what is stored)
NAMES: list[tuple[str, bytes, str]] = [
    # A quoted-string escapes a backslash as two (Werkzeug 3.1.9 reads a lone one as escaping the next
    # character, so an unescaped Windows path arrives as "....Windowswin.ini.jpg": inert, but not this case).
    ("windows dots", b"..\\\\..\\\\Windows\\\\win.ini.jpg", "win.ini.jpg"),
    ("dot-dot slashes", b"../../../etc/cron.d/job.jpg", "job.jpg"),
    ("absolute", b"/etc/passwd", "passwd"),
    ("dot-dot alone", b"..", "unnamed"),
    ("empty", b"", "unnamed"),
    ("NUL", b"photo\x00.jpg", "photo.jpg"),
    ("terminal escape", b"\x1b[31mred\x1b[0m.jpg", "[31mred[0m.jpg"),
    ("right-to-left override", "invoice\u202egpj.exe".encode(), "invoicegpj.exe"),
    ("decomposed accent (a Mac)", "Cafe\u0301 de Flore.jpg".encode(), "Caf\u00e9 de Flore.jpg"),
    ("CJK and emoji", "街景 🚗 夜.jpg".encode(), "街景 🚗 夜.jpg"),
    ("zero-width joiner kept", "👩\u200d💻 at work.jpg".encode(), "👩\u200d💻 at work.jpg"),
    ("persian with ZWNJ kept", "می\u200cخواهم.jpg".encode(), "می\u200cخواهم.jpg"),
]


def upload_named(client, headers, raw_name: bytes, content: bytes):
    # Built by hand: the test client's encoder would not send a NUL or an escape in a header.
    body = (b'--x\r\nContent-Disposition: form-data; name="file"; filename="' + raw_name
            + b'"\r\nContent-Type: image/jpeg\r\n\r\n' + content + b"\r\n--x--\r\n")
    return client.post("/api/images", data=body, headers=headers, content_type="multipart/form-data; boundary=x")


def test_upload_names_are_stored_without_folders_or_controls_in_nfc_and_the_files_stay_in_the_data_folder(
        app, client, csrf_headers, data_dir, tmp_path):
    before = {path for path in tmp_path.rglob("*") if not path.is_relative_to(data_dir)}
    contents = [image_bytes(colour=(number * 20, 255 - number * 20, 128)) for number in range(len(NAMES))]
    for (case, sent, stored), content in zip(NAMES, contents, strict=True):
        response = upload_named(client, csrf_headers, sent, content)
        assert response.status_code == 201, (case, response.get_json())
        assert response.get_json()["items"][0]["file_name"] == stored, case
    assert [row[0] for row in rows(app)] == [stored for _case, _sent, stored in NAMES]
    store = (data_dir / "images").resolve()
    for (_file_name, stored_path, _mime), content in zip(rows(app), contents, strict=True):
        on_disk = (store / stored_path).resolve()
        assert on_disk.is_relative_to(store) and on_disk.read_bytes() == content
    assert stored_files(data_dir) == expected_files(*contents)
    assert {path for path in tmp_path.rglob("*") if not path.is_relative_to(data_dir)} == before


def test_a_very_long_name_is_cut_to_255_characters_keeping_its_extension(app, client, csrf_headers, data_dir):
    response = upload_named(client, csrf_headers, ("é" * 10_000 + ".jpeg").encode(), GOOD)
    name = response.get_json()["items"][0]["file_name"]
    assert len(name) == 255 and name.endswith("é.jpeg")
    assert stored_files(data_dir) == expected_files(GOOD)


def test_cli_names_from_a_hostile_folder_are_cleaned_and_unreadable_entries_never_block(
        tmp_path, data_dir, database_url):
    """Names on disk may hold bytes that are not UTF-8, escapes, backslashes and dots; a folder may hold a
    FIFO (reading it would wait forever) and a link to /dev/zero (endless). Run as a real process so that a
    hang would fail the test at the timeout instead of stopping the suite."""
    folder = tmp_path / "weird"
    deep = folder / ("d" * 200) / ("e" * 200)
    deep.mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("password=hunter2")
    files = {
        b"\xff\xfe not utf-8.jpg": image_bytes(colour=(250, 10, 10)),
        b"esc\x1b[2J\nnewline.jpg": image_bytes(colour=(10, 250, 10)),
        b"back\\..\\slash.jpg": image_bytes(colour=(10, 10, 250)),
        "Cafe\u0301.jpg".encode(): image_bytes(colour=(250, 250, 10)),
    }
    for raw, content in files.items():
        Path(os.fsdecode(bytes(folder) + b"/" + raw)).write_bytes(content)
    (deep / "far.jpg").write_bytes(image_bytes(colour=(10, 250, 250)))
    os.mkfifo(folder / "fifo.jpg")
    (folder / "zero.jpg").symlink_to("/dev/zero")
    (folder / "secret.jpg").symlink_to(secret)  # a link out of the folder: read as a file, refused as one
    env = {**os.environ, "ANNOTATOR_DATA_DIR": str(data_dir), "ANNOTATOR_LOAD_SAMPLES": "false"}
    if database_url:
        env["ANNOTATOR_DATABASE_URL"] = database_url
    done = subprocess.run([sys.executable, "-m", "annotator", "import-images", "--recursive", str(folder)],
                          env=env, capture_output=True, timeout=120)
    stdout, stderr = done.stdout.decode(), done.stderr.decode()
    assert done.returncode == 1, stderr
    assert "Imported 5 image(s); 0 already in the library; 1 skipped." in stdout
    assert "  skipped secret.jpg: not an image Pillow can read" in stderr and "hunter2" not in stderr
    app = make_app(data_dir, database_url)
    names = sorted(row[0] for row in rows(app))
    assert names == sorted(["\ufffd\ufffd not utf-8.jpg", "esc[2Jnewline.jpg", "slash.jpg", "Caf\u00e9.jpg",
                            "…/" + "e" * 200 + "/far.jpg"])
    assert all(len(name) <= 255 for name in names)
    assert all((data_dir / "images").resolve() in (data_dir / "images" / row[1]).resolve().parents
               for row in rows(app))
