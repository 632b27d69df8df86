"""COCO instance files made elsewhere, read into plain records: parse, validate, turn into shapes.

Pure: no Flask, no database. Every problem is reported as `CocoImportError("where: what")`, where
`where` is a path into the file (`annotations[3].segmentation[0]`, indexes from 0 as in JSON), and only
the first problem is named: a file that fails anywhere is imported nowhere (the caller's transaction).

Checks run in file order: the top-level keys, then every image, category and annotation entry, so the
message points at the first thing a person would have to fix. Geometry (repair, clipping, the mask)
is a separate step, `annotation_shape`, so a caller can match images first and show progress over it.
"""

from __future__ import annotations

import colorsys
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

import numpy as np

from annotator.core import geometry

MAX_NAME_LENGTH = 64  # Category.name and .supercategory columns
MAX_FILE_NAME_LENGTH = 1024  # a path, not only a name; the library keeps 255 characters of it
_RLE_FIRST_CHAR, _RLE_LAST_CHAR = 48, 48 + 63  # COCO's compressed counts use six bits per character
# What JSON is read at all (check_json_shape): a COCO file nests 5 deep and has one array or object per 25
# bytes or more; past these, parsing would cost many times the file's size in memory.
MAX_JSON_DEPTH = 64
BYTES_PER_CONTAINER = 16
MIN_CONTAINERS = 100_000  # so that a small file is never refused for its density
_SCAN_CHUNK = 1 << 20
_ESCAPE = re.compile(rb"\\.", re.DOTALL)


class CocoJsonError(ValueError):
    """The upload is not JSON at all (or nested beyond what can be read safely)."""


class CocoImportError(ValueError):
    """Well-formed JSON that cannot be imported; the message starts with where the first problem is."""

    def __init__(self, where: str, problem: str) -> None:
        super().__init__(f"{where}: {problem}" if where else problem)
        self.where, self.problem = where, problem


@dataclass(frozen=True)
class CocoImage:
    index: int  # position in the file's `images`, for messages
    id: int
    file_name: str
    width: int
    height: int

    @property
    def where(self) -> str:
        return f"images[{self.index}]"


@dataclass(frozen=True)
class CocoCategory:
    index: int
    id: int
    name: str
    supercategory: str


@dataclass(frozen=True)
class CocoAnnotation:
    index: int
    id: int
    image_id: int
    category_id: int
    # Flat polygons, or RLE normalised to `{"size": [h, w], "counts": [run lengths...]}`.
    segmentation: list[list[float]] | dict[str, Any]
    iscrowd: bool

    @property
    def where(self) -> str:
        return f"annotations[{self.index}]"

    @property
    def is_rle(self) -> bool:
        return isinstance(self.segmentation, dict)


@dataclass(frozen=True)
class CocoDataset:
    images: tuple[CocoImage, ...]
    categories: tuple[CocoCategory, ...]
    annotations: tuple[CocoAnnotation, ...]


def load_json(data: bytes | str) -> Any:
    """Parse JSON text; raises CocoJsonError for anything that is not JSON, or that is shaped so that
    parsing it would take far more memory than its size (see `check_json_shape`)."""
    try:
        if isinstance(data, str):
            scanned = data.encode("utf-8", "surrogatepass")
        elif json.detect_encoding(data) in ("utf-8", "utf-8-sig"):
            scanned = data
        else:  # UTF-16 or UTF-32: scanned as UTF-8, where a bracket is always one byte
            scanned = data.decode(json.detect_encoding(data), "surrogatepass").encode("utf-8", "surrogatepass")
    except UnicodeError:
        raise CocoJsonError("not valid JSON: the file is not UTF-8 text") from None
    check_json_shape(scanned)
    try:
        return json.loads(data)
    except RecursionError:
        # Beyond check_json_shape's depth only if its limit were raised: the parser gives up safely.
        raise CocoJsonError("not valid JSON: arrays or objects are nested too deeply") from None
    except UnicodeDecodeError:
        raise CocoJsonError("not valid JSON: the file is not UTF-8 text") from None
    except ValueError as exc:  # JSONDecodeError, and ints beyond Python's digit limit
        raise CocoJsonError(f"not valid JSON: {exc}") from None


def check_json_shape(data: bytes) -> None:
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
            raise CocoJsonError(f"not read: arrays or objects are nested too deeply (more than {MAX_JSON_DEPTH} "
                                f"levels, at byte {at:,}; a COCO file needs 5)")
        containers += int(np.count_nonzero(opens))
        if containers > limit:
            raise CocoJsonError(f"not read: more than {limit:,} arrays and objects in {len(data):,} bytes (by "
                                f"byte {start + len(chunk):,}); a COCO file has at most one per "
                                f"{BYTES_PER_CONTAINER} bytes on average, and parsing this many would take "
                                "too much memory")
        if levels.size:
            depth, in_string = int(levels[-1]), int(quotes[-1] + in_string) & 1


