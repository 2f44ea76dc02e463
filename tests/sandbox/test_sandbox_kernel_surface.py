"""The kernel surface a job can reach: the seccomp allow-list, 32-bit argument rules, host-wide
quotas and views, uids distinct across supervisors, the zygote's configuration, what the root
holds, and how a crash ends (its signal reported, nothing dumped).

Plain-script jobs (``run_job``) do not go through the lint, so they test the kernel layers alone:
they use ``ctypes`` to make raw system calls the way native code in a submission could.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import sysconfig
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from sandbox_support import POOL, assert_clean, run_job

from sandbox.core import seccomp
from sandbox.core.supervisor import Sandbox

pytestmark = pytest.mark.sandbox

RAW = '''
import ctypes, errno, json
libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long

def raw(nr, *args):
    ctypes.set_errno(0)
    ret = libc.syscall(ctypes.c_long(nr), *[ctypes.c_ulong(a) if isinstance(a, int) else a for a in args])
    return "ok" if ret >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))
'''

#: Host-wide quotas, host views and privileged surfaces, by x86_64 number (listmount, statmount
#: and open_tree_attr are newer than libseccomp 2.5): each must be refused by the filter itself.
#: The arguments are harmless, and chosen so that the kernel, were the call let through, would
#: answer something other than EPERM (success, EFAULT, EBADF, EINVAL...) wherever it can.
HOST_SURFACE = {
    "io_setup": "raw(206, 1, ctypes.byref(ctypes.c_ulong(0)))",
    "io_submit": "raw(209, 0, 0, 0)",
    "io_uring_setup": "raw(425, 1, 0)",
    "io_uring_enter": "raw(426, 0, 0, 0, 0, 0, 0)",
    "io_uring_register": "raw(427, 0, 0, 0, 0)",
    "listmount": "raw(458, 0, 0, 0, 0)",
    "statmount": "raw(457, 0, 0, 0, 0)",
    "open_tree": "raw(428, 0xffffff9c, b'/', 0)",
    "open_tree_attr": "raw(467, 0xffffff9c, b'/', 0, 0, 0)",
    "move_mount": "raw(429, 0, 0, 0, 0, 0)",
    "fsopen": "raw(430, b'tmpfs', 0)",
    "fsmount": "raw(432, 0, 0, 0)",
    "fspick": "raw(433, 0xffffff9c, b'/', 0)",
    "mount_setattr": "raw(442, 0, 0, 0, 0, 0)",
    "modify_ldt": "raw(154, 0, ctypes.create_string_buffer(64), 64)",
    "memfd_secret": "raw(447, 0)",
    "sync": "raw(162)",
    "syncfs": "raw(306, 1)",
    "sysinfo": "raw(99, ctypes.create_string_buffer(256))",
    "keyctl": "raw(250, 0, 0xfffffffc, 0)",
    "add_key": "raw(248, b'user', b'tutor', b'x', 1, 0xfffffffd)",
    "request_key": "raw(249, b'user', b'tutor', 0, 0)",
    "bpf": "raw(321, 0, 0, 0)",
    "perf_event_open": "raw(298, 0, 0, 0xffffffff, 0xffffffff, 0)",
    "userfaultfd": "raw(323, 0)",
    "ptrace": "raw(101, 0, 0, 0, 0)",
    "process_vm_readv": "raw(310, 1, 0, 0, 0, 0, 0)",
    "process_vm_writev": "raw(311, 1, 0, 0, 0, 0, 0)",
    "kcmp": "raw(312, 1, 1, 0, 0, 0)",
    "pidfd_open": "raw(434, 1, 0)",
    "pidfd_getfd": "raw(438, 0, 0, 0)",
    "unshare": "raw(272, 0)",
    "setns": "raw(308, 0, 0)",
    "mount": "raw(165, 0, 0, 0, 0, 0)",
    "umount2": "raw(166, b'/tmp', 2)",
    "pivot_root": "raw(155, 0, 0)",
    "chroot": "raw(161, b'/tmp')",
    "personality": "raw(135, 0xffffffff)",
    "name_to_handle_at": "raw(303, 0, 0, 0, 0, 0)",
    "fanotify_init": "raw(300, 0, 0)",
    "inotify_init1": "raw(294, 0)",
    "msgget": "raw(68, 0, 0)",
    "shmget": "raw(29, 0, 4096, 0)",
    "semget": "raw(64, 0, 1, 0)",
    "mq_open": "raw(240, b'tutor', 0, 0, 0)",
    "execve": "raw(59, 0, 0, 0)",
    "fork": "raw(57)",
    "vfork": "raw(58)",
    "setuid": "raw(105, 0)",
    "setresuid": "raw(117, 0xffffffff, 0xffffffff, 0xffffffff)",
    "capset": "raw(126, 0, 0)",
    "flock": "raw(73, 0, 2 | 4)",
    "acct": "raw(163, 0)",
    "swapoff": "raw(168, 0)",
    "quotactl": "raw(179, 0, 0, 0, 0)",
    "kexec_load": "raw(246, 0, 0, 0, 0)",
    "finit_module": "raw(313, 0, 0, 0)",
    "reboot": "raw(169, 0, 0, 0, 0)",
    "clock_settime": "raw(227, 0, 0)",
    "adjtimex": "raw(159, 0)",
    "sethostname": "raw(170, b'x', 1)",
    "mknodat": "raw(259, 0xffffff9c, b'/tmp/node', 0o10600, 0)",
    "symlink": "raw(88, b'/etc', b'/tmp/link')",
    "link": "raw(86, b'/etc/passwd', b'/tmp/hard')",
    "process_madvise": "raw(440, 0, 0, 0, 0, 0)",
    "landlock_create_ruleset": "raw(444, 0, 0, 1)",
    "lsm_get_self_attr": "raw(459, 0, 0, 0, 0)",
}


def _probe_source(calls: dict[str, str]) -> str:
    lines = [RAW, "results = {}"]
    lines += [f"results[{name!r}] = {call}" for name, call in calls.items()]
    lines.append("print('RESULTS', json.dumps(results))")
    return "\n".join(lines)


def _results(stdout: str) -> dict[str, str]:
    line = next(x for x in stdout.splitlines() if x.startswith("RESULTS "))
    return dict(json.loads(line.split(" ", 1)[1]))


# --- item 1: the policy is an allow-list -------------------------------------------------------
def test_policy_is_an_allow_list_with_a_reason_per_group() -> None:
    policy = seccomp.load_policy()
    assert policy.default_errno == "EPERM"
    assert policy.groups and all(g.why.strip() and g.syscalls for g in policy.groups.values())
    allowed = policy.allowed("cpu")
    assert "read" in allowed and "futex" in allowed
    assert set(policy.enosys) == {"clone3"}
    # the pfc dump of the compiled filter says the same: default EPERM, nothing else allowed
    pfc = seccomp.describe(seccomp.build_filter())
    assert "# default action\n  action ERRNO(1);" in pfc
    assert seccomp.allowed_numbers(pfc) <= {seccomp.number(n) for n in allowed | set(policy.rules)}


def test_host_surface_is_never_in_the_allow_list() -> None:
    policy = seccomp.load_policy()
    numbers = {seccomp.number(n) for n in policy.never}
    for profile in ("cpu", "gpu"):
        pfc = seccomp.describe(seccomp.build_filter(profile))
        assert not (seccomp.allowed_numbers(pfc) & numbers), profile
    assert {"listmount", "statmount", "open_tree_attr", "sysinfo", "sync", "syncfs", "io_setup"} <= set(policy.never)


async def test_host_wide_surface_is_refused_by_the_filter(sandbox: Sandbox) -> None:
    outcome = await run_job(sandbox, _probe_source(HOST_SURFACE))
    assert outcome.status == "ok", (outcome.error, outcome.stderr[-1500:])
    results = _results(outcome.stdout)
    wrong = {k: v for k, v in results.items() if v != "EPERM"}
    assert not wrong, f"reached the kernel instead of EPERM from the filter: {wrong}"
    await assert_clean(sandbox, outcome)


async def test_probed_calls_answer_enosys_so_glibc_falls_back(sandbox: Sandbox) -> None:
    source = _probe_source({"clone3": "raw(435, 0, 0)"}) + (
        "\nimport threading\nt = threading.Thread(target=print, args=('thread ran',))\nt.start()\nt.join()\n")
    outcome = await run_job(sandbox, source)
    assert outcome.status == "ok", (outcome.error, outcome.stderr[-1500:])
    assert _results(outcome.stdout) == {"clone3": "ENOSYS"}
    assert "thread ran" in outcome.stdout
    await assert_clean(sandbox, outcome)


async def test_audit_build_logs_what_the_policy_lacks_instead_of_refusing() -> None:
    """The maintainers' tool for refreshing the list: PoolConfig(seccomp_log=True)."""
    if subprocess.run(["dmesg"], capture_output=True).returncode != 0:
        pytest.skip("the kernel log is not readable here")
    box = Sandbox(pool=replace(POOL, size=1, spare_slots=0, uid_base=63100, seccomp_log=True))
    if box.refusal:
        pytest.skip(box.refusal)
    try:
        await asyncio.get_running_loop().run_in_executor(None, box.pool.wait_ready)
        before = len(subprocess.run(["dmesg"], capture_output=True, text=True).stdout)
        outcome = await run_job(box, RAW + "print('sysinfo', raw(99, ctypes.create_string_buffer(256)))")
        assert outcome.status == "ok" and "sysinfo ok" in outcome.stdout, (outcome.error, outcome.stdout)
        uids = box.pool.uids.uids
        await asyncio.sleep(0.2)
        log = subprocess.run(["dmesg"], capture_output=True, text=True).stdout[max(0, before - 4000):]
        assert seccomp.logged_syscalls(log, uids)["sysinfo"] >= 1, log[-2000:]
        await assert_clean(box, outcome)
    finally:
        box.close()


