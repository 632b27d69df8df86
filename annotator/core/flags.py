"""Categories are decisions: the flag on an annotation as plain data, and the rules of raising, changing,
clearing and deciding it.

A flagged annotation carries the void class until it is decided; the class the person would have picked (their
guess) is kept beside it. A participant may propose a new class with a definition and their outlines as
examples; the instructor accepts it (a new class joins the label set), merges it into an existing class, or
rejects it, and may resolve any single flag to a class. Decided flags stay on record for the discussion.

Plain data in, plain data out: the store reads a row into a `FlagState`, asks `saved_state` what it becomes,
and writes it back. The lists as CSV are here too. What a request may carry is annotator.core.schemas.flags.
"""

from __future__ import annotations

import colorsys
import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

from annotator.core.csv_cells import formula_safe
from annotator.core.refused import Refused
from annotator.core.schemas.flags import Flag

RESOLUTIONS = ("kept", "reclassed", "accepted", "merged", "rejected")
# The error envelope's title for the flags service's refusals, by status.
TITLES = {400: "malformed request", 403: "not yours", 404: "not found", 409: "already decided"}


def refused(field: str, problem: str, status: int = 422, title: str | None = None) -> Refused:
    """A refusal about flags, its detail naming the field first ("name: must not be empty")."""
    return Refused(field, f"{field}: {problem}", status, title=title or TITLES.get(status, "invalid request"))


# --- the flag's state ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlagState:
    """An annotation's class and flag fields, as plain data."""

    category_id: int | None
    flag: str | None = None
    reason: str = ""
    guess_id: int | None = None  # the class the person would have picked
    resolution: str | None = None  # None while open
    proposal_id: int | None = None

    @property
    def decided(self) -> bool:
        return self.flag is not None and self.resolution is not None


class FlaggedRow(Protocol):
    """What a stored annotation holds of its flag (annotator.store.models.Annotation has these columns)."""

    category_id: int | None
    flag: str | None
    flag_reason: str | None
    flag_category_id: int | None
    flag_resolution: str | None
    proposal_id: int | None


def flag_state(row: FlaggedRow) -> FlagState:
    return FlagState(row.category_id, row.flag, row.flag_reason or "", row.flag_category_id, row.flag_resolution,
                     row.proposal_id)


def apply_state(row: FlaggedRow, state: FlagState) -> None:
    row.category_id = state.category_id
    row.flag, row.flag_reason = state.flag, state.reason
    row.flag_category_id, row.flag_resolution = state.guess_id, state.resolution
    row.proposal_id = state.proposal_id


def saved_state(state: FlagState, void_id: int, *, category_id: int | None = None, flag_given: bool = False,
                request: Flag | None = None, instructor: bool = False) -> FlagState:
    """The class and flag after a save that sent `category_id` (None: not sent) and, if `flag_given`, a flag
    (`request`, or None to clear it).

    - Setting a flag: the class becomes void; the sent class (or the current one) is kept as the guess.
    - While flagged, a sent class changes the guess; the class stays void. The void class is never a guess
      (the editor may send the class it shows).
    - Clearing: the sent class, else the guess, becomes the class again.
    - A decided flag is the instructor's: a participant can change neither it nor the class (409); resending
      the same flag changes nothing."""
    guess = category_id if category_id != void_id else None
    if state.decided:
        same = not flag_given or (request is not None and request.kind == state.flag
                                  and request.reason == state.reason
                                  and (not request.proposal_given or request.proposal_id == state.proposal_id))
        if not same:
            raise refused("flag", f"the instructor has decided this flag ({state.resolution}); it can no longer "
                                  "be changed", 409, title="refused")
        if category_id is not None and category_id != state.category_id:
            if not instructor:
                raise refused("category_id", f"the instructor has decided this object's class "
                                             f"({state.resolution}); it can no longer be changed", 409,
                              title="refused")
            return replace(state, category_id=category_id)
        return state
    if request is not None:  # set or change the flag
        if state.flag is None:
            current = state.category_id if state.category_id != void_id else None
            return FlagState(void_id, request.kind, request.reason, guess if guess is not None else current,
                             None, request.proposal_id)
        proposal = request.proposal_id if request.proposal_given else state.proposal_id
        return FlagState(void_id, request.kind, request.reason,
                         guess if guess is not None else state.guess_id, None, proposal)
    if state.flag is None:  # no flag before or after: an ordinary class change
        return replace(state, category_id=category_id if category_id is not None else state.category_id)
    if flag_given:  # clearing an open flag
        restored = next((c for c in (category_id, state.guess_id) if c is not None), state.category_id)
        return FlagState(restored)
    return replace(state, guess_id=guess if guess is not None else state.guess_id)


