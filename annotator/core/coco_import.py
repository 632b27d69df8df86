"""COCO instance files made elsewhere: read as JSON, safely, and turned into shapes.

Pure: no Flask, no database. What a file must hold is `annotator.core.schemas.coco` (`parse_coco`); this module
reads the bytes before it (`load_json`, refusing what would cost far more memory than its size) and makes each
annotation's outline after it (`annotation_shape`: repair, clipping, the mask), a separate step so that a caller
can match images first and show progress over it. Every problem is a `Refused` whose message starts with where it
is, and a file that fails anywhere is imported nowhere (the caller's transaction).
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import re
from typing import Any

import numpy as np

from annotator.core import geometry
from annotator.core.refused import Refused
from annotator.core.schemas.coco import INVALID, CocoAnnotation

NOT_JSON = "not a JSON file"  # the refusal's title
# What JSON is read at all (check_json_shape): a COCO file nests 5 deep and has one array or object per 25
# bytes or more; past these, parsing would cost many times the file's size in memory.
MAX_JSON_DEPTH = 64
BYTES_PER_CONTAINER = 16
MIN_CONTAINERS = 100_000  # so that a small file is never refused for its density
_SCAN_CHUNK = 1 << 20
_ESCAPE = re.compile(rb"\\.", re.DOTALL)


def _not_json(problem: str, source: str | None) -> Refused:
    return Refused("file", f"{source}: {problem}" if source else problem, 400, title=NOT_JSON)


def load_json(data: bytes | str, source: str | None = None) -> Any:
    """Parse JSON text; raises Refused (400) for anything that is not JSON, or that is shaped so that parsing it
    would take far more memory than its size (see `check_json_shape`). `source`, the file's name, starts the
    message when given."""
    try:
        if isinstance(data, str):
            scanned = data.encode("utf-8", "surrogatepass")
        elif json.detect_encoding(data) in ("utf-8", "utf-8-sig"):
            scanned = data
        else:  # UTF-16 or UTF-32: scanned as UTF-8, where a bracket is always one byte
            scanned = data.decode(json.detect_encoding(data), "surrogatepass").encode("utf-8", "surrogatepass")
    except UnicodeError:
        raise _not_json("not valid JSON: the file is not UTF-8 text", source) from None
    check_json_shape(scanned, source)
    try:
        return json.loads(data)
    except RecursionError:
        # Beyond check_json_shape's depth only if its limit were raised: the parser gives up safely.
        raise _not_json("not valid JSON: arrays or objects are nested too deeply", source) from None
    except UnicodeDecodeError:
        raise _not_json("not valid JSON: the file is not UTF-8 text", source) from None
    except ValueError as exc:  # JSONDecodeError, and ints beyond Python's digit limit
        raise _not_json(f"not valid JSON: {exc}", source) from None


def check_json_shape(data: bytes, source: str | None = None) -> None:
    """Refuse, before parsing, JSON nested deeper than MAX_JSON_DEPTH or holding more arrays and objects
    than one per BYTES_PER_CONTAINER bytes on average (MIN_CONTAINERS at least).

    Why: `json.loads` turns each `[]` (2 bytes) into a list of 56 bytes or more, so 50 MB of nested or
    empty arrays would take gigabytes, and a COCO file never looks like that (nesting 5 deep, one array
    or object per 25 bytes or more). One streaming pass over 1 MiB chunks with numpy: brackets inside
    strings do not count (escapes are blanked first), and the scan holds a few MiB whatever the size.
    """
    limit = max(MIN_CONTAINERS, len(data) // BYTES_PER_CONTAINER)
    depth, containers, in_string, escaped = 0, 0, 0, False
    for start in range(0, len(data), _SCAN_CHUNK):
        chunk = data[start:start + _SCAN_CHUNK]
        if escaped:  # the previous chunk ended with a backslash: this chunk's first byte is escaped
            chunk = b"_" + chunk[1:]
        chunk = _ESCAPE.sub(b"__", chunk)  # same length, so offsets stay true
        escaped = chunk.endswith(b"\\")
        raw = np.frombuffer(chunk, dtype=np.uint8)
        quotes = np.cumsum(raw == 0x22, dtype=np.int64)  # '"' up to and including each byte
        outside = ((quotes + in_string) & 1) == 0
        opens = ((raw == 0x5B) | (raw == 0x7B)) & outside  # [ {
        closes = ((raw == 0x5D) | (raw == 0x7D)) & outside  # ] }
        levels = depth + np.cumsum(opens.astype(np.int64) - closes.astype(np.int64))
        if levels.size and int(levels.max()) > MAX_JSON_DEPTH:
            at = start + int(np.argmax(levels > MAX_JSON_DEPTH))
            raise _not_json(f"not read: arrays or objects are nested too deeply (more than {MAX_JSON_DEPTH} "
                            f"levels, at byte {at:,}; a COCO file needs 5)", source)
        containers += int(np.count_nonzero(opens))
        if containers > limit:
            raise _not_json(f"not read: more than {limit:,} arrays and objects in {len(data):,} bytes (by "
                            f"byte {start + len(chunk):,}); a COCO file has at most one per "
                            f"{BYTES_PER_CONTAINER} bytes on average, and parsing this many would take too much "
                            "memory", source)
        if levels.size:
            depth, in_string = int(levels[-1]), int(quotes[-1] + in_string) & 1


def annotation_shape(annotation: CocoAnnotation, width: int, height: int,
                     min_area: float = geometry.DEFAULT_MIN_AREA) -> geometry.Shape:
    """The editable outline of an annotation: polygons as drawn (repaired and clipped like an editor
    save), RLE traced along pixel edges with its holes. Raises Refused naming the annotation."""
    where = f"{annotation.where}.segmentation"
    segmentation = annotation.segmentation
    if not isinstance(segmentation, list):  # RLE
        rle = {"size": list(segmentation.size), "counts": segmentation.counts}
        try:
            parts = geometry.segmentation_to_parts(rle, height, width)
        except geometry.GeometryError as exc:
            raise _invalid(where, str(exc)) from None
        if not parts:
            raise _invalid(where, "the RLE mask is empty")
        checked = [(list(part.points), part.hole) for part in parts]
        what = "the outline traced from the RLE mask"
    else:
        checked = [(polygon, False) for polygon in segmentation]  # the file's model checked their form
        what = ""
    try:
        return geometry.shape_from_checked(checked, width, height, min_area=min_area)
    except geometry.GeometryError as exc:
        problem = str(exc)
        if not what:  # geometry counts parts from 1; the path counts polygons from 0
            problem = re.sub(r"^part (\d+):", lambda m: f"polygon [{int(m.group(1)) - 1}]:", problem)
        raise _invalid(where, f"{what}: {problem}" if what else problem) from None


def _invalid(where: str, problem: str) -> Refused:
    return Refused(where, f"{where}: {problem}", 422, title=INVALID)


def base_name(file_name: str) -> str:
    """The last component of a path written with / or \\ (COCO files from Windows tools use both)."""
    return file_name.replace("\\", "/").rsplit("/", 1)[-1]


def category_colour(name: str) -> str:
    """A colour for a class the file brings: from a hash of its name, so every import picks the same."""
    digest = hashlib.sha256(name.casefold().encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    r, g, b = colorsys.hsv_to_rgb(hue, 0.65, 0.9)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"
