"""The ``files`` kind: the learner submits text files (a Dockerfile, requirements files, a job
YAML); static rules run here, in the trusted process, on the text with bounded parsers.

The challenge's ``hooks.py`` provides ``rules(files) -> list[Check]`` over ``{name: text}``; the
kind has already checked that the declared files are present and within their sizes. Nothing is
executed: no sandbox is needed (a later challenge that runs a script the files name adds a plan).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from challenges.kinds.base import Exchange, RunRecord, SandboxPlan, Submission
from challenges.kinds.common import tally
from challenges.kinds.registry import CommonCase, Kind
from challenges.verdict import Evaluation

if TYPE_CHECKING:
    from challenges.catalogue import Challenge, ChallengeSpec


class FilesExchange(Exchange):
    def __init__(self, challenge: Challenge, submission: Submission) -> None:
        self.challenge = challenge
        self.submission = submission

    @property
    def plan(self) -> SandboxPlan | None:
        return None

    def evaluate(self, run: RunRecord) -> Evaluation:
        hooks = self.challenge.hooks
        assert hooks is not None
        return tally(list(hooks.rules(dict(self.submission.files))), "rules")


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
