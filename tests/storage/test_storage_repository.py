"""Repository behaviour on both backends: users, guilds, submissions, results, quizzes, reviews."""

from __future__ import annotations

import asyncio
import math
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import repository as repo
from storage.errors import Conflict, InvalidValue, NotFound
from storage.models import Result

pytestmark = pytest.mark.asyncio

RESULT = dict(
    status="passed", passed=True, score=0.93, tier="gold", points=30,
    metrics={"accuracy": 0.93}, checks=[], runtime_s=12.5, stdout="out", stderr="",
)  # fmt: skip


async def _count_results(session: AsyncSession) -> int:
    return (await session.execute(select(func.count()).select_from(Result))).scalar_one()


# --------------------------------------------------------------------------- users & guilds


async def test_get_or_create_user_is_idempotent_and_tracks_name(session: AsyncSession) -> None:
    alice = await repo.get_or_create_user(session, "console:alice", "alice")
    again = await repo.get_or_create_user(session, "console:alice", "alice")
    renamed = await repo.get_or_create_user(session, "console:alice", "Alice L.")
    bob = await repo.get_or_create_user(session, "123456789012345678", "bob")
    await session.commit()
    assert alice.id == again.id == renamed.id != bob.id
    fetched = await repo.get_user(session, "console:alice")
    assert fetched is not None and fetched.display_name == "Alice L."
    assert await repo.get_user(session, "nobody") is None


async def test_guild_settings(session: AsyncSession) -> None:
    guild = await repo.get_or_create_guild(session, "42", "PyTorch Study")
    same = await repo.get_or_create_guild(session, "42", "PyTorch Study Group")
    assert guild.id == same.id and same.name == "PyTorch Study Group"
    assert await repo.get_guild_settings(session, "42") == repo.GuildSettings()
    settings = await repo.set_guild_setting(session, "42", "mentor_role_id", "777")
    settings = await repo.set_guild_setting(session, "42", "review_channel_id", "888")
    assert settings == repo.GuildSettings(mentor_role_id="777", review_channel_id="888")
    assert (await repo.set_guild_setting(session, "42", "mentor_role_id", None)).mentor_role_id is None
    with pytest.raises(InvalidValue):
        await repo.set_guild_setting(session, "42", "name", "hacked")
    with pytest.raises(NotFound):
        await repo.set_guild_setting(session, "unknown", "mentor_role_id", "1")
    assert await repo.get_guild_settings(session, "unknown") == repo.GuildSettings()


# --------------------------------------------------------------------------- submissions


async def test_submission_lifecycle(session: AsyncSession, seed: Any) -> None:
    uid = await seed.user("alice")
    gid = await seed.guild("g")
    sub = await repo.create_submission(
        session, user_id=uid, guild_id=gid, challenge_id="tensors-1", filename="a.py", code="x = 1"
    )
    assert sub.id is not None
    assert sub.status == "queued" and sub.started_at is None and sub.finished_at is None
    assert [s.id for s in await repo.queued_or_running_for_user(session, uid)] == [sub.id]

    running = await repo.mark_running(session, sub.id)
    assert running.status == "running" and running.started_at is not None
    assert [s.id for s in await repo.queued_or_running_for_user(session, uid)] == [sub.id]

    done = await repo.finish_submission(session, sub.id, "passed")
    assert done.status == "passed" and done.finished_at is not None
    assert done.finished_at >= running.started_at
    assert await repo.queued_or_running_for_user(session, uid) == []
    finished_at = done.finished_at
    # first final status wins: a duplicate job or a late cancel changes nothing
    for late in ("passed", "failed", "cancelled"):
        again = await repo.finish_submission(session, sub.id, late)
        assert again.status == "passed" and again.finished_at == finished_at

    with pytest.raises(Conflict):
        await repo.mark_running(session, sub.id)
    with pytest.raises(InvalidValue):
        await repo.finish_submission(session, sub.id, "running")
    with pytest.raises(NotFound):
        await repo.mark_running(session, 10_000)
    await session.commit()
    stored = await repo.get_submission(session, sub.id)
    assert stored is not None and stored.status == "passed" and stored.code == "x = 1"
    assert await repo.get_submission(session, 10_000) is None


