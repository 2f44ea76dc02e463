"""The ``files`` kind: the learner submits text files (a Dockerfile, requirements files, a job
YAML); static rules run here, in the trusted process, on the text with bounded parsers.

The challenge's ``hooks.py`` provides ``rules(files) -> list[Check]`` over ``{name: text}``; the
kind has already checked that the declared files are present and within their sizes.

A challenge whose files name a script to run (a job YAML's ``command: python train.py ...``) also
provides ``run(files) -> FilesRun | None`` and ``judge_run(files, calls, results) -> list[Check]``:
the named Python file is then imported in the sandbox as the learner's module and the calls
(scenarios of the challenge's ``inside.py``, as in the functions kind) run next to it; ``None``
means there is nothing to run (the rules already explain why), and ``judge_run`` then gets no
results. Files that are not run are never executed.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from challenges.errors import ExchangeError
from challenges.kinds.base import Call, CallResult, Exchange, Message, RunRecord, SandboxPlan, Submission
from challenges.kinds.common import tally
from challenges.kinds.functions import INSIDE, START_S, call_messages, read_results
from challenges.kinds.registry import CommonCase, Kind
from challenges.verdict import Evaluation

if TYPE_CHECKING:
    from challenges.catalogue import Challenge, ChallengeSpec


@dataclass(frozen=True)
class FilesRun:
    """What to run in the sandbox: the submitted Python file ``file`` as the learner's module, and
    the calls (scenarios of the challenge's ``inside.py``) to make next to it."""

    file: str
    calls: list[Call] = field(default_factory=list)


class FilesExchange(Exchange):
    def __init__(self, challenge: Challenge, submission: Submission) -> None:
        self.challenge = challenge
        self.submission = submission
        hooks = challenge.hooks
        make_run = getattr(hooks, "run", None)
        self.run: FilesRun | None = make_run(dict(submission.files)) if callable(make_run) else None
        self.results: dict[str, CallResult] = {}

    @property
    def plan(self) -> SandboxPlan | None:
        run = self.run
        if run is None or not isinstance(self.submission.files.get(run.file), str):
            return None
        lim = self.challenge.spec.limits
        phases = {"start": START_S, "load": lim.load_s, "calls": lim.call_s}
        return SandboxPlan(
            entry=INSIDE, source=self.submission.files[run.file], filename=posixpath.basename(run.file),
            params={"inside": self.challenge.inside_module}, phases=phases, total_s=sum(phases.values()),
            memory_mb=lim.memory_mb, threads=lim.threads, device=self.challenge.spec.device,
        )

    def opening(self) -> list[Message]:
        assert self.run is not None
        return [Message("calls", {"calls": call_messages(self.run.calls)})]

    def receive(self, message: Message) -> list[Message]:
        if message.kind != "results" or self.finished or self.run is None:
            raise ExchangeError(f"unexpected or repeated {str(message.kind)[:40]!r} message")
        self.results.update(read_results(self.run.calls, message.payload))
        self.finished = True
        return []

    def evaluate(self, run: RunRecord) -> Evaluation:
        hooks = self.challenge.hooks
        assert hooks is not None
        files = dict(self.submission.files)
        checks = list(hooks.rules(files))
        judge_run: Any = getattr(hooks, "judge_run", None)
        if callable(judge_run):
            checks += list(judge_run(files, self.run.calls if self.run else [], self.results))
        return tally(checks, "rules")


class FilesKind(Kind):
    name = "files"

    def validate(self, spec: ChallengeSpec) -> Any:
        if spec.python_file:
            raise ValueError("a files challenge names the files it takes ([[files]] name = ...)")
        if spec.sections:
            raise ValueError(f"unknown sections for a files challenge: {', '.join(spec.sections)}")
        return None

    def check_folder(self, challenge: Challenge) -> None:
        hooks = challenge.hooks
        if hooks is None or not callable(getattr(hooks, "rules", None)):
            raise ValueError("a files challenge has hooks.py with rules(files)")
        if callable(getattr(hooks, "run", None)) != callable(getattr(hooks, "judge_run", None)):
            raise ValueError("a files challenge that runs a file has both run(files) and judge_run(files, calls, results)")
        if callable(getattr(hooks, "run", None)) and challenge.inside_module is None:
            raise ValueError("a files challenge that runs a file has the scenarios it calls in inside.py")

    def exchange(self, challenge: Challenge, submission: Submission, *, seed: int | None = None) -> FilesExchange:
        return FilesExchange(challenge, submission)

    def pass_lines(self, challenge: Challenge) -> list[str]:
        return ["every gating rule in the statement holds"]

    def common_cases(self, challenge: Challenge) -> list[CommonCase]:
        from challenges.catalogue import Case

        first = challenge.spec.files[0].name
        binary = dict(challenge.reference_files)
        binary[first] = "\x00\x01\x02 not text \x7f" * 20
        empty = {name: "" for name in challenge.reference_files}
        return [
            CommonCase(Case(name="common:empty-files", file=first, expected="failed", why="empty files pass no rule"), empty),  # type: ignore[arg-type]
            CommonCase(Case(name="common:control-characters", file=first, expected="failed",
                            why="junk text fails the rules without crashing the parser"), binary),  # type: ignore[arg-type]
        ]
