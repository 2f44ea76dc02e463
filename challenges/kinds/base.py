"""What every challenge kind provides: a schema for its TOML section and a sans-IO exchange.

A kind turns a validated challenge folder plus one submission into an ``Exchange``: the trusted
side of one grading, written as a state machine over plain messages so that it can be driven by the
real sandbox (``sandbox.grading``), or in this process for calibration of our own files, without
changing a line. The exchange never imports the sandbox: it says *what* runs there (``SandboxPlan``)
and reacts to the messages that come back; hidden labels stay inside the exchange object.

The sandbox-side half of a kind is a module with ``main(channel, job)``, run by the sandbox core
next to the learner's code; it imports only torch, numpy and other ``*_inside`` helpers.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any, Protocol

from challenges.errors import ExchangeError
from challenges.verdict import Evaluation

__all__ = ["Call", "CallResult", "Channel", "Exchange", "ExchangeError", "Message", "RunRecord", "SandboxPlan", "Submission"]


@dataclass(frozen=True)
class Submission:
    """What the learner sent, already checked for size and encoding: file name -> text."""

    files: dict[str, str]

    @property
    def source(self) -> str:
        """The single Python file of a one-file challenge."""
        return next(iter(self.files.values()), "")

    @property
    def filename(self) -> str:
        return next(iter(self.files), "submission.py")


@dataclass(frozen=True)
class Message:
    """One message over the job channel: a type and a payload (JSON values and numpy arrays)."""

    kind: str
    payload: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SandboxPlan:
    """What to run in the sandbox for one grading.

    ``entry`` is the import path of the sandbox-side module (``main(channel, job)``); ``params`` is
    plain JSON handed to it; ``phases`` maps each phase the entry announces to its own deadline in
    seconds (a phase not listed keeps the deadline it had); ``total_s`` caps the whole job.
    """

    entry: str
    source: str
    filename: str
    params: dict[str, Any]
    phases: dict[str, float]
    total_s: float
    memory_mb: int = 2048
    threads: int = 2
    device: str = "cpu"


@dataclass
class RunRecord:
    """What the trusted side saw of a finished sandbox run (filled in by the driver)."""

    status: str = "ok"  # the sandbox's RunStatus
    phase: str | None = None
    error: str | None = None
    stdout: str = ""
    stderr: str = ""
    wall_s: float = 0.0
    losses: list[float] = field(default_factory=list)
    steps: int = 0


class Channel(Protocol):
    """The sandbox side's end of the job channel (duck-typed: kinds never import the sandbox)."""

    def send(self, kind: str, payload: dict[str, Any] | None = None, **fields: Any) -> None: ...

    def recv(self) -> dict[str, Any]: ...


class Exchange(ABC):
    """The trusted side of one grading. Drivers call, in order: ``plan``; when it is not None,
    ``opening`` and then ``receive`` for every message the sandbox sends until ``finished``; then
    ``evaluate`` with the run record (also when nothing ran in the sandbox)."""

    finished: bool = False

    @property
    @abstractmethod
    def plan(self) -> SandboxPlan | None:
        """What to run in the sandbox; None when this kind judges the files alone."""

    def opening(self) -> list[Message]:
        return []

    def receive(self, message: Message) -> list[Message]:
        """React to one message from the sandbox. Raises ``ExchangeError`` (the learner's
        fault: a protocol violation, a repeated message) or returns the messages to send."""
        raise ExchangeError(f"unexpected message {message.kind!r}")

    @abstractmethod
    def evaluate(self, run: RunRecord) -> Evaluation:
        """Checks and metrics once the sandbox is done (the driver handles crashes and timeouts)."""

    def next_plan(self) -> SandboxPlan | None:
        """After a job whose conversation finished: another job to run (a fresh process, e.g. to
        load an artifact without the learner's module), or None. When it returns a plan, the
        driver clears ``finished`` and drives ``opening``/``receive`` again for that job."""
        return None

    def run_facts(self) -> dict[str, Any]:
        """What this exchange learned of the run that feedback can diagnose (``challenges.feedback``):
        the metric against chance and baseline, steps, budgets, a shape trace. Empty by default."""
        return {}


# --- the functions kind's vocabulary (used by challenge hooks) -----------------------------------


@dataclass(frozen=True)
class Call:
    """One call the grader makes in the sandbox: ``function(*args, **kwargs)`` of the learner's
    module, or, with ``scenario``, the named function of the challenge's ``inside.py`` given the
    learner's module and the args (for set-ups plain data cannot describe: patched torch, files
    in scratch, hooked modules). Args are plain JSON values. A follow-up call (``hooks.followup``)
    runs in a fresh job without the learner's module; ``blob`` hands it the bytes an earlier call
    returned (an exported artifact) as its first argument."""

    id: str
    function: str
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    scenario: str | None = None
    blob: str | None = None  # follow-up calls: the id of an earlier call whose returned bytes come first

@dataclass(frozen=True)
class CallResult:
    """What came back from one call: a plain value (JSON, or a numpy array for tensors/arrays,
    uint8 for bytes), or the error it raised (``Type: message``)."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None
