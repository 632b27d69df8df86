"""The editor's saves: a new outline, an edit, a delete, with the labour events that ride along.

Every rule a save's own content can be held to is here; the store checks only what needs the database (the
class is active, the version current, the client id not someone else's) and the geometry the image's size
decides (clipping, repairs, what is left inside the image).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, ConfigDict, Field, WithJsonSchema, model_validator

from annotator.core.geometry import MAX_PARTS, MAX_VERTICES
from annotator.core.schemas.common import ClientId, RowId, left_out_keeps, refused, refused_at
from annotator.core.schemas.events import Events, Request
from annotator.core.schemas.flags import Flag

MAX_ATTRIBUTE_KEYS = 20
MAX_ATTRIBUTE_KEY_LENGTH = 64
MAX_ATTRIBUTE_TEXT_LENGTH = 2000
SERVER_ATTRIBUTES = frozenset({"repairs", "source", "flag"})  # written by the server: what a save sends is dropped
INVALID = "invalid annotation"


Coordinate = Annotated[float, Field(allow_inf_nan=False)]


def _even(points: list[float]) -> list[float]:
    if len(points) % 2:
        raise refused(f"an odd number of coordinates ({len(points)})", INVALID)
    return points


class Part(Request):
    points: Annotated[list[Coordinate], AfterValidator(_even)] = Field(
        min_length=6, max_length=2 * MAX_VERTICES,
        description=f"flat [x1, y1, x2, y2, ...] in image pixels; at most {MAX_VERTICES} vertices per annotation")
    hole: bool = False


def _within_vertex_limit(parts: list[Part]) -> list[Part]:
    if sum(len(part.points) // 2 for part in parts) > MAX_VERTICES:
        raise refused(f"too many vertices; the limit is {MAX_VERTICES} per annotation", INVALID)
    return parts


Parts = Annotated[list[Part], Field(min_length=1, max_length=MAX_PARTS), AfterValidator(_within_vertex_limit)]


def _attribute_key(key: str) -> str:
    if len(key) > MAX_ATTRIBUTE_KEY_LENGTH:
        raise refused(f"a key is longer than {MAX_ATTRIBUTE_KEY_LENGTH} characters", INVALID)
    return key


def _attribute_value(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_ATTRIBUTE_TEXT_LENGTH:
        raise refused(f"a text of at most {MAX_ATTRIBUTE_TEXT_LENGTH} characters", INVALID)
    if isinstance(value, str | bool) or (isinstance(value, int | float) and math.isfinite(value)):
        return value
    raise ValueError("must be text, a finite number or true/false")


AttributeKey = Annotated[str, AfterValidator(_attribute_key),
                         WithJsonSchema({"type": "string", "maxLength": MAX_ATTRIBUTE_KEY_LENGTH})]
AttributeValue = Annotated[Any, AfterValidator(_attribute_value), WithJsonSchema(
    {"anyOf": [{"type": "string", "maxLength": MAX_ATTRIBUTE_TEXT_LENGTH}, {"type": "number"},
               {"type": "boolean"}]})]
Attributes = Annotated[dict[AttributeKey, AttributeValue], Field(max_length=MAX_ATTRIBUTE_KEYS)]


class AnnotationCreate(Events):
    client_id: ClientId = Field(description="made by the editor; resending it returns the same annotation")
    category_id: RowId | None = Field(default=None, description="may be left out only by a flagged outline")
    parts: Parts
    attributes: Attributes | None = None
    flag: Flag | None = None

    @model_validator(mode="after")
    def _a_class_or_a_flag(self) -> AnnotationCreate:
        if self.category_id is None and self.flag is None:
            raise refused_at(("category_id",), None, "pick a class (or flag the outline)", INVALID)
        return self


class AnnotationUpdate(Events):
    """Only the fields sent change; a field left out keeps its value."""

    version: int = Field(ge=1, description="the version this edit is based on; 409 if it moved meanwhile")
    category_id: RowId = Field(default=None, json_schema_extra=left_out_keeps)  # type: ignore[assignment]
    parts: Parts = Field(default=None, json_schema_extra=left_out_keeps)  # type: ignore[assignment]
    attributes: Attributes | None = Field(default=None, description="merged into the stored ones; null: kept")
    flag: Flag | None = Field(default=None, description="null clears the flag; left out: kept")
    deleted: Literal[False] = Field(default=None, json_schema_extra=left_out_keeps,  # type: ignore[assignment]
                                    description="false restores a deleted annotation")


class AnnotationDelete(Events):
    version: int | None = Field(default=None, ge=1, description="the version the delete is based on; needed "
                                                                "unless the annotation is deleted already")


class VersionQuery(Request):
    model_config = ConfigDict(strict=False)  # query strings are text
    version: int | None = Field(default=None, ge=1)
