"""Flags and class proposals as stored: the void class, proposals and the instructor's decisions, and the
lists the flags page and its CSV downloads show.

The requests arrive parsed (annotator.core.schemas.flags); the rules of the flag's state are
annotator.core.flags. What is checked here needs the database: a class that exists and is active, a proposal
still open, examples that are the proposer's own and undecided, a decision nobody made a moment ago. Each
refusal is a `Refused` naming the field. `annotator.store.annotations` calls `void_category` and
`open_proposal` for the editor's saves; `web/api/flags.py` calls the rest.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from annotator.core.coco import pseudonym
from annotator.core.flags import (
    apply_state,
    check_new_class_name,
    example_flag,
    flag_state,
    proposal_colour,
    refused,
    resolution_for,
    saved_state,
)
from annotator.core.labels import VOID_NAME, void_label
from annotator.core.schemas.flags import FlagResolve, ProposalAccept, ProposalCreate, ProposalMerge, ProposalReject
from annotator.store.models import Annotation, Annotator, Category, ClassProposal, Image, db, utcnow
from annotator.store.versions import VersionMoved, claim_version

# --- the void class --------------------------------------------------------------------------------------------


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


# --- flags on saves ---------------------------------------------------------------------------------------------


def open_proposal(proposal_id: int, field: str = "flag.proposal_id") -> ClassProposal:
    """The proposal a save links its flag to: it must exist and still be open."""
    proposal = db.session.get(ClassProposal, proposal_id)
    if proposal is None:
        raise refused(field, f"there is no proposal {proposal_id}", title="invalid annotation")
    if proposal.status != "open":
        raise refused(field, f"proposal {proposal_id} ({proposal.name}) is already decided ({proposal.status})",
                      title="invalid annotation")
    return proposal


# --- proposals --------------------------------------------------------------------------------------------------


def _active_class_names() -> list[str]:
    return list(db.session.scalars(select(Category.name).where(Category.archived.is_(False))))


def _examples(annotation_ids: list[int], annotator: Annotator) -> list[Annotation]:
    """The proposer's own outlines, undecided, each once, in the order given."""
    examples: list[Annotation] = []
    for index, annotation_id in enumerate(annotation_ids):
        field = f"annotation_ids[{index}]"
        annotation = db.session.get(Annotation, annotation_id)
        if annotation is None or annotation.deleted:
            raise refused(field, f"there is no annotation {annotation_id}")
        if annotation.annotator_id != annotator.id:
            raise refused(field, f"annotation {annotation_id} is not yours: examples are your own outlines", 403)
        if annotation.flag_resolution is not None:
            raise refused(field, f"annotation {annotation_id}'s flag is already decided "
                                 f"({annotation.flag_resolution})", 409)
        if annotation not in examples:
            examples.append(annotation)
    return examples


def create_proposal(body: ProposalCreate, annotator: Annotator) -> ClassProposal:
    """A new class proposed by `annotator`, with their own outlines as examples: each example is flagged
    "none fits" and linked (a flag it already has keeps its kind and reason). Versions are bumped, so an
    editor that still holds the old version reloads it."""
    opened = db.session.execute(select(ClassProposal.id, ClassProposal.name)
                                .where(ClassProposal.status == "open")).all()
    check_new_class_name(body.name, _active_class_names(), [(row.id, row.name) for row in opened])
    examples = _examples(body.annotation_ids or [], annotator)
    void_id = void_category().id if examples else 0  # before anything changes: it may commit
    # Each example moves to a new version, claimed atomically as an edit is: an edit of the same outline in
    # the same instant gets a 409 (or this does), never a silent overwrite.
    for annotation in examples:
        try:
            claim_version(annotation)
        except VersionMoved as exc:
            raise refused("annotation_ids", f"annotation {annotation.id} was changed a moment ago: reload and "
                                            "try again", 409) from exc
    proposal = ClassProposal(name=body.name, definition=body.definition, annotator_id=annotator.id,
                             status="open", decision_note="", created_at=utcnow())
    db.session.add(proposal)
    db.session.flush()
    for annotation in examples:
        state = flag_state(annotation)
        apply_state(annotation, saved_state(state, void_id, flag_given=True, request=example_flag(state, proposal.id)))
        annotation.updated_at = utcnow()
    db.session.commit()
    return proposal


