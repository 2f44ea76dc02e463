"""Grading jobs in the database: the per-user gate, queue position and ETA, progress, cancel
requests, the verdict's message, and the store a grading job records itself through.

Every process (the bot, an in-process pool, ``tutor worker`` on another host) sees the same rows,
so nothing about a job lives only in one process's memory. On PostgreSQL every change is also
announced with ``NOTIFY tutor_jobs, '<submission id>'`` so relays wake at once; on SQLite (one
machine) relays are poked in-process and poll as a fallback.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlmodel import col

from storage.coltypes import utcnow
from storage.errors import Conflict, NotFound
from storage.models import FINISHED_STATUSES, GradingJob, Result, Submission, SubmissionStatus
from storage.repository import finish_submission, get_result, mark_running, record_result

#: The PostgreSQL channel job changes are announced on (payload: the submission id).
CHANNEL = "tutor_jobs"
#: Finished runs the ETA is estimated from (the most recent of the queue).
ETA_SAMPLE = 20
_ACTIVE = (SubmissionStatus.QUEUED.value, SubmissionStatus.RUNNING.value)


async def notify(session: AsyncSession, submission_id: int) -> None:
    """Announce a change of the job (PostgreSQL delivers it when the transaction commits)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_notify(:channel, :payload)"),
                              {"channel": CHANNEL, "payload": str(submission_id)})


async def create_job(
    session: AsyncSession, submission_id: int, *, user_id: int, queue: str, files: Mapping[str, str],
    points_before: int = 0, reply: Mapping[str, Any] | None = None,
) -> GradingJob:
    """The job of a stored submission, holding the user's gate; raises Conflict when the user
    already has a job queued or running (the unique gate decides, whichever process asks)."""
    job = GradingJob(submission_id=submission_id, user_id=user_id, active_user_id=user_id, queue=queue,
                     files=dict(files), points_before=points_before, reply=dict(reply or {}),
                     progress={"phase": "queued"})
    try:
        async with session.begin_nested():
            session.add(job)
    except IntegrityError as exc:
        raise Conflict(f"user {user_id} already has a job queued or running") from exc
    await notify(session, submission_id)
    return job


async def get_job(session: AsyncSession, submission_id: int) -> GradingJob | None:
    return await session.get(GradingJob, submission_id)


async def _job(session: AsyncSession, submission_id: int) -> GradingJob:
    job = await get_job(session, submission_id)
    if job is None:
        raise NotFound(f"submission {submission_id} has no grading job")
    return job


async def active_job_for_user(session: AsyncSession, user_id: int) -> GradingJob | None:
    stmt = select(GradingJob).where(col(GradingJob.active_user_id) == user_id)
    return (await session.execute(stmt)).scalar_one_or_none()


async def start_job(session: AsyncSession, submission_id: int, worker: str) -> bool:
    """queued (or a retried run) -> running. False when the submission already ended: a
    duplicate or a recovered job that finished meanwhile must not run again."""
    job = await _job(session, submission_id)
    submission = await session.get(Submission, submission_id)
    if submission is None or submission.status in FINISHED_STATUSES:
        return False
    if await get_result(session, submission_id) is not None:
        return False
    await mark_running(session, submission_id)
    job.attempts += 1
    job.worker = worker[:120]
    job.progress = {"phase": "running", "stage": "load", "retry": job.attempts > 1}
    job.updated_at = utcnow()
    await session.flush()
    await notify(session, submission_id)
    return True


async def update_progress(session: AsyncSession, submission_id: int, progress: Mapping[str, Any]) -> None:
    job = await _job(session, submission_id)
    job.progress = {**job.progress, **dict(progress)}
    job.updated_at = utcnow()
    await session.flush()
    await notify(session, submission_id)


async def request_cancel(session: AsyncSession, submission_id: int) -> bool:
    """Ask the job to stop; whichever process runs it polls this. False when it already ended."""
    job = await _job(session, submission_id)
    if job.active_user_id is None:
        return False
    job.cancel_requested_at = job.cancel_requested_at or utcnow()
    await session.flush()
    await notify(session, submission_id)
    return True


