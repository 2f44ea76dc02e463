"""C3.1 torchvision-head-swap, C3.2 param-groups-and-freezing and C3.4 checkpoint-surgery: the
trusted judges on our own files run in this process (their scenarios included), on hostile return
values, and the facts they rely on (resnet18's parameter names, a payload that really runs when
unpickled unsafely)."""

from __future__ import annotations

import importlib.util
import random
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest
import torch

from challenges.content.checkpoint_surgery import hooks as surgery_hooks
from challenges.content.checkpoint_surgery import inside as surgery_inside
from challenges.content.param_groups_and_freezing import hooks as groups_hooks
from challenges.content.param_groups_and_freezing import inside as groups_inside
from challenges.content.torchvision_head_swap import hooks as head_hooks
from challenges.content.torchvision_head_swap import inside as head_inside
from challenges.kinds.base import Call, CallResult
from challenges.kinds.functions import from_wire
from challenges.kinds.functions_inside import to_wire
from challenges.verdict import MAX_CHECK_MESSAGE, Check

CONTENT = Path(surgery_hooks.__file__).parents[1]


def load(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"c3_{path.parent.name}_{path.stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run(inside: ModuleType, learner: ModuleType, calls: list[Call]) -> dict[str, CallResult]:
    """The sandbox's way: the scenario's value goes over the wire and back; an exception is the error."""
    results = {}
    for call in calls:
        try:
            value = getattr(inside, str(call.scenario))(learner, *call.args, **call.kwargs)
            results[call.id] = CallResult(value=from_wire(to_wire(value, call.function)))
        except Exception as exc:
            results[call.id] = CallResult(error=f"{type(exc).__name__}: {exc}")
    return results


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


HOSTILE: list[Any] = [None, 3, "x" * 10_000, [1, 2], {"found": 5}, {"params": [[1, 2]] * 5000},
                      {"groups": "all", "flags": None}, {"state": [], "head_before": {}, "returned": "no"},
                      np.zeros((3, 3))]


# --- C3.1 --------------------------------------------------------------------------------------


def test_head_swap_calls_cover_every_family_in_both_modes() -> None:
    calls = head_hooks.calls(random.Random(0))
    assert {c.id for c in calls} == {f"{a}-{m}" for a in head_hooks.ARCHS for m in ("feature-extract", "fine-tune")}
    assert all(c.args[1] != 1000 for c in calls)
    assert set(head_hooks.ARCHS) == set(head_inside.ARCHS)


def test_head_swap_judges_squeezenet_from_the_scenario() -> None:
    """SqueezeNet is the odd one (a 1x1 conv head) and the quickest to build: reference passes, a
    Linear head fails with advice."""
    reference = load(CONTENT / "torchvision_head_swap" / "reference.py")
    habits = load(CONTENT / "torchvision_head_swap" / "cases" / "resnet_habits.py")
    calls = [Call("squeezenet-feature-extract", "build_model", ("squeezenet", 7, True, True), scenario="head_swap")]
    good = by_name(head_hooks.judge(calls, run(head_inside, reference, calls)))
    assert good["squeezenet-feature-extract"].passed and good["outputs"].passed
    assert good["outputs"].evidence == "trusted"
    bad = by_name(head_hooks.judge(calls, run(head_inside, habits, calls)))
    assert not bad["squeezenet-feature-extract"].passed and bad["squeezenet-feature-extract"].advice
    assert not bad["outputs"].passed


def test_head_swap_network_errors_say_weights_none() -> None:
    call = Call("resnet-fine-tune", "build_model", ("resnet", 5, False, True), scenario="head_swap")
    error = "URLError: <urlopen error [Errno 1] Operation not permitted>"
    check = by_name(head_hooks.judge([call], {call.id: CallResult(error=error)}))[call.id]
    assert not check.passed and "weights=None" in check.advice and "download" in check.message


@pytest.mark.parametrize("value", HOSTILE)
def test_head_swap_hostile_values_fail_cleanly(value: Any) -> None:
    call = Call("vgg-fine-tune", "build_model", ("vgg", 5, False, True), scenario="head_swap")
    checks = head_hooks.judge([call], {call.id: CallResult(value=value)})
    assert not any(c.passed for c in checks if not c.warning)
    assert all(len(c.message) <= MAX_CHECK_MESSAGE and c.advice for c in checks if not c.passed)


# --- C3.2 --------------------------------------------------------------------------------------


def test_resnet18_names_are_torchvisions() -> None:
    import torchvision

    names = [n for n, _ in torchvision.models.resnet18(weights=None, num_classes=10).named_parameters()]
    assert names == groups_hooks.NAMES
    assert len(groups_hooks.ALLOWED) == 17 and "layer4.0.downsample.1.weight" in groups_hooks.NO_DECAY


@pytest.mark.parametrize(("file", "failing"), [
    ("reference.py", set()),
    ("starter.py", {"frozen", "head-lr", "no-decay-bn-bias", "one-step"}),
    ("cases/bn_by_name.py", {"no-decay-bn-bias"}),
    ("cases/module_attribute_freeze.py", {"frozen"}),
])
def test_param_groups_verdicts(file: str, failing: set[str]) -> None:
    learner = load(CONTENT / "param_groups_and_freezing" / file)
    calls = groups_hooks.calls(random.Random(1))
    checks = groups_hooks.judge(calls, run(groups_inside, learner, calls))
    assert {c.name for c in checks if not c.passed and not c.warning} == failing
    assert by_name(checks)["one-step"].evidence == "trusted"


@pytest.mark.parametrize("value", HOSTILE)
def test_param_groups_hostile_values_fail_cleanly(value: Any) -> None:
    calls = groups_hooks.calls(random.Random(0))
    checks = groups_hooks.judge(calls, {calls[0].id: CallResult(value=value)})
    assert not all(c.passed for c in checks if not c.warning)
    assert all(c.advice for c in checks if not c.passed and not c.warning)


# --- C3.4 --------------------------------------------------------------------------------------


def test_checkpoint_arrays_are_deterministic_and_fit_the_model() -> None:
    a = surgery_inside.checkpoint_arrays(7, "projection.weight")
    b = surgery_inside.checkpoint_arrays(7, "projection.weight")
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    model = surgery_inside.SmallNet(5)
    assert [(k, tuple(v.shape)) for k, v in model.state_dict().items()] == surgery_inside.model_shapes(5)


def test_the_payload_runs_when_unpickled_unsafely(tmp_path: Path) -> None:
    """The negative control is real: weights_only=False runs it, weights_only=True refuses it."""
    marker = tmp_path / "ran"
    path = tmp_path / "evil.pt"
    torch.save({"config": surgery_inside._Payload(str(marker))}, path)
    with pytest.raises(Exception, match=r"(?i)weights only"):
        torch.load(path, weights_only=True)
    assert not marker.exists()
    torch.load(path, weights_only=False)
    assert marker.exists()


@pytest.mark.parametrize(("file", "failing"), [
    ("reference.py", set()),
    ("cases/forum_snippet.py", {"dataparallel-report", "single-gpu-weights", "single-gpu-report"}),
    ("cases/trusted_flag.py", {"pickle-payload"}),
    ("cases/unsafe_fallback.py", {"pickle-payload"}),
])
def test_checkpoint_verdicts(file: str, failing: set[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the scenarios write into the current directory (the sandbox's scratch)
    learner = load(CONTENT / "checkpoint_surgery" / file)
    calls = surgery_hooks.calls(random.Random(3))
    checks = surgery_hooks.judge(calls, run(surgery_inside, learner, calls))
    assert {c.name for c in checks if not c.passed} == failing
    assert by_name(checks)["dataparallel-weights"].evidence == "trusted"


def test_checkpoint_weights_must_be_bit_equal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    learner = load(CONTENT / "checkpoint_surgery" / "reference.py")
    call = surgery_hooks.calls(random.Random(4))[0]
    value = from_wire(to_wire(surgery_inside.surgery(learner, *call.args), call.function))
    value["state"]["features.0.weight"] = value["state"]["features.0.weight"] + np.float32(1e-7)
    check = by_name(surgery_hooks.judge([call], {call.id: CallResult(value=value)}))[f"{call.id}-weights"]
    assert not check.passed and "features.0.weight" in check.message


@pytest.mark.parametrize("value", HOSTILE)
def test_checkpoint_hostile_values_fail_cleanly(value: Any) -> None:
    calls = surgery_hooks.calls(random.Random(0))
    checks = surgery_hooks.judge(calls, {c.id: CallResult(value=value) for c in calls})
    assert not any(c.passed for c in checks if c.name != "pickle-payload")
    assert all(c.advice and len(c.message) <= MAX_CHECK_MESSAGE for c in checks if not c.passed)
