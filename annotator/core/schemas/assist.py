"""What an assist request may carry: `POST /api/images/<id>/assist`, one model per method, told apart by
`method`. What needs the image (a box or point inside it, how far apart the points are) is checked by the assist
itself, which refuses with the image's size in the message."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, ValidationInfo, field_validator

from annotator.core.assists import grabcut, model, scissors
from annotator.core.schemas.common import refused

Coordinate = Annotated[float, Field(ge=0, le=10**6, allow_inf_nan=False)]
Point = Annotated[list[Coordinate], Field(min_length=2, max_length=2, description="[x, y] in image pixels")]
MIN_BOX_SIDE = grabcut.MIN_SIDE
INVALID = "invalid request"


class AssistRequest(BaseModel):
    # strict: "12" is not a number; unknown keys are ignored
    model_config = ConfigDict(strict=True, extra="ignore")


class GrabCutAssist(AssistRequest):
    method: Literal["grabcut"]
    box: list[Coordinate] = Field(
        min_length=4, max_length=4,
        description=f"[x, y, width, height] in image pixels, inside the image; width and height at least "
                    f"{MIN_BOX_SIDE}")

    @field_validator("box")
    @classmethod
    def _big_enough(cls, box: list[float]) -> list[float]:
        if box[2] < MIN_BOX_SIDE or box[3] < MIN_BOX_SIDE:
            raise refused(f"the box's width and height must be at least {MIN_BOX_SIDE} px", INVALID)
        return box


class ScissorsAssist(AssistRequest):
    method: Literal["scissors"]
    closed: bool = Field(default=True, description="true: the outline closes back to the first point (at least "
                                                   "3 points); false: the open path through them, for a preview")
    points: list[Point] = Field(
        min_length=2, max_length=scissors.MAX_POINTS,
        description=f"clicked along the object's edge, in order, each inside the image and at most "
                    f"{scissors.MAX_SEGMENT} working px from the next; at most {scissors.MAX_POINTS}")

    @field_validator("points")
    @classmethod
    def _enough_to_close(cls, points: list[list[float]], info: ValidationInfo) -> list[list[float]]:
        if info.data.get("closed", True) and len(points) < 3:
            raise refused("a closed outline needs at least 3 points", INVALID)
        return points


class ModelAssist(AssistRequest):
    method: Literal["model"]
    points: list[Point] = Field(min_length=1, max_length=model.MAX_POINTS,
                                description=f"clicks in image pixels; at most {model.MAX_POINTS}")
    labels: list[Literal[0, 1]] | None = Field(
        default=None, max_length=model.MAX_POINTS,
        description="per point: 1 on the object, 0 not on it; left out: every point is on it")

    @field_validator("labels")
    @classmethod
    def _labels_fit(cls, labels: list[int] | None, info: ValidationInfo) -> list[int] | None:
        points = info.data.get("points")
        if labels is not None and points is not None and len(labels) != len(points):
            raise refused(f"{len(labels)} labels for {len(points)} points", INVALID)
        if labels is not None and 1 not in labels:
            raise refused("at least one point must be on the object (label 1)", INVALID)
        return labels


class Assist(RootModel[Annotated[GrabCutAssist | ScissorsAssist | ModelAssist, Field(discriminator="method")]]):
    """One assist: `method` says which, and which other fields it takes."""


class AssistPart(BaseModel):
    points: list[float] = Field(description="flat [x1, y1, x2, y2, ...] in image pixels")
    hole: bool


class AssistAnswer(BaseModel):
    parts: list[AssistPart] = Field(description="an editable outline, as a save takes it; empty when nothing "
                                                "was found")
    path: list[float] | None = Field(default=None, description="scissors with closed false: the open path "
                                                               "through the points, flat [x1, y1, ...]")
    method: Literal["grabcut", "scissors", "model"]
    ms: int = Field(description="milliseconds the server worked on it")
