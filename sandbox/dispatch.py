"""Dispatchers: how a stored submission's grading job reaches a warm pool.

The service hands a dispatcher plain data (a submission id and the queue its challenge's device
picks); the job records everything itself (``sandbox.jobs``), so the service learns the outcome
from the database, whichever dispatcher ran it. Two implementations, chosen by ``TUTOR_QUEUE``:
``LocalDispatcher`` (this module: an in-process pool, nothing else to start) and
``sandbox.queue.QueueDispatcher`` (procrastinate on PostgreSQL, graded by ``tutor worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Protocol

from sandbox.core.supervisor import Sandbox
from sandbox.jobs import GradingJobs

log = logging.getLogger(__name__)


class Dispatcher(Protocol):
    """Where the service sends a job. Enqueueing a job that is already waiting is ignored."""

    async def enqueue(self, submission_id: int, *, queue: str, user_id: int) -> None: ...
    async def close(self) -> None: ...


class LocalDispatcher:
    """The in-process pool: at most ``concurrency`` jobs at once, each retried ``retries`` times
    after an ``infrastructure`` outcome. Jobs live in this process: a restart takes them up again
    from the database (``TutorService.resume``)."""

    def __init__(self, jobs: GradingJobs, *, concurrency: int, retries: int = 1) -> None:
        self.jobs = jobs
        self.retries = retries
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._waiting = 0

    @property
    def sandbox(self) -> Sandbox:
        return self.jobs.sandbox

    @property
    def waiting(self) -> int:
        return self._waiting

    async def enqueue(self, submission_id: int, *, queue: str, user_id: int) -> None:
        if submission_id in self._tasks:
            return  # a duplicate: the job is already waiting or running here
        self._tasks[submission_id] = asyncio.create_task(self._run(submission_id), name=f"grade-{submission_id}")

    async def _run(self, submission_id: int) -> None:
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            await self.jobs.run_with_retries(submission_id, self.retries)
        except Exception:
            log.exception("the job of submission %s failed", submission_id)
        finally:
            self._slots.release()
            self._tasks.pop(submission_id, None)

    async def close(self) -> None:
        """Stop every job of this process (their rows stay queued/running for the next start)."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
