"""C1.3 requirements-lock: the requirements-file reader (continuations, hashes, options, markers),
the rules on the reference, starter and every case folder, the version data they read, and
hostile text failing cleanly."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from challenges.catalogue import Case, read_folder
from challenges.content.requirements_lock import hooks
from challenges.verdict import Check
from challenges.versions import load_versions

FOLDER = Path(hooks.__file__).parent
CASES = [Case(**c) for c in tomllib.loads((FOLDER / "cases" / "cases.toml").read_text(encoding="utf-8"))["case"]]


def gating(files: dict[str, str]) -> dict[str, Check]:
    return {c.name: c for c in hooks.rules(files) if not c.warning}


def test_reference_passes_every_rule_without_warnings() -> None:
    checks = hooks.rules(read_folder(FOLDER / "reference"))
    assert all(c.passed for c in checks), [c.message for c in checks if not c.passed]


def test_starter_fails_on_the_index() -> None:
    failed = {n for n, c in gating(read_folder(FOLDER / "starter")).items() if not c.passed}
    assert failed == {"cpu-index", "cu-index"}


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cases(case: Case) -> None:
    checks = gating(read_folder(FOLDER / "cases" / case.file))
    failed = {n for n, c in checks.items() if not c.passed}
    assert (not failed) == (case.expected == "passed"), [checks[n].message for n in failed]
    assert set(case.fails) <= failed
    assert all(checks[n].advice for n in failed)


def test_reader_joins_continuations_and_drops_hashes_and_comments() -> None:
    text = ("# header\n--index-url=https://download.pytorch.org/whl/cpu\n"
            "torch==2.14.1+cpu \\\n    --hash=sha256:abc \\\n    --hash=sha256:def\n    # via -r in.txt\n"
            "torchvision==0.29.1  # inline comment\n"
            "numpy==2.1.3 ; python_version >= '3.10'\nnumpy==1.26.4 ; python_version < '3.10'\n")
    parsed = hooks.parse("r.txt", text)
    assert not parsed.problems
    assert parsed.index_urls == [(2, "https://download.pytorch.org/whl/cpu")]
    assert [line for line, _ in parsed.entries("torch")] == [3]
    assert str(hooks.pinned(parsed.entries("torch")[0][1])) == "2.14.1+cpu"
    assert len(parsed.entries("numpy")) == 2  # one per marker: not a duplicate


@pytest.mark.parametrize(("text", "needle"), [
    ("-r base.txt\ntorch==2.14.1\n", "another requirements file"),
    ("-e .\n", "editable"),
    ("torch==2.14.1\ntorch==2.14.0\n", "listed twice"),
    ("torch===\n", "not a requirement"),
    ("--frobnicate\n", "not an option"),
])
def test_reader_problems(text: str, needle: str) -> None:
    assert any(needle in p for p in hooks.parse("r.txt", text).problems)


def test_cuda_tag_follows_the_version_data() -> None:
    data = load_versions()
    assert data.latest.cuda_tag_for(hooks.DRIVER_CUDA) == "cu128"
    older = data.release("2.5")
    assert older is not None and older.cuda_tag_for(hooks.DRIVER_CUDA) == "cu124"
    files = {hooks.CPU_FILE: "--index-url https://download.pytorch.org/whl/cpu\ntorch==2.5.1\ntorchvision==0.20.1\n",
             hooks.CU_FILE: "--index-url https://download.pytorch.org/whl/cu124\ntorch==2.5.1+cu124\ntorchvision==0.20.1\n"}
    assert all(c.passed for c in gating(files).values())


def test_missing_file_and_hostile_text_fail_cleanly() -> None:
    checks = gating({hooks.CPU_FILE: "torch==2.14.1\n"})
    assert not checks["cu-syntax"].passed
    for junk in ("\x00" * 5000, "a" * 100_000, "\\\n" * 300, "-i\n", "torch==" + "9" * 500 + "\n", "\n" * 1000,
                 "--index-url `rm -rf /`\n"):
        result = hooks.rules({hooks.CPU_FILE: junk, hooks.CU_FILE: junk})
        assert not all(c.passed for c in result)
        assert all(len(c.message) <= 500 and "`rm -rf /`" not in c.message for c in result)
