"""C7.2 unit checks of ``corrupt``: the scenario (``inside.py``) runs our own corrupt functions
in this process and the judge (``hooks.py``) passes the reference and names each broken one:
in place, unclamped, the wrong sigma, the global RNG instead of the generator."""

from __future__ import annotations

import random

import pytest

from challenges.content.bottleneck_dae import hooks, inside
from challenges.kinds.base import CallResult
from challenges.kinds.functions import from_wire, read_results
from challenges.kinds.functions_inside import run_calls
from challenges.kinds.inside_kit import load_learner_module

HEADER = "import torch\n\n\ndef corrupt(x, sigma, generator):\n"
CORRUPTS = {
    "reference": "    return (x + sigma * torch.randn(x.shape, generator=generator, dtype=x.dtype)).clamp(0.0, 1.0)\n",
    "in_place": "    return x.add_(sigma * torch.randn(x.shape, generator=generator)).clamp_(0.0, 1.0)\n",
    "unclamped": "    return x + sigma * torch.randn(x.shape, generator=generator)\n",
    "variance": "    return (x + sigma ** 2 * torch.randn(x.shape, generator=generator)).clamp(0.0, 1.0)\n",
    "global_rng": "    return (x + sigma * torch.randn_like(x)).clamp(0.0, 1.0)\n",
    "float64": "    return (x.double() + sigma * torch.randn(x.shape, generator=generator, dtype=torch.float64)).clamp(0, 1)\n",
    "no_noise": "    return x.clone()\n",
    "returns_list": "    return [1.0, 2.0]\n",
}
FAILS = {
    "reference": set(),
    "in_place": {"corrupt_not_in_place"},
    "unclamped": {"corrupt_in_range"},
    "variance": {"corrupt_sigma"},
    "global_rng": {"corrupt_reproducible"},
    "float64": {"corrupt_in_range"},
    "no_noise": {"corrupt_sigma", "corrupt_reproducible"},
    "returns_list": set(hooks.WHAT),
}


def _failed(body: str, seed: int = 5) -> set[str]:
    learner = load_learner_module(HEADER + body, "learner.py")
    calls = hooks.calls(random.Random(seed))
    wire = [{"id": c.id, "function": c.function, "args": list(c.args), "scenario": c.scenario} for c in calls]
    results = read_results(calls, run_calls(learner, wire, {}, inside))
    return {c.name for c in hooks.judge(calls, results) if not c.passed}


@pytest.mark.parametrize("name", list(CORRUPTS))
def test_each_broken_corrupt_fails_exactly_its_check(name: str) -> None:
    assert _failed(CORRUPTS[name]) == FAILS[name]


def test_the_reference_passes_for_many_seeds() -> None:
    for seed in range(4):
        assert _failed(CORRUPTS["reference"], seed) == set()


def test_forged_or_failed_results_fail_every_check_without_echo() -> None:
    calls = hooks.calls(random.Random(1))
    raised = hooks.judge(calls, {"corrupt": CallResult(error="KeyError: <script>secret</script>")})
    assert all(not c.passed and c.advice and "secret" not in c.message for c in raised)
    forged = hooks.judge(calls, {"corrupt": CallResult(value=from_wire({"input_unchanged": True, "stds": "x"}))})
    assert {c.name for c in forged if not c.passed} == set(hooks.WHAT)
