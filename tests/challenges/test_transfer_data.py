"""The transfer-target generator (design §2.12): balanced few-shot splits, four distinct new
shapes, deterministic per seed, and the inverted domain of C9.3."""

from __future__ import annotations

import numpy as np
import pytest

from challenges.datagen import GENERATORS, TARGET_NAMES, make_transfer_target


def test_splits_are_balanced_deterministic_and_in_range() -> None:
    a, b = make_transfer_target(40, 3), make_transfer_target(40, 3)
    assert np.array_equal(a["x"], b["x"]) and np.array_equal(a["y"], b["y"])
    assert a["x"].shape == (40, 1, 28, 28) and a["x"].dtype == np.float32 and a["y"].dtype == np.int64
    assert np.bincount(a["y"], minlength=4).tolist() == [10, 10, 10, 10]
    assert a["x"].min() >= 0.0 and a["x"].max() <= 1.0
    assert not np.array_equal(a["x"], make_transfer_target(40, 4)["x"])
    assert GENERATORS["transfer-target"] is make_transfer_target and len(TARGET_NAMES) == 4
    with pytest.raises(ValueError):
        make_transfer_target(42, 0)


def test_the_four_shapes_differ_as_documented() -> None:
    clean = make_transfer_target(400, 5, noise=0.0)
    x, y = clean["x"][:, 0], clean["y"]
    fg = x > 0.45
    rows, cols = fg.any(axis=2).sum(axis=1), fg.any(axis=1).sum(axis=1)  # extent in height and width
    assert (cols[y == 2] > 2 * rows[y == 2]).all()  # horizontal bars are wide
    assert (rows[y == 3] > 2 * cols[y == 3]).all()  # vertical bars are tall
    centre = np.array([m[np.nonzero(m.any(1))[0].mean().round().astype(int), np.nonzero(m.any(0))[0].mean().round().astype(int)]
                       for m in fg])
    assert not centre[y == 0].any() and centre[y == 1].all()  # a ring has a hole, a diamond none


def test_invert_flips_intensities_after_the_noise() -> None:
    plain, inverted = make_transfer_target(20, 9), make_transfer_target(20, 9, invert=True)
    assert np.allclose(inverted["x"], 1.0 - plain["x"], atol=1e-6)
    assert np.array_equal(plain["y"], inverted["y"])
