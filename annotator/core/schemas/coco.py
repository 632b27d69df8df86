"""COCO instance files made elsewhere, as an import reads them: every rule a file must meet before the library is
looked at, in one place, for `POST /api/import/coco` and `annotator import-coco` alike.

`parse_coco(data)` validates a parsed file into `CocoFile` or raises `Refused(where, "where: what")`, where `where`
is a path into the file (`annotations[3].segmentation[0]`, indexes from 0 as in JSON). Only the first problem is
named, in file order: the top-level keys, then the images, the categories and the annotations; within a list the
first bad entry (FailFast: a hostile file of a million bad numbers costs one error, not a million), and the checks
between entries (duplicate ids, references, an RLE's size) as soon as the entries they compare are valid.

Numbers and lists are checked by pydantic's core (the bulk of a file: coordinates and run lengths); text, polygons
and the checks between entries by the validators below. `_problem` words pydantic's own errors as a person fixing
the file needs them.
"""

from __future__ import annotations

import gc
from typing import Annotated, Any, ClassVar

import numpy as np
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Strict,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from annotator.core import geometry
from annotator.core.refused import Refused
from annotator.core.schemas.common import field_path

MAX_NAME_LENGTH = 64  # Category.name and .supercategory columns
MAX_FILE_NAME_LENGTH = 1024  # a path, not only a name; the library keeps 255 characters of it
INVALID = "invalid COCO file"  # the refusal's title
_RLE_FIRST_CHAR, _RLE_LAST_CHAR = 48, 48 + 63  # COCO's compressed counts use six bits per character
_MAX_CHARS_PER_RUN = 7  # 35 bits: more than any image has pixels
_POLYGON_HINT = "polygons are flat lists [x1, y1, x2, y2, ...]"
_TOP_LEVEL = "'images', 'categories' and 'annotations'"


def _refuse(problem: str, where: str | None = None) -> PydanticCustomError:
    """A problem in its final wording. Carried in the context, never in the message template: a file's own text
    (a name with braces) must not be read as a placeholder. `where` overrides the error's location, for checks
    between entries that a list's validator makes."""
    return PydanticCustomError("coco", "{problem}", {"problem": problem, **({"where": where} if where else {})})


# --- text -------------------------------------------------------------------------------------------------


def _printable(text: str) -> str:
    # Control characters have no place in a name, and PostgreSQL refuses NUL in text outright.
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
        raise _refuse("contains control characters")
    # JSON may escape half a UTF-16 pair ("\ud800"): Python keeps it, but no database can store it.
    if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
        raise _refuse("is not valid Unicode (a lone surrogate escape such as \\ud800)")
    return text


def _file_name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _refuse("missing or not a non-empty string")
    _printable(value)
    if len(value) > MAX_FILE_NAME_LENGTH:
        raise _refuse(f"longer than {MAX_FILE_NAME_LENGTH} characters")
    return value  # as given: it is matched against the library's names


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _refuse("missing or not a non-empty string")
    name = _printable(value.strip())
    if len(name) > MAX_NAME_LENGTH:
        raise _refuse(f"longer than {MAX_NAME_LENGTH} characters")
    return name


def _supercategory(value: Any) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        return "none"  # the label set's own default
    if not isinstance(value, str):
        raise _refuse(f"must be a string, not {kind(value)}")
    _printable(value)
    if len(value.strip()) > MAX_NAME_LENGTH:
        raise _refuse(f"longer than {MAX_NAME_LENGTH} characters")
    return value.strip()


def _zero_or_one(value: Any) -> bool:
    if value not in (0, 1) or isinstance(value, float):  # True/False pass, as 1/0
        raise _refuse("must be 0 or 1")
    return bool(value)


Whole = Annotated[int, Strict()]
FileName = Annotated[str, PlainValidator(_file_name)]
Name = Annotated[str, PlainValidator(_name)]
Supercategory = Annotated[str, PlainValidator(_supercategory)]


# --- segmentations ----------------------------------------------------------------------------------------


def _polygon(points: list[float]) -> list[float]:
    if len(points) % 2:
        raise _refuse(f"an odd number of coordinates ({len(points)})")
    if len(points) < 6:
        raise _refuse(f"a polygon needs at least 3 points, this has {len(points) // 2}")
    return points


