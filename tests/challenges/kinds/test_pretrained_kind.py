"""The trained kind's pretrained-model options (competency 9): the TOML options and their
consistency rules, the shipped weights in the opening, the sandbox side's adapt -> optimizer ->
train path run on a real learner module (in this process: our own code), the reading of what it
reports, the per-run baseline and the margin over it."""

from __future__ import annotations

import types
from typing import Any

import numpy as np
import pytest
import torch
from pydantic import ValidationError

from challenges.baselines import fit_scratch_tiny
from challenges.catalogue import load_catalogue
from challenges.kinds import pretrained_inside
from challenges.kinds.base import Submission
from challenges.kinds.pretrained import PRETRAINED_PREFIX, readable_adapted_facts
from challenges.kinds.trained import TrainedConfig, TrainedExchange, _over_baseline
from challenges.pretrained import pretrained_state

BASE: dict[str, Any] = {
    "data": {"generator": "transfer-target", "train_size": 40, "test_size": 100, "train_seed": 1},
    "build": {"function": "adapt", "args": [4], "pretrained": "tiny"},
    "train": {"gives": "loader", "arrays": ["x", "y"], "optimizer": "make_optimizer"},
    "predict": {"input": "x", "output": "argmax"},
    "metric": {"name": "accuracy", "label": "y", "at_least": 0.85, "over_baseline": 0.1},
    "baseline": {"name": "scratch-tiny", "every_run": True, "params": {"input": "x", "label": "y", "num_classes": 4}},
}


def _with(section: str, **changes: Any) -> dict[str, Any]:
    out = {k: dict(v) for k, v in BASE.items()}
    out[section].update(changes)
    return out


def test_the_options_validate_and_their_rules_hold() -> None:
    config = TrainedConfig(**BASE)
    assert config.build.pretrained == "tiny" and config.train.optimizer == "make_optimizer"
    assert config.baseline is not None and config.baseline.every_run
    with pytest.raises(ValidationError, match="pretrained model's contract"):
        TrainedConfig(**_with("build", pretrained=None))
    with pytest.raises(ValidationError, match="over_baseline needs"):
        TrainedConfig(**{k: v for k, v in BASE.items() if k != "baseline"})
    with pytest.raises(ValidationError):
        TrainedConfig(**_with("build", pretrained="resnet18"))
    with pytest.raises(ValidationError, match="loader-fed"):
        TrainedConfig(**_with("train", gives="tensors"))


def test_pretrained_challenges_send_the_shipped_weights_with_the_training_data() -> None:
    challenges = [c for c in load_catalogue() if c.spec.kind == "trained" and c.config.build.pretrained]
    assert {c.id for c in challenges} >= {"feature-extract", "fine-tune-discriminative-lr", "transfer-beats-scratch"}
    exchange = challenges[0].kind.exchange(challenges[0], Submission({"s.py": "x = 1\n"}), seed=3)
    assert isinstance(exchange, TrainedExchange)
    [opening] = exchange.opening()
    shipped = pretrained_state()
    sent = {k.removeprefix(PRETRAINED_PREFIX): v for k, v in opening.payload.items() if k.startswith(PRETRAINED_PREFIX)}
    assert set(sent) == set(shipped) and all(np.array_equal(sent[k], shipped[k]) for k in shipped)


LEARNER = '''
import torch
from torch import nn

def adapt(pretrained, num_classes):
    pretrained.features.requires_grad_(False)
    pretrained.fc = nn.Linear(64, num_classes)
    return pretrained

def make_optimizer(model):
    return torch.optim.SGD([{"params": model.features.parameters(), "lr": 1e-4},
                            {"params": model.fc.parameters(), "lr": 1e-2}])

def train(model, optimizer, loader, time_budget_s):
    seen.append(model.features.training)
    for x, y in loader:
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

seen = []
'''


def test_the_sandbox_side_adapts_keeps_modes_and_reports_the_optimizer() -> None:
    learner = types.ModuleType("learner")
    exec(compile(LEARNER, "learner.py", "exec"), learner.__dict__)
    rng = np.random.default_rng(0)
    data: dict[str, Any] = {"x": rng.random((8, 1, 28, 28), dtype=np.float32), "y": np.arange(8) % 4}
    data |= {PRETRAINED_PREFIX + k: v for k, v in pretrained_state().items()}
    contract = {"build": {"function": "adapt", "args": [4], "pretrained": "tiny"},
                "train": {"gives": "loader", "arrays": ["x", "y"], "batch_size": 4, "optimizer": "make_optimizer"},
                "predict": {"via": "model", "input": "x", "output": "argmax"}}
    phases: list[str] = []

    def smoke(_learner: Any, model: torch.nn.Module, _contract: Any, probe: torch.Tensor, phase: Any) -> None:
        phase("forward")
        model.eval()
        model(probe)
        model.train()  # what the kind's own smoke forward leaves: undone for an adapted model

    model = pretrained_inside.train_adapted(learner, data, contract, 0, 5.0, phases.append, smoke)
    assert phases == ["build", "forward", "train"]
    assert learner.seen == [False]  # adapt() left the pretrained network in eval mode: kept
    assert not any(k.startswith(PRETRAINED_PREFIX) for k in data)
    facts = pretrained_inside.observed_facts(model)
    assert facts["trainable_names"] == ["fc.weight", "fc.bias"]
    assert facts["optimizer_steps"] == 2
    groups = facts["optimizer_groups"]
    assert [g["lr"] for g in groups] == [1e-4, 1e-2] and groups[1]["params"] == ["fc.weight", "fc.bias"]
    assert readable_adapted_facts(facts) == facts


def test_reported_facts_of_the_wrong_shape_are_dropped() -> None:
    assert readable_adapted_facts({"trainable_names": "fc.weight", "optimizer_groups": [{"lr": "1e-3", "params": []}],
                                   "optimizer_steps": -1}) == {}
    assert readable_adapted_facts({"optimizer_groups": [{"lr": float("nan"), "params": ["a"]}]}) == {}
    assert readable_adapted_facts({"optimizer_groups": [{"lr": 1e-3, "params": ["a"]}] * 33}) == {}
    assert readable_adapted_facts({"trainable_names": ["x" * 2000]}) == {}


def test_the_scratch_baseline_depends_on_its_seed_and_the_margin_on_its_figure() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.random((8, 1, 28, 28), dtype=np.float32), np.arange(8) % 4
    a, b, c = (fit_scratch_tiny(x, y, 4, steps=3, seed=s) for s in (1, 1, 2))
    assert torch.equal(a.fc.weight, b.fc.weight) and not torch.equal(a.fc.weight, c.fc.weight)
    assert not a.training
    config = TrainedConfig(**BASE)
    assert _over_baseline("accuracy", 0.95, {"baseline_accuracy": 0.8}, config).passed
    near = _over_baseline("accuracy", 0.89, {"baseline_accuracy": 0.8}, config)
    assert not near.passed and near.threshold == pytest.approx(0.9)
    assert not _over_baseline("accuracy", 0.99, {}, config).passed
