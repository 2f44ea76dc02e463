"""``tutor challenges validate``: every challenge's known submissions get their verdicts.

For each challenge the reference passes, the starter fails, and every case (its own in
``cases/`` and the kind's common ones) gets exactly its expected status (and, where a case names
them, those failed checks). Feedback is held to the same standard: the reference gets no
essential or actionable diagnosis, and the starter and every case that does not pass get at least
one (exactly the named ones among them, where a case names its ``diagnoses``). All jobs go to the pool at once, so validation runs in
parallel over its slots, after the references, which are graded alone.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from challenges.catalogue import Challenge
from challenges.kinds.base import Submission
from challenges.verdict import Report
from sandbox.core.job import Limits
from sandbox.core.supervisor import Sandbox
from sandbox.driver import grade


@dataclass
class CaseResult:
    name: str
    expected: str
    got: str
    fails: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    wants: list[str] = field(default_factory=list)  # diagnoses the case names
    diagnosed: list[str] = field(default_factory=list)  # the essential and actionable ones it got

    @property
    def taught(self) -> bool:
        """A submission that does not pass is told what to change; a named cause is among what it is told."""
        if self.got == "passed":
            return not self.diagnosed
        return bool(self.diagnosed) and set(self.wants) <= set(self.diagnosed)

    @property
    def ok(self) -> bool:
        return self.got == self.expected and set(self.fails) <= set(self.failed) and self.taught


@dataclass
class ChallengeResult:
    id: str
    kind: str
    reference: Report | None = None
    reference_wall_s: float = 0.0
    starter: Report | None = None
    cases: list[CaseResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        if self.reference is None:  # quizzes: nothing to run
            return True
        return (self.reference.passed and not urgent(self.reference) and self.starter is not None
                and not self.starter.passed and bool(urgent(self.starter)) and all(c.ok for c in self.cases))

    def to_json(self) -> dict[str, Any]:
        ref = self.reference
        return {
            "id": self.id, "kind": self.kind, "ok": self.ok,
            "reference": None if ref is None else {"passed": ref.passed, "status": ref.status,
                                                   "wall_s": round(self.reference_wall_s, 2), "metrics": ref.metrics,
                                                   "failed": [c.name for c in ref.checks if not c.passed],
                                                   "diagnoses": [d.name for d in ref.diagnoses], "urgent": urgent(ref)},
            "starter": None if self.starter is None else {"passed": self.starter.passed, "status": self.starter.status,
                                                          "diagnoses": urgent(self.starter)},
            "cases": [{"name": c.name, "expected": c.expected, "got": c.got, "ok": c.ok, "failed": c.failed,
                       "diagnoses": c.diagnosed, "wall_s": round(c.wall_s, 2)} for c in self.cases],
        }


def urgent(report: Report) -> list[str]:
    """The names of a report's essential and actionable diagnoses."""
    return [d.name for d in report.diagnoses if d.urgent]


async def _timed(challenge: Challenge, files: dict[str, str], sandbox: Sandbox, limits: Limits) -> tuple[Report, float]:
    started = time.monotonic()
    report = await grade(challenge, Submission(files), sandbox, base_limits=limits)
    return report, time.monotonic() - started


async def validate_challenge(challenge: Challenge, sandbox: Sandbox, limits: Limits,
                             reference: Report | None = None) -> ChallengeResult:
    """``reference``: the reference's report when it was graded already (alone, see ``validate``)."""
    result = ChallengeResult(challenge.id, challenge.spec.kind)
    if challenge.spec.kind == "quiz":
        return result
    own = [(case, challenge.case_files(case)) for case in challenge.cases()]
    common = [(c.case, c.files) for c in challenge.kind.common_cases(challenge)]
    jobs = [_timed(challenge, challenge.starter_files, sandbox, limits)]
    jobs += [_timed(challenge, files, sandbox, limits) for _, files in own + common]
    if reference is None:
        reference, _ = await _timed(challenge, challenge.reference_files, sandbox, limits)
    reports = await asyncio.gather(*jobs)
    result.reference, (result.starter, _) = reference, reports[0]
    result.reference_wall_s = reference.runtime_s  # in the sandbox, not waiting in the queue
    for (case, _), (report, wall) in zip(own + common, reports[1:], strict=True):
        failed = [c.name for c in report.checks if not c.passed and not c.warning]
        result.cases.append(CaseResult(case.name, case.expected, report.status, list(case.fails), failed, wall,
                                       list(case.diagnoses), urgent(report)))
    return result


async def validate(challenges: list[Challenge], sandbox: Sandbox, limits: Limits) -> list[ChallengeResult]:
    """References are graded first, one at a time, so each trains alone, as it was calibrated
    (a neighbour on the same cores would halve its steps); everything else then runs at once."""
    try:
        references: dict[str, Report] = {}
        for challenge in challenges:
            if challenge.spec.kind != "quiz":
                references[challenge.id], _ = await _timed(challenge, challenge.reference_files, sandbox, limits)
        return list(await asyncio.gather(*(validate_challenge(c, sandbox, limits, references.get(c.id))
                                           for c in challenges)))
    finally:
        await sandbox.idle()
