"""Isolation steps a freshly forked job applies to itself before any learner code runs.

Runs in the zygote's child, as root, in this order (each step narrows what the next can reach,
and nothing after the uid drop can be undone):

1. new session, parent-death signal, stdio and the job channel on fixed fds, every other fd closed;
2. join the slot's cgroup (memory with swap 0, pids, cpu), so even our own set-up is accounted;
3. new mount, network (empty: no loopback up), ipc, uts, pid and cgroup namespaces;
4. a minimal root: an empty tmpfs with read-only binds of the interpreter, the venv, the shared
   libraries, a curated export of our own packages, a synthetic ``/etc`` without secrets and
   ``/dev/{null,zero,random,urandom}``; no ``/proc``, no ``/sys``; ``pivot_root`` and the old
   root detached, the new root remounted read-only;
5. two more forks: the pid namespace's init (PID 1, root, does nothing but hold the namespace)
   and the job (PID 2); the first child stays outside the namespace, waits for the job and ends
   the way it ended, signal included (see ``_enter_pid_namespace``); parent-death signal again;
6. a size- and inode-limited ``noexec`` scratch tmpfs at ``/tmp`` owned by the job uid, a new
   cgroup namespace, rlimits (no RLIMIT_AS: ``import torch`` alone maps 3 GB; RLIMIT_CORE 0),
   groups, gid and the slot's uid (leased host-wide by the pool), no_new_privs, not dumpable,
   umask and cwd, then the seccomp allow-list.

No process of a job can dump core: RLIMIT_CORE is 0 from the zygote down, and every process that
runs as the job's uid is made non-dumpable after its uid change (a pipe ``core_pattern`` ignores
RLIMIT_CORE, not dumpability).

Steps 2-5 (``enclose``) depend only on the pool slot, so the zygote runs them in a *spare* child
ahead of time; steps 6+ and the scratch mount (``specialize``) run once the job is known. A job
therefore never waits for the two forks, the cgroup attach or the mounts (~40-100 ms on a busy
2-core host): only for ~1-5 ms of specialisation.

No user namespace: the zygote is root, and the job ends as a non-root uid with empty capability
sets in the *initial* user namespace, which is less privilege than root inside a user namespace
and keeps the user-namespace kernel surface (a common LPE route) out of reach; seccomp also
refuses ``unshare``/``clone`` with namespace flags, so a job cannot create one later.
"""

from __future__ import annotations

import os
import resource
import signal
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

from sandbox.core import kernel

SCRATCH = "/tmp"
CHANNEL_FD = 3
ISOLATION_FAILED = 121  # exit code of a child that could not isolate itself (our fault)
DEVICES = ("/dev/null", "/dev/zero", "/dev/random", "/dev/urandom")


@dataclass(frozen=True)
class RootPlan:
    """The read-only view a job gets: host paths bound at the same place, or mapped elsewhere."""

    mountpoint: str  # an empty root-owned host directory the new root is built on
    exec_binds: list[str] = field(default_factory=list)  # interpreter, venv, libs: ro, exec allowed
    data_binds: dict[str, str] = field(default_factory=dict)  # target -> host source: ro, noexec
    symlinks: dict[str, str] = field(default_factory=dict)  # /lib64 -> usr/lib64 etc.
    hide: list[str] = field(default_factory=list)  # paths under a bind to cover anyway

    def to_json(self) -> dict[str, Any]:
        return {"mountpoint": self.mountpoint, "exec_binds": self.exec_binds, "data_binds": self.data_binds,
                "symlinks": self.symlinks, "hide": self.hide}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> RootPlan:
        return cls(str(data["mountpoint"]), list(data["exec_binds"]), dict(data["data_binds"]),
                   dict(data["symlinks"]), list(data["hide"]))


@dataclass(frozen=True)
class JobPlan:
    """Per-job isolation parameters, sent by the supervisor to the zygote as JSON."""

    job_id: str
    isolate: bool
    slot: int
    uid: int
    gid: int
    cgroup_procs: list[str]
    scratch_mb: int
    scratch_inodes: int
    file_size_mb: int
    open_files: int
    cpu_s: int
    env: dict[str, str]
    devices: list[str] = field(default_factory=list)  # extra device nodes (GPU jobs)
    cpus: list[int] = field(default_factory=list)  # the job's own cores (its lane); empty: not pinned

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> JobPlan:
        return cls(**data)


def _mkdirs(path: str) -> None:
    os.makedirs(path, mode=0o755, exist_ok=True)


def _bind(source: str, target: str, flags: int) -> None:
    if os.path.isdir(source):
        _mkdirs(target)
    else:
        _mkdirs(os.path.dirname(target))
        if not os.path.exists(target):
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    kernel.mount(source, target, None, kernel.MS_BIND | kernel.MS_REC)
    kernel.mount("none", target, None, kernel.MS_REMOUNT | kernel.MS_BIND | flags)


