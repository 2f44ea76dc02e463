"""The attack suite: every category of design/sandbox.md, each case contained AND nothing leaked."""

from __future__ import annotations

import pytest
from sandbox_attacks import ATTACKS, Attack
from sandbox_support import assert_clean, run_job

from sandbox.core.output import ZWSP
from sandbox.core.supervisor import Sandbox
from sandbox.lint import check_source

pytestmark = pytest.mark.sandbox


def test_every_category_has_cases() -> None:
    per_category = {c: sum(a.category == c for a in ATTACKS) for c in "ABCDEFGHI"}
    assert all(n >= 4 for n in per_category.values()), per_category
    assert len(ATTACKS) >= 60
    assert len({a.name for a in ATTACKS}) == len(ATTACKS)


@pytest.mark.parametrize("attack", ATTACKS, ids=[a.name for a in ATTACKS])
async def test_attack_is_contained(sandbox: Sandbox, attack: Attack) -> None:
    outcome = await run_job(sandbox, attack.source, timeout=attack.timeout, memory_mb=attack.memory_mb)
    assert outcome.status in attack.statuses, (outcome.status, outcome.error, outcome.stdout[-800:], outcome.stderr[-800:])
    assert "ESCAPED" not in outcome.stdout, outcome.stdout
    for needle in attack.expect:
        assert needle in outcome.stdout, (needle, outcome.stdout[-800:], outcome.stderr[-800:])
    if attack.lint:
        assert check_source(attack.source), "the lint layer should flag this sample too"
    for late in ("LATE VERDICT", "ATEXIT VERDICT", "DEL VERDICT"):
        assert late not in outcome.stdout, "output after the trusted phase must be ignored"
    if attack.name == "g_ansi_mentions":
        assert "\x1b" not in outcome.stdout and "\x00" not in outcome.stdout and "\u202e" not in outcome.stdout
        assert "@everyone" not in outcome.stdout and f"@{ZWSP}everyone" in outcome.stdout
        assert "<@123456>" not in outcome.stdout
    await assert_clean(sandbox, outcome)


async def test_scratch_does_not_survive_between_jobs(sandbox: Sandbox) -> None:
    first = await run_job(sandbox, "open('/tmp/keep', 'w').write('from job one')\nprint('wrote')")
    second = await run_job(sandbox, "import os\nprint('seen' if os.path.exists('/tmp/keep') else 'fresh scratch')")
    assert first.status == second.status == "ok"
    assert "fresh scratch" in second.stdout
    await assert_clean(sandbox, first, second)


async def test_wall_clock_kill_takes_the_whole_job(sandbox: Sandbox) -> None:
    source = "import threading, time\nfor _ in range(8):\n    threading.Thread(target=lambda: [0 for _ in iter(int, 1)]).start()\ntime.sleep(100)"
    outcome = await run_job(sandbox, source, timeout=1.5, threads=1)
    assert outcome.status == "timeout"
    assert outcome.wall_s < 5
    await assert_clean(sandbox, outcome)


async def test_dead_zygote_ends_the_job_as_infrastructure_and_restarts(sandbox: Sandbox) -> None:
    import asyncio

    task = asyncio.ensure_future(run_job(sandbox, "import time\nprint('running', flush=True)\ntime.sleep(30)", timeout=20))
    await asyncio.sleep(1.0)
    sandbox.pool.kill_zygote()
    outcome = await task
    assert outcome.status == "infrastructure", outcome
    assert "zygote" in (outcome.error or "")
    loop = asyncio.get_running_loop()
    assert await loop.run_in_executor(None, sandbox.pool.wait_ready, 180)
    await assert_clean(sandbox, outcome)