# --- item 2: argument rules compare the 32 bits the kernel reads ----------------------------------
FCNTL = RAW + '''
import fcntl, os, struct
fd = os.open("/tmp/lock", os.O_RDWR | os.O_CREAT, 0o600)
lock = ctypes.create_string_buffer(struct.pack("hhqqi", fcntl.F_WRLCK, 0, 0, 0, 0), 32)
HIGH = 1 << 32
results = {
    "F_GETLK": raw(72, fd, 5, lock), "F_SETLK": raw(72, fd, 6, lock), "F_SETLKW": raw(72, fd, 7, lock),
    "F_SETLK|high": raw(72, fd, HIGH | 6, lock), "F_SETLKW|high": raw(72, fd, HIGH | 7, lock),
    "F_GETLK|high": raw(72, fd, HIGH | 5, lock), "F_OFD_GETLK": raw(72, fd, 36, lock),
    "F_OFD_SETLK|high": raw(72, fd, HIGH | 37, lock), "F_OFD_SETLKW": raw(72, fd, 38, lock),
    "F_SETLEASE|high": raw(72, fd, HIGH | 1024, 1), "F_NOTIFY|high": raw(72, fd, HIGH | 1026, 1),
    "F_SETOWN": raw(72, fd, 8, 1), "F_SETPIPE_SZ": raw(72, fd, 1031, 1 << 20),
    "F_GETFL": raw(72, fd, 3), "F_GETFL|high": raw(72, fd, HIGH | 3), "F_SETFD": raw(72, fd, 2, 1),
    "F_DUPFD_CLOEXEC": raw(72, fd, 1030, 10),
    "socket AF_INET|high-unix": raw(41, HIGH | 2, 1, 0), "socket AF_UNIX": raw(41, 1, 1, 0),
    "clone fork|high-thread": raw(56, (HIGH << 4) | 17, 0, 0, 0, 0),
    "ioctl TIOCSTI|high": raw(16, 0, HIGH | 0x5412, ctypes.byref(ctypes.c_char(b"x"))),
    "prctl PR_SET_DUMPABLE|high": raw(157, HIGH | 4, 1, 0, 0, 0),
    "prlimit64 pid 1|high-0": raw(302, HIGH | 1, 4, 0, 0),
}
print("RESULTS", json.dumps(results))
'''