def build_root(plan: RootPlan, job: JobPlan) -> None:
    """Build the job's root on ``plan.mountpoint`` and pivot into it (mount namespace already new)."""
    ro = kernel.MS_RDONLY | kernel.MS_NOSUID | kernel.MS_NODEV
    kernel.mount("none", "/", None, kernel.MS_REC | kernel.MS_PRIVATE)
    new = plan.mountpoint
    kernel.mount("tmpfs", new, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV, "size=2m,nr_inodes=4096,mode=755")
    for target, source in plan.data_binds.items():  # first: exec binds may nest inside (a venv)
        if os.path.exists(source):
            _bind(source, new + target, ro | kernel.MS_NOEXEC)
    for path in plan.exec_binds:
        if os.path.exists(path):
            _bind(path, new + path, ro)
    for link, target in plan.symlinks.items():
        if not os.path.lexists(new + link):
            os.symlink(target, new + link)
    for path in plan.hide:
        if any(path == b or path.startswith(b.rstrip("/") + "/") for b in plan.exec_binds) and os.path.exists(path):
            if os.path.isdir(path):
                kernel.mount("tmpfs", new + path, "tmpfs", ro | kernel.MS_NOEXEC, "size=4k,mode=755")
            else:
                kernel.mount("/dev/null", new + path, None, kernel.MS_BIND)
    for dev in DEVICES + tuple(job.devices):
        if os.path.exists(dev):
            _bind(dev, new + dev, kernel.MS_NOSUID | kernel.MS_NOEXEC)
    etc = new + "/etc"
    _mkdirs(etc)
    files = {
        "passwd": f"root:x:0:0:root:/:/usr/sbin/nologin\nlearner:x:{job.uid}:{job.gid}:learner:/tmp:/usr/sbin/nologin\n",
        "group": f"root:x:0:\nlearner:x:{job.gid}:\n",
        "hostname": "sandbox\n",
        "hosts": "127.0.0.1 localhost\n",
        "nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
    }
    for name, text in files.items():
        with open(f"{etc}/{name}", "w") as fh:
            fh.write(text)
    if os.path.exists("/etc/ld.so.cache"):
        _bind("/etc/ld.so.cache", etc + "/ld.so.cache", ro)
    _mkdirs(new + SCRATCH)
    _stash_binds_under_scratch(new, [*plan.data_binds, *plan.exec_binds])
    os.chdir(new)
    kernel.pivot_root(".", ".")  # the old root ends up stacked on "/": detach it
    kernel.umount(".", kernel.MNT_DETACH)
    os.chdir("/")
    kernel.mount("none", "/", None, kernel.MS_REMOUNT | ro)


def set_rlimits(job: JobPlan) -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (job.cpu_s, job.cpu_s))
    fsize = job.file_size_mb << 20
    resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))
    resource.setrlimit(resource.RLIMIT_NOFILE, (job.open_files, job.open_files))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    resource.setrlimit(resource.RLIMIT_STACK, (8 << 20, 8 << 20))
    resource.setrlimit(resource.RLIMIT_MEMLOCK, (0, 0))
    resource.setrlimit(resource.RLIMIT_MSGQUEUE, (0, 0))


def _enter_pid_namespace(job: JobPlan) -> None:
    """Fork the new pid namespace's init, then the job; this process, left outside the namespace,
    waits for the job and ends the way the job ended. Returns in the job.

    Why the job is not PID 1 itself: the kernel drops every signal a namespace's init sends itself
    (or gets from inside) without a handler of its own, so ``os.kill(os.getpid(), SIGSEGV)``,
    ``raise(SIGABRT)`` or ``abort()`` (which then falls back to a SIGSEGV) would not end the job
    with its own signal. The init is root, so the job cannot signal, trace or re-limit it; when it
    dies the kernel kills everything left in the namespace."""
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
        signal.signal(sig, signal.SIG_DFL)  # nothing of ours for the init to run, nor for us
    try:
        init = kernel.clone_sleeper()  # shares our memory: no second copy of the zygote's
    except OSError:
        init = os.fork()
        if init == 0:
            _namespace_init()
    pid = os.fork()
    if pid == 0:
        kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL)
        signal.signal(signal.SIGINT, signal.default_int_handler)  # as every Python program has it
        return
    _mirror(pid, init, job)


def _namespace_init() -> NoReturn:
    """PID 1 of the job's pid namespace where ``kernel.clone_sleeper`` is not available: holds the
    namespace, nothing more (the job cannot fork, so there are no orphans to reap; our parent
    kills us once the job is over)."""
    try:
        kernel.prctl(kernel.PR_SET_PDEATHSIG, signal.SIGKILL)
        kernel.close_range(0)
        kernel.prctl(kernel.PR_SET_DUMPABLE, 0)
        while True:
            signal.pause()
    finally:
        os._exit(0)


