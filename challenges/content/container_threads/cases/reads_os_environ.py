# Right cgroup logic, but OMP_NUM_THREADS is read from os.environ instead of the env argument.
import math
import os

import torch


def configure_threads(env, cgroup_root):
    limits = [os.cpu_count()]
    path = os.path.join(cgroup_root, "cpu.max")
    if os.path.exists(path):
        quota, period = open(path).read().split()
        if quota != "max":
            limits.append(math.ceil(int(quota) / int(period)))
    elif os.path.exists(os.path.join(cgroup_root, "cpu", "cpu.cfs_quota_us")):
        quota = int(open(os.path.join(cgroup_root, "cpu", "cpu.cfs_quota_us")).read())
        period = int(open(os.path.join(cgroup_root, "cpu", "cpu.cfs_period_us")).read())
        if quota > 0:
            limits.append(math.ceil(quota / period))
    if os.environ.get("OMP_NUM_THREADS"):
        limits.append(int(os.environ["OMP_NUM_THREADS"]))
    n = max(1, min(limits))
    torch.set_num_threads(n)
    return n
