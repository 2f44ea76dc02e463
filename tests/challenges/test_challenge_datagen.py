"""Shared generators: deterministic, in range, and following the design's rules (§2.12, C6.2)."""

from __future__ import annotations

import time

import numpy as np

from challenges.datagen import (
    make_denoise_pairs,
    make_shapes,
    make_tagging,
    randomise_future,
    render_shapes,
    tagging_labels,
)


def test_shapes_deterministic_and_in_range() -> None:
    x1, y1 = make_shapes(200, 7)
    x2, y2 = make_shapes(200, 7)
    x3, _ = make_shapes(200, 8)
    assert np.array_equal(x1, x2) and np.array_equal(y1, y2)
    assert not np.array_equal(x1, x3)
    assert x1.shape == (200, 1, 28, 28) and x1.dtype == np.float32
    assert y1.dtype == np.int64 and set(np.unique(y1)) == {0, 1, 2, 3}
    assert x1.min() >= 0.0 and x1.max() <= 1.0


def _centre_of_mass(clean: np.ndarray) -> np.ndarray:
    fg = clean[:, 0] > clean[:, 0].min(axis=(1, 2), keepdims=True)
    rows = np.arange(clean.shape[-1])
    cy = (fg.sum(axis=2) * rows).sum(axis=1) / fg.sum(axis=(1, 2))
    cx = (fg.sum(axis=1) * rows).sum(axis=1) / fg.sum(axis=(1, 2))
    return np.stack([cy, cx], axis=1)


def test_centred_versus_off_centre() -> None:
    centred, _ = render_shapes(500, np.random.default_rng(0), centred=True)
    off, _ = render_shapes(500, np.random.default_rng(0), centred=False)
    dev_c = np.abs(_centre_of_mass(centred) - 13.5)
    dev_o = np.abs(_centre_of_mass(off) - 13.5)
    assert dev_c.max() < 4.5  # +-3 px, plus the triangle's offset centre of mass
    assert dev_o.max() > 6.0


def test_clean_images_have_two_levels_in_range() -> None:
    clean, _ = render_shapes(100, np.random.default_rng(1))
    for img in clean[:, 0]:
        levels = np.unique(img)
        assert len(levels) == 2
        assert 0.0 <= levels[0] <= 0.3 and 0.6 <= levels[1] <= 1.0


def test_denoise_pairs() -> None:
    noisy, clean = make_denoise_pairs(300, 3)
    noisy2, clean2 = make_denoise_pairs(300, 3)
    assert np.array_equal(noisy, noisy2) and np.array_equal(clean, clean2)
    assert noisy.shape == clean.shape == (300, 1, 28, 28)
    assert noisy.min() >= 0 and noisy.max() <= 1
    # clean images are the off-centre generator without noise, from the seed's own stream
    ref, _ = render_shapes(300, np.random.default_rng(3), centred=False)
    assert np.array_equal(clean, ref)
    # noise sigma 0.3 before clamping: mid-range pixels are rarely clamped
    resid = (noisy - clean)[(clean > 0.35) & (clean < 0.65)]
    assert resid.size == 0 or abs(resid.std() - 0.3) < 0.05
    assert 0.04 < float(((noisy - clean) ** 2).mean()) < 0.08


def test_tagging_label_rule() -> None:
    x, y = make_tagging(50, 11)
    assert x.shape == y.shape == (50, 20) and x.min() >= 0 and x.max() <= 9
    for row, tags in zip(x, y, strict=True):
        for t in range(20):
            source = row[t + 2] if t < 18 else row[t - 1]
            assert tags[t] == int(source < 5)
    x2, y2 = make_tagging(50, 11)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)


def test_randomise_future_keeps_what_matters() -> None:
    x, y = make_tagging(400, 5)
    xf, pivot = randomise_future(x, 5)
    assert pivot.min() >= 0 and pivot.max() <= 16
    yf = tagging_labels(xf)
    for i in range(len(x)):
        p = pivot[i]
        assert np.array_equal(x[i, : p + 3], xf[i, : p + 3])
        assert np.array_equal(y[i, : p + 1], yf[i, : p + 1])
    assert (xf != x).mean() > 0.2  # the far future really changes


def test_generation_is_fast() -> None:
    start = time.process_time()
    make_shapes(4000, 1)
    make_shapes(1000, 2)
    make_denoise_pairs(3000, 1)
    make_denoise_pairs(500, 2)
    make_tagging(4000, 1)
    make_tagging(1000, 2)
    assert time.process_time() - start < 1.5


def test_audio_clips_pair_classes_whose_average_spectra_match() -> None:
    from challenges.datagen import GENERATORS

    a = GENERATORS["audio-clips"](300, 5, noise=0.0)
    b = GENERATORS["audio-clips"](300, 5, noise=0.0)
    assert a["wave"].shape == (300, 1, 4000) and a["wave"].dtype == np.float32 and a["y"].dtype == np.int64
    assert np.array_equal(a["wave"], b["wave"]) and set(np.unique(a["y"])) == set(range(6))
    spectrum = np.abs(np.fft.rfft(a["wave"][:, 0], axis=1))
    up, down = spectrum[a["y"] == 2].mean(0), spectrum[a["y"] == 3].mean(0)
    low = spectrum[a["y"] == 0].mean(0)
    assert np.corrcoef(up, down)[0, 1] > 0.95  # the same frequencies, in opposite order
    assert np.corrcoef(up, low)[0, 1] < 0.6


def test_rgb_shapes_are_png_pixels_with_colour_independent_of_class() -> None:
    from challenges.datagen import GENERATORS

    d = GENERATORS["shapes-rgb"](2000, 3, size=32)
    assert d["png"].shape == (2000, 32, 32, 3) and d["png"].dtype == np.uint8
    assert np.allclose(d["x"], d["png"].transpose(0, 3, 1, 2) / 255, atol=1e-6)
    per_image = d["x"].mean(axis=(2, 3))
    hue = per_image / per_image.sum(axis=1, keepdims=True)  # the colour, whatever the shape's area
    means = [hue[d["y"] == k].mean(axis=0) for k in range(4)]
    assert np.ptp(np.stack(means), axis=0).max() < 0.02  # no class is told by its colour
