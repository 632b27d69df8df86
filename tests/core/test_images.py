"""images: what becomes a stored image, what is refused and why, and where files may be read from."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image as PILImage

from annotator.core.images import (
    ImageRejected,
    find_candidate_files,
    make_thumbnail,
    prepare_image,
    resolve_inside,
)
from tests.conftest import image_bytes

LIMIT = 50_000_000


def test_a_plain_jpeg_is_stored_byte_for_byte_with_its_size_and_hash():
    data = image_bytes(64, 48)
    prepared = prepare_image(data, LIMIT)
    assert prepared.data == data and not prepared.oriented
    assert (prepared.width, prepared.height, prepared.mime_type, prepared.suffix) == (64, 48, "image/jpeg", ".jpg")
    assert prepared.sha256 == hashlib.sha256(data).hexdigest()


@pytest.mark.parametrize(("fmt", "mime"), [("PNG", "image/png"), ("WEBP", "image/webp")])
def test_png_and_webp_are_accepted(fmt, mime):
    assert prepare_image(image_bytes(10, 20, fmt), LIMIT).mime_type == mime


def test_exif_orientation_is_applied_to_the_pixels_and_the_size():
    # Orientation 6: the camera was turned; the stored image must stand upright (width and height swap).
    prepared = prepare_image(image_bytes(64, 48, exif_orientation=6), LIMIT)
    assert prepared.oriented and (prepared.width, prepared.height) == (48, 64)
    stored = PILImage.open(io.BytesIO(prepared.data))
    assert stored.size == (48, 64) and stored.getexif().get(0x0112) in (None, 1)


@pytest.mark.parametrize("orientation", [0, 1, 9, 255, 65535])
def test_absent_or_absurd_orientation_values_leave_the_image_as_it_is(orientation):
    data = image_bytes(64, 48, exif_orientation=orientation)
    prepared = prepare_image(data, LIMIT)
    assert not prepared.oriented and prepared.data == data and (prepared.width, prepared.height) == (64, 48)


@pytest.mark.parametrize(("data", "message"), [
    (b"", "the file is empty"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "not an image"),
    (b"<!doctype html><p>hello", "not an image"),
    (b"GIF89a" + b"\x00" * 20, r"not a JPEG, PNG or WebP image \(found GIF\)"),
])
def test_non_images_are_refused_whatever_their_name(data, message):
    with pytest.raises(ImageRejected, match=message):
        prepare_image(data, LIMIT)


def test_a_gif_is_refused_as_an_unsupported_format():
    buffer = io.BytesIO()
    PILImage.new("P", (4, 4)).save(buffer, "GIF")
    with pytest.raises(ImageRejected, match=r"not a JPEG, PNG or WebP image \(found GIF\)"):
        prepare_image(buffer.getvalue(), LIMIT)


def test_a_truncated_jpeg_is_refused_as_corrupt():
    data = image_bytes(400, 300)
    with pytest.raises(ImageRejected, match="corrupt or truncated"):
        prepare_image(data[: len(data) // 2], LIMIT)


def test_an_image_over_the_pixel_limit_is_refused_naming_its_size():
    with pytest.raises(ImageRejected, match=r"too large: 2000 x 1000 pixels is over the limit of 1,000,000"):
        prepare_image(image_bytes(2000, 1000, "PNG"), 1_000_000)


def test_a_decompression_bomb_beyond_pillows_hard_limit_is_refused():
    buffer = io.BytesIO()
    PILImage.new("1", (20000, 20000)).save(buffer, "PNG")  # 400 MP in ~50 KB
    with pytest.raises(ImageRejected, match="possible decompression bomb"):
        prepare_image(buffer.getvalue(), LIMIT)


def test_thumbnails_fit_the_size_and_keep_the_aspect_ratio(tmp_path: Path):
    source = tmp_path / "big.png"
    source.write_bytes(image_bytes(1280, 720, "PNG"))
    make_thumbnail(source, tmp_path / "t" / "thumb.jpg", 320)
    with PILImage.open(tmp_path / "t" / "thumb.jpg") as thumb:
        assert thumb.size == (320, 180) and thumb.format == "JPEG"


def test_resolve_inside_refuses_every_way_out_of_the_root(tmp_path: Path):
    root = tmp_path / "store"
    (root / "ab").mkdir(parents=True)
    (root / "ab" / "ok.jpg").write_bytes(b"x")
    secret = tmp_path / "secret.txt"
    secret.write_text("s")
    (root / "ab" / "link.jpg").symlink_to(secret)
    assert resolve_inside(root, "ab/ok.jpg") == (root / "ab" / "ok.jpg").resolve()
    for bad in ["../secret.txt", "ab/../../secret.txt", str(secret), "ab/link.jpg", "ab", "missing.jpg", "a\x00b"]:
        assert resolve_inside(root, bad) is None, bad


def test_candidate_files_are_sorted_skip_hidden_files_and_recurse_only_when_asked(tmp_path: Path):
    (tmp_path / "sub").mkdir()
    for name in ["b.jpg", "a.png", ".DS_Store", "sub/c.webp", "notes.txt"]:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in find_candidate_files(tmp_path, recursive=False)] == ["a.png", "b.jpg", "notes.txt"]
    assert [p.relative_to(tmp_path).as_posix() for p in find_candidate_files(tmp_path, recursive=True)] == [
        "a.png", "b.jpg", "notes.txt", "sub/c.webp"]
