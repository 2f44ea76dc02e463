"""The verdict vocabulary: checks, evaluations and the report, one module for every face.

Front ends import these to render a verdict without importing the sandbox. Every ``Check`` says
where its evidence came from:

* ``trusted``: computed outside the sandbox, from predictions scored against hidden labels, from
  returned outputs, or from weights that came back as plain arrays;
* ``sandbox-observed``: seen next to learner code (module types, ``requires_grad`` flags, hooks,
  grad mode). Learner code shares that interpreter and can forge it, so points on a ``trained``
  challenge never rest on it alone.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

#: How a graded submission ended. ``infrastructure`` is our fault: retried, never counted.
Status = Literal["passed", "failed", "error", "timeout", "memory", "rejected", "infrastructure"]
STATUSES: tuple[str, ...] = ("passed", "failed", "error", "timeout", "memory", "rejected", "infrastructure")

Evidence = Literal["trusted", "sandbox-observed"]
TRUSTED: Evidence = "trusted"
OBSERVED: Evidence = "sandbox-observed"

#: Points multiplier per tier.
TIER_MULTIPLIER: dict[str | None, float] = {None: 1.0, "bronze": 1.0, "silver": 1.25, "gold": 1.5}

MAX_CHECK_MESSAGE = 500  # characters of one check's message (learner text may end up in it)
MAX_DIAGNOSIS_TEXT = 400  # characters of a diagnosis's evidence or next step

#: How a diagnosis asks to be read (Exercism's analyzer vocabulary), most urgent first:
#: ``essential`` is why the run cannot pass, ``actionable`` a concrete change that would help,
#: ``informative`` a fact worth knowing, ``celebratory`` what went well.
DiagnosisKind = Literal["essential", "actionable", "informative", "celebratory"]
DIAGNOSIS_KINDS: tuple[str, ...] = ("essential", "actionable", "informative", "celebratory")
#: Where a diagnosis comes from: the run's facts, the submission's code, or the challenge's own rules.
DiagnosisSource = Literal["run", "code", "challenge", "outcome"]


def finite(x: float) -> float:
    """Metrics are stored and shown; NaN or inf would poison leaderboards."""
    return float(x) if math.isfinite(x) else 0.0


@dataclass(frozen=True)
class Check:
    """One line of a verdict: what was checked, whether it held, the numbers, and the evidence."""

    name: str
    passed: bool
    message: str
    value: float | str | None = None
    threshold: float | str | None = None
    evidence: Evidence = TRUSTED
    warning: bool = False  # shown, never fails the verdict (a style or robustness note)
    advice: str = ""  # the next step when it fails (feedback shows it as a diagnosis)

    def __post_init__(self) -> None:
        if len(self.message) > MAX_CHECK_MESSAGE:
            object.__setattr__(self, "message", self.message[: MAX_CHECK_MESSAGE - 1] + "…")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Check:
        known = {k: raw[k] for k in ("name", "passed", "message", "value", "threshold", "evidence", "warning", "advice")
                 if k in raw}
        known.setdefault("name", "?")
        known.setdefault("passed", False)
        known.setdefault("message", "")
        return cls(**known)


@dataclass(frozen=True)
class Diagnosis:
    """Feedback that teaches: what the run or the code shows (``evidence``, one sentence with the
    numbers) and one concrete ``next_step``. Never changes the verdict."""

    name: str
    kind: DiagnosisKind
    evidence: str
    next_step: str
    source: DiagnosisSource = "run"
    line: int | None = None  # the submission's line, for code analyzers

    def __post_init__(self) -> None:
        for attr in ("evidence", "next_step"):
            text = getattr(self, attr)
            if len(text) > MAX_DIAGNOSIS_TEXT:
                object.__setattr__(self, attr, text[: MAX_DIAGNOSIS_TEXT - 1] + "…")

    @property
    def urgent(self) -> bool:
        """Essential or actionable: something to change."""
        return self.kind in ("essential", "actionable")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Diagnosis:
        kind = raw.get("kind") if raw.get("kind") in DIAGNOSIS_KINDS else "informative"
        line = raw.get("line")
        return cls(str(raw.get("name", "?")), kind, str(raw.get("evidence", "")), str(raw.get("next_step", "")),  # type: ignore[arg-type]
                   raw.get("source", "run") if raw.get("source") in ("run", "code", "challenge", "outcome") else "run",
                   line if isinstance(line, int) else None)


def by_urgency(diagnoses: list[Diagnosis]) -> list[Diagnosis]:
    """Most important first (stable within a kind), one per name."""
    seen: set[str] = set()
    unique = [d for d in diagnoses if not (d.name in seen or seen.add(d.name))]  # type: ignore[func-returns-value]
    return sorted(unique, key=lambda d: DIAGNOSIS_KINDS.index(d.kind))


@dataclass(frozen=True)
class LayerRow:
    """One row of the shape trace: a layer as a probe batch went through it (``output`` None: it raised)."""

    layer: str
    type: str
    input: str
    output: str | None
    params: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def at_least(name: str, value: float, threshold: float, what: str, evidence: Evidence = TRUSTED) -> Check:
    ok = math.isfinite(value) and value >= threshold
    return Check(name, ok, f"{what} {value:.4g} {'>=' if ok else '<'} {threshold:.4g}", finite(value), threshold, evidence)


def at_most(name: str, value: float, threshold: float, what: str, evidence: Evidence = TRUSTED) -> Check:
    ok = math.isfinite(value) and value <= threshold
    return Check(name, ok, f"{what} {value:.4g} {'<=' if ok else '>'} {threshold:.4g}", finite(value), threshold, evidence)


@dataclass(frozen=True)
class Evaluation:
    """What a kind concludes from one run, before statuses and points."""

    checks: list[Check]
    metrics: dict[str, float] = field(default_factory=dict)
    score: float = 0.0
    tier: str | None = None
    pictures: dict[str, bytes] = field(default_factory=dict)  # name -> PNG

    @property
    def passed(self) -> bool:
        """Every non-warning check holds, and at least one trusted check does."""
        gating = [c for c in self.checks if not c.warning]
        return bool(gating) and all(c.passed for c in gating) and any(c.evidence == TRUSTED for c in gating)


@dataclass
class Report:
    """A verdict, ready to store and render. ``status`` is one of ``STATUSES``."""

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
    timings: dict[str, float] = field(default_factory=dict)  # ms outside/inside the learner's code
    diagnoses: list[Diagnosis] = field(default_factory=list)
    trace: list[LayerRow] = field(default_factory=list)  # the shape trace, when the forward raised
    trace_note: str = ""  # what the trace shows went wrong (the mismatch, named)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def to_json(self) -> dict[str, Any]:
        return {
            "challenge": self.challenge, "status": self.status, "passed": self.passed,
            "score": round(self.score, 4), "tier": self.tier, "points": self.points,
            "checks": [c.to_dict() for c in self.checks], "metrics": self.metrics,
            "runtime_s": round(self.runtime_s, 3), "phase": self.phase,
            "stdout": self.stdout, "stderr": self.stderr,
            "diagnoses": [d.to_dict() for d in self.diagnoses],
            "trace": [r.to_dict() for r in self.trace], "trace_note": self.trace_note,
        }

    def feedback_json(self) -> dict[str, Any]:
        """What storage keeps of the feedback (the mentor's view shows it)."""
        return {"diagnoses": [d.to_dict() for d in self.diagnoses], "trace": [r.to_dict() for r in self.trace],
                "trace_note": self.trace_note}


def failure(challenge: str, status: str, name: str, message: str, **extra: Any) -> Report:
    """A report with one failed check (load errors, timeouts, rejections)."""
    return Report(challenge, status, [Check(name, False, message)], **extra)
