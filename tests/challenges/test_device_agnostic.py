"""C1.2 device-agnostic: the scenarios patch torch and put it back, the reference passes on every
seed, the known-bad files fail the checks their cases name, and hostile values fail cleanly."""

from __future__ import annotations

import importlib.util
import random
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
import torch

from challenges.catalogue import Case
from challenges.content.device_agnostic import hooks, inside
from challenges.kinds.base import Call, CallResult
from challenges.kinds.functions import from_wire
from challenges.kinds.functions_inside import to_wire
from challenges.verdict import Check

FOLDER = Path(hooks.__file__).parent
CASES = [Case(**c) for c in tomllib.loads((FOLDER / "cases" / "cases.toml").read_text(encoding="utf-8"))["case"]]


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"device_agnostic_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(module: ModuleType, calls: list[Call]) -> dict[str, CallResult]:
    """Run each scenario the way functions_inside does, through the wire format."""
    results: dict[str, CallResult] = {}
    for call in calls:
        try:
            assert call.scenario is not None
            value = getattr(inside, call.scenario)(module, *call.args)
            results[call.id] = CallResult(value=from_wire(to_wire(value, call.function)))
        except Exception as exc:
            results[call.id] = CallResult(error=f"{type(exc).__name__}: {exc}")
    return results


def grade(module: ModuleType, seed: int) -> dict[str, Check]:
    calls = hooks.calls(random.Random(seed))
    return {c.name: c for c in hooks.judge(calls, run(module, calls))}


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_reference_passes_and_torch_is_restored(seed: int) -> None:
    before = (torch.cuda.is_available, torch.backends.mps.is_available, torch.version.cuda,
              torch.accelerator.current_accelerator)
    checks = grade(load(FOLDER / "reference.py"), seed)
    assert all(c.passed for c in checks.values()), [c for c in checks.values() if not c.passed]
    assert len(checks) == 4 + 3 + 3
    assert (torch.cuda.is_available, torch.backends.mps.is_available, torch.version.cuda,
            torch.accelerator.current_accelerator) == before


def test_starter_fails() -> None:
    checks = grade(load(FOLDER / "starter.py"), 0)
    assert not checks["get-device-cuda"].passed and not checks["to-device-structure"].passed


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_cases(case: Case) -> None:
    checks = grade(load(FOLDER / "cases" / case.file), 3)
    failed = {n for n, c in checks.items() if not c.passed}
    assert (not failed) == (case.expected == "passed")
    assert set(case.fails) <= failed
    assert all(checks[n].advice for n in failed)


def test_hostile_values_fail_cleanly() -> None:
    calls = hooks.calls(random.Random(0))
    junk: list[object] = [None, 5, "x" * 10_000, [1, 2], {"is_device": "yes"}, {"report": []},
                          {"dict": "nope"}, {"list": [{"tensor": "x"}] * 3}]
    for value in junk:
        results = {c.id: CallResult(value=value) for c in calls}
        checks = hooks.judge(calls, results)
        assert checks and not any(c.passed for c in checks if c.name.startswith(("get-device", "env-report")))
        assert all(len(c.message) <= 500 for c in checks)


def test_describe_is_bounded() -> None:
    deep: list[object] = []
    node = deep
    for _ in range(100):
        child: list[object] = []
        node.append(child)
        node = child
    assert "truncated" in str(inside.describe(deep, [inside.MAX_NODES]))
