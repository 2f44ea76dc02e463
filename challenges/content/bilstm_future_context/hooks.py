"""What only `bilstm-future-context` checks: predictions must not move when the far future does.

The hidden inputs mix the test sequences with copies whose tokens after t+2 were redrawn,
shuffled together, so the learner's code cannot tell which rows are the copies. Tags at t <= pivot
depend only on kept tokens, so a model that really reads x[t+2] agrees there (>= 0.85); one that
fits something else (a shifted input, a lookup) does not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from challenges.datagen import randomise_future, tagging_labels
from challenges.errors import PredictionError
from challenges.verdict import Check, at_least

MIN_AGREEMENT = 0.85


def transform_test(inputs: dict[str, Any], labels: dict[str, Any], rng: np.random.Generator) -> tuple[dict, dict]:
    x = inputs["X"]
    x_future, pivot = randomise_future(x, int(rng.integers(1 << 62)))
    both = np.concatenate([x, x_future])
    perm = rng.permutation(len(both))
    return {"X": both[perm]}, {**labels, "perm": perm, "pivot": pivot, "Y_future": tagging_labels(x_future)}


def _unshuffle(pred: np.ndarray, labels: dict[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    n = len(labels["Y"])
    if pred.shape[0] != 2 * n:
        raise PredictionError(f"`pred` has {pred.shape[0]} rows, expected {2 * n}")
    restored = np.empty_like(pred)
    restored[labels["perm"]] = pred
    return restored[:n], restored[n:]


def align(pred: np.ndarray, labels: dict[str, Any]) -> np.ndarray:
    return _unshuffle(pred, labels)[0]


def extra_checks(raw: np.ndarray, labels: dict[str, Any], metrics: dict[str, float]) -> tuple[list[Check], dict[str, float]]:
    original, future = _unshuffle(raw, labels)
    kept = np.arange(original.shape[1])[None, :] <= labels["pivot"][:, None]
    agreement = float((original == future)[kept].mean())
    check = at_least("future_agreement", agreement, MIN_AGREEMENT, "agreement when tokens after t+2 are redrawn")
    return [check], {"future_agreement": agreement, "future_copy_accuracy": float((future == labels["Y_future"]).mean())}
