"""The dated version data (``versions.toml``), typed, for the challenges that grade installs.

Wheel tags and torch/torchvision/torchaudio pairs go out of date; the design (§2.10) keeps them in
one file with a date stamp that learners see, instead of scattering them through graders. This
module validates that file once and answers the questions graders ask of it: which releases
exist, which wheel tag a driver's CUDA (or a system's ROCm) version maps to, and which index URL
serves a tag.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from challenges.errors import CatalogueError

__all__ = [
    "VERSIONS_PATH",
    "AzureMLData",
    "OsName",
    "Platform",
    "Release",
    "SageMakerData",
    "SageMakerImage",
    "VersionData",
    "load_versions",
    "parse_version_tuple",
    "parse_versions",
]

VERSIONS_PATH = Path(__file__).with_name("versions.toml")

OsName = Literal["linux", "windows", "macos"]

_CUDA_TAG = re.compile(r"^cu(\d{2})(\d)$")  # cu128 -> CUDA 12.8
_ROCM_TAG = re.compile(r"^rocm(\d+(?:\.\d+){1,2})$")  # rocm6.2.4 -> ROCm 6.2.4
_VERSION = re.compile(r"^\d+(?:\.\d+){0,3}$")


def parse_version_tuple(text: str) -> tuple[int, ...] | None:
    """``"12.8"`` -> ``(12, 8)``; None for anything that is not dot-separated numbers."""
    text = text.strip()
    if not _VERSION.match(text):
        return None
    return tuple(int(part) for part in text.split("."))


def cuda_tag_version(tag: str) -> tuple[int, int] | None:
    """``"cu128"`` -> ``(12, 8)``; None for a tag that is not a CUDA tag."""
    m = _CUDA_TAG.match(tag)
    return (int(m.group(1)), int(m.group(2))) if m else None


def rocm_tag_version(tag: str) -> tuple[int, ...] | None:
    """``"rocm6.2.4"`` -> ``(6, 2, 4)``; None for a tag that is not a ROCm tag."""
    m = _ROCM_TAG.match(tag)
    return parse_version_tuple(m.group(1)) if m else None


def _newest_at_most(tags: list[tuple[tuple[int, ...], str]], have: tuple[int, ...]) -> str | None:
    fitting = [(version, tag) for version, tag in tags if version <= have]
    return max(fitting)[1] if fitting else None


class Platform(BaseModel):
    """What one operating system gets: whether the PyTorch index is required, optional (PyPI's
    build may be the right one) or forbidden (PyPI only), and which build PyPI serves there."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    index: Literal["required", "optional", "forbidden"]
    pypi: str | None = None  # the build PyPI serves; None: per release (Linux: ``pypi_linux``)
    accelerators: list[Literal["cpu", "cuda", "rocm", "mps"]] = Field(min_length=1)
    arches: list[str] = Field(min_length=1)


class Release(BaseModel):
    """One torch minor release, its companions and the wheel variants published for it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    torch: str = Field(pattern=r"^\d+\.\d+$")
    torch_versions: list[str] = Field(min_length=1)
    torchvision: str = Field(pattern=r"^\d+\.\d+$")
    torchvision_versions: list[str] = Field(min_length=1)
    torchaudio_versions: list[str] = Field(min_length=1)
    torchaudio_paired: bool
    cuda: list[str] = Field(min_length=1)
    rocm: list[str] = Field(default_factory=list)
    pypi_linux: str

    @field_validator("cuda")
    @classmethod
    def _cuda_tags(cls, tags: list[str]) -> list[str]:
        bad = [t for t in tags if cuda_tag_version(t) is None]
        if bad:
            raise ValueError(f"not CUDA wheel tags (cuXYZ): {bad}")
        return tags

    @field_validator("rocm")
    @classmethod
    def _rocm_tags(cls, tags: list[str]) -> list[str]:
        bad = [t for t in tags if rocm_tag_version(t) is None]
        if bad:
            raise ValueError(f"not ROCm wheel tags (rocmX.Y): {bad}")
        return tags

    @model_validator(mode="after")
    def _consistent(self) -> Release:
        for series, versions in (
            (self.torch, self.torch_versions),
            (self.torchvision, self.torchvision_versions),
        ):
            bad = [v for v in versions if parse_version_tuple(v) is None or not v.startswith(series + ".")]
            if bad:
                raise ValueError(f"versions {bad} are not patch releases of {series}")
        bad_audio = [v for v in self.torchaudio_versions if parse_version_tuple(v) is None]
        if bad_audio:
            raise ValueError(f"torchaudio versions {bad_audio} are not versions")
        if self.torchaudio_paired and not all(v.startswith(self.torch + ".") for v in self.torchaudio_versions):
            raise ValueError(f"torchaudio_paired: every torchaudio version must be {self.torch}.x")
        if self.pypi_linux != "cpu" and self.pypi_linux not in self.cuda:
            raise ValueError(f"pypi_linux {self.pypi_linux!r} is neither 'cpu' nor one of {self.cuda}")
        return self

    @property
    def key(self) -> tuple[int, ...]:
        return parse_version_tuple(self.torch) or (0,)

    @property
    def latest_torch(self) -> str:
        return max(self.torch_versions, key=lambda v: parse_version_tuple(v) or (0,))

    @property
    def latest_torchvision(self) -> str:
        return max(self.torchvision_versions, key=lambda v: parse_version_tuple(v) or (0,))

    @property
    def latest_torchaudio(self) -> str:
        return max(self.torchaudio_versions, key=lambda v: parse_version_tuple(v) or (0,))

    def cuda_wheels(self) -> list[tuple[tuple[int, int], str]]:
        """``[((12, 6), "cu126"), ...]``, oldest first."""
        pairs = [(cuda_tag_version(t), t) for t in self.cuda]
        return sorted((v, t) for v, t in pairs if v is not None)

    def rocm_wheels(self) -> list[tuple[tuple[int, ...], str]]:
        pairs = [(rocm_tag_version(t), t) for t in self.rocm]
        return sorted((v, t) for v, t in pairs if v is not None)

    def cuda_tag_for(self, driver_cuda: str) -> str | None:
        """The newest CUDA wheel the driver runs: the newest ``cuXYZ`` <= the driver's CUDA
        version (drivers run every CUDA older than the one they report). None when the driver
        is older than every wheel of this release, or the version is not a version."""
        have = parse_version_tuple(driver_cuda)
        if have is None:
            return None
        return _newest_at_most([((*v,), t) for v, t in self.cuda_wheels()], have)

    def rocm_tag_for(self, system_rocm: str) -> str | None:
        """The newest ROCm wheel <= the system's ROCm version; None when none fits."""
        have = parse_version_tuple(system_rocm)
        if have is None:
            return None
        return _newest_at_most(self.rocm_wheels(), have)

    def tags_for(self, os_name: OsName) -> list[str]:
        """The variant indexes that carry this release for one OS."""
        if os_name == "linux":
            return ["cpu", *self.cuda, *self.rocm]
        if os_name == "windows":
            return ["cpu", *self.cuda]
        return []


