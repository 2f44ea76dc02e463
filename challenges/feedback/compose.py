"""One entry point: every diagnosis a graded submission earns, most important first."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from challenges.feedback.code_analyzers import Context, code_diagnoses
from challenges.feedback.declared import declared_diagnoses
from challenges.feedback.facts import facts_of
from challenges.feedback.outcome import outcome_diagnoses
from challenges.feedback.run_rules import run_diagnoses
from challenges.verdict import Diagnosis, Report, by_urgency

if TYPE_CHECKING:
    from challenges.catalogue import Challenge

MAX_DIAGNOSES = 8
MAX_CHECKS = 3  # failed checks turned into diagnoses; the verdict lists every check anyway
GRADED = ("passed", "failed")

#: The next step for a failed check that says no more, by kind.
DEFAULT_ADVICE = {
    "trained": "Work through the challenge's hints in order (/challenge hint): each says what this check needs.",
    "functions": "Call your function locally with the arguments the case names and compare the result with the "
                 "contract in the statement.",
    "files": "The statement lists each rule with an example; fix the line the check names and submit again.",
}


def _check_diagnoses(challenge: Challenge, report: Report) -> list[Diagnosis]:
    """A failed check that no run rule explains still gets a next step."""
    default = DEFAULT_ADVICE.get(challenge.spec.kind, DEFAULT_ADVICE["trained"])
    failed = [c for c in report.checks if not c.passed and not c.warning]
    out = [Diagnosis(f"check:{c.name}", "actionable", c.message, c.advice or default, "run") for c in failed[:MAX_CHECKS]]
    if len(failed) > MAX_CHECKS:
        out.append(Diagnosis("more_checks_failed", "informative", f"{len(failed) - MAX_CHECKS} more checks failed "
                             f"({', '.join(c.name for c in failed[MAX_CHECKS:MAX_CHECKS + 5])}).",
                             "Fix the first ones: later checks often fail for the same reason."))
    return out


def diagnose(challenge: Challenge, report: Report, *, source: str = "", run: dict[str, Any] | None = None,
             phase_s: dict[str, float] | None = None) -> list[Diagnosis]:
    """The diagnoses for ``report``. ``source`` is the submitted Python file (for the code
    analyzers), ``run`` what the kind's exchange learned of the run (``Exchange.run_facts``),
    ``phase_s`` the supervisor's phase durations in seconds."""
    run = run or {}
    facts = facts_of(report, run, phase_s or {})
    found: list[Diagnosis] = outcome_diagnoses(facts)
    if report.status in GRADED:
        found += declared_diagnoses(list(challenge.spec.diagnoses), facts)  # the most specific first
        if challenge.spec.kind == "trained":
            found += run_diagnoses(facts)
        found += _check_diagnoses(challenge, report)
    if challenge.spec.python_file and report.status != "rejected":
        found += code_diagnoses(source, Context(predict=run.get("predict_function")))
    if report.passed:  # honest: a pass is never told it must change something
        found = [replace(d, kind="informative") if d.urgent else d for d in found]
    return by_urgency(found)[:MAX_DIAGNOSES]
