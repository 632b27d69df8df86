"""The labour views' questions (query strings), and the shipped "scale it up" presets file
(annotator/data/scale_presets.json), which is parsed by the same models the API documents it with."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from annotator.core.schemas.common import ClientId, RowId, refused_at

# --- the query strings (the views then check that the image and the person exist) -------------------------


def _blank_is_absent(value: Any) -> Any:
    return None if value == "" else value  # `?image=` is no image, as a form with nothing chosen sends it


class Query(BaseModel):
    model_config = ConfigDict(strict=False)  # query strings are text


class LabourQuery(Query):
    image: Annotated[RowId | None, BeforeValidator(_blank_is_absent)] = Field(
        default=None, description="only this image's events")
    annotator: str | None = Field(
        default=None, max_length=200,
        description="only this person's: id, pseudonym or display name, or `me`; others' need the instructor")
    names: bool = Field(default=False, description="display names beside pseudonyms (instructor only)")


class ImageLabourQuery(Query):
    session: ClientId | None = Field(default=None, description="the asking editor page's session: its own time "
                                                               "is left out of other_sessions_active_ms")


class ReplayQuery(Query):
    annotation: ClientId | None = Field(default=None, description="one polygon's events only (its client id)")
    annotator: str | None = Field(default=None, max_length=200, description="as for the summary")


# --- the presets: every figure with its number, its source and how sure that source is ----------------------

CONFIDENCE = ("exact", "approximate", "secondary")
Text = Annotated[str, Field(pattern=r"\S")]  # something to read: not empty, not only spaces


class PresetFigure(BaseModel):
    """One sourced statement; `value` / `seconds` when it is the preset's image count or time per image."""

    # strict: true is not a number; extra: e.g. lower_bound, derivation, note are shown as given
    model_config = ConfigDict(strict=True, extra="allow")

    text: Text
    source: Text
    confidence: Literal[CONFIDENCE]  # type: ignore[valid-type]
    note: str | None = None


class PresetCount(PresetFigure):
    value: float = Field(gt=0, description="images in the dataset")


class PresetTime(PresetFigure):
    seconds: float = Field(gt=0, description="published human time per image")
    lower_bound: bool | None = Field(default=None, description="true: the source says \"more than\"")


class PresetObjects(PresetFigure):
    value: float = Field(gt=0, description="outlined objects (instances) per image")
    lower_bound: bool | None = Field(default=None, description="true: the image holds more objects than this")


class PresetVertices(PresetFigure):
    value: float = Field(gt=0, description="vertices per outlined object")


class Preset(BaseModel):
    model_config = ConfigDict(strict=True)

    id: str
    label: str = Field(min_length=1)
    images: PresetCount | None = None
    objects_per_image: PresetObjects | None = Field(
        default=None, description="what the person's time per object is multiplied by; null: not published")
    vertices_per_object: PresetVertices | None = Field(
        default=None, description="what the person's time per vertex is multiplied by; null: not published")
    time_per_image: PresetTime | None = None
    figures: list[PresetFigure] = []


class Presets(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")  # version, about: for people reading the file

    presets: list[Preset]

    @model_validator(mode="after")
    def _one_preset_per_id(self) -> Presets:
        seen: set[str] = set()
        for index, preset in enumerate(self.presets):
            if preset.id in seen:
                raise refused_at(("presets", index, "id"), preset.id, f"{preset.id!r} is used twice",
                                 "invalid presets")
            seen.add(preset.id)
        return self
