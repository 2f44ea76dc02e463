"""The grading layer: drives a challenge kind's exchange through the sandbox core.

This is the trusted side of the grading split. The kind (``challenges.kinds``) says what runs in
the sandbox and reacts to what comes back; this module lints the source, turns the kind's plan
into a core ``JobSpec`` (phases and their deadlines, limits, device), relays the conversation
over the job channel, and turns the core's ``JobOutcome`` plus the kind's ``Evaluation`` into the
one ``Report`` that is stored and shown. Every failure becomes a report: a kind that raises is
``infrastructure`` (ours), a job that breaks the conversation is ``error`` (theirs).
"""

from __future__ import annotations

import ast
import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from challenges.catalogue import Challenge, sandbox_preloads
from challenges.errors import ChallengeError
from challenges.feedback import diagnose
from challenges.feedback.shape_trace import trace_note
from challenges.kinds.base import Exchange, Message, RunRecord, SandboxPlan, Submission
from challenges.kinds.common import report_of
from challenges.kinds.registry import inside_modules
from challenges.verdict import Check, Report, failure
from sandbox.core.errors import ProtocolError
from sandbox.core.job import JobOutcome, JobSpec, Limits
from sandbox.core.output import clean_output
from sandbox.core.pool import DEFAULT_EXPORT, PoolConfig
from sandbox.core.supervisor import EventHandler, Reply, Sandbox
from sandbox.lint import check_source

T = TypeVar("T")
MAX_FOLLOW_UPS = 3  # jobs after the first that one grading may run
MAX_KEPT_OUTPUT = 1 << 20
log = logging.getLogger(__name__)

#: Our files a grading job may see besides the core: the sandbox-side halves of kinds and of
#: challenges (never graders, hooks, references, seeds or cases).
GRADING_EXPORT = (
    "challenges/__init__.py", "challenges/errors.py", "challenges/verdict.py", "challenges/kinds/__init__.py",
    "challenges/kinds/base.py", "challenges/kinds/inside_kit.py", "challenges/kinds/*_inside.py",
    "challenges/content/__init__.py", "challenges/content/*/__init__.py", "challenges/content/*/inside.py",
    "challenges/pretrained/__init__.py",  # the shipped network's class (its weights arrive over the channel)
)


def grading_pool(config: PoolConfig, extra_preload: tuple[str, ...] = ()) -> PoolConfig:
    """The pool settings for grading: the core's export plus the kinds' sandbox sides, preloaded,
    and the modules challenges ask the zygote to import for their ``inside.py``."""
    export = tuple(dict.fromkeys((*DEFAULT_EXPORT, *config.export, *GRADING_EXPORT)))
    preload = tuple(dict.fromkeys((*config.preload, *inside_modules(), *sandbox_preloads(), *extra_preload)))
    return replace(config, export=export, preload=preload)


def precheck(challenge: Challenge, submission: Submission) -> Report | None:
    """Syntax and lint of a Python submission, before anything runs: a clear verdict, no sandbox."""
    if not challenge.spec.python_file:
        return None
    cid, source = challenge.id, submission.source
    try:
        ast.parse(source)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" + (f", column {exc.offset}" if exc.offset else "")
        return failure(cid, "error", "load", f"Syntax error at {where}: {exc.msg}. Fix it and resubmit.")
    except (RecursionError, MemoryError, ValueError):
        return failure(cid, "rejected", "load", "The file nests too deeply for the parser; simplify the expression.")
    violations = [v for v in check_source(source, set(challenge.spec.lint_allow)) if v.is_error]  # warnings: advice
    if violations:
        return Report(cid, "rejected", [Check("policy", False, f"line {v.line}: {v.message}") for v in violations[:10]])
    return None


@dataclass
class _Conversation:
    """A kind's sans-IO exchange as the core's ``Conversation``; its work runs off the event loop."""

    exchange: Exchange
    finished: bool = False
    trusted_s: float = 0.0  # time spent on our side (data generation, probes) while the job waited

    async def _call(self, fn: Callable[[], T]) -> T:
        started = time.perf_counter()
        try:
            return await asyncio.get_running_loop().run_in_executor(None, fn)
        finally:
            self.trusted_s += time.perf_counter() - started

    async def opening(self) -> Reply:
        return [(m.kind, m.payload) for m in await self._call(self.exchange.opening)]

    async def receive(self, kind: str, payload: dict[str, Any]) -> Reply:
        try:
            replies = await self._call(lambda: self.exchange.receive(Message(kind, payload)))
        except ChallengeError as exc:  # the job broke the conversation: its fault
            raise ProtocolError(str(exc)) from exc
        self.finished = self.exchange.finished
        return [(m.kind, m.payload) for m in replies]


