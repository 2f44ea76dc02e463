"""The distributed queue: grading jobs on PostgreSQL with procrastinate, graded by ``tutor worker``.

A job is one procrastinate task call, ``tutor.grade(submission_id=...)``, on the queue the
challenge's device picks (``cpu``, ``gpu``). Two procrastinate features carry our rules:
``queueing_lock="submission-<id>"`` makes a duplicate enqueue of a waiting job a no-op, and
``lock="user-<id>"`` keeps one user's jobs strictly in order, one at a time, across workers. The
task retries only on ``Retry`` (an ``infrastructure`` outcome). Workers send heartbeats; each
worker also looks, every few seconds, for jobs whose worker stopped sending them (SIGKILL, a lost
host) and puts them back in the queue, where another worker takes them (a job whose result was
already written just ends: results are idempotent).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass

import procrastinate
import psycopg
from procrastinate import exceptions as pexc
from sqlalchemy.engine import make_url

from sandbox.jobs import GradingJobs, Retry

log = logging.getLogger(__name__)

TASK_NAME = "tutor.grade"
#: Advisory lock taken while the procrastinate schema is installed (workers may start together).
SCHEMA_LOCK = 740_121


def conninfo(database_url: str) -> str:
    """The libpq URL of a SQLAlchemy PostgreSQL URL (procrastinate talks psycopg directly)."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"the job queue needs PostgreSQL; TUTOR_DATABASE_URL is {url.get_backend_name()}")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def build_app(database_url: str, *, jobs: GradingJobs | None = None, retries: int = 1,
              pool_size: int = 4) -> procrastinate.App:
    """The procrastinate app with the grading task. ``jobs`` is None where the process only
    enqueues (the bot); a worker passes its own warm pool's jobs."""
    connector = procrastinate.PsycopgConnector(conninfo=conninfo(database_url), min_size=1, max_size=pool_size)
    app = procrastinate.App(connector=connector)

    @app.task(name=TASK_NAME, pass_context=True,
              retry=procrastinate.RetryStrategy(max_attempts=retries, retry_exceptions={Retry}))
    async def grade_submission(context: procrastinate.JobContext, submission_id: int) -> None:
        if jobs is None:
            raise RuntimeError("this process enqueues grading jobs but does not run them")
        final = context.job.attempts >= retries
        status = await jobs.run(int(submission_id), final_attempt=final)
        log.info("submission %s: %s", submission_id, status)

    return app


async def ensure_schema(app: procrastinate.App, database_url: str) -> None:
    """Install procrastinate's tables once (idempotent, safe when several processes start)."""
    async with await psycopg.AsyncConnection.connect(conninfo(database_url), autocommit=True) as conn:
        await conn.execute("SELECT pg_advisory_lock(%s)", (SCHEMA_LOCK,))
        try:
            cursor = await conn.execute("SELECT to_regclass('procrastinate_jobs') IS NOT NULL")
            row = await cursor.fetchone()
            if not (row and row[0]):
                await app.schema_manager.apply_schema_async()
        finally:
            await conn.execute("SELECT pg_advisory_unlock(%s)", (SCHEMA_LOCK,))


class QueueDispatcher:
    """Enqueues grading jobs on PostgreSQL; ``tutor worker`` processes run them."""

    def __init__(self, app: procrastinate.App) -> None:
        self.app = app

    async def enqueue(self, submission_id: int, *, queue: str, user_id: int) -> None:
        task = self.app.tasks[TASK_NAME]
        try:
            await task.configure(queue=queue, lock=f"user-{user_id}",
                                 queueing_lock=f"submission-{submission_id}").defer_async(submission_id=submission_id)
        except pexc.AlreadyEnqueued:
            log.info("submission %s is already queued; the duplicate is ignored", submission_id)

    async def close(self) -> None:
        await self.app.close_async()


@dataclass(frozen=True)
class WorkerOptions:
    queues: tuple[str, ...] = ("cpu",)
    concurrency: int = 1
    name: str = ""
    heartbeat_s: float = 2.0  # how often this worker says it is alive
    stalled_s: float = 10.0  # a worker silent this long is dead: its jobs go back to the queue
    poll_s: float = 2.0  # fallback polling for new jobs (LISTEN/NOTIFY wakes it at once)


def worker_name(options: WorkerOptions) -> str:
    return options.name or f"{socket.gethostname()}:{os.getpid()}"


async def recover_stalled(app: procrastinate.App, options: WorkerOptions) -> list[int]:
    """Put the running jobs of workers that stopped sending heartbeats back in the queue."""
    recovered = []
    for job in await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=options.stalled_s):
        if job.queue in options.queues and job.id is not None:
            await app.job_manager.retry_job(job)
            recovered.append(job.id)
            log.warning("job %s (%s) lost its worker; queued again", job.id, job.task_kwargs)
    return recovered


async def _recovery_loop(app: procrastinate.App, options: WorkerOptions) -> None:
    while True:
        await asyncio.sleep(max(1.0, options.stalled_s / 3))
        try:
            await recover_stalled(app, options)
        except Exception:
            log.warning("stalled-job recovery failed", exc_info=True)


async def run_worker(app: procrastinate.App, database_url: str, options: WorkerOptions) -> None:
    """Grade jobs from ``options.queues`` until SIGTERM / SIGINT."""
    async with app.open_async():
        await ensure_schema(app, database_url)
        await recover_stalled(app, options)
        recovery = asyncio.create_task(_recovery_loop(app, options))
        try:
            await app.run_worker_async(
                queues=list(options.queues), concurrency=options.concurrency, name=worker_name(options),
                update_heartbeat_interval=options.heartbeat_s, stalled_worker_timeout=options.stalled_s,
                fetch_job_polling_interval=options.poll_s, delete_jobs="successful", install_signal_handlers=True,
            )
        finally:
            recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await recovery
