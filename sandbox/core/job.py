"""Small typed values describing a sandbox job and how it ended.

The default limits are written here, once: settings override them per deployment, a caller's
``JobSpec`` per job.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

RunStatus = Literal["ok", "error", "timeout", "memory", "output_limit", "killed", "rejected", "infrastructure"]


@dataclass(frozen=True)
class Limits:
    """Per-job resource limits with their documented defaults."""

    total_s: float = 65.0  # hard wall-clock cap of the whole job, whatever its phases say
    memory_mb: int = 2048  # cgroup memory limit, swap 0
    pids: int = 64  # cgroup pids limit (threads count)
    output_bytes: int = 1 << 20  # stdout+stderr kept; more kills the job
    scratch_mb: int = 64  # size of the writable scratch directory
    file_size_mb: int = 32  # RLIMIT_FSIZE
    open_files: int = 256  # RLIMIT_NOFILE
    threads: int = 2  # torch intra-op threads for the job
    max_messages: int = 10_000  # messages one job may send over its channel
    max_message_bytes: int = 64 << 20  # bytes of one message (all its frames)
    max_channel_bytes: int = 256 << 20  # bytes of all its messages together; keep it a few max_message_bytes


@dataclass(frozen=True)
class JobSpec:
    """What to run.

    ``entry`` is the import path of a module with ``main(channel, job)`` that runs next to the
    learner's source (a grading layer's sandbox side); None runs the source as a plain script.
    ``params`` is plain JSON handed to the entry. ``phases`` maps each phase name the entry may
    announce to its own deadline in seconds, counted from the announcement and capped by
    ``limits.total_s``; the job starts in phase ``start``.
    """

    source: str
    filename: str = "submission.py"
    entry: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    phases: dict[str, float] = field(default_factory=dict)
    limits: Limits = field(default_factory=Limits)
    device: str = "cpu"

    def phase_limit(self, name: str) -> float | None:
        return self.phases.get(name)


@dataclass
class JobOutcome:
    """How a job ended. ``status`` says who is to blame; nothing in it is trusted data."""

    status: RunStatus
    exit_code: int | None = None
    signal: int | None = None
    stdout: str = ""
    stderr: str = ""
    wall_s: float = 0.0
    phase: str | None = None  # the last phase the job announced
    error: str | None = None  # learner exception summary, or why infrastructure failed
    traceback: str | None = None
    violations: list[dict[str, Any]] = field(default_factory=list)
    timings: dict[str, Any] = field(default_factory=dict)  # where the wall time went (ms)
