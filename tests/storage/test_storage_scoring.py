"""Progress, points and leaderboards on both backends (best-per-challenge, weekly, ties)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage import repository as repo
from storage.repository import CompetencyProgress

pytestmark = pytest.mark.asyncio

NOW = datetime.now(UTC).replace(microsecond=0)
OLD = NOW - timedelta(days=30)
RECENT = NOW - timedelta(days=1)
WEEK_AGO = NOW - timedelta(days=7)

COMPETENCY_OF = {"c1": 1, "c2": 1, "c3": 2, "q1": 1}
TOTALS = {1: 2, 2: 1, 3: 4}


async def _world(seed: Any) -> dict[str, int]:
    """alice: 35 all-time (13 this week); bob: 30 (all this week); carol: 15; dave: nothing."""
    alice, bob, carol, dave = [await seed.user(n) for n in ("alice", "bob", "carol", "dave")]
    await seed.result(alice, "c1", 10, at=OLD)
    await seed.result(alice, "c1", 10, at=RECENT)  # resubmitting never adds points twice
    await seed.result(alice, "c2", 20, at=OLD)
    await seed.quiz(alice, "q1", 5, at=OLD)
    await seed.quiz(alice, "q1", 3, at=RECENT)
    await seed.result(bob, "c1", 10, at=RECENT)
    await seed.result(bob, "c2", 0, at=RECENT - timedelta(hours=1))
    await seed.result(bob, "c2", 20, at=RECENT)
    await seed.result(carol, "c1", 15, at=RECENT)
    await seed.result(carol, "c3", 100, at=RECENT, status="infrastructure")  # never counted
    await seed.result(dave, "c2", 0, at=RECENT)
    return {"alice": alice, "bob": bob, "carol": carol, "dave": dave}


def _board(rows: list[repo.LeaderboardRow]) -> list[tuple[int, str, int, int]]:
    return [(r.rank, r.display_name, r.points, r.passed_count) for r in rows]


async def test_total_points_best_per_challenge_and_quiz(session: AsyncSession, seed: Any) -> None:
    users = await _world(seed)
    assert await repo.total_points(session, users["alice"]) == 35
    assert await repo.total_points(session, users["bob"]) == 30
    assert await repo.total_points(session, users["carol"]) == 15
    assert await repo.total_points(session, users["dave"]) == 0


async def test_progress_per_competency(session: AsyncSession, seed: Any) -> None:
    users = await _world(seed)

    async def progress(name: str) -> list[CompetencyProgress]:
        return await repo.progress(session, users[name], competency_of=COMPETENCY_OF, total_per_competency=TOTALS)

    assert await progress("alice") == [
        CompetencyProgress(1, ["c1", "c2", "q1"], ["c1", "c2", "q1"], 35, total=2),  # quizzes count like challenges
        CompetencyProgress(2, [], [], 0, total=1),
        CompetencyProgress(3, [], [], 0, total=4),
    ]
    carol = await progress("carol")
    assert carol[0] == CompetencyProgress(1, ["c1"], ["c1"], 15, total=2)
    assert carol[1] == CompetencyProgress(2, [], [], 0, total=1)  # infrastructure: not attempted
    dave = await progress("dave")
    assert dave[0] == CompetencyProgress(1, [], ["c2"], 0, total=2)
    # challenges the catalogue no longer knows are ignored
    assert (await repo.progress(session, users["alice"], competency_of={}, total_per_competency={1: 2}))[
        0
    ] == CompetencyProgress(1, [], [], 0, total=2)


async def test_leaderboard_all_time_and_weekly(session: AsyncSession, seed: Any) -> None:
    users = await _world(seed)
    all_time = await repo.leaderboard(session, guild_id=None)
    assert _board(all_time) == [(1, "alice", 35, 3), (2, "bob", 30, 2), (3, "carol", 15, 1)]
    assert all_time[0].discord_id == "console:alice"
    assert all_time[0].achieved_at == OLD and all_time[0].achieved_at.tzinfo is not None

    weekly = await repo.leaderboard(session, guild_id=None, since=WEEK_AGO)
    assert _board(weekly) == [(1, "bob", 30, 2), (2, "carol", 15, 1), (3, "alice", 13, 2)]
    # any aware zone means the same instant
    same_instant = WEEK_AGO.astimezone(timezone(timedelta(hours=5)))
    assert _board(await repo.leaderboard(session, guild_id=None, since=same_instant)) == _board(weekly)
    assert await repo.leaderboard(session, guild_id=None, since=NOW + timedelta(days=1)) == []

    page = await repo.leaderboard(session, guild_id=None, limit=1, offset=1)
    assert _board(page) == [(2, "bob", 30, 2)]

    assert await repo.rank_of(session, users["alice"], guild_id=None) == 1
    assert await repo.rank_of(session, users["alice"], guild_id=None, since=WEEK_AGO) == 3
    assert await repo.rank_of(session, users["dave"], guild_id=None) is None


async def test_per_challenge_leaderboard(session: AsyncSession, seed: Any) -> None:
    users = await _world(seed)
    board = await repo.leaderboard(session, guild_id=None, challenge_id="c1")
    # carol scored most; alice and bob tie on 10 and alice got there first
    assert _board(board) == [(1, "carol", 15, 1), (2, "alice", 10, 1), (3, "bob", 10, 1)]
    assert await repo.rank_of(session, users["bob"], guild_id=None, challenge_id="c1") == 3
    assert await repo.leaderboard(session, guild_id=None, challenge_id="c3") == []  # infra only
    weekly_c1 = await repo.leaderboard(session, guild_id=None, challenge_id="c1", since=WEEK_AGO)
    assert [r.display_name for r in weekly_c1] == ["carol", "alice", "bob"]  # same time: by user id
    assert {r.display_name: r.points for r in weekly_c1} == {"carol": 15, "alice": 10, "bob": 10}


async def test_ties_earliest_achievement_then_user_id(session: AsyncSession, seed: Any) -> None:
    eve, frank, gus, hank = [await seed.user(n) for n in ("eve", "frank", "gus", "hank")]
    await seed.result(eve, "c1", 10, at=RECENT)
    await seed.result(frank, "c1", 10, at=OLD)  # same points, earlier
    await seed.result(hank, "c2", 10, at=OLD)
    await seed.result(gus, "c2", 10, at=OLD)  # same points, same time: lower user id first
    board = await repo.leaderboard(session, guild_id=None)
    assert [r.display_name for r in board] == ["frank", "gus", "hank", "eve"]
    assert gus < hank
    # a later zero-point attempt does not move the achievement time
    await seed.result(frank, "c2", 0, at=NOW)
    board = await repo.leaderboard(session, guild_id=None)
    assert [r.display_name for r in board] == ["frank", "gus", "hank", "eve"]
    assert board[0].points == 10 and board[0].achieved_at == OLD


async def test_guild_leaderboard(session: AsyncSession, seed: Any) -> None:
    alice, bob = await seed.user("alice"), await seed.user("bob")
    g1, g2 = await seed.guild("one"), await seed.guild("two")
    await seed.result(alice, "c1", 10, guild_id=g1)
    await seed.result(bob, "c1", 20, guild_id=g2)
    await seed.result(alice, "c2", 30)  # console / DM: only on the global board
    await seed.quiz(bob, "q1", 5, guild_id=g1)
    assert _board(await repo.leaderboard(session, guild_id=g1)) == [(1, "alice", 10, 1), (2, "bob", 5, 1)]
    assert _board(await repo.leaderboard(session, guild_id=g2)) == [(1, "bob", 20, 1)]
    assert _board(await repo.leaderboard(session, guild_id=None)) == [(1, "alice", 40, 2), (2, "bob", 25, 2)]
    assert await repo.rank_of(session, alice, guild_id=g2) is None
