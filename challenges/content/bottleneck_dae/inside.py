"""Sandbox side of C7.2 ``bottleneck-dae``: the learner's ``corrupt(x, sigma, generator)`` on
inputs chosen so that each property is measurable.

* Mid-grey images (every pixel 0.5) at sigma 0.1 and 0.2: clamping to [0, 1] starts 5 and 2.5
  sigmas away, so the empirical standard deviation of ``out - 0.5`` is sigma itself (to within
  0.5 %), and a variance passed where a standard deviation belongs (or a missing noise) shows.
* Random images at sigma 0.5: the output must be clamped to [0, 1], same shape and dtype.
* Reproducibility: two calls with generators seeded alike, with torch's *global* RNG seeded
  differently before each, must agree bit for bit (only the generator may decide the noise);
  a generator seeded otherwise must give other noise.
* In place: the input is compared with a copy taken before the call, and the output must not
  share the input's memory.

Runs next to learner code (torch only) and returns plain numbers; the trusted side (``hooks.py``)
judges them. These facts are sandbox-observed.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

import torch

from challenges.kinds import inside_kit as kit

GREY = 0.5
SIGMAS = (0.1, 0.2)
RANGE_SIGMA = 0.5
SHAPE = (64, 1, 28, 28)


def _call(corrupt: Any, x: torch.Tensor, sigma: float, seed: int, global_seed: int) -> torch.Tensor:
    torch.manual_seed(global_seed)  # a different global state each time: only the generator may count
    out = corrupt(x, sigma, torch.Generator().manual_seed(seed))
    if not isinstance(out, torch.Tensor):
        raise kit.ContractError(f"corrupt() must return a tensor, got {type(out).__name__}")
    return out


def _shares_memory(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def corrupt_trials(learner: ModuleType, seed: int, other_seed: int) -> dict[str, Any]:
    """The measurements the unit checks judge (plain values only)."""
    corrupt = kit.contract_fn(learner, "corrupt")
    grey = torch.full(SHAPE, GREY)
    before = grey.clone()
    first = _call(corrupt, grey, SIGMAS[0], seed, seed ^ 0x1)
    facts: dict[str, Any] = {
        "input_unchanged": bool(torch.equal(grey, before)),
        "shares_input": _shares_memory(first, grey),
        "shape_kept": list(first.shape) == list(SHAPE),
        "dtype": str(first.dtype).removeprefix("torch."),
    }
    same = _call(corrupt, before.clone(), SIGMAS[0], seed, seed ^ 0x2)
    other = _call(corrupt, before.clone(), SIGMAS[0], other_seed, seed ^ 0x3)
    facts["same_seed_equal"] = bool(first.shape == same.shape and torch.equal(first, same))
    facts["other_seed_differs"] = bool(first.shape != other.shape or not torch.equal(first, other))
    stds, means = [], []
    for i, sigma in enumerate(SIGMAS):
        out = _call(corrupt, before.clone(), sigma, seed + 17 * (i + 1), seed ^ 0x4).double()
        stds.append(float((out - GREY).std()))
        means.append(float(out.mean()))
    facts["sigmas"], facts["stds"], facts["means"] = list(SIGMAS), stds, means
    images = torch.rand(SHAPE, generator=torch.Generator().manual_seed(seed ^ 0x5))
    wide = _call(corrupt, images, RANGE_SIGMA, seed + 99, seed ^ 0x6)
    facts["range"] = [float(wide.min()), float(wide.max())]
    facts["range_sigma"] = RANGE_SIGMA
    return facts
