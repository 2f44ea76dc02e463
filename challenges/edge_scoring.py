"""Scoring for `edge-detection` (C5.3): F1 with a 1-pixel tolerance and the Sobel-oracle baseline.

Why here and numpy only: both run in the trusted grader on the hidden split, next to labels that
must never reach a process running learner code, so they import neither torch nor the sandbox.

* ``tolerant_counts`` / ``tolerant_f1``: precision counts the predicted edge pixels that lie within
  a 3x3 dilation of the ground truth, recall the ground-truth pixels within the 3x3 dilation of the
  prediction, both counted over the whole test set (a scene with few edges weighs what its pixels
  weigh). A prediction with no edge pixel has precision 0 and F1 0: predicting nothing is the
  collapse this challenge teaches, not a neutral answer.
* the baseline (design §2.3): the Sobel gradient magnitude of the noisy image (replicate
  padding), thresholded at each of 40 values in [0.1, 4]; the best F1 over the thresholds,
  chosen on the test set itself, so it is an upper bound of what a fixed edge filter can reach.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The oracle's thresholds on the Sobel magnitude (design §2.3): 40 values in [0.1, 4].
SOBEL_THRESHOLDS: tuple[float, ...] = tuple(float(t) for t in np.linspace(0.1, 4.0, 40))
_SOBEL = np.array([[1.0, 0.0, -1.0], [2.0, 0.0, -2.0], [1.0, 0.0, -1.0]])


@dataclass(frozen=True)
class EdgeCounts:
    """Pixel counts of one prediction against the ground truth, with the 1-pixel tolerance."""

    predicted: int  # predicted edge pixels
    predicted_near_truth: int  # of those, within the 3x3 dilation of the ground truth
    truth: int  # ground-truth edge pixels
    truth_near_predicted: int  # of those, within the 3x3 dilation of the prediction

    @property
    def precision(self) -> float:
        return self.predicted_near_truth / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.truth_near_predicted / self.truth if self.truth else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _planes(a: np.ndarray) -> np.ndarray:
    """Boolean ``(N, H, W)`` from ``(N, 1, H, W)`` or ``(N, H, W)``."""
    if a.ndim == 4:
        if a.shape[1] != 1:
            raise ValueError(f"expected one channel, got shape {a.shape}")
        a = a[:, 0]
    if a.ndim != 3:
        raise ValueError(f"expected (N, 1, H, W) or (N, H, W), got shape {a.shape}")
    return a.astype(bool, copy=False)


def dilate3x3(mask: np.ndarray) -> np.ndarray:
    """3x3 binary dilation of each ``(N, H, W)`` plane (nothing outside the image is an edge)."""
    n, h, w = mask.shape
    padded = np.zeros((n, h + 2, w + 2), dtype=bool)
    padded[:, 1:-1, 1:-1] = mask
    out = np.zeros_like(mask, dtype=bool)
    for dy in range(3):
        for dx in range(3):
            out |= padded[:, dy : dy + h, dx : dx + w]
    return out


def tolerant_counts(pred: np.ndarray, truth: np.ndarray) -> EdgeCounts:
    """Counts of ``pred`` against ``truth`` (same shape, boolean or 0/1) with a 1-pixel tolerance."""
    if pred.shape != truth.shape:
        raise ValueError(f"predictions have shape {pred.shape}, ground truth {truth.shape}")
    p, t = _planes(pred), _planes(truth)
    return EdgeCounts(
        predicted=int(np.count_nonzero(p)),
        predicted_near_truth=int(np.count_nonzero(p & dilate3x3(t))),
        truth=int(np.count_nonzero(t)),
        truth_near_predicted=int(np.count_nonzero(t & dilate3x3(p))),
    )


def tolerant_f1(pred: np.ndarray, truth: np.ndarray) -> float:
    return tolerant_counts(pred, truth).f1


def label_edges(labels: np.ndarray) -> np.ndarray:
    """Ground-truth edges of ``(N, H, W)`` label maps: pixels with a 4-neighbour of another label
    (both sides of a boundary, so a boundary is two pixels wide)."""
    edges = np.zeros(labels.shape, dtype=bool)
    vertical = labels[:, 1:, :] != labels[:, :-1, :]
    horizontal = labels[:, :, 1:] != labels[:, :, :-1]
    edges[:, 1:, :] |= vertical
    edges[:, :-1, :] |= vertical
    edges[:, :, 1:] |= horizontal
    edges[:, :, :-1] |= horizontal
    return edges


def sobel_magnitude(x: np.ndarray) -> np.ndarray:
    """Sobel gradient magnitude ``(N, H, W)`` of 1-channel images, replicate padding."""
    planes = x[:, 0] if x.ndim == 4 else x
    img = planes.astype(np.float64)
    h, w = img.shape[-2:]
    padded = np.pad(img, ((0, 0), (1, 1), (1, 1)), mode="edge")
    gx = np.zeros_like(img)
    gy = np.zeros_like(img)
    for dy in range(3):
        for dx in range(3):
            window = padded[:, dy : dy + h, dx : dx + w]
            gx += _SOBEL[dy, dx] * window
            gy += _SOBEL[dx, dy] * window
    return np.asarray(np.hypot(gx, gy))


def sobel_oracle(x: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """(best F1, its threshold) of the thresholded Sobel magnitude, chosen on this split."""
    magnitude = sobel_magnitude(x)
    t = _planes(truth)
    results = [(tolerant_f1(magnitude > th, t), th) for th in SOBEL_THRESHOLDS]
    return max(results)
