# The design's negative control: every core of the host, whatever the container may use.
import os

import torch


def configure_threads(env, cgroup_root):
    n = os.cpu_count()
    torch.set_num_threads(n)
    return n
