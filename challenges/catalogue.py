"""Load and validate the challenge catalogue: one folder per challenge under ``content/``.

Content is data: ``challenge.toml`` (validated by the pydantic schema below), ``statement.md``,
``starter.py``, ``reference.py``, the trusted ``grader.py`` and the sandbox ``harness.py``, and
``cases/`` with known-bad submissions and the verdict each must get (``cases/cases.toml``).
Quizzes are a ``challenge.toml`` with ``kind = "quiz"`` and their questions.
"""

from __future__ import annotations

import importlib
import tomllib
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from challenges.base import CatalogueError, TrustedGrader

CONTENT_DIR = Path(__file__).parent / "content"

COMPETENCIES: dict[int, str] = {
    1: "Install torch/torchvision for CPU and GPU",
    2: "Lightweight torch in Docker",
    3: "Pre-written torch.nn / torchvision models",
    4: "torchvision, torchaudio and text datasets",
    5: "Vision networks: classification, segmentation, edge detection",
    6: "RNNs and bi-directional RNNs for text",
    7: "Denoising autoencoders",
    8: "torch on AWS SageMaker and Azure ML",
    9: "Fine-tuning a pretrained network",
}

Status = Literal["passed", "failed", "error", "timeout", "memory", "rejected", "infrastructure"]


class Resource(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    url: str

    @field_validator("url")
    @classmethod
    def _https(cls, url: str) -> str:
        if not url.startswith("https://"):
            raise ValueError("resource links must be https URLs")
        return url


class Limits(BaseModel):
    """Per-challenge limits; the sandbox's own defaults apply where these are silent."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    train_budget_s: float = Field(14.0, gt=0, description="soft budget passed as time_budget_s")
    wall_s: float = Field(20.0, gt=0, description="hard kill of the training phase")
    memory_mb: int = Field(2048, ge=256)
    threads: int = Field(2, ge=1, le=8)


class Seeds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    train: int
    test: int  # never shown to learners


class Tiers(BaseModel):
    """Tier cut-offs on the primary metric, beyond the pass threshold."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    metric: str
    higher_is_better: bool = True
    silver: float
    gold: float


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    prompt: str
    choices: list[str] = Field(min_length=2, max_length=5)
    answer: int
    explanation: str

    @model_validator(mode="after")
    def _answer_in_range(self) -> Question:
        if not 0 <= self.answer < len(self.choices):
            raise ValueError(f"answer {self.answer} is not an index into {len(self.choices)} choices")
        return self


class Case(BaseModel):
    """A known submission and the status it must get (``cases/cases.toml``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    file: str
    expected: Status
    why: str = ""


class ChallengeSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")
    title: str = Field(max_length=80)
    competency: int = Field(ge=1, le=9)
    difficulty: Literal["beginner", "intermediate", "advanced"]
    points: int = Field(ge=0, le=1000)
    kind: Literal["graded", "quiz"] = "graded"
    device: Literal["cpu", "gpu", "any"] = "cpu"
    summary: str = Field(max_length=200)
    contract: list[str] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    limits: Limits = Limits()
    seeds: Seeds | None = None
    thresholds: dict[str, float] = Field(default_factory=dict)
    tiers: Tiers | None = None
    questions: list[Question] = Field(default_factory=list)
    pass_mark: int | None = None  # quizzes: correct answers needed

    @model_validator(mode="after")
    def _kind_fields(self) -> ChallengeSpec:
        if self.kind == "quiz":
            if not self.questions or self.pass_mark is None:
                raise ValueError("a quiz needs questions and a pass_mark")
            if not 0 < self.pass_mark <= len(self.questions):
                raise ValueError("pass_mark must be between 1 and the number of questions")
        else:
            if self.seeds is None or not self.contract:
                raise ValueError("a graded challenge needs seeds and a contract")
        return self


class Challenge:
    """A validated challenge folder."""

    def __init__(self, folder: Path, spec: ChallengeSpec) -> None:
        self.folder = folder
        self.spec = spec

    @property
    def id(self) -> str:
        return self.spec.id

    @property
    def package(self) -> str:
        """Import path of the folder, e.g. ``challenges.content.shapes_classifier``."""
        return f"challenges.content.{self.folder.name}"

    @cached_property
    def statement(self) -> str:
        return (self.folder / "statement.md").read_text(encoding="utf-8")

    @cached_property
    def starter(self) -> str:
        return (self.folder / "starter.py").read_text(encoding="utf-8")

    @property
    def reference_path(self) -> Path:
        return self.folder / "reference.py"

    @property
    def starter_path(self) -> Path:
        return self.folder / "starter.py"

    def grader(self) -> TrustedGrader:
        module = importlib.import_module(f"{self.package}.grader")
        return module.GRADER  # type: ignore[no-any-return]

    def cases(self) -> list[Case]:
        path = self.folder / "cases" / "cases.toml"
        if not path.exists():
            return []
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        try:
            return [Case(**c) for c in raw.get("case", [])]
        except ValidationError as exc:
            raise CatalogueError(f"{path}: {exc}") from exc


REQUIRED_FILES = {
    "graded": ("statement.md", "starter.py", "reference.py", "grader.py", "harness.py"),
    "quiz": ("statement.md",),
}


def load_challenge(folder: Path) -> Challenge:
    toml_path = folder / "challenge.toml"
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        spec = ChallengeSpec(**raw)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise CatalogueError(f"{toml_path}: {exc}") from exc
    missing = [f for f in REQUIRED_FILES[spec.kind] if not (folder / f).is_file()]
    if missing:
        raise CatalogueError(f"{folder.name}: missing {', '.join(missing)}")
    return Challenge(folder, spec)


class Catalogue:
    """All challenges, in catalogue order (competency, then difficulty, then id)."""

    def __init__(self, challenges: list[Challenge]) -> None:
        order = {"beginner": 0, "intermediate": 1, "advanced": 2}
        self._items = sorted(
            challenges, key=lambda c: (c.spec.competency, order[c.spec.difficulty], c.spec.id)
        )
        self._by_id = {c.id: c for c in self._items}
        if len(self._by_id) != len(self._items):
            raise CatalogueError("two challenge folders share one id")

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def get(self, challenge_id: str) -> Challenge | None:
        return self._by_id.get(challenge_id)

    def ids(self) -> list[str]:
        return list(self._by_id)

    def by_competency(self, competency: int | None) -> list[Challenge]:
        return [c for c in self._items if competency is None or c.spec.competency == competency]


def load_catalogue(root: Path = CONTENT_DIR) -> Catalogue:
    folders = [p for p in sorted(root.iterdir()) if (p / "challenge.toml").is_file()]
    return Catalogue([load_challenge(p) for p in folders])
