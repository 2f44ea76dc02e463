"""Progress, points and leaderboards, derived from `Result` and `QuizAttempt` rows.

Points for a challenge are the user's *best* result for it (resubmitting a passed challenge
never adds points twice); quizzes likewise count their best attempt. Leaderboards rank by
points, then by who reached that total first, then by user id, so ranks are total and stable.
The challenge catalogue is not imported: callers pass the competency mapping in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Select,
    String,
    case,
    func,
    literal_column,
    select,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.expression import ColumnElement
from sqlmodel import col

from storage.models import Invalidation, QuizAttempt, Result, SubmissionStatus, User

# Infrastructure failures are ours, never counted for or against the learner.
_UNCOUNTED = (SubmissionStatus.INFRASTRUCTURE.value,)


@dataclass(frozen=True, slots=True)
class CompetencyProgress:
    competency: int
    passed_challenges: list[str]  # sorted
    attempted: list[str]  # sorted; every challenge with a counted result, passed or not
    points: int  # best result per challenge (+ best attempt per quiz mapped to the competency)
    total: int = 0  # challenges in the competency, from the catalogue


@dataclass(frozen=True, slots=True)
class LeaderboardRow:
    rank: int
    user_id: int
    discord_id: str
    display_name: str
    points: int
    passed_count: int
    achieved_at: datetime | None  # when the user reached `points` (the tie-breaker)


def _invalidated() -> Select[Any]:
    """Submissions an admin invalidated (and nobody restored): they count nowhere."""
    return select(col(Invalidation.submission_id)).where(col(Invalidation.undone_at).is_(None))


def _items(
    *,
    user_id: int | None = None,
    guild_id: int | None = None,
    since: datetime | None = None,
    challenge_id: str | None = None,
) -> Select[tuple[int, str, str, int, int, datetime]]:
    """One row per counted result / quiz attempt: (user_id, kind, item_id, points, passed, at)."""
    results = select(
        col(Result.user_id).label("user_id"),
        literal_column("'c'", String).label("kind"),
        col(Result.challenge_id).label("item_id"),
        col(Result.points).label("points"),
        case((col(Result.passed), 1), else_=0).label("passed"),
        col(Result.created_at).label("at"),
    ).where(col(Result.status).not_in(_UNCOUNTED), ~col(Result.submission_id).in_(_invalidated()))
    quizzes = select(
        col(QuizAttempt.user_id),
        literal_column("'q'", String),
        col(QuizAttempt.quiz_id),
        col(QuizAttempt.points),
        case((col(QuizAttempt.passed), 1), else_=0),
        col(QuizAttempt.created_at),
    )
    filters: list[tuple[ColumnElement[bool], ColumnElement[bool]]] = []
    if user_id is not None:
        filters.append((col(Result.user_id) == user_id, col(QuizAttempt.user_id) == user_id))
    if guild_id is not None:
        filters.append((col(Result.guild_id) == guild_id, col(QuizAttempt.guild_id) == guild_id))
    if since is not None:
        filters.append((col(Result.created_at) >= since, col(QuizAttempt.created_at) >= since))
    for on_result, on_quiz in filters:
        results = results.where(on_result)
        quizzes = quizzes.where(on_quiz)
    if challenge_id is not None:
        return results.where(col(Result.challenge_id) == challenge_id)
    return union_all(results, quizzes).subquery().select()  # type: ignore[return-value]


def _per_item(
    items: Select[tuple[int, str, str, int, int, datetime]],
) -> Select[tuple[int, str, str, int, int, datetime | None]]:
    """Best points per (user, item), whether it was ever passed, and when the best was first hit."""
    rows = items.subquery("items")
    best = func.max(rows.c.points).over(partition_by=[rows.c.user_id, rows.c.kind, rows.c.item_id])
    ranked = select(rows, best.label("best")).subquery("ranked")
    return select(
        ranked.c.user_id,
        ranked.c.kind,
        ranked.c.item_id,
        func.max(ranked.c.points).label("points"),
        func.max(ranked.c.passed).label("passed"),
        func.min(case((ranked.c.points == ranked.c.best, ranked.c.at))).label("achieved_at"),
    ).group_by(ranked.c.user_id, ranked.c.kind, ranked.c.item_id)


def _ranked_users(
    *, guild_id: int | None, since: datetime | None, challenge_id: str | None
) -> Select[tuple[int, int, str, str, int, int, datetime | None]]:
    per_item = _per_item(_items(guild_id=guild_id, since=since, challenge_id=challenge_id)).subquery("per_item")
    points = func.sum(per_item.c.points)
    # Reaching a total happens when its last non-zero item was achieved.
    achieved = func.max(case((per_item.c.points > 0, per_item.c.achieved_at)))
    per_user = (
        select(
            per_item.c.user_id,
            points.label("points"),
            func.sum(per_item.c.passed).label("passed_count"),
            achieved.label("achieved_at"),
        )
        .group_by(per_item.c.user_id)
        .having((points > 0) | (func.sum(per_item.c.passed) > 0))
        .subquery("per_user")
    )
    order = (
        per_user.c.points.desc(),
        case((per_user.c.achieved_at.is_(None), 1), else_=0),
        per_user.c.achieved_at,
        per_user.c.user_id,
    )
    return select(
        func.row_number().over(order_by=order).label("rank"),
        per_user.c.user_id,
        col(User.discord_id),
        col(User.display_name),
        per_user.c.points,
        per_user.c.passed_count,
        per_user.c.achieved_at,
    ).join(User, col(User.id) == per_user.c.user_id)


async def leaderboard(
    session: AsyncSession,
    *,
    guild_id: int | None,
    since: datetime | None = None,
    challenge_id: str | None = None,
    limit: int = 10,
    offset: int = 0,
) -> list[LeaderboardRow]:
    """Ranked users. `guild_id=None` is the global board; `since` (aware) makes a weekly one
    from results created since then; `challenge_id` ranks a single challenge (no quizzes)."""
    ranked = _ranked_users(guild_id=guild_id, since=since, challenge_id=challenge_id).subquery()
    stmt = select(ranked).order_by(ranked.c.rank).limit(limit).offset(offset)
    rows = (await session.execute(stmt)).all()
    return [
        LeaderboardRow(
            rank=int(r.rank),
            user_id=int(r.user_id),
            discord_id=r.discord_id,
            display_name=r.display_name,
            points=int(r.points),
            passed_count=int(r.passed_count),
            achieved_at=r.achieved_at,
        )
        for r in rows
    ]


async def rank_of(
    session: AsyncSession,
    user_id: int,
    *,
    guild_id: int | None,
    since: datetime | None = None,
    challenge_id: str | None = None,
) -> int | None:
    """The user's 1-based rank on the same board `leaderboard` shows; None if not on it."""
    ranked = _ranked_users(guild_id=guild_id, since=since, challenge_id=challenge_id).subquery()
    stmt = select(ranked.c.rank).where(ranked.c.user_id == user_id)
    rank = (await session.execute(stmt)).scalar_one_or_none()
    return None if rank is None else int(rank)


