"""Metrics a ``trained`` challenge names in its TOML (``[metric] name = ...``).

Each is computed on the trusted side, from predictions against hidden labels; some are relative to
the run's baseline figures (``mse_ratio`` divides by the best blur's MSE on the same split). A
metric may also report ``details``: figures behind its value (``edge_f1``'s precision, recall and
share of pixels predicted as edges), which the verdict lists and diagnoses read.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

MetricFn = Callable[[np.ndarray, np.ndarray, Mapping[str, float], Mapping[str, Any]], float]
DetailsFn = Callable[[np.ndarray, np.ndarray], dict[str, float]]


@dataclass(frozen=True)
class Metric:
    """A named metric: how to compute it, which way is better, what predictions it takes."""

    name: str
    what: str  # how a verdict line names it
    higher_is_better: bool
    kinds: str  # numpy dtype kinds accepted in predictions
    fn: MetricFn
    details: DetailsFn | None = None  # (pred, label) -> named figures behind the value


def _accuracy(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float], params: Mapping[str, Any]) -> float:
    return float((pred == label).mean())


def _mse_ratio(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float], params: Mapping[str, Any]) -> float:
    mse = float(((pred.astype(np.float64) - label.astype(np.float64)) ** 2).mean())
    return mse / float(baseline["blur_mse"])


def _mean_iou(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float], params: Mapping[str, Any]) -> float:
    from challenges.segmentation_scoring import mean_iou

    return mean_iou(pred, label, int(params.get("classes", 2)))[0]


def _edge_f1(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float], params: Mapping[str, Any]) -> float:
    from challenges.edge_scoring import tolerant_f1

    return tolerant_f1(pred, label)


def _edge_details(pred: np.ndarray, label: np.ndarray) -> dict[str, float]:
    from challenges.edge_scoring import tolerant_counts

    counts = tolerant_counts(pred, label)
    return {"edge_precision": counts.precision, "edge_recall": counts.recall,
            "predicted_edge_share": counts.predicted / max(1, pred.size),
            "true_edge_share": counts.truth / max(1, label.size)}


METRICS: dict[str, Metric] = {
    "accuracy": Metric("accuracy", "test accuracy", True, "iub", _accuracy),
    "mse_ratio": Metric("mse_ratio", "test MSE / best-blur MSE", False, "f", _mse_ratio),
    "mean_iou": Metric("mean_iou", "mean IoU over the classes", True, "iub", _mean_iou),
    "edge_f1": Metric("edge_f1", "edge F1 (1-pixel tolerance)", True, "b", _edge_f1, _edge_details),
}