def _within_vertex_limit(polygons: list[list[float]]) -> list[list[float]]:
    if sum(len(polygon) for polygon in polygons) // 2 > geometry.MAX_VERTICES:
        raise _refuse(f"more than {geometry.MAX_VERTICES} points in one annotation")
    return polygons


Coordinate = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Polygon = Annotated[list[Coordinate], Field(fail_fast=True), AfterValidator(_polygon)]
Polygons = Annotated[list[Polygon], Field(fail_fast=True, min_length=1, max_length=geometry.MAX_PARTS),
                     AfterValidator(_within_vertex_limit)]


def rle_counts_from_string(text: str) -> list[int]:
    """Run lengths from COCO's compressed counts string (pycocotools' rleFrString, with bounds checked).

    Each run is a little-endian sequence of 5-bit groups, one per character (offset by 48), the sixth bit
    meaning "more follows", sign-extended; from the fourth run on it is stored as a difference from the run two
    before. Decoded with numpy, a whole string at once (a Python loop over the characters was most of the time
    a large file took); a problem is named where reading the string in order would first meet it.
    """
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.int64)
    size = len(codes)
    digits = codes - _RLE_FIRST_CHAR
    ends_run = (digits & 0x20) == 0  # no "more follows" bit: the run's last character
    starts_run = np.ones(size, dtype=bool)
    starts_run[1:] = ends_run[:-1]
    # Each character's place in its run (0 for the first): what it is shifted by, in 5-bit steps.
    place = np.arange(size) - np.maximum.accumulate(np.where(starts_run, np.arange(size), 0))
    outside = np.flatnonzero((codes < _RLE_FIRST_CHAR) | (codes > _RLE_LAST_CHAR))
    too_long = np.flatnonzero(place > _MAX_CHARS_PER_RUN - 1)
    first_bad = int(outside[0]) if outside.size else size
    stop = min(first_bad, int(too_long[0]) if too_long.size else size)  # characters read before a problem
    ends = np.flatnonzero(ends_run[:stop])
    runs = np.zeros(0, dtype=np.int64)
    if ends.size:
        read = ends[-1] + 1
        values = np.add.reduceat((digits[:read] & 0x1F) << (5 * place[:read]), np.concatenate(([0], ends[:-1] + 1)))
        values -= np.where(digits[ends] & 0x10, np.left_shift(1, 5 * (place[ends] + 1)), 0)  # sign-extend
        runs = values.copy()
        runs[1::2] = np.cumsum(values[1::2])  # from the fourth run on, each adds the run two before
        runs[2::2] = np.cumsum(values[2::2])
        negative = np.flatnonzero(runs < 0)
        if negative.size:
            raise _refuse(f"run {int(negative[0])} of the compressed counts is negative")
    if stop < size and stop == first_bad:
        raise _refuse(f"character {stop} ({text[stop]!r}) cannot occur in compressed COCO counts")
    if stop < size:
        raise _refuse("a run in the compressed counts is too long to be real")
    if size and not ends_run[-1]:
        raise _refuse("the compressed counts end in the middle of a number")
    return runs.tolist()


def _size(value: Any) -> tuple[int, int]:
    if not (isinstance(value, list) and len(value) == 2 and all(_is_whole(n) for n in value)):
        raise _refuse("must be [height, width], two whole numbers")
    return value[0], value[1]


def _counts_kind(value: Any) -> str | None:
    return "compressed" if isinstance(value, str) else "runs" if isinstance(value, list) else None


RunLengths = Annotated[list[Annotated[int, Strict(), Field(ge=0)]], Field(fail_fast=True)]
Counts = Annotated[Annotated[str, Strict(), AfterValidator(rle_counts_from_string), Tag("compressed")]
                   | Annotated[RunLengths, Tag("runs")],
                   Discriminator(_counts_kind, custom_error_type="counts_kind", custom_error_message="bad counts")]


class CocoRle(BaseModel):
    """A run-length mask: `counts` are the run lengths, column-major, zeros first, decoded if they came compressed.
    That they cover the image exactly is checked with the annotation's image (CocoFile)."""

    model_config = ConfigDict(strict=True, extra="ignore")

    size: Annotated[tuple[int, int], PlainValidator(_size)]  # [height, width]
    counts: Counts

    @model_validator(mode="before")
    @classmethod
    def _has_size_and_counts(cls, value: Any) -> Any:
        if "size" not in value or "counts" not in value:
            raise _refuse("an RLE object needs 'size' [height, width] and 'counts'")
        return value


