"""The workshop's requests: joining, the instructor's settings, "next image", and the reset.

The store then checks what needs the database (the images named exist); a display name is tidied and checked by
annotator/core/names.py, which the join form without scripts uses too.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from annotator.core import assignments, names
from annotator.core.schemas.common import RowId, left_out_keeps, refused

MAX_WORKSHOP_IMAGES = 10_000
RESET_CONFIRMATION = "reset"


class WorkshopRequest(BaseModel):
    # strict: "12" is not an id and 1 is not true; unknown keys are ignored unless the model says otherwise
    model_config = ConfigDict(strict=True, extra="ignore")


class JoinBody(WorkshopRequest):
    name: str = Field(min_length=1, max_length=names.MAX_NAME_LENGTH,
                      description="the display name; someone else's name gets a number, e.g. \"Amara (2)\"")


class WorkshopSettingsChange(WorkshopRequest):
    """The settings to change; those left out keep their value."""

    model_config = ConfigDict(strict=True, extra="forbid")  # a misspelt setting must not be silently ignored

    assignment: Literal[assignments.MODES] = Field(  # type: ignore[valid-type]
        default=None, json_schema_extra=left_out_keeps,
        description="how \"next image\" hands images out (see the README)")
    share_layers: bool = Field(default=None, json_schema_extra=left_out_keeps,  # type: ignore[assignment]
                               description="participants see each other's outlines")
    image_ids: list[RowId] | None = Field(
        default=None, min_length=1, max_length=MAX_WORKSHOP_IMAGES, json_schema_extra=left_out_keeps,
        description="the workshop's images in order (repeats count once); null: every image")


class WorkshopNextBody(WorkshopRequest):
    current: RowId | None = Field(default=None, description="the image just finished; null: none")


def _confirmed(value: str) -> str:
    if value != RESET_CONFIRMATION:
        raise refused(f'Send {{"confirm": "{RESET_CONFIRMATION}"}} to reset; a backup is written first.',
                      "not confirmed")
    return value


class WorkshopResetBody(WorkshopRequest):
    confirm: Annotated[str, AfterValidator(_confirmed),
                       WithJsonSchema({"type": "string", "enum": [RESET_CONFIRMATION]})] = Field(
        description=f'"{RESET_CONFIRMATION}": never by accident')