async def test_argument_rules_read_only_the_low_32_bits(sandbox: Sandbox) -> None:
    outcome = await run_job(sandbox, FCNTL)
    assert outcome.status == "ok", (outcome.error, outcome.stderr[-1500:])
    results = _results(outcome.stdout)
    refused = [k for k in results if not k.startswith(("F_GETFL", "F_SETFD", "F_DUPFD"))]
    wrong = {k: results[k] for k in refused if results[k] != "EPERM"}
    assert not wrong, f"a lock, lease or high-bit variant got past the filter: {wrong}"
    # the same 32-bit comparison lets a harmless command through whatever its high bits say
    for k in ("F_GETFL", "F_GETFL|high", "F_SETFD", "F_DUPFD_CLOEXEC"):
        assert results[k] == "ok", (k, results[k])
    await assert_clean(sandbox, outcome)


# --- item 4: uids are distinct across supervisors on one host ---------------------------------------
@contextlib.contextmanager
def _core_limit_raised() -> Iterator[None]:
    """The supervisor's own RLIMIT_CORE as high as it may go (a host that keeps core dumps)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_CORE)
    resource.setrlimit(resource.RLIMIT_CORE, (hard, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_CORE, (soft, hard))


@pytest.fixture(scope="module")
def second_sandbox() -> Iterator[Sandbox]:
    """A second supervisor with the very same configuration as the session's (same uid base)."""
    box = Sandbox(pool=POOL)
    if box.refusal:
        pytest.skip(box.refusal)
    with _core_limit_raised():
        assert box.pool.wait_ready(), box.pool.last_error
    yield box
    box.close()


