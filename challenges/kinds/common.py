"""What kinds share: reading untrusted predictions, tiers, and the common bad submissions.

Common cases are written once here and applied to every challenge of a kind, by appending a few
lines to the challenge's own reference (or starter): a later definition wins in Python, so the
submission is the reference with one thing broken. ``cases/`` then keeps only what is particular.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from challenges.errors import PredictionError
from challenges.verdict import TIER_MULTIPLIER, Check, Evaluation, Report

if TYPE_CHECKING:
    from challenges.catalogue import Challenge, ChallengeSpec
    from challenges.kinds.registry import CommonCase

FAKE_VERDICT = "PASSED ✅ accuracy 1.000 >= 0.95 · tier gold · 150 points"


def require_array(values: dict[str, Any], key: str, shape: tuple[int | None, ...], kinds: str = "fiub") -> np.ndarray:
    """Fetch one returned array and check its type and shape; raise PredictionError with a
    message the learner can act on. ``kinds`` are numpy dtype kinds (f float, i int, u uint, b bool)."""
    value = values.get(key)
    if not isinstance(value, np.ndarray):
        raise PredictionError(f"the sandbox returned no `{key}` array")
    if value.dtype.kind not in kinds:
        raise PredictionError(f"`{key}` has dtype {value.dtype}, expected one of kinds {kinds!r}")
    if len(value.shape) != len(shape) or any(w is not None and g != w for g, w in zip(value.shape, shape, strict=False)):
        pretty = tuple("N" if s is None else s for s in shape)
        raise PredictionError(f"`{key}` has shape {tuple(value.shape)}, expected {pretty}")
    if value.dtype.kind == "f" and not np.isfinite(value).all():
        raise PredictionError(f"`{key}` contains NaN or infinity")
    return value


def tally(checks: list[Check], counted: str) -> Evaluation:
    """An evaluation whose score is the share of gating checks that hold (functions and files kinds:
    every case or rule counts the same); ``counted`` names them in the metrics."""
    gating = [c for c in checks if not c.warning]
    passed = sum(c.passed for c in gating)
    return Evaluation(checks=checks, metrics={f"{counted}_passed": float(passed), counted: float(len(gating))},
                      score=passed / len(gating) if gating else 0.0)


def tier_for(spec: ChallengeSpec, evaluation: Evaluation) -> str | None:
    """None when failed, else bronze/silver/gold by the challenge's tier cut-offs on its metric."""
    if not evaluation.passed:
        return None
    tiers = spec.tiers
    if tiers is None or tiers.metric not in evaluation.metrics:
        return "bronze"
    value = evaluation.metrics[tiers.metric]

    def beats(cut: float) -> bool:
        return value >= cut if tiers.higher_is_better else value <= cut

    return "gold" if beats(tiers.gold) else "silver" if beats(tiers.silver) else "bronze"


def report_of(spec: ChallengeSpec, evaluation: Evaluation, **extra: Any) -> Report:
    """A passed/failed report with tier and points."""
    passed = evaluation.passed
    tier = evaluation.tier or tier_for(spec, evaluation) if passed else None
    points = round(spec.points * TIER_MULTIPLIER.get(tier, 1.0)) if passed else 0
    return Report(spec.id, "passed" if passed else "failed", list(evaluation.checks), dict(evaluation.metrics),
                  evaluation.score, tier, points, pictures=dict(evaluation.pictures), **extra)


_RAISES = '''

def {build}(*args, **kwargs):  # common case: building fails
    raise RuntimeError("the model could not be built")
'''
_RAISES_TRAIN = '''

def {train}(*args, **kwargs):  # common case: training fails
    raise RuntimeError("the classifier could not be trained")
'''
_HANGS = '''

def {train}(*args, **kwargs):  # common case: training ignores time_budget_s
    import time
    while True:
        time.sleep(0.5)
'''
_EATS = '''

def {train}(*args, **kwargs):  # common case: training keeps allocating
    import torch
    kept = []
    while True:
        kept.append(torch.ones(64 << 20, dtype=torch.uint8))
'''
_EVAL_WRAP = '''

import torch as _common_torch


class _CommonWrap(_common_torch.nn.Module):  # common case: wrong in eval mode only
    def __init__(self, inner):
        super().__init__()
        for name, child in inner.named_children():  # model.features, model.fc stay reachable (adapted models)
            self.add_module(name, child)
        self.inner = inner

    def forward(self, x):
        out = self.inner(x)
        if self.training:
            return out
        return {bad}


_common_build = {build}


def {build}(*args, **kwargs):
    return _CommonWrap(_common_build(*args, **kwargs))
'''
_PREDICT_WRAP = '''

_common_predict = {predict}


def {predict}(model, x):  # common case: the prediction is broken
    out = _common_predict(model, x)
    return {bad}
'''


def common_python_cases(challenge: Challenge, *, build: str | None, train: str, predict: str | None) -> list[CommonCase]:
    """The common bad submissions of a one-file trained challenge, from its reference and starter.
    Without ``build`` (a text challenge's ``fit`` returns the classifier), the raising case
    breaks ``train`` instead, and the prediction is broken through ``predict``."""
    from challenges.catalogue import Case
    from challenges.kinds.registry import CommonCase

    (name, reference), = challenge.reference_files.items()
    starter = challenge.starter

    def case(case_name: str, source: str, expected: str, why: str, diagnoses: tuple[str, ...] = ()) -> CommonCase:
        return CommonCase(Case(name=f"common:{case_name}", file=name, expected=expected, why=why,  # type: ignore[arg-type]
                               diagnoses=list(diagnoses)), {name: source})

    def broken(bad: str) -> str:
        if predict is not None:
            return reference + _PREDICT_WRAP.format(predict=predict, bad=bad)
        return reference + _EVAL_WRAP.format(build=build, bad=bad)

    wrong = "out.reshape(out.shape[0], -1)[:, :1]" if predict is None else "out[..., :1]"
    if build is None:
        raises = case("raises-while-training", reference + _RAISES_TRAIN.format(train=train), "error",
                      f"{train}() raises: an error at the train stage", ("raised",))
    else:
        raises = case("raises-while-building", reference + _RAISES.format(build=build), "error",
                      "build_model() raises: an error at the build stage", ("raised",))
    return [
        raises,
        case("ignores-time-budget", reference + _HANGS.format(train=train), "timeout",
             "train() never returns: stopped at the training phase's hard limit", ("ignores_time_budget",)),
        case("eats-memory", reference + _EATS.format(train=train), "memory",
             "train() allocates past the memory limit", ("out_of_memory",)),
        case("wrong-shape", broken(wrong), "failed", "the prediction has the wrong shape"),
        case("nan-predictions", broken("out * float('nan')"), "failed", "the prediction is NaN"),
        case("prints-fake-verdict", f"print({FAKE_VERDICT!r})\n" + starter, "failed",
             "printing a verdict changes nothing: the starter still fails"),
    ]