def resolve_device(challenge: Challenge, sandbox: Sandbox) -> str | None:
    """The device a challenge's job runs on here, or None when this host cannot run it."""
    wanted = challenge.spec.device
    gpus = sandbox.config.gpu_devices
    if wanted in ("gpu", "any") and gpus:
        return f"cuda:{gpus[0]}"
    return None if wanted == "gpu" else "cpu"


def job_spec(plan: SandboxPlan, base: Limits, device: str) -> JobSpec:
    limits = replace(base, total_s=plan.total_s, memory_mb=min(plan.memory_mb, base.memory_mb), threads=plan.threads)
    return JobSpec(source=plan.source, filename=plan.filename, entry=plan.entry, params=plan.params,
                   phases=dict(plan.phases), limits=limits, device=device)


def _stage_message(outcome: JobOutcome, phases: dict[str, float]) -> tuple[str, str]:
    stage = outcome.phase or "load"
    limit = phases.get(stage)
    if outcome.status == "timeout":
        if stage == "train":
            return "train", (f"Training did not finish within the hard limit of {limit:.0f} s. "
                             "Check the clock against time_budget_s in your loop.")
        within = f" within {limit:.0f} s" if limit else ""
        return stage, f"Your code did not finish the {stage} stage{within} (an endless loop, or a blocking call?)."
    if outcome.status == "memory":
        return stage, f"Your code ran out of memory during the {stage} stage. Use smaller batches or a smaller model."
    if outcome.status == "output_limit":
        return stage, "Your code printed too much output; print less (for example once per epoch)."
    detail = clean_output(outcome.error or "") or "the process ended unexpectedly"
    return stage, f"Your code failed during the {stage} stage: {detail}"


def conclude(challenge: Challenge, exchange: Exchange, outcome: JobOutcome, phases: dict[str, float]) -> Report:
    """A verdict from how the job ended and, when it finished, the kind's evaluation."""
    common: dict[str, Any] = {"runtime_s": outcome.wall_s, "stdout": outcome.stdout, "stderr": outcome.stderr,
                              "losses": list(getattr(exchange, "losses", [])), "phase": outcome.phase}
    cid = challenge.id
    if outcome.status == "infrastructure":
        return failure(cid, "infrastructure", "sandbox",
                       "The grader had a problem on our side; this does not count against you.", **common)
    if outcome.status != "ok" or not exchange.finished:
        status = {"timeout": "timeout", "memory": "memory"}.get(outcome.status, "error")
        stage, message = _stage_message(outcome, phases)
        return failure(cid, status, stage, message, **common)
    record = RunRecord(status=outcome.status, phase=outcome.phase, error=outcome.error, stdout=outcome.stdout,
                       stderr=outcome.stderr, wall_s=outcome.wall_s, losses=common["losses"],
                       steps=int(getattr(exchange, "steps", 0)))
    return evaluate(challenge, exchange, record, common)


def evaluate(challenge: Challenge, exchange: Exchange, record: RunRecord, common: dict[str, Any]) -> Report:
    try:
        evaluation = exchange.evaluate(record)
    except Exception as exc:  # a grader or baseline bug is ours: never the learner's verdict
        return failure(challenge.id, "infrastructure", "grader",
                       f"The grader failed ({type(exc).__name__}); this does not count against you.", **common)
    return cleaned(report_of(challenge.spec, evaluation, **common))


def cleaned(report: Report) -> Report:
    """Check texts can quote what the sandbox sent (error text, module names, probe errors): they
    are cleaned here, once, like the job's output, before anything stores or shows them."""
    report.checks = [replace(c, message=clean_output(c.message),
                             value=clean_output(c.value) if isinstance(c.value, str) else c.value) for c in report.checks]
    return report


async def grade(
    challenge: Challenge, submission: Submission, sandbox: Sandbox, *, base_limits: Limits | None = None,
    on_event: EventHandler | None = None, seed: int | None = None,
) -> Report:
    """Grade one submission. ``seed`` fixes the hidden data (our own files only: calibration)."""
    if challenge.spec.kind == "quiz":
        return failure(challenge.id, "rejected", "kind", f"`{challenge.id}` is a quiz: answer it with /quiz.")
    early = precheck(challenge, submission)
    if early is not None:
        return with_feedback(challenge, submission, early)
    loop = asyncio.get_running_loop()
    started = time.perf_counter()
    try:
        exchange = challenge.kind.exchange(challenge, submission, seed=seed)
        plan = exchange.plan
    except Exception as exc:
        return failure(challenge.id, "infrastructure", "grader", f"The grader could not start ({type(exc).__name__}).")
    if plan is None:  # judged on the text alone
        report = await loop.run_in_executor(None, evaluate, challenge, exchange, RunRecord(), {})
        report.timings = {"outside_ms": round((time.perf_counter() - started) * 1000, 1), "inside_ms": 0.0}
        return with_feedback(challenge, submission, report, exchange)
    device = resolve_device(challenge, sandbox)
    if device is None:
        return failure(challenge.id, "infrastructure", "device",
                       "This challenge needs a GPU and this grader has none; it does not count against you.")
    conversation = _Conversation(exchange)
    outcome = await sandbox.run(job_spec(plan, base_limits or Limits(), device), conversation=conversation,
                                on_event=on_event)
    outcome = await _follow_ups(exchange, outcome, sandbox, base_limits or Limits(), device, on_event, conversation)
    try:
        report = await loop.run_in_executor(None, conclude, challenge, exchange, outcome, dict(plan.phases))
        report.timings = _timings(outcome, conversation, time.perf_counter() - started)
    except Exception as exc:  # every submission gets a verdict: a bug of ours is ours
        return failure(challenge.id, "infrastructure", "grader",
                       f"The grader failed ({type(exc).__name__}); this does not count against you.")
    return with_feedback(challenge, submission, report, exchange, outcome)