UID_JOB = "import os, time\nprint('uid', os.getuid(), 'gid', os.getgid(), flush=True)\ntime.sleep(1.5)\n"


async def test_two_supervisors_never_share_a_uid(sandbox: Sandbox, second_sandbox: Sandbox) -> None:
    """Two supervisors with the same configuration (two workers, or a worker and ``tutor grade``)."""
    seen: dict[int, set[int]] = {0: set(), 1: set()}
    for _ in range(2):  # two rounds, so each supervisor goes through all its slots
        outcomes = await asyncio.gather(*(run_job(box, UID_JOB) for box in (sandbox, second_sandbox) for _ in range(2)))
        assert [o.status for o in outcomes] == ["ok"] * 4, [(o.status, o.error, o.stderr[-500:]) for o in outcomes]
        uids = [int(o.stdout.split()[1]) for o in outcomes]
        assert len(set(uids)) == 4, f"jobs running at the same time shared a uid: {uids}"
        assert all(POOL.uid_base <= uid < POOL.uid_base + POOL.uid_count for uid in uids), uids
        seen[0].update(uids[:2])
        seen[1].update(uids[2:])
        await assert_clean(sandbox, *outcomes[:2])
        await assert_clean(second_sandbox, *outcomes[2:])
    assert not seen[0] & seen[1], f"two supervisors handed out the same uids: {seen}"


LOCK_HOLDER = "import fcntl, os, sys, time\nfd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)\nfcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n"


