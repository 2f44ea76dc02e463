"""Grading-job rows on both backends: the per-user gate, queue position, cancel requests,
idempotent results and owed deliveries."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from storage import jobs
from storage.errors import Conflict
from storage.models import Submission

RESULT = {"status": "passed", "passed": True, "score": 1.0, "tier": None, "points": 80, "metrics": {},
          "checks": [], "runtime_s": 1.0, "stdout": "", "stderr": "", "artifacts": {"losses": [1.0, 0.5]}}


async def test_one_unfinished_job_per_user_and_the_gate_reopens(session: AsyncSession, seed: Any) -> None:
    alice = await seed.user("alice")
    first = await seed.submission(alice, "install-command")
    await jobs.create_job(session, first, user_id=alice, queue="cpu", files={"a.py": "x"})
    second = await seed.submission(alice, "install-command")
    with pytest.raises(Conflict):
        await jobs.create_job(session, second, user_id=alice, queue="cpu", files={"a.py": "x"})
    assert await jobs.start_job(session, first, "w1")
    assert await jobs.record_job_result(session, first, **RESULT) == "passed"
    assert await jobs.record_job_result(session, first, **{**RESULT, "status": "failed", "passed": False}) == "passed"
    assert not await jobs.start_job(session, first, "w2"), "a finished job must not run again"
    await jobs.create_job(session, second, user_id=alice, queue="cpu", files={"a.py": "x"})
    assert (await jobs.active_job_for_user(session, alice)).submission_id == second  # type: ignore[union-attr]


async def test_queue_position_eta_and_cancel(session: AsyncSession, seed: Any) -> None:
    ids = []
    for name in ("a", "b", "c"):
        user = await seed.user(name)
        sid = await seed.submission(user, "install-command")
        await jobs.create_job(session, sid, user_id=user, queue="cpu", files={}, reply={"via": "discord"})
        ids.append(sid)
    assert [(await jobs.queue_spot(session, i)).position for i in ids] == [1, 2, 3]
    assert (await jobs.queue_spot(session, ids[2])).eta_s is None  # nothing finished yet to estimate from
    await jobs.start_job(session, ids[0], "w1")
    await jobs.record_job_result(session, ids[0], **RESULT)
    spot = await jobs.queue_spot(session, ids[2])
    assert spot.position == 2 and spot.eta_s is not None and spot.eta_s >= 0
    assert await jobs.request_cancel(session, ids[1])
    assert await jobs.cancel_requested(session, ids[1])
    await jobs.end_job(session, ids[1], "cancelled")
    assert (await session.get(Submission, ids[1])).status == "cancelled"  # type: ignore[union-attr]
    assert not await jobs.request_cancel(session, ids[1]), "an ended job has nothing to cancel"
    owed = [j.submission_id for j in await jobs.undelivered_jobs(session, "discord")]
    assert owed == ids
    await jobs.mark_delivered(session, ids[0])
    assert [j.submission_id for j in await jobs.undelivered_jobs(session, "discord")] == ids[1:]
    assert [j.submission_id for j in await jobs.unfinished_jobs(session)] == [ids[2]]


async def test_a_delivered_job_keeps_where_its_verdict_went_but_no_credentials(session: AsyncSession, seed: Any) -> None:
    alice = await seed.user("alice")
    sid = await seed.submission(alice, "install-command")
    await jobs.create_job(session, sid, user_id=alice, queue="cpu", files={},
                          reply={"via": "discord", "token": "interaction-token", "channel_id": 7})
    assert (await jobs.undelivered_jobs(session, "discord"))[0].reply["token"] == "interaction-token"  # owed: kept
    assert "token" not in await jobs.reply_of(session, sid)
    await jobs.set_reply(session, sid, {"message_id": 99})
    await jobs.mark_delivered(session, sid)
    row = await jobs.get_job(session, sid)
    assert row is not None and row.reply == {"via": "discord", "channel_id": 7, "message_id": 99}
    assert await jobs.reply_of(session, sid) == {"via": "discord", "channel_id": 7, "message_id": 99}
    assert await jobs.reply_of(session, sid + 1000) == {}  # graded without a job
