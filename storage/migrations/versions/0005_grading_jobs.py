"""Grading jobs: gate, progress, cancel requests and the verdict's message live in the database,
so any process may grade and a restart loses nothing; results keep their artifacts.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 05:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "grading_jobs",
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("active_user_id", sa.Integer(), nullable=True),
        sa.Column("queue", sa.String(), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("points_before", sa.Integer(), nullable=False),
        sa.Column("reply", sa.JSON(), nullable=False),
        sa.Column("progress", sa.JSON(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("worker", sa.String(), nullable=True),
        sa.Column("cancel_requested_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("submission_id", name="pk_grading_jobs"),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], name="fk_grading_jobs_submission_id_submissions"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_grading_jobs_user_id_users"),
        sa.UniqueConstraint("active_user_id", name="uq_grading_jobs_active_user_id"),
    )
    op.create_index("ix_grading_jobs_user_id", "grading_jobs", ["user_id"])
    op.create_index("ix_grading_jobs_queue", "grading_jobs", ["queue"])
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("artifacts", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.drop_column("artifacts")
    op.drop_index("ix_grading_jobs_queue", table_name="grading_jobs")
    op.drop_index("ix_grading_jobs_user_id", table_name="grading_jobs")
    op.drop_table("grading_jobs")