async def test_infrastructure_failures_can_be_retried(session: AsyncSession, seed: Any) -> None:
    sub_id = await seed.submission(await seed.user("a"), "c1")
    await repo.mark_running(session, sub_id)
    await repo.finish_submission(session, sub_id, "infrastructure")
    assert (await repo.mark_running(session, sub_id)).status == "running"
    assert (await repo.finish_submission(session, sub_id, "timeout")).status == "timeout"


async def test_last_submission(session: AsyncSession, seed: Any) -> None:
    uid = await seed.user("alice")
    assert await repo.last_submission(session, uid) is None
    first = await seed.submission(uid, "c1")
    second = await seed.submission(uid, "c2")
    last = await repo.last_submission(session, uid)
    assert last is not None and last.id == second
    last_c1 = await repo.last_submission(session, uid, "c1")
    assert last_c1 is not None and last_c1.id == first
    assert await repo.last_submission(session, uid, "c3") is None


# --------------------------------------------------------------------------- results


async def test_record_result_is_idempotent(session: AsyncSession, seed: Any) -> None:
    uid = await seed.user("alice")
    gid = await seed.guild("g")
    sub_id = await seed.submission(uid, "c1", guild_id=gid)
    first = await repo.record_result(session, sub_id, **RESULT)  # type: ignore[arg-type]
    await session.commit()
    second = await repo.record_result(session, sub_id, **{**RESULT, "points": 999})  # type: ignore[arg-type]
    assert second.id == first.id and second.points == 30
    assert await _count_results(session) == 1
    assert (first.challenge_id, first.user_id, first.guild_id) == ("c1", uid, gid)
    assert first.created_at.tzinfo is not None
    with pytest.raises(NotFound):
        await repo.record_result(session, 10_000, **RESULT)  # type: ignore[arg-type]
    with pytest.raises(InvalidValue):
        await repo.record_result(session, sub_id, **{**RESULT, "status": "queued"})  # type: ignore[arg-type]


async def test_concurrent_duplicate_jobs_record_one_result(
    session_maker: async_sessionmaker[AsyncSession],
) -> None:
    async with session_maker.begin() as session:
        user = await repo.get_or_create_user(session, "u", "u")
        assert user.id is not None
        sub = await repo.create_submission(session, user_id=user.id, challenge_id="c", filename="f", code="")
        sub_id = sub.id
    assert sub_id is not None

    async def job(points: int) -> int | None:
        async with session_maker.begin() as s:
            result = await repo.record_result(s, sub_id, **{**RESULT, "points": points})  # type: ignore[arg-type]
            await asyncio.sleep(0.05)  # keep both transactions open at once
            return result.id

    ids = set(await asyncio.gather(job(10), job(20)))  # neither may fail ("database is locked")
    assert len(ids) == 1
    async with session_maker() as s:
        assert await _count_results(s) == 1
        stored = await repo.get_result(s, sub_id)
    assert stored is not None and stored.id in ids and stored.points in (10, 20)


async def test_results_store_checks_and_json_safely(session: AsyncSession, seed: Any) -> None:
    sub_id = await seed.submission(await seed.user("a"), "c1")
    checks = [
        {"name": "load", "passed": True, "message": "ok"},
        {"name": "loss finite", "passed": False, "message": "diverged", "value": math.nan, "threshold": 1.0},
    ]
    result = await repo.record_result(
        session, sub_id, status="failed", passed=False, score=math.nan, tier=None, points=0,
        metrics={"loss": math.inf, "acc": 0.5, "curve": [1.0, math.nan]}, checks=checks,
        runtime_s=1.0, stdout="x" * 1000, stderr="Traceback",
    )  # fmt: skip
    await session.commit()
    session.expunge_all()
    stored = await repo.get_result(session, sub_id)
    assert stored is not None
    assert stored.metrics == {"loss": None, "acc": 0.5, "curve": [1.0, None]}
    assert stored.checks == [
        {"name": "load", "passed": True, "message": "ok", "value": None, "threshold": None, "evidence": "trusted",
         "warning": False},
        {"name": "loss finite", "passed": False, "message": "diverged", "value": None, "threshold": 1.0,
         "evidence": "trusted", "warning": False},
    ]
    assert stored.score == 0.0 and stored.id == result.id and len(stored.stdout) == 1000