def _segmentation_kind(value: Any) -> str | None:
    return "polygons" if isinstance(value, list) else "rle" if isinstance(value, dict) else None


Segmentation = Annotated[Annotated[Polygons, Tag("polygons")] | Annotated[CocoRle, Tag("rle")],
                         Discriminator(_segmentation_kind, custom_error_type="segmentation_kind",
                                       custom_error_message="bad segmentation")]


# --- entries and the file ---------------------------------------------------------------------------------


class _Entry(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")  # COCO's other keys (area, bbox, coco_url...) unread

    # Its position in the file's list, for messages: set by CocoFile. A slot, not a pydantic private attribute,
    # which would cost a Python call for every entry built (a third of the time of a large file).
    __slots__ = ("index",)
    in_file: ClassVar[str] = ""  # the list it comes from

    @property
    def where(self) -> str:
        return f"{self.in_file}[{self.index}]"


class CocoImage(_Entry):
    in_file = "images"
    id: Whole
    file_name: FileName
    width: Annotated[Whole, Field(ge=1)]
    height: Annotated[Whole, Field(ge=1)]


class CocoCategory(_Entry):
    in_file = "categories"
    id: Whole
    name: Name  # trimmed
    supercategory: Supercategory = "none"


class CocoAnnotation(_Entry):
    in_file = "annotations"
    id: Whole
    image_id: Whole
    category_id: Whole
    iscrowd: Annotated[bool, PlainValidator(_zero_or_one)] = False
    segmentation: Segmentation  # polygons as flat lists of floats, or RLE

    @property
    def is_rle(self) -> bool:
        return isinstance(self.segmentation, CocoRle)


class CocoFile(BaseModel):
    """A COCO instance file with every entry valid and every reference between entries resolved."""

    model_config = ConfigDict(strict=True, extra="ignore")  # info, licenses: not read

    images: Annotated[list[CocoImage], Field(fail_fast=True)]
    categories: Annotated[list[CocoCategory], Field(fail_fast=True)]
    annotations: Annotated[list[CocoAnnotation], Field(fail_fast=True)]

    @field_validator("images")
    @classmethod
    def _images_unique(cls, images: list[CocoImage]) -> list[CocoImage]:
        ids: dict[int, int] = {}
        names: dict[str, int] = {}
        for index, image in enumerate(images):
            object.__setattr__(image, "index", index)
            if image.id in ids:
                raise _refuse(f"duplicate id {image.id} (also images[{ids[image.id]}])", f"{image.where}.id")
            if image.file_name in names:
                raise _refuse(f"{image.file_name!r} is listed twice (also images[{names[image.file_name]}])",
                              f"{image.where}.file_name")
            ids[image.id], names[image.file_name] = index, index
        return images

    @field_validator("categories")
    @classmethod
    def _categories_unique(cls, categories: list[CocoCategory]) -> list[CocoCategory]:
        ids: dict[int, int] = {}
        names: dict[str, int] = {}
        for index, category in enumerate(categories):
            object.__setattr__(category, "index", index)
            if category.id in ids:
                raise _refuse(f"duplicate id {category.id} (also categories[{ids[category.id]}])",
                              f"{category.where}.id")
            # Names map onto the label set case-insensitively, so two that differ only in case would merge.
            folded = category.name.casefold()
            if folded in names:
                raise _refuse(f"{category.name!r} is listed twice (also categories[{names[folded]}])",
                              f"{category.where}.name")
            ids[category.id], names[folded] = index, index
        return categories

    @field_validator("annotations")
    @classmethod
    def _annotations_resolve(cls, annotations: list[CocoAnnotation], info: ValidationInfo) -> list[CocoAnnotation]:
        # Without valid images and categories there is nothing to resolve against: an earlier list is at fault,
        # and named first.
        resolved = "images" in info.data and "categories" in info.data
        sizes = {image.id: (image.height, image.width) for image in info.data["images"]} if resolved else {}
        category_ids = {category.id for category in info.data["categories"]} if resolved else set()
        seen: dict[int, int] = {}
        for index, annotation in enumerate(annotations):
            object.__setattr__(annotation, "index", index)
            if not resolved:
                continue
            where = f"annotations[{index}]"
            if annotation.image_id not in sizes:
                raise _refuse(f"no image with id {annotation.image_id} in 'images'", f"{where}.image_id")
            if annotation.category_id not in category_ids:
                raise _refuse(f"no category with id {annotation.category_id} in 'categories'",
                              f"{where}.category_id")
            if isinstance(annotation.segmentation, CocoRle):
                _fits_the_image(annotation.segmentation, sizes[annotation.image_id], f"{where}.segmentation")
            if annotation.id in seen:
                raise _refuse(f"duplicate id {annotation.id} (also annotations[{seen[annotation.id]}])",
                              f"{where}.id")
            seen[annotation.id] = index
        return annotations


def _fits_the_image(rle: CocoRle, image_size: tuple[int, int], where: str) -> None:
    height, width = image_size
    if rle.size != image_size:
        raise _refuse(f"{list(rle.size)} does not match the image's [height, width], [{height}, {width}]",
                      f"{where}.size")
    # pycocotools trusts the counts: runs covering more pixels than the image would write past its buffer.
    covered = sum(rle.counts)
    if covered != height * width:
        raise _refuse(f"the runs cover {covered} pixels, not the image's {height} x {width} = {height * width}",
                      f"{where}.counts")


def parse_coco(data: Any) -> CocoFile:
    """A parsed COCO instance file, validated; raises Refused naming where its first problem is."""
    # Validation makes no reference cycles, but its hundreds of thousands of new objects set the cyclic
    # collector traversing the whole parsed file (millions of lists and dicts) again and again: paused, 50,000
    # polygon annotations validate in 0.4 s of CPU instead of 1.0 s. Reference counting still frees everything.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return CocoFile.model_validate(data)
    except ValidationError as exc:
        where, problem = _problem(exc.errors(include_url=False)[0])
    finally:
        if collecting:
            gc.enable()
    raise Refused(where, f"{where}: {problem}" if where else problem, 422, title=INVALID)


# --- pydantic's errors in the words of a person fixing the file -----------------------------------------------

_TAGS = {"polygons", "rle", "compressed", "runs"}  # union members in an error's location, not keys of the file
_ENTRY = {"images": "an object with id, file_name, width and height", "categories": "an object with id and name",
          "annotations": "an object"}


def _problem(error: Any) -> tuple[str, str]:
    """(where, what) for one of pydantic's errors."""
    loc = [part for part in error["loc"] if part not in _TAGS]
    ctx, value, kind_of = error.get("ctx") or {}, error.get("input"), error["type"]
    where = field_path(loc)
    if "problem" in ctx:
        return ctx.get("where", where), ctx["problem"]
    if not loc:
        return "", f"the file must be a JSON object with {_TOP_LEVEL}, not {kind(value)}"
    if len(loc) == 1 and kind_of == "missing":
        return where, f"missing; a COCO instance file needs {_TOP_LEVEL}"
    if len(loc) == 1:
        return where, f"must be a list, not {kind(value)}"
    if len(loc) == 2:
        return where, f"expected {_ENTRY[loc[0]]}, not {kind(value)}"
    if kind_of == "segmentation_kind":
        return where, f"must be a list of polygons or an RLE object with 'size' and 'counts', not {kind(value)}"
    if kind_of == "counts_kind":
        return where, f"must be a string (compressed) or a list of run lengths, not {kind(value)}"
    if kind_of == "missing" and loc[-1] in ("file_name", "name"):
        return where, "missing or not a non-empty string"
    if len(loc) > 4 and loc[-2] == "counts":
        return where, "run lengths must be whole numbers, 0 or more"
    return where, _WORDS.get(kind_of, lambda _v, _c: error["msg"])(value, ctx)


_WORDS = {
    "missing": lambda value, ctx: "missing",
    "int_type": lambda value, ctx: f"must be a whole number, not {kind(value)}",
    "greater_than_equal": lambda value, ctx: f"must be at least {ctx['ge']}, not {value}",
    "too_short": lambda value, ctx: "an empty list of polygons",
    "too_long": lambda value, ctx: f"{ctx['actual_length']} polygons; the limit is {ctx['max_length']} per annotation",
    "list_type": lambda value, ctx: f"a polygon must be a flat list of numbers [x1, y1, x2, y2, ...], "
                                    f"not {kind(value)}",
    "float_type": lambda value, ctx: f"expected a number, not {kind(value)} ({_POLYGON_HINT})",
    "finite_number": lambda value, ctx: "not a finite number (NaN or infinity)",
}


def kind(value: Any) -> str:
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


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)

