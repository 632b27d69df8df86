"""Image files: check, orient, hash, store and thumbnail. Plain files in, plain data out; no database.

Everything a user brings passes `prepare_image`, which refuses non-images, truncated files and
decompression bombs with a message naming the problem, so one bad file never stops an import.
"""

from __future__ import annotations

import hashlib
import io
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image as PILImage
from PIL import ImageOps, UnidentifiedImageError

ALLOWED_FORMATS = {"JPEG": ("image/jpeg", ".jpg"), "PNG": ("image/png", ".png"), "WEBP": ("image/webp", ".webp")}
THUMBNAIL_MIME = "image/jpeg"


class ImageRejected(ValueError):
    """A file that cannot become an image of the library; the message says why, for people."""


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

    Raises ImageRejected for an empty file, anything Pillow cannot identify as JPEG/PNG/WebP
    (whatever its name says), a file larger than `max_pixels`, or one that does not fully decode.
    """
    if not data:
        raise ImageRejected("the file is empty")
    try:
        with warnings.catch_warnings():
            # Pillow warns between its own limit and twice it; our limit below decides instead, with a
            # message naming the size. Above twice Pillow's limit it raises, handled further down.
            warnings.simplefilter("ignore", PILImage.DecompressionBombWarning)
            image = PILImage.open(io.BytesIO(data))
            if image.format not in ALLOWED_FORMATS:
                raise ImageRejected(f"not a JPEG, PNG or WebP image (found {image.format or 'unknown'})")
            width, height = image.size
            if width < 1 or height < 1:
                raise ImageRejected("the image has no pixels")
            if width * height > max_pixels:
                raise ImageRejected(
                    f"too large: {width} x {height} pixels is over the limit of {max_pixels:,} pixels "
                    "(possible decompression bomb)")
            image.load()  # decode fully now: a truncated or corrupt file fails here, not in the editor
            # Values outside 2..8 (absent, 1, or nonsense) mean "as stored".
            oriented = _orientation(image) in range(2, 9)
            oriented_image = ImageOps.exif_transpose(image) if oriented else image
    except ImageRejected:
        raise
    except PILImage.DecompressionBombError as exc:
        raise ImageRejected(f"too large: over the limit of {max_pixels:,} pixels (possible decompression bomb)"
                            ) from exc
    except UnidentifiedImageError:
        raise ImageRejected("not an image Pillow can read (JPEG, PNG or WebP expected)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageRejected(f"corrupt or truncated image ({exc})") from exc

    mime_type, suffix = ALLOWED_FORMATS[image.format]
    sha256 = hashlib.sha256(data).hexdigest()
    stored = _encode(oriented_image, image.format) if oriented else data
    return PreparedImage(sha256=sha256, data=stored, width=oriented_image.width, height=oriented_image.height,
                         format=image.format, mime_type=mime_type, suffix=suffix, oriented=oriented)


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
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def thumbnail_relative_path(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256}.jpg"


def make_thumbnail(source: Path, destination: Path, size: int) -> None:
    """Write a JPEG no larger than size x size, keeping the aspect ratio."""
    with PILImage.open(source) as image:
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


def find_candidate_files(folder: Path, recursive: bool) -> list[Path]:
    """Every visible file, sorted for a stable import order; symlinked folders are not followed.

    Not filtered by suffix: a non-image in the folder is reported by name rather than passed over.
    """
    if recursive:
        found = []
        for dirpath, dirs, names in os.walk(folder):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            found.extend(Path(dirpath) / name for name in names)
    else:
        found = [path for path in folder.iterdir() if path.is_file()]
    return sorted(path for path in found if not path.name.startswith("."))
