"""C2.3 container-threads: the expected thread counts, the fake cgroup trees, the reference on
several seeds, every known-bad file failing the checks its case names on every seed, the
os.cpu_count() negative control, and hostile values failing cleanly."""

from __future__ import annotations

import importlib.util
import os
import random
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
import torch

from challenges.catalogue import Case
from challenges.content.container_threads import hooks, inside
from challenges.kinds.base import Call, CallResult
from challenges.verdict import Check

FOLDER = Path(hooks.__file__).parent
CASES = [Case(**c) for c in tomllib.loads((FOLDER / "cases" / "cases.toml").read_text(encoding="utf-8"))["case"]]
SEEDS = (0, 1, 2, 3, 4)


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"container_threads_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(module: ModuleType, calls: list[Call]) -> dict[str, CallResult]:
    results: dict[str, CallResult] = {}
    for call in calls:
        try:
            results[call.id] = CallResult(value=inside.threads_in(module, *call.args))
        except Exception as exc:
            results[call.id] = CallResult(error=f"{type(exc).__name__}: {exc}")
    return results


def grade(module: ModuleType, seed: int) -> dict[str, Check]:
    calls = hooks.calls(random.Random(seed))
    return {c.name: c for c in hooks.judge(calls, run(module, calls))}


@pytest.mark.parametrize(("tree", "env", "host", "want"), [
    ({"layout": "v2", "cpu_max": "200000 100000"}, {}, 64, 2),
    ({"layout": "v2", "cpu_max": "150000 100000"}, {}, 64, 2),
    ({"layout": "v2", "cpu_max": "50000 100000"}, {}, 64, 1),
    ({"layout": "v2", "cpu_max": "max 100000"}, {}, 64, 64),
    ({"layout": "v1", "quota": "-1", "period": "100000"}, {}, 16, 16),
    ({"layout": "v1", "quota": "125000", "period": "50000"}, {}, 16, 3),
    ({"layout": "none"}, {"OMP_NUM_THREADS": "4"}, 16, 4),
    ({"layout": "v1", "quota": "200000", "period": "100000"}, {"OMP_NUM_THREADS": "8"}, 16, 2),
    ({"layout": "v2", "cpu_max": "12800000 100000"}, {}, 8, 8),
])
def test_expected_is_the_smallest_limit(tree: dict[str, str], env: dict[str, str], host: int, want: int) -> None:
    assert hooks.expected(tree, env, host) == want


@pytest.mark.parametrize("seed", SEEDS)
def test_reference_passes_and_the_process_is_restored(seed: int) -> None:
    threads, count, omp = torch.get_num_threads(), os.cpu_count, os.environ.get("OMP_NUM_THREADS")
    checks = grade(load(FOLDER / "reference.py"), seed)
    assert all(c.passed for c in checks.values()), [c.message for c in checks.values() if not c.passed]
    assert len(checks) == 13
    assert (torch.get_num_threads(), os.cpu_count, os.environ.get("OMP_NUM_THREADS")) == (threads, count, omp)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cases_on_every_seed(case: Case, seed: int) -> None:
    checks = grade(load(FOLDER / "cases" / case.file), seed)
    failed = {n for n, c in checks.items() if not c.passed}
    assert (not failed) == (case.expected == "passed"), [checks[n].message for n in failed]
    assert set(case.fails) <= failed
    assert all(checks[n].advice for n in failed)


def test_the_cpu_count_control_is_told_about_the_quota() -> None:
    checks = grade(load(FOLDER / "cases" / "cpu_count.py"), 0)
    assert "os.cpu_count() only counts the host's cores" in checks["v2-quota"].advice


def test_v1_tree_has_the_usual_folders(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    inside.write_tree(root, {"layout": "v1", "quota": "-1", "period": "100000"})
    assert (root / "cpu" / "cpu.cfs_quota_us").read_text().strip() == "-1"
    assert (root / "cpu,cpuacct" / "cpu.cfs_period_us").is_file()
    assert not (root / "cpu.max").exists()


def test_hostile_values_fail_cleanly() -> None:
    calls = hooks.calls(random.Random(0))
    for value in (None, "8", 8.0, True, {"value": "x" * 10_000, "threads": []}, {"value": 1 << 80}, [1]):
        checks = hooks.judge(calls, {c.id: CallResult(value=value) for c in calls})
        assert not any(c.passed for c in checks)
        assert all(len(c.message) <= 500 for c in checks)
