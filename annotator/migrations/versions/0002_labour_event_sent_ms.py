"""labour events remember the browser's clock at sending

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("labour_event") as batch:
        batch.add_column(sa.Column("sent_ms", sa.Float(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("labour_event") as batch:
        batch.drop_column("sent_ms")
