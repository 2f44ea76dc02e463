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

    def __post_init__(self) -> None:
        if len(self.message) > MAX_CHECK_MESSAGE:
            object.__setattr__(self, "message", self.message[: MAX_CHECK_MESSAGE - 1] + "…")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Check:
        known = {k: raw[k] for k in ("name", "passed", "message", "value", "threshold", "evidence", "warning") if k in raw}
        known.setdefault("name", "?")
        known.setdefault("passed", False)
        known.setdefault("message", "")
        return cls(**known)


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
        }


def failure(challenge: str, status: str, name: str, message: str, **extra: Any) -> Report:
    """A report with one failed check (load errors, timeouts, rejections)."""
    return Report(challenge, status, [Check(name, False, message)], **extra)
