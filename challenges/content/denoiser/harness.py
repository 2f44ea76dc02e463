"""Sandbox half of `denoiser`: build and train the learner's autoencoder, then denoise.

Runs inside the sandbox next to learner code (torch, numpy and ``challenges.harness_kit`` only).
The training loader yields (noisy, clean) pairs; the hidden test set arrives as noisy images only,
and the clean targets stay in the trusted process.
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

PROBE_BATCH = 3  # differs from the training (64) and prediction (100) batch sizes (§2.9)
PREDICT_BATCH = 100


def train(learner: ModuleType, data: dict[str, Any], ctx: HarnessContext) -> nn.Module:
    kit.seed_everything(data)
    noisy = np.ascontiguousarray(data["noisy"], dtype=np.float32)
    clean = np.ascontiguousarray(data["clean"], dtype=np.float32)
    ctx.phase("build")
    model = kit.build(learner)
    ctx.phase("forward")
    with kit.evaluating(model):
        kit.contract_fn(learner, "denoise")(model, torch.from_numpy(noisy[:2]))
    model.train()
    ctx.phase("train")
    loader = kit.make_loader(noisy, clean, batch_size=64, seed=int(data.get("seed", 0)))
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
    denoise = kit.contract_fn(learner, "denoise")
    try:
        with kit.evaluating(model):
            out["probe_shape"] = kit.shape_of(denoise(model, probe))
            out["eval_deterministic"] = kit.deterministic_in_eval(lambda: denoise(model, probe))
    except Exception as exc:  # the learner's denoise failed on a batch of 3: report, don't crash
        out["probe_error"] = f"{type(exc).__name__}: {exc}"[:300]
    return out


def predict(learner: ModuleType, state: nn.Module, inputs: dict[str, Any], ctx: HarnessContext) -> dict[str, Any]:
    ctx.phase("predict")
    model = state
    denoise = kit.contract_fn(learner, "denoise")
    noisy = torch.from_numpy(np.ascontiguousarray(inputs["noisy"], dtype=np.float32))
    with kit.evaluating(model):
        out = kit.batched(lambda batch: denoise(model, batch), noisy, PREDICT_BATCH, "denoise()")
    if out.dtype.kind == "f":
        out = out.astype(np.float32)
    return {"denoised": out}
