"""The tables. Progress, points and leaderboards are *derived* from `Result` and `QuizAttempt`
rows, so those rows are write-once: a grading job that runs twice must not count twice.

Style follows the sqlmodel docs: a `...Base` with the shared fields, the `table=True` class, and a
`...Public` read model where the front ends need one. All timestamps are aware UTC (`UTCDateTime`).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Index, Text, UniqueConstraint, event, text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapper
from sqlmodel import Field, SQLModel

from storage.coltypes import UTCDateTime, utcnow
from storage.errors import ImmutableRow

# Deterministic constraint names: migrations can refer to them and SQLite batch mode works.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class SubmissionStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    REJECTED = "rejected"
    INFRASTRUCTURE = "infrastructure"
    CANCELLED = "cancelled"


#: Statuses that end a submission (everything but queued / running).
FINISHED_STATUSES = frozenset(SubmissionStatus) - {
    SubmissionStatus.QUEUED,
    SubmissionStatus.RUNNING,
}
#: Outcomes a Result row may carry (a result is a grading outcome, never queued/running/cancelled).
RESULT_STATUSES = FINISHED_STATUSES - {SubmissionStatus.CANCELLED}


class ReviewStatus(StrEnum):
    WAITING = "waiting"
    DONE = "done"


class Verdict(StrEnum):
    APPROVE = "approve"
    NEEDS_WORK = "needs_work"


def _in(column: str, values: frozenset[str] | type[StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(str(v)) for v in sorted(values))})"


# --------------------------------------------------------------------------- users & guilds


class UserBase(SQLModel):
    discord_id: str = Field(unique=True, index=True)  # snowflake as text, or "console:alice"
    display_name: str


class User(UserBase, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class UserPublic(UserBase):
    id: int
    created_at: datetime


class GuildBase(SQLModel):
    discord_id: str = Field(unique=True, index=True)
    name: str
    mentor_role_id: str | None = None
    review_channel_id: str | None = None
    completion_role_id: str | None = None


class Guild(GuildBase, table=True):
    __tablename__ = "guilds"

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class GuildPublic(GuildBase):
    id: int
    created_at: datetime


# --------------------------------------------------------------------------- submissions


class SubmissionBase(SQLModel):
    user_id: int = Field(foreign_key="users.id", index=True)
    guild_id: int | None = Field(default=None, foreign_key="guilds.id", index=True)
    challenge_id: str = Field(index=True)
    filename: str


class Submission(SubmissionBase, table=True):
    __tablename__ = "submissions"
    __table_args__ = (CheckConstraint(_in("status", SubmissionStatus), name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(sa_type=Text)
    status: str = Field(default=SubmissionStatus.QUEUED.value)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class SubmissionCreate(SubmissionBase):
    code: str


class SubmissionPublic(SubmissionBase):
    id: int
    status: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


# --------------------------------------------------------------------------- results


class ResultBase(SQLModel):
    submission_id: int = Field(foreign_key="submissions.id", unique=True)
    challenge_id: str = Field(index=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    guild_id: int | None = Field(default=None, foreign_key="guilds.id", index=True)
    status: str
    passed: bool
    score: float
    tier: str | None = None
    points: int = 0
    # {"accuracy": 0.93, ...}
    metrics: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # [{"name", "passed", "message", "value", "threshold"}, ...]
    checks: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSON)
    runtime_s: float = 0.0
    stdout: str = Field(default="", sa_type=Text)
    stderr: str = Field(default="", sa_type=Text)
    # {"diagnoses": [{"name", "kind", "evidence", "next_step", ...}], "trace": [...], "trace_note": ""}
    feedback: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # {"losses": [...], "pictures": {name: base64 PNG}}: what a verdict renders, wherever it was graded
    artifacts: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)


class Result(ResultBase, table=True):
    """One grading outcome per submission; never updated (see `_refuse_result_update`)."""

    __tablename__ = "results"
    __table_args__ = (CheckConstraint(_in("status", RESULT_STATUSES), name="status"),)

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class ResultPublic(ResultBase):
    id: int
    created_at: datetime


@event.listens_for(Result, "before_update")
def _refuse_result_update(mapper: Mapper[Result], connection: Connection, target: Result) -> None:
    raise ImmutableRow(f"results are immutable (result id={target.id})")


# --------------------------------------------------------------------------- invalidations


class Invalidation(SQLModel, table=True):
    """An admin's decision that a result must not count (a cheat that slipped through).

    The result row itself stays immutable and is kept as evidence; boards and points skip results
    with an active invalidation. Undoing sets ``undone_at`` (the history is kept)."""

    __tablename__ = "invalidations"

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submissions.id", index=True)
    reason: str = Field(sa_type=Text)
    admin_id: int = Field(foreign_key="users.id")
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    undone_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    undone_by: int | None = Field(default=None, foreign_key="users.id")


# --------------------------------------------------------------------------- reviews


class ReviewRequest(SQLModel, table=True):
    __tablename__ = "review_requests"
    __table_args__ = (
        CheckConstraint(_in("status", ReviewStatus), name="status"),
        # At most one waiting request per submission (partial unique index, both backends).
        Index(
            "uq_review_requests_waiting_submission",
            "submission_id",
            unique=True,
            sqlite_where=text("status = 'waiting'"),
            postgresql_where=text("status = 'waiting'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    submission_id: int = Field(foreign_key="submissions.id", index=True)
    requester_id: int = Field(foreign_key="users.id", index=True)
    guild_id: int | None = Field(default=None, foreign_key="guilds.id", index=True)
    status: str = Field(default=ReviewStatus.WAITING.value)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


class Review(SQLModel, table=True):
    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint(_in("verdict", Verdict), name="verdict"),)

    id: int | None = Field(default=None, primary_key=True)
    request_id: int = Field(foreign_key="review_requests.id", unique=True)
    submission_id: int = Field(foreign_key="submissions.id", index=True)
    mentor_id: int = Field(foreign_key="users.id", index=True)
    verdict: str
    comment: str = Field(default="", sa_type=Text)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# --------------------------------------------------------------------------- quizzes


class QuizAttempt(SQLModel, table=True):
    __tablename__ = "quiz_attempts"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    guild_id: int | None = Field(default=None, foreign_key="guilds.id", index=True)
    quiz_id: str = Field(index=True)
    answers: list[int] = Field(default_factory=list, sa_type=JSON)
    correct: int
    total: int
    passed: bool
    points: int = 0
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, index=True)


class HintUnlock(SQLModel, table=True):
    """How many of a challenge's hints a user has revealed (they unlock one at a time)."""

    __tablename__ = "hint_unlocks"
    __table_args__ = (UniqueConstraint("user_id", "challenge_id"),)

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    challenge_id: str
    shown: int = 0
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)


# --------------------------------------------------------------------------- grading jobs


class GradingJob(SQLModel, table=True):
    """The life of one submission's grading job, kept where every process can see it.

    The job itself (plain data: the submission id) writes ``running``, its progress and, through
    `Result`, the verdict. The gate (one unfinished job per user) is the unique ``active_user_id``,
    set while the job is queued or running and cleared when it ends; a cancel request is a
    timestamp the running job polls; ``reply`` says which front-end message the verdict belongs to,
    so a restarted bot can still deliver it, and ``delivered_at`` that it did."""

    __tablename__ = "grading_jobs"

    submission_id: int = Field(foreign_key="submissions.id", primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    active_user_id: int | None = Field(default=None, unique=True)
    queue: str = Field(default="cpu", index=True)
    files: dict[str, str] = Field(default_factory=dict, sa_type=JSON)
    points_before: int = 0
    reply: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    # {"phase": "running", "stage": "train", "step": 120, "loss": 0.31, "elapsed": 4.2, "retry": false}
    progress: dict[str, Any] = Field(default_factory=dict, sa_type=JSON)
    attempts: int = 0
    worker: str | None = None
    cancel_requested_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    delivered_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=utcnow, sa_type=UTCDateTime)