def test_uid_leases_skip_held_and_busy_uids_and_recover_stale_ones(tmp_path: Path) -> None:
    from sandbox.core.pool import UidLeases

    base = 63000
    holder = subprocess.Popen([sys.executable, "-c", LOCK_HOLDER, str(tmp_path / str(base))], stdout=subprocess.PIPE, text=True)
    busy = subprocess.Popen(["sleep", "60"], user=base + 1, group=base + 1)  # a live process already runs as base+1
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        first = UidLeases(str(tmp_path), base, 8)
        assert first.uid_for(0) == base + 2, "a uid another supervisor holds, or a live process uses, was handed out"
        assert first.uid_for(0) == base + 2  # a slot keeps its uid
        second = UidLeases(str(tmp_path), base, 8)  # another supervisor, same host (here: same process)
        assert second.uid_for(0) == base + 3 and second.uid_for(2) == base + 4
        holder.kill()  # a supervisor that dies, however it dies, leaves its lock to the kernel
        holder.wait()
        third = UidLeases(str(tmp_path), base, 8)
        assert third.uid_for(0) == base
        first.release()
        assert third.uid_for(1) == base + 2  # given back on close
        for leases in (second, third):
            leases.release()
    finally:
        for proc in (holder, busy):
            proc.kill()
            proc.wait()


# --- item 5: the zygote's configuration is not in argv -------------------------------------------------
async def test_zygote_configuration_is_not_in_argv(sandbox: Sandbox) -> None:
    source = ("import sys\nprint('ARGV', sys.argv)\ntry:\n    print('CMDLINE', open('/proc/self/cmdline').read())\n"
              "except OSError as exc:\n    print('CMDLINE unreadable', type(exc).__name__)\n")
    outcome = await run_job(sandbox, source)
    assert outcome.status == "ok", (outcome.error, outcome.stderr[-1500:])
    for needle in ("mountpoint", "exec_binds", "preload", "{"):
        assert needle not in outcome.stdout, outcome.stdout
    pid = sandbox.pool.zygote_pid
    assert pid is not None
    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    assert "mountpoint" not in cmdline and "preload" not in cmdline and "{" not in cmdline, cmdline
    await assert_clean(sandbox, outcome)


# --- item 6: the root holds the stdlib, the venv's site-packages and the libraries they need ------------
def _not_needed() -> list[str]:
    """Host paths a job has no use for that the old plan bound: the rest of the base prefix, the
    base interpreter's own site-packages, and /usr/lib entries that hold no shared library we load."""
    base = Path(os.path.realpath(sys.base_prefix))
    found = [str(base / d) for d in ("bin", "include", "share") if (base / d).is_dir()]
    base_site = Path(sysconfig.get_paths(vars={"base": str(base), "platbase": str(base)})["purelib"])
    if base_site.is_dir() and os.path.realpath(base_site) not in {os.path.realpath(p) for p in sys.path}:
        found.append(str(base_site))
    for name in ("jvm", "gcc", "python3", "node_modules", "postgresql", "mysql", "google-cloud-sdk", "llvm-14"):
        if Path("/usr/lib", name).is_dir():
            found.append(f"/usr/lib/{name}")
    return found


async def test_root_binds_only_what_the_venv_needs(sandbox: Sandbox) -> None:
    hidden = _not_needed()
    stdlib = sysconfig.get_paths()["stdlib"]
    source = (f"import os, json, sqlite3, decimal, sysconfig\nhidden = {hidden!r}\n"
              "print('VISIBLE', [p for p in hidden if os.path.exists(p) and os.listdir(p)])\n"
              f"print('STDLIB', os.path.isfile({stdlib!r} + '/os.py'))\n"
              "import torch, numpy\nprint('SITE', os.path.dirname(os.path.dirname(torch.__file__)))\n")
    outcome = await run_job(sandbox, source)
    assert outcome.status == "ok", (outcome.error, outcome.stderr[-1500:])
    assert "VISIBLE []" in outcome.stdout, (hidden, outcome.stdout)
    assert "STDLIB True" in outcome.stdout
    await assert_clean(sandbox, outcome)