def parse_coco(data: Any) -> CocoDataset:
    """Validate a parsed COCO instance file into records, raising CocoImportError at the first problem."""
    if not isinstance(data, dict):
        raise CocoImportError("", f"the file must be a JSON object with 'images', 'categories' and 'annotations', "
                                  f"not {_kind(data)}")
    for key in ("images", "categories", "annotations"):
        if key not in data:
            raise CocoImportError(key, "missing; a COCO instance file needs 'images', 'categories' and 'annotations'")
        if not isinstance(data[key], list):
            raise CocoImportError(key, f"must be a list, not {_kind(data[key])}")
    images = _parse_images(data["images"])
    categories = _parse_categories(data["categories"])
    image_sizes = {image.id: (image.height, image.width) for image in images}
    category_ids = {category.id for category in categories}
    annotations: list[CocoAnnotation] = []
    seen: dict[int, int] = {}
    for index, entry in enumerate(data["annotations"]):
        annotation = _parse_annotation(index, entry, image_sizes, category_ids)
        if annotation.id in seen:
            raise CocoImportError(f"annotations[{index}].id", f"duplicate id {annotation.id} "
                                                              f"(also annotations[{seen[annotation.id]}])")
        seen[annotation.id] = index
        annotations.append(annotation)
    return CocoDataset(tuple(images), tuple(categories), tuple(annotations))


def _parse_images(entries: list[Any]) -> list[CocoImage]:
    images: list[CocoImage] = []
    ids: dict[int, int] = {}
    names: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"images[{index}]"
        if not isinstance(entry, dict):
            raise CocoImportError(where, f"expected an object with id, file_name, width and height, not {_kind(entry)}")
        image_id = _whole(entry, "id", where)
        file_name = entry.get("file_name")
        if not isinstance(file_name, str) or not file_name.strip():
            raise CocoImportError(f"{where}.file_name", "missing or not a non-empty string")
        _printable(file_name, f"{where}.file_name")
        if len(file_name) > MAX_FILE_NAME_LENGTH:
            raise CocoImportError(f"{where}.file_name", f"longer than {MAX_FILE_NAME_LENGTH} characters")
        width, height = _whole(entry, "width", where, minimum=1), _whole(entry, "height", where, minimum=1)
        if image_id in ids:
            raise CocoImportError(f"{where}.id", f"duplicate id {image_id} (also images[{ids[image_id]}])")
        if file_name in names:
            raise CocoImportError(f"{where}.file_name",
                                  f"{file_name!r} is listed twice (also images[{names[file_name]}])")
        ids[image_id], names[file_name] = index, index
        images.append(CocoImage(index, image_id, file_name, width, height))
    return images


def _parse_categories(entries: list[Any]) -> list[CocoCategory]:
    categories: list[CocoCategory] = []
    ids: dict[int, int] = {}
    names: dict[str, int] = {}
    for index, entry in enumerate(entries):
        where = f"categories[{index}]"
        if not isinstance(entry, dict):
            raise CocoImportError(where, f"expected an object with id and name, not {_kind(entry)}")
        category_id = _whole(entry, "id", where)
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise CocoImportError(f"{where}.name", "missing or not a non-empty string")
        name = name.strip()
        _printable(name, f"{where}.name")
        if len(name) > MAX_NAME_LENGTH:
            raise CocoImportError(f"{where}.name", f"longer than {MAX_NAME_LENGTH} characters")
        supercategory = entry.get("supercategory")
        if supercategory is None or (isinstance(supercategory, str) and not supercategory.strip()):
            supercategory = "none"  # the label set's own default
        if not isinstance(supercategory, str):
            raise CocoImportError(f"{where}.supercategory", f"must be a string, not {_kind(supercategory)}")
        _printable(supercategory, f"{where}.supercategory")
        if len(supercategory.strip()) > MAX_NAME_LENGTH:
            raise CocoImportError(f"{where}.supercategory", f"longer than {MAX_NAME_LENGTH} characters")
        if category_id in ids:
            raise CocoImportError(f"{where}.id", f"duplicate id {category_id} (also categories[{ids[category_id]}])")
        # Names map onto the label set case-insensitively, so two that differ only in case would merge.
        if name.casefold() in names:
            raise CocoImportError(f"{where}.name",
                                  f"{name!r} is listed twice (also categories[{names[name.casefold()]}])")
        ids[category_id], names[name.casefold()] = index, index
        categories.append(CocoCategory(index, category_id, name, supercategory.strip()))
    return categories


