"""Sandbox half of `bilstm-future-context`: build, train and run the learner's tagger.

Runs inside the sandbox next to learner code (torch, numpy and ``challenges.harness_kit`` only).
The hidden inputs mix the test sequences with copies whose far future was redrawn, shuffled
together, and ``predict(model, X)`` is called once on all of them, so the learner's code cannot
tell which rows are the anti-cheat copies. Facts report whether a bidirectional RNN exists and
whether it actually ran while ``predict`` worked.
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

VOCAB = 10
NUM_TAGS = 2
PROBE_BATCH = 3  # differs from the training (64) and prediction batch sizes (§2.9)


def _bidirectional_rnns(model: nn.Module) -> list[nn.RNNBase]:
    return [m for m in model.modules() if isinstance(m, nn.RNNBase) and m.bidirectional]


def train(learner: ModuleType, data: dict[str, Any], ctx: HarnessContext) -> nn.Module:
    kit.seed_everything(data)
    x = torch.from_numpy(np.ascontiguousarray(data["X"], dtype=np.int64))
    y = torch.from_numpy(np.ascontiguousarray(data["Y"], dtype=np.int64))
    ctx.phase("build")
    model = kit.build(learner, VOCAB, NUM_TAGS)
    ctx.phase("forward")
    with kit.evaluating(model):
        kit.contract_fn(learner, "predict")(model, x[:2].clone())
    model.train()
    ctx.phase("train")
    kit.contract_fn(learner, "train")(model, x, y, time_budget_s=ctx.time_budget_s)
    return model


def facts(learner: ModuleType, state: nn.Module, ctx: HarnessContext) -> dict[str, Any]:
    model = state
    rnns = _bidirectional_rnns(model)
    out: dict[str, Any] = {
        "n_params": kit.n_params(model),
        "bidirectional": bool(rnns),
        "bidirectional_ran": False,
        "module_types": kit.module_types(model)[:50],
        "probe_shape": None,
    }
    calls: list[int] = []
    hooks = [m.register_forward_hook(lambda *_: calls.append(1)) for m in rnns]
    gen = torch.Generator().manual_seed(0)
    probe = torch.randint(0, VOCAB, (PROBE_BATCH, 20), generator=gen)
    try:
        with kit.evaluating(model):
            out["probe_shape"] = kit.shape_of(kit.contract_fn(learner, "predict")(model, probe.clone()))
    except Exception as exc:  # the learner's predict failed on a batch of 3: report, don't crash
        out["probe_error"] = f"{type(exc).__name__}: {exc}"[:300]
    finally:
        for hook in hooks:
            hook.remove()
    out["bidirectional_ran"] = bool(calls)
    return out


def predict(learner: ModuleType, state: nn.Module, inputs: dict[str, Any], ctx: HarnessContext) -> dict[str, Any]:
    ctx.phase("predict")
    model = state
    x = torch.from_numpy(np.ascontiguousarray(inputs["X"], dtype=np.int64))
    with kit.evaluating(model):
        tags = kit.to_numpy(kit.contract_fn(learner, "predict")(model, x), "predict()")
    return {"tags": tags}
