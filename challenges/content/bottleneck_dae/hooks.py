"""C7.2 ``bottleneck-dae``: the corruption unit test (design C7.2), trusted side.

Why a unit test: a denoising autoencoder is trained on inputs its own ``corrupt`` makes, and the
ways ``corrupt`` goes wrong are silent: ``x.add_(noise)`` also corrupts the clean targets it was
given, a missing clamp feeds the network pixels no test image has, ``sigma ** 2`` where ``sigma``
belongs trains at the wrong noise level, and ``torch.randn`` without the generator makes a run
impossible to reproduce. One scenario (``inside.py``) calls ``corrupt`` before training on inputs
where each property is measurable; its plain numbers are judged here (sandbox-observed, hostile:
type-checked and bounded, never echoed raw).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from typing import Any

from challenges.kinds.base import Call, CallResult
from challenges.verdict import OBSERVED, Check

SIGMA_TOLERANCE = 0.1  # relative: the estimate over 50 k pixels is within 0.5 % of the true sigma
MEAN_TOLERANCE = 0.01  # zero-mean noise on mid-grey keeps the mean at 0.5

WHAT = {
    "corrupt_not_in_place": "corrupt() leaves its input unchanged and returns a new tensor",
    "corrupt_in_range": "corrupt() returns a float32 tensor of the input's shape, within [0, 1]",
    "corrupt_sigma": "corrupt() adds zero-mean noise of standard deviation sigma",
    "corrupt_reproducible": "corrupt() draws its noise from the generator it is given",
}
ADVICE = {
    "corrupt_not_in_place": "Build a new tensor: return (x + sigma * torch.randn(x.shape, generator=generator)).clamp(0, 1); "
                            "x.add_(), x += ... and clamp_() change the clean images the loss compares against.",
    "corrupt_in_range": "Clamp after adding the noise: return (x + noise).clamp(0.0, 1.0); keep the input's shape "
                        "and dtype (torch.randn(x.shape, generator=generator, dtype=x.dtype)).",
    "corrupt_sigma": "sigma is the standard deviation: multiply standard normal noise by sigma (not sigma ** 2, not "
                     "its square root), and add it to every pixel.",
    "corrupt_reproducible": "Pass the generator to the sampler: torch.randn(x.shape, generator=generator). "
                            "torch.randn_like(x) and torch.randn(x.shape) use the global RNG, so the same seed "
                            "gives other noise.",
}


def calls(rng: random.Random) -> list[Call]:
    seed = rng.randrange(1, 1 << 30)
    return [Call("corrupt", "corrupt", (seed, seed + rng.randrange(1, 1000)), scenario="corrupt_trials")]


def _failure(result: CallResult | None) -> str:
    """How the call failed, by the exception's type only: the learner's message is not echoed."""
    if result is None or result.error is None:
        return "corrupt() returned nothing"
    kind = result.error.split(":", 1)[0].strip()
    if kind == "ContractError":  # ours: says what came back instead of a tensor
        return result.error[:200]
    return f"corrupt() raised {kind[:60] if kind.isidentifier() else 'an error'}"


def _numbers(value: Any, n: int) -> list[float] | None:
    if not isinstance(value, list) or len(value) != n:
        return None
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value):
        return None
    return [float(v) for v in value]


def _problems(facts: Mapping[str, Any]) -> dict[str, str | None]:
    """What is wrong with each property (None when it holds)."""
    out: dict[str, str | None] = dict.fromkeys(WHAT)
    if facts.get("input_unchanged") is not True:
        out["corrupt_not_in_place"] = "the input tensor changed during the call (an in-place op such as x.add_)"
    elif facts.get("shares_input") is not False:
        out["corrupt_not_in_place"] = "the returned tensor shares the input's memory"
    low_high = _numbers(facts.get("range"), 2)
    if facts.get("shape_kept") is not True:
        out["corrupt_in_range"] = "the output's shape differs from the input's"
    elif facts.get("dtype") != "float32":
        out["corrupt_in_range"] = f"the output is {str(facts.get('dtype'))[:20]}, not float32"
    elif low_high is None or not all(math.isfinite(v) for v in low_high):
        out["corrupt_in_range"] = "the output holds NaN or infinite values"
    elif low_high[0] < 0.0 or low_high[1] > 1.0:
        out["corrupt_in_range"] = (f"at sigma {facts.get('range_sigma')} the output spans [{low_high[0]:.3g}, "
                                   f"{low_high[1]:.3g}], not within [0, 1]")
    sigmas, stds, means = (_numbers(facts.get(k), 2) for k in ("sigmas", "stds", "means"))
    if sigmas is None or stds is None or means is None:
        out["corrupt_sigma"] = "the noise could not be measured"
    else:
        for sigma, std, mean in zip(sigmas, stds, means, strict=True):
            if not (math.isfinite(std) and abs(std - sigma) <= SIGMA_TOLERANCE * sigma):
                out["corrupt_sigma"] = (f"on mid-grey images at sigma {sigma:g} the noise has standard deviation "
                                        f"{std:.3g} (expected {sigma:g} +- {SIGMA_TOLERANCE * sigma:.2g})")
                break
            if not (math.isfinite(mean) and abs(mean - 0.5) <= MEAN_TOLERANCE):
                out["corrupt_sigma"] = f"on mid-grey (0.5) images at sigma {sigma:g} the mean moved to {mean:.3g}"
                break
    if facts.get("same_seed_equal") is not True:
        out["corrupt_reproducible"] = "two generators seeded alike gave different noise (is the global RNG used?)"
    elif facts.get("other_seed_differs") is not True:
        out["corrupt_reproducible"] = "generators seeded differently gave the same output (is there any noise?)"
    return out


def judge(calls: list[Call], results: Mapping[str, CallResult]) -> list[Check]:
    result = results.get("corrupt")
    if result is None or not result.ok or not isinstance(result.value, dict):
        why = _failure(result) if result is None or not result.ok else "the measurements did not come back"
        return [Check(name, False, f"{WHAT[name]}: {why}", evidence=OBSERVED, advice=ADVICE[name]) for name in WHAT]
    problems = _problems(result.value)
    return [Check(name, problem is None, WHAT[name] if problem is None else f"{WHAT[name]}: {problem}",
                  evidence=OBSERVED, advice="" if problem is None else ADVICE[name])
            for name, problem in problems.items()]
