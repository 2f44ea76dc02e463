"""C1.1 ``install-command``: the trusted half of a ``functions`` challenge.

The learner writes ``pip_command(platform) -> str``. We call it on about ten machines that each
exercise one install rule (CPU index, newest CUDA wheel the driver runs, ROCm, Windows, macOS's
PyPI wheels, arm64) and read each returned command the way a shell and pip would: ``shlex`` for
the words, ``packaging`` for the requirements, the version data file for what exists. The rules
come from that one dated file (``challenges/versions.toml``), so refreshing it moves the
challenge with it. Every returned value is hostile data: bounded, never executed, never echoed
raw.
"""

from __future__ import annotations

import random
import re
import shlex
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, cast

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import Specifier
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from challenges.kinds.base import Call, CallResult
from challenges.verdict import Check
from challenges.versions import OsName, Release, VersionData, load_versions, parse_version_tuple

__all__ = [
    "FUNCTION",
    "MAX_RESULT_CHARS",
    "CommandRejected",
    "calls",
    "driver_table",
    "expected_tag",
    "judge",
    "parse_command",
    "render_driver_table",
]

FUNCTION = "pip_command"
MAX_RESULT_CHARS = 2000
PYTORCH_INDEX_HOST = "download.pytorch.org"

#: CUDA versions a driver may report (``nvidia-smi``), to pick realistic machines from.
DRIVER_CUDA = ("11.8", "12.0", "12.1", "12.2", "12.4", "12.6", "12.8", "12.9", "13.0", "13.1", "13.2")

_PIP = re.compile(r"^pip(?:3(?:\.\d+)?)?$")
_PYTHON = re.compile(r"^(?:python(?:3(?:\.\d+)?)?|py)$")
_SHELL_OPERATORS = set("();<>|&")
_NOT_PIP = {"conda", "mamba", "micromamba", "uv", "poetry", "pipx", "pdm", "apt", "apt-get", "brew"}

#: pip install options that take a value (``--opt VALUE``); their value is not a requirement.
_VALUE_OPTIONS = {
    "-t", "--target", "--prefix", "--root", "--cache-dir", "--trusted-host", "--timeout", "--retries",
    "--proxy", "--progress-bar", "--upgrade-strategy", "--log", "--log-file", "--src", "--exists-action",
    "--cert", "--client-cert", "--python-version", "--platform", "--abi", "--implementation",
    "--only-binary", "--no-binary", "--config-settings", "-C", "--global-option", "--report",
    "--root-user-action", "--keyring-provider", "--python", "--use-feature", "--use-deprecated",
}
_SOURCE_OPTIONS = {
    "-r": "a requirements file", "--requirement": "a requirements file",
    "-c": "a constraints file", "--constraint": "a constraints file",
    "-e": "an editable install", "--editable": "an editable install",
    "-f": "--find-links", "--find-links": "--find-links",
}
_WRAPPERS = ("torch", "torchvision", "torchaudio")


class CommandRejected(ValueError):
    """The returned value is not a pip install command we can read; the message says why."""


@dataclass
class Command:
    """What one returned command asks pip to do."""

    requirements: dict[str, Requirement]  # canonical name -> requirement
    index_url: str | None = None
    extra_index_urls: list[str] = field(default_factory=list)


# --- the rules, from the version data ------------------------------------------------------------


def _data() -> VersionData:
    return load_versions()


def _os(platform: Mapping[str, Any]) -> OsName:
    name = str(platform.get("os", "")).lower()
    if name in ("linux", "windows", "macos"):
        return cast(OsName, name)
    raise ValueError(f"unknown os {name!r}")


def expected_tag(platform: Mapping[str, Any], release: Release | None = None) -> str | None:
    """The wheel variant a machine needs: ``"cpu"``, a ``"cuXYZ"`` or ``"rocmX.Y"`` tag, or None
    for PyPI's own wheels (macOS). CUDA: the newest wheel <= the driver's CUDA version; ROCm: the
    newest wheel <= the system's ROCm; when none fits, the CPU wheel (the GPU cannot be used by
    this release until the driver or ROCm is upgraded)."""
    release = release or _data().latest
    os_name = _os(platform)
    if os_name == "macos":
        return None
    accelerator = str(platform.get("accelerator", "cpu")).lower()
    if accelerator == "cuda":
        return release.cuda_tag_for(str(platform.get("cuda_version") or "")) or "cpu"
    if accelerator == "rocm" and os_name == "linux":
        return release.rocm_tag_for(str(platform.get("rocm_version") or "")) or "cpu"
    return "cpu"


