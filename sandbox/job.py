"""Small typed values describing a sandbox job and how it ended."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RunStatus = Literal["ok", "error", "timeout", "memory", "output_limit", "killed", "rejected", "infrastructure"]


@dataclass(frozen=True)
class Limits:
    """Per-job limits. Defaults are the documented ones; settings and challenges override them."""

    wall_s: float = 20.0  # hard kill of the learner's training phase
    startup_s: float = 30.0  # interpreter start and learner module import
    predict_s: float = 15.0  # inference on the hidden inputs
    memory_mb: int = 2048  # cgroup memory limit, swap 0
    pids: int = 64  # cgroup pids limit (threads count)
    output_bytes: int = 1 << 20  # stdout+stderr kept; more kills the job
    scratch_mb: int = 64  # size of the writable scratch directory
    file_size_mb: int = 32  # RLIMIT_FSIZE
    open_files: int = 256  # RLIMIT_NOFILE
    threads: int = 2  # torch intra-op threads for the job

    @property
    def total_s(self) -> float:
        return self.startup_s + self.wall_s + self.predict_s


@dataclass(frozen=True)
class JobSpec:
    """What to run: a learner's source, and for grading the challenge harness to run it with."""

    source: str
    filename: str = "submission.py"
    harness: str | None = None  # import path of a challenge harness; None = plain script run
    time_budget_s: float = 14.0
    limits: Limits = field(default_factory=Limits)
    device: str = "cpu"


@dataclass
class JobOutcome:
    """How a job ended. ``status`` says who is to blame; predictions are untrusted data."""

    status: RunStatus
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    wall_s: float = 0.0
    phase: str | None = None  # the last stage the job announced
    error: str | None = None  # learner exception summary, or why infrastructure failed
    facts: dict[str, Any] = field(default_factory=dict)
    predictions: dict[str, Any] | None = None
    losses: list[float] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, Any] = field(default_factory=dict)  # where the wall time went (ms)
