"""Per-job control groups: memory (swap 0), pids and cpu, created before any learner code runs.

cgroup v2 is used where the unified hierarchy has the controllers; otherwise the v1 controllers
(this is what the development machines have). The supervisor, never the job, creates, reads and
removes the group, and kills everything in it at the wall-clock limit.
"""

from __future__ import annotations

import os
import signal
import time
from dataclasses import dataclass
from pathlib import Path

from sandbox.errors import SandboxUnavailable

ROOT = Path("/sys/fs/cgroup")
PARENT = "torch-tutor"


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def detect_version() -> int:
    unified = ROOT / "cgroup.controllers"
    if unified.exists() and {"memory", "pids"} <= set(unified.read_text().split()):
        return 2
    if (ROOT / "memory" / "memory.limit_in_bytes").exists() and (ROOT / "pids").is_dir():
        return 1
    raise SandboxUnavailable("no usable cgroup memory+pids controllers (cgroup v1 or v2)")


@dataclass
class JobCgroup:
    """One job's cgroup(s). ``paths`` are the per-controller directories (one on v2)."""

    name: str
    version: int
    paths: list[Path]

    @classmethod
    def create(cls, name: str, *, memory_mb: int, pids: int, cpus: float) -> JobCgroup:
        version = detect_version()
        mem = str(memory_mb << 20)
        if version == 2:
            parent = ROOT / PARENT
            parent.mkdir(exist_ok=True)
            _write(parent / "cgroup.subtree_control", "+memory +pids +cpu")
            path = parent / name
            path.mkdir()
            _write(path / "memory.max", mem)
            _write(path / "memory.swap.max", "0")
            _write(path / "pids.max", str(pids))
            _write(path / "cpu.max", f"{int(cpus * 100000)} 100000")
            return cls(name, 2, [path])
        paths = []
        for controller in ("memory", "pids", "cpu"):
            base = ROOT / controller / PARENT
            base.mkdir(exist_ok=True)
            path = base / name
            path.mkdir()
            paths.append(path)
        memory, pids_path, cpu = paths
        _write(memory / "memory.limit_in_bytes", mem)
        if (memory / "memory.memsw.limit_in_bytes").exists():
            _write(memory / "memory.memsw.limit_in_bytes", mem)  # swap 0
        _write(memory / "memory.swappiness", "0")
        _write(pids_path / "pids.max", str(pids))
        _write(cpu / "cpu.cfs_period_us", "100000")
        _write(cpu / "cpu.cfs_quota_us", str(int(cpus * 100000)))
        return cls(name, 1, paths)

    def attach(self, pid: int) -> None:
        """Move a process in (called from the child itself before it runs learner code)."""
        for path in self.paths:
            _write(path / "cgroup.procs", str(pid))

    def pids(self) -> list[int]:
        found: set[int] = set()
        for path in self.paths:
            try:
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return sorted(found)

    def oom_killed(self) -> bool:
        memory = self.paths[0]
        try:
            if self.version == 2:
                events = (memory / "memory.events").read_text()
            else:
                events = (memory / "memory.oom_control").read_text()
        except OSError:
            return False
        for line in events.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and int(value) > 0:
                return True
        return False

    def kill_all(self) -> None:
        if self.version == 2 and (self.paths[0] / "cgroup.kill").exists():
            _write(self.paths[0] / "cgroup.kill", "1")
            return
        for _ in range(50):  # v1: no atomic kill; loop until the group is empty
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.01)

    def remove(self) -> None:
        self.kill_all()
        for path in self.paths:
            for _ in range(100):
                try:
                    path.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.01)