def _parse_annotation(index: int, entry: Any, image_sizes: dict[int, tuple[int, int]],
                      category_ids: set[int]) -> CocoAnnotation:
    where = f"annotations[{index}]"
    if not isinstance(entry, dict):
        raise CocoImportError(where, f"expected an object, not {_kind(entry)}")
    annotation_id = _whole(entry, "id", where)
    image_id = _whole(entry, "image_id", where)
    if image_id not in image_sizes:
        raise CocoImportError(f"{where}.image_id", f"no image with id {image_id} in 'images'")
    category_id = _whole(entry, "category_id", where)
    if category_id not in category_ids:
        raise CocoImportError(f"{where}.category_id", f"no category with id {category_id} in 'categories'")
    iscrowd = entry.get("iscrowd", 0)
    if iscrowd not in (0, 1) or isinstance(iscrowd, float):  # True/False pass, as 1/0
        raise CocoImportError(f"{where}.iscrowd", "must be 0 or 1")
    if "segmentation" not in entry:
        raise CocoImportError(f"{where}.segmentation", "missing")
    height, width = image_sizes[image_id]
    segmentation = _parse_segmentation(entry["segmentation"], f"{where}.segmentation", height, width)
    return CocoAnnotation(index, annotation_id, image_id, category_id, segmentation, bool(iscrowd))


def _parse_segmentation(value: Any, where: str, height: int, width: int) -> list[list[float]] | dict[str, Any]:
    if isinstance(value, list):
        return _parse_polygons(value, where)
    if isinstance(value, dict):
        return _parse_rle(value, where, height, width)
    raise CocoImportError(where, f"must be a list of polygons or an RLE object with 'size' and 'counts', "
                                 f"not {_kind(value)}")


def _parse_polygons(value: list[Any], where: str) -> list[list[float]]:
    if not value:
        raise CocoImportError(where, "an empty list of polygons")
    if len(value) > geometry.MAX_PARTS:
        raise CocoImportError(where, f"{len(value)} polygons; the limit is {geometry.MAX_PARTS} per annotation")
    polygons: list[list[float]] = []
    vertices = 0
    for number, polygon in enumerate(value):
        here = f"{where}[{number}]"
        if not isinstance(polygon, list):
            raise CocoImportError(here, f"a polygon must be a flat list of numbers [x1, y1, x2, y2, ...], "
                                        f"not {_kind(polygon)}")
        for position, coordinate in enumerate(polygon):
            if isinstance(coordinate, bool) or not isinstance(coordinate, int | float):
                raise CocoImportError(f"{here}[{position}]", f"expected a number, not {_kind(coordinate)} "
                                                             "(polygons are flat lists [x1, y1, x2, y2, ...])")
            if not math.isfinite(coordinate):
                raise CocoImportError(f"{here}[{position}]", "not a finite number (NaN or infinity)")
        if len(polygon) % 2:
            raise CocoImportError(here, f"an odd number of coordinates ({len(polygon)})")
        if len(polygon) < 6:
            raise CocoImportError(here, f"a polygon needs at least 3 points, this has {len(polygon) // 2}")
        vertices += len(polygon) // 2
        if vertices > geometry.MAX_VERTICES:
            raise CocoImportError(where, f"more than {geometry.MAX_VERTICES} points in one annotation")
        polygons.append([float(coordinate) for coordinate in polygon])
    return polygons


def _parse_rle(value: dict[str, Any], where: str, height: int, width: int) -> dict[str, Any]:
    if "size" not in value or "counts" not in value:
        raise CocoImportError(where, "an RLE object needs 'size' [height, width] and 'counts'")
    size = value["size"]
    if not (isinstance(size, list) and len(size) == 2 and all(_is_whole(n) for n in size)):
        raise CocoImportError(f"{where}.size", "must be [height, width], two whole numbers")
    if list(size) != [height, width]:
        raise CocoImportError(f"{where}.size", f"{list(size)} does not match the image's [height, width], "
                                               f"[{height}, {width}]")
    counts = value["counts"]
    if isinstance(counts, str):
        runs = rle_counts_from_string(counts, f"{where}.counts")
    elif isinstance(counts, list):
        for position, run in enumerate(counts):
            if not _is_whole(run) or run < 0:
                raise CocoImportError(f"{where}.counts[{position}]", "run lengths must be whole numbers, 0 or more")
        runs = list(counts)
    else:
        raise CocoImportError(f"{where}.counts", f"must be a string (compressed) or a list of run lengths, "
                                                 f"not {_kind(counts)}")
    # pycocotools trusts the counts: runs covering more pixels than the image would write past its buffer.
    if sum(runs) != height * width:
        raise CocoImportError(f"{where}.counts", f"the runs cover {sum(runs)} pixels, not the image's "
                                                 f"{height} x {width} = {height * width}")
    return {"size": [height, width], "counts": runs}


