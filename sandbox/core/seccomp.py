"""The job's seccomp filter: an allow-list (deny by default), built with libseccomp.

The policy is data, in ``seccomp_policy.toml`` next to this file: groups of system calls, each
with the reason it is there, the argument rules, the calls glibc probes (answered ENOSYS so it
falls back), a GPU profile, and the list of calls that must never be allowed. Everything not
allowed answers EPERM. The list was measured (see the file's header): a job of warm torch
training needs about forty system calls, because the zygote has already imported and warmed up
everything before it forks.

Argument rules compare only the low 32 bits of an argument (``SCMP_CMP_MASKED_EQ`` with
``0xffffffff``): the kernel reads an ``int`` argument's low half, so a full 64-bit comparison
could be dodged by setting a high bit (``fcntl(fd, (1 << 32) | F_SETLK)`` is F_SETLK to the
kernel). libseccomp lets an unconditional rule win over conditional ones for the same call and
refuses rules whose action is the default one, so conditions only ever *allow*.

Built once in the zygote (compiling costs ~1 ms) and loaded in each forked child, last, after the
uid drop, so the job starts with no way back. ``seccomp_log=True`` in the pool's config builds an
audit variant whose default action is SCMP_ACT_LOG: nothing is refused and the kernel logs every
call the policy lacks (``logged_syscalls`` reads those log lines back), for refreshing the list.
"""

from __future__ import annotations

import collections
import errno
import re
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

POLICY_FILE = Path(__file__).with_name("seccomp_policy.toml")
PROFILES = ("cpu", "gpu")
LOW32 = 0xFFFFFFFF


@dataclass(frozen=True)
class Group:
    why: str
    syscalls: tuple[str, ...]
    measured: bool


@dataclass(frozen=True)
class ArgRule:
    """Allow ``syscall`` when ``args[arg] & mask`` is one of ``values`` (or, with ``not_values``,
    is not the one value given)."""

    syscall: str
    why: str
    arg: int
    mask: int
    values: tuple[int, ...] = ()
    not_values: tuple[int, ...] = ()


@dataclass(frozen=True)
class Policy:
    default_errno: str
    enosys: tuple[str, ...]
    groups: dict[str, Group]
    rules: dict[str, ArgRule]
    gpu: Group
    gpu_rules: dict[str, ArgRule]
    never: tuple[str, ...]
    numbers: dict[str, int]

    def allowed(self, profile: str = "cpu") -> set[str]:
        """The calls allowed whatever their arguments."""
        names = {n for g in self.groups.values() for n in g.syscalls}
        if profile == "gpu":
            names |= set(self.gpu.syscalls)
        return names

    def rules_for(self, profile: str = "cpu") -> dict[str, ArgRule]:
        return {**self.rules, **self.gpu_rules} if profile == "gpu" else dict(self.rules)


def _rules(table: dict[str, Any]) -> dict[str, ArgRule]:
    rules = {}
    for name, spec in table.items():
        rule = ArgRule(name, str(spec["why"]), int(spec["arg"]), int(spec.get("mask", LOW32)),
                       tuple(int(v) for v in spec.get("values", ())), tuple(int(v) for v in spec.get("not_values", ())))
        if bool(rule.values) == bool(rule.not_values) or len(rule.not_values) > 1 or rule.mask > LOW32:
            raise ValueError(f"seccomp policy: rule {name}: give `values`, or one `not_values`, on the low 32 bits")
        rules[name] = rule
    return rules


def load_policy(path: Path = POLICY_FILE) -> Policy:
    """Read and check the policy file (a broken policy must fail the zygote's start, loudly)."""
    data = tomllib.loads(path.read_text())
    groups = {name: Group(str(g["why"]), tuple(g["syscalls"]), bool(g.get("measured", False)))
              for name, g in data["groups"].items()}
    gpu_table = dict(data.get("gpu", {}))
    gpu = Group(str(gpu_table.get("why", "")), tuple(gpu_table.get("syscalls", ())), False)
    policy = Policy(
        default_errno=str(data.get("default", "EPERM")), enosys=tuple(data["enosys"]["syscalls"]),
        groups=groups, rules=_rules(data.get("rules", {})), gpu=gpu, gpu_rules=_rules(gpu_table.get("rules", {})),
        never=tuple(data["never"]["syscalls"]), numbers={str(k): int(v) for k, v in data.get("numbers", {}).items()},
    )
    if policy.default_errno not in ("EPERM", "ENOSYS"):
        raise ValueError(f"seccomp policy: default must be EPERM or ENOSYS, not {policy.default_errno}")
    for profile in PROFILES:
        allowed, ruled = policy.allowed(profile), set(policy.rules_for(profile))
        problems = {
            "both unconditional and under a rule": allowed & ruled,
            "allowed and in [never]": (allowed | ruled) & set(policy.never),
            "allowed and answered ENOSYS": (allowed | ruled) & set(policy.enosys),
        }
        for what, names in problems.items():
            if names:
                raise ValueError(f"seccomp policy ({profile}): {sorted(names)} {what}")
    return policy


