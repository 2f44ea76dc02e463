"""The kinds, by name, and what each must provide."""

from __future__ import annotations

import secrets
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from challenges.kinds.base import Exchange, Submission

if TYPE_CHECKING:
    from challenges.catalogue import Case, Challenge, ChallengeSpec


@dataclass(frozen=True)
class CommonCase:
    """A bad submission every challenge of a kind gets without a file of its own."""

    case: Case
    files: dict[str, str]


def draw_seed() -> int:
    """A fresh 64-bit seed from the OS: hidden test splits cannot be searched for."""
    return secrets.randbits(64)


class Kind(ABC):
    """A challenge kind: its schema, its exchange, and the bad submissions common to it."""

    name: str
    #: Sandbox-side modules of this kind (exported into the jail and preloaded by the zygote).
    inside_modules: tuple[str, ...] = ()

    @abstractmethod
    def validate(self, spec: ChallengeSpec) -> Any:
        """Validate the kind's own TOML sections; return the typed config."""

    def check_folder(self, challenge: Challenge) -> None:  # noqa: B027 (optional: most kinds need nothing)
        """Further checks once the folder is known (hooks present, probes consistent)."""

    @abstractmethod
    def exchange(self, challenge: Challenge, submission: Submission, *, seed: int | None = None) -> Exchange:
        """The trusted side of grading one submission. ``seed`` fixes the hidden data (calibration
        of our own files only); by default it is drawn fresh per run."""

    def pass_lines(self, challenge: Challenge) -> list[str]:
        return []

    def common_cases(self, challenge: Challenge) -> list[CommonCase]:
        return []


_KINDS: dict[str, Kind] = {}


def kinds() -> dict[str, Kind]:
    """Every kind by name (built on first use: the kinds import the catalogue, which asks for them)."""
    if not _KINDS:
        from challenges.kinds.files import FilesKind
        from challenges.kinds.functions import FunctionsKind
        from challenges.kinds.quiz import QuizKind
        from challenges.kinds.trained import TrainedKind

        _KINDS.update({k.name: k for k in (TrainedKind(), FunctionsKind(), FilesKind(), QuizKind())})
    return _KINDS


def inside_modules() -> tuple[str, ...]:
    """Every kind's sandbox-side modules."""
    return tuple(sorted({m for kind in kinds().values() for m in kind.inside_modules}))
