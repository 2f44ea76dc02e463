"""``tutor bench sandbox``: the warm pool against a cold interpreter per job, in one run.

Both sides run every job fully isolated (cgroup, namespaces, pivot_root, uid, seccomp): the warm
side forks from the pool's zygote, the cold side starts a fresh interpreter that imports torch
and then isolates the job exactly the same way. Timings are submit-to-result wall times as the
caller of ``Sandbox.run`` sees them; medians, because the machine is shared.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import replace
from typing import Any

from sandbox.core.job import JobSpec, Limits
from sandbox.core.pool import PoolConfig
from sandbox.core.supervisor import Sandbox

TRIVIAL = "print('ok')\n"
#: A 20-step training job of a small MLP (what a tiny challenge's inner loop looks like).
TRAIN = """
import resource
import torch
from torch import nn

torch.manual_seed(0)
model = nn.Sequential(nn.Linear(16, 32), nn.ReLU(), nn.Linear(32, 2))
opt = torch.optim.SGD(model.parameters(), lr=0.1)
x, y = torch.randn(128, 16), torch.randint(0, 2, (128,))
for step in range(20):
    opt.zero_grad()
    loss = nn.functional.cross_entropy(model(x), y)
    loss.backward()
    opt.step()
print(f"loss={loss.item():.4f} maxrss_kb={resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}")
"""


def _summary(values: list[float]) -> dict[str, Any]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * (len(ordered) - 1))))] if ordered else 0.0
    return {"median": round(statistics.median(ordered), 1) if ordered else None, "p95": round(p95, 1), "n": len(ordered)}


async def _timed(sandbox: Sandbox, source: str, limits: Limits) -> tuple[float, Any]:
    started = time.monotonic()
    outcome = await sandbox.run(JobSpec(source=source, limits=limits))
    elapsed = (time.monotonic() - started) * 1000
    if outcome.status != "ok":
        raise RuntimeError(f"bench job ended {outcome.status}: {outcome.error or outcome.stderr[-500:]}")
    return elapsed, outcome


async def run_bench(*, n: int = 20, cold_n: int = 3, warmup: int = 6, config: PoolConfig | None = None,
                    hide_paths: list[str] | None = None) -> dict[str, Any]:
    config = config or PoolConfig()
    limits = Limits(threads=1, total_s=30.0)
    warm = Sandbox(pool=config, hide_paths=hide_paths)
    if warm.refusal:
        raise RuntimeError(warm.refusal)
    cold_config = replace(config, size=1, spare_slots=0, warmup=False, preload=("torch",),
                          uid_base=config.uid_base + 100)
    try:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, warm.pool.wait_ready)
        for _ in range(warmup):  # fill every slot's spare, as in steady operation
            await _timed(warm, TRAIN, limits)
        trivial: list[float] = []
        train: list[float] = []
        cold: list[float] = []
        child_rss: list[float] = []
        for i in range(n):
            trivial.append((await _timed(warm, TRIVIAL, limits))[0])
            elapsed, outcome = await _timed(warm, TRAIN, limits)
            train.append(elapsed)
            child_rss.append(int(outcome.stdout.split("maxrss_kb=")[1].split()[0]) / 1024)
            if i % max(1, n // max(cold_n, 1)) == 0 and len(cold) < cold_n:  # interleaved: same conditions
                started = time.monotonic()
                sandbox = Sandbox(pool=cold_config, hide_paths=hide_paths)
                try:
                    await _timed(sandbox, TRAIN, limits)
                finally:
                    sandbox.close()
                cold.append((time.monotonic() - started) * 1000)
        await warm.idle()
        warm_train = _summary(train)
        cold_train = _summary(cold)
        ratio = (cold_train["median"] / warm_train["median"]) if warm_train["median"] else None
        return {
            "warm_trivial_ms": _summary(trivial), "warm_train_ms": warm_train, "cold_train_ms": cold_train,
            "ratio": round(ratio, 1) if ratio else None, "zygote_rss_mb": round(warm.pool.zygote_rss_mb, 1),
            "child_rss_mb": round(statistics.median(child_rss), 1) if child_rss else None,
            "child_charged_mb": round(warm.last_peak_memory_mb, 1),
            "zygote_start_s": warm.pool.zygote_start_s, "pool_size": config.size, "threads": limits.threads,
            "slots": config.size + config.spare_slots, "pinning": warm.pinning, "shared_cores": warm.shared_cores,
            "lanes": [list(lane) for lane in warm.lanes.lanes.lanes],
            "slot_cores": {str(slot): list(cores) for slot, cores in sorted(warm.slot_cores.items())},
            "isolation": "cgroup(memory,pids,cpu)+ns(mnt,pid,net,ipc,uts,cgroup)+pivot_root+uid+nnp+seccomp(allow-list)",
        }
    finally:
        warm.close()
