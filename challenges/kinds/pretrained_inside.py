"""Sandbox side of a ``trained`` challenge whose model starts from our pretrained network.

Why a module of its own: the transfer challenges (competency 9) do not build a model, they adapt
one. The trusted side sends the shipped state_dict as plain arrays with the training data
(``_pretrained:<key>`` arrays); here ``Tiny`` is rebuilt from them (``challenges.pretrained``, exported to the
sandbox), given to the learner's ``adapt(pretrained, *args)``, and, when the contract names one,
the learner's ``make_optimizer(model)`` is called and its optimizer handed to
``train(model, optimizer, loader, time_budget_s=...)``. What the learner's model reports about
itself (which parameters require grad, each param group's lr and parameter names, how often the
optimizer stepped) goes back with the facts: sandbox-observed, so it can fail a run, never pass
one; the weights themselves come back as arrays and are compared with the shipped ones on the
trusted side. The train/eval mode ``adapt`` leaves is kept: the grader's smoke forward restores
it, so a frozen backbone's BatchNorm stays as the learner put it.
"""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import nn

from challenges.kinds import inside_kit as kit
from challenges.pretrained import tiny_from_state

PRETRAINED_PREFIX = "_pretrained:"  # each tensor of the shipped state_dict, one array per key
MAX_GROUPS = 32
MAX_NAMES = 5000

_observed: dict[str, Any] = {}


def _modes(model: nn.Module) -> list[bool]:
    return [m.training for m in model.modules()]


def _restore(model: nn.Module, modes: list[bool]) -> None:
    for module, training in zip(model.modules(), modes, strict=False):
        module.training = training


def adapt(learner: ModuleType, data: dict[str, Any], contract: dict[str, Any]) -> nn.Module:
    """``adapt(pretrained, *args)`` on a fresh copy of the shipped network."""
    state = {k.removeprefix(PRETRAINED_PREFIX): np.asarray(data.pop(k)) for k in list(data)
             if k.startswith(PRETRAINED_PREFIX)}
    if not state:
        raise RuntimeError("the pretrained weights did not arrive with the training data")
    pretrained = tiny_from_state(state)
    build = contract["build"]
    name = str(build.get("function", "adapt"))
    model = kit.contract_fn(learner, name)(pretrained, *build.get("args", []))
    if not isinstance(model, nn.Module):
        raise kit.ContractError(f"{name}() must return a torch.nn.Module, got {type(model).__name__}")
    return model


def optimizer_groups(model: nn.Module, optimizer: Any) -> list[dict[str, Any]]:
    """Each param group as ``{lr, params: [names]}``; parameters the model does not own are ``?``."""
    names = {id(p): n for n, p in model.named_parameters()}
    groups = []
    for group in list(getattr(optimizer, "param_groups", []))[:MAX_GROUPS]:
        lr = group.get("lr") if isinstance(group, dict) else None
        params = group.get("params", []) if isinstance(group, dict) else []
        groups.append({"lr": float(lr) if isinstance(lr, (int, float, torch.Tensor)) else -1.0,
                       "params": [names.get(id(p), "?") for p in list(params)[:MAX_NAMES]]})
    return groups


def train_adapted(learner: ModuleType, data: dict[str, Any], contract: dict[str, Any], seed: int, budget_s: float,
                  phase: Callable[[str], None],
                  smoke_forward: Callable[[ModuleType, nn.Module, dict[str, Any], torch.Tensor, Callable[[str], None]], None],
                  ) -> nn.Module:
    """Adapt, smoke-test (keeping the learner's modes), make the optimizer if the contract has
    one, and train on a loader of the training arrays."""
    _observed.clear()
    spec = contract["train"]
    arrays = [np.asarray(data[name]) for name in spec["arrays"]]
    phase("build")
    model = adapt(learner, data, contract)
    modes = _modes(model)
    smoke_forward(learner, model, contract, torch.from_numpy(np.ascontiguousarray(arrays[0][:2])).float(), phase)
    _restore(model, modes)
    phase("train")
    lead: list[Any] = []
    optimizer_name = spec.get("optimizer")
    if optimizer_name:
        optimizer = kit.contract_fn(learner, str(optimizer_name))(model)
        if not isinstance(optimizer, torch.optim.Optimizer):
            raise kit.ContractError(f"{optimizer_name}(model) must return a torch.optim.Optimizer, "
                                    f"got {type(optimizer).__name__}")
        _observed["optimizer_groups"] = optimizer_groups(model, optimizer)
        steps = [0]
        optimizer.register_step_post_hook(lambda *_: steps.__setitem__(0, steps[0] + 1))
        _observed["_optimizer_steps"] = steps
        lead = [optimizer]
    loader = kit.make_loader(*arrays, batch_size=int(spec.get("batch_size", 64)), seed=seed)
    kit.contract_fn(learner, spec.get("function", "train"))(model, *lead, loader, time_budget_s=budget_s)
    return model


def observed_facts(model: Any) -> dict[str, Any]:
    """After training: the parameters that require grad, and what was seen of the optimizer."""
    out: dict[str, Any] = {}
    if isinstance(model, nn.Module):
        out["trainable_names"] = [n for n, p in model.named_parameters() if p.requires_grad][:MAX_NAMES]
    if "optimizer_groups" in _observed:
        out["optimizer_groups"] = _observed["optimizer_groups"]
        out["optimizer_steps"] = int(_observed["_optimizer_steps"][0])
    return out
