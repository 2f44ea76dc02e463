"""Per-slot control groups: memory (swap 0), pids and cpu, joined by the job before any learner code.

cgroup v2 is used where the unified hierarchy has the controllers; otherwise the v1 controllers
(this is what the development machines have). Why per *slot* and not per job: creating and
removing a v1 memory cgroup costs ~50 ms per job (the design note measured 106-115 ms against
55-57 ms without), so each pool slot owns one group for its lifetime; between two jobs the
supervisor kills everything left in it and checks it is empty (then a *spare* child for the
next job joins it ahead of time), and at the next job's start it resets the peak counters and
sets that job's limits. OOM kills are counted as a delta from the job's start. The supervisor,
never the job, creates, reads, empties and removes the groups.

The cpuset controller is optional (``sandbox.core.cpus``: each running job's own cores): where
it exists (v1 ``cpuset``, or v2 once ``+cpuset`` is enabled in ``cgroup.subtree_control`` down to
our parent) each job's lane is written as the slot's ``cpuset.cpus``; where it does not,
``SlotCgroup.cpuset`` is None and the job's affinity alone pins it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import time
from dataclasses import dataclass, field
from pathlib import Path

from sandbox.core.cpus import cpu_list
from sandbox.core.errors import SandboxUnavailable

ROOT = Path("/sys/fs/cgroup")
PARENT = "torch-tutor"
V1_CONTROLLERS = ("memory", "pids", "cpu")
V1_CPUSET = "cpuset"  # optional: pins each job to its own cores


def _write(path: Path, value: str) -> None:
    path.write_text(value)


def detect_version() -> int:
    unified = ROOT / "cgroup.controllers"
    if unified.exists() and {"memory", "pids"} <= set(unified.read_text().split()):
        return 2
    if all((ROOT / c).is_dir() for c in V1_CONTROLLERS) and (ROOT / "memory" / "memory.limit_in_bytes").exists():
        return 1
    raise SandboxUnavailable("no usable cgroup memory+pids+cpu controllers (cgroup v1 or v2)")


def _enable_v2_cpuset(parent: Path) -> bool:
    """Turn the v2 cpuset controller on down to ``parent``'s children (root only); False when the
    kernel does not offer it here."""
    if "cpuset" not in (ROOT / "cgroup.controllers").read_text().split():
        return False
    try:
        for level in (ROOT, parent):
            if "cpuset" not in (level / "cgroup.subtree_control").read_text().split():
                _write(level / "cgroup.subtree_control", "+cpuset")
    except OSError:
        return False
    return True


def _v1_cpuset(name: str) -> Path | None:
    """The slot's v1 cpuset directory, ready to take processes (a v1 cpuset starts with no cores
    and no memory nodes, and refuses tasks until both are set): None without the controller."""
    root = ROOT / V1_CPUSET
    if not (root / "cpuset.cpus").exists():
        return None
    try:
        cpus, mems = (root / "cpuset.effective_cpus").read_text().strip(), (root / "cpuset.effective_mems").read_text().strip()
        base = root / PARENT
        base.mkdir(exist_ok=True)
        path = base / name
        path.mkdir(exist_ok=True)
        for directory in (base, path):
            for key, value in (("cpuset.cpus", cpus), ("cpuset.mems", mems)):
                if not (directory / key).read_text().strip():
                    _write(directory / key, value)
    except OSError:
        return None
    return path


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def sweep_stale(version: int) -> None:
    """Remove groups left by supervisors that died (named ``pool-<pid>-...``), and old ``job-*``."""
    bases = [ROOT / PARENT] if version == 2 else [ROOT / c / PARENT for c in (*V1_CONTROLLERS, V1_CPUSET)]
    for base in bases:
        if not base.is_dir():
            continue
        for child in base.iterdir():
            match = re.match(r"pool-(\d+)-", child.name)
            stale = child.name.startswith("job-") or (match is not None and not _pid_alive(int(match.group(1))))
            if child.is_dir() and stale:
                group = SlotCgroup(child.name, version, [child], None)
                group.kill_all()
                with contextlib.suppress(OSError):
                    child.rmdir()


@dataclass
class SlotCgroup:
    """One slot's cgroup(s). ``paths`` are the per-controller directories (one on v2);
    ``cpuset`` is the directory holding ``cpuset.cpus`` (None: no cpuset controller here)."""

    name: str
    version: int
    paths: list[Path]
    cpuset: Path | None
    _oom_base: int = field(default=0)

    @classmethod
    def create(cls, name: str) -> SlotCgroup:
        version = detect_version()
        if version == 2:
            parent = ROOT / PARENT
            parent.mkdir(exist_ok=True)
            _write(parent / "cgroup.subtree_control", "+memory +pids +cpu")
            path = parent / name
            path.mkdir(exist_ok=True)
            return cls(name, 2, [path], path if _enable_v2_cpuset(parent) else None)
        paths = []
        for controller in V1_CONTROLLERS:
            base = ROOT / controller / PARENT
            base.mkdir(exist_ok=True)
            path = base / name
            path.mkdir(exist_ok=True)
            paths.append(path)
        cpuset = _v1_cpuset(name)
        return cls(name, 1, paths + ([cpuset] if cpuset is not None else []), cpuset)

    def pin(self, cores: tuple[int, ...]) -> bool:
        """Confine the slot to ``cores`` (the job that runs next, and a spare already inside);
        False where there is no cpuset controller or the kernel refused the list."""
        if self.cpuset is None or not cores:
            return False
        try:
            _write(self.cpuset / "cpuset.cpus", cpu_list(cores))
        except OSError:
            return False
        return True

    @property
    def procs_files(self) -> list[str]:
        return [str(p / "cgroup.procs") for p in self.paths]

    def _set_memory(self, memory_bytes: int) -> None:
        memory = self.paths[0]
        if self.version == 2:
            _write(memory / "memory.max", str(memory_bytes))
            _write(memory / "memory.swap.max", "0")
            return
        limit, memsw = memory / "memory.limit_in_bytes", memory / "memory.memsw.limit_in_bytes"
        files = [limit, memsw] if memsw.exists() else [limit]
        last: OSError | None = None
        for order in (files, files[::-1]):  # memsw must stay >= limit while both change
            try:
                for f in order:
                    _write(f, str(memory_bytes))
                return
            except OSError as exc:
                last = exc
        raise SandboxUnavailable(f"cannot set the memory limit of {self.name}: {last}")

    def configure(self, *, memory_mb: int, pids: int, cpus: float) -> None:
        """Set the next job's limits and start its counters (a spare may already sit inside)."""
        self._set_memory(memory_mb << 20)
        if self.version == 2:
            _write(self.paths[0] / "pids.max", str(pids))
            _write(self.paths[0] / "cpu.max", f"{int(cpus * 100000)} 100000")
        else:
            memory, pids_path, cpu = self.paths[:3]
            _write(memory / "memory.swappiness", "0")
            with contextlib.suppress(OSError):
                _write(memory / "memory.max_usage_in_bytes", "0")
            _write(pids_path / "pids.max", str(pids))
            _write(cpu / "cpu.cfs_period_us", "100000")
            _write(cpu / "cpu.cfs_quota_us", str(int(cpus * 100000)))
        self._oom_base = self._oom_count()

    def signal_all(self) -> None:
        """One SIGKILL to everything in the group, without waiting (v2: cgroup.kill)."""
        if self.version == 2 and (self.paths[0] / "cgroup.kill").exists():
            _write(self.paths[0] / "cgroup.kill", "1")
            return
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def pids(self) -> list[int]:
        found: set[int] = set()
        for path in self.paths:
            try:
                found.update(int(p) for p in (path / "cgroup.procs").read_text().split())
            except OSError:
                pass
        return sorted(found)

    def _oom_count(self) -> int:
        memory = self.paths[0]
        try:
            events = (memory / ("memory.events" if self.version == 2 else "memory.oom_control")).read_text()
        except OSError:
            return 0
        for line in events.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill":
                return int(value)
        return 0

    def oom_killed(self) -> bool:
        """Whether the kernel OOM-killed something in the group since ``prepare``."""
        return self._oom_count() > self._oom_base

    def peak_memory_mb(self) -> float:
        name = "memory.peak" if self.version == 2 else "memory.max_usage_in_bytes"
        try:
            return int((self.paths[0] / name).read_text()) / (1 << 20)
        except (OSError, ValueError):
            return 0.0

    def kill_all(self) -> None:
        if self.version == 2 and (self.paths[0] / "cgroup.kill").exists():
            _write(self.paths[0] / "cgroup.kill", "1")
            for _ in range(200):
                if not self.pids():
                    return
                time.sleep(0.005)
            return
        for _ in range(200):  # v1: no atomic kill; loop until the group is empty
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)

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
