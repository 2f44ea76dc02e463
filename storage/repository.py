"""All SQL the bot needs, as async functions over an `AsyncSession`.

Callers never write SQL. Functions `flush` (so ids are assigned) but never commit: the caller
owns the transaction (``async with factory.begin() as session: ...``). Inserts that may race
(users, guilds, results, review requests) run in a SAVEPOINT and fall back to the row the other
writer created, so a grading job that runs twice records one result.

Progress / points / leaderboard queries live in `storage.scoring` and are re-exported here.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from storage.coltypes import utcnow
from storage.errors import Conflict, InvalidValue, NotFound
from storage.models import (
    FINISHED_STATUSES,
    RESULT_STATUSES,
    Guild,
    HintUnlock,
    Invalidation,
    QuizAttempt,
    Result,
    Review,
    ReviewRequest,
    ReviewStatus,
    Submission,
    SubmissionStatus,
    User,
    Verdict,
)
from storage.scoring import (
    CompetencyProgress,
    LeaderboardRow,
    leaderboard,
    progress,
    rank_of,
    total_points,
)

__all__ = [
    "GUILD_SETTINGS",
    "CompetencyProgress",
    "GuildSettings",
    "LeaderboardRow",
    "ReviewQueueItem",
    "active_invalidation",
    "close_stale_submissions",
    "create_submission",
    "finish_submission",
    "get_guild",
    "get_guild_settings",
    "get_or_create_guild",
    "get_or_create_user",
    "get_result",
    "get_submission",
    "get_user",
    "invalidate",
    "invalidations_for_user",
    "last_submission",
    "leaderboard",
    "mark_running",
    "post_review",
    "progress",
    "queued_or_running_for_user",
    "rank_of",
    "recent_results",
    "record_quiz_attempt",
    "record_result",
    "request_review",
    "restore",
    "reveal_hint",
    "review_queue",
    "reviews_for_user",
    "set_guild_setting",
    "total_points",
]

T = TypeVar("T")

#: Guild columns `set_guild_setting` may change.
GUILD_SETTINGS = ("mentor_role_id", "review_channel_id", "completion_role_id")
_RESTARTABLE = frozenset({SubmissionStatus.QUEUED, SubmissionStatus.RUNNING, SubmissionStatus.INFRASTRUCTURE})


async def _insert_or_fetch(session: AsyncSession, row: T, fetch: Callable[[], Awaitable[T | None]]) -> T:
    """Insert `row` in a savepoint; if a unique constraint fires, return the existing row."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = await fetch()
        if existing is None:
            raise
        return existing
    return row


async def _get(session: AsyncSession, model: type[T], row_id: int) -> T:
    row = await session.get(model, row_id)
    if row is None:
        raise NotFound(f"{model.__name__} {row_id} does not exist")
    return row


# --------------------------------------------------------------------------- users & guilds