def number(name: str, policy: Policy | None = None) -> int:
    """The native number of a system call (-1 when this architecture has none)."""
    import pyseccomp as sc

    nr = int(sc.resolve_syscall(sc.system_arch(), name))
    if nr < 0:
        nr = (policy or load_policy()).numbers.get(name, -1)
    return nr


def build_filter(profile: str = "cpu", *, log: bool = False, policy: Policy | None = None) -> Any:
    """A loaded-later ``pyseccomp.SyscallFilter`` (raises ImportError/OSError when unavailable).

    ``profile`` is ``cpu`` for every job but those handed a GPU (``gpu``); ``log`` builds the
    audit variant (default action SCMP_ACT_LOG: nothing refused, every unlisted call logged)."""
    import pyseccomp as sc

    if profile not in PROFILES:
        raise ValueError(f"unknown seccomp profile {profile!r}")
    policy = policy or load_policy()
    default = sc.LOG if log else sc.ERRNO(getattr(errno, policy.default_errno))
    flt = sc.SyscallFilter(default)
    flt.set_attr(sc.Attr.ACT_BADARCH, sc.KILL_PROCESS)  # 32-bit/x32 entry points: kill
    flt.set_attr(sc.Attr.CTL_NNP, 1)
    try:
        flt.set_attr(sc.Attr.CTL_OPTIMIZE, 2)  # a binary tree over the syscall numbers (libseccomp >= 2.5)
    except OSError:
        pass
    for name in sorted(policy.allowed(profile)):
        nr = number(name, policy)
        if nr >= 0:  # e.g. the legacy stat/fstat do not exist on aarch64
            flt.add_rule(sc.ALLOW, nr)
    for name in policy.enosys:
        nr = number(name, policy)
        if nr >= 0:
            flt.add_rule(sc.ERRNO(errno.ENOSYS), nr)
    for rule in policy.rules_for(profile).values():
        nr = number(rule.syscall, policy)
        if nr < 0:
            continue
        for value in rule.values:
            flt.add_rule(sc.ALLOW, nr, sc.Arg(rule.arg, sc.MASKED_EQ, rule.mask, value & rule.mask))
        for value in rule.not_values:  # "differs from value in some bit": one rule per bit
            for bit in range(32):
                if rule.mask & (1 << bit):
                    flt.add_rule(sc.ALLOW, nr, sc.Arg(rule.arg, sc.MASKED_EQ, 1 << bit, ~value & (1 << bit)))
    return flt


def describe(flt: Any) -> str:
    """The filter as libseccomp's pseudo filter code (what the kernel will run, readable)."""
    with tempfile.TemporaryFile("w+") as out:
        flt.export_pfc(out)
        out.seek(0)
        return out.read()


def allowed_numbers(pfc: str) -> set[int]:
    """Syscall numbers that some path of a ``describe`` dump allows."""
    found: set[int] = set()
    current: int | None = None
    for line in pfc.splitlines():
        match = re.search(r"if \(\$syscall == (\d+)\)", line)
        if match:
            current = int(match.group(1))
        elif "default action" in line:
            current = None
        elif current is not None and line.strip() == "action ALLOW;":
            found.add(current)
    return found


_AUDIT = re.compile(r"type=1326 .*?\buid=(\d+)\b.*?\bsyscall=(\d+)\b")


def logged_syscalls(log_text: str, uids: range | set[int]) -> collections.Counter[str]:
    """Sum up the kernel's SECCOMP_RET_LOG lines (``dmesg``) of jobs running as ``uids``."""
    import pyseccomp as sc

    counts: collections.Counter[str] = collections.Counter()
    for match in _AUDIT.finditer(log_text):
        if int(match.group(1)) in uids:
            nr = int(match.group(2))
            try:
                name = sc.resolve_syscall(sc.system_arch(), nr).decode()
            except (OSError, ValueError, AttributeError):
                name = str(nr)
            counts[name] += 1
    return counts


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
