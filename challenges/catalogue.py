"""Load and validate the challenge catalogue: one folder per challenge under ``content/``.

Content is data. ``challenge.toml`` holds the fields every challenge has (validated here) and the
sections of its kind (validated by the kind's own schema, ``challenges.kinds``); beside it sit
``statement.md``, the reference and the starter (``reference.py`` / ``starter.py`` for a one-file
Python challenge, ``reference/`` / ``starter/`` folders for multi-file ones), ``cases/`` with the
known submissions particular to it (``cases/cases.toml``; each kind adds the common ones), and an
optional small ``hooks.py`` (trusted side) or ``inside.py`` (sandbox side) for a check that is
truly its own.
"""

from __future__ import annotations

import importlib
import tomllib
from functools import cached_property
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from challenges.errors import CatalogueError
from challenges.feedback.declared import DeclaredDiagnosis
from challenges.verdict import Status

if TYPE_CHECKING:
    from challenges.kinds.registry import Kind

CONTENT_DIR = Path(__file__).parent / "content"
KIND_NAMES = ("trained", "functions", "files", "quiz")
PYTHON_FILE = "*.py"  # a files entry meaning "one Python file or notebook, any name"

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
    """Per-challenge time and resource limits (the sandbox's own defaults cover the rest)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    train_budget_s: float = Field(14.0, gt=0, description="soft budget passed to train() as time_budget_s")
    wall_s: float = Field(20.0, gt=0, description="hard stop of the training phase")
    build_s: float = Field(10.0, gt=0, description="hard stop of build_model() and the first forward pass")
    call_s: float = Field(10.0, gt=0, description="functions kind: hard stop of all calls together")
    load_s: float = Field(30.0, gt=0, description="hard stop of importing the learner's module")
    predict_s: float = Field(15.0, gt=0, description="hard stop of predicting on the hidden inputs")
    memory_mb: int = Field(2048, ge=256)
    threads: int = Field(2, ge=1, le=8)


class FileSpec(BaseModel):
    """A file the challenge takes. ``name = "*.py"`` means one Python file (or notebook) of any name."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1, max_length=120)
    max_bytes: int = Field(50_000, ge=100, le=1_000_000)
    required: bool = True


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


class Patch(BaseModel):
    """One edit of a case's base: ``old`` must stand exactly once in it (in ``file``, for a
    multi-file base), and becomes ``new``."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    old: str = Field(min_length=1)
    new: str
    file: str | None = None


class Case(BaseModel):
    """A known submission and the status it must get (``cases/cases.toml``). Either ``file``, a
    file or a folder (multi-file challenges) under ``cases/``, or ``base`` (``reference`` or
    ``starter``) with ``patch``, the edits that make it this case (none: the base as it is): a
    case that is the reference with one thing wrong says so in a few lines instead of copying it. ``fails``
    optionally names the checks that must fail."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str
    file: str | None = None
    base: Literal["reference", "starter"] | None = None
    patch: list[Patch] = Field(default_factory=list)
    expected: Status
    why: str = ""
    fails: list[str] = Field(default_factory=list)
    diagnoses: list[str] = Field(default_factory=list)  # diagnoses that must name the cause (essential or actionable)

    @model_validator(mode="after")
    def _file_or_patched_base(self) -> Case:
        if (self.file is None) == (self.base is None):
            raise ValueError(f"case {self.name!r}: give either file or base (with patch), not both or neither")
        if self.file is not None and self.patch:
            raise ValueError(f"case {self.name!r}: patch goes with base, not with file")
        return self