def _decidable(proposal_id: int) -> ClassProposal:
    proposal = db.session.get(ClassProposal, proposal_id)
    if proposal is None:
        raise refused("proposal", f"there is no proposal {proposal_id}", 404)
    if proposal.status != "open":
        raise refused("proposal", f"proposal {proposal_id} ({proposal.name}) is already decided "
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
        raise refused("proposal", f"proposal {proposal.id} was decided a moment ago", 409)
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


def accept_proposal(proposal_id: int, body: ProposalAccept) -> tuple[ClassProposal, int]:
    """The proposed class joins the label set (an archived class of that name comes back) and every open flag
    linked to the proposal gets it."""
    proposal = _decidable(proposal_id)
    key = proposal.name.casefold()
    same_name = [c for c in db.session.scalars(select(Category)) if c.name.casefold() == key]
    active = [c for c in same_name if not c.archived]
    if active:
        raise refused("proposal", f"a class called {active[0].name!r} is already in the label set: merge the "
                                  "proposal into it instead", 409)
    order = (db.session.scalar(select(func.max(Category.display_order))) or 0) + 1
    colour = body.colour.lower() if body.colour else None
    if same_name:  # a class removed from the label set earlier: it comes back, keeping its COCO id
        category = same_name[0]
        category.archived, category.display_order = False, order
        category.definition = proposal.definition or category.definition
        category.colour = colour or category.colour
        category.supercategory = body.supercategory or category.supercategory
    else:
        category = Category(name=proposal.name, supercategory=body.supercategory or "none",
                            colour=colour or proposal_colour(proposal.id),
                            definition=proposal.definition, display_order=order)
        db.session.add(category)
    try:
        db.session.flush()
    except IntegrityError as exc:
        db.session.rollback()
        raise refused("proposal", f"a class called {proposal.name!r} was added a moment ago", 409) from exc
    changed = _decide(proposal, "accepted", category.id, body.note)
    return db.session.get(ClassProposal, proposal_id), changed


def _target_class(category_id: int) -> Category:
    category = db.session.get(Category, category_id)
    if category is None or category.archived:
        raise refused("category_id", f"there is no active class {category_id}")
    return category


def merge_proposal(proposal_id: int, body: ProposalMerge) -> tuple[ClassProposal, int]:
    """The proposal is an existing class after all: its open flags get that class."""
    proposal = _decidable(proposal_id)
    category = _target_class(body.category_id)
    if category.name.casefold() == VOID_NAME.casefold():
        raise refused("category_id", "merging into void/unknown is rejecting the proposal: use reject")
    changed = _decide(proposal, "merged", category.id, body.note)
    return db.session.get(ClassProposal, proposal_id), changed


def reject_proposal(proposal_id: int, body: ProposalReject) -> tuple[ClassProposal, int]:
    """No new class: the linked outlines stay void, marked rejected, and stay on the flags page as decided."""
    proposal = _decidable(proposal_id)
    changed = _decide(proposal, "rejected", None, body.note)
    return db.session.get(ClassProposal, proposal_id), changed


def resolve_flag(annotation_id: int, body: FlagResolve) -> Annotation:
    """One flag decided: the outline gets `category_id` ("kept" if it was the person's guess, else
    "reclassed") and a new version."""
    annotation = db.session.get(Annotation, annotation_id)
    if annotation is None or annotation.deleted:
        raise refused("annotation", f"there is no annotation {annotation_id}", 404)
    state = flag_state(annotation)
    if state.flag is None:
        raise refused("annotation", f"annotation {annotation_id} is not flagged: there is nothing to resolve", 409)
    if state.decided:
        raise refused("annotation", f"annotation {annotation_id}'s flag is already decided ({state.resolution})",
                      409)
    category = _target_class(body.category_id)
    resolution = resolution_for(state, category.id)
    done = db.session.execute(
        update(Annotation).where(Annotation.id == annotation_id, Annotation.flag_resolution.is_(None))
        .values(category_id=category.id, flag_resolution=resolution, version=Annotation.version + 1,
                updated_at=utcnow())
        .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise refused("annotation", f"annotation {annotation_id}'s flag was decided a moment ago", 409)
    db.session.commit()
    db.session.expire_all()
    return db.session.get(Annotation, annotation_id)


# --- the lists ------------------------------------------------------------------------------------------------------


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
