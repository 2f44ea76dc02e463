"""What the jail needs from the container a worker runs in, found out by trying it.

A worker in a container is root, but by default Docker withholds what a per-job jail needs:
CAP_SYS_ADMIN (unshare, mount, pivot_root, sethostname), an AppArmor profile that allows mount(2)
(docker-default forbids it), and a writable cgroup v2 subtree (Docker mounts ``/sys/fs/cgroup``
read-only unless the container is privileged). The static checks of
``supervisor.kernel_problems`` cannot see any of that, so without this probe every job would fail
at its first ``unshare``. ``jail_problems`` tries the calls in a throw-away child and names what is
missing together with the compose.yaml setting that grants it; ``delegate_cgroups`` makes the
container's own cgroup subtree usable (remount read-write inside the private cgroup namespace,
move our processes to a leaf, enable the controllers), which is what the jail's per-slot groups
need and no more: ``--privileged`` is never required.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import tempfile
from pathlib import Path

from sandbox.core import kernel

CGROUP_ROOT = Path("/sys/fs/cgroup")
#: The controllers the per-slot groups use (cgroups.py), enabled for the subtree on delegation.
CONTROLLERS = ("cpu", "memory", "pids")
#: The leaf our own processes move to, so the container's cgroup root may hand out controllers
#: (cgroup v2's "no internal processes" rule).
SUPERVISOR_LEAF = "tutor-supervisor"

_NAMESPACES = (
    kernel.CLONE_NEWNS | kernel.CLONE_NEWNET | kernel.CLONE_NEWIPC | kernel.CLONE_NEWUTS
    | kernel.CLONE_NEWPID | kernel.CLONE_NEWCGROUP
)
NEEDS_SYS_ADMIN = (
    "CAP_SYS_ADMIN to create each job's namespaces (unshare: {error}); give the worker container "
    "`cap_add: [SYS_ADMIN]` (compose.yaml does), not --privileged"
)
NEEDS_MOUNT = (
    "permission to mount each job's private root (mount: {error}); with AppArmor on the host, give the "
    "worker container `security_opt: [apparmor=unconfined]` (compose.yaml does)"
)
NEEDS_CGROUP = (
    "a writable cgroup v2 subtree for the per-job memory, pids and cpu limits ({error}); run the worker "
    "with its own cgroup namespace (`cgroup: private`, Docker's default on cgroup v2) and CAP_SYS_ADMIN, "
    "and set TUTOR_SANDBOX_IN_CONTAINER=1 so that it remounts its subtree read-write and delegates it"
)


def _probe_steps() -> str:
    """The namespace and mount steps the jail takes first (isolation.enclose); '' or 'step errno'."""
    try:
        kernel.unshare(_NAMESPACES)
    except OSError as exc:
        return f"unshare {errno.errorcode.get(exc.errno or 0, exc.errno)}"
    target = tempfile.mkdtemp(prefix="tutor-probe-")
    try:
        kernel.mount("none", "/", None, kernel.MS_REC | kernel.MS_PRIVATE)
        kernel.mount("tmpfs", target, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV, "size=4k")
        kernel.umount(target)
    except OSError as exc:
        return f"mount {errno.errorcode.get(exc.errno or 0, exc.errno)}"
    finally:
        with contextlib.suppress(OSError):
            os.rmdir(target)
    return ""


@functools.cache
def jail_problems() -> tuple[str, ...]:
    """What this process cannot do that every job's jail does (empty when all works). Linux only.

    The steps run in a forked child, so nothing of them touches this process; a process's
    privileges do not change, so the answer (~50 ms: a fork of a process that holds torch) is kept."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - child
        os.close(read)
        result = "probe crashed"
        try:
            result = _probe_steps()
        finally:
            os.write(write, result.encode()[:200])
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        result = pipe.read().decode(errors="replace")
    os.waitpid(pid, 0)
    step, _, error = result.partition(" ")
    if step == "unshare":
        return (NEEDS_SYS_ADMIN.format(error=error),)
    if step == "mount":
        return (NEEDS_MOUNT.format(error=error),)
    return (f"the jail probe failed: {result}",) if result else ()


def _read_only(path: Path) -> bool:
    with contextlib.suppress(OSError):
        for line in Path("/proc/self/mounts").read_text().splitlines():
            fields = line.split()
            if len(fields) >= 4 and fields[1] == str(path):
                return "ro" in fields[3].split(",")
    return False


def delegate_cgroups(root: Path = CGROUP_ROOT) -> list[str]:
    """Make a container's own cgroup v2 subtree usable by the slots; return what could not be done.

    Safe only inside a private cgroup namespace (the container's subtree is all it can see), so the
    worker calls it only when told it runs in a container (the TUTOR_SANDBOX_IN_CONTAINER setting).
    On cgroup v1, or when the controllers are already delegated, it changes nothing."""
    if not (root / "cgroup.controllers").exists():
        return []
    wanted = set(CONTROLLERS)
    enabled = set((root / "cgroup.subtree_control").read_text().split())
    if wanted <= enabled:
        return []
    try:
        if _read_only(root):
            kernel.mount("none", str(root), None, kernel.MS_REMOUNT | kernel.MS_NOSUID | kernel.MS_NODEV | kernel.MS_NOEXEC)
        leaf = root / SUPERVISOR_LEAF
        leaf.mkdir(exist_ok=True)
        for pid in (root / "cgroup.procs").read_text().split():
            with contextlib.suppress(ProcessLookupError, OSError):
                (leaf / "cgroup.procs").write_text(pid)
        (root / "cgroup.subtree_control").write_text(" ".join(f"+{c}" for c in sorted(wanted)))
    except OSError as exc:
        return [NEEDS_CGROUP.format(error=f"{exc.strerror or exc} at {exc.filename or root}")]
    return []
