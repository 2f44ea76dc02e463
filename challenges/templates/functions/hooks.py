"""The trusted half of `{id}` (a ``functions`` challenge): the calls the grader makes and how
each result is judged.

``calls(rng)`` makes a handful of inputs, each exercising one rule of the contract: here, that
``normalise(x, mean, std)`` works per *channel*, the dimension third from the end, the way
``torchvision.transforms.Normalize`` does, on a single image (C, H, W) and on a batch
(N, C, H, W). ``judge(calls, results)`` recomputes the expected output here with numpy and
compares. Every returned value is hostile data: it may be of any type, shape, size or dtype, hold
NaN or huge numbers, or be an error message; it is checked step by step, never executed, and only
bounded, sanitised text about it reaches a message.

TODO(author): your own functions: one ``Call`` per rule of your contract (ids name the rule, and
are what ``fails = [...]`` in ``cases/cases.toml`` refers to), and a ``judge`` that explains
every failure in terms the learner can act on.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import numpy as np

from challenges.kinds.base import Call, CallResult
from challenges.verdict import Check

FUNCTION = "normalise"
ATOL = 1e-4
MAX_ELEMENTS = 10_000  # far above any call here: a bigger result is refused before any arithmetic


def _image(rng: random.Random, shape: tuple[int, ...]) -> list[Any]:
    """A nested list of pixel values in [0.05, 1] (JSON: the calls are plain data)."""
    if len(shape) == 1:
        return [round(rng.uniform(0.05, 1.0), 4) for _ in range(shape[0])]
    return [_image(rng, shape[1:]) for _ in range(shape[0])]


def _stats(rng: random.Random, channels: int) -> tuple[list[float], list[float]]:
    """Per-channel means and stds; std never 1 and mean never 0, so `x - mean / std` is always wrong."""
    mean = [round(rng.uniform(0.3, 0.7), 3) for _ in range(channels)]
    std = [round(rng.uniform(0.2, 0.4), 3) for _ in range(channels)]
    return mean, std


def calls(rng: random.Random) -> list[Call]:
    """Five inputs, one rule each; the rng draws sizes and values, the rules never change."""
    width = rng.choice([2, 4, 5])  # never 3: with W == C, broadcasting (C,) silently hits the width
    shapes = {
        "rgb-image": (3, rng.randint(2, 5), width),
        "square-rgb-image": (3, 3, 3),  # W == C: the (C,) broadcast runs and is wrong
        "grey-image": (1, rng.randint(2, 5), rng.randint(2, 5)),
        "single-pixel": (3, 1, 1),
        "batch": (rng.randint(2, 3), 3, rng.randint(2, 4), width),
    }
    made = []
    for name, shape in shapes.items():
        mean, std = _stats(rng, shape[-3])
        made.append(Call(id=name, function=FUNCTION, args=(_image(rng, shape), mean, std)))
    rng.shuffle(made)
    return made


def expected(call: Call) -> np.ndarray:
    """What ``normalise`` must return for ``call``: ``(x - mean[c]) / std[c]`` on channel c (dim -3)."""
    x, mean, std = (np.asarray(a, dtype=np.float64) for a in call.args)
    return (x - mean[:, None, None]) / std[:, None, None]


def _show(text: str, limit: int = 120) -> str:
    """Learner text made safe to quote: printable, no backticks, bounded."""
    clean = "".join(ch if ch.isprintable() and ch != "`" else "?" for ch in text[:limit])
    return f"`{clean}{'…' if len(text) > limit else ''}`"


def _judge_one(call: Call, result: object) -> Check:
    want = expected(call)
    shape = "x".join(str(s) for s in want.shape)
    where = f"x of shape ({', '.join(str(s) for s in want.shape)})"
    if not isinstance(result, CallResult):
        return Check(call.id, False, f"{where}: no result came back for this case", None, shape)
    if result.error is not None:
        return Check(call.id, False, f"{where}: {FUNCTION} raised {_show(str(result.error))}", None, shape)
    value = result.value
    if not isinstance(value, np.ndarray):
        return Check(call.id, False, f"{where}: returned {type(value).__name__[:40]}, not a tensor: "
                     "return a torch.Tensor (for example the result of tensor arithmetic)", None, shape)
    if value.size > MAX_ELEMENTS or value.ndim > 8:
        return Check(call.id, False, f"{where}: returned {value.size} values, expected {want.size}", None, shape)
    got = "x".join(str(s) for s in value.shape)
    if value.dtype.kind not in "fiu":
        return Check(call.id, False, f"{where}: returned a {value.dtype.name[:20]} tensor, expected floats", got, shape)
    if value.shape != want.shape:
        return Check(call.id, False, f"{where}: returned shape ({', '.join(got.split('x'))}); normalising keeps the "
                     "shape. A (C,) mean broadcasts against the LAST dimension (the width): reshape it to (C, 1, 1)",
                     got, shape)
    with np.errstate(all="ignore"):
        values = value.astype(np.float64)
        if not np.isfinite(values).all():
            return Check(call.id, False, f"{where}: the result holds NaN or infinity", got, shape)
        error = float(np.max(np.abs(values - want)))
    if not error <= ATOL:
        return Check(call.id, False, f"{where}: off by up to {error:.3g}; each channel c must become "
                     "(x[c] - mean[c]) / std[c] (subtract first, then divide)", got, shape)
    return Check(call.id, True, f"{where}: every channel normalised (max error {error:.1e})", got, shape)


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    """One Check per call, named by its id."""
    return [_judge_one(call, results.get(call.id)) for call in calls]
