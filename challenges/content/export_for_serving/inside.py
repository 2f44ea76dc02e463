"""Sandbox side of `export-for-serving`: the model to export, the export call, and the loader.

``export_model`` runs in the learner's job: it builds our model (in training mode, as after
training) and calls their ``export(model, example_input, path)``, then returns the file's bytes.
``load_and_run`` runs in a *fresh* job that never imports the learner's module: it loads the
bytes with torch's own loaders (``torch.export.load``, else ``torch.jit.load``; never a plain
unpickle) and runs the batches the trusted side will compare. Both read only what they are given.
"""

from __future__ import annotations

import os
import tempfile
from typing import Any

import torch
from torch import nn

MAX_ARTIFACT_BYTES = 8 << 20
IMAGE = (3, 16, 16)
EXAMPLE_BATCH = 2


class ServingNet(nn.Module):
    """Small, but with the layers an export must get right: BatchNorm and Dropout behave
    differently in eval mode, and the head sits behind an adaptive pool."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),
                                      nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.head = nn.Sequential(nn.Dropout(0.5), nn.Linear(128, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.features(x))


def build(seed: int) -> ServingNet:
    """The same model on both sides, from a seed (weights and BatchNorm statistics)."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = ServingNet()
        norm = model.features[1]
        assert isinstance(norm, nn.BatchNorm2d) and norm.running_mean is not None and norm.running_var is not None
        with torch.no_grad():  # statistics as if trained, so eval mode differs from train mode
            norm.running_mean.uniform_(-0.5, 0.5)
            norm.running_var.uniform_(0.5, 2.0)
    return model


def inputs(seed: int, sizes: list[int]) -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(seed)
    return [torch.randn(n, *IMAGE, generator=gen) for n in sizes]


def export_model(learner: Any, seed: int) -> bytes:
    model = build(seed).train()  # as it is after training: putting it in eval mode is the learner's job
    example = inputs(seed + 1, [EXAMPLE_BATCH])[0]
    folder = tempfile.mkdtemp(prefix="export-")
    path = os.path.join(folder, "model.pt2")
    learner.export(model, example, path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"export() wrote nothing at the path it was given ({path})")
    if os.path.getsize(path) > MAX_ARTIFACT_BYTES:
        raise ValueError(f"the artifact is larger than {MAX_ARTIFACT_BYTES >> 20} MB")
    with open(path, "rb") as f:
        return f.read()


def load_and_run(learner: None, blob: Any, input_seed: int, sizes: list[int]) -> dict[str, Any]:
    path = os.path.join(tempfile.mkdtemp(prefix="serve-"), "artifact")
    with open(path, "wb") as f:
        f.write(bytes(memoryview(blob)))
    try:
        run = torch.export.load(path).module()
        fmt = "torch.export"
    except Exception as first:
        try:
            run = torch.jit.load(path, map_location="cpu")
            fmt = "torchscript"
        except Exception as second:
            raise RuntimeError(f"neither torch.export.load ({type(first).__name__}) nor torch.jit.load "
                               f"({type(second).__name__}) could load it") from None
    outputs: list[Any] = []
    errors: list[str | None] = []
    for x in inputs(input_seed, sizes):
        try:
            with torch.no_grad():
                outputs.append(run(x).detach().numpy())
            errors.append(None)
        except Exception as exc:  # one batch size failing says what the export fixed
            outputs.append(None)
            errors.append(f"{type(exc).__name__}: {exc}"[:300])
    return {"format": fmt, "outputs": outputs, "errors": errors}
