"""Invalidations: an admin hides a result from every board without deleting it.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "invalidations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("admin_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_invalidations"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], name="fk_invalidations_submission_id_submissions"),
        sa.ForeignKeyConstraint(["admin_id"], ["users.id"], name="fk_invalidations_admin_id_users"),
        sa.ForeignKeyConstraint(["undone_by"], ["users.id"], name="fk_invalidations_undone_by_users"),
    )
    op.create_index("ix_invalidations_submission_id", "invalidations", ["submission_id"])


def downgrade() -> None:
    op.drop_index("ix_invalidations_submission_id", table_name="invalidations")
    op.drop_table("invalidations")
