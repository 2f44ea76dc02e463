"""What the trusted side knows of a finished grading, as the facts the diagnosis rules read.

Built from the report (status, stage, checks, metrics), the run record (phase durations measured
by the supervisor's clock) and what the kind's exchange learned (loss series, steps, the metric
against chance, baseline and the training split). The loss series and the step count are
sandbox-observed: advisory only, as everything diagnosed is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from challenges.verdict import Report

TAIL = 0.2  # share of the loss series that counts as "the end"
SETTLED = 0.2  # a loss below this share of where it started has done most of its falling


@dataclass(frozen=True)
class MetricFacts:
    """The challenge's main metric for this run, with what it is compared against."""

    name: str
    what: str
    value: float
    threshold: float
    higher_is_better: bool
    baseline: float | None = None  # the grader-computed baseline on the same hidden split
    baseline_name: str | None = None
    chance: float | None = None  # always answering the most common label
    train_value: float | None = None  # on a slice of the training split

    def better(self, a: float, b: float) -> float:
        """How much better ``a`` is than ``b`` (negative: worse)."""
        return a - b if self.higher_is_better else b - a


@dataclass(frozen=True)
class RunFacts:
    status: str
    stage: str | None
    passed: bool
    checks_failed: list[str]
    failed_messages: list[str]
    metrics: dict[str, float]
    metric: MetricFacts | None = None
    losses: list[float] = field(default_factory=list)
    steps: int = 0
    train_s: float | None = None
    budget_s: float | None = None
    hard_limit_s: float | None = None
    memory_mb: int | None = None
    error: str = ""
    traced: bool = False  # a shape trace of the failing forward pass came back

    @property
    def finite_losses(self) -> list[float]:
        return [x for x in self.losses if math.isfinite(x)]

    def loss_settled(self) -> bool:
        """The loss already fell most of the way: the last tenth is under a fifth of the first."""
        first, last = self.loss_window(0.0, 0.1), self.loss_window(0.9, 1.0)
        return first is not None and last is not None and first > 0 and last < SETTLED * first

    def loss_window(self, start: float, end: float) -> float | None:
        """Mean loss over a slice of the series given as shares (0-1) of its length."""
        losses = self.losses
        n = len(losses)
        a, b = int(n * start), max(int(n * start) + 1, int(n * end))
        part = [x for x in losses[a:b] if math.isfinite(x)]
        return sum(part) / len(part) if part else None

    def names(self) -> dict[str, float]:
        """The vocabulary of a challenge's declared predicates: every metric, the run's facts, and
        ``failed_<check>`` = 1 for each check that failed (absent when it held)."""
        out: dict[str, float] = {k: v for k, v in self.metrics.items() if isinstance(v, (int, float))}
        out.update({"passed": float(self.passed), "steps": float(self.steps), "n_losses": float(len(self.losses))})
        out.update({f"failed_{name}": 1.0 for name in self.checks_failed if name.isidentifier()})
        if self.train_s is not None:
            out["train_s"] = self.train_s
        if self.budget_s:
            out["budget_s"] = self.budget_s
            if self.train_s is not None:
                out["budget_used"] = self.train_s / self.budget_s
        first, last = self.loss_window(0.0, 0.1), self.loss_window(1 - TAIL / 2, 1.0)
        if first is not None and last is not None:
            out.update({"loss_first": first, "loss_last": last})
        if self.metric is not None:
            m = self.metric
            out.update({"metric": m.value, "threshold": m.threshold})
            for key, value in (("baseline", m.baseline), ("chance", m.chance), ("train_metric", m.train_value)):
                if value is not None:
                    out[key] = value
        return out


def facts_of(report: Report, exchange_facts: dict[str, Any], phase_s: dict[str, float]) -> RunFacts:
    metric = exchange_facts.get("metric")
    return RunFacts(
        status=report.status, stage=report.phase, passed=report.passed,
        checks_failed=[c.name for c in report.checks if not c.passed and not c.warning],
        failed_messages=[c.message for c in report.checks if not c.passed and not c.warning],
        metrics=dict(report.metrics), metric=metric if isinstance(metric, MetricFacts) else None,
        losses=list(report.losses), steps=int(exchange_facts.get("steps", 0) or 0),
        train_s=phase_s.get("train"), budget_s=exchange_facts.get("budget_s"),
        hard_limit_s=exchange_facts.get("hard_limit_s"), memory_mb=exchange_facts.get("memory_mb"),
        error=str(exchange_facts.get("error") or ""), traced=bool(exchange_facts.get("trace")),
    )
