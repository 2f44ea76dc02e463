"""What only `seq2seq-reverse` measures: how a wrong output is wrong, for the diagnoses.

The exact-sequence metric says whether whole sequences are right; these trusted figures (from
the predictions and the hidden inputs, never from the sandbox's word) say what the model did
instead: per-position accuracy (right symbols, wrong somewhere), ``flip_match`` (the input
reversed without the substitution: a hard-coded torch.flip) and ``copy_match`` (the right
symbols in the input's order: a tagger that never reverses). All count non-padding positions.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from challenges.datagen.reversal import PAD, SUBSTITUTION, reverse_valid
from challenges.verdict import Check


def _share(pred: np.ndarray, target: np.ndarray, valid: np.ndarray) -> float:
    return float((pred == target)[valid].mean()) if valid.any() else 0.0


def extra_checks(raw: Any, labels: dict[str, Any], metrics: dict[str, float]) -> tuple[list[Check], dict[str, float]]:
    x, y = np.asarray(labels["X"]), np.asarray(labels["Y"])
    pred = np.asarray(raw)
    if pred.shape != y.shape or pred.dtype.kind not in "iu":
        return [], {}
    valid = y != PAD
    return [], {
        "position_accuracy": _share(pred, y, valid),
        "flip_match": _share(pred, reverse_valid(x), valid),
        "copy_match": _share(pred, np.where(valid, SUBSTITUTION[x], PAD), valid),
    }
