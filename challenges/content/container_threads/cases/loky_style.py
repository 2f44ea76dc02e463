# Modelled on joblib/loky's _cpu_count_cgroup (how a library does it), with the root as an argument.
import math
import os

import torch


def _cpu_count_cgroup(os_cpu_count, root):
    cpu_max_fname = os.path.join(root, "cpu.max")
    cfs_quota_fname = os.path.join(root, "cpu", "cpu.cfs_quota_us")
    cfs_period_fname = os.path.join(root, "cpu", "cpu.cfs_period_us")
    if os.path.exists(cpu_max_fname):
        with open(cpu_max_fname) as fh:
            cpu_quota_us, cpu_period_us = fh.read().strip().split()
    elif os.path.exists(cfs_quota_fname) and os.path.exists(cfs_period_fname):
        with open(cfs_quota_fname) as fh:
            cpu_quota_us = fh.read().strip()
        with open(cfs_period_fname) as fh:
            cpu_period_us = fh.read().strip()
    else:
        cpu_quota_us = "max"
        cpu_period_us = 100_000
    if cpu_quota_us == "max":
        return os_cpu_count
    cpu_quota_us = int(cpu_quota_us)
    cpu_period_us = int(cpu_period_us)
    if cpu_quota_us > 0 and cpu_period_us > 0:
        return math.ceil(cpu_quota_us / cpu_period_us)
    return os_cpu_count


def configure_threads(env, cgroup_root):
    os_cpu_count = os.cpu_count() or 1
    n = min(os_cpu_count, _cpu_count_cgroup(os_cpu_count, cgroup_root))
    if "OMP_NUM_THREADS" in env:
        n = min(n, int(env["OMP_NUM_THREADS"]))
    n = max(1, n)
    torch.set_num_threads(n)
    return n
