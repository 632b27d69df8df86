"""Categories are decisions: flags on annotations ("none of the classes fits", "unsure"), class proposals,
and the instructor's decisions on both.

A flagged annotation carries the void class until it is decided; the class the person would have picked (their
guess) is kept beside it. A participant may propose a new class with a definition and their outlines as
examples; the instructor accepts it (a new class joins the label set), merges it into an existing class, or
rejects it, and may resolve any single flag to a class. Decided flags stay on record for the discussion.

The pure parts come first (payload parsing, the flag's state after a save or a decision, CSV rows, the crop's
box maths); the service that reads and writes the database follows. `annotation_store` calls both for the
editor's saves; `api/flags.py` for the rest.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from PIL import Image as PILImage
from PIL import ImageDraw
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from annotator.core import images
from annotator.core.coco import pseudonym
from annotator.core.csv_cells import formula_safe
from annotator.core.labels import MAX_DEFINITION_LENGTH, MAX_NAME_LENGTH, VOID_NAME, void_label
from annotator.core.schemas.common import LARGEST_ID
from annotator.store.models import Annotation, Annotator, Category, ClassProposal, Image, db, utcnow
from annotator.store.versions import VersionConflict, claim_version

KINDS = ("none_fits", "unsure")
RESOLUTIONS = ("kept", "reclassed", "accepted", "merged", "rejected")
MAX_REASON = 500
MAX_NOTE = 500
MAX_EXAMPLES = 50
CROP_MAX_SIDE = 240
HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")  # matched whole (fullmatch): "#aabbcc\n" is no colour
_SPACES = re.compile(r"\s+")


class FlagError(ValueError):
    """A request about flags or proposals that cannot be carried out; `field` names what is wrong."""

    def __init__(self, field: str, message: str, status: int = 422) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message, self.status = field, message, status


# --- pure: payloads --------------------------------------------------------------------------------------


def clean_text(raw: Any, field: str, limit: int, *, required: bool = False, one_line: bool = False) -> str:
    """Text as typed, tidied: control characters dropped (line breaks kept unless `one_line`), ends trimmed.
    Stored as text and shown as text: nothing here is HTML."""
    if raw is None:
        raw = ""
    if not isinstance(raw, str):
        raise FlagError(field, "must be text")
    text = "".join(ch for ch in unicodedata.normalize("NFC", raw)
                   if unicodedata.category(ch)[0] != "C" or ch in "\n\t")
    text = _SPACES.sub(" ", text).strip() if one_line else text.strip()
    if required and not text:
        raise FlagError(field, "must not be empty")
    if len(text) > limit:
        raise FlagError(field, f"at most {limit} characters (this one has {len(text)})")
    return text


def whole_id(raw: Any, field: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 1:
        raise FlagError(field, "must be a whole number (an id)")
    if raw > LARGEST_ID:  # no row has it, and the database cannot even be asked (it would overflow: a 500)
        raise FlagError(field, f"{raw} is larger than any id")
    return raw


@dataclass(frozen=True)
class FlagRequest:
    """A save's `flag` object. `proposal_given` False: the key was left out, so the flag keeps its proposal."""

    kind: str
    reason: str
    proposal_id: int | None = None
    proposal_given: bool = False


def parse_flag(raw: Any) -> FlagRequest | None:
    """`{"kind", "reason", "proposal_id"}`, or None to clear the flag. Other keys (the `category_id` and
    `resolution` the server sends back) are ignored, so the editor may echo the object it received."""
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise FlagError("flag", "must be an object {kind, reason, proposal_id} or null")
    kind = raw.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        raise FlagError("flag.kind", "must be none_fits or unsure")
    reason = clean_text(raw.get("reason"), "flag.reason", MAX_REASON)
    proposal = raw.get("proposal_id")
    if proposal is not None:
        whole_id(proposal, "flag.proposal_id")
    return FlagRequest(kind, reason, proposal, "proposal_id" in raw)


