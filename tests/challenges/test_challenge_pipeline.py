"""End to end, in-process: our references pass on the challenge's own seeds (~10 s each).

The references run with a generous budget so that a busy shared test machine cannot starve them
of steps; that they fit the real budget is checked on the idle-host estimate (fastest step times
x steps) that ``challenges.inprocess`` records.

``challenges.inprocess`` imports the file in this process, so it is only ever given OUR files.
The harness's contract errors are checked on tiny modules built here.
"""

from __future__ import annotations

import types
from typing import Any

import pytest
import torch
from torch import nn

from challenges.base import HarnessContext
from challenges.catalogue import load_catalogue
from challenges.harness_kit import ContractError
from challenges.inprocess import run


@pytest.mark.parametrize("challenge_id", ["shapes-classifier", "denoiser", "bilstm-future-context"])
def test_reference_passes(challenge_id: str) -> None:
    challenge = load_catalogue().get(challenge_id)
    assert challenge is not None
    result = run(challenge, challenge.reference_path, budget_s=120.0)
    failed = [c.message for c in result.evaluation.checks if not c.passed]
    assert result.evaluation.passed, failed
    assert result.steps > 0
    assert result.est_uncontended_train_s < challenge.spec.limits.train_budget_s
    phases = [e["name"] for e in result.events if e.get("kind") == "phase"]
    assert phases == ["build", "forward", "train", "predict"]


def _ctx() -> HarnessContext:
    return HarnessContext(time_budget_s=1.0, threads=1, report=lambda **_: None)


def _module(**functions: Any) -> types.ModuleType:
    module = types.ModuleType("learner_stub")
    for name, fn in functions.items():
        setattr(module, name, fn)
    return module


def test_harness_reports_missing_contract_functions() -> None:
    from challenges.content.shapes_classifier import harness

    data = load_catalogue().get("shapes-classifier").grader().training_data(1)  # type: ignore[union-attr]
    with pytest.raises(ContractError, match="build_model"):
        harness.train(_module(), data, _ctx())
    with pytest.raises(ContractError, match=r"must return a torch\.nn\.Module"):
        harness.train(_module(build_model=lambda: "model"), data, _ctx())
    conv = lambda: nn.Sequential(nn.Conv2d(1, 1, 3), nn.Flatten(), nn.Linear(676, 4))  # noqa: E731
    with pytest.raises(ContractError, match="train"):
        harness.train(_module(build_model=conv), data, _ctx())


def test_harness_facts_survive_a_broken_forward() -> None:
    from challenges.content.bilstm_future_context import harness

    class Broken(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = nn.LSTM(4, 4, bidirectional=True)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            raise RuntimeError("boom")

    def predict(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
        return model(x)  # type: ignore[no-any-return]

    facts = harness.facts(_module(predict=predict), Broken(), _ctx())
    assert facts["bidirectional"] is True and facts["bidirectional_ran"] is False
    assert facts["probe_shape"] is None and "boom" in facts["probe_error"]
