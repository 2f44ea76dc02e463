"""Idiomatic PyTorch passes the lint layer and runs in the sandbox (no false positives)."""

from __future__ import annotations

import pytest
from sandbox_programs import PROGRAMS
from sandbox_support import assert_clean, run_job

from sandbox.core.supervisor import Sandbox
from sandbox.lint import check_source

pytestmark = pytest.mark.sandbox


def test_there_are_enough_programs() -> None:
    assert len(PROGRAMS) >= 20


@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_lint_accepts(name: str) -> None:
    assert check_source(PROGRAMS[name]) == []


@pytest.mark.parametrize("name", sorted(PROGRAMS))
async def test_runs_ok(sandbox: Sandbox, name: str) -> None:
    outcome = await run_job(sandbox, PROGRAMS[name], timeout=30, memory_mb=1024, threads=2)
    assert outcome.status == "ok", (outcome.error, outcome.stderr[-1500:])
    assert "DONE" in outcome.stdout
    await assert_clean(sandbox, outcome)
