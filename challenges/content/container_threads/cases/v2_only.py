# Knows cgroup v2 only: on an older host (cgroup v1, still common) the quota is missed.
import math
import os

import torch


def configure_threads(env, cgroup_root):
    limits = [os.cpu_count()]
    try:
        quota, period = open(os.path.join(cgroup_root, "cpu.max")).read().split()
        if quota != "max":
            limits.append(math.ceil(int(quota) / int(period)))
    except FileNotFoundError:
        pass
    if "OMP_NUM_THREADS" in env:
        limits.append(int(env["OMP_NUM_THREADS"]))
    n = max(1, min(limits))
    torch.set_num_threads(n)
    return n