def proposal_name(raw: Any, class_names: Iterable[str], open_proposals: Iterable[tuple[int, str]]) -> str:
    """A proposed class's name: one line, 1-64 characters, not an existing class nor an open proposal
    (case-insensitively), so the room's discussion has one card per idea."""
    name = clean_text(raw, "name", MAX_NAME_LENGTH, required=True, one_line=True)
    key = name.casefold()
    for existing in class_names:
        if existing.casefold() == key:
            raise FlagError("name", f"there is already a class called {existing!r}: pick it, or flag the outline "
                                    "as unsure")
    for proposal_id, existing in open_proposals:
        if existing.casefold() == key:
            raise FlagError("name", f"{existing!r} is already proposed (proposal {proposal_id}): add your outline "
                                    "to it as an example")
    return name


# --- pure: the flag's state --------------------------------------------------------------------------------


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


def saved_state(state: FlagState, void_id: int, *, category_id: int | None = None, flag_given: bool = False,
                request: FlagRequest | None = None, instructor: bool = False) -> FlagState:
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
            raise FlagError("flag", f"the instructor has decided this flag ({state.resolution}); it can no longer "
                                    "be changed", 409)
        if category_id is not None and category_id != state.category_id:
            if not instructor:
                raise FlagError("category_id", f"the instructor has decided this object's class "
                                               f"({state.resolution}); it can no longer be changed", 409)
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


def resolution_for(state: FlagState, category_id: int) -> str:
    """A single flag resolved to a class: "kept" when it is the person's own guess, else "reclassed"."""
    return "kept" if category_id == state.guess_id else "reclassed"


def proposal_colour(seed: int) -> str:
    """A distinct colour for an accepted class that was given none (golden-angle hues)."""
    import colorsys

    r, g, b = colorsys.hsv_to_rgb((seed * 0.618033988749895 + 0.1) % 1.0, 0.7, 0.85)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


# --- pure: CSV ---------------------------------------------------------------------------------------------

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


# --- pure: the crop around an annotation --------------------------------------------------------------------


def _axis(start: float, length: float, limit: int, pad: float, min_side: float) -> tuple[int, int]:
    low, high = start - pad, start + length + pad
    if high - low < min_side:  # a tiny object still gets some surroundings to be recognised by
        centre = (low + high) / 2
        low, high = centre - min_side / 2, centre + min_side / 2
    side = min(high - low, limit)
    low = min(max(low, 0.0), limit - side)  # slide back inside the image before clipping
    first = max(0, math.floor(low))
    return first, max(first + 1, min(limit, math.ceil(low + side)))


