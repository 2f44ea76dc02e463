"""Metrics a ``trained`` challenge names in its TOML (``[metric] name = ...``).

Each is computed on the trusted side, from predictions against hidden labels; some are relative to
the run's baseline figures (``mse_ratio`` divides by the best blur's MSE on the same split).

A metric may also have ``parts``: named figures of the same prediction over the whole hidden split
(``psnr_gain``: the PSNR gain at each noise level and the PSNR on clean inputs). The kind computes
them first and hands them to ``fn`` among the figures, so the headline value can be one of them
(the worst level's gain), and a challenge's ``[[metric.criteria]]`` put a threshold on each part:
one verdict line per noise level, all of which must hold.
``sequence_accuracy`` counts a row right only when every non-padding position is. A
metric may also report ``details``: figures behind its value (``edge_f1``'s precision, recall and
share of pixels predicted as edges), which the verdict lists and diagnoses read.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

MetricFn = Callable[[np.ndarray, np.ndarray, Mapping[str, float], Mapping[str, Any]], float]
#: (prediction, every hidden array by name, baseline figures, params) -> named figures
PartsFn = Callable[[np.ndarray, Mapping[str, np.ndarray], Mapping[str, float], Mapping[str, Any]], dict[str, float]]
PSNR_CAP_DB = 100.0  # a perfect output has infinite PSNR: shown and compared as this
DetailsFn = Callable[[np.ndarray, np.ndarray], dict[str, float]]


@dataclass(frozen=True)
class Metric:
    """A named metric: how to compute it, which way is better, what predictions it takes."""

    name: str
    what: str  # how a verdict line names it
    higher_is_better: bool
    kinds: str  # numpy dtype kinds accepted in predictions
    fn: MetricFn
    parts: PartsFn | None = None  # named figures over the whole hidden split, given to fn among the figures
    part_names: Callable[[Mapping[str, Any]], list[str]] | None = None  # the parts' names for these params
    describe_part: Callable[[str, Mapping[str, Any]], str] | None = None  # how a verdict line names a part
    details: DetailsFn | None = None  # (pred, label) -> named figures behind the value


def _accuracy(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float], params: Mapping[str, Any]) -> float:
    return float((pred == label).mean())


def _mse_ratio(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float], params: Mapping[str, Any]) -> float:
    mse = float(((pred.astype(np.float64) - label.astype(np.float64)) ** 2).mean())
    return mse / float(baseline["blur_mse"])


def _mean_iou(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float], params: Mapping[str, Any]) -> float:
    from challenges.segmentation_scoring import mean_iou

    return mean_iou(pred, label, int(params.get("classes", 2)))[0]


def psnr_db(pred: np.ndarray, clean: np.ndarray) -> float:
    """10 log10(1 / MSE) over all pixels (images in [0, 1], peak 1), capped at ``PSNR_CAP_DB``."""
    mse = float(((pred.astype(np.float64) - clean.astype(np.float64)) ** 2).mean())
    if not math.isfinite(mse):
        return float("nan")  # never "perfect": min(cap, nan) would say 100 dB
    return PSNR_CAP_DB if mse <= 10 ** (-PSNR_CAP_DB / 10) else min(PSNR_CAP_DB, 10.0 * math.log10(1.0 / mse))


def level_key(level: float) -> str:
    """A noise level as part of a figure's name (an identifier, for diagnoses): 0.3 -> ``0_3``."""
    return f"{level:g}".replace(".", "_").replace("-", "m")


def _psnr_part_names(params: Mapping[str, Any]) -> list[str]:
    return [f"gain_sigma_{level_key(float(s))}" for s in params["levels"]] + ["psnr_clean"]


def _psnr_parts(pred: np.ndarray, test: Mapping[str, np.ndarray], baseline: Mapping[str, float],
                params: Mapping[str, Any]) -> dict[str, float]:
    """Per noise level (rows whose ``group`` array equals it): PSNR(output) - PSNR(noisy input), in
    dB; on the clean inputs (group == ``clean_level``): PSNR(output)."""
    clean, noisy, group = test[params["label"]], test[params["input"]], np.asarray(test[params["group"]])
    out: dict[str, float] = {}
    for level in [float(s) for s in params["levels"]]:
        rows = np.isclose(group, level)
        if not rows.any():
            raise ValueError(f"no hidden rows at noise level {level:g}")
        out[f"gain_sigma_{level_key(level)}"] = psnr_db(pred[rows], clean[rows]) - psnr_db(noisy[rows], clean[rows])
    rows = np.isclose(group, float(params.get("clean_level", 0.0)))
    if not rows.any():
        raise ValueError("no clean rows in the hidden split")
    out["psnr_clean"] = psnr_db(pred[rows], clean[rows])
    return out


def _worst_gain(pred: np.ndarray, label: np.ndarray, figures: Mapping[str, float], params: Mapping[str, Any]) -> float:
    gains = [figures[f"gain_sigma_{level_key(float(s))}"] for s in params["levels"]]
    return float("nan") if any(math.isnan(g) for g in gains) else min(gains)


def _describe_psnr_part(name: str, params: Mapping[str, Any]) -> str:
    if name == "psnr_clean":
        return "PSNR of the output on clean inputs (dB)"
    level = next(float(s) for s in params["levels"] if f"gain_sigma_{level_key(float(s))}" == name)
    return f"PSNR gain at noise sigma {level:g} (dB)"
def exact_sequence_accuracy(pred: np.ndarray, target: np.ndarray, pad: int = 0) -> float:
    """Share of rows whose every position where ``target`` is not ``pad`` matches; what is
    predicted at padding positions is not scored."""
    valid = target != pad
    return float(((pred == target) | ~valid).all(axis=1).mean()) if len(target) else 0.0


def _sequence_accuracy(pred: np.ndarray, label: np.ndarray, baseline: Mapping[str, float],
                       params: Mapping[str, Any]) -> float:
    return exact_sequence_accuracy(pred, label, int(params.get("pad", 0)))
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
    "psnr_gain": Metric("psnr_gain", "worst PSNR gain over the noise levels (dB)", True, "f", _worst_gain,
                        _psnr_parts, _psnr_part_names, _describe_psnr_part),
    "sequence_accuracy": Metric("sequence_accuracy", "exact-sequence test accuracy", True, "iu", _sequence_accuracy),
    "edge_f1": Metric("edge_f1", "edge F1 (1-pixel tolerance)", True, "b", _edge_f1,
                      details=_edge_details),
}
