"""Result feedback: the diagnoses and the shape trace a verdict came with, for the mentor's view.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 23:45:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.add_column(sa.Column("feedback", sa.JSON(), nullable=False, server_default=sa.text("'{}'")))


def downgrade() -> None:
    with op.batch_alter_table("results") as batch:
        batch.drop_column("feedback")
