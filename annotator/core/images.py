"""Image files: check, orient, hash, store and thumbnail. Plain files in, plain data out; no database.

Everything a user brings passes `prepare_image`, which refuses non-images, truncated files and
decompression bombs with a message naming the problem, so one bad file never stops an import.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

from annotator.core.refused import Refused

ALLOWED_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
THUMBNAIL_MIME = "image/jpeg"


class ImageRejected(Refused):
    """A file that cannot become an image of the library; the message says why, for people. A refusal of its
    own kind because an upload of several files names each one refused and keeps the others."""

    def __init__(self, message: str) -> None:
        super().__init__("file", message, 422, title="not an image")


@dataclass(frozen=True)
class PreparedImage:
    sha256: str  # of the bytes the user gave, so the same file is recognised however often it comes
    data: bytes  # what is stored: the original bytes, or re-encoded if EXIF orientation was applied
    width: int
    height: int
    format: str
    mime_type: str
    suffix: str
    oriented: bool  # True if pixels were rotated/flipped to honour EXIF orientation


def prepare_image(data: bytes, max_pixels: int) -> PreparedImage:
    """Check one uploaded or imported file and return what to store.

    Raises ImageRejected for an empty file, anything that is not JPEG/PNG/WebP by its content
    (whatever its name says), an image over `max_pixels`, or one that does not fully decode.

    The pixel limit is checked on the size the file's header declares, before Pillow parses the file
    and long before any bitmap is allocated: a 20,000 x 20,000 PNG of a few kilobytes costs nothing.
    Only this limit decides (with its message naming the size); Pillow's own process-wide guard is
    kept only as a backstop for a limit configured above it.
    """
    if not data:
        raise ImageRejected("the file is empty")
    fmt = sniff_format(data)
    if fmt is None:
        other = next((name for magic, name in _OTHER_FORMATS if data.startswith(magic)), None)
        if other:
            raise ImageRejected(f"not a JPEG, PNG or WebP image (found {other})")
        raise ImageRejected("not an image Pillow can read (JPEG, PNG or WebP expected)")
    declared = header_size(data, fmt)
    if declared is not None:
        _check_pixels(*declared, max_pixels)
    try:
        with _quiet_pillow():
            # Only the plugin of the format the content declares: no other parser sees the bytes.
            image = PILImage.open(io.BytesIO(data), formats=[fmt])
            width, height = image.size
            _check_pixels(width, height, max_pixels)  # again, as Pillow read it: the one that allocates
            image.load()  # decode fully now: a truncated or corrupt file fails here, not in the editor
            # Values outside 2..8 (absent, 1, or nonsense) mean "as stored".
            oriented = _orientation(image) in range(2, 9)
            oriented_image = ImageOps.exif_transpose(image) if oriented else image
    except ImageRejected:
        raise
    except PILImage.DecompressionBombError:
        raise ImageRejected(f"too large: over Pillow's own limit of {2 * (PILImage.MAX_IMAGE_PIXELS or 0):,} "
                            "pixels (possible decompression bomb)") from None
    except UnidentifiedImageError:
        raise ImageRejected(f"corrupt or truncated image (starts like a {fmt} file, but its header cannot be read)"
                            ) from None
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as exc:
        raise ImageRejected(f"corrupt or truncated image ({exc})") from exc

    mime_type, suffix = ALLOWED_FORMATS[image.format]
    sha256 = hashlib.sha256(data).hexdigest()
    stored = _encode(oriented_image, image.format) if oriented else data
    return PreparedImage(sha256=sha256, data=stored, width=oriented_image.width, height=oriented_image.height,
                         format=image.format, mime_type=mime_type, suffix=suffix, oriented=oriented)


@contextmanager
def _quiet_pillow() -> Iterator[None]:
    """Pillow's warnings that do not apply here, silenced rather than left to a log (or, in tests, an error)."""
    with warnings.catch_warnings():
        # Pillow warns between its own pixel limit and twice it; ours decides instead, with a message naming
        # the size. Above twice Pillow's limit it raises (handled by prepare_image).
        warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
        # Corrupt metadata (an EXIF entry pointing past the end of the file) makes Pillow warn and skip it;
        # the pixels decide whether a file is good, and a skipped tag is simply not used.
        warnings.filterwarnings("ignore", category=UserWarning, module="PIL")
        yield


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width < 1 or height < 1:
        raise ImageRejected("the image has no pixels")
    if width * height > max_pixels:
        raise ImageRejected(f"too large: {width} x {height} pixels is over the limit of {max_pixels:,} pixels "
                            "(possible decompression bomb)")