def _dotted(version: tuple[int, ...]) -> str:
    return ".".join(str(p) for p in version)


def driver_table(release: Release | None = None) -> list[tuple[str, str]]:
    """Driver CUDA version (as ``nvidia-smi`` reports it) -> wheel tag, for the target release:
    ``[("older than 12.6", "cpu"), ("12.6 to below 12.8", "cu126"), ..., ("13.2 or newer", "cu132")]``."""
    release = release or _data().latest
    wheels = release.cuda_wheels()
    rows = [(f"older than {_dotted(wheels[0][0])}", "cpu")]
    for (version, tag), following in zip(wheels, [*wheels[1:], None], strict=True):
        span = f"{_dotted(version)} to below {_dotted(following[0])}" if following else f"{_dotted(version)} or newer"
        rows.append((span, tag))
    return rows


def render_driver_table(release: Release | None = None) -> str:
    """The driver table as Markdown, for the statement and the hints."""
    lines = ["| driver CUDA (`nvidia-smi`) | wheel tag |", "|---|---|"]
    lines += [f"| {span} | `{tag}` |" for span, tag in driver_table(release)]
    return "\n".join(lines)


# --- the cases -------------------------------------------------------------------------------------


def _machine(rng: random.Random, os_name: str, arch: str, accelerator: str, **versions: str) -> dict[str, Any]:
    platform: dict[str, Any] = {"os": os_name, "arch": arch, "accelerator": accelerator}
    for key in ("cuda_version", "rocm_version"):
        if key in versions:
            platform[key] = versions[key]
        elif rng.random() < 0.5:  # the contract allows both: absent or None
            platform[key] = None
    return platform


def _driver_choices(release: Release) -> dict[str, list[str]]:
    wheels = [v for v, _ in release.cuda_wheels()]
    known = [v for v in (parse_version_tuple(s) for s in DRIVER_CUDA) if v is not None]
    newest = wheels[-1]
    return {
        "exact": [_dotted(v) for v in wheels],
        "between": [_dotted(v) for v in known if wheels[0] < v < newest and v not in wheels],
        "newer": [_dotted((newest[0], newest[1] + 2)), _dotted((newest[0], newest[1] + 4)), _dotted((newest[0] + 1, 0))],
        "older": [_dotted(v) for v in known if v < wheels[0]],
    }


def calls(rng: random.Random) -> list[Call]:
    """About ten machines, one install rule each. The rng picks equivalent versions (which exact
    CUDA wheel, which newer driver...) and the order; the rules covered never change."""
    release = _data().latest
    drivers = _driver_choices(release)
    rocm_wheels = [v for v, _ in release.rocm_wheels()] or [(7, 0)]
    newest_rocm = rocm_wheels[-1]
    patched = (*newest_rocm, 1) if len(newest_rocm) == 2 else (*newest_rocm[:-1], newest_rocm[-1] + 1)
    rocm = rng.choice([_dotted(newest_rocm), _dotted(patched)])  # a system ROCm the newest wheel fits
    machines: dict[str, dict[str, Any]] = {
        "linux-cpu": _machine(rng, "linux", "x86_64", "cpu"),
        "linux-arm64-cpu": _machine(rng, "linux", rng.choice(["aarch64", "arm64"]), "cpu"),
        "linux-cuda-exact": _machine(rng, "linux", "x86_64", "cuda", cuda_version=rng.choice(drivers["exact"])),
        "linux-cuda-between": _machine(rng, "linux", "x86_64", "cuda", cuda_version=rng.choice(drivers["between"])),
        "linux-cuda-newer": _machine(rng, "linux", "x86_64", "cuda", cuda_version=rng.choice(drivers["newer"])),
        "linux-cuda-older": _machine(rng, "linux", "x86_64", "cuda", cuda_version=rng.choice(drivers["older"])),
        "linux-rocm": _machine(rng, "linux", "x86_64", "rocm", rocm_version=rocm),
        "windows-cuda": _machine(rng, "windows", "AMD64", "cuda",
                                 cuda_version=rng.choice(drivers["exact"] + drivers["between"])),
        "windows-cpu": _machine(rng, "windows", "AMD64", "cpu"),
        "macos-mps": _machine(rng, "macos", "arm64", "mps"),
        "macos-cpu": _machine(rng, "macos", "arm64", "cpu"),
    }
    order = list(machines)
    rng.shuffle(order)
    return [Call(id=name, function=FUNCTION, args=(machines[name],)) for name in order]


