"""The job's seccomp filter: a deny list over a default-allow policy, built with libseccomp.

Why a deny list and not an allow list: learner code runs the whole of CPython, torch, OpenMP and
whatever numpy dispatches to; an allow list tuned on our samples would kill real submissions on
the first unusual syscall. The deny list removes exactly the kernel surface a job must never
reach (new programs and processes, the network, ptrace and cross-process memory, mounts and
namespaces, the keyring, bpf/perf/userfaultfd/io_uring, modules and kexec, handle-based opens,
credential changes, personality, device nodes and the lock-based covert channels), and it is
applied after every other step, so the job starts with no way back.

Built once in the zygote (compiling the filter costs ~1 ms) and loaded in each forked child.
Threads keep working: ``clone`` with ``CLONE_THREAD`` is allowed, everything else is refused;
``clone3`` answers ENOSYS so glibc falls back to ``clone``, whose flags we can inspect.
"""

from __future__ import annotations

import errno
import socket
from typing import Any

CLONE_THREAD = 0x00010000
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000, 0x00000080)

F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW = 6, 7, 36, 37, 38
F_SETLEASE, F_NOTIFY = 1024, 1026
TIOCSTI = 0x5412

#: Refused outright with EPERM.
DENIED = (
    # new programs and processes
    "execve", "execveat", "fork", "vfork",
    # other processes' memory and control
    "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
    # the filesystem tree and namespaces
    "mount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
    "fsmount", "fspick", "mount_setattr", "unshare", "setns",
    # keyring
    "keyctl", "add_key", "request_key",
    # kernel attack surface a job never needs
    "bpf", "perf_event_open", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
    "open_by_handle_at", "name_to_handle_at", "personality", "mknod", "mknodat",
    "fanotify_init", "lookup_dcookie", "acct", "swapon", "swapoff", "reboot", "sethostname",
    "setdomainname", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex", "iopl", "ioperm",
    "quotactl", "syslog", "vhangup", "uselib",
    # credentials
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setfsuid", "setfsgid",
    "setgroups",
    # lock-based covert channels between jobs
    "flock",
)


def build_filter() -> Any:
    """A loaded-later ``pyseccomp.SyscallFilter`` (raises ImportError/OSError when unavailable)."""
    import pyseccomp as sc

    eperm = sc.ERRNO(errno.EPERM)
    flt = sc.SyscallFilter(sc.ALLOW)
    flt.set_attr(sc.Attr.ACT_BADARCH, sc.KILL_PROCESS)  # 32-bit/x32 entry points: kill
    flt.set_attr(sc.Attr.CTL_NNP, 1)
    for name in DENIED:
        try:
            flt.add_rule(eperm, name)
        except (OSError, ValueError, RuntimeError):  # unknown on this arch/libseccomp: nothing to deny
            continue
    # clone: only threads. A clone without CLONE_THREAD, or with any namespace flag, is refused.
    flt.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, CLONE_THREAD, 0))
    for flag in NAMESPACE_FLAGS:
        flt.add_rule(eperm, "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    flt.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    # sockets: Unix only (socketpair for in-process pipes); no IP, netlink, packet, vsock...
    for call in ("socket", "socketpair"):
        flt.add_rule(sc.ERRNO(errno.EAFNOSUPPORT), call, sc.Arg(0, sc.NE, socket.AF_UNIX))
    for cmd in (F_SETLK, F_SETLKW, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_SETLEASE, F_NOTIFY):
        flt.add_rule(eperm, "fcntl", sc.Arg(1, sc.EQ, cmd))
    flt.add_rule(eperm, "ioctl", sc.Arg(1, sc.MASKED_EQ, 0xFFFFFFFF, TIOCSTI))
    return flt


def available() -> str | None:
    """None when a filter can be built here, else what is missing."""
    try:
        build_filter()
    except ImportError:
        return "the pyseccomp binding (pip install pyseccomp)"
    except (OSError, RuntimeError, AttributeError) as exc:
        return f"libseccomp ({exc})"
    try:
        with open("/proc/self/status") as status:
            if not any(line.startswith("Seccomp:") for line in status):
                return "seccomp filtering in this kernel"
    except OSError:
        return "/proc/self/status to confirm seccomp support"
    return None
