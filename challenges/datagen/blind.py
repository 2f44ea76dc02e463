"""Blind denoising pairs (design C7.3): every image has its own noise level, plus salt and pepper.

Why a generator of its own: a denoiser that is told (or trained at) one noise level learns that
level; C7.3 teaches a *blind* one, so the training split mixes Gaussian noise of
sigma ~ U(sigma_min, sigma_max) per image with impulse noise, and the hidden split is laid out
in fixed noise levels (``levels``) so that the grader can score each level on its own. A level of
0 means a clean input (no Gaussian noise and no salt and pepper): a blind denoiser must leave a
clean image (nearly) alone, which is what a blur cannot do.

Clean images are the off-centre shapes of ``render_shapes`` (as in C7.1); the noise comes from a
separate stream of the same seed. Noisy = clamp(clean + N(0, sigma^2), 0, 1), then each pixel
independently with probability ``salt_pepper`` is set to 0 or 1 (half each).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from challenges.datagen.shapes import render_shapes

NOISE_STREAM = 0x626C6E64  # "blnd": the noise's own stream, apart from the shapes'


def noise_levels(n: int, rng: np.random.Generator, sigma_min: float, sigma_max: float,
                 levels: Sequence[float]) -> np.ndarray:
    """Per-image sigma: the fixed ``levels`` in turn when given (image i gets levels[i % k]),
    else uniform in [sigma_min, sigma_max]."""
    if levels:
        return np.asarray(levels, dtype=np.float64)[np.arange(n) % len(levels)]
    return rng.uniform(sigma_min, sigma_max, size=n)


def salt_and_pepper(images: np.ndarray, share: float, rng: np.random.Generator,
                    rows: np.ndarray | None = None) -> np.ndarray:
    """A copy of ``images`` with ``share`` of the pixels (of ``rows``, a boolean per image; all by
    default) set to 0 or 1 at random, half each."""
    out = images.copy()
    hit = rng.random(images.shape) < share
    if rows is not None:
        hit &= rows.reshape(-1, *([1] * (images.ndim - 1)))
    salt = rng.random(images.shape) < 0.5
    out[hit & salt] = 1.0
    out[hit & ~salt] = 0.0
    return out


def make_blind_denoise(n: int, seed: int, size: int = 28, sigma_min: float = 0.05, sigma_max: float = 0.5,
                       salt_pepper: float = 0.05, levels: Sequence[float] = ()) -> dict[str, np.ndarray]:
    """``noisy`` and ``clean`` (n, 1, size, size) float32 in [0, 1], and each image's ``sigma``
    (n,) float32. With ``levels`` the sigmas cycle through them; a level of 0 is a clean input."""
    if not 0 <= sigma_min <= sigma_max or not 0 <= salt_pepper < 1 or any(s < 0 for s in levels):
        raise ValueError("noise levels are >= 0 (sigma_min <= sigma_max) and salt_pepper in [0, 1)")
    clean, _ = render_shapes(n, np.random.default_rng(seed), size=size, centred=False)
    rng = np.random.default_rng([seed, NOISE_STREAM])
    sigma = noise_levels(n, rng, sigma_min, sigma_max, levels)
    noisy = np.clip(clean + rng.normal(0.0, 1.0, size=clean.shape) * sigma[:, None, None, None], 0.0, 1.0)
    noisy = salt_and_pepper(noisy, salt_pepper, rng, rows=sigma > 0)
    return {"noisy": noisy.astype(np.float32), "clean": clean, "sigma": sigma.astype(np.float32)}
