"""Small pieces: output cleaning, the lint CLI contract, kernel feature refusal, GPU scheduling."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from sandbox_support import assert_clean

from sandbox.core.job import JobSpec, Limits
from sandbox.core.output import ZWSP, clean_output
from sandbox.core.pool import PoolConfig
from sandbox.core.supervisor import Sandbox
from sandbox.lint import check_source

ROOT = Path(__file__).resolve().parents[2]


def test_clean_output_strips_escapes_and_mentions() -> None:
    dirty = "\x1b[31mred\x1b[0m \x1b]0;title\x07ok\r\n@everyone @here <@123> <@&5> \u202eevil\x00\x07"
    clean = clean_output(dirty)
    assert clean == f"red ok\n@{ZWSP}everyone @{ZWSP}here <{ZWSP}@123> <{ZWSP}@&5> evil"


@pytest.mark.parametrize("source", [
    "class N:\n    def __init__(self):\n        super(N, self).__init__()\n    def __call__(self):\n        return 1\n",
    "x = [i for i in range(3)]\nprint(f'{x}')\n",
])
def test_policy_accepts_idioms(source: str) -> None:
    assert check_source(source) == []


def test_policy_messages_are_actionable() -> None:
    found = check_source("x = ().__class__.__subclasses__()\n")
    assert found and all(v.line == 1 for v in found)
    assert any("__subclasses__" in v.message and "remove" in v.message for v in found)


def test_sandbox_check_cli_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import torch\nimport subprocess\n")
    proc = subprocess.run([sys.executable, "-m", "bot.cli", "sandbox", "check", str(bad), "--json"],
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    result = json.loads(proc.stdout)
    assert result["allowed"] is False and proc.returncode == 1
    assert result["violations"][0]["line"] == 2 and "subprocess" in result["violations"][0]["message"]


def test_refusal_names_the_missing_feature(monkeypatch: pytest.MonkeyPatch) -> None:
    import sandbox.core.supervisor as runner

    monkeypatch.setattr(runner, "detect_version", lambda: (_ for _ in ()).throw(runner.SandboxUnavailable("no cgroups here")))
    box = Sandbox()
    assert box.refusal is not None and "no cgroups here" in box.refusal and "TUTOR_SANDBOX_UNSAFE" in box.refusal
    outcome = asyncio.run(box.run(JobSpec(source="print(1)")))
    assert outcome.status == "infrastructure"
    assert Sandbox(unsafe=True).refusal is None


@pytest.mark.sandbox
async def test_unknown_gpu_is_refused(sandbox: Sandbox) -> None:
    outcome = await sandbox.run(JobSpec(source="print(1)", device="cuda:3"))
    assert outcome.status == "infrastructure" and "no GPU" in (outcome.error or "")


@pytest.mark.sandbox
async def test_gpu_jobs_are_serialised_per_device() -> None:
    """A fake device 0 (no GPU here): jobs on it never overlap; CUDA init fails inside the job."""
    box = Sandbox(pool=PoolConfig(size=2, spare_slots=0, uid_base=61600, gpu_devices=("0",)))
    if box.refusal:
        pytest.skip(box.refusal)
    try:
        await asyncio.get_running_loop().run_in_executor(None, box.pool.wait_ready)
        running, peak = 0, 0
        inner = box._run

        async def counted(*args: object) -> object:
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            try:
                return await inner(*args)  # type: ignore[arg-type]
            finally:
                running -= 1

        box._run = counted  # type: ignore[method-assign,assignment]
        spec = JobSpec(source="print('never')", device="cuda:0", limits=Limits(total_s=20))
        outcomes = await asyncio.gather(box.run(spec), box.run(spec))
        # torch.cuda.init() fails inside the job (no driver here): the learner-visible error
        assert [o.status for o in outcomes] == ["error", "error"], [o.error for o in outcomes]
        assert peak == 1, "two jobs ran on the same GPU at once"
        await assert_clean(box)
    finally:
        box.close()


def test_export_holds_the_core_and_the_kinds_sandbox_sides_only(tmp_path: Path) -> None:
    """What a job's root sees of the project: the core and the sandbox-side halves, never the
    trusted side (kinds' exchanges, hooks, references, cases, seeds)."""
    from sandbox.core.pool import make_export
    from sandbox.driver import grading_pool

    export = Path(make_export(str(tmp_path), grading_pool(PoolConfig()).export, []))
    names = {str(p.relative_to(export)) for p in export.rglob("*") if p.is_file()}
    assert {"sandbox/core/child.py", "sandbox/core/protocol.py", "challenges/kinds/trained_inside.py",
            "challenges/kinds/functions_inside.py", "challenges/kinds/inside_kit.py"} <= names
    assert not {n for n in names if n.endswith(("hooks.py", "reference.py", "starter.py", "challenge.toml",
                                                 "trained.py", "driver.py", "versions.toml"))}
    assert not {n for n in names if "/cases/" in n or n.startswith(("bot/", "storage/", "data/"))}


@pytest.mark.sandbox
async def test_a_job_waiting_for_the_zygote_ends_when_the_pool_closes() -> None:
    """Closing the pool during its start-up fails the waiting job at once, and leaves no thread
    behind that would hold up the event loop's shutdown for the 180 s start-up limit."""
    import threading

    from sandbox.core.pool import ZygoteDied

    box = Sandbox(pool=PoolConfig(size=1, spare_slots=0, uid_base=61700))
    if box.refusal:
        pytest.skip(box.refusal)
    before = {t.ident for t in threading.enumerate()}
    waiting = asyncio.ensure_future(box.pool.ready())
    await asyncio.sleep(0.05)  # the zygote takes seconds to import torch
    assert not waiting.done()
    box.pool.close()  # from the loop's thread on purpose: no executor thread of our own
    with pytest.raises(ZygoteDied, match="closing"):
        await asyncio.wait_for(waiting, 5)
    assert not [t.name for t in threading.enumerate() if t.ident not in before and t.name.startswith("asyncio_")]