# --- reading a command -----------------------------------------------------------------------------


def _show(text: str, limit: int = 60) -> str:
    """Learner text made safe to quote in a message: printable, no backticks, bounded."""
    head = text[: limit + 1]
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in head[:limit])
    return f"`{clean}{'…' if len(head) > limit else ''}`"


def _type_name(value: object) -> str:
    name = type(value).__name__
    if name == "ndarray":
        return "bytes or an array (it came back as an array)"
    return {"NoneType": "None", "list": "a list", "dict": "a dict", "int": "an int", "float": "a float",
            "bool": "a bool"}.get(name, name)


def _lex(text: str) -> list[str]:
    lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    return list(lexer)


def _arguments(text: str) -> list[str]:
    """The words after ``install``, or CommandRejected."""
    try:
        words = _lex(text)
    except ValueError as exc:
        raise CommandRejected(f"a shell cannot split this command ({exc}): check the quotes") from None
    operators = [w for w in words if w and set(w) <= _SHELL_OPERATORS]
    if operators:
        raise CommandRejected(
            f"{_show(operators[0], 10)} is a shell operator (unquoted, `>`/`<` redirect and `&&`/`;`/`|` chain "
            "commands): return one pip command, and quote a specifier like 'torch>=2' if you ever need one")
    if not words:
        raise CommandRejected("the command is empty")
    first = words[0].replace("\\", "/").rsplit("/", 1)[-1]
    if first == "sudo":
        raise CommandRejected("do not install torch with sudo: use a virtual environment; return the pip command alone")
    if first.startswith(("!", "%")):
        raise CommandRejected(f"{_show(first, 12)} is notebook syntax: return the plain shell command")
    if first in _NOT_PIP:
        raise CommandRejected(f"{_show(first, 12)} is not pip: this challenge asks for a pip command")
    if _PIP.match(first):
        rest = words[1:]
    elif _PYTHON.match(first) and words[1:3] == ["-m", "pip"]:
        rest = words[3:]
    else:
        raise CommandRejected("a pip command starts with `pip install`, `pip3 install` or `python -m pip install`; "
                              f"this one starts with {_show(' '.join(words[:3]), 40)}")
    if not rest or rest[0] != "install":
        raise CommandRejected(f"the pip subcommand must be `install`, right after pip (got {_show(' '.join(rest[:1]) or 'nothing', 20)})")
    return rest[1:]


