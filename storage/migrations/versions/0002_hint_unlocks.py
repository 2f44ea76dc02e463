"""Hint unlocks: hints are revealed one at a time and remembered per user and challenge.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hint_unlocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.String(), nullable=False),
        sa.Column("shown", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_hint_unlocks"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_hint_unlocks_user_id_users"),
        sa.UniqueConstraint("user_id", "challenge_id", name="uq_hint_unlocks_user_id_challenge_id"),
    )
    op.create_index("ix_hint_unlocks_user_id", "hint_unlocks", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_hint_unlocks_user_id", table_name="hint_unlocks")
    op.drop_table("hint_unlocks")
