"""The ``quiz`` kind: multiple-choice questions, data only, graded by exact match in the service."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from challenges.kinds.base import Exchange, Submission
from challenges.kinds.registry import Kind

if TYPE_CHECKING:
    from challenges.catalogue import Challenge, ChallengeSpec


class QuizKind(Kind):
    name = "quiz"

    def validate(self, spec: ChallengeSpec) -> Any:
        if spec.sections:
            raise ValueError(f"a quiz has no sections of its own: {', '.join(spec.sections)}")
        if not spec.questions or spec.pass_mark is None:
            raise ValueError("a quiz needs questions and a pass_mark")
        if not 0 < spec.pass_mark <= len(spec.questions):
            raise ValueError("pass_mark must be between 1 and the number of questions")
        return None

    def exchange(self, challenge: Challenge, submission: Submission, *, seed: int | None = None) -> Exchange:
        raise ValueError(f"{challenge.id} is a quiz: it is answered, not submitted")

    def pass_lines(self, challenge: Challenge) -> list[str]:
        return [f"{challenge.spec.pass_mark} of {len(challenge.spec.questions)} answers right"]
