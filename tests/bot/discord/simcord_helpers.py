"""Helpers for driving the bot through SimCord while the real sandbox grades in a subprocess."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot.service import Verdict
from bot.settings import Settings


def discord_settings(tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'tutor.db'}",
        "submit_cooldown_s": 0.0,
        "command_cooldown_s": 0.0,
        "job_memory_mb": 1024,
        "progress_edit_interval_s": 1.0,
        "owner_ids": [],
    }
    values.update(overrides)
    return Settings(_env_file=None, **values)  # type: ignore[arg-type, call-arg]


class GradingWorker:
    """Runs grading coroutines in a test-owned task; the bot waits via `env.external_wait`."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[tuple[Coroutine[Any, Any, Verdict], asyncio.Future[Verdict]]] = asyncio.Queue()
        self.env: Any = None
        self.serving: asyncio.Task[None] | None = None
        self.inner: set[asyncio.Task[Verdict]] = set()

    def start(self, env: Any) -> None:
        """Call from the test body (its context carries SimCord's webhook adapter and clock)."""
        self.env = env
        self.serving = asyncio.get_running_loop().create_task(self._serve())

    async def _serve(self) -> None:
        while True:
            job, outer = await self.queue.get()
            task = asyncio.get_running_loop().create_task(job)
            self.inner.add(task)

            def relay(done: asyncio.Task[Verdict], outer: asyncio.Future[Verdict] = outer) -> None:
                self.inner.discard(done)
                if outer.done():
                    return
                if done.cancelled():
                    outer.cancel()
                elif done.exception() is not None:
                    outer.set_exception(done.exception())  # type: ignore[arg-type]
                else:
                    outer.set_result(done.result())

            def stop(fut: asyncio.Future[Verdict], task: asyncio.Task[Verdict] = task) -> None:
                if fut.cancelled():
                    task.cancel()

            task.add_done_callback(relay)
            outer.add_done_callback(stop)

    async def run(self, job: Coroutine[Any, Any, Verdict]) -> Verdict:
        if self.env is None:
            job.close()
            raise RuntimeError("GradingWorker.start(env) was not called in the test")
        outer: asyncio.Future[Verdict] = asyncio.get_running_loop().create_future()
        self.queue.put_nowait((job, outer))
        return await self.env.external_wait(outer, reason="grading in the real sandbox (a subprocess)")

    async def stop(self) -> None:
        for task in [*self.inner, *([self.serving] if self.serving else [])]:
            task.cancel()
        for task in [*self.inner, *([self.serving] if self.serving else [])]:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


async def wait_until(env: Any, predicate: Callable[[], bool], timeout: float = 120.0, what: str = "condition") -> None:
    """Let real time pass (the sandbox runs in a subprocess) and settle the bot until ``predicate``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        await env.settle(timeout=30)
        if predicate():
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\n{env.transcript()[-4000:]}")
        await asyncio.sleep(0.25)
