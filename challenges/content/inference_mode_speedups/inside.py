"""Sandbox side of C2.4 ``inference-mode-speedups``: watch the learner's ``predict`` from inside.

``make_model`` and ``make_input`` build the same small network (Linear, BatchNorm1d, ReLU,
Dropout, Linear, weights and running statistics from a numpy seed) and the same input on both
sides; the network starts in training mode, as a freshly built or just-trained one does. Forward
pre-hooks record, for every forward pass during the call, ``torch.is_grad_enabled()``,
``torch.is_inference_mode_enabled()`` and ``training`` of the model and of its Dropout. The
result's values go back too, so the trusted side can recompute them. Imports only torch and numpy.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import nn

IN, HIDDEN, OUT = 8, 16, 3
MAX_FORWARDS = 64


def make_model(seed: int) -> nn.Sequential:
    """The network, weights and BatchNorm running statistics drawn from ``seed``, in training mode."""
    model = nn.Sequential(nn.Linear(IN, HIDDEN), nn.BatchNorm1d(HIDDEN), nn.ReLU(), nn.Dropout(0.5), nn.Linear(HIDDEN, OUT))
    rng = np.random.default_rng(seed)
    state = model.state_dict()
    for name, tensor in state.items():
        if tensor.dtype.is_floating_point:
            values = rng.uniform(0.5, 2.0, tensor.shape) if name.endswith("running_var") else rng.normal(0, 0.5, tensor.shape)
            state[name] = torch.from_numpy(values.astype(np.float32))
    model.load_state_dict(state)
    return model.train()


def make_input(seed: int, batch: int) -> torch.Tensor:
    rng = np.random.default_rng(seed + 1)
    return torch.from_numpy(rng.normal(0, 1, (batch, IN)).astype(np.float32))


def observe_predict(learner: ModuleType, seed: int, batch: int) -> dict[str, Any]:
    predict = getattr(learner, "predict", None)
    if not callable(predict):
        raise TypeError("your file must define predict(model, x)")
    model = make_model(seed)
    dropout = model[3]
    forwards: list[dict[str, bool]] = []

    def record(module: nn.Module, args: tuple[Any, ...]) -> None:
        if len(forwards) < MAX_FORWARDS:
            forwards.append({"grad": torch.is_grad_enabled(), "inference": torch.is_inference_mode_enabled(),
                             "training": module.training, "dropout_training": dropout.training})

    handle = model.register_forward_pre_hook(record)
    grad_before = torch.is_grad_enabled()
    try:
        out = predict(model, make_input(seed, batch))
    finally:
        handle.remove()
        grad_after = torch.is_grad_enabled()
        torch.set_grad_enabled(True)  # the next call starts from the default, whatever this one did
    facts: dict[str, Any] = {"forwards": forwards, "grad_before": grad_before, "grad_after": grad_after,
                             "type": type(out).__name__[:40]}
    if isinstance(out, torch.Tensor):
        facts["requires_grad"] = bool(out.requires_grad)
        facts["is_inference"] = bool(out.is_inference())
        facts["values"] = out.detach().cpu().numpy() if out.numel() <= 4096 else None
    return facts
