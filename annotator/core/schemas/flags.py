"""What a request about flags may carry: a save's `flag` object, a class proposal, the instructor's decisions.

The one place the limits live: the web's contract declares these models (so /openapi.json is what is
enforced), the parsed model goes to the store, and the store checks only what needs the database (a class
that exists, a proposal still open, outlines that are the proposer's own). Text is tidied as it is parsed:
control characters dropped (line breaks kept where text may have lines), ends trimmed. It stays text: nothing
here is HTML, and the pages show it as text.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from annotator.core.labels import MAX_DEFINITION_LENGTH, MAX_NAME_LENGTH
from annotator.core.schemas.common import RowId
from annotator.core.schemas.labels import HEX_COLOUR as HEX_COLOUR_PATTERN

HEX_COLOUR = re.compile(HEX_COLOUR_PATTERN)  # the label set's colour rule, compiled for the crops

Kind = Literal["none_fits", "unsure"]  # none of the classes fits; unsure which one does
KINDS: tuple[str, ...] = get_args(Kind)
MAX_REASON = 500
MAX_NOTE = 500
MAX_EXAMPLES = 50
_SPACES = re.compile(r"\s+")


def tidy_text(text: str, *, one_line: bool = False) -> str:
    """Text as typed, tidied: Unicode NFC, control and format characters dropped (line breaks and tabs kept
    unless `one_line`, which also folds runs of white space into one), ends trimmed."""
    kept = "".join(ch for ch in unicodedata.normalize("NFC", text)
                   if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    return _SPACES.sub(" ", kept).strip() if one_line else kept.strip()


def _lines(text: str) -> str:
    return tidy_text(text)


def _one_line(text: str) -> str:
    return tidy_text(text, one_line=True)


def _not_empty(text: str) -> str:
    if not text:  # only white space or control characters were sent
        raise PydanticCustomError("empty_text", "must not be empty")
    return text


def _absent_is_empty(text: str | None) -> str:
    return text or ""


# The length limits apply to the text as sent, as the OpenAPI document says; tidying only shortens it.
Reason = Annotated[str, Field(max_length=MAX_REASON), AfterValidator(_lines)]
Note = Annotated[str, Field(max_length=MAX_NOTE), AfterValidator(_lines)]
Definition = Annotated[str, Field(max_length=MAX_DEFINITION_LENGTH), AfterValidator(_lines)]
Supercategory = Annotated[str, Field(max_length=MAX_NAME_LENGTH), AfterValidator(_one_line)]
ClassName = Annotated[str, Field(min_length=1, max_length=MAX_NAME_LENGTH), AfterValidator(_one_line),
                      AfterValidator(_not_empty)]
# Optional text: null (or left out) reads as "".
MaybeReason = Annotated[Reason | None, AfterValidator(_absent_is_empty)]
MaybeNote = Annotated[Note | None, AfterValidator(_absent_is_empty)]
MaybeDefinition = Annotated[Definition | None, AfterValidator(_absent_is_empty)]
MaybeSupercategory = Annotated[Supercategory | None, AfterValidator(_absent_is_empty)]


class FlagsInput(BaseModel):
    # strict: "12" is not an id; unknown keys are ignored, so the editor may echo back what it received
    model_config = ConfigDict(strict=True, extra="ignore")


class Flag(FlagsInput):
    """A save's `flag`: null clears it. Leaving `proposal_id` out keeps the flag's proposal; null detaches
    it (`proposal_given` tells the two apart)."""

    kind: Kind
    reason: MaybeReason = ""
    proposal_id: RowId | None = Field(default=None, description="an open proposal this outline is an example of")

    @property
    def proposal_given(self) -> bool:
        return "proposal_id" in self.model_fields_set


class ProposalCreate(FlagsInput):
    name: ClassName = Field(description="one line; not an existing class nor an open proposal "
                                        "(case-insensitively)")
    definition: MaybeDefinition = ""
    annotation_ids: list[RowId] | None = Field(
        default=None, max_length=MAX_EXAMPLES,
        description="the proposer's own outlines as examples; each is flagged none_fits and linked")


class ProposalAccept(FlagsInput):
    colour: str | None = Field(default=None, pattern=HEX_COLOUR.pattern,
                               description="#rrggbb; left out: a distinct colour is picked")
    supercategory: MaybeSupercategory = ""
    note: MaybeNote = Field(default="", description="shown with the decision")


class ProposalMerge(FlagsInput):
    category_id: RowId = Field(description="the active class the proposal's outlines get (not void)")
    note: MaybeNote = ""


class ProposalReject(FlagsInput):
    note: MaybeNote = ""


class FlagResolve(FlagsInput):
    category_id: RowId = Field(description="the active class the outline gets: \"kept\" when it was the person's "
                                           "own guess, else \"reclassed\"")
