"""What an export is asked for: the query of `GET /api/export/coco` and `/api/export/masks.zip`, and the options
of `annotator export` and `export-masks`, read through the same models.

What needs the database (that the images exist, who an annotator is, that class ids fit a label map) is checked
when the export is prepared (annotator.store.export), before anything is written.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema
from pydantic_core import PydanticCustomError

from annotator.core import coco

IMAGE_CHOICES = ("all", "annotated")
ANNOTATOR_CHOICES = ("everyone", "latest")
IMAGES_PATTERN = rf"(?i)^\s*(?:{'|'.join(IMAGE_CHOICES)}|[0-9]+(?:\s*,\s*[0-9]+)*)\s*$"


def _image_choice(value: Any) -> Any:
    """`all`, `annotated` (any case, spaces around), or image ids such as `1,5,9`: sorted, each once."""
    if isinstance(value, tuple | list):
        return tuple(sorted(set(value)))
    if not isinstance(value, str):
        return value
    choice = value.strip().lower()
    if choice in IMAGE_CHOICES:
        return choice
    pieces = [piece.strip() for piece in choice.split(",")]
    if not all(piece.isascii() and piece.isdigit() for piece in pieces):  # int() refuses some isdigit() takes ("²")
        raise PydanticCustomError("image_choice", "{problem}", {"problem": (
            f"must be 'all', 'annotated' or image ids like 1,5,9; got {value[:80]!r}")})
    return tuple(sorted({int(piece) for piece in pieces}))


def _trimmed_lower(value: Any) -> Any:
    return value.strip().lower() if isinstance(value, str) else value


def _blank_is_false(value: Any) -> Any:
    return False if isinstance(value, str) and not value.strip() else _trimmed_lower(value)


ImageChoice = Annotated[
    Literal["all", "annotated"] | tuple[int, ...], BeforeValidator(_image_choice),
    WithJsonSchema({"type": "string", "pattern": IMAGES_PATTERN, "default": "all"})]
Flag = Annotated[bool, BeforeValidator(_blank_is_false)]  # 1/0, true/false, on/off, yes/no; blank is false
Segmentation = Annotated[Literal[coco.SEGMENTATION_MODES], BeforeValidator(_trimmed_lower)]  # type: ignore[valid-type]


class MasksExportOptions(BaseModel):
    # forbid: a misspelt option would otherwise export something other than what was asked for, silently.
    model_config = ConfigDict(extra="forbid", frozen=True)

    images: ImageChoice = Field(default="all", description="all, annotated (by the chosen annotators), or image "
                                                            "ids like 1,5,9")
    annotators: str = Field(default="everyone", max_length=200,
                            description="everyone, latest (each object's newest outline), or one person's public "
                                        "id, export pseudonym or display name")


class ExportOptions(MasksExportOptions):
    segmentation: Segmentation = Field(default="polygon", description="polygon (holed outlines as RLE) or rle "
                                                                      "for every outline")
    labour: Flag = Field(default=False, description="each annotation's ledger events in attributes.labour")
    zip: Flag = Field(default=False, description="a ZIP with the image files beside annotations.json")
