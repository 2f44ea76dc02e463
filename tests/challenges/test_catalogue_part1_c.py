"""Issue 10, catalogue part 1 (C4.1 fakedata-pipeline, C4.3 mel-features, C2.4
inference-mode-speedups, C3.3 feature-extraction): each challenge's own logic, in process.

The scenarios of each ``inside.py`` run here on our reference and case files, their values go
through the same wire conversion the sandbox channel applies, and ``hooks.judge`` must give the
verdicts the design asks for; hostile values (wrong types, huge or odd arrays, forged facts) must
fail cleanly with a message, never raise.
"""

from __future__ import annotations

import importlib
import importlib.util
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from challenges.kinds.base import Call, CallResult
from challenges.kinds.functions import from_wire
from challenges.kinds.functions_inside import to_wire
from challenges.verdict import Check

CONTENT = Path(__file__).resolve().parents[2] / "challenges" / "content"


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"case_{path.parent.name}_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(folder: str, learner: ModuleType, calls: list[Call]) -> dict[str, CallResult]:
    """Run each call's scenario the way functions_inside does, through the wire conversion."""
    inside = importlib.import_module(f"challenges.content.{folder}.inside")
    results: dict[str, CallResult] = {}
    for call in calls:
        try:
            assert call.scenario is not None
            value = to_wire(getattr(inside, call.scenario)(learner, *call.args), "x")
            results[call.id] = CallResult(value=value if isinstance(value, np.ndarray) else from_wire(value))
        except Exception as exc:
            results[call.id] = CallResult(error=f"{type(exc).__name__}: {exc}")
    return results


def grade(folder: str, file: str, seed: int = 0) -> dict[str, Check]:
    hooks = importlib.import_module(f"challenges.content.{folder}.hooks")
    calls = hooks.calls(random.Random(seed))
    checks = hooks.judge(calls, run(folder, load(CONTENT / folder / file), calls))
    return {c.name: c for c in checks}


def failing(checks: dict[str, Check]) -> set[str]:
    return {n for n, c in checks.items() if not c.passed and not c.warning}


def hostile(folder: str, value: Any) -> list[Check]:
    hooks = importlib.import_module(f"challenges.content.{folder}.hooks")
    calls = hooks.calls(random.Random(1))
    return list(hooks.judge(calls, {c.id: CallResult(value=value) for c in calls}))


HOSTILE = [None, "layer1", 7, {"forwards": "x" * 10_000}, {"keys": [1] * 100}, np.zeros((3000, 3000), dtype=np.float32),
           np.zeros((2, 2), dtype=np.complex64), np.array(["a"]), [[1.0] * 5] * 5, {"values": np.full((1, 3), np.nan)}]


@pytest.mark.parametrize("folder", ["fakedata_pipeline", "mel_features", "inference_mode_speedups", "feature_extraction"])
@pytest.mark.parametrize("value", HOSTILE, ids=lambda v: type(v).__name__)
def test_hostile_values_fail_cleanly(folder: str, value: Any) -> None:
    checks = hostile(folder, value)
    assert checks and not all(c.passed for c in checks)
    assert all(len(c.message) <= 500 for c in checks)
    assert all(c.advice for c in checks if not c.passed and not c.warning)


def test_fakedata_reference_passes_and_starter_fails() -> None:
    assert not failing(grade("fakedata_pipeline", "reference.py"))
    assert {"image-dtype", "normalised", "shuffled", "generator"} <= failing(grade("fakedata_pipeline", "starter.py"))


def test_fakedata_half_normalise_is_explained() -> None:
    checks = grade("fakedata_pipeline", "cases/cifar_half_normalise.py")
    assert failing(checks) == {"normalised"}
    assert "Normalize(0.5, 0.5)" in checks["normalised"].message


def test_fakedata_order_checks_need_a_permutation() -> None:
    from challenges.content.fakedata_pipeline import hooks

    call = Call(id="orders", function="make_loader", args=(4, 2), scenario="orders")
    forged = {"first": [1.0, 2.0, 3.0, 4.0], "second": [1.0, 2.0, 3.0, 3.0], "again": [1.0, 2.0, 3.0, 4.0]}
    checks = {c.name: c for c in hooks.judge([call], {"orders": CallResult(value=forged)})}
    assert not checks["shuffled"].passed and checks["reproducible"].passed


def test_mel_reference_passes_and_diagnoses_name_the_cause() -> None:
    assert not failing(grade("mel_features", "reference.py"))
    assert not failing(grade("mel_features", "cases/by_hand.py"))
    doubled = grade("mel_features", "cases/magnitude_db.py")
    assert "twice" in doubled["tone"].message
    clipped = grade("mel_features", "cases/top_db_80.py")
    assert "top_db=80" in clipped["quiet-tail"].message or "top_db=80" in clipped["tone"].message
    channel = grade("mel_features", "cases/keeps_channel.py")
    assert "drop the channel" in channel["noise"].message


def test_mel_waveforms_are_the_same_bits_on_both_sides() -> None:
    from challenges.content.mel_features import hooks
    from challenges.content.mel_features.inside import make_waveform

    for call in hooks.calls(random.Random(3)):
        a, b = make_waveform(call.args[0]), make_waveform(dict(call.args[0]))
        assert a.dtype == np.float32 and a.shape == (1, 8000) and np.array_equal(a, b)
        assert hooks.reference(call.args[0]).shape == (32, 63)


def test_inference_reference_passes_and_mode_mistakes_fail() -> None:
    assert not failing(grade("inference_mode_speedups", "reference.py"))
    assert {"small-batch:eval-mode", "small-batch:output"} <= failing(grade("inference_mode_speedups", "cases/no_grad_only.py"))
    assert {"small-batch:no-grad"} <= failing(grade("inference_mode_speedups", "cases/detach_after.py"))
    warned = grade("inference_mode_speedups", "cases/global_off.py")
    assert not failing(warned) and warned["grad-left-off"].warning


def test_inference_forged_facts_cannot_fake_the_output() -> None:
    from challenges.content.inference_mode_speedups import hooks

    calls = hooks.calls(random.Random(0))
    forged = {"forwards": [{"grad": False, "inference": True, "training": False, "dropout_training": False}],
              "requires_grad": False, "values": np.zeros((48, 3), dtype=np.float32), "grad_before": True, "grad_after": True}
    checks = {c.name: c for c in hooks.judge(calls, {c.id: CallResult(value=forged) for c in calls})}
    assert not checks["small-batch:output"].passed and checks["small-batch:no-grad"].passed


def test_feature_extraction_reference_and_hooks() -> None:
    assert not failing(grade("feature_extraction", "reference.py"))
    assert not failing(grade("feature_extraction", "cases/hooks_removed.py"))
    assert failing(grade("feature_extraction", "cases/forum_hooks.py")) == {"hooks-removed"}