def crop_box(bbox: Sequence[float], width: int, height: int, *, margin: float = 0.2, min_margin: float = 8,
             min_side: float = 64) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) in whole pixels: the bbox `[x, y, w, h]` with a margin of `margin` times its
    longer side (at least `min_margin` px), at least `min_side` px a side, inside the image."""
    x, y, w, h = (float(v) for v in bbox)
    pad = max(min_margin, margin * max(w, h))
    left, right = _axis(x, w, width, pad, min_side)
    top, bottom = _axis(y, h, height, pad, min_side)
    return left, top, right, bottom


def crop_scale(box: tuple[int, int, int, int], max_side: int = CROP_MAX_SIDE, max_zoom: float = 4.0) -> float:
    """Scale so the longer side is `max_side` px; small crops are enlarged at most `max_zoom` times."""
    longest = max(box[2] - box[0], box[3] - box[1], 1)
    return min(max_side / longest, max_zoom)


def crop_size(box: tuple[int, int, int, int], scale: float) -> tuple[int, int]:
    return (max(1, min(CROP_MAX_SIDE, round((box[2] - box[0]) * scale))),
            max(1, min(CROP_MAX_SIDE, round((box[3] - box[1]) * scale))))


def crop_rings(parts: Iterable[dict[str, Any]], box: tuple[int, int, int, int],
               scale: float) -> list[list[tuple[float, float]]]:
    """Every part's ring (holes too) in the crop's pixels."""
    left, top = box[0], box[1]
    rings = []
    for part in parts:
        points = part.get("points") or []
        rings.append([((points[i] - left) * scale, (points[i + 1] - top) * scale)
                      for i in range(0, len(points) - 1, 2)])
    return [ring for ring in rings if len(ring) >= 3]


def outline_colour(colour: str) -> str:
    """The class colour, unless too dark to see on a street scene (void is black): then bright yellow."""
    if not HEX_COLOUR.fullmatch(colour or ""):
        return "#ffd400"
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return colour if 0.299 * r + 0.587 * g + 0.114 * b >= 80 else "#ffd400"


def render_crop(source: Path, parts: list[dict[str, Any]], bbox: Sequence[float], colour: str) -> bytes:
    """A PNG of the image around the annotation, at most 240 px a side, with its outline drawn."""
    with images.open_stored(source) as original:
        box = crop_box(bbox, original.width, original.height)
        scale = crop_scale(box)
        size = crop_size(box, scale)
        picture = original.convert("RGB").crop(box).resize(size, PILImage.Resampling.LANCZOS)
    draw = ImageDraw.Draw(picture)
    stroke = outline_colour(colour)
    for ring in crop_rings(parts, box, scale):
        closed = [*ring, ring[0]]
        draw.line(closed, fill="#000000", width=4, joint="curve")  # a dark edge keeps it visible on any scene
        draw.line(closed, fill=stroke, width=2, joint="curve")
    buffer = io.BytesIO()
    picture.save(buffer, "PNG")
    return buffer.getvalue()


# --- the service: the void class -----------------------------------------------------------------------------


def void_category() -> Category:
    """The void/unknown class, found by name; made (or taken back from the archive) if the label set lacks it,
    since flagged outlines need a class the editor shows. Commits only when it had to change something, so
    call it before changing anything else."""
    found = db.session.scalar(select(Category).where(func.lower(Category.name) == VOID_NAME.lower()))
    if found is not None and not found.archived:
        return found
    if found is not None:
        found.archived = False
        db.session.commit()
        return found
    label = void_label()
    order = (db.session.scalar(select(func.max(Category.display_order))) or 0) + 1
    db.session.add(Category(name=label.name, supercategory=label.supercategory, colour=label.colour,
                            definition=label.definition, display_order=order))
    try:
        db.session.commit()
    except IntegrityError:  # another request made it a moment ago
        db.session.rollback()
    return db.session.scalars(select(Category).where(func.lower(Category.name) == VOID_NAME.lower())).one()


# --- the service: flags on saves -------------------------------------------------------------------------------


def flag_state(annotation: Annotation) -> FlagState:
    return FlagState(annotation.category_id, annotation.flag, annotation.flag_reason or "",
                     annotation.flag_category_id, annotation.flag_resolution, annotation.proposal_id)


def apply_state(annotation: Annotation, state: FlagState) -> None:
    annotation.category_id = state.category_id
    annotation.flag, annotation.flag_reason = state.flag, state.reason
    annotation.flag_category_id, annotation.flag_resolution = state.guess_id, state.resolution
    annotation.proposal_id = state.proposal_id


def open_proposal(proposal_id: int, field: str = "flag.proposal_id") -> ClassProposal:
    proposal = db.session.get(ClassProposal, proposal_id)
    if proposal is None:
        raise FlagError(field, f"there is no proposal {proposal_id}")
    if proposal.status != "open":
        raise FlagError(field, f"proposal {proposal_id} ({proposal.name}) is already decided ({proposal.status})")
    return proposal


# --- the service: proposals -------------------------------------------------------------------------------------


def _body(payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise FlagError("body", "expected a JSON object", 400)
    return payload


def _active_class_names() -> list[str]:
    return list(db.session.scalars(select(Category.name).where(Category.archived.is_(False))))


def create_proposal(payload: Any, annotator: Annotator) -> ClassProposal:
    """A new class proposed by `annotator`, with their own outlines as examples: each example is flagged
    "none fits" and linked (a flag it already has keeps its kind and reason). Versions are bumped, so an
    editor that still holds the old version reloads it."""
    payload = _body(payload)
    opened = db.session.execute(select(ClassProposal.id, ClassProposal.name)
                                .where(ClassProposal.status == "open")).all()
    name = proposal_name(payload.get("name"), _active_class_names(), [(row.id, row.name) for row in opened])
    definition = clean_text(payload.get("definition"), "definition", MAX_DEFINITION_LENGTH)
    raw_ids = payload.get("annotation_ids") or []
    if not isinstance(raw_ids, list) or len(raw_ids) > MAX_EXAMPLES:
        raise FlagError("annotation_ids", f"must be a list of at most {MAX_EXAMPLES} of your annotations' ids")
    examples: list[Annotation] = []
    for index, raw in enumerate(raw_ids):
        field = f"annotation_ids[{index}]"
        annotation = db.session.get(Annotation, whole_id(raw, field))
        if annotation is None or annotation.deleted:
            raise FlagError(field, f"there is no annotation {raw}")
        if annotation.annotator_id != annotator.id:
            raise FlagError(field, f"annotation {raw} is not yours: examples are your own outlines", 403)
        if annotation.flag_resolution is not None:
            raise FlagError(field, f"annotation {raw}'s flag is already decided ({annotation.flag_resolution})", 409)
        if annotation not in examples:
            examples.append(annotation)
    void_id = void_category().id if examples else 0  # before anything changes: it may commit
    # Each example moves to a new version, claimed atomically as an edit is: an edit of the same outline in
    # the same instant gets a 409 (or this does), never a silent overwrite.
    for annotation in examples:
        try:
            claim_version(annotation)
        except VersionConflict as exc:
            raise FlagError("annotation_ids", f"annotation {annotation.id} was changed a moment ago: reload and "
                                              "try again", 409) from exc
    proposal = ClassProposal(name=name, definition=definition, annotator_id=annotator.id, status="open",
                             decision_note="", created_at=utcnow())
    db.session.add(proposal)
    db.session.flush()
    for annotation in examples:
        state = flag_state(annotation)
        request = FlagRequest(state.flag or "none_fits", state.reason, proposal.id, True)
        apply_state(annotation, saved_state(state, void_id, request=request))
        annotation.updated_at = utcnow()
    db.session.commit()
    return proposal


def _decidable(proposal_id: int) -> ClassProposal:
    proposal = db.session.get(ClassProposal, proposal_id)
    if proposal is None:
        raise FlagError("proposal", f"there is no proposal {proposal_id}", 404)
    if proposal.status != "open":
        raise FlagError("proposal", f"proposal {proposal_id} ({proposal.name}) is already decided "
                                    f"({proposal.status})", 409)
    return proposal


def _decide(proposal: ClassProposal, status: str, category_id: int | None, note: str) -> int:
    """Close the proposal (only if still open: two decisions at once cannot both win) and apply the decision to
    its open flags: their class (void when rejected), their resolution, a new version. Returns how many."""
    now = utcnow()
    closed = db.session.execute(
        update(ClassProposal).where(ClassProposal.id == proposal.id, ClassProposal.status == "open")
        .values(status=status, category_id=category_id, decision_note=note, decided_at=now)
        .execution_options(synchronize_session=False))
    if closed.rowcount != 1:
        db.session.rollback()
        raise FlagError("proposal", f"proposal {proposal.id} was decided a moment ago", 409)
    values: dict[str, Any] = {"flag_resolution": status, "version": Annotation.version + 1, "updated_at": now}
    if category_id is not None:
        values["category_id"] = category_id
    changed = db.session.execute(
        update(Annotation).where(Annotation.proposal_id == proposal.id, Annotation.flag.is_not(None),
                                 Annotation.flag_resolution.is_(None))
        .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    db.session.expire_all()
    return changed.rowcount


def accept_proposal(proposal_id: int, payload: Any) -> tuple[ClassProposal, int]:
    """The proposed class joins the label set (an archived class of that name comes back) and every open flag
    linked to the proposal gets it."""
    payload = _body(payload)
    proposal = _decidable(proposal_id)
    colour = payload.get("colour")
    if colour is not None and (not isinstance(colour, str) or not HEX_COLOUR.fullmatch(colour)):
        raise FlagError("colour", "must look like #rrggbb")
    supercategory = clean_text(payload.get("supercategory"), "supercategory", MAX_NAME_LENGTH, one_line=True)
    note = clean_text(payload.get("note"), "note", MAX_NOTE)
    key = proposal.name.casefold()
    same_name = [c for c in db.session.scalars(select(Category)) if c.name.casefold() == key]
    active = [c for c in same_name if not c.archived]
    if active:
        raise FlagError("proposal", f"a class called {active[0].name!r} is already in the label set: merge the "
                                    "proposal into it instead", 409)
    order = (db.session.scalar(select(func.max(Category.display_order))) or 0) + 1
    if same_name:  # a class removed from the label set earlier: it comes back, keeping its COCO id
        category = same_name[0]
        category.archived, category.display_order = False, order
        category.definition = proposal.definition or category.definition
        category.colour = colour.lower() if colour else category.colour
        category.supercategory = supercategory or category.supercategory
    else:
        category = Category(name=proposal.name, supercategory=supercategory or "none",
                            colour=(colour or proposal_colour(proposal.id)).lower(),
                            definition=proposal.definition, display_order=order)
        db.session.add(category)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise FlagError("proposal", f"a class called {proposal.name!r} was added a moment ago", 409) from exc
    changed = _decide(proposal, "accepted", category.id, note)
    return db.session.get(ClassProposal, proposal_id), changed


def _target_class(raw: Any) -> Category:
    category = db.session.get(Category, whole_id(raw, "category_id"))
    if category is None or category.archived:
        raise FlagError("category_id", f"there is no active class {raw}")
    return category


def merge_proposal(proposal_id: int, payload: Any) -> tuple[ClassProposal, int]:
    """The proposal is an existing class after all: its open flags get that class."""
    payload = _body(payload)
    proposal = _decidable(proposal_id)
    category = _target_class(payload.get("category_id"))
    if category.name.casefold() == VOID_NAME.casefold():
        raise FlagError("category_id", "merging into void/unknown is rejecting the proposal: use reject")
    note = clean_text(payload.get("note"), "note", MAX_NOTE)
    changed = _decide(proposal, "merged", category.id, note)
    return db.session.get(ClassProposal, proposal_id), changed


def reject_proposal(proposal_id: int, payload: Any) -> tuple[ClassProposal, int]:
    """No new class: the linked outlines stay void, marked rejected, and stay on the flags page as decided."""
    payload = _body(payload)
    proposal = _decidable(proposal_id)
    note = clean_text(payload.get("note"), "note", MAX_NOTE)
    changed = _decide(proposal, "rejected", None, note)
    return db.session.get(ClassProposal, proposal_id), changed


def resolve_flag(annotation_id: int, payload: Any) -> Annotation:
    """One flag decided: the outline gets `category_id` ("kept" if it was the person's guess, else
    "reclassed") and a new version."""
    payload = _body(payload)
    annotation = db.session.get(Annotation, annotation_id)
    if annotation is None or annotation.deleted:
        raise FlagError("annotation", f"there is no annotation {annotation_id}", 404)
    state = flag_state(annotation)
    if state.flag is None:
        raise FlagError("annotation", f"annotation {annotation_id} is not flagged: there is nothing to resolve", 409)
    if state.decided:
        raise FlagError("annotation", f"annotation {annotation_id}'s flag is already decided ({state.resolution})",
                        409)
    category = _target_class(payload.get("category_id"))
    resolution = resolution_for(state, category.id)
    done = db.session.execute(
        update(Annotation).where(Annotation.id == annotation_id, Annotation.flag_resolution.is_(None))
        .values(category_id=category.id, flag_resolution=resolution, version=Annotation.version + 1,
                updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise FlagError("annotation", f"annotation {annotation_id}'s flag was decided a moment ago", 409)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Annotation, annotation_id)


# --- the service: listings ---------------------------------------------------------------------------------------


def _class_refs() -> dict[int, dict[str, Any]]:
    return {c.id: {"id": c.id, "name": c.name, "colour": c.colour, "archived": c.archived}
            for c in db.session.scalars(select(Category))}


def _iso(moment: datetime | None) -> str | None:
    """ISO 8601 in UTC, as the API writes times (SQLite hands back naive datetimes stored as UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def flag_items(names: bool) -> list[dict[str, Any]]:
    """Every flagged outline that is not deleted, open and decided, oldest first; display names only when
    `names` (the instructor)."""
    classes = _class_refs()
    proposals = {p.id: {"id": p.id, "name": p.name, "status": p.status}
                 for p in db.session.scalars(select(ClassProposal))}
    rows = db.session.execute(
        select(Annotation, Image.file_name, Annotator.public_id, Annotator.display_name)
        .join(Image, Image.id == Annotation.image_id)
        .outerjoin(Annotator, Annotator.id == Annotation.annotator_id)
        .where(Annotation.flag.is_not(None), Annotation.deleted.is_(False), Image.deleted.is_(False))
        .order_by(Annotation.id)).all()
    return [{
        "id": a.id, "image_id": a.image_id, "image_file_name": file_name, "kind": a.flag,
        "reason": a.flag_reason or "", "guess": classes.get(a.flag_category_id) if a.flag_category_id else None,
        "category": classes[a.category_id], "resolution": a.flag_resolution,
        "proposal": proposals.get(a.proposal_id) if a.proposal_id else None,
        "annotator": pseudonym(public_id) if public_id else None,
        "annotator_name": display_name if names and public_id else None,
        "version": a.version, "updated_at": _iso(a.updated_at),
    } for a, file_name, public_id, display_name in rows]


def proposal_items(names: bool) -> list[dict[str, Any]]:
    """Every proposal, oldest first, with its live example outlines."""
    classes = _class_refs()
    examples: dict[int, list[dict[str, Any]]] = {}
    for annotation_id, image_id, proposal_id in db.session.execute(
            select(Annotation.id, Annotation.image_id, Annotation.proposal_id)
            .join(Image, Image.id == Annotation.image_id)
            .where(Annotation.proposal_id.is_not(None), Annotation.deleted.is_(False), Image.deleted.is_(False))
            .order_by(Annotation.id)):
        examples.setdefault(proposal_id, []).append({"annotation_id": annotation_id, "image_id": image_id})
    rows = db.session.execute(
        select(ClassProposal, Annotator.public_id, Annotator.display_name)
        .outerjoin(Annotator, Annotator.id == ClassProposal.annotator_id).order_by(ClassProposal.id)).all()
    return [{
        "id": p.id, "name": p.name, "definition": p.definition or "", "status": p.status,
        "proposed_by": pseudonym(public_id) if public_id else None,
        "proposed_by_name": display_name if names and public_id else None,
        "examples": examples.get(p.id, []), "category_id": p.category_id,
        "category": classes.get(p.category_id) if p.category_id else None,
        "decision_note": p.decision_note or "", "created_at": _iso(p.created_at), "decided_at": _iso(p.decided_at),
    } for p, public_id, display_name in rows]
