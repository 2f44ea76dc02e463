"""The grading contract shared by every challenge.

A graded challenge is split in two halves so that hidden labels never meet learner code:

* the *trusted* half (``grader.py`` in the challenge folder) makes the training data, the hidden
  test inputs and labels, and turns predictions into checks and metrics;
* the *sandbox* half (``harness.py``) runs inside the sandbox next to the learner's module:
  it builds and trains the learner's model, reports plain facts about it, and predicts on the test
  inputs it is sent after training finished.

Only plain data crosses between them: JSON values and numpy arrays (never pickles).
Graders import neither Discord, nor the database, nor the sandbox.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

import numpy as np

#: A payload crossing the sandbox boundary: names mapped to numpy arrays or JSON values.
Payload = dict[str, Any]


class ChallengeError(Exception):
    """Root of the challenges package's exceptions."""


class CatalogueError(ChallengeError):
    """A challenge folder or data file is malformed."""


class PredictionError(ChallengeError):
    """The sandbox returned predictions of the wrong kind, shape or value: the learner's fault."""


@dataclass(frozen=True)
class Check:
    """One line of a verdict: what was checked, whether it held, and the numbers behind it."""

    name: str
    passed: bool
    message: str
    value: float | str | None = None
    threshold: float | str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Evaluation:
    """What the trusted half concludes from one run."""

    checks: list[Check]
    metrics: dict[str, float]
    score: float = 0.0
    tier: str | None = None
    pictures: dict[str, bytes] = field(default_factory=dict)  # name -> PNG, optional

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(c.passed for c in self.checks)


@dataclass
class HarnessContext:
    """What the sandbox half gets besides the learner module and the data."""

    time_budget_s: float
    threads: int
    report: Callable[..., None]  # report(kind="phase", name=...) / report(kind="progress", ...)
    device: str = "cpu"

    def phase(self, name: str) -> None:
        """Announce a stage (load, build, forward, train, predict): a crash says how far it got."""
        self.report(kind="phase", name=name)


class TrustedGrader(Protocol):
    """The trusted half of a graded challenge (``grader.py`` exposes ``GRADER``)."""

    def training_data(self, seed: int) -> Payload: ...

    def test_data(self, seed: int) -> tuple[Payload, Payload]:
        """(inputs sent to the sandbox after training, hidden labels kept here)."""
        ...

    def evaluate(
        self, predictions: Payload, labels: Payload, facts: Mapping[str, Any], thresholds: Mapping[str, Any]
    ) -> Evaluation: ...


def require_array(
    predictions: Payload, key: str, shape: tuple[int | None, ...], kinds: str = "fiub"
) -> np.ndarray:
    """Fetch one predicted array and check its type and shape; raise PredictionError with a
    message the learner can act on. ``kinds`` are numpy dtype kinds (f float, i int, u uint, b bool).
    """
    value = predictions.get(key)
    if not isinstance(value, np.ndarray):
        raise PredictionError(f"the sandbox returned no `{key}` array")
    if value.dtype.kind not in kinds:
        raise PredictionError(f"`{key}` has dtype {value.dtype}, expected one of kinds {kinds!r}")
    if len(value.shape) != len(shape) or any(
        want is not None and got != want for got, want in zip(value.shape, shape, strict=False)
    ):
        pretty = tuple("N" if s is None else s for s in shape)
        raise PredictionError(f"`{key}` has shape {tuple(value.shape)}, expected {pretty}")
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise PredictionError(f"`{key}` contains NaN or infinity")
    return value


def finite(x: float) -> float:
    """Metrics are stored and shown; NaN or inf would poison leaderboards."""
    return float(x) if math.isfinite(x) else 0.0
