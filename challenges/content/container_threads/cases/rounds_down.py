# Integer division: 1.5 CPUs of quota become 1 thread (half a CPU left idle).
import os

import torch


def _quota(root):
    try:
        quota, period = open(os.path.join(root, "cpu.max")).read().split()
    except FileNotFoundError:
        try:
            quota = open(os.path.join(root, "cpu", "cpu.cfs_quota_us")).read().strip()
            period = open(os.path.join(root, "cpu", "cpu.cfs_period_us")).read().strip()
        except FileNotFoundError:
            return None
    if quota in ("max", "-1"):
        return None
    return max(1, int(quota) // int(period))


def configure_threads(env, cgroup_root):
    limits = [os.cpu_count()]
    quota = _quota(cgroup_root)
    if quota:
        limits.append(quota)
    if "OMP_NUM_THREADS" in env:
        limits.append(int(env["OMP_NUM_THREADS"]))
    n = max(1, min(limits))
    torch.set_num_threads(n)
    return n
