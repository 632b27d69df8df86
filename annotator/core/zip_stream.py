"""A ZIP archive written as a stream of chunks, and files written whole or not at all: how exports and the
workshop archive reach a download or the disk without ever being held in memory. Plain files, no database.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

COPY_CHUNK = 1 << 20


@dataclass
class ZipEntry:
    name: str
    chunks: Iterable[bytes]
    compress: bool
    size: int | None = None  # known for files; JSON grows as it streams


class _Pipe:
    """Write-only and unseekable, so zipfile streams: each entry's sizes follow it in a data descriptor
    instead of being patched in afterwards, and nothing waits for the end of the archive."""

    def __init__(self) -> None:
        self._pending: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._pending.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._pending)
        self._pending.clear()
        return data


def zip_stream(entries: Iterable[ZipEntry]) -> Iterator[bytes]:
    """A ZIP archive as chunks of bytes, entry by entry; memory stays at one chunk of one entry."""
    pipe = _Pipe()
    stamp = datetime.now(UTC).timetuple()[:6]
    with zipfile.ZipFile(pipe, "w") as archive:
        for entry in entries:
            info = zipfile.ZipInfo(entry.name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED if entry.compress else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            if entry.size is not None:
                info.file_size = entry.size
            # Images are JPEG/PNG/WebP, already compressed: stored as they are. JSON may pass 4 GiB: zip64.
            with archive.open(info, "w", force_zip64=entry.size is None) as target:
                for chunk in entry.chunks:
                    target.write(chunk)
                    if data := pipe.drain():
                        yield data
            if data := pipe.drain():
                yield data
    yield pipe.drain()


def file_chunks(path: Path) -> Iterator[bytes]:
    """A file's bytes, a MiB at a time."""
    with path.open("rb") as handle:
        while chunk := handle.read(COPY_CHUNK):
            yield chunk


def write_atomically(out: Path, chunks: Iterable[bytes]) -> None:
    """Stream chunks to OUT through a temporary file beside it: never a half-written export under its name."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.{os.getpid()}.part")
    try:
        with partial.open("wb") as handle:
            for chunk in chunks:
                handle.write(chunk)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