def example_flag(state: FlagState, proposal_id: int) -> Flag:
    """The flag an outline gets as an example of a new proposal: the flag it has (kind and reason kept), else
    "none fits", linked to the proposal."""
    return Flag(kind=state.flag or "none_fits", reason=state.reason, proposal_id=proposal_id)


def resolution_for(state: FlagState, category_id: int) -> str:
    """A single flag resolved to a class: "kept" when it is the person's own guess, else "reclassed"."""
    return "kept" if category_id == state.guess_id else "reclassed"


# --- proposals -------------------------------------------------------------------------------------------------


def check_new_class_name(name: str, class_names: Iterable[str], open_proposals: Iterable[tuple[int, str]]) -> None:
    """A proposed class's name must be neither an existing class nor an open proposal (case-insensitively), so
    the room's discussion has one card per idea."""
    key = name.casefold()
    for existing in class_names:
        if existing.casefold() == key:
            raise refused("name", f"there is already a class called {existing!r}: pick it, or flag the outline "
                                  "as unsure")
    for proposal_id, existing in open_proposals:
        if existing.casefold() == key:
            raise refused("name", f"{existing!r} is already proposed (proposal {proposal_id}): add your outline "
                                  "to it as an example")


def proposal_colour(seed: int) -> str:
    """A distinct colour for an accepted class that was given none (golden-angle hues)."""
    r, g, b = colorsys.hsv_to_rgb((seed * 0.618033988749895 + 0.1) % 1.0, 0.7, 0.85)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


# --- the lists as CSV ----------------------------------------------------------------------------------------

FLAG_COLUMNS = ("annotation_id", "image_id", "image_file_name", "kind", "reason", "guess", "class", "resolution",
                "proposal_id", "proposal", "person", "name")
PROPOSAL_COLUMNS = ("proposal_id", "name", "definition", "status", "class", "examples", "example_annotation_ids",
                    "decision_note", "created_at", "decided_at", "proposed_by", "proposed_by_name")


def _csv(columns: Sequence[str], rows: Iterable[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([formula_safe(row.get(column)) for column in columns])
    return buffer.getvalue()


def flags_csv(items: Iterable[dict[str, Any]], names: bool) -> str:
    """The flags list as CSV; the `name` column only when names may be shown (the instructor)."""
    columns = FLAG_COLUMNS if names else tuple(c for c in FLAG_COLUMNS if c != "name")
    return _csv(columns, ({
        "annotation_id": item["id"], "image_id": item["image_id"], "image_file_name": item["image_file_name"],
        "kind": item["kind"], "reason": item["reason"], "guess": (item["guess"] or {}).get("name"),
        "class": item["category"]["name"], "resolution": item["resolution"] or "open",
        "proposal_id": (item["proposal"] or {}).get("id"), "proposal": (item["proposal"] or {}).get("name"),
        "person": item["annotator"], "name": item["annotator_name"]} for item in items))


def proposals_csv(items: Iterable[dict[str, Any]], names: bool) -> str:
    columns = PROPOSAL_COLUMNS if names else tuple(c for c in PROPOSAL_COLUMNS if c != "proposed_by_name")
    return _csv(columns, ({
        "proposal_id": item["id"], "name": item["name"], "definition": item["definition"],
        "status": item["status"], "class": (item["category"] or {}).get("name"), "examples": len(item["examples"]),
        "example_annotation_ids": " ".join(str(example["annotation_id"]) for example in item["examples"]),
        "decision_note": item["decision_note"], "created_at": item["created_at"], "decided_at": item["decided_at"],
        "proposed_by": item["proposed_by"], "proposed_by_name": item["proposed_by_name"]} for item in items))
