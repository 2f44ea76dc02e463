"""`shapes-segmentation` data and scoring: deterministic, well-formed, and the baseline plausible (§2.12, C5.2)."""

from __future__ import annotations

import time

import numpy as np
import pytest

from challenges.datagen.segmentation import make_segmentation
from challenges.segmentation_scoring import fit_intensity_thresholds, iou_per_class, mean_iou, predict_intensity


def test_deterministic_shapes_and_dtypes() -> None:
    x1, m1 = make_segmentation(300, 5)
    x2, m2 = make_segmentation(300, 5)
    x3, m3 = make_segmentation(300, 6)
    assert np.array_equal(x1, x2) and np.array_equal(m1, m2)
    assert not np.array_equal(x1, x3) and not np.array_equal(m1, m3)
    assert x1.shape == (300, 1, 32, 32) and x1.dtype == np.float32
    assert m1.shape == (300, 32, 32) and m1.dtype == np.int64
    assert x1.min() >= 0.0 and x1.max() <= 1.0
    assert set(np.unique(m1)) == {0, 1, 2}
    x4, m4 = make_segmentation(4, 5, size=48, noise=0.0)
    assert x4.shape == (4, 1, 48, 48) and m4.shape == (4, 48, 48)


def test_class_balance_and_scene_rules() -> None:
    _, m = make_segmentation(2000, 11)
    share = np.bincount(m.ravel(), minlength=3) / m.size
    assert 0.78 < share[0] < 0.90  # objects cover 10-22 % of the pixels
    assert abs(share[1] - share[2]) < 0.02  # circles and squares equally likely
    assert (m != 0).any(axis=(1, 2)).all()  # object 1 is always there
    clean, cm = make_segmentation(500, 12, noise=0.0)
    bg = clean[:, 0][cm == 0]
    assert bg.min() >= 0.15 - 1e-6 and bg.max() <= 0.15 + 0.15 * np.sqrt(2) + 1e-6
    fg = clean[:, 0][cm != 0]
    assert fg.min() >= 0.45 - 1e-6 and fg.max() <= 1.0


def test_generation_is_fast() -> None:
    make_segmentation(10, 0)
    start = time.perf_counter()
    make_segmentation(2000, 1)
    assert time.perf_counter() - start < 0.5  # typically well under 0.1 s


def test_mean_iou_definition() -> None:
    _, m = make_segmentation(50, 3)
    assert mean_iou(m, m) == (1.0, [1.0, 1.0, 1.0])
    background = np.zeros_like(m)
    score, per_class = mean_iou(background, m)
    assert per_class[1] == per_class[2] == 0.0 and 0.0 < per_class[0] < 1.0
    assert score == pytest.approx(per_class[0] / 3)
    # a class in neither array scores 1.0; a class only predicted scores 0.0
    assert iou_per_class(np.zeros((2, 2), np.int64), np.zeros((2, 2), np.int64)) == [1.0, 1.0, 1.0]
    assert iou_per_class(np.array([[0, 2]]), np.array([[0, 0]])) == [0.5, 1.0, 0.0]
    # counted over the whole set, not averaged per image
    pred, mask = np.array([[1, 1], [1, 0]]), np.array([[1, 1], [0, 0]])
    assert iou_per_class(pred, mask)[1] == pytest.approx(2 / 3)
    with pytest.raises(ValueError):
        mean_iou(m[:, :16], m)


def test_intensity_baseline_is_plausible_and_fails() -> None:
    x, m = make_segmentation(400, 21)
    xt, mt = make_segmentation(200, 22)
    thresholds = fit_intensity_thresholds(x, m)
    assert len(thresholds) == 2 and thresholds[0] <= thresholds[1]
    pred = predict_intensity(xt, thresholds)
    assert pred.shape == mt.shape and pred.dtype == np.int64
    score, per_class = mean_iou(pred, mt)
    assert 0.40 < score < 0.65  # design: about 0.47, far below the 0.80 pass mark
    assert per_class[0] > 0.9  # the objects themselves are easy to find by intensity
