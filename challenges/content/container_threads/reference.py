"""Reference solution for container-threads: the smallest of the operator's OMP_NUM_THREADS, the
cgroup CPU quota (v2 or v1, rounded up) and the host's core count, applied to torch."""

import math
import os
from pathlib import Path

import torch


def _read(path):
    try:
        return Path(path).read_text().strip()
    except OSError:
        return None


def cgroup_cpus(cgroup_root):
    """CPUs the container may use according to its cgroup quota, or None when unlimited."""
    cpu_max = _read(Path(cgroup_root) / "cpu.max")  # cgroup v2: "QUOTA PERIOD" or "max PERIOD"
    if cpu_max is not None:
        quota, _, period = cpu_max.partition(" ")
    else:  # cgroup v1: two files, quota -1 = unlimited
        quota = _read(Path(cgroup_root) / "cpu" / "cpu.cfs_quota_us")
        period = _read(Path(cgroup_root) / "cpu" / "cpu.cfs_period_us")
    if not quota or quota == "max" or not period:
        return None
    quota, period = int(quota), int(period)
    if quota <= 0 or period <= 0:
        return None
    return math.ceil(quota / period)


def configure_threads(env, cgroup_root):
    limits = [os.cpu_count() or 1]
    quota = cgroup_cpus(cgroup_root)
    if quota is not None:
        limits.append(quota)
    omp = str(env.get("OMP_NUM_THREADS", "")).strip()
    if omp.isdigit() and int(omp) > 0:
        limits.append(int(omp))
    threads = max(1, min(limits))
    torch.set_num_threads(threads)
    return threads