class ChallengeSpec(BaseModel):
    """The fields every challenge has; the kind's own sections stay in ``sections``."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{1,40}$")
    title: str = Field(max_length=80)
    competency: int = Field(ge=1, le=9)
    difficulty: Literal["beginner", "intermediate", "advanced"]
    points: int = Field(ge=0, le=1000)
    kind: Literal["trained", "functions", "files", "quiz"]
    device: Literal["cpu", "gpu", "any"] = "cpu"
    summary: str = Field(max_length=200)
    contract: list[str] = Field(default_factory=list)
    hints: list[str] = Field(default_factory=list)
    resources: list[Resource] = Field(default_factory=list)
    limits: Limits = Limits()
    tiers: Tiers | None = None
    files: list[FileSpec] = Field(default_factory=lambda: [FileSpec(name=PYTHON_FILE)])
    questions: list[Question] = Field(default_factory=list)
    pass_mark: int | None = None  # quizzes: correct answers needed
    diagnoses: list[DeclaredDiagnosis] = Field(default_factory=list)  # the challenge's classic mistakes
    #: modules the contract needs beyond the lint's allow-list (sandbox.lint.GRANTABLE_IMPORTS)
    lint_allow: list[Literal["os", "pathlib", "glob", "io", "argparse", "sagemaker_inference"]] = Field(default_factory=list)
    #: modules the sandbox's zygote imports before forking because this challenge's ``inside.py``
    #: uses them (a toolkit that imports lazily, e.g. scipy below the SageMaker decoders): imported
    #: once with the full view, not per job inside the jail
    sandbox_preload: list[str] = Field(default_factory=list, max_length=8)

    @field_validator("sandbox_preload")
    @classmethod
    def _module_names(cls, names: list[str]) -> list[str]:
        bad = [n for n in names if not all(part.isidentifier() for part in n.split("."))]
        if bad:
            raise ValueError(f"not module names: {bad}")
        return names

    @property
    def sections(self) -> dict[str, Any]:
        """The kind's own TOML sections (everything this schema does not know)."""
        return dict(self.model_extra or {})

    @property
    def python_file(self) -> bool:
        return len(self.files) == 1 and self.files[0].name == PYTHON_FILE

    @model_validator(mode="after")
    def _common(self) -> ChallengeSpec:
        if self.kind != "quiz" and not self.contract:
            raise ValueError("a graded challenge states its contract")
        names = [f.name for f in self.files]
        if len(set(names)) != len(names):
            raise ValueError("two files entries share one name")
        if PYTHON_FILE in names and len(names) > 1:
            raise ValueError(f"{PYTHON_FILE!r} stands alone: name the files of a multi-file challenge")
        return self


class Challenge:
    """A validated challenge folder with its kind."""

    def __init__(self, folder: Path, spec: ChallengeSpec, kind: Kind, config: Any) -> None:
        self.folder = folder
        self.spec = spec
        self.kind = kind
        self.config = config  # the kind's validated sections

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
    def hooks(self) -> ModuleType | None:
        """The challenge's trusted-side ``hooks.py``, when it has one."""
        path = self.folder / "hooks.py"
        if not path.is_file():
            return None
        if self.folder.parent == CONTENT_DIR:
            return importlib.import_module(f"{self.package}.hooks")
        return _module_from(path, f"_challenge_hooks_{self.folder.name}")  # a folder being written elsewhere

    @property
    def inside_module(self) -> str | None:
        """Import path of the challenge's sandbox-side ``inside.py``, when it has one."""
        return f"{self.package}.inside" if (self.folder / "inside.py").is_file() else None

    def _files_at(self, stem: str) -> dict[str, str]:
        if self.spec.python_file:
            path = self.folder / f"{stem}.py"
            return {path.name: path.read_text(encoding="utf-8")} if path.is_file() else {}
        return read_folder(self.folder / stem)

    @property
    def reference_files(self) -> dict[str, str]:
        return self._files_at("reference")

    @property
    def starter_files(self) -> dict[str, str]:
        return self._files_at("starter")

    @cached_property
    def starter(self) -> str:
        """The starter as one text (the first file of a multi-file starter, for display)."""
        files = self.starter_files
        if self.spec.python_file or len(files) <= 1:
            return next(iter(files.values()), "")
        return "\n\n".join(f"# --- {name} ---\n{text}" for name, text in files.items())

    @property
    def starter_filename(self) -> str:
        return next(iter(self.starter_files), "starter.py")

    @property
    def reference_path(self) -> Path:
        return self.folder / ("reference.py" if self.spec.python_file else "reference")

    @property
    def starter_path(self) -> Path:
        return self.folder / ("starter.py" if self.spec.python_file else "starter")

    def cases(self) -> list[Case]:
        path = self.folder / "cases" / "cases.toml"
        if not path.exists():
            return []
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        try:
            return [Case(**c) for c in raw.get("case", [])]
        except ValidationError as exc:
            raise CatalogueError(f"{path}: {exc}") from exc

    def case_files(self, case: Case) -> dict[str, str]:
        """The files of a case: its own under ``cases/``, or its base with the patch applied."""
        if case.file is not None:
            path = self.folder / "cases" / case.file
            if path.is_dir():
                return read_folder(path)
            return {path.name: path.read_text(encoding="utf-8")}
        files = dict(self.reference_files if case.base == "reference" else self.starter_files)
        for edit in case.patch:
            name = edit.file or (next(iter(files)) if len(files) == 1 else None)
            text = files.get(name or "")
            if name is None or text is None:
                raise CatalogueError(f"{self.id}: case {case.name!r}: name the file of {edit.old[:40]!r} "
                                     f"(one of {sorted(files)})")
            if text.count(edit.old) != 1:
                raise CatalogueError(f"{self.id}: case {case.name!r}: {edit.old[:60]!r} stands "
                                     f"{text.count(edit.old)} times in the {case.base}'s {name}, not once")
            files[name] = text.replace(edit.old, edit.new)
        return files

    def pass_lines(self) -> list[str]:
        """What passes, one line per gating check, for statements and embeds."""
        return self.kind.pass_lines(self)