def parse_command(value: object) -> Command:
    """Read a returned value as a pip install command, or raise CommandRejected saying why not."""
    if not isinstance(value, str):
        raise CommandRejected(f"pip_command must return a str (one shell command); it returned {_type_name(value)}")
    if len(value) > MAX_RESULT_CHARS:
        raise CommandRejected(f"the command is {len(value)} characters long; one pip install command fits in {MAX_RESULT_CHARS}")
    text = value.replace("\\\r\n", " ").replace("\\\n", " ").strip()
    if "\n" in text or "\r" in text:
        raise CommandRejected("return one command on one line (a line ending in a backslash continues it)")
    control = next((ch for ch in text if not ch.isprintable() and ch != "\t"), None)
    if control is not None:
        raise CommandRejected(f"the command contains the invisible character U+{ord(control):04X} (a NUL byte, an ANSI "
                              "colour code, a zero-width space...): return plain text")
    if not text:
        raise CommandRejected("the command is empty")
    args = _arguments(text)
    command = Command(requirements={})
    i = 0
    while i < len(args):
        word = args[i]
        i += 1
        if word.startswith("-") and word != "-":
            name, eq, attached = word.partition("=")
            if not word.startswith("--") and len(word) > 2 and word[1] in "irfce":  # -iURL, -rFILE
                name, eq, attached = word[:2], "=", word[2:]
            value_of: str | None = attached if eq else None
            takes_value = name in ("-i", "--index-url", "--extra-index-url") or name in _SOURCE_OPTIONS
            if takes_value and value_of is None:
                if i >= len(args):
                    raise CommandRejected(f"{_show(name, 20)} needs a value after it")
                value_of = args[i]
                i += 1
            if name in ("-i", "--index-url"):
                if command.index_url is not None:
                    raise CommandRejected("two --index-url options: pip keeps only the last one; give one")
                command.index_url = value_of
            elif name == "--extra-index-url":
                command.extra_index_urls.append(value_of or "")
            elif name in _SOURCE_OPTIONS:
                raise CommandRejected(f"{_SOURCE_OPTIONS[name]} ({_show(name, 16)}) is not how this challenge installs: "
                                      "name torch and torchvision on the command line and let the index serve them")
            elif name == "--no-index":
                raise CommandRejected("--no-index turns off every index: pip then finds no torch at all")
            elif name in _VALUE_OPTIONS and not eq:
                i += 1  # skip its value
            continue
        if "/" in word or "\\" in word or word.endswith((".whl", ".tar.gz", ".zip")):
            raise CommandRejected(f"{_show(word)} is a file or URL: install torch by name from an index, which picks the "
                                  "wheel for the machine's Python and OS")
        try:
            requirement = Requirement(word)
        except (InvalidRequirement, ValueError):
            raise CommandRejected(f"{_show(word)} is not a requirement pip understands (expected e.g. torch==2.14.1)") from None
        key = canonicalize_name(requirement.name)
        if key in command.requirements:
            raise CommandRejected(f"{key} is listed twice")
        command.requirements[key] = requirement
    return command


# --- judging one case ------------------------------------------------------------------------------


def _describe(platform: Mapping[str, Any]) -> str:
    os_name = {"linux": "Linux", "windows": "Windows", "macos": "macOS"}.get(str(platform.get("os")), "?")
    accelerator = str(platform.get("accelerator", "cpu"))
    what = {"cpu": "no GPU", "mps": "Apple GPU (MPS)"}.get(accelerator, accelerator)
    if accelerator == "cuda":
        what = f"NVIDIA driver reporting CUDA {platform.get('cuda_version')}"
    elif accelerator == "rocm":
        what = f"AMD GPU with ROCm {platform.get('rocm_version')}"
    return f"{os_name} {platform.get('arch', '')}, {what}"


def _why(platform: Mapping[str, Any], tag: str | None, release: Release) -> str:
    """Why this machine needs this build (one clause)."""
    accelerator = str(platform.get("accelerator", "cpu"))
    if tag is None:
        return "macOS wheels come from PyPI, with MPS built into the regular wheel: no index URL"
    if accelerator == "cuda":
        driver = platform.get("cuda_version")
        if tag == "cpu":
            oldest = release.cuda_wheels()[0][1]
            return (f"no CUDA wheel of torch {release.torch} runs on a CUDA {driver} driver (the oldest is {oldest}): "
                    "install the CPU build (a newer driver would unlock the GPU)")
        return f"{tag} is the newest CUDA wheel <= the driver's {driver} (a driver runs older CUDA builds, not newer ones)"
    if accelerator == "rocm":
        return f"{tag} is the newest ROCm wheel <= ROCm {platform.get('rocm_version')}" if tag != "cpu" else "no ROCm wheel fits"
    return "a machine without a GPU wants the CPU build"


def _pin(name: str, requirement: Requirement) -> tuple[Version | None, str | None]:
    """The exact version a requirement pins, or a problem."""
    specs = list(requirement.specifier)
    if not specs:
        return None, (f"{name} is not pinned: without ==, pip installs whatever is newest the day it runs, "
                      "and a later torch may not match your torchvision")
    spec: Specifier = specs[0]
    if len(specs) != 1 or spec.operator not in ("==", "===") or "*" in spec.version:
        return None, f"{name}{requirement.specifier} is a range, not a pin: use {name}==X.Y.Z"
    try:
        return Version(spec.version), None
    except InvalidVersion:
        return None, f"{name}=={spec.version[:20]} is not a version"


