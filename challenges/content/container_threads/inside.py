"""Sandbox side of C2.3 ``container-threads``: fake cgroup trees in scratch, a fake host size.

Each scenario writes the cgroup files a container would see (v2 ``cpu.max``; v1
``cpu/cpu.cfs_quota_us`` and ``cpu.cfs_period_us``, also under ``cpu,cpuacct``; or
nothing) under a fresh directory in the sandbox's ``/tmp`` scratch, makes ``os.cpu_count()`` (and
``os.sched_getaffinity``, ``os.process_cpu_count``) report a many-core host, hides the sandbox's
own ``OMP_NUM_THREADS`` so only the ``env`` argument speaks, sets torch's thread count to a
sentinel, and calls ``configure_threads(env, cgroup_root)``. It reports the returned value and
``torch.get_num_threads()`` afterwards, then restores everything. Imports only torch and the
standard library (it runs next to learner code).
"""

from __future__ import annotations

import numbers
import os
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import torch

from challenges.kinds import inside_kit as kit

HIDDEN_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS")


def write_tree(root: Path, tree: dict[str, Any]) -> None:
    """The cgroup files ``tree`` describes, as a container sees them under /sys/fs/cgroup."""
    root.mkdir(parents=True)
    layout = tree.get("layout")
    if layout == "v2":
        (root / "cgroup.controllers").write_text("cpuset cpu io memory hugetlb pids rdma misc\n")
        (root / "cpu.max").write_text(f"{tree['cpu_max']}\n")
        (root / "cpu.weight").write_text("100\n")
        (root / "memory.max").write_text("max\n")
    elif layout == "v1":
        # A v1 host mounts the controller as cpu,cpuacct with cpu and cpuacct linking to it; the
        # sandbox refuses symlinks, so both names are real folders with the same files.
        for name in ("cpu,cpuacct", "cpu", "cpuacct"):
            folder = root / name
            folder.mkdir()
            (folder / "cpu.cfs_quota_us").write_text(f"{tree['quota']}\n")
            (folder / "cpu.cfs_period_us").write_text(f"{tree['period']}\n")
            (folder / "cpu.shares").write_text("1024\n")
        (root / "memory").mkdir()
        (root / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")


def threads_in(learner: ModuleType, tree: dict[str, Any], env: dict[str, str], host_cpus: int,
               sentinel: int) -> dict[str, Any]:
    """``configure_threads(env, root)`` in a container with ``tree`` on a host of ``host_cpus`` cores."""
    fn = kit.contract_fn(learner, "configure_threads")
    root = Path(tempfile.mkdtemp(prefix="cgroup-")) / "sys" / "fs" / "cgroup"
    write_tree(root, tree)
    saved_env = {k: os.environ.pop(k) for k in HIDDEN_ENV if k in os.environ}
    saved_os = {name: getattr(os, name) for name in ("cpu_count", "sched_getaffinity", "process_cpu_count")
                if hasattr(os, name)}
    threads_before = torch.get_num_threads()
    fakes: dict[str, Any] = {
        "cpu_count": lambda: host_cpus,
        "sched_getaffinity": lambda pid=0: set(range(host_cpus)),
        "process_cpu_count": lambda: host_cpus,
    }
    try:
        for name in saved_os:
            setattr(os, name, fakes[name])
        torch.set_num_threads(sentinel)
        value = fn(dict(env), str(root))
        threads = torch.get_num_threads()
    finally:
        for name, original in saved_os.items():
            setattr(os, name, original)
        os.environ.update(saved_env)
        torch.set_num_threads(threads_before)
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        number: int | None = int(value) if abs(int(value)) < 1 << 31 else None
        return {"value": number, "class": "int", "threads": int(threads)}
    shown = str(value)[:40] if isinstance(value, (str, float)) else None
    return {"value": None, "class": type(value).__name__[:40], "text": shown, "threads": int(threads)}
