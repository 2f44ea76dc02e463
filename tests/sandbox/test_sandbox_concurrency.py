"""Twenty jobs at once on a pool of two: all complete, none is lost, none sees another's files or processes."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace

import pytest
from sandbox_support import POOL, assert_clean, run_job

from sandbox.core.supervisor import Sandbox

pytestmark = pytest.mark.sandbox

JOB = """
import os, time
me = {i}
open(f"/tmp/job-{{me}}", "w").write("mine")
time.sleep(0.2)
# root-owned entries are the read-only binds of a project that itself lives under /tmp
others = sorted(f for f in os.listdir("/tmp") if f != f"job-{{me}}" and os.stat("/tmp/" + f).st_uid != 0)
visible = []
for pid in range(1, 300):
    if pid == os.getpid():
        continue
    try:
        os.kill(pid, 0)
        visible.append(pid)
    except OSError:
        pass
print(f"job {{me}} uid {{os.getuid()}} others {{others}} pids {{visible}}")
"""


async def test_twenty_jobs_on_two_slots(sandbox: Sandbox) -> None:
    outcomes = await asyncio.gather(*(run_job(sandbox, JOB.format(i=i), timeout=60) for i in range(20)))
    assert [o.status for o in outcomes] == ["ok"] * 20, [(o.status, o.error, o.stderr[-300:]) for o in outcomes]
    for i, outcome in enumerate(outcomes):
        assert f"job {i} " in outcome.stdout, outcome.stdout
        assert "others [] pids []" in outcome.stdout, outcome.stdout
    await assert_clean(sandbox, *outcomes)


async def test_concurrent_jobs_have_distinct_uids(sandbox: Sandbox) -> None:
    source = "import os, time\ntime.sleep(0.5)\nprint('uid', os.getuid())"
    a, b = await asyncio.gather(run_job(sandbox, source), run_job(sandbox, source))
    assert a.status == b.status == "ok"
    assert a.stdout != b.stdout, "two jobs running at the same time shared a uid"
    await assert_clean(sandbox, a, b)


PINNED = """
import os, time
time.sleep(0.5)  # both jobs hold their lanes at the same time
mine = sorted(os.sched_getaffinity(0))
try:
    os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))
    widened = "widened"
except OSError:
    widened = "refused"
print("cores", ",".join(map(str, mine)), widened, sorted(os.sched_getaffinity(0)) == mine)
"""


@pytest.fixture(scope="module")
def pinned() -> Iterator[Sandbox]:
    box = Sandbox(pool=replace(POOL, spare_slots=0, uid_base=61700, pin_cores=True))
    if box.refusal:
        pytest.skip(box.refusal)
    assert box.pool.wait_ready(), box.pool.last_error
    yield box
    box.close()


async def test_running_jobs_get_cores_of_their_own(pinned: Sandbox) -> None:
    """Two jobs at once on a pinned pool of two each train on their own lane (cpuset and affinity),
    and neither can widen its affinity onto the other's cores (sched_setaffinity is never allowed)."""
    sandbox = pinned
    a, b = await asyncio.gather(run_job(sandbox, PINNED), run_job(sandbox, PINNED))
    assert a.status == b.status == "ok", (a.error, a.stderr[-300:], b.error, b.stderr[-300:])
    cores = []
    for outcome in (a, b):
        words = outcome.stdout.split()
        assert words[0] == "cores" and words[2:] == ["refused", "True"], outcome.stdout
        cores.append(set(map(int, words[1].split(","))))
    lanes = [set(lane) for lane in sandbox.lanes.lanes.lanes]
    assert all(c in lanes for c in cores), (cores, lanes)
    if not sandbox.shared_cores:
        assert not cores[0] & cores[1], f"two running jobs shared cores: {cores}"
    for group in sandbox._cgroups.values():
        if group.cpuset is not None:
            assert (group.cpuset / "cpuset.cpus").read_text().strip(), group.name
    assert sandbox.pinning.startswith(("cpuset", "the job's affinity")), sandbox.pinning
    await assert_clean(sandbox, a, b)


async def test_an_unpinned_pool_lets_jobs_use_every_core(sandbox: Sandbox) -> None:
    outcome = await run_job(sandbox, "import os\nprint(sorted(os.sched_getaffinity(0)))")
    assert outcome.status == "ok" and sandbox.pinning.startswith("off"), (outcome.stdout, sandbox.pinning)
    assert outcome.stdout.strip() == str(list(sandbox.lanes.lanes.cores))
