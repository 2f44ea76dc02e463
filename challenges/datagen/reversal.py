"""Sequence reversal through a hidden substitution for C6.4 ``seq2seq-reverse`` (design C6.4).

Inputs are sequences of 5-8 symbols over 10 symbols (ids 1..10), left-aligned in a (N, 8) int64
array padded with ``PAD`` = 0 after each sequence's length. The target of a sequence of length
``L`` is the sequence reversed, each symbol then replaced through ``SUBSTITUTION``, a fixed
derangement of 1..10 (no symbol maps to itself), padded with 0 at the same positions:
``Y[i, t] = SUBSTITUTION[X[i, L - 1 - t]]`` for ``t < L``.

Why a substitution: plain reversal can be written without learning anything
(``torch.flip`` of the valid part); through the substitution a hard-coded flip scores 0, and the
model must learn from the training pairs what each target symbol is, as a translation model
learns its target vocabulary. The substitution is fixed (part of the challenge version, like the
training seed), so it is the same for the training split and every hidden split.
"""

from __future__ import annotations

import numpy as np

PAD = 0
NUM_SYMBOLS = 10
MAX_LEN = 8
MIN_LEN = 5
#: SUBSTITUTION[s] is the target symbol of input symbol s (index 0, PAD, maps to PAD).
SUBSTITUTION = np.asarray([0, 4, 7, 1, 9, 2, 10, 3, 6, 5, 8], dtype=np.int64)


def reverse_valid(x: np.ndarray) -> np.ndarray:
    """Each row's valid prefix (before the first PAD) reversed in place, symbols unchanged."""
    lengths = (x != PAD).sum(axis=1)
    positions = np.arange(x.shape[1])[None, :]
    source = np.clip(lengths[:, None] - 1 - positions, 0, x.shape[1] - 1)
    return np.where(positions < lengths[:, None], np.take_along_axis(x, source, axis=1), PAD).astype(np.int64)


def reversal_targets(x: np.ndarray) -> np.ndarray:
    """Targets of padded inputs ``x`` (N, T): each valid prefix reversed, then substituted."""
    return SUBSTITUTION[reverse_valid(x)]


def make_reversal(n: int, seed: int, min_len: int = MIN_LEN, max_len: int = MAX_LEN) -> dict[str, np.ndarray]:
    """``n`` pairs: {"X": int64 (n, max_len) inputs, "Y": int64 (n, max_len) targets}, PAD = 0."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(min_len, max_len + 1, size=n)
    x = rng.integers(1, NUM_SYMBOLS + 1, size=(n, max_len)).astype(np.int64)
    x[np.arange(max_len)[None, :] >= lengths[:, None]] = PAD
    return {"X": x, "Y": reversal_targets(x)}
