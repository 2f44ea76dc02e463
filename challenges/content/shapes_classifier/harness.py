"""Sandbox half of `shapes-classifier`: build, train and run the learner's CNN.

Runs inside the sandbox next to learner code (torch, numpy and ``challenges.harness_kit`` only).
The learner's functions are called positionally per the contract, ``time_budget_s`` by keyword
(design §2.13). Predictions are argmax class ids; the hidden labels never come here.
"""

from __future__ import annotations

from types import ModuleType
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from torch import nn

from challenges import harness_kit as kit

if TYPE_CHECKING:
    from challenges.base import HarnessContext

PROBE_BATCH = 3  # differs from the training (64) and prediction (250) batch sizes (§2.9)
PREDICT_BATCH = 250


def train(learner: ModuleType, data: dict[str, Any], ctx: HarnessContext) -> nn.Module:
    kit.seed_everything(data)
    x = torch.from_numpy(np.ascontiguousarray(data["x"], dtype=np.float32))
    y = torch.from_numpy(np.ascontiguousarray(data["y"], dtype=np.int64))
    ctx.phase("build")
    model = kit.build(learner)
    ctx.phase("forward")
    with kit.evaluating(model):
        model(x[:2])
    model.train()
    ctx.phase("train")
    loader = kit.make_loader(x.numpy(), y.numpy(), batch_size=64, seed=int(data.get("seed", 0)))
    kit.contract_fn(learner, "train")(model, loader, time_budget_s=ctx.time_budget_s)
    return model


def facts(learner: ModuleType, state: nn.Module, ctx: HarnessContext) -> dict[str, Any]:
    model = state
    out: dict[str, Any] = {
        "n_params": kit.n_params(model),
        "has_conv2d": kit.has_module(model, nn.Conv2d),
        "module_types": kit.module_types(model)[:50],
        "probe_shape": None,
    }
    probe = torch.rand(PROBE_BATCH, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    try:
        with kit.evaluating(model):
            out["probe_shape"] = kit.shape_of(model(probe))
            out["eval_deterministic"] = kit.deterministic_in_eval(lambda: model(probe))
    except Exception as exc:  # the learner's forward failed on a batch of 3: report, don't crash
        out["probe_error"] = f"{type(exc).__name__}: {exc}"[:300]
    return out


def predict(learner: ModuleType, state: nn.Module, inputs: dict[str, Any], ctx: HarnessContext) -> dict[str, Any]:
    ctx.phase("predict")
    model = state
    x = torch.from_numpy(np.ascontiguousarray(inputs["x"], dtype=np.float32))
    with kit.evaluating(model):
        logits = kit.batched(model, x, PREDICT_BATCH, "the model")
    if logits.ndim == 2 and logits.shape[1] >= 1:
        return {"pred": logits.argmax(axis=1).astype(np.int64), "n_outputs": int(logits.shape[1])}
    return {"pred": logits, "n_outputs": None}
