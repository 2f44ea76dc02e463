"""Thin ctypes wrappers for the kernel calls Python 3.11 does not expose (unshare, mount, prctl).

They live in one place so the isolation code reads as a list of steps, and so a missing call
fails loudly with the errno instead of silently skipping a protection.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)

CLONE_NEWNS = 0x00020000
CLONE_NEWCGROUP = 0x02000000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2

PR_SET_PDEATHSIG = 1
PR_SET_DUMPABLE = 4
PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36

SYS_close_range = 436  # x86_64 and aarch64 share this number
SYS_pause_x86_64 = 34
CLONE_VM = 0x00000100
SIGCHLD = 17

#: The stack of the one process ``clone_sleeper`` may start (each forked copy of this module has its own).
_SLEEPER_STACK = ctypes.create_string_buffer(64 * 1024)


def close_range(first: int, last: int = 0xFFFFFFFF) -> None:
    """Close every fd from ``first`` on (falls back to a loop where the call is missing)."""
    if _libc.syscall(ctypes.c_long(SYS_close_range), ctypes.c_uint(first), ctypes.c_uint(last), ctypes.c_uint(0)) != 0:
        os.closerange(first, min(last + 1, 65536))


def sethostname(name: str) -> None:
    data = name.encode()
    _check(_libc.sethostname(data, ctypes.c_size_t(len(data))), "sethostname")


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            source.encode(), target.encode(), fstype.encode() if fstype else None,
            ctypes.c_ulong(flags), data.encode() if data else None,
        ),
        f"mount {target}",
    )


def umount(target: str, flags: int = MNT_DETACH) -> None:
    _check(_libc.umount2(target.encode(), ctypes.c_int(flags)), f"umount {target}")


def pivot_root(new_root: str, put_old: str) -> None:
    SYS_pivot_root = 155  # x86_64
    _check(_libc.syscall(SYS_pivot_root, new_root.encode(), put_old.encode()), "pivot_root")


def prctl(option: int, arg: int = 0) -> None:
    _check(_libc.prctl(ctypes.c_int(option), ctypes.c_ulong(arg), 0, 0, 0), f"prctl {option}")


def clone_sleeper() -> int:
    """Start a child that shares our memory and only sleeps in pause(2), forever (until SIGKILL);
    return its pid. No copy of the address space is made (a fork of a warmed torch process copies
    ~1 GB worth of page tables, ~20 ms on a busy host), which makes it a cheap init for a new pid
    namespace. The child runs libc's ``syscall(SYS_pause)`` on a private stack and touches nothing
    else; it inherits our signal dispositions, so call this with no handler installed that it
    could run. x86_64 only (aarch64 has no pause(2)): raises OSError elsewhere."""
    if os.uname().machine != "x86_64":
        raise OSError(38, "clone_sleeper: x86_64 only")
    clone = _libc.clone
    clone.restype = ctypes.c_int
    clone.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    entry = ctypes.cast(_libc.syscall, ctypes.c_void_p)
    top = (ctypes.addressof(_SLEEPER_STACK) + len(_SLEEPER_STACK) - 64) & ~0xF
    pid = clone(entry, ctypes.c_void_p(top), ctypes.c_int(CLONE_VM | SIGCHLD), ctypes.c_void_p(SYS_pause_x86_64))
    if pid < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"clone: {os.strerror(err)}")
    return int(pid)