def sniff_format(data: bytes) -> str | None:
    """JPEG, PNG or WEBP from the file's first bytes (its magic number), else None. Names and the
    uploader's content type are never trusted: an SVG or an HTML page named .png is None here."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


# Only to name what a refused file is; none of these is ever parsed.
_OTHER_FORMATS = ((b"GIF8", "GIF"), (b"BM", "BMP"), (b"II*\x00", "TIFF"), (b"MM\x00*", "TIFF"), (b"%PDF", "PDF"))
_JPEG_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def header_size(data: bytes, fmt: str) -> tuple[int, int] | None:
    """(width, height) as the file's header declares them, read without decoding anything; None if the
    header cannot be read here (Pillow then reads it, and the same limit is checked on its answer)."""
    try:
        if fmt == "PNG":  # IHDR is the first chunk: width and height right after its type
            return (struct.unpack(">II", data[16:24]) if data[12:16] == b"IHDR" else None)
        if fmt == "WEBP":
            chunk = data[12:16]
            if chunk == b"VP8X":  # the canvas, which the decoder allocates
                return int.from_bytes(data[24:27], "little") + 1, int.from_bytes(data[27:30], "little") + 1
            if chunk == b"VP8L" and data[20] == 0x2F:
                bits = int.from_bytes(data[21:25], "little")
                return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
            if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
                return (int.from_bytes(data[26:28], "little") & 0x3FFF,
                        int.from_bytes(data[28:30], "little") & 0x3FFF)
            return None
        return _jpeg_size(data)
    except (IndexError, struct.error):
        return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    # Walk the marker segments up to the first start-of-frame, which holds height then width.
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            return None
        marker = data[position + 1]
        if marker == 0xFF:  # fill byte
            position += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # markers without a length
            position += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image, or the scan began without a frame header
            return None
        length = int.from_bytes(data[position + 2:position + 4], "big")
        if marker in _JPEG_SOF:
            if position + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[position + 5:position + 9])
            return width, height
        position += 2 + length
    return None


def _orientation(image: PILImage.Image) -> int | None:
    try:
        return image.getexif().get(0x0112)
    except Exception:
        return None


def _encode(image: PILImage.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(buffer, "JPEG", quality=95)
    elif fmt == "WEBP":
        image.save(buffer, "WEBP", quality=95)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def stored_relative_path(prepared: PreparedImage) -> str:
    """Content-addressed: a name no user input can shape, spread over 256 folders."""
    return f"{prepared.sha256[:2]}/{prepared.sha256}{prepared.suffix}"


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name beside `path`, then rename: a reader never sees half a file, and a
    failed write (a full disk) leaves nothing behind. The temporary name is per process and thread, as
    two requests may store the same content-addressed file at once."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def thumbnail_relative_path(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}.jpg"


@contextmanager
def open_stored(source: Path) -> Iterator[PILImage.Image]:
    """Open an image from the store: only the formats it accepts, and without Pillow's size warning, since
    the file passed prepare_image's pixel limit on the way in (that limit decides, not Pillow's threshold)."""
    with _quiet_pillow(), PILImage.open(source, formats=list(ALLOWED_FORMATS)) as image:
        yield image


def make_thumbnail(source: Path, destination: Path, size: int) -> None:
    """Write a JPEG no larger than size x size, keeping the aspect ratio."""
    with open_stored(source) as image:
        image.draft("RGB", (size * 2, size * 2))  # JPEG: decode at reduced scale, much faster
        thumb = image.convert("RGB")
        thumb.thumbnail((size, size), PILImage.Resampling.LANCZOS)
        buffer = io.BytesIO()
        thumb.save(buffer, "JPEG", quality=82, optimize=True)
    write_atomically(destination, buffer.getvalue())


def resolve_inside(root: Path, relative: str) -> Path | None:
    """The file `relative` names under `root`, or None if it would leave `root` in any way
    (`..`, an absolute path, a symlink pointing elsewhere) or does not exist."""
    try:
        root_real = root.resolve(strict=True)
        candidate = (root_real / relative).resolve(strict=True)
    except (OSError, RuntimeError, ValueError):
        return None
    if not candidate.is_relative_to(root_real) or not candidate.is_file():
        return None
    return candidate


# Names a photo may carry on disk; a file named otherwise (a licence, notes) is not offered as an image.
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".jpe", ".png", ".webp"})


def has_image_suffix(path: Path) -> bool:
    return path.suffix.lower() in IMAGE_SUFFIXES


def find_candidate_files(folder: Path, recursive: bool) -> list[Path]:
    """Every visible file, sorted for a stable import order; symlinked folders are not followed.

    Not filtered by suffix here: the caller decides what to do with files not named as images.
    """
    if recursive:
        found = []
        for dirpath, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(Path(dirpath) / name for name in names)
    else:
        found = list(folder.iterdir())
    # Regular files only (a symlink to one counts): a FIFO would block the import forever and a link to
    # /dev/zero would be read until memory ran out.
    return sorted(path for path in found if not path.name.startswith(".") and path.is_file())
