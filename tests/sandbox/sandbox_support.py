"""One warm pool for the whole sandbox test session, planted secrets, and the "nothing leaked" check.

A secret is put in the supervisor's environment (as the bot token would be) and in a file under
the project's ``data/`` directory (as the database is) *before* the pool starts; every job's
output is checked for both. After every job: no process of a job uid is alive, the pool's cgroups
are empty, no marker file exists outside the job's scratch, and a trivial job still works.
"""

from __future__ import annotations

import asyncio
import glob
import os
import secrets
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.core.job import JobOutcome, JobSpec, Limits
from sandbox.core.pool import PROJECT_ROOT, PoolConfig
from sandbox.core.supervisor import Sandbox
from sandbox.driver import grading_pool

SECRET_ENV = "canary-env-" + secrets.token_hex(8)
SECRET_FILE = "canary-file-" + secrets.token_hex(8)
MARKER = "tutor-pwned"
#: Unpinned: a lone job gets every core, as the grading tests of the whole tree were written for (a
#: pinned pool of two gives each job one core); `test_sandbox_concurrency` checks pinning on its own pool.
POOL = grading_pool(PoolConfig(size=2, spare_slots=2, uid_base=61500, pin_cores=False))
#: Host places a hostile job would like to write to; none may ever get a marker file.
WATCHED = [
    str(PROJECT_ROOT), "/tmp", "/dev/shm", "/root", "/var/tmp", "/etc", "/run",
    str(Path(sys.prefix) / "lib"), str(PROJECT_ROOT / "challenges"), str(PROJECT_ROOT / "data"),
]


def _needs_kernel() -> str | None:
    probe = Sandbox(pool=POOL)
    return probe.refusal


@pytest.fixture(scope="session")
def canary_file() -> Iterator[Path]:
    data = PROJECT_ROOT / "data"
    data.mkdir(exist_ok=True)
    path = data / f".sandbox-test-canary-{os.getpid()}"
    path.write_text(SECRET_FILE)
    yield path
    path.unlink(missing_ok=True)


@pytest.fixture(scope="session")
def sandbox(canary_file: Path) -> Iterator[Sandbox]:
    reason = _needs_kernel()
    if reason:
        pytest.skip(reason)
    os.environ["TUTOR_DISCORD_TOKEN"] = SECRET_ENV
    box = Sandbox(pool=POOL, hide_paths=[str(PROJECT_ROOT / "data")])
    assert box.pool.wait_ready(), box.pool.last_error
    yield box
    box.close()
    os.environ.pop("TUTOR_DISCORD_TOKEN", None)


def job_processes(sandbox: Sandbox | None = None) -> list[str]:
    """Host processes running as a job uid: those ``sandbox`` leased (uids are leased host-wide,
    so another supervisor's jobs never count), or by default the test pool's first uids."""
    if sandbox is not None and sandbox._pool is not None:
        uids = {str(uid) for uid in sandbox._pool.uids.uids}
    else:
        uids = {str(POOL.uid_base + i) for i in range(POOL.size + POOL.spare_slots)}
    found = []
    for status in glob.glob("/proc/[0-9]*/status"):
        try:
            text = Path(status).read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("Uid:") and set(line.split()[1:]) & uids:
                found.append(status)
    return found


def marker_files() -> list[str]:
    found = []
    for base in WATCHED:
        found += glob.glob(os.path.join(base, f"{MARKER}*"))
        found += glob.glob(os.path.join(base, "*", f"{MARKER}*"))
    found += glob.glob(os.path.join(sys.prefix, "lib", "python*", "site-packages", "sitecustomize.py"))
    return found


async def run_job(sandbox: Sandbox, source: str, *, timeout: float = 10.0, memory_mb: int = 512,
                  threads: int = 1, **spec: object) -> JobOutcome:
    limits = Limits(total_s=timeout, memory_mb=memory_mb, threads=threads)
    return await sandbox.run(JobSpec(source=source, limits=limits, **spec))  # type: ignore[arg-type]


async def assert_clean(sandbox: Sandbox, *outcomes: JobOutcome) -> None:
    """Nothing leaked, nothing left behind, the next job works."""
    for outcome in outcomes:
        text = outcome.stdout + outcome.stderr + (outcome.error or "")
        assert SECRET_ENV not in text, "the supervisor's environment leaked into a job"
        assert SECRET_FILE not in text, "a file under data/ leaked into a job"
    await sandbox.idle()
    for _ in range(40):  # killed processes may still be zombies for a moment, waiting to be reaped
        if not job_processes(sandbox):
            break
        await asyncio.sleep(0.05)
    assert not job_processes(sandbox), "a job process outlived its job"
    for group in sandbox._cgroups.values():
        pids = group.pids()  # a spare: the waiter outside its pid namespace, the namespace's init, the job-to-be
        assert len(pids) <= 3, f"cgroup {group.name} holds more than a spare: {pids}"
    assert not marker_files(), f"a job wrote outside its scratch: {marker_files()}"
    nxt = await run_job(sandbox, "print('still alive')")
    assert nxt.status == "ok" and "still alive" in nxt.stdout, nxt