def _mirror(pid: int, init: int, job: JobPlan) -> NoReturn:
    """Wait for the job, then end the same way: same exit code, or the same signal. A signal is
    re-raised only after dropping to the job's uid, not dumpable and with RLIMIT_CORE 0, so that
    a crashing job's signal is reported by the wait status the zygote sees, and nothing is dumped
    (never a core of this process, which is a copy of the zygote, written as root)."""
    status = 0
    try:
        kernel.close_range(0)
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                break
            except InterruptedError:
                continue
    finally:
        try:
            os.kill(init, signal.SIGKILL)
            os.waitpid(init, 0)
        except OSError:
            pass
    if not os.WIFSIGNALED(status):
        os._exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 1)
    sig = os.WTERMSIG(status)
    try:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        os.setgroups([])
        os.setresgid(job.gid, job.gid, job.gid)
        os.setresuid(job.uid, job.uid, job.uid)
        kernel.prctl(kernel.PR_SET_DUMPABLE, 0)
        if sig not in (signal.SIGKILL, signal.SIGSTOP):
            signal.signal(sig, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {sig})
        os.kill(os.getpid(), sig)
    finally:
        os._exit(128 + sig)  # the signal did not end us (or we could not drop root): say it with the code


STASH = "/.under-scratch"  # binds that live below SCRATCH wait here until the scratch is mounted


def _stash_binds_under_scratch(new: str, targets: list[str]) -> None:
    """A project or venv below /tmp (a CI clone, say) would vanish under the scratch tmpfs:
    park a recursive bind of each such tree in STASH, to be put back by ``mount_scratch``."""
    prefix = SCRATCH.rstrip("/") + "/"
    under = sorted({t for t in targets if t.startswith(prefix) and os.path.exists(new + t)})
    tops = [t for t in under if not any(t != o and t.startswith(o.rstrip("/") + "/") for o in under)]
    if not tops:
        return
    _mkdirs(new + STASH)
    for i, target in enumerate(tops):
        _bind(new + target, f"{new}{STASH}/{i}", kernel.MS_RDONLY | kernel.MS_NOSUID | kernel.MS_NODEV)
    with open(f"{new}{STASH}/targets", "w") as fh:
        fh.write("\n".join(tops))


def mount_scratch(job: JobPlan) -> None:
    """The job's only writable place: size- and inode-limited, noexec, owned by the job's uid."""
    kernel.mount(
        "tmpfs", SCRATCH, "tmpfs", kernel.MS_NOSUID | kernel.MS_NODEV | kernel.MS_NOEXEC,
        f"size={job.scratch_mb}m,nr_inodes={job.scratch_inodes},mode=700,uid={job.uid},gid={job.gid}",
    )
    try:
        with open(f"{STASH}/targets") as fh:
            targets = fh.read().split("\n")
    except FileNotFoundError:
        return
    for i, target in enumerate(targets):
        _mkdirs(target)  # root-owned parents inside the scratch; the job cannot remove a mountpoint
        kernel.mount(f"{STASH}/{i}", target, None, kernel.MS_BIND | kernel.MS_REC)
        kernel.umount(f"{STASH}/{i}")


class _Marks:
    def __init__(self) -> None:
        self.t0 = time.perf_counter()
        self.marks: dict[str, float] = {}

    def __call__(self, name: str) -> None:
        self.marks[name] = round((time.perf_counter() - self.t0) * 1000, 2)


def enclose(job: JobPlan, root: RootPlan) -> dict[str, float]:
    """Steps 2-5: cgroup, namespaces, the new root, the pid namespace. Job-independent except for the slot,
    so a *spare* child can do them ahead of time, before its job arrives."""
    mark = _Marks()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # for the three processes forked below
    for path in job.cgroup_procs:
        with open(path, "w") as fh:
            fh.write(str(os.getpid()))
    mark("cgroup")
    kernel.unshare(
        kernel.CLONE_NEWNS | kernel.CLONE_NEWNET | kernel.CLONE_NEWIPC | kernel.CLONE_NEWUTS | kernel.CLONE_NEWPID
    )
    kernel.sethostname("sandbox")
    mark("unshare")
    build_root(root, job)
    mark("root")
    _enter_pid_namespace(job)
    mark("pidns")
    return mark.marks


def specialize(job: JobPlan, seccomp_filter: Any) -> dict[str, float]:
    """Step 6 and the scratch: the per-job part, done once the job is known. Irreversible."""
    mark = _Marks()
    mount_scratch(job)
    if job.cpus:  # its lane (also the slot's cpuset where there is one); not on the allow-list after this
        os.sched_setaffinity(0, job.cpus)
    kernel.unshare(kernel.CLONE_NEWCGROUP)  # the job's cgroup becomes its cgroup root
    set_rlimits(job)
    os.setgroups([])
    os.setresgid(job.gid, job.gid, job.gid)
    os.setresuid(job.uid, job.uid, job.uid)
    kernel.prctl(kernel.PR_SET_NO_NEW_PRIVS, 1)
    kernel.prctl(kernel.PR_SET_DUMPABLE, 0)  # after the uid change, which resets it
    os.umask(0o077)
    os.chdir(SCRATCH)  # umask and chdir are not on the allow-list: done before it applies
    seccomp_filter.load()
    mark("specialize")
    return mark.marks


def enter(job: JobPlan, root: RootPlan, seccomp_filter: Any) -> dict[str, float]:
    """Apply every isolation step to the calling (freshly forked, root) process; step timings in ms."""
    marks = enclose(job, root)
    marks.update(specialize(job, seccomp_filter))
    return marks
