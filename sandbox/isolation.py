"""Isolation steps a job process applies to itself before any learner code runs.

Called between fork and exec (``preexec_fn``), as root. Order matters: cgroup first (so even our
own set-up is accounted), then namespaces, then the filesystem view, then limits, then the uid
drop and no_new_privs, after which nothing can be undone.
"""

from __future__ import annotations

import os
import resource
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sandbox import kernel
from sandbox.cgroups import JobCgroup
from sandbox.job import Limits

# Host paths hidden from jobs behind empty tmpfs mounts: secrets, other users, the database.
HIDDEN_DIRS = ("/root", "/home", "/var", "/run", "/srv", "/opt", "/mnt", "/media", "/etc/ssl/private")
SCRATCH = "/tmp"


@dataclass(frozen=True)
class JobIdentity:
    uid: int
    gid: int


def _keep_visible_under(hidden: str, keep: list[str]) -> list[str]:
    return [k for k in keep if k == hidden or k.startswith(hidden.rstrip("/") + "/")]


def build_filesystem(scratch_mb: int, keep: list[str], hide: list[str]) -> None:
    """Private mount tree: read-only everything, secrets hidden, a small noexec scratch."""
    kernel.mount("none", "/", None, kernel.MS_REC | kernel.MS_PRIVATE)
    stash = "/dev/shm/.tutor-keep"
    # Paths we need (the interpreter and site-packages) may live under a hidden dir (pyenv in
    # /root): bind them aside, cover the dir with an empty tmpfs, then bind them back read-only.
    for hidden in HIDDEN_DIRS:
        if not os.path.isdir(hidden):
            continue
        needed = [k for k in _keep_visible_under(hidden, keep) if os.path.isdir(k)]
        needed = [k for k in needed if not any(k != o and k.startswith(o + "/") for o in needed)]
        stashed = []
        for i, path in enumerate(needed):
            target = f"{stash}-{hidden.strip('/').replace('/', '_')}-{i}"
            os.makedirs(target, exist_ok=True)
            kernel.mount(path, target, None, kernel.MS_BIND | kernel.MS_REC)
            stashed.append((path, target))
        kernel.mount("tmpfs", hidden, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV, "size=1m,mode=755")
        for path, target in stashed:
            os.makedirs(path, exist_ok=True)
            kernel.mount(target, path, None, kernel.MS_BIND | kernel.MS_REC)
            kernel.umount(target)
            os.rmdir(target)
    for path in hide:
        if os.path.isdir(path):
            kernel.mount("tmpfs", path, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV, "size=1m,mode=755")
        elif os.path.isfile(path):
            kernel.mount("/dev/null", path, None, kernel.MS_BIND)
    kernel.mount("tmpfs", "/dev/shm", "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV | kernel.MS_NOEXEC, "size=16m,nr_inodes=1000,mode=1777")
    # Remount the root read-only (this mount namespace only), then mount the scratch.
    kernel.mount("none", "/", None, kernel.MS_REMOUNT | kernel.MS_BIND | kernel.MS_RDONLY)
    kernel.mount(
        "tmpfs", SCRATCH, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV | kernel.MS_NOEXEC,
        f"size={scratch_mb}m,nr_inodes=10000,mode=1777",
    )


def set_rlimits(limits: Limits) -> None:
    cpu = int(limits.total_s * 2) + 5
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu))
    fsize = limits.file_size_mb << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, 8 << 20))


def preexec(
    cgroup: JobCgroup, limits: Limits, identity: JobIdentity, keep: list[str], hide: list[str]
) -> Callable[[], None]:
    """The function run in the forked child before exec."""

    def isolate() -> None:
        kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL)
        cgroup.attach(os.getpid())
        kernel.unshare(kernel.CLONE_NEWNS | kernel.CLONE_NEWNET | kernel.CLONE_NEWIPC | kernel.CLONE_NEWUTS)
        build_filesystem(limits.scratch_mb, keep, hide)
        os.chdir(SCRATCH)
        set_rlimits(limits)
        os.setgroups([])
        os.setresgid(identity.gid, identity.gid, identity.gid)
        os.setresuid(identity.uid, identity.uid, identity.uid)
        kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1)

    return isolate


def interpreter_paths() -> list[str]:
    """What a job needs to see: the interpreter's prefixes and where our packages live."""
    import sys

    import sandbox

    paths = {sys.prefix, sys.base_prefix, sys.exec_prefix, os.path.realpath(sys.executable)}
    paths.add(str(Path(sandbox.__file__).resolve().parent.parent))
    return sorted(str(Path(p).resolve()) for p in paths)
