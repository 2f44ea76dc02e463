"""Initial schema: users, guilds, submissions, results, reviews, quiz attempts.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SUBMISSION_STATUSES = (
    "cancelled", "error", "failed", "infrastructure", "memory",
    "passed", "queued", "rejected", "running", "timeout",
)  # fmt: skip
RESULT_STATUSES = (
    "error",
    "failed",
    "infrastructure",
    "memory",
    "passed",
    "rejected",
    "timeout",
)


def _in(column: str, values: Sequence[str]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def _ts(name: str, *, nullable: bool = False) -> sa.Column[object]:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer(), nullable=False)


def _fk(table: str, column: str, referred: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{referred}.id"], name=f"fk_{table}_{column}_{referred}")


def _index(table: str, *columns: str, unique: bool = False) -> None:
    op.create_index(f"ix_{table}_{'_'.join(columns)}", table, list(columns), unique=unique)


def upgrade() -> None:
    op.create_table(
        "users",
        _id(),
        sa.Column("discord_id", sa.String(), nullable=False),
        sa.Column("display_name", sa.String(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
    )
    _index("users", "discord_id", unique=True)

    op.create_table(
        "guilds",
        _id(),
        sa.Column("discord_id", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("mentor_role_id", sa.String(), nullable=True),
        sa.Column("review_channel_id", sa.String(), nullable=True),
        sa.Column("completion_role_id", sa.String(), nullable=True),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_guilds"),
    )
    _index("guilds", "discord_id", unique=True)

    op.create_table(
        "submissions",
        _id(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.Integer(), nullable=True),
        sa.Column("challenge_id", sa.String(), nullable=False),
        sa.Column("filename", sa.String(), nullable=False),
        sa.Column("code", sa.Text(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        _ts("created_at"),
        _ts("started_at", nullable=True),
        _ts("finished_at", nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        _fk("submissions", "user_id", "users"),
        _fk("submissions", "guild_id", "guilds"),
        sa.CheckConstraint(_in("status", SUBMISSION_STATUSES), name="ck_submissions_status"),
    )
    for column in ("user_id", "guild_id", "challenge_id"):
        _index("submissions", column)

    op.create_table(
        "results",
        _id(),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.String(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("tier", sa.String(), nullable=True),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("metrics", sa.JSON(), nullable=False),
        sa.Column("checks", sa.JSON(), nullable=False),
        sa.Column("runtime_s", sa.Float(), nullable=False),
        sa.Column("stdout", sa.Text(), nullable=False),
        sa.Column("stderr", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_results"),
        sa.UniqueConstraint("submission_id", name="uq_results_submission_id"),
        _fk("results", "submission_id", "submissions"),
        _fk("results", "user_id", "users"),
        _fk("results", "guild_id", "guilds"),
        sa.CheckConstraint(_in("status", RESULT_STATUSES), name="ck_results_status"),
    )
    for column in ("challenge_id", "user_id", "guild_id", "created_at"):
        _index("results", column)

    op.create_table(
        "review_requests",
        _id(),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_review_requests"),
        _fk("review_requests", "submission_id", "submissions"),
        _fk("review_requests", "requester_id", "users"),
        _fk("review_requests", "guild_id", "guilds"),
        sa.CheckConstraint(_in("status", ("done", "waiting")), name="ck_review_requests_status"),
    )
    for column in ("submission_id", "requester_id", "guild_id"):
        _index("review_requests", column)
    op.create_index(
        "uq_review_requests_waiting_submission",
        "review_requests",
        ["submission_id"],
        unique=True,
        sqlite_where=sa.text("status = 'waiting'"),
        postgresql_where=sa.text("status = 'waiting'"),
    )

    op.create_table(
        "reviews",
        _id(),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_reviews"),
        sa.UniqueConstraint("request_id", name="uq_reviews_request_id"),
        _fk("reviews", "request_id", "review_requests"),
        _fk("reviews", "submission_id", "submissions"),
        _fk("reviews", "mentor_id", "users"),
        sa.CheckConstraint(_in("verdict", ("approve", "needs_work")), name="ck_reviews_verdict"),
    )
    for column in ("submission_id", "mentor_id"):
        _index("reviews", column)

    op.create_table(
        "quiz_attempts",
        _id(),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("guild_id", sa.Integer(), nullable=True),
        sa.Column("quiz_id", sa.String(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("correct", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("passed", sa.Boolean(), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        _ts("created_at"),
        sa.PrimaryKeyConstraint("id", name="pk_quiz_attempts"),
        _fk("quiz_attempts", "user_id", "users"),
        _fk("quiz_attempts", "guild_id", "guilds"),
    )
    for column in ("user_id", "guild_id", "quiz_id", "created_at"):
        _index("quiz_attempts", column)


def downgrade() -> None:
    for table in (
        "quiz_attempts",
        "reviews",
        "review_requests",
        "results",
        "submissions",
    ):
        op.drop_table(table)
    op.drop_table("guilds")
    op.drop_table("users")
