"""The blind-denoising generator (C7.3): per-image noise levels, salt and pepper only on noisy
rows, clean rows untouched, fixed levels in turn for the hidden split, reproducible by seed."""

from __future__ import annotations

import numpy as np
import pytest

from challenges.datagen import GENERATORS
from challenges.datagen.blind import make_blind_denoise, salt_and_pepper


def test_training_split_mixes_levels_and_impulses() -> None:
    data = make_blind_denoise(400, 3)
    noisy, clean, sigma = data["noisy"], data["clean"], data["sigma"]
    assert noisy.shape == clean.shape == (400, 1, 28, 28) and noisy.dtype == np.float32
    assert sigma.min() >= 0.05 and sigma.max() <= 0.5 and sigma.std() > 0.1
    assert noisy.min() >= 0.0 and noisy.max() <= 1.0
    without = make_blind_denoise(400, 3, salt_pepper=0.0)["noisy"]
    extra = np.mean((noisy == 0.0) | (noisy == 1.0)) - np.mean((without == 0.0) | (without == 1.0))
    assert 0.02 < extra < 0.05  # 5 % impulses, less those landing on pixels already clamped
    low, high = sigma < 0.15, sigma > 0.4
    err = (noisy - clean) ** 2
    assert err[high].mean() > 3 * err[low].mean()


def test_fixed_levels_cycle_and_level_zero_is_the_clean_image() -> None:
    data = GENERATORS["blind-denoise-pairs"](200, 9, levels=[0.0, 0.1, 0.3, 0.5])
    sigma = data["sigma"]
    assert sigma[:8].tolist() == pytest.approx([0.0, 0.1, 0.3, 0.5] * 2)
    rows = sigma == 0.0
    assert np.array_equal(data["noisy"][rows], data["clean"][rows])
    for level in (0.1, 0.3, 0.5):
        r = np.isclose(sigma, level)
        assert ((data["noisy"][r] - data["clean"][r]) ** 2).mean() > 0.25 * level**2


def test_same_seed_same_data_other_seed_other_data() -> None:
    a, b, c = make_blind_denoise(50, 1), make_blind_denoise(50, 1), make_blind_denoise(50, 2)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["noisy"], c["noisy"])


def test_salt_and_pepper_spares_unselected_rows_and_bad_params_raise() -> None:
    images = np.full((4, 1, 10, 10), 0.5, dtype=np.float32)
    out = salt_and_pepper(images, 0.5, np.random.default_rng(0), rows=np.array([True, False, True, False]))
    assert np.all(out[1] == 0.5) and np.all(out[3] == 0.5) and set(np.unique(out[0])) <= {0.0, 0.5, 1.0}
    assert np.all(images == 0.5)
    with pytest.raises(ValueError):
        make_blind_denoise(10, 1, levels=[-0.1])
