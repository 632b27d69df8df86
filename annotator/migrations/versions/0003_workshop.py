"""workshop mode: unique shown names, flags on annotations, class proposals, assignments

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "class_proposal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("definition", sa.Text(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["annotator_id"], ["annotator.id"],
                                name="fk_class_proposal_annotator_id_annotator"),
        sa.ForeignKeyConstraint(["category_id"], ["category.id"], name="fk_class_proposal_category_id_category"),
        sa.PrimaryKeyConstraint("id", name="pk_class_proposal"),
    )
    op.create_table(
        "assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("annotator_id", sa.Integer(), nullable=False),
        sa.Column("image_id", sa.Integer(), nullable=False),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["annotator_id"], ["annotator.id"], name="fk_assignment_annotator_id_annotator"),
        sa.ForeignKeyConstraint(["image_id"], ["image.id"], name="fk_assignment_image_id_image"),
        sa.PrimaryKeyConstraint("id", name="pk_assignment"),
        sa.UniqueConstraint("annotator_id", "image_id", name="uq_assignment_annotator_image"),
    )
    op.create_index("ix_assignment_annotator_id", "assignment", ["annotator_id"])
    op.create_index("ix_assignment_image_id", "assignment", ["image_id"])
    with op.batch_alter_table("annotator") as batch:
        batch.add_column(sa.Column("name_key", sa.String(220), nullable=True))
        batch.create_unique_constraint("uq_annotator_name_key", ["name_key"])
    with op.batch_alter_table("annotation") as batch:
        batch.add_column(sa.Column("flag", sa.String(16), nullable=True))
        batch.add_column(sa.Column("flag_reason", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("flag_category_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("flag_resolution", sa.String(16), nullable=True))
        batch.add_column(sa.Column("proposal_id", sa.Integer(), nullable=True))
        batch.create_foreign_key("fk_annotation_flag_category_id_category", "category",
                                 ["flag_category_id"], ["id"])
        batch.create_foreign_key("fk_annotation_proposal_id_class_proposal", "class_proposal",
                                 ["proposal_id"], ["id"])
        batch.create_index("ix_annotation_flag", ["flag"])


def downgrade() -> None:
    with op.batch_alter_table("annotation") as batch:
        batch.drop_index("ix_annotation_flag")
        batch.drop_constraint("fk_annotation_proposal_id_class_proposal", type_="foreignkey")
        batch.drop_constraint("fk_annotation_flag_category_id_category", type_="foreignkey")
        for column in ("proposal_id", "flag_resolution", "flag_category_id", "flag_reason", "flag"):
            batch.drop_column(column)
    with op.batch_alter_table("annotator") as batch:
        batch.drop_constraint("uq_annotator_name_key", type_="unique")
        batch.drop_column("name_key")
    op.drop_index("ix_assignment_image_id", "assignment")
    op.drop_index("ix_assignment_annotator_id", "assignment")
    op.drop_table("assignment")
    op.drop_table("class_proposal")
