"""Invalidations on both backends: a hidden result counts nowhere, stays as evidence, and comes
back when restored; stale queued/running rows are closed with a verdict on start-up."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage import repository as repo
from storage.errors import Conflict, NotFound

pytestmark = pytest.mark.asyncio


async def _boards(session: AsyncSession, user_id: int) -> tuple[int, list[Any]]:
    return await repo.total_points(session, user_id), await repo.leaderboard(session, guild_id=None)


async def test_invalidated_result_counts_nowhere_until_restored(session: AsyncSession, seed: Any) -> None:
    cheat, honest, admin = await seed.user("cheat"), await seed.user("honest"), await seed.user("admin")
    hidden = await seed.result(cheat, "c1", 150)
    await seed.result(cheat, "c2", 10)
    await seed.result(honest, "c1", 100)
    points, board = await _boards(session, cheat)
    assert points == 160 and board[0].user_id == cheat

    row = await repo.invalidate(session, hidden.submission_id, admin, "returned the labels it read from the grader")
    points, board = await _boards(session, cheat)
    assert points == 10 and board[0].user_id == honest  # ranks recomputed at once
    assert await repo.get_result(session, hidden.submission_id) is not None  # the evidence stays
    assert [(inv.reason, sub.id) for inv, sub in await repo.invalidations_for_user(session, cheat)] == [
        (row.reason, hidden.submission_id)]
    with pytest.raises(Conflict):
        await repo.invalidate(session, hidden.submission_id, admin, "again")

    await repo.restore(session, hidden.submission_id, admin)
    points, board = await _boards(session, cheat)
    assert points == 160 and board[0].user_id == cheat
    assert await repo.invalidations_for_user(session, cheat) == []
    with pytest.raises(Conflict):
        await repo.restore(session, hidden.submission_id, admin)


async def test_invalidating_an_unknown_submission_is_refused(session: AsyncSession, seed: Any) -> None:
    admin = await seed.user("admin")
    with pytest.raises(NotFound):
        await repo.invalidate(session, 999_999, admin, "no such thing")


async def test_stale_submissions_are_closed_as_infrastructure(session: AsyncSession, seed: Any) -> None:
    user = await seed.user("crash")
    queued = await seed.submission(user, "c1")
    running = await seed.submission(user, "c2")
    await repo.mark_running(session, running)
    written = (await seed.result(user, "c3", 5)).submission_id  # the result was written, then the crash
    closed = await repo.close_stale_submissions(session)
    assert sorted(closed) == sorted([queued, running, written])
    for sub_id in (queued, running):
        result = await repo.get_result(session, sub_id)
        assert result is not None and result.status == "infrastructure" and not result.passed
        assert (await repo.get_submission(session, sub_id)).status == "infrastructure"  # type: ignore[union-attr]
    assert await repo.close_stale_submissions(session) == []
    assert (await repo.get_submission(session, written)).status == "passed"  # type: ignore[union-attr]