# --- item 7: no core dumps; a crash's signal is reported ----------------------------------------------
PROCESS_STATE = "import os, time\nprint('job', os.getpid(), os.getuid(), flush=True)\ntime.sleep(3)\n"


def _status(pid: int) -> dict[str, str]:
    text = Path(f"/proc/{pid}/status").read_text()
    return {k: v.strip() for k, _, v in (line.partition(":") for line in text.splitlines())}


def _core_limit(pid: int) -> str:
    for line in Path(f"/proc/{pid}/limits").read_text().splitlines():
        if line.startswith("Max core file size"):
            return " ".join(line.split()[4:6])
    return "?"


async def test_no_process_of_a_job_can_dump_core(second_sandbox: Sandbox) -> None:
    box = second_sandbox
    task = asyncio.ensure_future(run_job(box, PROCESS_STATE))
    seen: dict[int, tuple[str, str, int]] = {}
    for _ in range(100):
        await asyncio.sleep(0.05)
        for group in box._cgroups.values():
            pids = group.pids()
            uids = {}
            for pid in pids:
                with contextlib.suppress(OSError):
                    uids[pid] = int(_status(pid)["Uid"].split()[0])
            if any(uid != 0 for uid in uids.values()):  # the group of the running (specialised) job
                for pid in pids:
                    with contextlib.suppress(OSError):
                        seen[pid] = (_core_limit(pid), _status(pid)["Uid"], os.stat(f"/proc/{pid}/status").st_uid)
        if seen:
            break
    outcome = await task
    assert outcome.status == "ok", (outcome.error, outcome.stderr[-1500:])
    assert len(seen) == 3, seen  # the job, its namespace's init, the process outside it that waits for it
    assert all(core == "0 0" for core, _, _ in seen.values()), f"a job process may dump core: {seen}"
    # /proc/<pid> of a process that is not dumpable belongs to root, whatever its uid
    assert all(owner == 0 for _, uid, owner in seen.values() if uid.split()[0] != "0"), seen
    await assert_clean(box, outcome)


CRASHES = {
    "kill SIGSEGV": ("import os, signal\nprint('crashing', flush=True)\nos.kill(os.getpid(), signal.SIGSEGV)\nprint('SURVIVED')", 11),
    "kill SIGABRT": ("import os, signal\nos.kill(os.getpid(), signal.SIGABRT)\nprint('SURVIVED')", 6),
    "abort()": ("import os\nos.abort()", 6),
    "null pointer": ("import ctypes\nctypes.string_at(0)", 11),
    "kill SIGTERM": ("import os, signal\nos.kill(os.getpid(), signal.SIGTERM)\nprint('SURVIVED')", 15),
}


@pytest.mark.parametrize("name", sorted(CRASHES))
async def test_a_crash_is_reported_with_its_signal_and_nothing_is_dumped(second_sandbox: Sandbox, name: str) -> None:
    box = second_sandbox
    source, signum = CRASHES[name]
    statuses: list[int] = []
    resolve = box.pool._resolve

    def spy(job_id: str, which: str, value: int | None, error: str | None = None) -> None:
        if which == "exited" and value is not None:
            statuses.append(value)
        resolve(job_id, which, value, error)

    box.pool._resolve = spy  # type: ignore[method-assign]
    try:
        outcome = await run_job(box, source)
        await box.idle()
    finally:
        box.pool._resolve = resolve  # type: ignore[method-assign]
    assert "SURVIVED" not in outcome.stdout
    assert outcome.status == "killed", (outcome.status, outcome.error, outcome.stderr[-800:])
    assert outcome.signal == signum and f"signal {signum}" in (outcome.error or ""), outcome
    assert statuses and all(os.WIFSIGNALED(s) and os.WTERMSIG(s) == signum for s in statuses), statuses
    assert not any(os.WCOREDUMP(s) for s in statuses), "a core was dumped"
    await assert_clean(box, outcome)
