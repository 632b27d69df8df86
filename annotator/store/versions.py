"""Version claims: an annotation's optimistic-concurrency version, moved on in one statement.

Both the editor's saves (annotator.store.annotations) and the flags service (linking outlines to a class
proposal) change annotations other requests may be changing at the same moment; both claim the next version
here first, so one of two edits of the same version is refused, never silently overwritten.
"""

from __future__ import annotations

from sqlalchemy import update

from annotator.store.models import Annotation, db


class VersionMoved(Exception):
    """The annotation moved on (or was deleted) since the version the edit was based on. Callers say what that
    means for their request (a save answers 409 with the current annotation, store.annotations.VersionConflict)."""

    def __init__(self, annotation: Annotation, reason: str = "stale version") -> None:
        super().__init__(reason)
        self.annotation, self.reason = annotation, reason


def claim_version(annotation: Annotation) -> None:
    """Move the stored version from the one `annotation` was read at to the next, in one statement, before
    changing anything else; VersionMoved (after a rollback) if it had moved meanwhile.

    Checking the version read a moment ago is not enough: two edits of the same version (two processes, two
    threads, two tabs) both pass that check, and the later silently overwrites the earlier. The conditional
    UPDATE takes the row's lock (PostgreSQL) or the write lock (SQLite), so the second edit waits for the
    first to commit, then matches no row and is refused with the winner's version. Must run before anything
    is flushed (the session's autoflush would write the edit first) and after anything that commits.
    """
    base = annotation.version
    with db.session.no_autoflush:
        claimed = db.session.execute(
            update(Annotation).where(Annotation.id == annotation.id, Annotation.version == base)
            .values(version=base + 1).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        db.session.rollback()
        raise VersionMoved(db.session.get(Annotation, annotation.id))
    annotation.version = base + 1  # what the row holds now; the ORM's own UPDATE writes the same
