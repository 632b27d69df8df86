"""Types shared by the features' input models."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, ValidationError
from pydantic_core import InitErrorDetails, PydanticCustomError

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