async def _follow_ups(exchange: Exchange, outcome: JobOutcome, sandbox: Sandbox, base: Limits, device: str,
                      on_event: EventHandler | None, conversation: _Conversation) -> JobOutcome:
    """Run the jobs an exchange asks for after the first (each a fresh process); the first that
    does not end well is the outcome, and every job's output is kept."""
    for _ in range(MAX_FOLLOW_UPS):
        if outcome.status != "ok" or not exchange.finished:
            return outcome
        try:
            plan = exchange.next_plan()
        except Exception as exc:  # a bug of ours: never the learner's verdict
            log.exception("next_plan failed")
            outcome.status, outcome.error = "infrastructure", f"the grader could not plan the next job ({type(exc).__name__})"
            return outcome
        if plan is None:
            return outcome
        exchange.finished = False
        follow = _Conversation(exchange)
        nxt = await sandbox.run(job_spec(plan, base, device), conversation=follow, on_event=on_event)
        conversation.trusted_s += follow.trusted_s
        nxt.stdout = (outcome.stdout + nxt.stdout)[-MAX_KEPT_OUTPUT:]
        nxt.stderr = (outcome.stderr + nxt.stderr)[-MAX_KEPT_OUTPUT:]
        nxt.wall_s += outcome.wall_s
        outcome = nxt
    return outcome


def phase_durations(outcome: JobOutcome) -> dict[str, float]:
    """Seconds each announced phase lasted, by the supervisor's clock (the last one until the job ended)."""
    marks = outcome.timings if isinstance(outcome.timings, dict) else {}
    starts = sorted((float(v), str(k).removeprefix("phase:")) for k, v in marks.items()
                    if str(k).startswith("phase:") and isinstance(v, (int, float)))
    ends = [t for t, _ in starts[1:]] + [outcome.wall_s * 1000]
    return {name: round(max(0.0, end - start) / 1000, 3) for (start, name), end in zip(starts, ends, strict=True)}


def with_feedback(challenge: Challenge, submission: Submission, report: Report, exchange: Exchange | None = None,
                  outcome: JobOutcome | None = None) -> Report:
    """The report with its diagnoses (and the shape trace, when the forward pass raised). Feedback is
    advisory: if a rule of ours breaks, the verdict goes out without it."""
    if report.status == "infrastructure":
        return report
    try:
        run = exchange.run_facts() if exchange is not None else {}
        if outcome is not None:
            run.setdefault("error", outcome.error or "")
        report.trace = list(run.get("trace") or [])
        report.diagnoses = diagnose(challenge, report, source=submission.source if challenge.spec.python_file else "",
                                    run=run, phase_s=phase_durations(outcome) if outcome is not None else {})
        if report.trace:
            report.trace_note = trace_note(report.trace, run.get("error") or "")
    except Exception:  # a diagnosis bug must never cost a verdict
        log.exception("feedback failed for %s", challenge.id)
        report.diagnoses = []
    return report


def _timings(outcome: JobOutcome, conversation: _Conversation, total_s: float) -> dict[str, float]:
    """Where a graded submission's time went: inside the learner's own code (from the first
    phase mark to the last message) and everything else."""
    marks = outcome.timings if isinstance(outcome.timings, dict) else {}
    phase_marks = [float(v) for k, v in marks.items() if str(k).startswith("phase:") and isinstance(v, (int, float))]
    inside_ms = 0.0
    if phase_marks:
        inside_ms = max(0.0, outcome.wall_s * 1000 - min(phase_marks) - conversation.trusted_s * 1000)
    return {"total_ms": round(total_s * 1000, 1), "inside_ms": round(inside_ms, 1),
            "outside_ms": round(total_s * 1000 - inside_ms, 1), "trusted_ms": round(conversation.trusted_s * 1000, 1)}