async def get_user(session: AsyncSession, discord_id: str) -> User | None:
    stmt = select(User).where(col(User.discord_id) == discord_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_or_create_user(session: AsyncSession, discord_id: str, display_name: str) -> User:
    """The user for `discord_id`, created on first sight; `display_name` kept current."""
    user = await get_user(session, discord_id)
    if user is None:
        new = User(discord_id=discord_id, display_name=display_name)
        user = await _insert_or_fetch(session, new, lambda: get_user(session, discord_id))
    if user.display_name != display_name:
        user.display_name = display_name
        await session.flush()
    return user


async def get_guild(session: AsyncSession, discord_id: str) -> Guild | None:
    stmt = select(Guild).where(col(Guild.discord_id) == discord_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def get_or_create_guild(session: AsyncSession, discord_id: str, name: str) -> Guild:
    """The guild for `discord_id`, created on first sight; `name` kept current."""
    guild = await get_guild(session, discord_id)
    if guild is None:
        new = Guild(discord_id=discord_id, name=name)
        guild = await _insert_or_fetch(session, new, lambda: get_guild(session, discord_id))
    if guild.name != name:
        guild.name = name
        await session.flush()
    return guild


@dataclass(frozen=True, slots=True)
class GuildSettings:
    mentor_role_id: str | None = None
    review_channel_id: str | None = None
    completion_role_id: str | None = None


async def get_guild_settings(session: AsyncSession, guild_discord_id: str) -> GuildSettings:
    """The guild's settings; all unset for a guild storage has not seen yet."""
    guild = await get_guild(session, guild_discord_id)
    if guild is None:
        return GuildSettings()
    return GuildSettings(**{name: getattr(guild, name) for name in GUILD_SETTINGS})


async def set_guild_setting(
    session: AsyncSession, guild_discord_id: str, field: str, value: str | None
) -> GuildSettings:
    """Set one of `GUILD_SETTINGS` (None clears it); the guild must exist."""
    if field not in GUILD_SETTINGS:
        raise InvalidValue(f"unknown guild setting {field!r}; expected one of {GUILD_SETTINGS}")
    guild = await get_guild(session, guild_discord_id)
    if guild is None:
        raise NotFound(f"guild {guild_discord_id} does not exist")
    setattr(guild, field, value)
    await session.flush()
    return await get_guild_settings(session, guild_discord_id)


# --------------------------------------------------------------------------- submissions


async def create_submission(
    session: AsyncSession,
    *,
    user_id: int,
    challenge_id: str,
    filename: str,
    code: str,
    guild_id: int | None = None,
) -> Submission:
    """A new submission in status `queued`."""
    submission = Submission(
        user_id=user_id,
        guild_id=guild_id,
        challenge_id=challenge_id,
        filename=filename,
        code=code,
    )
    session.add(submission)
    await session.flush()
    return submission


async def get_submission(session: AsyncSession, submission_id: int) -> Submission | None:
    return await session.get(Submission, submission_id)


async def mark_running(session: AsyncSession, submission_id: int) -> Submission:
    """queued (or a retried running / infrastructure run) -> running; stamps `started_at`."""
    submission = await _get(session, Submission, submission_id)
    if submission.status not in _RESTARTABLE:
        raise Conflict(f"submission {submission_id} already finished ({submission.status})")
    submission.status = SubmissionStatus.RUNNING.value
    submission.started_at = utcnow()
    submission.finished_at = None
    await session.flush()
    return submission


async def finish_submission(session: AsyncSession, submission_id: int, status: str) -> Submission:
    """Set a final status and stamp `finished_at`.

    The first final status wins, like the first Result does: finishing an already finished
    submission again (a duplicate job, a cancel that lost the race) returns it unchanged.
    Only `infrastructure` (our failure, retried) may be overwritten.
    """
    if status not in FINISHED_STATUSES:
        raise InvalidValue(f"{status!r} is not a final submission status")
    submission = await _get(session, Submission, submission_id)
    if submission.status in FINISHED_STATUSES and (
        submission.status != SubmissionStatus.INFRASTRUCTURE or status == submission.status
    ):
        return submission
    submission.status = status
    submission.finished_at = utcnow()
    await session.flush()
    return submission


async def last_submission(session: AsyncSession, user_id: int, challenge_id: str | None = None) -> Submission | None:
    stmt = select(Submission).where(col(Submission.user_id) == user_id)
    if challenge_id is not None:
        stmt = stmt.where(col(Submission.challenge_id) == challenge_id)
    stmt = stmt.order_by(col(Submission.created_at).desc(), col(Submission.id).desc()).limit(1)
    return (await session.execute(stmt)).scalar_one_or_none()


async def queued_or_running_for_user(session: AsyncSession, user_id: int) -> list[Submission]:
    """The user's unfinished submissions, oldest first (per-user limits use this)."""
    stmt = (
        select(Submission)
        .where(col(Submission.user_id) == user_id)
        .where(col(Submission.status).in_([SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]))
        .order_by(col(Submission.created_at), col(Submission.id))
    )
    return list((await session.execute(stmt)).scalars())


# --------------------------------------------------------------------------- results


def _json_safe(value: Any) -> Any:
    """JSON that both backends accept: non-finite floats (a diverged loss) become None."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


MAX_CHECK_CHARS = 500  # one stored check's message (learner text may end up in it)


def _check_record(check: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": str(check["name"])[:120],
        "passed": bool(check["passed"]),
        "message": str(check.get("message", ""))[:MAX_CHECK_CHARS],
        "value": _json_safe(check.get("value")),
        "threshold": _json_safe(check.get("threshold")),
        "evidence": str(check.get("evidence", "trusted"))[:20],
        "warning": bool(check.get("warning", False)),
    }


async def get_result(session: AsyncSession, submission_id: int) -> Result | None:
    stmt = select(Result).where(col(Result.submission_id) == submission_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def record_result(
    session: AsyncSession,
    submission_id: int,
    *,
    status: str,
    passed: bool,
    score: float,
    tier: str | None,
    points: int,
    metrics: Mapping[str, Any],
    checks: Sequence[Mapping[str, Any]],
    runtime_s: float,
    stdout: str,
    stderr: str,
    feedback: Mapping[str, Any] | None = None,
    artifacts: Mapping[str, Any] | None = None,
) -> Result:
    """Write the submission's one immutable Result; if it exists already, return that instead.

    challenge / user / guild are copied from the submission. Checks are normalised to
    {name, passed, message, value, threshold}; NaN / inf become null.
    """
    if status not in RESULT_STATUSES:
        raise InvalidValue(f"{status!r} is not a result status; expected one of {sorted(RESULT_STATUSES)}")
    existing = await get_result(session, submission_id)
    if existing is not None:
        return existing
    submission = await _get(session, Submission, submission_id)
    result = Result(
        submission_id=submission_id,
        challenge_id=submission.challenge_id,
        user_id=submission.user_id,
        guild_id=submission.guild_id,
        status=status,
        passed=passed,
        score=score if math.isfinite(score) else 0.0,
        tier=tier,
        points=points if passed else 0,
        metrics=_json_safe(dict(metrics)),
        checks=[_check_record(c) for c in checks],
        runtime_s=runtime_s,
        stdout=stdout,
        stderr=stderr,
        feedback=_json_safe(dict(feedback or {})),
        artifacts=_json_safe(dict(artifacts or {})),
    )
    return await _insert_or_fetch(session, result, lambda: get_result(session, submission_id))


STALE_MESSAGE = "The grader stopped while this submission was queued or running; this does not count against you."


async def close_stale_submissions(session: AsyncSession, keep: frozenset[int] | set[int] = frozenset()) -> list[int]:
    """On start-up: submissions a crash left queued or running get an ``infrastructure`` result,
    so none is ever left without a verdict (one whose result was written before the crash just
    takes that result's status). ``keep``: ids whose job is taken up again. Returns their ids."""
    stmt = select(Submission).where(col(Submission.status).in_([SubmissionStatus.QUEUED, SubmissionStatus.RUNNING]))
    stale = [s for s in (await session.execute(stmt)).scalars() if s.id not in keep]
    for submission in stale:
        assert submission.id is not None
        written = await get_result(session, submission.id)
        if written is not None:
            await finish_submission(session, submission.id, written.status)
            continue
        await record_result(session, submission.id, status=SubmissionStatus.INFRASTRUCTURE.value, passed=False,
                            score=0.0, tier=None, points=0, metrics={},
                            checks=[{"name": "grader", "passed": False, "message": STALE_MESSAGE}],
                            runtime_s=0.0, stdout="", stderr="")
        await finish_submission(session, submission.id, SubmissionStatus.INFRASTRUCTURE.value)
    return [s.id for s in stale if s.id is not None]


async def recent_results(session: AsyncSession, user_id: int, limit: int = 10) -> list[Result]:
    """The user's latest results, newest first."""
    stmt = (
        select(Result)
        .where(col(Result.user_id) == user_id)
        .order_by(col(Result.created_at).desc(), col(Result.id).desc())
        .limit(limit)
    )
    return list((await session.execute(stmt)).scalars())


# --------------------------------------------------------------------------- invalidations


async def active_invalidation(session: AsyncSession, submission_id: int) -> Invalidation | None:
    stmt = select(Invalidation).where(col(Invalidation.submission_id) == submission_id,
                                      col(Invalidation.undone_at).is_(None))
    return (await session.execute(stmt)).scalars().first()


async def invalidate(session: AsyncSession, submission_id: int, admin_id: int, reason: str) -> Invalidation:
    """Hide a submission's result from every board; raises Conflict when it is already hidden."""
    await _get(session, Submission, submission_id)
    if await active_invalidation(session, submission_id) is not None:
        raise Conflict(f"submission {submission_id} is already invalidated")
    row = Invalidation(submission_id=submission_id, admin_id=admin_id, reason=reason[:1000])
    session.add(row)
    await session.flush()
    return row


async def restore(session: AsyncSession, submission_id: int, admin_id: int) -> Invalidation:
    """Undo the active invalidation of a submission; raises Conflict when there is none."""
    row = await active_invalidation(session, submission_id)
    if row is None:
        raise Conflict(f"submission {submission_id} is not invalidated")
    row.undone_at = utcnow()
    row.undone_by = admin_id
    await session.flush()
    return row


async def invalidations_for_user(session: AsyncSession, user_id: int) -> list[tuple[Invalidation, Submission]]:
    """The user's active invalidations with their submissions, newest first (they are told why)."""
    stmt = (
        select(Invalidation, Submission)
        .join(Submission, col(Submission.id) == col(Invalidation.submission_id))
        .where(col(Submission.user_id) == user_id, col(Invalidation.undone_at).is_(None))
        .order_by(col(Invalidation.created_at).desc())
    )
    return [(inv, sub) for inv, sub in (await session.execute(stmt)).all()]


# --------------------------------------------------------------------------- quizzes


async def record_quiz_attempt(
    session: AsyncSession,
    *,
    user_id: int,
    quiz_id: str,
    answers: Sequence[int],
    correct: int,
    total: int,
    passed: bool,
    points: int,
    guild_id: int | None = None,
) -> QuizAttempt:
    """Store one quiz attempt; only the best attempt per quiz counts towards points."""
    if not 0 <= correct <= total:
        raise InvalidValue(f"correct={correct} must be between 0 and total={total}")
    attempt = QuizAttempt(
        user_id=user_id,
        guild_id=guild_id,
        quiz_id=quiz_id,
        answers=[int(a) for a in answers],
        correct=correct,
        total=total,
        passed=passed,
        points=points if passed else 0,
    )
    session.add(attempt)
    await session.flush()
    return attempt


# --------------------------------------------------------------------------- reviews


@dataclass(frozen=True, slots=True)
class ReviewQueueItem:
    """A waiting review request with what a mentor needs to judge it."""

    request: ReviewRequest
    submission: Submission
    requester: User
    result: Result | None


async def _waiting_request(session: AsyncSession, submission_id: int) -> ReviewRequest | None:
    stmt = select(ReviewRequest).where(
        col(ReviewRequest.submission_id) == submission_id,
        col(ReviewRequest.status) == ReviewStatus.WAITING,
    )
    return (await session.execute(stmt)).scalar_one_or_none()


async def request_review(
    session: AsyncSession, submission_id: int, requester_id: int, guild_id: int | None
) -> ReviewRequest:
    """Ask mentors to review a submission. One waiting request per submission: asking again
    returns the waiting one (after a review is done, a new request may be opened)."""
    await _get(session, Submission, submission_id)
    existing = await _waiting_request(session, submission_id)
    if existing is not None:
        return existing
    new = ReviewRequest(submission_id=submission_id, requester_id=requester_id, guild_id=guild_id)
    return await _insert_or_fetch(session, new, lambda: _waiting_request(session, submission_id))


async def review_queue(session: AsyncSession, guild_id: int | None) -> list[ReviewQueueItem]:
    """Waiting requests, oldest first; `guild_id=None` means every guild (and none)."""
    stmt = (
        select(ReviewRequest, Submission, User, Result)
        .join(Submission, col(Submission.id) == col(ReviewRequest.submission_id))
        .join(User, col(User.id) == col(ReviewRequest.requester_id))
        .outerjoin(Result, col(Result.submission_id) == col(Submission.id))
        .where(col(ReviewRequest.status) == ReviewStatus.WAITING)
        .order_by(col(ReviewRequest.created_at), col(ReviewRequest.id))
    )
    if guild_id is not None:
        stmt = stmt.where(col(ReviewRequest.guild_id) == guild_id)
    rows = (await session.execute(stmt)).all()
    return [ReviewQueueItem(req, sub, user, res) for req, sub, user, res in rows]


async def post_review(session: AsyncSession, request_id: int, mentor_id: int, verdict: str, comment: str) -> Review:
    """Record a mentor's verdict ('approve' | 'needs_work') and close the request."""
    if verdict not in tuple(Verdict):
        raise InvalidValue(f"verdict must be one of {[v.value for v in Verdict]}, not {verdict!r}")
    request = await session.get(ReviewRequest, request_id, with_for_update=True)
    if request is None:
        raise NotFound(f"review request {request_id} does not exist")
    if request.status != ReviewStatus.WAITING:
        raise Conflict(f"review request {request_id} is already {request.status}")
    review = Review(
        request_id=request_id,
        submission_id=request.submission_id,
        mentor_id=mentor_id,
        verdict=verdict,
        comment=comment,
    )
    request.status = ReviewStatus.DONE.value
    session.add(review)
    try:
        async with session.begin_nested():
            await session.flush()
    except IntegrityError as exc:
        raise Conflict(f"review request {request_id} was reviewed concurrently") from exc
    return review


async def reviews_for_user(session: AsyncSession, user_id: int) -> list[Review]:
    """Reviews of the user's submissions, newest first."""
    stmt = (
        select(Review)
        .join(Submission, col(Submission.id) == col(Review.submission_id))
        .where(col(Submission.user_id) == user_id)
        .order_by(col(Review.created_at).desc(), col(Review.id).desc())
    )
    return list((await session.execute(stmt)).scalars())


async def reveal_hint(session: AsyncSession, user_id: int, challenge_id: str, available: int) -> int:
    """Reveal the next hint (up to ``available``) and return how many are now shown."""
    row = await _hint_row(session, user_id, challenge_id)
    if row is None:
        row = await _insert_or_fetch(
            session, HintUnlock(user_id=user_id, challenge_id=challenge_id, shown=0),
            lambda: _hint_row(session, user_id, challenge_id),
        )
    assert row is not None
    row.shown = min(row.shown + 1, available)
    row.updated_at = utcnow()
    session.add(row)
    await session.flush()
    return row.shown


async def _hint_row(session: AsyncSession, user_id: int, challenge_id: str) -> HintUnlock | None:
    stmt = select(HintUnlock).where(col(HintUnlock.user_id) == user_id, col(HintUnlock.challenge_id) == challenge_id)
    return (await session.execute(stmt)).scalar_one_or_none()