class SageMakerImage(BaseModel):
    """One SageMaker PyTorch training image version: the Python tags and processors it exists for."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    py_versions: list[str] = Field(min_length=1)
    processors: list[Literal["cpu", "gpu", "inf", "trn"]] = Field(min_length=1)


class SageMakerData(BaseModel):
    """What the SageMaker SDK's own config says exists (C8.2): training image versions, the
    version aliases it resolves, and the GPU count of each GPU instance type in one region."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    region: str
    pytorch_training: dict[str, SageMakerImage] = Field(min_length=1)
    pytorch_aliases: dict[str, str]
    gpu_instances: dict[str, int]

    @model_validator(mode="after")
    def _aliases_resolve(self) -> SageMakerData:
        bad = [a for a, v in self.pytorch_aliases.items() if v not in self.pytorch_training]
        if bad:
            raise ValueError(f"sagemaker aliases {bad} name no training version")
        return self

    def resolve(self, framework_version: str) -> str | None:
        """``"2.5"`` -> ``"2.5.1"`` (as the SDK resolves an alias); None for an unknown version."""
        version = self.pytorch_aliases.get(framework_version, framework_version)
        return version if version in self.pytorch_training else None


class AzureMLData(BaseModel):
    """Azure ML curated environments (C8.3): names in use and names retired, with their source."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    source: str
    curated_pytorch: list[str] = Field(min_length=1)
    retired: list[str] = Field(default_factory=list)

    def is_retired(self, name: str) -> bool:
        return name.lower() in {r.lower() for r in self.retired}


class VersionData(BaseModel):
    """The whole file: a date stamp, the index URL pattern, the OS rules and the releases, and
    the cloud tables of competency 8 (optional, so a file for the install challenges stands alone)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    updated: dt.date
    index_url: str
    platforms: dict[OsName, Platform]
    releases: list[Release] = Field(min_length=1)
    sagemaker: SageMakerData | None = None
    azureml: AzureMLData | None = None

    @field_validator("index_url")
    @classmethod
    def _pattern(cls, url: str) -> str:
        if not url.startswith("https://") or "{tag}" not in url:
            raise ValueError("index_url must be an https URL containing {tag}")
        return url

    @model_validator(mode="after")
    def _complete(self) -> VersionData:
        missing = {"linux", "windows", "macos"} - set(self.platforms)
        if missing:
            raise ValueError(f"platforms lacks {sorted(missing)}")
        keys = [r.key for r in self.releases]
        if len(set(keys)) != len(keys):
            raise ValueError("two releases share one torch version")
        if keys != sorted(keys):
            raise ValueError("releases must be listed oldest first")
        return self

    @property
    def latest(self) -> Release:
        """The newest release: the one learners are asked to install."""
        return self.releases[-1]

    def release(self, torch_series: str) -> Release | None:
        """The release for ``"2.14"`` (a series) or ``"2.14.1"`` (a patch version)."""
        have = parse_version_tuple(torch_series)
        if have is None:
            return None
        return next((r for r in self.releases if r.key == have[:2]), None)

    def release_of_torchvision(self, version: str) -> Release | None:
        have = parse_version_tuple(version)
        if have is None:
            return None
        return next((r for r in self.releases if parse_version_tuple(r.torchvision) == have[:2]), None)

    def url(self, tag: str) -> str:
        """``"cu128"`` -> ``https://download.pytorch.org/whl/cu128``."""
        return self.index_url.format(tag=tag)

    def pypi_build(self, os_name: OsName, release: Release) -> str:
        """The build plain ``pip install torch`` gets from PyPI on one OS."""
        return self.platforms[os_name].pypi or release.pypi_linux


def parse_versions(text: str, source: str = "versions.toml") -> VersionData:
    """Validate version data from TOML text; a malformed file is a ``CatalogueError``."""
    try:
        return VersionData(**tomllib.loads(text))
    except (tomllib.TOMLDecodeError, ValidationError, TypeError) as exc:
        raise CatalogueError(f"{source}: {exc}") from exc


@cache
def load_versions(path: Path = VERSIONS_PATH) -> VersionData:
    """The version data, read and validated once per process."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise CatalogueError(f"{path}: {exc}") from exc
    return parse_versions(text, str(path))
