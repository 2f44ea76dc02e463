# Every limit right, but torch is never told: the answer is returned and nothing else changes.
import math
import os


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
    if env.get("OMP_NUM_THREADS"):
        limits.append(int(env["OMP_NUM_THREADS"]))
    n = max(1, min(limits))
    return n
