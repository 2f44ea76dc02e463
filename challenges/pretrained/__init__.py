"""The shipped pretrained network of competency 9 (design §2.7): our own ``Tiny``.

Why our own: the grader has no network (§2.6), and torchvision's ImageNet weights are far too big
for 2 CPU threads and a 14 s budget. ``Tiny`` (23.8 k parameters) was trained once, reproducibly,
by ``python -m challenges.pretrained.train_tiny`` on 6000 off-centre source shapes (circle,
square, triangle, cross); its state_dict ships as ``tiny_pretrained.pt`` beside this file (the
README here records the seed, the recipe and the source accuracy). The transfer challenges give
the loaded module to the learner's ``adapt(pretrained, num_classes)``.

Both sides build it from this module: the trusted grader loads the file (``weights_only=True``)
and sends its tensors as plain arrays; the sandbox side (this file is exported to it; torch only)
rebuilds ``Tiny`` from them, so the sandbox never reads a file of ours.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

PRETRAINED_FILE = Path(__file__).with_name("tiny_pretrained.pt")
SOURCE_CLASSES = 4
FEATURE_DIM = 64
BACKBONE = "features"  # the module the transfer challenges freeze or fine-tune slowly
HEAD = "fc"


class Tiny(nn.Module):
    """``features``: three Conv-BN-ReLU blocks (16, 32, 64 channels; 2x2 max-pool after the first
    two), global average pooling and a flatten to 64 features; ``fc``: Linear(64, num_classes)."""

    def __init__(self, num_classes: int = SOURCE_CLASSES) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(),
        )
        self.fc = nn.Linear(FEATURE_DIM, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.features(x))  # type: ignore[no-any-return]


def tiny_from_state(state: Mapping[str, Any]) -> Tiny:
    """A ``Tiny`` in eval mode holding ``state`` (tensors, or arrays as they cross the channel)."""
    model = Tiny()
    shapes = {k: v.shape for k, v in model.state_dict().items()}
    tensors = {k: (v if isinstance(v, torch.Tensor) else torch.as_tensor(np.asarray(v))).reshape(shapes.get(k, np.shape(v)))
               for k, v in state.items()}  # a 0-d buffer crosses the channel as shape [1]
    model.load_state_dict(tensors, strict=True)
    return model.eval()


@cache
def _pretrained_tensors() -> dict[str, torch.Tensor]:
    state = torch.load(PRETRAINED_FILE, map_location="cpu", weights_only=True)
    if not isinstance(state, dict):
        raise ValueError(f"{PRETRAINED_FILE.name} holds no state_dict")
    return {k: v.detach().clone() for k, v in state.items()}


def pretrained_state() -> dict[str, np.ndarray]:
    """The shipped state_dict as plain arrays (copies: callers may not change the shipped one)."""
    return {k: v.numpy().copy() for k, v in _pretrained_tensors().items()}


def load_pretrained() -> Tiny:
    """The shipped network, loaded ``weights_only=True``, in eval mode."""
    return tiny_from_state(_pretrained_tensors())


def backbone_keys(state: Mapping[str, Any]) -> list[str]:
    """The state_dict entries of the backbone (weights and BatchNorm buffers)."""
    return [k for k in state if k.startswith(BACKBONE + ".")]


__all__ = ["BACKBONE", "HEAD", "PRETRAINED_FILE", "Tiny", "backbone_keys", "load_pretrained", "pretrained_state",
           "tiny_from_state"]
