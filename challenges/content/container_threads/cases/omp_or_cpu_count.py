# The usual first fix: honour OMP_NUM_THREADS, else the core count. Still blind to the cgroup quota.
import os

import torch


def configure_threads(env, cgroup_root):
    n = int(env.get("OMP_NUM_THREADS", os.cpu_count()))
    torch.set_num_threads(n)
    return n