def _version_problems(command: Command, tag: str | None, data: VersionData, release: Release) -> list[str]:
    problems: list[str] = []
    reqs = command.requirements
    missing = [n for n in ("torch", "torchvision") if n not in reqs]
    if missing:
        problems.append(f"{' and '.join(missing)} missing: the command must install torch and torchvision")
    unpinned = [n for n in _WRAPPERS if n in reqs and not list(reqs[n].specifier)]
    if unpinned:
        problems.append(f"{' and '.join(unpinned)} not pinned: without ==, pip installs whatever is newest the day "
                        "it runs, and a newer torch need not match the rest")
    for name in _WRAPPERS:
        if name not in reqs or name in unpinned:
            continue
        version, problem = _pin(name, reqs[name])
        if problem or version is None:
            problems.append(problem or f"{name} is not pinned")
            continue
        public = version.public
        if name == "torch" and public not in release.torch_versions:
            other = data.release(public)
            if other is not None and other.torch != release.torch:
                problems.append(f"torch {public} is the {other.torch} series; this challenge targets torch {release.torch} "
                                f"(the newest in the version data of {data.updated})")
            else:
                problems.append(f"torch {public} was never published (torch {release.torch} has "
                                f"{', '.join(release.torch_versions)})")
        elif name == "torchvision" and public not in release.torchvision_versions:
            other = data.release_of_torchvision(public)
            published = ", ".join(release.torchvision_versions)
            if other is not None and other.torch == release.torch:
                problems.append(f"torchvision {public} was never published ({release.torchvision} has {published})")
            else:
                paired = f"pairs with torch {other.torch}, not {release.torch}" if other else f"does not pair with torch {release.torch}"
                problems.append(f"torchvision {public} {paired}: torch 2.X pairs with torchvision 0.(X+15), so torch "
                                f"{release.torch} needs torchvision {release.torchvision}.x ({published})")
        elif name == "torchaudio" and public not in release.torchaudio_versions:
            if release.torchaudio_paired:
                problems.append(f"torchaudio {public} does not pair with torch {release.torch}: use {release.torch}.x")
            else:
                problems.append(f"torchaudio {public} does not go with torch {release.torch}: torchaudio stopped "
                                f"releasing with every torch; {', '.join(release.torchaudio_versions)} runs with it "
                                "(or leave torchaudio out)")
        if version.local is not None:
            if tag is None:
                problems.append(f"{name}=={version} names a local build (+{version.local}) that PyPI does not have: "
                                "macOS wheels are plain versions")
            elif version.local != tag:
                problems.append(f"{name}=={version} asks for the +{version.local} build, but this machine needs {tag}")
    return problems


def _tag_of(url: str, data: VersionData) -> str | None:
    prefix = data.url("")
    return url[len(prefix):] if url.startswith(prefix) else None


def _wrong_index(given: str, tag: str, platform: Mapping[str, Any], data: VersionData, release: Release) -> str:
    right = data.url(tag)
    given_tag = _tag_of(given, data)
    os_name = _os(platform)
    if given_tag is None:
        return f"--index-url {_show(given)} is not PyTorch's wheel index; this machine needs {right}"
    offered = release.tags_for(os_name)
    if given_tag not in offered:
        return (f"{_show(given)} has no torch {release.torch} wheels for {os_name} (published: {', '.join(offered)}); "
                f"this machine needs {right}: {_why(platform, tag, release)}")
    return f"{given_tag} is the wrong build: this machine needs {right}, because {_why(platform, tag, release)}"


