"""Metrics a ``trained`` challenge names in its TOML (``[metric] name = ...``).

Each is computed on the trusted side, from predictions against hidden labels; some are relative to
the run's baseline figures (``mse_ratio`` divides by the best blur's MSE on the same split).
``sequence_accuracy`` counts a row right only when every non-padding position is.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

MetricFn = Callable[[np.ndarray, np.ndarray, Mapping[str, float], Mapping[str, Any]], float]


@dataclass(frozen=True)
class Metric:
    """A named metric: how to compute it, which way is better, what predictions it takes."""

    name: str
    what: str  # how a verdict line names it
    higher_is_better: bool
    kinds: str  # numpy dtype kinds accepted in predictions
    fn: MetricFn


def _accuracy(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float], params: Mapping[str, Any]) -> float:
    return float((pred == label).mean())


def _mse_ratio(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float], params: Mapping[str, Any]) -> float:
    mse = float(((pred.astype(np.float64) - label.astype(np.float64)) ** 2).mean())
    return mse / float(baseline["blur_mse"])


def _mean_iou(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float], params: Mapping[str, Any]) -> float:
    from challenges.segmentation_scoring import mean_iou

    return mean_iou(pred, label, int(params.get("classes", 2)))[0]


def exact_sequence_accuracy(pred: np.ndarray, target: np.ndarray, pad: int = 0) -> float:
    """Share of rows whose every position where ``target`` is not ``pad`` matches; what is
    predicted at padding positions is not scored."""
    valid = target != pad
    return float(((pred == target) | ~valid).all(axis=1).mean()) if len(target) else 0.0


def _sequence_accuracy(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float],
                       params: Mapping[str, Any]) -> float:
    return exact_sequence_accuracy(pred, label, int(params.get("pad", 0)))


METRICS: dict[str, Metric] = {
    "accuracy": Metric("accuracy", "test accuracy", True, "iub", _accuracy),
    "mse_ratio": Metric("mse_ratio", "test MSE / best-blur MSE", False, "f", _mse_ratio),
    "mean_iou": Metric("mean_iou", "mean IoU over the classes", True, "iub", _mean_iou),
    "sequence_accuracy": Metric("sequence_accuracy", "exact-sequence test accuracy", True, "iu", _sequence_accuracy),
}