async def test_recent_results(session: AsyncSession, seed: Any) -> None:
    uid, other = await seed.user("a"), await seed.user("b")
    made = [await seed.result(uid, f"c{i}", i) for i in range(4)]
    await seed.result(other, "c1", 5)
    recent = await repo.recent_results(session, uid, limit=3)
    assert [r.id for r in recent] == [r.id for r in reversed(made)][:3]


# --------------------------------------------------------------------------- quizzes


async def test_record_quiz_attempt(session: AsyncSession, seed: Any) -> None:
    uid = await seed.user("a")
    attempt = await repo.record_quiz_attempt(
        session, user_id=uid, quiz_id="q1", answers=[2, 0, 1], correct=2, total=3, passed=True, points=5
    )
    await session.commit()
    assert attempt.id is not None and attempt.answers == [2, 0, 1]
    with pytest.raises(InvalidValue):
        await repo.record_quiz_attempt(
            session, user_id=uid, quiz_id="q1", answers=[], correct=4, total=3, passed=True, points=5
        )


# --------------------------------------------------------------------------- reviews


async def test_review_flow(session: AsyncSession, seed: Any) -> None:
    learner, mentor = await seed.user("learner"), await seed.user("mentor")
    g1, g2 = await seed.guild("one"), await seed.guild("two")
    result = await seed.result(learner, "c1", 10, guild_id=g1)
    other_sub = await seed.submission(learner, "c2", guild_id=g2)

    request = await repo.request_review(session, result.submission_id, learner, g1)
    assert request.status == "waiting"
    again = await repo.request_review(session, result.submission_id, learner, g1)
    assert again.id == request.id  # one waiting request per submission
    other = await repo.request_review(session, other_sub, learner, g2)
    with pytest.raises(NotFound):
        await repo.request_review(session, 10_000, learner, g1)

    queue = await repo.review_queue(session, g1)
    assert [item.request.id for item in queue] == [request.id]
    item = queue[0]
    assert item.submission.challenge_id == "c1" and item.requester.display_name == "learner"
    assert item.result is not None and item.result.points == 10
    everywhere = await repo.review_queue(session, None)
    assert [i.request.id for i in everywhere] == [request.id, other.id]
    assert (await repo.review_queue(session, g2))[0].result is None

    assert request.id is not None
    with pytest.raises(InvalidValue):
        await repo.post_review(session, request.id, mentor, "meh", "")
    review = await repo.post_review(session, request.id, mentor, "needs_work", "Normalise inputs.")
    await session.commit()
    assert review.verdict == "needs_work" and review.submission_id == result.submission_id
    with pytest.raises(Conflict):
        await repo.post_review(session, request.id, mentor, "approve", "")
    with pytest.raises(NotFound):
        await repo.post_review(session, 10_000, mentor, "approve", "")
    assert [i.request.id for i in await repo.review_queue(session, g1)] == []

    # after a review, the learner may ask again
    reopened = await repo.request_review(session, result.submission_id, learner, g1)
    assert reopened.id != request.id
    assert reopened.id is not None
    second = await repo.post_review(session, reopened.id, mentor, "approve", "Nice!")
    await session.commit()
    reviews = await repo.reviews_for_user(session, learner)
    assert [r.id for r in reviews] == [second.id, review.id]
    assert await repo.reviews_for_user(session, mentor) == []


@pytest.mark.asyncio
async def test_hints_are_revealed_one_at_a_time_and_remembered(session: AsyncSession) -> None:
    user = await repo.get_or_create_user(session, "hint:1", "Hinty")
    shown = [await repo.reveal_hint(session, user.id, "shapes-classifier", 3) for _ in range(4)]
    assert shown == [1, 2, 3, 3]
    assert await repo.reveal_hint(session, user.id, "denoiser", 2) == 1
