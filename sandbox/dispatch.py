"""The in-process dispatcher: a queue in front of the sandbox, with positions and one retry.

Learners see their queue position at once; a job that fails for infrastructure reasons (our
fault, never theirs) is retried once before the verdict says so.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from challenges.catalogue import Challenge
from challenges.kinds.base import Submission
from challenges.verdict import Report
from sandbox.core.job import Limits
from sandbox.core.supervisor import Sandbox
from sandbox.driver import grade

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

    async def submit(self, challenge: Challenge, submission: Submission, *, on_event: Listener | None = None) -> Report:
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
                report = await grade(challenge, submission, self.sandbox, base_limits=self.base_limits, on_event=emit)
                if report.status != "infrastructure":
                    break
            return report
        finally:
            self._slots.release()
