"""A grading job: plain data (a submission id) in, a recorded verdict out.

Whichever process runs it (the bot's in-process pool or a ``tutor worker`` on another host)
does the same thing: load the submission's files through a ``JobStore``, mark it running, grade
it on its own warm pool while writing progress (throttled) and polling for a cancel request, and
record the one immutable result with its artifacts (loss series, task pictures, full output), so
a verdict graded elsewhere renders the same. A job whose submission already ended (a duplicate,
a recovered job that finished meanwhile) does nothing: a job that runs twice counts once. An
``infrastructure`` outcome (our fault) raises ``Retry`` while attempts remain, so only those are
retried. The store is a protocol: storage implements it; this layer imports no storage.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from challenges.catalogue import Catalogue, Challenge
from challenges.kinds.base import Submission
from challenges.verdict import Report, failure
from sandbox.core.job import Limits
from sandbox.core.supervisor import Sandbox
from sandbox.driver import grade

log = logging.getLogger(__name__)

#: Characters of stdout and of stderr a result keeps (the front end attaches the full text).
STORED_OUTPUT_CHARS = 200_000
#: Progress fields a job writes (anything else an event carries stays in the process).
PROGRESS_FIELDS = ("stage", "step", "loss", "elapsed")
SKIPPED = "skipped"


class JobInput(Protocol):
    """What a job reads about its submission."""

    @property
    def challenge_id(self) -> str: ...
    @property
    def files(self) -> dict[str, str]: ...
    @property
    def cancel_requested(self) -> bool: ...


class JobStore(Protocol):
    """Where a job records itself (``storage.jobs.SqlJobStore``)."""

    async def load(self, submission_id: int) -> JobInput | None: ...
    async def start(self, submission_id: int, worker: str) -> bool: ...
    async def progress(self, submission_id: int, state: Mapping[str, Any]) -> None: ...
    async def cancel_requested(self, submission_id: int) -> bool: ...
    async def cancelled(self, submission_id: int) -> None: ...
    async def record(self, submission_id: int, result: Mapping[str, Any]) -> str: ...


class Retry(Exception):
    """The run ended ``infrastructure`` and attempts remain: grade it again (maybe elsewhere)."""


def queue_for(challenge: Challenge) -> str:
    """The queue a challenge's jobs go to: ``gpu`` for GPU-only challenges, ``cpu`` otherwise
    (a GPU worker listens to both)."""
    return "gpu" if challenge.spec.device == "gpu" else "cpu"


def result_record(report: Report) -> dict[str, Any]:
    """A report as the result row's fields, with what the verdict renders from (artifacts)."""
    pictures = {name: base64.b64encode(data).decode("ascii") for name, data in report.pictures.items()}
    return {
        "status": report.status, "passed": report.passed, "score": report.score, "tier": report.tier,
        "points": report.points, "metrics": report.metrics, "checks": [c.to_dict() for c in report.checks],
        "runtime_s": report.runtime_s, "stdout": report.stdout[-STORED_OUTPUT_CHARS:],
        "stderr": report.stderr[-STORED_OUTPUT_CHARS:], "feedback": report.feedback_json(),
        "artifacts": {"losses": list(report.losses), "pictures": pictures, "phase": report.phase,
                      "timings": dict(report.timings)},
    }


@dataclass
class GradingJobs:
    """Runs grading jobs on one warm pool, recording through ``store``."""

    store: JobStore
    sandbox: Sandbox
    base_limits: Limits
    catalogue: Callable[[], Catalogue]
    worker: str = "local"
    poll_s: float = 0.5  # progress writes and cancel polls, at most this often

    async def run(self, submission_id: int, *, final_attempt: bool = True) -> str:
        """Grade one submission and record its verdict; the status that counts, or ``skipped``."""
        job = await self.store.load(submission_id)
        if job is None:
            log.warning("job for submission %s: no such submission", submission_id)
            return SKIPPED
        if job.cancel_requested:
            await self.store.cancelled(submission_id)
            return "cancelled"
        if not await self.store.start(submission_id, self.worker):
            return SKIPPED
        challenge = self.catalogue().get(job.challenge_id)
        if challenge is None:
            report = failure(job.challenge_id, "infrastructure", "grader",
                             "This grader does not know the challenge; this does not count against you.")
        else:
            graded = await self._grade(submission_id, challenge, job.files)
            if graded is None:
                return "cancelled"
            report = graded
        if report.status == "infrastructure" and not final_attempt:
            raise Retry(f"submission {submission_id}: {report.checks[0].message if report.checks else ''}")
        return await self.store.record(submission_id, result_record(report))

    async def _grade(self, submission_id: int, challenge: Challenge, files: dict[str, str]) -> Report | None:
        """The report, or None when a cancel request stopped the job (the sandbox job is killed)."""
        state: dict[str, Any] = {}

        def on_event(event: dict[str, Any]) -> None:
            kind = event.get("type")
            if kind == "phase":
                state["stage"] = str(event.get("name"))[:20]
            elif kind == "progress":
                state.update(stage="train", **{k: event.get(k) for k in ("step", "loss", "elapsed")})

        grading = asyncio.create_task(grade(challenge, Submission(files), self.sandbox, base_limits=self.base_limits,
                                            on_event=on_event))
        written: dict[str, Any] = {}
        try:
            while True:
                done, _ = await asyncio.wait({grading}, timeout=self.poll_s)
                if grading in done:
                    break
                if state != written:
                    written = dict(state)
                    await self._write_progress(submission_id, written)
                if await self.store.cancel_requested(submission_id):
                    grading.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await grading
                    await self.store.cancelled(submission_id)
                    return None
            return grading.result()
        except Exception:
            if grading.done() and not grading.cancelled() and grading.exception() is not None:
                log.exception("grading submission %s failed", submission_id)
                return failure(challenge.id, "infrastructure", "grader",
                               "The grader failed on our side; this does not count against you.")
            raise
        finally:
            if not grading.done():
                grading.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await grading

    async def _write_progress(self, submission_id: int, state: dict[str, Any]) -> None:
        try:
            await self.store.progress(submission_id, {"phase": "running", **state})
        except Exception:  # progress is advisory: a failed write never costs the verdict
            log.warning("could not write progress of submission %s", submission_id, exc_info=True)

    async def run_with_retries(self, submission_id: int, retries: int) -> str:
        """``run``, again after an ``infrastructure`` outcome while attempts remain (in-process)."""
        for attempt in range(retries + 1):
            try:
                return await self.run(submission_id, final_attempt=attempt == retries)
            except Retry:
                log.info("retrying submission %s after an infrastructure outcome", submission_id)
        raise AssertionError("unreachable: the final attempt records its outcome")

