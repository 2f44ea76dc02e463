"""C1.3 ``requirements-lock``: rules over two submitted requirements files, read as text.

``requirements-cpu.txt`` installs the CPU build (laptops, CI, CPU servers); ``requirements-cu.txt``
the CUDA build for GPU servers whose driver reports CUDA ``DRIVER_CUDA``. Nothing submitted runs:
each file is read line by line the way pip reads a requirements file (comments, ``\\``
continuations, options, ``--hash`` suffixes) with ``packaging.requirements``, bounded in size and
lines, and every rule returns one ``Check`` whose message names the file, the line and the fix.
The wheel tags and the torch/torchvision/torchaudio pairs come from the one dated version-data
file (``challenges/versions.toml``, via ``challenges.versions``), so refreshing it moves the
challenge with it. Any release listed there is accepted, as long as the pins pair with each other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from challenges.verdict import Check
from challenges.versions import Release, VersionData, load_versions

CPU_FILE = "requirements-cpu.txt"
CU_FILE = "requirements-cu.txt"
FILES = {"cpu": CPU_FILE, "cu": CU_FILE}
DRIVER_CUDA = "12.9"  # the GPU servers' driver (nvidia-smi), as the statement says
MAX_BYTES = 20_000  # as [[files]] max_bytes
MAX_LINES = 400
MAX_LINE = 400
WRAPPERS = ("torch", "torchvision", "torchaudio")
PYTORCH_HOST = "https://download.pytorch.org/"
#: Packages that only a CUDA build of torch pulls in: a CPU lock that pins them installs gigabytes for nothing.
CUDA_ONLY_PREFIXES = ("nvidia-", "cuda-", "triton")
_INDEX_OPTIONS = {"-i": "index", "--index-url": "index", "--extra-index-url": "extra", "-f": "find-links",
                  "--find-links": "find-links"}
_FLAG_OPTIONS = {"--prefer-binary", "--pre", "--only-binary", "--no-binary", "--trusted-host", "--no-index"}
_REFUSED_OPTIONS = {"-r": "another requirements file", "--requirement": "another requirements file",
                    "-c": "a constraints file", "--constraint": "a constraints file",
                    "-e": "an editable install", "--editable": "an editable install"}


@dataclass
class Parsed:
    """What one requirements file asks for."""

    name: str
    requirements: dict[str, list[tuple[int, Requirement]]] = field(default_factory=dict)
    index_urls: list[tuple[int, str]] = field(default_factory=list)
    extra_index_urls: list[tuple[int, str]] = field(default_factory=list)
    find_links: list[tuple[int, str]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def entries(self, name: str) -> list[tuple[int, Requirement]]:
        return self.requirements.get(name, [])

    def all_entries(self) -> list[tuple[str, int, Requirement]]:
        return [(n, line, r) for n, items in self.requirements.items() for line, r in items]


def _show(text: str, limit: int = 60) -> str:
    """Learner text made safe to quote in a message: printable, no backticks, bounded."""
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """(first line number, text) per logical line: comments dropped, ``\\`` continuations joined."""
    out: list[tuple[int, str]] = []
    pending: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("#"):
            stripped = ""
        elif " #" in raw or "\t#" in raw:
            stripped = raw.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if not pending:
            start = number
        if stripped.endswith("\\"):
            pending.append(stripped[:-1].strip())
            continue
        pending.append(stripped)
        line = " ".join(p for p in pending if p)
        pending = []
        if line:
            out.append((start, line))
    if pending and any(pending):
        out.append((start, " ".join(p for p in pending if p)))
    return out


def parse(name: str, text: str) -> Parsed:
    """Read one requirements file; problems are collected, never raised."""
    parsed = Parsed(name)
    if len(text) > MAX_BYTES:
        parsed.problems.append(f"{name} has {len(text):,} characters; the limit is {MAX_BYTES:,}")
        return parsed
    if text.count("\n") > MAX_LINES:
        parsed.problems.append(f"{name} has more than {MAX_LINES} lines")
        return parsed
    for number, line in _logical_lines(text):
        where = f"{name} line {number}"
        if len(line) > MAX_LINE:
            parsed.problems.append(f"{where} is {len(line)} characters long")
            continue
        if line.startswith("-"):
            option, _, value = line.partition("=") if line.split()[0].count("=") else line.partition(" ")
            option, value = option.strip(), value.strip()
            if option in _INDEX_OPTIONS:
                target = {"index": parsed.index_urls, "extra": parsed.extra_index_urls,
                          "find-links": parsed.find_links}[_INDEX_OPTIONS[option]]
                target.append((number, value.split()[0] if value else ""))
            elif option in _REFUSED_OPTIONS:
                parsed.problems.append(f"{where}: {_show(line)} pulls in {_REFUSED_OPTIONS[option]}, which the grader "
                                       "cannot see: write the requirements into this file")
            elif option not in _FLAG_OPTIONS:
                parsed.problems.append(f"{where}: {_show(line)} is not an option this file may hold")
            continue
        requirement_text = line.split(" --", 1)[0].strip()  # `pkg==1.0 --hash=sha256:...`
        try:
            requirement = Requirement(requirement_text)
        except Exception:  # InvalidRequirement, or whatever hostile text provokes: a problem, never a crash
            parsed.problems.append(f"{where}: {_show(requirement_text)} is not a requirement pip can read "
                                   "(expected `name==version`)")
            continue
        parsed.requirements.setdefault(canonicalize_name(requirement.name), []).append((number, requirement))
    for key, items in parsed.requirements.items():
        markers = [str(r.marker) if r.marker else "" for _, r in items]
        if len(set(markers)) != len(markers):
            parsed.problems.append(f"{name} line {items[1][0]}: {key} is listed twice (first on line {items[0][0]})")
    return parsed


def pinned(requirement: Requirement) -> Version | None:
    """The exact version ``name==X.Y.Z`` pins (local part included), or None."""
    specs = list(requirement.specifier)
    if len(specs) != 1 or specs[0].operator not in ("==", "===") or "*" in specs[0].version:
        return None
    try:
        return Version(specs[0].version)
    except InvalidVersion:
        return None


def _torch_release(parsed: Parsed, data: VersionData) -> Release | None:
    for _, requirement in parsed.entries("torch"):
        version = pinned(requirement)
        if version is not None:
            return data.release(version.public)
    return None


# --- the rules -------------------------------------------------------------------------------------


def syntax(key: str, parsed: Parsed) -> Check:
    name = f"{key}-syntax"
    if parsed.problems:
        more = f" (and {len(parsed.problems) - 2} more)" if len(parsed.problems) > 2 else ""
        return Check(name, False, "; ".join(parsed.problems[:2]) + more + ": pip would refuse this file",
                     advice="One requirement per line (`torch==2.14.1`), options such as `--index-url URL` on their "
                            "own lines, comments after `#`.")
    count = len(parsed.requirements)
    if not count:
        return Check(name, False, f"{parsed.name} lists no packages",
                     advice="List torch and torchvision, each pinned with ==, one per line.")
    return Check(name, True, f"{parsed.name}: every line reads as a requirement or an option ({count} packages)")


def pins(key: str, parsed: Parsed) -> Check:
    name = f"{key}-pins"
    advice = ("A lock pins every package with `==` and a full version (`torch==2.14.1`); `>=`, `~=`, `==2.*` "
              "and a bare name install whatever is newest the day pip runs. `pip freeze` prints exact versions.")
    missing = [w for w in ("torch", "torchvision") if w not in parsed.requirements]
    loose = [f"line {line}: {_show(str(r), 40)}" for n, line, r in parsed.all_entries() if pinned(r) is None]
    if missing or loose:
        parts = ([f"{' and '.join(missing)} missing"] if missing else []) + (
            [f"not pinned: {'; '.join(loose[:3])}" + (" …" if len(loose) > 3 else "")] if loose else [])
        return Check(name, False, f"{parsed.name}: " + "; ".join(parts), float(len(loose) + len(missing)), 0.0,
                     advice=advice)
    return Check(name, True, f"{parsed.name}: every package is pinned with ==")


def matrix(key: str, parsed: Parsed, data: VersionData) -> Check:
    """torch, torchvision and torchaudio pinned to versions that exist and belong together."""
    name = f"{key}-matrix"
    advice = (f"Pick one row of the compatibility table (version data of {data.updated}): torch 2.X pairs with "
              "torchvision 0.(X+15); torchaudio stopped releasing with every torch after 2.11, and 2.11.x runs "
              f"with later torch. For torch {data.latest.latest_torch}: torchvision {data.latest.latest_torchvision}"
              f", torchaudio {data.latest.latest_torchaudio}.")
    torch_pins = [(line, v) for line, r in parsed.entries("torch") if (v := pinned(r)) is not None]
    if not torch_pins:
        return Check(name, False, f"{parsed.name}: no pinned torch to check the others against", advice=advice)
    problems: list[str] = []
    line, version = torch_pins[0]
    release = data.release(version.public)
    if release is None or version.public not in release.torch_versions:
        problems.append(f"line {line}: torch {version.public} is not a release in the version data "
                        f"({', '.join(r.torch for r in data.releases)})" if release is None else
                        f"line {line}: torch {version.public} was never published ({', '.join(release.torch_versions)})")
    else:
        for companion, published, series in (("torchvision", release.torchvision_versions, release.torchvision),
                                             ("torchaudio", release.torchaudio_versions, None)):
            for cline, requirement in parsed.entries(companion):
                cversion = pinned(requirement)
                if cversion is None:
                    continue  # the pins rule reports it
                if cversion.public not in published:
                    want = f"{series}.x" if series else "one of " + ", ".join(published)
                    problems.append(f"line {cline}: {companion} {cversion.public} does not go with torch "
                                    f"{version.public}: it needs {companion} {want} ({', '.join(published)})")
    if problems:
        return Check(name, False, f"{parsed.name}: " + "; ".join(problems[:2]), advice=advice)
    return Check(name, True, f"{parsed.name}: torch {version.public} and its companions belong together")


def _index_check(key: str, parsed: Parsed, data: VersionData, tag: str | None, why: str) -> Check:
    name = f"{key}-index"
    if tag is None:
        return Check(name, False, f"{parsed.name}: {why}", advice="Pin a torch release listed in the version data "
                     "that has a CUDA wheel the driver runs.")
    right = data.url(tag)
    advice = (f"Add the line `--index-url {right}` (or `--extra-index-url {right}` next to PyPI). Without it pip "
              f"takes torch from PyPI, whose Linux wheel is a CUDA {data.latest.pypi_linux} build.")
    pytorch = [(line, url.rstrip("/")) for line, url in parsed.index_urls + parsed.extra_index_urls
               if url.startswith(PYTORCH_HOST)]
    if not pytorch:
        legacy = [line for line, url in parsed.find_links if url.startswith(PYTORCH_HOST)]
        if legacy:
            return Check(name, False, f"{parsed.name} line {legacy[0]}: `-f .../torch_stable.html` is the old "
                         "--find-links page, no longer updated for new releases; name the wheel index instead",
                         None, right, advice=advice)
        return Check(name, False, f"{parsed.name} names no PyTorch index, so pip takes torch from PyPI (a CUDA "
                     f"{data.latest.pypi_linux} build on Linux); this file needs {right}: {why}", None, right, advice=advice)
    wrong = [(line, url) for line, url in pytorch if url != right]
    if wrong:
        line, url = wrong[0]
        return Check(name, False, f"{parsed.name} line {line}: {_show(url, 70)} is not the index this file needs, "
                     f"{right}: {why}", url[-10:], right, advice=advice)
    return Check(name, True, f"{parsed.name}: {right}; {why}", right, right)


def cpu_index(parsed: Parsed, data: VersionData) -> Check:
    return _index_check("cpu", parsed, data, "cpu", "it serves torch's CPU build")


def cu_index(parsed: Parsed, data: VersionData) -> Check:
    release = _torch_release(parsed, data) or data.latest
    tag = release.cuda_tag_for(DRIVER_CUDA)
    why = (f"a CUDA {DRIVER_CUDA} driver runs torch {release.torch} wheels built for CUDA {DRIVER_CUDA} or older, "
           f"and the newest of them is {tag}" if tag else f"torch {release.torch} has no CUDA wheel a CUDA {DRIVER_CUDA} driver runs")
    return _index_check("cu", parsed, data, tag, why)


def cpu_no_nvidia(parsed: Parsed) -> Check:
    stray = [(line, n) for n, line, _ in parsed.all_entries() if n.startswith(CUDA_ONLY_PREFIXES)]
    if stray:
        listed = ", ".join(n for _, n in stray[:4]) + (" …" if len(stray) > 4 else "")
        return Check("cpu-no-nvidia", False, f"{CPU_FILE} pins CUDA runtime packages ({_show(listed, 120)}, from "
                     f"line {stray[0][0]}): they come from a `pip freeze` of a CUDA install and add gigabytes to a "
                     "CPU image", float(len(stray)), 0.0,
                     advice="Delete every nvidia-*, cuda-* and triton line from the CPU file: the CPU build of torch "
                            "needs none of them. Freeze a CPU environment, not a GPU one.")
    return Check("cpu-no-nvidia", True, f"{CPU_FILE} pins no nvidia-*, cuda-* or triton package")


def _locals(parsed: Parsed) -> list[tuple[int, str, str]]:
    out = []
    for name in WRAPPERS:
        for line, requirement in parsed.entries(name):
            version = pinned(requirement)
            if version is not None and version.local is not None:
                out.append((line, name, version.local))
    return out


def cpu_no_cuda_build(parsed: Parsed) -> Check:
    bad = [(line, name, local) for line, name, local in _locals(parsed) if local != "cpu"]
    if bad:
        line, name, local = bad[0]
        return Check("cpu-no-cuda-build", False, f"{CPU_FILE} line {line}: {name}==…+{_show(local, 12)[1:-1]} "
                     "asks for a GPU build in the CPU file", local[:12], "cpu",
                     advice="In the CPU file use a plain pin (`torch==2.14.1`) or the `+cpu` build "
                            "(`torch==2.14.1+cpu`), never `+cuXXX`/`+rocmX.Y`.")
    return Check("cpu-no-cuda-build", True, f"{CPU_FILE}: no +cuXXX build is pinned")


def cu_build(parsed: Parsed, data: VersionData) -> Check:
    release = _torch_release(parsed, data) or data.latest
    tag = release.cuda_tag_for(DRIVER_CUDA)
    bad = [(line, name, local) for line, name, local in _locals(parsed) if local != tag]
    if bad:
        line, name, local = bad[0]
        return Check("cu-build", False, f"{CU_FILE} line {line}: {name}==…+{_show(local, 12)[1:-1]} does not match "
                     f"the {tag} index this driver needs", local[:12], tag,
                     advice=f"Use plain pins (`torch==2.14.1`) or the `+{tag}` build throughout the CUDA file.")
    return Check("cu-build", True, f"{CU_FILE}: every local build tag matches {tag}")


def same_versions(cpu: Parsed, cu: Parsed) -> Check:
    def versions(parsed: Parsed) -> dict[str, str]:
        out = {}
        for name in WRAPPERS:
            for _, requirement in parsed.entries(name):
                version = pinned(requirement)
                if version is not None:
                    out[name] = version.public
        return out

    a, b = versions(cpu), versions(cu)
    differ = [n for n in WRAPPERS if a.get(n) != b.get(n)]
    if differ:
        return Check("same-versions", False, f"the two files pin different {', '.join(differ)}: the CPU and GPU "
                     "deployments then run different code", warning=True)
    return Check("same-versions", True, "both files pin the same torch, torchvision and torchaudio", warning=True)


def extra_index(parsed: Parsed, key: str) -> Check | None:
    """--extra-index-url with plain pins: pip picks the best match of PyPI and the PyTorch index."""
    if parsed.index_urls and not parsed.extra_index_urls:
        return None
    plain = [n for n in ("torch", "torchvision") for _, r in parsed.entries(n)
             if (v := pinned(r)) is not None and v.local is None]
    if parsed.extra_index_urls and plain:
        return Check(f"{key}-extra-index", False, f"{parsed.name}: with --extra-index-url, pip compares PyPI and the "
                     f"PyTorch index for {', '.join(plain)}; the local build wins today, but only because "
                     "`+cpu`/`+cuXXX` sorts higher. Pin the build (`torch==2.14.1+cpu`) or use --index-url",
                     warning=True)
    return None


def rules(files: Mapping[str, str]) -> list[Check]:
    """Gating: syntax, pins, matrix and index for each file, the CPU file's no-nvidia and
    no-cuda-build, the CUDA file's build tags. Warnings: same versions in both, --extra-index-url."""
    data = load_versions()
    checks: list[Check] = []
    parsed: dict[str, Parsed] = {}
    for key, name in FILES.items():
        text = files.get(name)
        if not isinstance(text, str):
            checks.append(Check(f"{key}-syntax", False, f"no file named `{name}` was submitted",
                                advice=f"Submit both {CPU_FILE} and {CU_FILE}."))
            text = ""
        parsed[key] = parse(name, text)
        if isinstance(files.get(name), str):
            checks.append(syntax(key, parsed[key]))
        checks += [pins(key, parsed[key]), matrix(key, parsed[key], data)]
    cpu, cu = parsed["cpu"], parsed["cu"]
    checks += [cpu_index(cpu, data), cu_index(cu, data), cpu_no_nvidia(cpu), cpu_no_cuda_build(cpu), cu_build(cu, data),
               same_versions(cpu, cu)]
    checks += [c for c in (extra_index(cpu, "cpu"), extra_index(cu, "cu")) if c is not None]
    return checks