async def cancel_requested(session: AsyncSession, submission_id: int) -> bool:
    stmt = select(col(GradingJob.cancel_requested_at)).where(col(GradingJob.submission_id) == submission_id)
    return (await session.execute(stmt)).scalar_one_or_none() is not None


async def end_job(session: AsyncSession, submission_id: int, status: str) -> None:
    """The submission's final status; the gate opens for the user's next job."""
    submission = await finish_submission(session, submission_id, status)
    job = await _job(session, submission_id)
    job.active_user_id = None
    job.progress = {**job.progress, "phase": submission.status}
    job.updated_at = utcnow()
    await session.flush()
    await notify(session, submission_id)


async def record_job_result(session: AsyncSession, submission_id: int, **result: Any) -> str:
    """Write the one immutable result (a second run returns the first) and end the job with its
    status. Returns the status that counts."""
    row = await record_result(session, submission_id, **result)
    await end_job(session, submission_id, row.status)
    return row.status


async def passed_before(session: AsyncSession, submission_id: int) -> bool:
    """Whether the submission's author had passed its challenge with an earlier submission."""
    submission = await session.get(Submission, submission_id)
    if submission is None:
        return False
    stmt = (
        select(func.count()).select_from(Result)
        .where(col(Result.user_id) == submission.user_id, col(Result.challenge_id) == submission.challenge_id,
               col(Result.passed).is_(True), col(Result.submission_id) < submission_id)
    )
    return bool((await session.execute(stmt)).scalar_one())


async def unfinished_jobs(session: AsyncSession, queue: str | None = None) -> list[GradingJob]:
    """Jobs still queued or running, oldest first (a restarted pool takes them up again)."""
    stmt = select(GradingJob).where(col(GradingJob.active_user_id).is_not(None)).order_by(col(GradingJob.submission_id))
    if queue is not None:
        stmt = stmt.where(col(GradingJob.queue) == queue)
    return list((await session.execute(stmt)).scalars())


async def undelivered_jobs(session: AsyncSession, front_end: str) -> list[GradingJob]:
    """Jobs of one front end (``reply["via"]``) whose verdict has not reached its message yet."""
    stmt = select(GradingJob).where(col(GradingJob.delivered_at).is_(None)).order_by(col(GradingJob.submission_id))
    return [job for job in (await session.execute(stmt)).scalars() if job.reply.get("via") == front_end]


async def set_reply(session: AsyncSession, submission_id: int, reply: Mapping[str, Any]) -> None:
    job = await _job(session, submission_id)
    job.reply = {**job.reply, **dict(reply)}
    await session.flush()


#: Reply keys that are credentials (a Discord interaction token can edit the bot's message for
#: 15 minutes): kept only while the verdict is owed, so a delivered job's row holds none.
SECRET_REPLY_KEYS = frozenset({"token"})


async def mark_delivered(session: AsyncSession, submission_id: int) -> None:
    job = await _job(session, submission_id)
    job.delivered_at = job.delivered_at or utcnow()
    job.reply = _without_secrets(job.reply)
    await session.flush()


async def reply_of(session: AsyncSession, submission_id: int) -> dict[str, Any]:
    """Where a job's verdict went or goes (the front end's own keys), without credentials."""
    job = await get_job(session, submission_id)
    return _without_secrets(job.reply) if job is not None else {}


def _without_secrets(reply: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in reply.items() if k not in SECRET_REPLY_KEYS}


@dataclass(frozen=True)
class QueueSpot:
    """Where a queued job stands: 1 is next; ``eta_s`` a rough wait from recent run times."""

    position: int
    running: int
    eta_s: float | None