def _index_problems(command: Command, platform: Mapping[str, Any], tag: str | None,
                    data: VersionData, release: Release, warnings: dict[str, list[str]], case: str) -> list[str]:
    given = command.index_url.rstrip("/") if command.index_url is not None else None
    extras = [u.rstrip("/") for u in command.extra_index_urls]
    pytorch_extras = [u for u in extras if PYTORCH_INDEX_HOST in u]
    if extras:
        warnings.setdefault("extra-index-url", []).append(case)
    if tag is None:
        if given is not None or pytorch_extras:
            return [f"no index URL on macOS: {_why(platform, tag, release)}"]
        return []
    right = data.url(tag)
    os_name = _os(platform)
    if given is not None:
        problems = [] if given == right else [_wrong_index(given, tag, platform, data, release)]
        others = [u for u in pytorch_extras if u != right]
        if others:
            problems.append(f"a second PyTorch index ({_show(others[0])}) lets pip take torch from either: drop it")
        return problems
    if pytorch_extras:
        if right in pytorch_extras and len(pytorch_extras) == 1:
            return []  # counted as the index, with the extra-index-url warning
        wrong = next(u for u in pytorch_extras if u != right)
        return [_wrong_index(wrong, tag, platform, data, release).replace("--index-url ", "--extra-index-url ")]
    if data.platforms[os_name].index == "optional" and data.pypi_build(os_name, release) == tag:
        return []  # Windows CPU: PyPI's wheel is the CPU build
    pypi = data.pypi_build(os_name, release)
    return [f"no --index-url, so pip takes torch from PyPI, which serves the {pypi} build on {os_name} "
            f"(it changes between releases); this machine needs --index-url {right}: {_why(platform, tag, release)}"]


def _served_by(command: Command, tag: str | None, data: VersionData) -> str:
    url = command.index_url or next((u for u in command.extra_index_urls if PYTORCH_INDEX_HOST in u), None)
    if url is None:
        return "PyPI"
    return _tag_of(url.rstrip("/"), data) or "another index"


def _judge_one(call: Call, result: object, data: VersionData, release: Release,
               warnings: dict[str, list[str]]) -> Check:
    platform: Mapping[str, Any] = call.args[0]
    tag = expected_tag(platform, release)
    wanted = tag or "PyPI"
    where = _describe(platform)
    if not isinstance(result, CallResult):
        return Check(call.id, False, f"{where}: no result came back for this case", None, wanted)
    if result.error is not None:
        return Check(call.id, False, f"{where}: pip_command raised {_show(str(result.error), 200)}", None, wanted)
    try:
        command = parse_command(result.value)
    except CommandRejected as exc:
        return Check(call.id, False, f"{where}: {exc}", None, wanted)
    problems = _version_problems(command, tag, data, release)
    problems += _index_problems(command, platform, tag, data, release, warnings, call.id)
    others = [n for n in command.requirements if n not in _WRAPPERS]
    if others and command.index_url is not None:
        warnings.setdefault("other-packages", []).append(call.id)
    served = _served_by(command, tag, data)
    if problems:
        return Check(call.id, False, f"{where}: " + "; ".join(problems), served, wanted)
    torch_v = str(_pin("torch", command.requirements["torch"])[0])
    vision_v = str(_pin("torchvision", command.requirements["torchvision"])[0])
    return Check(call.id, True, f"{where}: torch {torch_v} + torchvision {vision_v} from {wanted}; "
                 f"{_why(platform, tag, release)}", served, wanted)


_WARNINGS = {
    "extra-index-url": ("--extra-index-url adds an index next to PyPI instead of replacing it: pip takes the best "
                        "match from all of them, so PyPI's build (a CUDA build on Linux) can win, e.g. when a pin is "
                        "loose or a version exists only on PyPI. Use --index-url for torch"),
    "other-packages": ("packages other than torch/torchvision/torchaudio are looked up on the PyTorch index only, "
                       "which mirrors a few but not all: install the rest in a second command"),
}


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """One Check per case (named by its id), then one warning per kind of risky habit seen."""
    data = _data()
    release = data.latest
    warnings: dict[str, list[str]] = {}
    checks = [_judge_one(call, results.get(call.id), data, release, warnings) for call in calls]
    for name, cases in warnings.items():
        listed = ", ".join(cases[:4]) + (" …" if len(cases) > 4 else "")
        checks.append(Check(name, False, f"{_WARNINGS[name]} (seen in {listed})", float(len(cases)), warning=True))
    return checks
