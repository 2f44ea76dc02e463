"""The in-process dispatcher: a queue in front of the sandbox, with positions and one retry.

Learners see their queue position at once; a job that fails for infrastructure reasons (our
fault, never theirs) is retried once before the verdict says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from challenges.catalogue import Challenge
from sandbox.grading import GradeReport, grade
from sandbox.job import Limits
from sandbox.runner import Sandbox

Listener = Callable[[dict[str, Any]], Awaitable[None] | None]


class LocalDispatcher:
    def __init__(self, sandbox: Sandbox, *, concurrency: int, base_limits: Limits, retries: int = 1) -> None:
        self.sandbox = sandbox
        self.base_limits = base_limits
        self.retries = retries
        self._slots = asyncio.Semaphore(concurrency)
        self._waiting = 0

    @property
    def waiting(self) -> int:
        return self._waiting

    async def submit(
        self, challenge: Challenge, source: str, *, filename: str = "submission.py",
        on_event: Listener | None = None,
    ) -> GradeReport:
        async def emit(event: dict[str, Any]) -> None:
            if on_event is not None:
                result = on_event(event)
                if asyncio.iscoroutine(result):
                    await result

        self._waiting += 1
        await emit({"type": "queued", "position": self._waiting})
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            await emit({"type": "started"})
            for attempt in range(self.retries + 1):
                if attempt:
                    await emit({"type": "retry"})
                report = await grade(challenge, source, self.sandbox, base_limits=self.base_limits,
                                     filename=filename, on_event=emit)
                if report.status != "infrastructure":
                    break
            return report
        finally:
            self._slots.release()
