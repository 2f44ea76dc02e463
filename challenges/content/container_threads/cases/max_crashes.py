# `map(int, ...)` on cpu.max: fine with a quota, a ValueError on "max 100000" (no limit).
import math
import os

import torch


def configure_threads(env, cgroup_root):
    limits = [os.cpu_count()]
    path = os.path.join(cgroup_root, "cpu.max")
    if os.path.exists(path):
        quota, period = map(int, open(path).read().split())
        limits.append(math.ceil(quota / period))
    else:
        q = os.path.join(cgroup_root, "cpu", "cpu.cfs_quota_us")
        if os.path.exists(q):
            quota = int(open(q).read())
            period = int(open(os.path.join(cgroup_root, "cpu", "cpu.cfs_period_us")).read())
            if quota > 0:
                limits.append(math.ceil(quota / period))
    if "OMP_NUM_THREADS" in env:
        limits.append(int(env["OMP_NUM_THREADS"]))
    n = max(1, min(limits))
    torch.set_num_threads(n)
    return n
