"""Sandbox side of C3.4 ``checkpoint-surgery``: write checkpoints into scratch, hand one to the
learner's ``load_checkpoint`` and return what the model holds afterwards, as raw arrays.

``surgery`` writes a training checkpoint (``epoch``, ``state_dict``, ``optimizer``) whose state
dict carries DataParallel's ``module.`` prefix (or none), one key the model lacks and a head of
the wrong shape; it returns the model's whole state dict after the call, the head's values before
it, and what the learner returned. ``payload`` writes the same checkpoint with a pickled object
whose unpickling creates a marker directory (``os.mkdir``), and reports whether the marker exists
after the learner's call: with ``weights_only=True`` torch refuses that global and nothing runs.
Imports torch and numpy only; what it returns is sandbox-observed. The checkpoint's values come
from plain numpy functions (``checkpoint_arrays``) that ``hooks.py`` imports too.
"""

from __future__ import annotations

import os
import secrets
from types import ModuleType
from typing import Any

import numpy as np
import torch
from torch import nn

from challenges.kinds import inside_kit as kit

# --- the checkpoint's contents (plain numpy): hooks.py regenerates them from the seed to check,
# bit for bit, what the learner loaded, so nothing the sandbox sends tells it what the weights are.

HIDDEN = 16
OLD_CLASSES = 1000  # the head the checkpoint was trained with (ImageNet's)
EXTRA_KEYS = ("aux_classifier.weight", "projection.weight", "ema.shadow_head")


def model_shapes(num_classes: int) -> list[tuple[str, tuple[int, ...]]]:
    """``SmallNet(num_classes).state_dict()`` keys and shapes, in order."""
    shapes: list[tuple[str, tuple[int, ...]]] = []
    for conv, bn, cin, cout in ((0, 1, 3, 8), (3, 4, 8, HIDDEN)):
        shapes += [(f"features.{conv}.weight", (cout, cin, 3, 3)), (f"features.{conv}.bias", (cout,)),
                   (f"features.{bn}.weight", (cout,)), (f"features.{bn}.bias", (cout,)),
                   (f"features.{bn}.running_mean", (cout,)), (f"features.{bn}.running_var", (cout,)),
                   (f"features.{bn}.num_batches_tracked", ())]
    return [*shapes, ("head.weight", (num_classes, HIDDEN)), ("head.bias", (num_classes,))]


HEAD_KEYS = ("head.weight", "head.bias")


def checkpoint_arrays(seed: int, extra_key: str) -> dict[str, np.ndarray]:
    """The checkpoint's state dict, without any ``module.`` prefix: trained values for every key of
    the model (the head with OLD_CLASSES outputs) plus one extra key the model does not have."""
    rng = np.random.default_rng(seed)
    arrays: dict[str, np.ndarray] = {}
    for key, shape in [*model_shapes(OLD_CLASSES), (extra_key, (5, HIDDEN))]:
        if key.endswith("num_batches_tracked"):
            arrays[key] = np.array(int(rng.integers(1000, 100000)), dtype=np.int64)
        elif key.endswith("running_var"):
            arrays[key] = (rng.random(shape) + 0.5).astype(np.float32)
        else:
            arrays[key] = rng.standard_normal(shape).astype(np.float32)
    return arrays


class SmallNet(nn.Module):
    """The network both the checkpoint and the learner's model are: two conv-BN blocks and a head."""

    def __init__(self, num_classes: int) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
            nn.Conv2d(8, HIDDEN, 3, padding=1), nn.BatchNorm2d(HIDDEN), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.head = nn.Linear(HIDDEN, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


class _Payload:
    """Unpickling this calls ``os.mkdir(marker)``: proof that the file was unpickled unsafely."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, tuple[str]]:
        return (os.mkdir, (self.marker,))


def _checkpoint(seed: int, extra_key: str, prefix: str) -> dict[str, Any]:
    arrays = checkpoint_arrays(seed, extra_key)
    state = {prefix + k: torch.from_numpy(np.array(v)) for k, v in arrays.items()}
    params = [k for k in state if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))]
    return {
        "epoch": 90,
        "arch": "smallnet",
        "state_dict": state,
        "best_acc1": 0.7123,
        "optimizer": {"state": {i: {"momentum_buffer": torch.zeros(1)} for i in range(len(params))},
                      "param_groups": [{"lr": 0.001, "momentum": 0.9, "weight_decay": 1e-4,
                                        "params": list(range(len(params)))}]},
    }


def _call(learner: ModuleType, model: nn.Module, path: str) -> Any:
    return kit.contract_fn(learner, "load_checkpoint")(model, path)


def surgery(learner: ModuleType, seed: int, num_classes: int, extra_key: str, prefix: str) -> dict[str, Any]:
    torch.manual_seed(seed % (1 << 31))
    path = os.path.abspath(f"checkpoint-{secrets.token_hex(4)}.pth.tar")
    torch.save(_checkpoint(seed, extra_key, prefix), path)
    model = SmallNet(num_classes)
    head_before = {k: v.detach().clone().numpy() for k, v in model.state_dict().items() if k in HEAD_KEYS}
    returned = _call(learner, model, path)
    if isinstance(returned, (tuple, list)):  # sets of names are a fair answer too: send them as lists
        returned = [list(part) if isinstance(part, (set, frozenset)) else part for part in returned]
    after = {k[:100]: v.detach().cpu().numpy() for k, v in list(model.state_dict().items())[:64]}
    return {"state": after, "head_before": head_before, "returned": kit.plain(returned, "load_checkpoint()")}


def payload(learner: ModuleType, seed: int, num_classes: int, extra_key: str, prefix: str) -> dict[str, Any]:
    marker = os.path.abspath(f"payload-ran-{secrets.token_hex(8)}")
    path = os.path.abspath(f"checkpoint-{secrets.token_hex(4)}.pth.tar")
    checkpoint = _checkpoint(seed, extra_key, prefix)
    checkpoint["config"] = _Payload(marker)
    torch.save(checkpoint, path)
    error = None
    try:
        _call(learner, SmallNet(num_classes), path)
    except Exception as exc:  # refusing the file is the right answer; an error is reported, not raised
        error = f"{type(exc).__name__}: {exc}"[:300]
    return {"ran": os.path.exists(marker), "error": error}
