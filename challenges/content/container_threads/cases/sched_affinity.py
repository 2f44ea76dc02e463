# Often advised instead of os.cpu_count(): the CPUs this process may run on. Docker's --cpus sets a
# CFS quota, not an affinity mask, so this still sees the whole host.
import os

import torch


def configure_threads(env, cgroup_root):
    n = len(os.sched_getaffinity(0))
    if env.get("OMP_NUM_THREADS"):
        n = min(n, int(env["OMP_NUM_THREADS"]))
    torch.set_num_threads(n)
    return n