async def _recent_run_seconds(session: AsyncSession, queue: str) -> list[float]:
    stmt = (
        select(col(Submission.started_at), col(Submission.finished_at))
        .join(GradingJob, col(GradingJob.submission_id) == col(Submission.id))
        .where(col(GradingJob.queue) == queue, col(Submission.finished_at).is_not(None),
               col(Submission.started_at).is_not(None))
        .order_by(col(Submission.finished_at).desc())
        .limit(ETA_SAMPLE)
    )
    rows = (await session.execute(stmt)).all()
    return [max(0.0, (end - start).total_seconds()) for start, end in rows if start is not None and end is not None]


async def queue_spot(session: AsyncSession, submission_id: int) -> QueueSpot:
    """The job's place among the queue's waiting jobs and a rough ETA: the median of the queue's
    recent run times, times the rounds of work ahead at the current number of running jobs."""
    job = await _job(session, submission_id)
    base = (
        select(func.count())
        .select_from(GradingJob)
        .join(Submission, col(Submission.id) == col(GradingJob.submission_id))
        .where(col(GradingJob.queue) == job.queue, col(GradingJob.active_user_id).is_not(None))
    )
    ahead = (await session.execute(base.where(col(Submission.status) == SubmissionStatus.QUEUED.value,
                                              col(GradingJob.submission_id) < submission_id))).scalar_one()
    running = (await session.execute(base.where(col(Submission.status) == SubmissionStatus.RUNNING.value))).scalar_one()
    samples = await _recent_run_seconds(session, job.queue)
    eta = None
    if samples:
        per_job = statistics.median(samples)
        rounds = (int(ahead) + 1) / max(1, int(running))
        eta = round(per_job * rounds, 1)
    return QueueSpot(int(ahead) + 1, int(running), eta)


@dataclass(frozen=True)
class JobRow:
    """What a grading job needs to run (plain data, read by whichever process grades it)."""

    submission_id: int
    challenge_id: str
    files: dict[str, str]
    cancel_requested: bool


class SqlJobStore:
    """How a grading job records itself: one short transaction per step. ``on_change`` is told
    of every write (the in-process relay wakes on it; PostgreSQL also notifies)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], on_change: Callable[[int], None] | None = None) -> None:
        self.sessions = sessions
        self.on_change = on_change

    def _changed(self, submission_id: int) -> None:
        if self.on_change is not None:
            self.on_change(submission_id)

    async def load(self, submission_id: int) -> JobRow | None:
        async with self.sessions() as session:
            job = await get_job(session, submission_id)
            submission = await session.get(Submission, submission_id)
        if job is None or submission is None:
            return None
        return JobRow(submission_id, submission.challenge_id, dict(job.files), job.cancel_requested_at is not None)

    async def start(self, submission_id: int, worker: str) -> bool:
        async with self.sessions() as session:
            started = await start_job(session, submission_id, worker)
            await session.commit()
        self._changed(submission_id)
        return started

    async def progress(self, submission_id: int, state: Mapping[str, Any]) -> None:
        async with self.sessions() as session:
            await update_progress(session, submission_id, state)
            await session.commit()
        self._changed(submission_id)

    async def cancel_requested(self, submission_id: int) -> bool:
        async with self.sessions() as session:
            return await cancel_requested(session, submission_id)

    async def cancelled(self, submission_id: int) -> None:
        async with self.sessions() as session:
            await end_job(session, submission_id, SubmissionStatus.CANCELLED.value)
            await session.commit()
        self._changed(submission_id)

    async def record(self, submission_id: int, result: Mapping[str, Any]) -> str:
        async with self.sessions() as session:
            status = await record_job_result(session, submission_id, **dict(result))
            await session.commit()
        self._changed(submission_id)
        return status


__all__ = [
    "CHANNEL", "JobRow", "QueueSpot", "SqlJobStore", "active_job_for_user", "cancel_requested", "create_job",
    "end_job", "get_job", "mark_delivered", "notify", "passed_before", "queue_spot", "record_job_result", "reply_of", "request_cancel",
    "set_reply", "start_job", "undelivered_jobs", "unfinished_jobs", "update_progress",
]

