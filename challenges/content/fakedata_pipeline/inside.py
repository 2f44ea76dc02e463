"""Sandbox side of C4.1 ``fakedata-pipeline``: build the learner's loader and report what it yields.

Runs next to learner code, so it imports only torch and numpy and returns plain data: the
images of one epoch as one array (the trusted side measures dtype, shape and normalisation on it
itself), the labels of one epoch, the loader's structure, and per-sample fingerprints of three
epochs for the order checks. Sizes are bounded here and again on the trusted side.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import numpy as np
import torch

MAX_SAMPLES = 4096  # far above any n the grader asks for: a loader that yields more is cut off
MAX_BATCHES = 1024


class PipelineError(TypeError):
    """The loader does not yield what the contract says; the message says what it yielded."""


def _loader(learner: ModuleType, n: int, batch_size: int) -> Any:
    make = getattr(learner, "make_loader", None)
    if not callable(make):
        raise PipelineError("your file must define make_loader(n, batch_size)")
    loader = make(n, batch_size)
    if not isinstance(loader, torch.utils.data.DataLoader):
        raise PipelineError(f"make_loader must return a torch.utils.data.DataLoader, not {type(loader).__name__[:40]}")
    return loader


def _batches(loader: Any) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The (images, labels) tensor pairs of one epoch, bounded."""
    out: list[tuple[torch.Tensor, torch.Tensor]] = []
    seen = 0
    for batch in loader:
        if not isinstance(batch, (list, tuple)) or len(batch) != 2:
            raise PipelineError(f"each batch must be a pair (images, labels); got a {type(batch).__name__[:40]}")
        images, labels = batch
        if not isinstance(images, torch.Tensor) or not isinstance(labels, torch.Tensor):
            raise PipelineError(f"a batch must hold two tensors; got {type(images).__name__[:30]} and "
                                f"{type(labels).__name__[:30]} (the images need a transform that makes tensors: v2.ToImage())")
        out.append((images, labels))
        seen += int(images.shape[0]) if images.dim() else 1
        if seen > MAX_SAMPLES or len(out) > MAX_BATCHES:
            break
    return out


def epoch_images(learner: ModuleType, n: int, batch_size: int) -> np.ndarray:
    """Every image of one epoch, concatenated in the dtype the loader gave."""
    batches = _batches(_loader(learner, n, batch_size))
    if not batches:
        raise PipelineError("the loader yielded no batch at all")
    return torch.cat([images.detach().cpu() for images, _ in batches]).numpy()


def epoch_labels(learner: ModuleType, n: int, batch_size: int) -> np.ndarray:
    """Every label of one epoch, concatenated in the dtype the loader gave."""
    batches = _batches(_loader(learner, n, batch_size))
    if not batches:
        raise PipelineError("the loader yielded no batch at all")
    return torch.cat([labels.detach().cpu().reshape(-1) for _, labels in batches]).numpy()


def structure(learner: ModuleType, n: int, batch_size: int) -> dict[str, Any]:
    """What the loader is and what one epoch looks like (advisory: sandbox-observed)."""
    loader = _loader(learner, n, batch_size)
    dataset = loader.dataset
    try:
        length: int | None = len(loader)
    except TypeError:
        length = None
    batches = _batches(loader)
    return {
        "dataset": type(dataset).__name__[:40],
        "dataset_size": int(getattr(dataset, "size", -1)) if isinstance(getattr(dataset, "size", None), int) else -1,
        "image_size": [int(s) for s in getattr(dataset, "image_size", ())][:8]
        if isinstance(getattr(dataset, "image_size", None), (tuple, list)) else [],
        "num_classes": int(getattr(dataset, "num_classes", -1)) if isinstance(getattr(dataset, "num_classes", None), int) else -1,
        "len": length,
        "generator": getattr(loader, "generator", None) is not None,
        "sampler": type(getattr(loader, "sampler", None)).__name__[:40],
        "batch_sizes": [int(images.shape[0]) if images.dim() else 0 for images, _ in batches][:MAX_BATCHES],
        "image_shapes": [[int(s) for s in images.shape][:8] for images, _ in batches[:2]],
        "label_shapes": [[int(s) for s in labels.shape][:8] for _, labels in batches[:2]],
    }


def _fingerprints(loader: Any) -> list[float]:
    """One number per sample, in the order the epoch gave them (the sum of its pixels)."""
    prints: list[float] = []
    for images, _ in _batches(loader):
        flat = images.detach().cpu().to(torch.float64).reshape(images.shape[0], -1) if images.dim() else images
        prints.extend(round(float(v), 3) for v in flat.sum(dim=1))
    return prints[:MAX_SAMPLES]


def orders(learner: ModuleType, n: int, batch_size: int) -> dict[str, list[float]]:
    """Fingerprints of two epochs of one loader, and of the first epoch of a second loader."""
    first_loader = _loader(learner, n, batch_size)
    first = _fingerprints(first_loader)
    second = _fingerprints(first_loader)
    again = _fingerprints(_loader(learner, n, batch_size))
    return {"first": first, "second": second, "again": again}
