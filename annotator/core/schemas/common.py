"""Types shared by the features' input models."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError

from annotator.core.refused import Refused

LARGEST_ID = 2**31 - 1  # the largest id an integer column holds: PostgreSQL's INTEGER; SQLite's is wider

RowId = Annotated[int, Field(ge=1, le=LARGEST_ID)]  # the id of a stored row (image, class, annotation...)


def field_path(loc: Any) -> str:
    """`annotations[3].segmentation[0]` for pydantic's error location ('annotations', 3, 'segmentation', 0)."""
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}" if path else str(part)
    return path


Model = TypeVar("Model", bound=BaseModel)


def parse_as(model: type[Model], data: Any, *, title: str, status: int = 422) -> Model:
    """`data` validated as `model` where no contract did it (a file, the command line's options); else Refused
    naming where the first problem is, as the API's contract does: `labels[0].colour: must look like #rrggbb`."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = field_path(first["loc"])
    raise Refused(where, f"{where}: {first['msg']}" if where else first["msg"], status, title=title)
