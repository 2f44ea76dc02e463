"""C2.3 ``container-threads``: the trusted half. ``configure_threads(env, cgroup_root)`` is called
in the sandbox on fake cgroup trees (``inside.py``) of a container on a many-core host, and its
answer is checked here against min(OMP_NUM_THREADS, ceil(quota / period), os.cpu_count()), at
least 1; ``torch.get_num_threads()`` afterwards must equal what it returned.

Why it matters: ``os.cpu_count()`` (and torch's default thread count) see every core of the host,
not the container's CPU quota, so torch in a 2-CPU container on a 64-core host starts 64 threads
and gets throttled ("torch is slow in Docker"). The fake host is many-core on purpose, so an answer
that ignores the quota is visibly wrong. Returned values are hostile data: type-checked, bounded.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from challenges.kinds.base import Call, CallResult
from challenges.verdict import Check

FUNCTION = "configure_threads"
HOST_CPUS = (16, 24, 32, 48, 64, 96)
PERIODS = (100_000, 100_000, 50_000, 200_000)
_BASE_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/home/app", "LANG": "C.UTF-8"}

ADVICE = {
    "quota": ("Read the container's CPU quota: cgroup v2 `<root>/cpu.max` holds `QUOTA PERIOD` (or `max PERIOD`); "
              "cgroup v1 `<root>/cpu/cpu.cfs_quota_us` and `cpu.cfs_period_us` (quota -1 = unlimited). "
              "CPUs = math.ceil(quota / period); os.cpu_count() only counts the host's cores."),
    "ceil": "Round a fractional quota up, `math.ceil(quota / period)`: 1.5 CPUs of quota keep 2 threads busy, and 0.5 CPU still needs 1.",
    "unlimited": ("`max` (v2) and `-1` (v1) mean no quota: fall back to os.cpu_count(). Compare the text with "
                  "'max' before calling int() on it."),
    "env": "An explicit `env['OMP_NUM_THREADS']` caps the answer (it is what the operator asked for); read the `env` argument, not os.environ.",
    "min": "Take the smallest of every limit you found (OMP_NUM_THREADS, the cgroup quota, os.cpu_count()) and never less than 1.",
    "set": "Call `torch.set_num_threads(n)` with the value you return, inside configure_threads: returning it is not enough.",
    "type": "Return a plain int (e.g. `return n` after `n = max(1, min(limits))`).",
}


def _show(text: Any, limit: int = 40) -> str:
    raw = text if isinstance(text, str) else repr(text) if isinstance(text, (int, float, type(None))) else "?"
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in raw[:limit])
    return f"`{clean}{'…' if len(raw) > limit else ''}`"


def _threads(n: int) -> str:
    return f"{n} thread" + ("" if n == 1 else "s")


# --- the cases -----------------------------------------------------------------------------------


def _v2(cpus: float, period: int) -> dict[str, Any]:
    return {"layout": "v2", "cpu_max": f"{round(cpus * period)} {period}"}


def _v1(cpus: float, period: int) -> dict[str, Any]:
    return {"layout": "v1", "quota": str(round(cpus * period)), "period": str(period)}


def calls(rng: random.Random) -> list[Call]:
    """Twelve containers, one rule each; the rng picks quotas, periods, host sizes and the order."""
    host = rng.choice(HOST_CPUS)
    p = lambda: rng.choice(PERIODS)  # noqa: E731
    whole = lambda: rng.randint(2, 6)  # noqa: E731
    cases: dict[str, tuple[dict[str, Any], dict[str, str], int]] = {
        "v2-quota": (_v2(whole(), p()), {}, host),
        "v2-fractional": (_v2(rng.randint(1, 5) + 0.5, p()), {}, host),
        "v2-below-one-cpu": (_v2(rng.choice([0.25, 0.5, 0.75]), p()), {}, host),
        "v2-unlimited": ({"layout": "v2", "cpu_max": f"max {p()}"}, {}, host),
        "v1-quota": (_v1(whole(), p()), {}, host),
        "v1-fractional": (_v1(rng.randint(1, 5) + 0.5, p()), {}, host),
        "v1-unlimited": ({"layout": "v1", "quota": "-1", "period": str(p())}, {}, host),
        "no-cgroup": ({"layout": "none"}, {}, host),
        "omp-lower-than-quota": (_v2(rng.randint(4, 8), p()), {"OMP_NUM_THREADS": str(rng.randint(1, 3))}, host),
        "omp-higher-than-quota": (_v1(whole(), p()), {"OMP_NUM_THREADS": str(rng.randint(8, 12))}, host),
        "omp-no-quota": ({"layout": "v2", "cpu_max": f"max {p()}"}, {"OMP_NUM_THREADS": str(rng.randint(2, 12))}, host),
        "quota-above-host": (_v2(rng.choice([128, 192, 256]), p()), {}, rng.choice([4, 8, 12])),
    }
    out = []
    for name, (tree, env, cpus) in cases.items():
        # torch's thread count before the call: a value no answer here can be (hosts <= 96 cores,
        # OMP_NUM_THREADS <= 12, quotas <= 8 or >= 128 CPUs), so "never set" cannot pass for "set".
        sentinel = rng.randint(100, 127)
        out.append(Call(id=name, function=FUNCTION, args=(tree, {**_BASE_ENV, **env}, cpus, sentinel),
                        scenario="threads_in"))
    rng.shuffle(out)
    return out


def quota_cpus(tree: Mapping[str, Any]) -> float | None:
    """The CPU quota a tree sets (a fraction), or None for no quota."""
    if tree.get("layout") == "v2":
        quota, period = str(tree["cpu_max"]).split()
    elif tree.get("layout") == "v1":
        quota, period = str(tree["quota"]), str(tree["period"])
    else:
        return None
    if quota == "max" or int(quota) <= 0:
        return None
    return int(quota) / int(period)


def expected(tree: Mapping[str, Any], env: Mapping[str, str], host_cpus: int) -> int:
    """min(OMP_NUM_THREADS, ceil(quota / period), os.cpu_count()), at least 1."""
    limits = [host_cpus]
    quota = quota_cpus(tree)
    if quota is not None:
        limits.append(math.ceil(quota))
    if "OMP_NUM_THREADS" in env:
        limits.append(int(env["OMP_NUM_THREADS"]))
    return max(1, min(limits))


def describe(tree: Mapping[str, Any], env: Mapping[str, str], host_cpus: int) -> str:
    if tree.get("layout") == "v2":
        where = f"cgroup v2 cpu.max = '{tree['cpu_max']}'"
    elif tree.get("layout") == "v1":
        where = f"cgroup v1 cfs_quota_us = {tree['quota']}, cfs_period_us = {tree['period']}"
    else:
        where = "no cgroup CPU files (bare metal)"
    omp = f"OMP_NUM_THREADS={env['OMP_NUM_THREADS']}" if "OMP_NUM_THREADS" in env else "OMP_NUM_THREADS unset"
    return f"{where}, {omp}, os.cpu_count() = {host_cpus}"


def _likely(tree: Mapping[str, Any], env: Mapping[str, str], host: int, got: int, want: int) -> str:
    """The advice for the most likely cause of a wrong answer."""
    quota = quota_cpus(tree)
    omp = int(env["OMP_NUM_THREADS"]) if "OMP_NUM_THREADS" in env else None
    if got < 1:
        return "min"
    if quota is not None and got == max(1, math.floor(quota)) and got != want and omp is None:
        return "ceil"
    if omp is not None and got != omp and want == omp:
        return "env"
    if quota is not None and got == host and want < host:
        return "quota"
    if quota is None and want == min(host, omp or host):
        return "unlimited"
    return "min"


def _judge_one(call: Call, result: CallResult | None, wrong_threads: list[str], seen: list[str]) -> Check:
    tree, env, host, sentinel = call.args
    want = expected(tree, env, host)
    where = describe(tree, env, host)
    if result is None or result.error is not None:
        error = "no result came back" if result is None else f"configure_threads raised {_show(result.error, 160)}"
        advice = ADVICE["unlimited"] if quota_cpus(tree) is None and tree.get("layout") != "none" else ADVICE["quota"]
        return Check(call.id, False, f"{where}: {error}", None, float(want), advice=advice)
    value = result.value if isinstance(result.value, dict) else {}
    got, threads = value.get("value"), value.get("threads")
    if not isinstance(threads, int) or isinstance(threads, bool):
        threads = None
    if not isinstance(got, int) or isinstance(got, bool):
        return Check(call.id, False, f"{where}: configure_threads returned {_show(value.get('class'), 20)} "
                     f"{_show(value.get('text')) if value.get('text') else ''}, not an int".replace("  ", " "),
                     None, float(want), advice=ADVICE["type"])
    seen.append(call.id)
    if threads is None or threads != got or threads == sentinel:
        wrong_threads.append(f"{call.id}: returned {got}, torch.get_num_threads() = {threads}"
                             + (" (unchanged)" if threads == sentinel else ""))
    if got != want:
        cause = _likely(tree, env, host, got, want)
        return Check(call.id, False, f"{where}: expected {_threads(want)}, got {got}", float(got), float(want),
                     advice=ADVICE[cause])
    return Check(call.id, True, f"{where}: {_threads(got)}", float(got), float(want))


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """One check per container, then ``set-num-threads`` over those that returned an int."""
    wrong_threads: list[str] = []
    seen: list[str] = []  # the cases that returned an int, where torch's thread count can be compared
    checks = [_judge_one(c, results.get(c.id), wrong_threads, seen) for c in sorted(calls, key=lambda c: c.id)]
    if not seen:
        checks.append(Check("set-num-threads", False, "no call returned an int, so torch's thread count could not "
                            "be compared with it", advice=ADVICE["set"]))
    elif wrong_threads:
        listed = "; ".join(wrong_threads[:3]) + (f" (and {len(wrong_threads) - 3} more)" if len(wrong_threads) > 3 else "")
        checks.append(Check("set-num-threads", False, f"torch's thread count must be what configure_threads returns: {listed}",
                            float(len(wrong_threads)), 0.0, advice=ADVICE["set"]))
    else:
        checks.append(Check("set-num-threads", True, "torch.get_num_threads() equals the returned value in every case"))
    return checks