def rle_counts_from_string(text: str, where: str = "counts") -> list[int]:
    """Run lengths from COCO's compressed counts string (pycocotools' rleFrString, with bounds checked).

    Each run is a little-endian sequence of 5-bit groups, one per character (offset by 48), the sixth
    bit meaning "more follows", sign-extended; from the fourth run on it is stored as a difference
    from the run two before.
    """
    runs: list[int] = []
    position = 0
    while position < len(text):
        value, shift, more = 0, 0, True
        while more:
            if position >= len(text):
                raise CocoImportError(where, "the compressed counts end in the middle of a number")
            code = ord(text[position])
            if not _RLE_FIRST_CHAR <= code <= _RLE_LAST_CHAR:
                raise CocoImportError(where, f"character {position} ({text[position]!r}) cannot occur in "
                                             "compressed COCO counts")
            code -= _RLE_FIRST_CHAR
            value |= (code & 0x1F) << shift
            more = bool(code & 0x20)
            position += 1
            shift += 5
            if shift > 35:
                raise CocoImportError(where, "a run in the compressed counts is too long to be real")
            if not more and code & 0x10:
                value -= 1 << shift  # negative: sign-extend
        if len(runs) > 2:
            value += runs[-2]
        if value < 0:
            raise CocoImportError(where, f"run {len(runs)} of the compressed counts is negative")
        runs.append(value)
    return runs


def annotation_shape(annotation: CocoAnnotation, width: int, height: int,
                     min_area: float = geometry.DEFAULT_MIN_AREA) -> geometry.Shape:
    """The editable outline of an annotation: polygons as drawn (repaired and clipped like an editor
    save), RLE traced along pixel edges with its holes. Raises CocoImportError naming the annotation."""
    where = f"{annotation.where}.segmentation"
    if annotation.is_rle:
        try:
            parts = geometry.segmentation_to_parts(annotation.segmentation, height, width)
        except geometry.GeometryError as exc:
            raise CocoImportError(where, str(exc)) from None
        if not parts:
            raise CocoImportError(where, "the RLE mask is empty")
        raw = [part.to_dict() for part in parts]
        what = "the outline traced from the RLE mask"
    else:
        raw = [{"points": polygon, "hole": False} for polygon in annotation.segmentation]
        what = ""
    try:
        return geometry.shape_from_parts(raw, width, height, min_area=min_area)
    except geometry.GeometryError as exc:
        problem = str(exc)
        if not annotation.is_rle:  # geometry counts parts from 1; the path counts polygons from 0
            problem = re.sub(r"^part (\d+):", lambda m: f"polygon [{int(m.group(1)) - 1}]:", problem)
        raise CocoImportError(where, f"{what}: {problem}" if what else problem) from None


def base_name(file_name: str) -> str:
    """The last component of a path written with / or \\ (COCO files from Windows tools use both)."""
    return file_name.replace("\\", "/").rsplit("/", 1)[-1]


def category_colour(name: str) -> str:
    """A colour for a class the file brings: from a hash of its name, so every import picks the same."""
    digest = hashlib.sha256(name.casefold().encode("utf-8")).digest()
    hue = int.from_bytes(digest[:2], "big") / 65536
    r, g, b = colorsys.hsv_to_rgb(hue, 0.65, 0.9)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def _whole(entry: dict[str, Any], key: str, where: str, minimum: int | None = None) -> int:
    if key not in entry:
        raise CocoImportError(f"{where}.{key}", "missing")
    value = entry[key]
    if not _is_whole(value):
        raise CocoImportError(f"{where}.{key}", f"must be a whole number, not {_kind(value)}")
    if minimum is not None and value < minimum:
        raise CocoImportError(f"{where}.{key}", f"must be at least {minimum}, not {value}")
    return value


def _printable(text: str, where: str) -> None:
    # Control characters have no place in a name, and PostgreSQL refuses NUL in text outright.
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise CocoImportError(where, "contains control characters")
    # JSON may escape half a UTF-16 pair ("\ud800"): Python keeps it, but no database can store it.
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise CocoImportError(where, "is not valid Unicode (a lone surrogate escape such as \\ud800)")


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _kind(value: Any) -> str:
    """A short description of a JSON value for messages; never echoes a large value back."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return f"the number {value!r}" if len(repr(value)) <= 20 else "a number"
    if isinstance(value, str):
        return f"the string {value!r}" if len(value) <= 40 else "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"
