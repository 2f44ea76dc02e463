"""The worker's grading step: lint, run the learner's code in the sandbox, evaluate, conclude.

This is the trusted side of the grading split: hidden test labels are made here after training
and never leave this process; the sandbox gets training data and, later, test inputs only.
"""

from __future__ import annotations

import ast
import asyncio
from dataclasses import dataclass, field
from typing import Any

from challenges.base import Check, Evaluation, PredictionError
from challenges.catalogue import Challenge
from sandbox.job import JobOutcome, JobSpec, Limits
from sandbox.policy import check_source
from sandbox.runner import EventHandler, Sandbox

TIER_MULTIPLIER = {None: 1.0, "bronze": 1.0, "silver": 1.25, "gold": 1.5}


@dataclass
class GradeReport:
    """A verdict, ready to store and render. ``status`` is one of the catalogue's statuses."""

    challenge: str
    status: str
    checks: list[Check]
    metrics: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    tier: str | None = None
    points: int = 0
    runtime_s: float = 0.0
    stdout: str = ""
    stderr: str = ""
    losses: list[float] = field(default_factory=list)
    pictures: dict[str, bytes] = field(default_factory=dict)
    phase: str | None = None

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_json(self) -> dict[str, Any]:
        return {
            "challenge": self.challenge, "status": self.status, "passed": self.passed,
            "score": round(self.score, 4), "tier": self.tier,
            "checks": [c.to_dict() for c in self.checks], "metrics": self.metrics,
            "runtime_s": round(self.runtime_s, 3), "stdout": self.stdout, "stderr": self.stderr,
        }


def job_limits(challenge: Challenge, base: Limits) -> Limits:
    spec = challenge.spec.limits
    return Limits(
        wall_s=spec.wall_s, startup_s=base.startup_s, predict_s=base.predict_s,
        memory_mb=min(spec.memory_mb, base.memory_mb),
        pids=base.pids, output_bytes=base.output_bytes, scratch_mb=base.scratch_mb,
        file_size_mb=base.file_size_mb, open_files=base.open_files, threads=spec.threads,
    )


def _failure(challenge: str, status: str, name: str, message: str, **extra: Any) -> GradeReport:
    return GradeReport(challenge, status, [Check(name, False, message)], **extra)


def precheck(challenge: Challenge, source: str) -> GradeReport | None:
    """Syntax and lint, before anything runs: a clear verdict without spending a sandbox."""
    cid = challenge.id
    try:
        ast.parse(source)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        return _failure(cid, "error", "load", f"Syntax error at {where}: {exc.msg}. Fix it and resubmit.")
    violations = check_source(source)
    if violations:
        checks = [Check("policy", False, f"line {v.line}: {v.message}") for v in violations[:10]]
        return GradeReport(cid, "rejected", checks)
    return None


def _stage_message(outcome: JobOutcome, wall_s: float) -> tuple[str, str]:
    stage = outcome.phase or "load"
    if outcome.status == "timeout":
        if stage == "train":
            return "train", f"Training did not finish within the hard limit of {wall_s:.0f} s. Check the clock against time_budget_s in your loop."
        return stage, f"Your code did not finish the {stage} stage in time (an endless loop, or a blocking call?)."
    if outcome.status == "memory":
        return stage, "Your code ran out of memory during the " + stage + " stage. Use smaller batches or a smaller model."
    if outcome.status == "output_limit":
        return stage, "Your code printed too much output; print less (for example once per epoch)."
    detail = outcome.error or "the process ended unexpectedly"
    return stage, f"Your code failed during the {stage} stage: {detail}"


def conclude(challenge: Challenge, outcome: JobOutcome, labels: dict[str, Any] | None) -> GradeReport:
    """Turn a sandbox outcome (plus hidden labels) into a verdict."""
    cid = challenge.id
    common: dict[str, Any] = {
        "runtime_s": outcome.wall_s, "stdout": outcome.stdout, "stderr": outcome.stderr,
        "losses": outcome.losses, "phase": outcome.phase,
    }
    if outcome.status == "infrastructure":
        return _failure(cid, "infrastructure", "sandbox", "The grader had a problem on our side; this does not count against you.", **common)
    if outcome.status != "ok" or outcome.predictions is None:
        status = {"timeout": "timeout", "memory": "memory"}.get(outcome.status, "error")
        stage, message = _stage_message(outcome, challenge.spec.limits.wall_s)
        return _failure(cid, status, stage, message, **common)
    try:
        evaluation: Evaluation = challenge.grader().evaluate(
            outcome.predictions, labels or {}, outcome.facts, challenge.spec.thresholds
        )
    except PredictionError as exc:
        return _failure(cid, "failed", "predictions", f"Your model's predictions could not be graded: {exc}", **common)
    passed = evaluation.passed
    tier = evaluation.tier if passed else None
    points = round(challenge.spec.points * TIER_MULTIPLIER.get(tier, 1.0)) if passed else 0
    return GradeReport(
        cid, "passed" if passed else "failed", list(evaluation.checks), dict(evaluation.metrics),
        evaluation.score, tier, points, pictures=dict(evaluation.pictures), **common,
    )


async def grade(
    challenge: Challenge, source: str, sandbox: Sandbox, *, base_limits: Limits | None = None,
    filename: str = "submission.py", on_event: EventHandler | None = None,
) -> GradeReport:
    early = precheck(challenge, source)
    if early is not None:
        return early
    grader = challenge.grader()
    seeds = challenge.spec.seeds
    assert seeds is not None
    loop = asyncio.get_running_loop()
    train_data = await loop.run_in_executor(None, grader.training_data, seeds.train)
    hidden: dict[str, Any] = {}

    def make_test_inputs() -> dict[str, Any]:
        inputs, labels = grader.test_data(seeds.test)
        hidden.update(labels)
        return inputs

    spec = JobSpec(
        source=source, filename=filename, harness=f"{challenge.package}.harness",
        time_budget_s=challenge.spec.limits.train_budget_s, limits=job_limits(challenge, base_limits or Limits()),
        device="cpu",
    )
    outcome = await sandbox.run(spec, train_data=train_data, test_inputs=make_test_inputs, on_event=on_event)
    return await loop.run_in_executor(None, conclude, challenge, outcome, hidden)
