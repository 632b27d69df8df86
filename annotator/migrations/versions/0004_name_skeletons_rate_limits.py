"""look-alike names share a key (TR39 skeleton); rate-limit counters

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 05:00:00

Participants' name keys were their shown names case-folded; now they are confusable skeletons
(annotator.core.names.name_key), so "Amara" and "Amara" with a Cyrillic A share one. Existing keys are
recomputed in joining order; a participant whose name now keys like an earlier one's is numbered as joining
would number them ("Amara (2)"), so the unique key holds and the two can be told apart on screen.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

annotator = sa.table("annotator", sa.column("id", sa.Integer), sa.column("display_name", sa.String),
                     sa.column("name_key", sa.String))


def upgrade() -> None:
    op.create_table(
        "rate_limit_counter",
        sa.Column("key", sa.String(255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("expires_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_rate_limit_counter"),
    )
    from annotator.core.names import name_key, numbered

    _rekey(lambda shown: name_key(shown), numbered)


def downgrade() -> None:
    op.drop_table("rate_limit_counter")
    _rekey(str.casefold, lambda name, number: name if number == 1 else f"{name} ({number})")


def _rekey(key_of, numbered) -> None:
    connection = op.get_bind()
    people = connection.execute(sa.select(annotator.c.id, annotator.c.display_name)
                                .where(annotator.c.name_key.is_not(None)).order_by(annotator.c.id)).all()
    # Cleared first: a new key may equal another row's old one until that row is done.
    connection.execute(annotator.update().where(annotator.c.name_key.is_not(None)).values(name_key=None))
    taken: set[str] = set()
    for person_id, name in people:
        number = 1
        while key_of(numbered(name, number)) in taken:
            number += 1
        shown = numbered(name, number)
        taken.add(key_of(shown))
        connection.execute(annotator.update().where(annotator.c.id == person_id)
                           .values(display_name=shown, name_key=key_of(shown)))
