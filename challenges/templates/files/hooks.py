"""The trusted half of `{id}` (a ``files`` challenge): rules over a submitted ``requirements.txt``.

Nothing submitted runs: the text is read line by line with ``packaging.requirements``, the parser
pip itself uses, bounded in size and in lines, and every failure becomes a failed ``Check`` (the
rules never raise, whatever the bytes). The rules are what makes an install reproducible: torch
pinned with ``==`` (a range installs whatever is newest the day it runs), and torchvision pinned
to the release built for that torch (torch 2.X pairs with torchvision 0.(X+15)).

TODO(author): your own files and rules: one small function per rule, each returning one ``Check``
whose message says what was found, on which line, and the fix. Gating rules fail the verdict;
``warning=True`` ones are advice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from challenges.verdict import Check

FILE = "requirements.txt"
MAX_BYTES = 5_000  # as [[files]] max_bytes: the upload is refused beyond it, and so is a longer text here
MAX_LINES = 200
MAX_LINE = 300
#: pip options a requirements file may hold (``--index-url URL``); their lines are not requirements.
OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links", "--only-binary", "--no-binary",
           "--prefer-binary", "--pre", "--trusted-host")


@dataclass
class Parsed:
    """What a requirements file asks for: canonical name -> (line number, requirement)."""

    requirements: dict[str, tuple[int, Requirement]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def _show(text: str, limit: int = 60) -> str:
    """Learner text made safe to quote in a message: printable, no backticks, bounded."""
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def parse(text: str) -> Parsed:
    """Read ``text`` as a requirements file; problems are collected, never raised."""
    parsed = Parsed()
    if len(text) > MAX_BYTES:
        parsed.problems.append(f"the file has {len(text):,} characters; the limit is {MAX_BYTES:,}")
        return parsed
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        parsed.problems.append(f"the file has {len(lines)} lines; the limit is {MAX_LINES}")
        return parsed
    for number, raw in enumerate(lines, start=1):
        line = raw.split(" #", 1)[0].strip() if not raw.lstrip().startswith("#") else ""
        if not line:
            continue
        if len(line) > MAX_LINE:
            parsed.problems.append(f"line {number} is {len(line)} characters long")
            continue
        if line.startswith("-"):
            if line.split()[0].split("=", 1)[0] not in OPTIONS:
                parsed.problems.append(f"line {number}: {_show(line)} is not an option this file may hold")
            continue
        try:
            requirement = Requirement(line)
        except Exception:  # InvalidRequirement, or whatever hostile text provokes: a problem, never a crash
            parsed.problems.append(f"line {number}: {_show(line)} is not a requirement pip can read "
                                   "(expected `name==version`)")
            continue
        name = canonicalize_name(requirement.name)
        if name in parsed.requirements:
            parsed.problems.append(f"line {number}: {name} is listed twice (first on line {parsed.requirements[name][0]})")
            continue
        parsed.requirements[name] = (number, requirement)
    return parsed


def pinned(requirement: Requirement) -> Version | None:
    """The exact version ``name==X.Y.Z`` pins, or None (no specifier, a range, a wildcard)."""
    specs = list(requirement.specifier)
    if len(specs) != 1 or specs[0].operator != "==" or "*" in specs[0].version:
        return None
    try:
        return Version(specs[0].version)
    except InvalidVersion:
        return None


def syntax(parsed: Parsed) -> Check:
    if parsed.problems:
        more = f" (and {len(parsed.problems) - 2} more)" if len(parsed.problems) > 2 else ""
        return Check("syntax", False, "; ".join(parsed.problems[:2]) + more + ": pip would refuse this file")
    return Check("syntax", True, f"every line reads as a requirement or an option ({len(parsed.requirements)} packages)")


def torch_pinned(parsed: Parsed) -> Check:
    if "torch" not in parsed.requirements:
        return Check("torch-pinned", False, "torch is not listed: add `torch==2.14.1` (the version you tested with)")
    line, requirement = parsed.requirements["torch"]
    version = pinned(requirement)
    if version is None:
        given = str(requirement.specifier)
        what = f"`torch{_show(given, 40)[1:]}` is a range, not a pin" if given else "torch has no version"
        return Check("torch-pinned", False, f"line {line}: {what}: without `==` pip installs whatever torch is "
                     "newest the day it runs; write `torch==X.Y.Z`", value=given[:40] or None)
    return Check("torch-pinned", True, f"line {line}: torch=={version} is pinned", value=str(version))


def torchvision_paired(parsed: Parsed) -> Check:
    if "torchvision" not in parsed.requirements:
        return Check("torchvision-pair", False, "torchvision is not listed: add the release paired with your torch")
    line, requirement = parsed.requirements["torchvision"]
    vision = pinned(requirement)
    torch = pinned(parsed.requirements["torch"][1]) if "torch" in parsed.requirements else None
    if vision is None:
        return Check("torchvision-pair", False, f"line {line}: torchvision is not pinned with `==`")
    if torch is None:
        return Check("torchvision-pair", False, f"line {line}: torchvision=={vision} cannot be checked against an "
                     "unpinned torch: pin torch first", value=str(vision))
    want = (0, torch.minor + 15) if torch.major == 2 else None
    if want is not None and vision.release[:2] != want:
        return Check("torchvision-pair", False, f"line {line}: torchvision=={vision} was not built for torch "
                     f"{torch.major}.{torch.minor}: torch 2.X pairs with torchvision 0.(X+15), so use "
                     f"torchvision=={want[0]}.{want[1]}.x", value=str(vision), threshold=f"{want[0]}.{want[1]}")
    return Check("torchvision-pair", True, f"line {line}: torchvision=={vision} pairs with torch=={torch}", value=str(vision))


def others_pinned(parsed: Parsed) -> Check:
    loose = sorted(n for n, (_, r) in parsed.requirements.items() if n not in ("torch", "torchvision") and pinned(r) is None)
    if loose:
        shown = ", ".join(loose[:5]) + (" …" if len(loose) > 5 else "")
        return Check("others-pinned", False, f"not pinned: {_show(shown, 120)}; an install is only reproducible "
                     "when every package is", value=float(len(loose)), warning=True)
    return Check("others-pinned", True, "every other package is pinned", warning=True)


def rules(files: Mapping[str, str]) -> list[Check]:
    """syntax, torch-pinned and torchvision-pair gate; others-pinned is a warning."""
    text = files.get(FILE)
    if not isinstance(text, str):
        return [Check("syntax", False, f"no file named `{FILE}` was submitted")]
    parsed = parse(text)
    return [syntax(parsed), torch_pinned(parsed), torchvision_paired(parsed), others_pinned(parsed)]
