"""Labour events as the editor sends them: alone (a batch) or riding on a save.

Everything a batch must be is stated here, so the store takes it as given: each event's shape, the batch in
order (seq rising, time never going back), no event later than the sender's clock when the request left,
and the bounds. Faults are named by field; the contract answers them with 400 "invalid events" (the editor
then saves its outline without them), or 413 past MAX_EVENTS_PER_REQUEST.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationInfo, WithJsonSchema, field_validator

from annotator.core.schemas.common import ClientId, refused, refused_at

EVENT_KIND_PATTERN = r"^[a-z][a-z0-9_.:-]{0,31}$"
MAX_EVENTS_PER_REQUEST = 5000
MAX_EVENT_DATA_KEYS = 20
MAX_EVENT_SPAN_MS = 7 * 86_400_000  # a page's clock: an editor page open for more than a week is not one sitting
INVALID = "invalid events"


class Request(BaseModel):
    # strict: "12" is not a number and 1 is not true; unknown keys are ignored, so an editor may echo back
    # what it received.
    model_config = ConfigDict(strict=True, extra="ignore")


def _simple_value(value: Any) -> Any:
    """One value of an event's data: what the recorder writes (and nothing deeper)."""
    if value is None or isinstance(value, str | bool) or (isinstance(value, int | float) and math.isfinite(value)):
        return value
    if isinstance(value, list) and len(value) == 2 and all(
            isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in value):
        return value
    raise ValueError("must be text, a finite number, true/false, null or an [x, y] point")


_POINT_SCHEMA = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}
EventValue = Annotated[Any, AfterValidator(_simple_value), WithJsonSchema(
    {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, {"type": "null"}, _POINT_SCHEMA]})]


class Event(Request):
    seq: int = Field(ge=0)
    kind: str = Field(pattern=EVENT_KIND_PATTERN)
    t: float = Field(ge=0, allow_inf_nan=False, description="milliseconds since the editor page opened")
    annotation: ClientId | None = Field(default=None, description="the outline it is about; left out on a save: "
                                                                  "the saved one")
    data: dict[str, EventValue] = Field(default_factory=dict, max_length=MAX_EVENT_DATA_KEYS)


class Events(Request):
    """The labour events riding on a request: in order, none later than `sent_t`."""

    session_id: ClientId | None = Field(default=None, description="the editor page's labour session; needed "
                                                                  "with events")
    sent_t: float | None = Field(
        default=None, ge=0, le=MAX_EVENT_SPAN_MS, allow_inf_nan=False,
        description="the editor's clock when the request left (ms since the page opened, at most a week); "
                    "needed with events")
    events: list[Event] | None = Field(default=None, max_length=MAX_EVENTS_PER_REQUEST)

    @field_validator("events")
    @classmethod
    def _a_plausible_sequence(cls, events: list[Event] | None, info: ValidationInfo) -> list[Event] | None:
        if events is None:
            return None
        if "session_id" in info.data and info.data["session_id"] is None:
            raise refused("events need the editor's session id (session_id)", INVALID)
        sent = info.data.get("sent_t")
        if "sent_t" in info.data and sent is None:
            raise refused("events need the sender's clock when sending (sent_t)", INVALID)
        for index, event in enumerate(events):
            if index and (event.seq <= events[index - 1].seq or event.t < events[index - 1].t):
                raise refused_at((index,), event.seq, "events must be in order: seq rising, time never going "
                                                      "back", INVALID)
            if sent is not None and event.t > sent:
                raise refused_at((index, "t"), event.t, "is later than the request's sent_t: an event from the "
                                                        "future", INVALID)
        return events


class EventBatch(Events):
    """Labour events sent without a save (searching, panning, a tab being closed)."""

    session_id: ClientId
    sent_t: float = Field(ge=0, le=MAX_EVENT_SPAN_MS, allow_inf_nan=False,
                          description="the editor's clock when the request left (ms since the page opened)")
    events: list[Event] = Field(max_length=MAX_EVENTS_PER_REQUEST)
