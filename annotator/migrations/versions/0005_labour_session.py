"""labour sessions opened by the server: whose, on which image, opened when, how many events

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 05:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "labour_session",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=True),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("last_event_id", sa.Integer(), nullable=False, server_default="0"),
        sa.ForeignKeyConstraint(["annotator_id"], ["annotator.id"], name="fk_labour_session_annotator_id_annotator"),
        sa.ForeignKeyConstraint(["image_id"], ["image.id"], name="fk_labour_session_image_id_image"),
        sa.PrimaryKeyConstraint("id", name="pk_labour_session"),
    )
    op.create_index("ix_labour_session_annotator_id", "labour_session", ["annotator_id"])
    # Sessions already in the ledger were never issued: the server opened them at their first batch.
    op.execute("INSERT INTO labour_session (id, annotator_id, image_id, opened_at, events, last_event_id) "
               "SELECT session_id, MIN(annotator_id), MIN(image_id), MIN(received_at), COUNT(id), MAX(id) "
               "FROM labour_event GROUP BY session_id")


def downgrade() -> None:
    op.drop_index("ix_labour_session_annotator_id", table_name="labour_session")
    op.drop_table("labour_session")
