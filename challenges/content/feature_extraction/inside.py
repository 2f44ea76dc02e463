"""Sandbox side of C3.3 ``feature-extraction``: hand the learner a resnet18 and an input.

``make_model`` and ``make_input`` build the same resnet18 (``weights=None``, initialised from a
seed, in eval mode) and the same batch on both sides, so the trusted side can run its own forward
hooks and compare. ``feature`` returns one node's tensor as one array; ``summary`` reports the
returned keys and shapes, the hooks left on the model after each of two calls, and whether the
second call agreed with the first (sandbox-observed). Imports only torch, numpy and torchvision.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import nn

NODES = ("layer1", "layer2", "layer3", "layer4")
MAX_KEYS = 64


def make_model(seed: int) -> nn.Module:
    """resnet18(weights=None), its weights drawn from ``seed``, in eval mode."""
    from torchvision.models import resnet18

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = resnet18(weights=None)
    return model.eval()


def make_input(seed: int, batch: int, size: int) -> torch.Tensor:
    rng = np.random.default_rng(seed + 1)
    return torch.from_numpy(rng.normal(0, 1, (batch, 3, size, size)).astype(np.float32))


def _extract(learner: ModuleType, model: nn.Module, x: torch.Tensor) -> Any:
    extract = getattr(learner, "extract", None)
    if not callable(extract):
        raise TypeError("your file must define extract(model, x)")
    return extract(model, x)


def _hooks_left(model: nn.Module) -> list[str]:
    """Modules that still carry a forward (pre-)hook, by name."""
    left = []
    for name, module in model.named_modules():
        if module._forward_hooks or module._forward_pre_hooks:
            left.append(name[:40] or "(model)")
    return left[:MAX_KEYS]


def feature(learner: ModuleType, seed: int, batch: int, size: int, node: str) -> Any:
    """The learner's tensor for ``node``, as it came."""
    out = _extract(learner, make_model(seed), make_input(seed, batch, size))
    if not isinstance(out, dict):
        raise TypeError(f"extract must return a dict of node name -> Tensor, not {type(out).__name__[:40]}")
    if node not in out:
        keys = ", ".join(repr(str(k)[:20]) for k in list(out)[:8])
        raise KeyError(f"the dict has no key {node!r} (its keys: {keys})")
    return out[node]


def summary(learner: ModuleType, seed: int, batch: int, size: int) -> dict[str, Any]:
    model = make_model(seed)
    x = make_input(seed, batch, size)
    first = _extract(learner, model, x)
    hooks_first = _hooks_left(model)
    second = _extract(learner, model, x)
    hooks_second = _hooks_left(model)
    facts: dict[str, Any] = {"type": type(first).__name__[:40], "hooks_first": hooks_first, "hooks_second": hooks_second,
                             "training": model.training}
    if isinstance(first, dict):
        facts["keys"] = [str(k)[:40] for k in list(first)[:MAX_KEYS]]
        facts["shapes"] = {str(k)[:40]: [int(s) for s in v.shape][:8] for k, v in list(first.items())[:MAX_KEYS]
                           if isinstance(v, torch.Tensor)}
        same = isinstance(second, dict) and all(
            isinstance(second.get(k), torch.Tensor) and isinstance(first.get(k), torch.Tensor)
            and second[k].shape == first[k].shape and bool(torch.equal(second[k], first[k])) for k in NODES if k in first)
        facts["repeatable"] = same
    return facts
