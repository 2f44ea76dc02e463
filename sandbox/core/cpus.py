"""Fair CPU: every running job trains on cores of its own, so its speed does not depend on its
neighbours.

The host's usable cores (what the supervisor's own affinity allows) are split into one *lane*
per job that may run at once (the pool's ``size``); a job takes a free lane when it starts and
gives it back when it ends. The lane is enforced twice: the slot's cgroup gets it as
``cpuset.cpus`` where the kernel offers the cpuset controller (``sandbox.core.cgroups``), and
the job process sets it as its affinity before its seccomp filter applies (``isolation.specialize``;
``sched_setaffinity`` is not on the job's allow-list, so the job cannot widen it). Lanes are per
running job, not per slot, because a pool has more slots than running jobs (the spare slots):
two busy slots never share a lane unless the pool is oversubscribed (a size larger than the
cores), which is reported, and then jobs share the least-used lane.

Why the default pool size is ``cores // threads``: a job with ``threads`` intra-op threads needs
that many cores to train at the speed its challenge was calibrated at; on a 2-core host a
2-thread job leaves no room for a neighbour.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass


def usable_cores() -> tuple[int, ...]:
    """The cores this process may run on (its affinity, which already reflects its cpuset)."""
    try:
        return tuple(sorted(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return tuple(range(os.cpu_count() or 1))


def fitting_pool_size(threads: int, cores: int | None = None) -> int:
    """How many jobs of ``threads`` threads fit on the cores side by side (at least one)."""
    count = len(usable_cores()) if cores is None else cores
    return max(1, count // max(1, threads))


def split_lanes(cores: tuple[int, ...], count: int) -> tuple[tuple[int, ...], ...]:
    """``count`` lanes over ``cores``: disjoint and as even as possible when there are enough
    cores (the first lanes get the remainder), else one core each, reused round-robin."""
    if not cores:
        raise ValueError("no cores to split")
    count = max(1, count)
    if count > len(cores):
        return tuple((cores[i % len(cores)],) for i in range(count))
    width, extra = divmod(len(cores), count)
    lanes: list[tuple[int, ...]] = []
    start = 0
    for i in range(count):
        end = start + width + (1 if i < extra else 0)
        lanes.append(cores[start:end])
        start = end
    return tuple(lanes)


def cpu_list(cores: tuple[int, ...] | list[int]) -> str:
    """The kernel's list format (``0-3,6``) for ``cpuset.cpus``."""
    ordered = sorted(set(cores))
    parts: list[str] = []
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        parts.append(str(ordered[i]) if i == j else f"{ordered[i]}-{ordered[j]}")
        i = j + 1
    return ",".join(parts)


def parse_cpu_list(text: str) -> tuple[int, ...]:
    """The inverse of ``cpu_list`` (what ``cpuset.cpus`` files hold)."""
    cores: set[int] = set()
    for part in text.strip().split(","):
        if not part:
            continue
        low, _, high = part.partition("-")
        cores.update(range(int(low), int(high or low) + 1))
    return tuple(sorted(cores))


@dataclass(frozen=True)
class Lanes:
    """The pool's lanes over its cores; ``shared`` when the pool is larger than the cores."""

    cores: tuple[int, ...]
    lanes: tuple[tuple[int, ...], ...]

    @classmethod
    def over(cls, cores: tuple[int, ...], count: int) -> Lanes:
        return cls(cores, split_lanes(cores, count))

    @property
    def shared(self) -> bool:
        return len(self.lanes) > len(self.cores)


class LaneLeases:
    """Which running job holds which lane. Thread-safe: several event loops may share a sandbox."""

    def __init__(self, lanes: Lanes) -> None:
        self.lanes = lanes
        self._holders = [0] * len(lanes.lanes)
        self._lock = threading.Lock()

    def take(self) -> int:
        """A free lane's index; when none is free (more jobs than lanes), the least-used one."""
        with self._lock:
            index = min(range(len(self._holders)), key=lambda i: (self._holders[i], i))
            self._holders[index] += 1
            return index

    def give(self, index: int) -> None:
        with self._lock:
            if self._holders[index] > 0:
                self._holders[index] -= 1

    def busy(self) -> list[int]:
        with self._lock:
            return list(self._holders)

    def cores(self, index: int) -> tuple[int, ...]:
        return self.lanes.lanes[index]
