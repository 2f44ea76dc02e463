"""Sandbox side of C3.2 ``param-groups-and-freezing``: hand a resnet18 to the learner's
``make_optimizer`` and take one optimizer step on random data.

Runs next to the learner's code (torch, torchvision and the inside kit only) and returns plain
data: the optimizer's class, each param group's lr, weight decay and parameter names, every
parameter's ``requires_grad``, and raw samples of every parameter before and after the step, so
that the trusted side computes what changed itself. Learner code shares this interpreter, so the
names and flags are sandbox-observed; the trusted side bounds and checks all of it.
"""

from __future__ import annotations

import math
from types import ModuleType
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.models as tvm

from challenges.kinds import inside_kit as kit

NUM_CLASSES = 10
SAMPLE = 32  # values read from each parameter, spread over it
MAX_GROUPS = 64
MAX_NAMES = 400


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError, RuntimeError):
        return None
    return number if math.isfinite(number) else None


def _sample(model: torch.nn.Module) -> np.ndarray:
    rows = []
    for _, p in model.named_parameters():
        flat = p.detach().reshape(-1)
        index = torch.linspace(0, flat.numel() - 1, SAMPLE).round().long()
        rows.append(flat[index].double().numpy())
    return np.stack(rows)


def one_step(learner: ModuleType, seed: int) -> dict[str, Any]:
    torch.manual_seed(seed)
    model = tvm.resnet18(weights=None, num_classes=NUM_CLASSES)
    names = {id(p): n for n, p in model.named_parameters()}
    optimizer = kit.contract_fn(learner, "make_optimizer")(model)
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise kit.ContractError(f"make_optimizer() must return a torch.optim.Optimizer, got {type(optimizer).__name__}")
    groups = []
    for group in list(optimizer.param_groups)[:MAX_GROUPS]:
        params = list(group.get("params", []))
        groups.append({"lr": _number(group.get("lr")), "weight_decay": _number(group.get("weight_decay", 0.0)),
                       "names": [names.get(id(p), "") for p in params[:MAX_NAMES]], "size": len(params)})
    flags = [[n, bool(p.requires_grad)] for n, p in model.named_parameters()]
    before = _sample(model)
    generator = torch.Generator().manual_seed(seed)
    x = torch.randn(4, 3, 64, 64, generator=generator)
    y = torch.randint(0, NUM_CLASSES, (4,), generator=generator)
    model.train()
    step_error = None
    optimizer.zero_grad()
    loss = F.cross_entropy(model(x), y)
    if loss.requires_grad:
        loss.backward()
        optimizer.step()
    else:
        step_error = "the loss has no grad_fn: no parameter of the model requires grad"
    after = _sample(model)
    return {"type": type(optimizer).__name__[:60], "groups": groups, "n_groups": len(optimizer.param_groups),
            "flags": flags, "before": before, "after": after, "step_error": step_error}