async def total_points(session: AsyncSession, user_id: int) -> int:
    """All-time points: best result per challenge plus best attempt per quiz."""
    per_item = _per_item(_items(user_id=user_id)).subquery()
    total = (await session.execute(select(func.coalesce(func.sum(per_item.c.points), 0)))).scalar_one()
    return int(total)


async def progress(
    session: AsyncSession,
    user_id: int,
    *,
    competency_of: Mapping[str, int],
    total_per_competency: Mapping[int, int],
) -> list[CompetencyProgress]:
    """Per-competency progress, one entry per competency in either mapping, ascending.

    `competency_of` maps challenge ids (and optionally quiz ids, whose best points then count)
    to a competency; results for ids it does not know (retired challenges) are ignored.
    """
    per_item = _per_item(_items(user_id=user_id)).subquery()
    rows = (
        await session.execute(
            select(
                per_item.c.kind,
                per_item.c.item_id,
                per_item.c.points,
                per_item.c.passed,
            )
        )
    ).all()
    competencies = sorted(set(total_per_competency) | set(competency_of.values()))
    passed: dict[int, set[str]] = {c: set() for c in competencies}
    attempted: dict[int, set[str]] = {c: set() for c in competencies}
    points: dict[int, int] = dict.fromkeys(competencies, 0)
    for _kind, item_id, item_points, item_passed in rows:
        competency = competency_of.get(item_id)
        if competency is None:
            continue
        points[competency] += int(item_points)
        attempted[competency].add(item_id)  # quizzes count like challenges once mapped
        if item_passed:
            passed[competency].add(item_id)
    return [
        CompetencyProgress(
            competency=c,
            passed_challenges=sorted(passed[c]),
            attempted=sorted(attempted[c]),
            points=points[c],
            total=total_per_competency.get(c, 0),
        )
        for c in competencies
    ]