def _module_from(path: Path, name: str) -> ModuleType:
    import importlib.util
    import sys

    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise CatalogueError(f"cannot import {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def read_folder(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (relative names, sorted), as text."""
    if not folder.is_dir():
        return {}
    return {
        str(p.relative_to(folder)): p.read_text(encoding="utf-8")
        for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts
    }


def load_challenge(folder: Path) -> Challenge:
    from challenges.kinds.registry import kinds

    toml_path = folder / "challenge.toml"
    try:
        raw = tomllib.loads(toml_path.read_text(encoding="utf-8"))
        spec = ChallengeSpec(**raw)
    except (OSError, tomllib.TOMLDecodeError, ValidationError) as exc:
        raise CatalogueError(f"{toml_path}: {exc}") from exc
    kind = kinds()[spec.kind]
    try:
        config = kind.validate(spec)
    except (ValidationError, ValueError) as exc:
        raise CatalogueError(f"{toml_path} ({spec.kind} kind): {exc}") from exc
    challenge = Challenge(folder, spec, kind, config)
    required = ["statement.md"] + ([] if spec.kind == "quiz" else [challenge.reference_path.name, challenge.starter_path.name])
    missing = [f for f in required if not (folder / f).exists()]
    if missing:
        raise CatalogueError(f"{folder.name}: missing {', '.join(missing)}")
    try:
        kind.check_folder(challenge)
    except (ValidationError, ValueError) as exc:
        raise CatalogueError(f"{folder.name}: {exc}") from exc
    return challenge


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


def sandbox_preloads(root: Path = CONTENT_DIR) -> tuple[str, ...]:
    """Every challenge's ``sandbox_preload``, read from the TOML alone (the pool is configured
    before, and without, a validated catalogue; a folder that does not parse adds nothing)."""
    names: dict[str, None] = {}
    for path in sorted(root.glob("*/challenge.toml")):
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8")).get("sandbox_preload", [])
        except (OSError, tomllib.TOMLDecodeError):
            continue
        if isinstance(raw, list):
            names.update((n, None) for n in raw if isinstance(n, str) and all(p.isidentifier() for p in n.split(".")))
    return tuple(names)


def load_catalogue(root: Path = CONTENT_DIR) -> Catalogue:
    folders = [p for p in sorted(root.iterdir()) if (p / "challenge.toml").is_file()]
    return Catalogue([load_challenge(p) for p in folders])
