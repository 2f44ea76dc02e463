"""The transfer-learning target task (design §2.12 "transfer target", competency 9).

Why new shapes: the shipped ``Tiny`` network (``challenges.pretrained``) was trained on circles,
squares, triangles and crosses; a transfer challenge must ask for classes it has never seen, so
its head cannot be reused and only its features carry over. The four target shapes share strokes
with the source ones (a ring's outline with the circle, a diamond's edges with the triangle, the
bars with the cross's arms) but differ in what separates them:

* ring: ``0.55 r <= distance to the centre <= r``;
* diamond: ``|dx| + |dy| <= r``;
* horizontal bar: ``|dx| <= r`` and ``|dy| <= 0.3 r``;
* vertical bar: ``|dx| <= 0.3 r`` and ``|dy| <= r``.

Everything else is the off-centre source distribution: r ~ U(0.18 H, 0.32 H), a uniform centre
with the shape inside, foreground ~ U(0.6, 1), background ~ U(0, 0.3), noise σ 0.15, clamped to
[0, 1]. ``balanced`` (the default) gives every class exactly n / 4 images, shuffled: a few-shot
split of 40 holds 10 per class, whatever the seed;
``invert`` flips intensities (``1 - x``) after the noise, the domain shift of C9.3.
"""

from __future__ import annotations

import numpy as np

from challenges.datagen.shapes import add_noise, paint_shapes

TARGET_NAMES: tuple[str, ...] = ("ring", "diamond", "horizontal bar", "vertical bar")
RING_INNER = 0.55
BAR_HALF_WIDTH = 0.3


def _target_masks(kind: np.ndarray, dx: np.ndarray, dy: np.ndarray, r: np.ndarray) -> np.ndarray:
    adx, ady = np.abs(dx), np.abs(dy)
    d2 = dx * dx + dy * dy
    ring = (d2 <= r * r) & (d2 >= (RING_INNER * r) ** 2)
    diamond = adx + ady <= r
    bar = BAR_HALF_WIDTH * r
    horizontal = (adx <= r) & (ady <= bar)
    vertical = (adx <= bar) & (ady <= r)
    k = kind[:, None, None]
    return np.where(k == 0, ring, np.where(k == 1, diamond, np.where(k == 2, horizontal, vertical)))


def _labels(n: int, balanced: bool, rng: np.random.Generator) -> np.ndarray:
    classes = len(TARGET_NAMES)
    if not balanced:
        return rng.integers(0, classes, size=n)
    if n % classes:
        raise ValueError(f"a balanced split holds a multiple of {classes} images, not {n}")
    return rng.permutation(np.repeat(np.arange(classes), n // classes))


def make_transfer_target(n: int, seed: int, size: int = 28, noise: float = 0.15, balanced: bool = True,
                         invert: bool = False) -> dict[str, np.ndarray]:
    """``x`` (n, 1, size, size) float32 in [0, 1] and ``y`` int64 labels in 0..3 (``TARGET_NAMES``)."""
    rng = np.random.default_rng(seed)
    labels = _labels(n, balanced, rng)
    x = add_noise(paint_shapes(labels, rng, size=size, masks=_target_masks), noise, rng)
    if invert:
        x = (1.0 - x).astype(np.float32)
    return {"x": x, "y": labels.astype(np.int64)}
