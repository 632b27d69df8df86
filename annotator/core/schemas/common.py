"""Types shared by the features' input models."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, Field, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

from annotator.core.refused import Refused

LARGEST_ID = 2**31 - 1  # the largest id an integer column holds: PostgreSQL's INTEGER; SQLite's is wider

RowId = Annotated[int, Field(ge=1, le=LARGEST_ID)]  # the id of a stored row (image, class, annotation...)

# An id the editor makes: an annotation's client id, a labour session's id.
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_-]{8,64}$"
ClientId = Annotated[str, Field(pattern=CLIENT_ID_PATTERN)]


def refused(message: str, title: str) -> PydanticCustomError:
    """A model's own rule saying no, with the title the error envelope carries (the contract answers with it
    when every fault of a request has the same). Raise it from a field's validator: the field is named."""
    return PydanticCustomError("refused", "{message}", {"message": message, "title": title})


def refused_at(location: tuple[str | int, ...], value: Any, message: str, title: str) -> ValidationError:
    """`refused` raised from a model's validator, naming the field it is about (a model's rule has no field)."""
    return ValidationError.from_exception_data(
        "refused", [InitErrorDetails(type=refused(message, title), loc=location, input=value)])


def left_out_keeps(schema: dict[str, Any]) -> None:
    """For a field that may be left out (keeping what is stored) but not sent as null: the document shows no
    default, since null is not a value it takes."""
    schema.pop("default", None)


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
